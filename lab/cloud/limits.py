"""Request body limits: an ASGI middleware that refuses an oversized request body before it is read.

OpenStack services sit behind oslo.middleware's `sizelimit` filter, which answers 413 for a body over
`max_request_body_size` (114,688 bytes by default) without reading it. Here the same limit is kept in two
ways, so a 50 MB token request never costs 50 MB of memory:

- a `Content-Length` over the limit: the app's `receive` fails at its first call, so the route's
  `await request.body()` raises `RequestTooLarge` and the app's error handler answers in the service's own
  error style (a route that never reads the body, such as a 401 for a missing token, answers as it would);
- no or a false `Content-Length` (chunked): the bytes are counted as they arrive, and the chunk that passes
  the limit fails the same way.

Image data (`PUT /image/v2/images/{id}/file`) and object storage (`/object/...`: an object's bytes, streamed to
disk under Swift's own per-object cap) are exempt: they stream to disk under their own caps (`image_size_cap`,
Glance's option, and Swift's 5 GiB object size).
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lab.cloud.errors import OverLimit

# oslo.middleware's default [oslo_middleware] max_request_body_size.
DEFAULT_MAX_BODY = 114_688
_EXEMPT = re.compile(r"^(/image/v2/images/[^/]+/file|/object/.*)$")


class RequestTooLarge(OverLimit):
    """413 with oslo.middleware's message."""

    def __init__(self) -> None:
        super().__init__("Request is too large.", neutron_type="HTTPRequestEntityTooLarge")


class BodyLimit:
    """ASGI middleware: at most `limit` bytes of request body on every path except image data. Added inside
    the app (`app.add_middleware`), so the RequestTooLarge raised from `receive` reaches its error handler."""

    def __init__(self, app: ASGIApp, limit: int = DEFAULT_MAX_BODY):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _EXEMPT.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            async def refuse() -> Message:
                raise RequestTooLarge()

            await self.app(scope, refuse, send)
            return
        received = 0

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise RequestTooLarge()
            return message

        await self.app(scope, counting, send)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
