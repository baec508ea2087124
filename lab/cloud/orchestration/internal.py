"""The engine's way to the other services: their own HTTP routes, called in-process as the stack's owner.

A request is an ASGI call into the lab's app (`cloud.asgi`, set by `create_app`) with the owner's
`RequestContext` placed in the scope under "stacklab.context", which `lab.cloud.http.context_of` takes as the
resolved caller. Nothing from outside can set that key (the scope is built by the server, not from headers),
so no token or password of the student is made or kept; and because the call goes through the very routes a
student's CLI reaches (parsing, policy, quotas, billing, the project in the URL), a stack can do exactly what
its owner could do by hand and nothing more. This plays the part of Heat's trusts: the creator's roles on the
project, delegated to the engine for the stack's lifetime.

No microversion header is sent, so Nova answers at its base microversion 2.1: what Heat's own
clients do (heat/engine/clients/os/nova.py creates its novaclient at NOVA_API_VERSION "2.1" and asks for a
higher microversion only for a property that needs one, such as a server's `tags` at 2.26).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import orjson

from lab.cloud.context import RequestContext

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

_KINDS = {400: "BadRequest", 401: "Unauthorized", 402: "PaymentRequired", 403: "Forbidden", 404: "NotFound",
          405: "MethodNotAllowed", 409: "Conflict", 413: "OverLimit", 500: "InternalServerError"}


@dataclass
class ApiError(Exception):
    """A service answered an error: its status, and the message out of its error body."""

    status: int
    message: str

    @property
    def kind(self) -> str:
        return _KINDS.get(self.status, "HTTPError")

    def __str__(self) -> str:
        return f"{self.message} (HTTP {self.status})"


def _message(body: Any) -> str:
    """The message of any service's error body (Nova's, Neutron's, Keystone's, Glance's)."""
    if isinstance(body, dict):
        if isinstance(body.get("NeutronError"), dict):
            return str(body["NeutronError"].get("message", ""))
        if isinstance(body.get("error"), dict):
            return str(body["error"].get("message", ""))
        if "message" in body:
            return str(body["message"])
        for value in body.values():
            if isinstance(value, dict) and "message" in value:
                return str(value["message"])
    return str(body)[:500]


class InternalAPI:
    """The lab's APIs as one user in one project (see the module docstring)."""

    def __init__(self, cloud: Cloud, ctx: RequestContext):
        self.cloud = cloud
        self.ctx = ctx

    def get(self, path: str, **query: Any) -> Any:
        return self.call("GET", path, query=query)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("POST", path, body)

    def put(self, path: str, body: Any = None) -> Any:
        return self.call("PUT", path, body)

    def delete(self, path: str, missing_ok: bool = True) -> Any:
        try:
            return self.call("DELETE", path)
        except ApiError as exc:
            if exc.status == 404 and missing_ok:
                return None
            raise

    def call(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None) -> Any:
        """One request; the JSON answer (None for an empty one), or ApiError for a 4xx/5xx. `headers` are
        extra request headers (a microversion a resource type needs)."""
        status, data = asyncio.run(self._call(method, path, body, query or {}, headers or {}))
        if status >= 400:
            raise ApiError(status, _message(data))
        return data

    async def _call(self, method: str, path: str, body: Any, query: dict[str, Any],
                    extra: dict[str, str]) -> tuple[int, Any]:
        app = getattr(self.cloud, "asgi", None)
        if app is None:
            raise RuntimeError("the orchestration engine needs the lab's app (it runs inside `stacklab up`)")
        raw = b"" if body is None else orjson.dumps(body)
        headers = [(b"host", b"127.0.0.1"), (b"accept", b"application/json")]
        if body is not None:
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
        headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
                 "query_string": urlencode({k: v for k, v in query.items() if v is not None}, True).encode(),
                 "headers": headers, "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 0),
                 "stacklab.context": self.ctx}
        sent = False
        status = 500
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        content = b"".join(chunks)
        try:
            return status, orjson.loads(content) if content else None
        except orjson.JSONDecodeError:
            return status, content.decode(errors="replace")
