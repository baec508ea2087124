"""Metric HTTP routes (Gnocchi v1 at /metric): parse, one service call, render.

    GET  /metric                                      versions
    GET  /metric/v1/status                            measure-processing status (admin)
    GET|POST /metric/v1/archive_policy[/]             GET|DELETE /metric/v1/archive_policy/{name}
    GET|POST /metric/v1/archive_policy_rule[/]        GET|DELETE /metric/v1/archive_policy_rule/{name}
    GET|POST /metric/v1/resource_type[/]              GET|PATCH|DELETE /metric/v1/resource_type/{name}
    GET  /metric/v1/resource[/]                       each type's collection URL
    GET|POST /metric/v1/resource/{type}[/]            GET|PATCH|DELETE /metric/v1/resource/{type}/{id}
    POST /metric/v1/search/resource/{type}            (JSON body, or ?filter= as the CLI sends)
    GET|POST /metric/v1/resource/{type}/{id}/metric   GET|DELETE .../metric/{name}, GET|POST .../measures
    GET|POST /metric/v1/metric[/]                     GET|DELETE /metric/v1/metric/{id}, GET|POST .../measures

gnocchiclient adds a trailing slash to collection URLs, which Gnocchi accepts: both spellings are routed."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, NotAcceptable, UnsupportedMediaType
from lab.cloud.http import cloud_of, context_of, no_content, query_bool, query_int, query_value, service_of
from lab.cloud.metric import archive, schemas
from lab.cloud.metric.query import parse_filter
from lab.cloud.metric.service import MeasureQuery, MetricService


def respond(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Gnocchi's JSON is Python's json.dumps (", " and ": " between items), which clients matching text see."""
    return Response(json.dumps(data), status, headers, media_type="application/json")


def _service(request: Request) -> MetricService:
    _accepts_json(request)
    return service_of(request, "metric", MetricService)


def _accepts_json(request: Request) -> None:
    """Gnocchi answers JSON only: an Accept header that allows no JSON is its 406."""
    accept = request.headers.get("accept", "")
    if not accept:
        return
    for item in accept.split(","):
        media, _, params = item.strip().partition(";")
        q = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            weight = float(q)
        except ValueError:
            weight = 1.0
        if weight > 0 and media.strip().lower() in ("*/*", "application/*", "application/json"):
            return
    # webob's plain-text answer, which names the status
    raise NotAcceptable("406 Not Acceptable: The resource could not be generated that was acceptable to your "
                        "user agent (Gnocchi answers application/json).")


def _ctx(request: Request) -> RequestContext:
    return context_of(request)


async def _json(request: Request, media: str = "application/json") -> Any:
    """The body, which Gnocchi reads only as JSON (415 for another content type)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != media:
        raise UnsupportedMediaType()
    raw = await request.body()
    if not raw:
        raise BadRequest("Unable to decode body: empty")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"Unable to decode body: {exc}") from None


async def _object(request: Request) -> dict[str, Any]:
    body = await _json(request)
    if not isinstance(body, dict):
        raise BadRequest("Invalid input: expected a dictionary")
    return body


def _p(request: Request, key: str) -> str:
    return str(request.path_params[key])


async def versions(request: Request) -> Response:
    base = cloud_of(request).settings.endpoint
    return respond({"versions": [{"id": "v1.0", "status": "CURRENT", "updated": "2015-01-01T00:00:00Z",
                                  "links": [{"rel": "self", "href": f"{base}/metric/v1/"}]}]})


async def status(request: Request) -> Response:
    ctx = _ctx(request)
    cloud_of(request).policy.enforce(ctx, "get status")
    return respond({"storage": {"summary": {"metrics": 0, "measures": 0}},
                    "metricd": {"processors": ["stacklab-collector"], "statistics": {}}})


# ---------------------------------------------------------------------------------------- archive policies
async def list_policies(request: Request) -> Response:
    return respond([schemas.archive_policy(p) for p in _service(request).list_policies(_ctx(request))])


def _location(request: Request, path: str) -> dict[str, str]:
    return {"Location": f"{cloud_of(request).settings.endpoint}/metric/v1/{path}"}


async def create_policy(request: Request) -> Response:
    policy = _service(request).create_policy(_ctx(request), await _object(request))
    return respond(schemas.archive_policy(policy), 201, _location(request, f"archive_policy/{quote(policy.name)}"))


async def show_policy(request: Request) -> Response:
    return respond(schemas.archive_policy(_service(request).get_policy(_ctx(request), _p(request, "name"))))


async def delete_policy(request: Request) -> Response:
    _service(request).delete_policy(_ctx(request), _p(request, "name"))
    return no_content()


async def list_rules(request: Request) -> Response:
    return respond([schemas.archive_policy_rule(r) for r in _service(request).list_rules(_ctx(request))])


async def create_rule(request: Request) -> Response:
    rule = _service(request).create_rule(_ctx(request), await _object(request))
    return respond(schemas.archive_policy_rule(rule), 201)


async def show_rule(request: Request) -> Response:
    return respond(schemas.archive_policy_rule(_service(request).get_rule(_ctx(request), _p(request, "name"))))


async def delete_rule(request: Request) -> Response:
    _service(request).delete_rule(_ctx(request), _p(request, "name"))
    return no_content()


# ------------------------------------------------------------------------------------------ resource types
async def list_types(request: Request) -> Response:
    return respond([schemas.resource_type(n, a) for n, a in _service(request).list_types(_ctx(request)).items()])


async def show_type(request: Request) -> Response:
    name = _p(request, "name")
    return respond(schemas.resource_type(name, _service(request).get_type(_ctx(request), name)))


async def create_type(request: Request) -> Response:
    name, attributes = _service(request).create_type(_ctx(request), await _object(request))
    return respond(schemas.resource_type(name, attributes), 201, _location(request, f"resource_type/{name}"))


async def update_type(request: Request) -> Response:
    name = _p(request, "name")
    patch = await _json(request, "application/json-patch+json")
    return respond(schemas.resource_type(name, _service(request).update_type(_ctx(request), name, patch)))


async def delete_type(request: Request) -> Response:
    _service(request).delete_type(_ctx(request), _p(request, "name"))
    return no_content()


# ----------------------------------------------------------------------------------------------- resources
async def resource_root(request: Request) -> Response:
    """GET /v1/resource: each resource type's collection URL."""
    base = f"{cloud_of(request).settings.endpoint}/metric/v1/resource"
    return respond({name: f"{base}/{name}" for name in _service(request).list_types(_ctx(request))})


def _limited(request: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    marker = query_value(request, "marker")
    if marker:
        ids = [r["id"] for r in items]
        if marker not in ids:
            raise BadRequest(f"Invalid marker: `{marker}'")
        items = items[ids.index(marker) + 1:]
    limit = query_int(request, "limit", 1)
    return items if limit is None else items[:limit]


async def list_resources(request: Request) -> Response:
    details = bool(query_bool(request, "details", False))
    rows = _service(request).list_resources(_ctx(request), _p(request, "type"), details)
    return respond(_limited(request, rows))


async def search_resources(request: Request) -> Response:
    text = query_value(request, "filter")
    query: Any = parse_filter(text) if text else (await _json(request) if await request.body() else {})
    details = bool(query_bool(request, "details", False))
    rows = _service(request).list_resources(_ctx(request), _p(request, "type"), True, query, "search resource")
    if not details and _p(request, "type") == "generic":
        rows = [{k: v for k, v in r.items() if k in schemas.GENERIC_FIELDS} for r in rows]
    return respond(_limited(request, rows))


async def create_resource(request: Request) -> Response:
    body = _service(request).create_resource(_ctx(request), _p(request, "type"), await _object(request))
    return respond(body, 201, {"Location": f"{request.url}/{body['id']}".replace("//" + body["id"],
                                                                                 "/" + body["id"])})


async def show_resource(request: Request) -> Response:
    return respond(_service(request).get_resource(_ctx(request), _p(request, "type"), _p(request, "id")))


async def update_resource(request: Request) -> Response:
    return respond(_service(request).update_resource(_ctx(request), _p(request, "type"), _p(request, "id"),
                                                     await _object(request)))


async def delete_resource(request: Request) -> Response:
    _service(request).delete_resource(_ctx(request), _p(request, "type"), _p(request, "id"))
    return no_content()


async def list_resource_metrics(request: Request) -> Response:
    res = _service(request).get_resource(_ctx(request), _p(request, "type"), _p(request, "id"))
    ctx = _ctx(request)
    return respond([_service(request).get_metric(ctx, mid) for mid in res["metrics"].values()])


async def create_resource_metrics(request: Request) -> Response:
    made = _service(request).create_resource_metrics(_ctx(request), _p(request, "type"), _p(request, "id"),
                                                     await _object(request))
    return respond(made)


async def show_resource_metric(request: Request) -> Response:
    return respond(_service(request).get_named_metric(_ctx(request), _p(request, "type"), _p(request, "id"),
                                                      _p(request, "name")))


async def delete_resource_metric(request: Request) -> Response:
    _service(request).delete_metric(_ctx(request), _p(request, "name"), _p(request, "type"), _p(request, "id"))
    return no_content()


# ------------------------------------------------------------------------------------------------- metrics
METRIC_FILTERS = ("id", "name", "unit", "archive_policy_name", "resource_id", "creator", "status")


async def list_metrics(request: Request) -> Response:
    filters = {k: v for k, v in request.query_params.items() if k in METRIC_FILTERS}
    rows = _service(request).list_metrics(_ctx(request), filters=filters)
    return respond(_limited(request, rows))


async def create_metric(request: Request) -> Response:
    body = _service(request).create_metric(_ctx(request), await _object(request))
    return respond(body, 201, _location(request, f"metric/{body['id']}"))


async def show_metric(request: Request) -> Response:
    return respond(_service(request).get_metric(_ctx(request), _p(request, "id")))


async def delete_metric(request: Request) -> Response:
    _service(request).delete_metric(_ctx(request), _p(request, "id"))
    return no_content()


def _measure_query(request: Request) -> MeasureQuery:
    granularity = query_value(request, "granularity")
    start, stop = query_value(request, "start"), query_value(request, "stop")
    query_bool(request, "refresh", False)  # accepted: measures are always processed here
    return MeasureQuery(
        aggregation=query_value(request, "aggregation") or "mean",
        granularity=archive.to_seconds(granularity, "granularity") if granularity else None,
        start=schemas.parse_time(start, "start") if start else None,
        stop=schemas.parse_time(stop, "stop") if stop else None)


async def get_measures(request: Request) -> Response:
    p = request.path_params
    q = _measure_query(request)
    if "name" in p:
        got = _service(request).get_measures(_ctx(request), p["name"], q, p["type"], p["id"])
    else:
        got = _service(request).get_measures(_ctx(request), p["id"], q)
    return respond(schemas.measures(got))


async def post_measures(request: Request) -> Response:
    p = request.path_params
    points = schemas.parse_measures(await _json(request))
    if "name" in p:
        _service(request).post_measures(_ctx(request), p["name"], points, p["type"], p["id"])
    else:
        _service(request).post_measures(_ctx(request), p["id"], points)
    return no_content(202)


def _both(path: str, endpoint: Any, methods: list[str]) -> list[Route]:
    """A collection path with and without gnocchiclient's trailing slash."""
    return [Route(path, endpoint, methods=methods), Route(path + "/", endpoint, methods=methods)]


RES = "/v1/resource/{type}/{id}"
routes = [
    Route("/", versions, methods=["GET"]),
    Route("/v1/status", status, methods=["GET"]),
    *_both("/v1/archive_policy", list_policies, ["GET"]),
    *_both("/v1/archive_policy", create_policy, ["POST"]),
    Route("/v1/archive_policy/{name}", show_policy, methods=["GET"]),
    Route("/v1/archive_policy/{name}", delete_policy, methods=["DELETE"]),
    *_both("/v1/archive_policy_rule", list_rules, ["GET"]),
    *_both("/v1/archive_policy_rule", create_rule, ["POST"]),
    Route("/v1/archive_policy_rule/{name}", show_rule, methods=["GET"]),
    Route("/v1/archive_policy_rule/{name}", delete_rule, methods=["DELETE"]),
    *_both("/v1/resource_type", list_types, ["GET"]),
    *_both("/v1/resource_type", create_type, ["POST"]),
    Route("/v1/resource_type/{name}", show_type, methods=["GET"]),
    Route("/v1/resource_type/{name}", update_type, methods=["PATCH"]),
    Route("/v1/resource_type/{name}", delete_type, methods=["DELETE"]),
    *_both("/v1/resource", resource_root, ["GET"]),
    *_both("/v1/search/resource/{type}", search_resources, ["POST"]),
    *_both("/v1/resource/{type}", list_resources, ["GET"]),
    *_both("/v1/resource/{type}", create_resource, ["POST"]),
    Route(RES, show_resource, methods=["GET"]),
    Route(RES, update_resource, methods=["PATCH"]),
    Route(RES, delete_resource, methods=["DELETE"]),
    *_both(RES + "/metric", list_resource_metrics, ["GET"]),
    *_both(RES + "/metric", create_resource_metrics, ["POST"]),
    Route(RES + "/metric/{name}", show_resource_metric, methods=["GET"]),
    Route(RES + "/metric/{name}", delete_resource_metric, methods=["DELETE"]),
    Route(RES + "/metric/{name}/measures", get_measures, methods=["GET"]),
    Route(RES + "/metric/{name}/measures", post_measures, methods=["POST"]),
    *_both("/v1/metric", list_metrics, ["GET"]),
    *_both("/v1/metric", create_metric, ["POST"]),
    Route("/v1/metric/{id}", show_metric, methods=["GET"]),
    Route("/v1/metric/{id}", delete_metric, methods=["DELETE"]),
    Route("/v1/metric/{id}/measures", get_measures, methods=["GET"]),
    Route("/v1/metric/{id}/measures", post_measures, methods=["POST"]),
]


async def root(request: Request) -> Response:
    return await versions(request)
