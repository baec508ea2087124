"""The toy service's wire shapes: its request parsing (the shared checks, in Keystone's wording) and its own
error body (a style no built-in service has, named by its spec as "module:function")."""

from __future__ import annotations

from typing import Any

from lab.cloud import validation as V
from lab.cloud.errors import CloudError


def parse_toy(body: Any) -> str:
    """The name of a `{"toy": {"name": ...}}` body: 1 to 64 characters."""
    return str(V.parse_object(V.KEYSTONE, {"name": V.Attr(V.string(1, 64), required=True)},
                              V.body_object(V.KEYSTONE, body, "toy"), "toy")["name"])


def error_body(error: CloudError) -> dict[str, Any]:
    """Keystone's error body, signed by the toy (so a test can tell the toy's renderer answered)."""
    return {"error": {"code": error.code, "title": error.title, "message": error.message}, "service": "toy"}
