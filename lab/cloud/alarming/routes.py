"""Alarm HTTP routes (Aodh v2 at /alarming): parse, one service call, render.

    GET  /alarming                                versions
    GET|POST /alarming/v2/alarms                  list (q.field/q.op/q.value) / create
    GET|PUT|DELETE /alarming/v2/alarms/{id}       GET|PUT .../state   GET .../history
    POST /alarming/v2/query/alarms                the complex query aodhclient finds an alarm by name with
    POST /alarming/v2/query/alarms/history
    GET  /alarming/v2/capabilities
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.alarming import schemas
from lab.cloud.alarming.service import AlarmingService
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest
from lab.cloud.http import cloud_of, context_of, no_content, query_int, respond, service_of


def _service(request: Request) -> AlarmingService:
    return service_of(request, "alarming", AlarmingService)


def _ctx(request: Request) -> RequestContext:
    return context_of(request)


async def _json(request: Request) -> Any:
    raw = await request.body()
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadRequest("Invalid JSON body") from None


async def _object(request: Request) -> dict[str, Any]:
    body = await _json(request)
    if not isinstance(body, dict):
        raise BadRequest("Invalid input: a JSON object is expected")
    return body


def _id(request: Request) -> str:
    return str(request.path_params["alarm_id"])


async def versions(request: Request) -> Response:
    base = cloud_of(request).settings.endpoint
    v2 = {"id": "v2", "status": "stable", "updated": "2013-02-13T00:00:00Z",
          "links": [{"rel": "self", "href": f"{base}/alarming/v2"}]}
    media = [{"base": "application/json", "type": "application/vnd.openstack.telemetry-v2+json"},
             {"base": "application/xml", "type": "application/vnd.openstack.telemetry-v2+xml"}]
    return respond({"versions": {"values": [{**v2, "media-types": media}]}, "default_version": v2})


async def capabilities(request: Request) -> Response:
    _ctx(request)
    return respond({"api": {"alarms:query:simple": True, "alarms:query:complex": True,
                            "alarms:history:query:simple": True, "alarms:history:query:complex": True},
                    "alarm_storage": {"storage:production_ready": True}})


def _q(request: Request) -> list[tuple[str, str, str]]:
    fields = request.query_params.getlist("q.field")
    ops = request.query_params.getlist("q.op")
    values = request.query_params.getlist("q.value")
    if len(values) != len(fields):
        raise BadRequest("Invalid query: every q.field needs a q.value")
    ops += ["eq"] * (len(fields) - len(ops))
    return list(zip(fields, ops, values, strict=True))


SORT_KEYS = ("alarm_id", "enabled", "name", "type", "severity", "timestamp", "user_id", "project_id", "state",
             "repeat_actions", "state_timestamp")


def _sorted(request: Request, alarms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`sort=key[:asc|desc]`, repeated (Aodh's default: newest first, then alarm_id)."""
    keys = request.query_params.getlist("sort")
    for spec in reversed(keys):  # stable sorts, last key first
        key, _, direction = spec.partition(":")
        if key not in SORT_KEYS or direction not in ("", "asc", "desc"):
            raise BadRequest(f"Invalid input for field/attribute sort. Value: '{spec}'. the sort parameter should "
                             f"be a pair of sort key and sort dir combined with colon: key:dir, key one of "
                             f"{list(SORT_KEYS)}")
        def by(a: dict[str, Any], k: str = key) -> tuple[bool, str]:
            return a.get(k) is None, str(a.get(k))
        alarms = sorted(alarms, key=by, reverse=direction == "desc")
    return alarms


def _page(request: Request, alarms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    alarms = _sorted(request, alarms)
    marker = request.query_params.get("marker")
    if marker:
        ids = [a["alarm_id"] for a in alarms]
        if marker not in ids:
            raise BadRequest(f"Invalid marker: {marker}")
        alarms = alarms[ids.index(marker) + 1:]
    limit = query_int(request, "limit", 1)
    return alarms if limit is None else alarms[:limit]


async def list_alarms(request: Request) -> Response:
    alarms = _service(request).list_alarms(_ctx(request), _q(request))
    return respond(_page(request, [schemas.alarm(a) for a in alarms]))


async def query_alarms(request: Request) -> Response:
    body = await _object(request)
    raw = body.get("filter")
    try:
        query = orjson.loads(raw) if isinstance(raw, str) and raw else (raw or {})
    except orjson.JSONDecodeError:
        raise BadRequest(f"Filter expression not valid: {raw}") from None
    alarms = _service(request).list_alarms(_ctx(request), [], query, "telemetry:query_alarm")
    limit = body.get("limit")
    rendered = [schemas.alarm(a) for a in alarms]
    return respond(rendered[:limit] if isinstance(limit, int) and limit > 0 else rendered)


async def create_alarm(request: Request) -> Response:
    a = _service(request).create(_ctx(request), await _object(request))
    return respond(schemas.alarm(a), 201)


async def show_alarm(request: Request) -> Response:
    return respond(schemas.alarm(_service(request).get(_ctx(request), _id(request))))


async def update_alarm(request: Request) -> Response:
    a = _service(request).update(_ctx(request), _id(request), await _object(request))
    return respond(schemas.alarm(a))


async def delete_alarm(request: Request) -> Response:
    _service(request).delete(_ctx(request), _id(request))
    return no_content()


async def get_state(request: Request) -> Response:
    return respond(_service(request).get(_ctx(request), _id(request), "telemetry:get_alarm_state").state)


async def put_state(request: Request) -> Response:
    return respond(_service(request).set_state(_ctx(request), _id(request), await _json(request)))


async def history(request: Request) -> Response:
    changes = [schemas.change(c) for c in _service(request).history(_ctx(request), _id(request))]
    limit = query_int(request, "limit", 1)
    return respond(changes if limit is None else changes[:limit])


async def query_history(request: Request) -> Response:
    body = await _object(request)
    raw = body.get("filter")
    try:
        query = orjson.loads(raw) if isinstance(raw, str) and raw else (raw or {})
    except orjson.JSONDecodeError:
        raise BadRequest(f"Filter expression not valid: {raw}") from None
    ctx = _ctx(request)
    cloud_of(request).policy.enforce(ctx, "telemetry:query_alarm_history")
    found = []
    for a in _service(request).list_alarms(ctx, [], None, "telemetry:get_alarms"):
        found += [schemas.change(c) for c in _service(request).history(ctx, a.alarm_id)]
    from lab.cloud.metric.query import matches
    return respond([c for c in found if matches(query, c)])


routes = [
    Route("/", versions, methods=["GET"]),
    Route("/v2/capabilities", capabilities, methods=["GET"]),
    Route("/v2/alarms", list_alarms, methods=["GET"]),
    Route("/v2/alarms", create_alarm, methods=["POST"]),
    Route("/v2/query/alarms", query_alarms, methods=["POST"]),
    Route("/v2/query/alarms/history", query_history, methods=["POST"]),
    Route("/v2/alarms/{alarm_id}", show_alarm, methods=["GET"]),
    Route("/v2/alarms/{alarm_id}", update_alarm, methods=["PUT"]),
    Route("/v2/alarms/{alarm_id}", delete_alarm, methods=["DELETE"]),
    Route("/v2/alarms/{alarm_id}/state", get_state, methods=["GET"]),
    Route("/v2/alarms/{alarm_id}/state", put_state, methods=["PUT"]),
    Route("/v2/alarms/{alarm_id}/history", history, methods=["GET"]),
]


async def root(request: Request) -> Response:
    return await versions(request)
