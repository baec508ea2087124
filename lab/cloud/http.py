"""What every service's routes.py uses to parse requests and render responses, so routes stay thin.

- `cloud_of(request)`, `context_of(request)`: the cloud, and the caller resolved from `X-Auth-Token`;
- `read_json(request)`: the body as a dict, or OpenStack's 400 for malformed JSON;
- `respond(data, status)`, `no_content()`: JSON responses (orjson);
- `query_*`: OpenStack's query-string conventions (`is_public=None`, `id=in:a,b`, repeated `fields=`);
- `timestamp*`: each service's time format;
- `page_links`: next links for pagination.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Unauthorized
from lab.cloud.microversion import Version, requested

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


S = TypeVar("S")

def cloud_of(request: Request) -> Cloud:
    return request.app.state.cloud  # type: ignore[no-any-return,unused-ignore]


def service_of(request: Request, name: str, cls: type[S]) -> S:
    """The lab's `name` service as its own routes see it: the whole class, not the contract others see."""
    service = cloud_of(request).services[name]
    assert isinstance(service, cls)
    return service


def microversion(request: Request, default: Version | None = None) -> Version:
    """The microversion this request is served at (negotiated by app.OpenStackHeaders)."""
    return requested(request.scope, default)


def context_of(request: Request) -> RequestContext:
    """The caller of this request. Raises Unauthorized (401) when the token is missing, unknown or expired."""
    cached = request.scope.get("stacklab.context")
    if cached is not None:
        return cached  # type: ignore[no-any-return,unused-ignore]
    token = request.headers.get("x-auth-token")
    if not token:
        raise Unauthorized("The request you have made requires authentication.")
    ctx = cloud_of(request).identity.context_for_token(token, request_id=request.scope.get("request_id", ""))
    if ctx.is_admin and _truthy(request.query_params.get("all_tenants") or request.query_params.get("all_projects")):
        ctx = dataclasses.replace(ctx, all_projects=True)
    request.scope["stacklab.context"] = ctx
    return ctx


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() not in ("0", "false", "no", "off")


async def read_json(request: Request) -> dict[str, Any]:
    """The request body parsed as a JSON object. Raises BadRequest with OpenStack's wording otherwise."""
    raw = await request.body()
    if not raw:
        raise BadRequest("Malformed request body: the body is empty; a JSON object was expected.")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"Malformed request body: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("Malformed request body: a JSON object was expected.")
    return data


def require_key(body: dict[str, Any], key: str) -> dict[str, Any]:
    """`body[key]` as a dict (e.g. the `server` in `{"server": {...}}`), or a 400 naming what is missing."""
    value = body.get(key)
    if not isinstance(value, dict):
        raise BadRequest(f"Invalid input: '{key}' is a required property and must be an object.")
    return value


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def respond(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(data, status_code=status, headers=headers)


def no_content(status: int = 204, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, headers=headers)


def query_value(request: Request, name: str) -> str | None:
    """A query parameter, with OpenStack clients' literal 'None' treated as absent."""
    value = request.query_params.get(name)
    return None if value in (None, "None") else value


def query_bool(request: Request, name: str, default: bool | None = None) -> bool | None:
    """'True'/'true'/'1'/'yes' -> True, 'False'/... -> False, absent or 'None' -> default."""
    value = query_value(request, name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise BadRequest(f"Invalid value {value!r} for {name}: expected a boolean.")


def query_int(request: Request, name: str, minimum: int = 0) -> int | None:
    value = query_value(request, name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"Invalid value {value!r} for {name}: expected an integer.") from None
    if number < minimum:
        raise BadRequest(f"Invalid value {value!r} for {name}: must be >= {minimum}.")
    return number


def query_list(request: Request, name: str) -> list[str]:
    """All values of a repeated parameter, with `in:a,b` expanded (Glance and the SDK use both)."""
    values: list[str] = []
    for value in request.query_params.getlist(name):
        if value.startswith("in:"):
            values.extend(v for v in value[3:].split(",") if v)
        elif value != "None":
            values.append(value)
    return values


def timestamp(dt: datetime | None) -> str | None:
    """Nova, Neutron and Glance: 2026-11-21T18:00:00Z."""
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def timestamp_micro(dt: datetime | None) -> str | None:
    """Keystone: 2026-11-21T18:00:00.000000Z."""
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def timestamp_naive(dt: datetime | None) -> str | None:
    """Cinder: 2026-11-21T18:00:00.000000 (no zone)."""
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.%f")


def page_links(request: Request, items: list[dict[str, Any]], limit: int | None,
               marker_key: str = "id") -> list[dict[str, str]]:
    """A `next` link when the client asked for a page (`limit`) and got a full one; else no links."""
    if not limit or len(items) < limit:
        return []
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("marker", "limit")]
    params += [("limit", str(limit)), ("marker", str(items[-1][marker_key]))]
    base = str(request.url.replace(query=""))
    return [{"rel": "next", "href": f"{base}?{urlencode(params)}"}]
