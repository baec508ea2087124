"""The HTTP capture under the real clients: every request python-requests sends (keystoneauth, and so
openstacksdk and the `openstack` CLI, send through it) is kept as a raw record, before any normalisation.

`install(sink)` patches `requests.Session.send` in this process; `sink` gets one dict per exchange. The CLI runs
in a child process (`tests.parity.osc`), which installs the same hook and appends JSON lines to a file."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests

Record = dict[str, Any]
# The response headers a recording keeps (lower case): what clients read, not what servers happen to add.
KEPT_HEADERS = ("content-type", "location", "openstack-api-version", "x-openstack-request-id")

_original_send = requests.Session.send


def body_of(raw: bytes | str | None, content_type: str) -> Any:
    """A body as JSON when it is JSON, else as text, else as its length (binary data such as image bytes)."""
    if raw is None or raw == b"" or raw == "":
        return None
    if isinstance(raw, bytes):
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            return {"<binary>": len(raw)}
    else:
        text = raw
    if "json" in content_type or text[:1] in "{[":
        try:
            return json.loads(text)
        except ValueError:
            pass
    if "octet-stream" in content_type:
        return {"<binary>": len(text.encode())}
    return {"<text>": text}


def install(sink: Callable[[Record], None]) -> Callable[[], None]:
    """Send every exchange of this process to `sink`; returns the function that removes the hook."""

    def send(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = _original_send(self, request, **kwargs)
        body = request.body
        if hasattr(body, "read"):  # a streamed upload (image data): only its presence matters
            body = b"<stream>"
        request_type = request.headers.get("Content-Type", "")
        headers = {k.lower(): v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
        content = response.content  # a streamed body is kept by requests, so the client still reads it
        sink({"method": request.method, "url": request.url,
              "microversion": request.headers.get("OpenStack-API-Version"),
              "request": body_of(body if isinstance(body, bytes | str) else None, request_type),
              "status": response.status_code, "headers": headers,
              "response": body_of(content, response.headers.get("Content-Type", ""))})
        return response

    requests.Session.send = send  # type: ignore[method-assign]

    def remove() -> None:
        requests.Session.send = _original_send  # type: ignore[method-assign]

    return remove
