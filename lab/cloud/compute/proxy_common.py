"""What Nova's proxy APIs share (proxy_volumes.py, proxy_images.py, proxy_network.py): each is a thin
translation of a legacy Nova API onto the lab's own Cinder, Glance or Neutron, called through their contracts
(lab/cloud/contracts.py) with the caller's context, as Nova calls those services with the caller's token. None
keeps data of its own: a volume made with os-volumes is the Cinder volume.

Nova removed them at 2.36 (its image metadata at 2.39, the floating IP actions at 2.44): from that version on
their URLs are Nova's 404, as Nova no longer routes them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from starlette.requests import Request

from lab.cloud.compute import microversions as mv
from lab.cloud.context import RequestContext
from lab.cloud.errors import NotFound
from lab.cloud.http import cloud_of, context_of, microversion
from lab.cloud.microversion import Version

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


def served(request: Request, removed: Version = mv.PROXIES_GONE) -> tuple[Cloud, RequestContext]:
    """The cloud and the caller of a proxy request; Nova's 404 at and above the version that removed it."""
    if microversion(request, mv.MIN) >= removed:
        raise NotFound("The resource could not be found.")
    return cloud_of(request), context_of(request)


def nova_time(moment: datetime | None) -> str | None:
    """A time as Nova's proxies print what the services answered (ISO 8601, microseconds, no zone)."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.%f")
