"""Identity's wire shapes: version documents and the rendering of identity resources."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lab.cloud.http import timestamp_micro

VERSION_ID = "v3.14"
UPDATED = "2020-04-07T00:00:00Z"
MEDIA_TYPES = [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]


def time(dt: datetime | None) -> str | None:
    return timestamp_micro(dt)


def version(base: str) -> dict[str, Any]:
    """The v3 version entry, as Keystone's discovery documents show it."""
    return {"id": VERSION_ID, "status": "stable", "updated": UPDATED, "media-types": MEDIA_TYPES,
            "links": [{"rel": "self", "href": f"{base}/identity/v3/"}]}
