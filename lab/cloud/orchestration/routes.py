"""Orchestration's HTTP routes (Heat API v1 at /heat-api/v1/{tenant_id}): parse, call the service, render.

`GET /stacks/{name}` (and `/stacks/{name}/resources`, `/events`, ...) answers 302 to the stack's canonical
URL `/stacks/{name}/{id}/...`, keeping the query string: python-heatclient relies on it to find a stack by
name. Calls that ask the other services (custom constraints, resource attributes) run in a thread, since the
engine's in-process client runs its own event loop (internal.py).
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Forbidden, MethodNotAllowed, NotFound
from lab.cloud.http import (
    cloud_of,
    context_of,
    no_content,
    query_bool,
    query_int,
    query_list,
    query_value,
    read_json,
    respond,
    service_of,
)
from lab.cloud.orchestration import schemas
from lab.cloud.orchestration import template as hot
from lab.cloud.orchestration.models import Stack
from lab.cloud.orchestration.resources import served_types
from lab.cloud.orchestration.service import OrchestrationService
from lab.cloud.orchestration.software import SoftwareService, config_body, deployment_body

# The words after /stacks/{name}/ that are a lookup with a path, not a stack id.
LOOKUP_PATHS = {"resources", "events", "template", "outputs", "environment", "files", "actions", "abandon"}


def _service(request: Request) -> OrchestrationService:
    return service_of(request, "orchestration", OrchestrationService)


def _software(request: Request) -> SoftwareService:
    return SoftwareService(cloud_of(request))


def _base(request: Request) -> str:
    return cloud_of(request).settings.endpoint


def _ctx(request: Request) -> RequestContext:
    """The caller; a tenant in the URL other than the token's project is refused unless the caller is admin."""
    ctx = context_of(request)
    tenant = request.path_params.get("tenant_id")
    if tenant is not None and tenant != ctx.project_id and not ctx.is_admin:
        raise Forbidden("You are not authorized to use the tenant in the request URL.")
    return ctx


def _stack(request: Request, rule: str = "stacks:show") -> tuple[RequestContext, Stack]:
    ctx = _ctx(request)
    stack = _service(request).get_stack(ctx, request.path_params["stack_name"], request.path_params["stack_id"],
                                        rule)
    return ctx, stack


async def _body(request: Request) -> dict[str, Any]:
    return await read_json(request)


# ------------------------------------------------------------------------------------------------ discovery
def _versions(request: Request) -> dict[str, Any]:
    return {"versions": [{"id": "v1.0", "status": "CURRENT", "links": [
        {"rel": "self", "href": f"{_base(request)}/heat-api/v1/"}]}]}


async def root(request: Request) -> Response:
    """GET /heat-api: the versions (Heat answers 300 Multiple Choices)."""
    return respond(_versions(request), 300)


async def build_info(request: Request) -> Response:
    ctx = _ctx(request)
    cloud_of(request).policy.enforce(ctx, "build_info:build_info")
    return respond({"api": {"revision": "stacklab"}, "engine": {"revision": "stacklab"}})


async def services(request: Request) -> Response:
    ctx = _ctx(request)
    cloud = cloud_of(request)
    cloud.policy.enforce(ctx, "service:index")
    now = cloud.clock.now()
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return respond({"services": [{"id": "stacklab-heat-engine", "binary": "heat-engine", "engine_id": "stacklab",
                                  "host": "stacklab", "hostname": "stacklab", "topic": "engine", "status": "up",
                                  "report_interval": 60, "created_at": stamp, "updated_at": stamp,
                                  "deleted_at": None}]})


# --------------------------------------------------------------------------------------------------- stacks
async def list_stacks(request: Request) -> Response:
    ctx = _ctx(request)
    if query_bool(request, "global_tenant", False):
        cloud_of(request).policy.enforce(ctx, "context_is_admin")
        ctx = dataclasses.replace(ctx, all_projects=True)
    filters: dict[str, Any] = {key: query_list(request, key) for key in ("name", "id", "status", "action")}
    filters["tags"] = query_value(request, "tags")
    stacks = _service(request).list_stacks(ctx, filters, bool(query_bool(request, "show_nested", False)),
                                           bool(query_bool(request, "show_deleted", False)))
    marker = query_value(request, "marker")
    if marker:
        ids = [s.id for s in stacks]
        if marker not in ids:
            raise NotFound(f"The Stack ({marker}) could not be found.")
        stacks = stacks[ids.index(marker) + 1:]
    if query_value(request, "sort_dir") == "asc":
        stacks.reverse()
    limit = query_int(request, "limit")
    if limit is not None:
        stacks = stacks[:limit]
    return respond({"stacks": [schemas.stack_summary(_base(request), s) for s in stacks]})


async def create_stack(request: Request) -> Response:
    ctx = _ctx(request)
    body = await _body(request)
    stack = await run_in_threadpool(_service(request).create_stack, ctx, body)
    url = schemas.stack_url(_base(request), stack)
    response = respond({"stack": {"id": stack.id, "links": [{"href": url, "rel": "self"}]}}, 201)
    response.headers["Location"] = url  # Heat's StackSerializer sets it (heat-tempest-plugin follows it)
    return response


async def preview_stack(request: Request) -> Response:
    ctx = _ctx(request)
    body = await _body(request)
    stack, resources = await run_in_threadpool(_service(request).preview, ctx, body)
    detail = schemas.stack_detail(_base(request), stack)
    detail.pop("stack_status", None)
    detail.pop("stack_status_reason", None)
    return respond({"stack": {**detail, "resources": resources}})


async def lookup(request: Request) -> Response:
    """GET /stacks/{name}[/{path}]: 302 to /stacks/{name}/{id}[/{path}], the query string kept."""
    ctx = _ctx(request)
    stack = _service(request).lookup(ctx, request.path_params["stack_name"])
    location = schemas.stack_url(_base(request), stack)
    path = request.path_params.get("path")
    if path:
        location += f"/{path}"
    if request.query_params:
        location += "?" + urlencode(list(request.query_params.multi_items()))
    return RedirectResponse(location, status_code=302)


async def stack_or_lookup(request: Request) -> Response:
    """/stacks/{name}/{id} (show, update, delete), or /stacks/{name}/resources & co (a lookup, any method:
    heatclient sends POST /stacks/{name}/actions and DELETE /stacks/{name}/abandon and follows the 302)."""
    keyword = request.path_params["stack_id"]
    if keyword in LOOKUP_PATHS:
        request.path_params["path"] = keyword
        return await lookup(request)
    if request.method == "POST":  # only /stacks/{name}/actions (a lookup, followed with its method by heatclient)
        raise MethodNotAllowed("The server could not comply with the request since it is either malformed or "
                               "otherwise incorrect.")
    if request.method == "GET":
        ctx, stack = _stack(request)
        resolve = query_bool(request, "resolve_outputs", True)
        return respond({"stack": schemas.stack_detail(_base(request), stack, bool(resolve))})
    ctx = _ctx(request)
    name, stack_id = request.path_params["stack_name"], request.path_params["stack_id"]
    if request.method == "DELETE":
        _service(request).delete_stack(ctx, name, stack_id)
        return no_content()
    body = await _body(request)
    await run_in_threadpool(_service(request).update_stack, ctx, name, stack_id, body, request.method == "PATCH")
    return no_content(202)


async def lookup_deep(request: Request) -> Response:
    """/stacks/{name}/resources/{...}: a lookup with a longer path."""
    keyword = request.path_params["keyword"]
    if keyword not in LOOKUP_PATHS:
        raise NotFound("The resource could not be found.")
    request.path_params["path"] = f"{keyword}/{request.path_params['rest']}"
    return await lookup(request)


async def stack_template(request: Request) -> Response:
    _ctx_, stack = _stack(request, "stacks:template")
    return respond(stack.template)


async def stack_environment(request: Request) -> Response:
    _ctx_, stack = _stack(request, "stacks:environment")
    env = stack.environment or {}
    return respond({"parameters": env.get("parameters") or {}, "resource_registry": {
        "resources": {}, **(env.get("resource_registry") or {})},
                    "parameter_defaults": env.get("parameter_defaults") or {}, "event_sinks": [],
                    "encrypted_param_names": []})


async def stack_files(request: Request) -> Response:
    _ctx_, stack = _stack(request, "stacks:files")
    return respond(stack.files or {})


async def list_outputs(request: Request) -> Response:
    _ctx_, stack = _stack(request, "stacks:list_outputs")
    return respond({"outputs": [{"output_key": o["output_key"], "description": o.get("description")}
                                for o in stack.outputs or []]})


async def show_output(request: Request) -> Response:
    _ctx_, stack = _stack(request, "stacks:show_output")
    key = request.path_params["output_key"]
    for output in stack.outputs or []:
        if output["output_key"] == key:
            return respond({"output": output})
    declared = ((stack.template or {}).get("outputs") or {}) if isinstance(stack.template, dict) else {}
    if key in declared:
        return respond({"output": {"output_key": key, "output_value": None,
                                   "description": (declared[key] or {}).get("description", "No description given"),
                                   "output_error": f"The stack is {stack.action}_{stack.status}"}})
    raise NotFound(f"Specified output key {key} not found.")


# ------------------------------------------------------------------------------------------------ resources
async def list_resources(request: Request) -> Response:
    ctx, stack = _stack(request, "resource:index")
    depth = query_int(request, "nested_depth") or 0
    detail = bool(query_bool(request, "with_detail", False))
    found = _service(request).resources(ctx, stack, depth)
    types = set(query_list(request, "type"))
    names = set(query_list(request, "name"))
    statuses = set(query_list(request, "status"))
    out = []
    for owner, row in found:
        if (types and row.type not in types) or (names and row.name not in names) or \
                (statuses and row.status not in statuses and f"{row.action}_{row.status}" not in statuses):
            continue
        required_by = sorted(r.name for o, r in found if o.id == owner.id and row.name in (r.requires or []))
        out.append(schemas.resource_body(_base(request), owner, row, required_by,
                                         with_stack_name=bool(depth or detail)))
    return respond({"resources": out})


async def show_resource(request: Request) -> Response:
    ctx, stack = _stack(request, "resource:show")
    svc = _service(request)
    row = svc.resource(ctx, stack, request.path_params["resource_name"])
    attributes = await run_in_threadpool(svc.resource_attributes, ctx, stack, row)
    others = svc.resources(ctx, stack)
    required_by = sorted(r.name for _o, r in others if row.name in (r.requires or []))
    return respond({"resource": schemas.resource_body(_base(request), stack, row, required_by,
                                                      attributes=attributes)})


async def resource_metadata(request: Request) -> Response:
    ctx, stack = _stack(request, "resource:show")
    return respond({"metadata": _service(request).resource_metadata(ctx, stack, request.path_params[
        "resource_name"])})


async def mark_unhealthy(request: Request) -> Response:
    """PATCH /resources/{name}: {"mark_unhealthy": true, "resource_status_reason": "..."}; 200, no body."""
    ctx, stack = _stack(request, "resource:show")
    body = await _body(request)
    _service(request).mark_unhealthy(ctx, stack, request.path_params["resource_name"], body)
    return Response(status_code=200)


async def signal_resource(request: Request) -> Response:
    """POST /resources/{name}/signal: the body (any JSON, or none) is the signal's details; 200, no body."""
    ctx, stack = _stack(request, "resource:show")
    raw = await request.body()
    details = await _body(request) if raw.strip() else None
    _service(request).signal(ctx, stack, request.path_params["resource_name"], details)
    return Response(status_code=200)


# ------------------------------------------------------------------------------------ actions and abandon
async def stack_action(request: Request) -> Response:
    """POST /actions: one of suspend, resume, check, cancel_update, cancel_without_rollback; 200, no body."""
    ctx = _ctx(request)
    raw = await request.body()
    body = await _body(request) if raw.strip() else {}
    _service(request).action(ctx, request.path_params["stack_name"], request.path_params["stack_id"], body)
    return Response(status_code=200)


async def abandon_stack(request: Request) -> Response:
    ctx = _ctx(request)
    data = _service(request).abandon(ctx, request.path_params["stack_name"], request.path_params["stack_id"])
    return respond(data)


# --------------------------------------------------------------------------------------------------- events
async def list_events(request: Request) -> Response:
    ctx, stack = _stack(request, "events:index")
    resource_name = request.path_params.get("resource_name")
    depth = query_int(request, "nested_depth") or 0
    found = _service(request).events(ctx, stack, resource_name, depth)
    for key, attr in (("resource_action", "action"), ("resource_status", "status"), ("resource_name", "name"),
                      ("resource_type", "type")):
        wanted = set(query_list(request, key))
        if wanted:
            found = [(s, e) for s, e in found if {
                "action": e.action, "status": e.status, "name": e.resource_name, "type": e.resource_type}[attr]
                in wanted or (attr == "status" and f"{e.action}_{e.status}" in wanted)]
    if query_value(request, "sort_dir") == "desc":
        found.reverse()
    marker = query_value(request, "marker")
    if marker:
        ids = [e.id for _s, e in found]
        if marker not in ids:
            raise NotFound(f"The Event ({marker}) could not be found.")
        found = found[ids.index(marker) + 1:]
    limit = query_int(request, "limit")
    if limit is not None:
        found = found[:limit]
    root = stack if depth else None
    return respond({"events": [schemas.event_body(_base(request), s, e, root) for s, e in found]})


async def show_event(request: Request) -> Response:
    ctx, stack = _stack(request, "events:show")
    event = _service(request).event(ctx, stack, request.path_params["resource_name"],
                                    request.path_params["event_id"])
    body = schemas.event_body(_base(request), stack, event)
    body["resource_properties"] = {}
    return respond({"event": body})


# ----------------------------------------------------------------------------------- templates and types
async def validate_template(request: Request) -> Response:
    ctx = _ctx(request)
    body = await _body(request)
    return respond(await run_in_threadpool(_service(request).validate, ctx, body))


async def list_resource_types(request: Request) -> Response:
    ctx = _ctx(request)
    cloud_of(request).policy.enforce(ctx, "stacks:list_resource_types")
    types = served_types(cloud_of(request).services)
    names = sorted(types)
    wanted = query_value(request, "name")
    if wanted:
        names = [n for n in names if wanted in n]
    if query_bool(request, "with_description", False):
        return respond({"resource_types": [{"resource_type": n, "description": types[n].description}
                                           for n in names]})
    return respond({"resource_types": names})


async def show_resource_type(request: Request) -> Response:
    ctx = _ctx(request)
    cloud_of(request).policy.enforce(ctx, "stacks:resource_schema")
    name = request.path_params["type_name"]
    if name not in served_types(cloud_of(request).services):
        raise NotFound(f"The Resource Type ({name}) could not be found.")
    return respond(schemas.resource_schema(name))


async def resource_type_template(request: Request) -> Response:
    """GET /resource_types/{type}/template: a template that makes one of the type (Heat's generate_template)."""
    ctx = _ctx(request)
    cloud_of(request).policy.enforce(ctx, "stacks:generate_template")
    name = request.path_params["type_name"]
    if name not in served_types(cloud_of(request).services):
        raise NotFound(f"The Resource Type ({name}) could not be found.")
    kind = query_value(request, "template_type") or "cfn"
    if kind not in ("hot", "cfn"):
        raise BadRequest(f"Template type is not supported: Invalid template type \"{kind}\", valid types are: "
                         f"cfn, hot.")
    return respond(schemas.resource_type_template(name, kind))


async def list_template_versions(request: Request) -> Response:
    ctx = _ctx(request)
    cloud_of(request).policy.enforce(ctx, "stacks:list_template_versions")
    return respond({"template_versions": schemas.template_versions()})


async def list_template_functions(request: Request) -> Response:
    ctx = _ctx(request)
    cloud_of(request).policy.enforce(ctx, "stacks:list_template_functions")
    raw = request.path_params["template_version"]
    kind, _, version = raw.partition(".")
    version = hot.ALIASES.get(version, version)
    if kind != "heat_template_version" or version not in hot.VERSIONS:
        raise NotFound(f"Template with version {raw} not found")
    return respond({"template_functions": schemas.template_functions(version)})


# -------------------------------------------------------------------------- software configs and deployments
async def list_software_configs(request: Request) -> Response:
    """GET /software_configs (limit, marker; tenant_safe=false: every project's, for the admin)."""
    ctx = _ctx(request)
    every = query_bool(request, "tenant_safe", True) is False
    configs = _software(request).list_configs(ctx, every)
    marker = query_value(request, "marker")
    if marker:
        ids = [c.id for c in configs]
        if marker not in ids:
            raise NotFound(f"Software config with id {marker} not found")
        configs = configs[ids.index(marker) + 1:]
    limit = query_int(request, "limit")
    if limit is not None:
        configs = configs[:limit]
    return respond({"software_configs": [config_body(c, detail=False, include_project=every) for c in configs]})


async def create_software_config(request: Request) -> Response:
    ctx = _ctx(request)
    return respond({"software_config": config_body(_software(request).create_config(ctx, await _body(request)))})


async def show_software_config(request: Request) -> Response:
    ctx = _ctx(request)
    return respond({"software_config": config_body(_software(request).show_config(
        ctx, request.path_params["config_id"]))})


async def delete_software_config(request: Request) -> Response:
    ctx = _ctx(request)
    _software(request).delete_config(ctx, request.path_params["config_id"])
    return no_content()


async def list_software_deployments(request: Request) -> Response:
    ctx = _ctx(request)
    found = _software(request).list_deployments(ctx, query_value(request, "server_id"))
    return respond({"software_deployments": [deployment_body(d) for d in found]})


async def software_deployment_metadata(request: Request) -> Response:
    ctx = _ctx(request)
    return respond({"metadata": _software(request).metadata(ctx, request.path_params["server_id"])})


async def create_software_deployment(request: Request) -> Response:
    ctx = _ctx(request)
    made = _software(request).create_deployment(ctx, await _body(request))
    return respond({"software_deployment": deployment_body(made)})


async def show_software_deployment(request: Request) -> Response:
    ctx = _ctx(request)
    return respond({"software_deployment": deployment_body(_software(request).show_deployment(
        ctx, request.path_params["deployment_id"]))})


async def update_software_deployment(request: Request) -> Response:
    ctx = _ctx(request)
    changed = _software(request).update_deployment(ctx, request.path_params["deployment_id"],
                                                   await _body(request))
    return respond({"software_deployment": deployment_body(changed)})


async def delete_software_deployment(request: Request) -> Response:
    ctx = _ctx(request)
    _software(request).delete_deployment(ctx, request.path_params["deployment_id"])
    return no_content()


P = "/v1/{tenant_id}"
S = P + "/stacks/{stack_name}/{stack_id}"
routes = [
    Route("/", root, methods=["GET"]),
    Route(f"{P}/build_info", build_info, methods=["GET"]),
    Route(f"{P}/services", services, methods=["GET"]),
    Route(f"{P}/validate", validate_template, methods=["POST"]),
    Route(f"{P}/resource_types", list_resource_types, methods=["GET"]),
    Route(P + "/resource_types/{type_name}", show_resource_type, methods=["GET"]),
    Route(P + "/resource_types/{type_name}/template", resource_type_template, methods=["GET"]),
    Route(f"{P}/template_versions", list_template_versions, methods=["GET"]),
    Route(P + "/template_versions/{template_version}/functions", list_template_functions, methods=["GET"]),
    Route(f"{P}/stacks", list_stacks, methods=["GET"]),
    Route(f"{P}/stacks", create_stack, methods=["POST"]),
    Route(f"{P}/stacks/preview", preview_stack, methods=["POST"]),
    Route(P + "/stacks/{stack_name}", lookup, methods=["GET", "PUT", "PATCH", "DELETE"]),
    Route(S, stack_or_lookup, methods=["GET", "PUT", "PATCH", "DELETE", "POST"]),
    Route(f"{S}/template", stack_template, methods=["GET"]),
    Route(f"{S}/environment", stack_environment, methods=["GET"]),
    Route(f"{S}/files", stack_files, methods=["GET"]),
    Route(f"{S}/outputs", list_outputs, methods=["GET"]),
    Route(S + "/outputs/{output_key}", show_output, methods=["GET"]),
    Route(f"{S}/resources", list_resources, methods=["GET"]),
    Route(S + "/resources/{resource_name}", show_resource, methods=["GET"]),
    Route(S + "/resources/{resource_name}", mark_unhealthy, methods=["PATCH"]),
    Route(S + "/resources/{resource_name}/signal", signal_resource, methods=["POST"]),
    Route(f"{S}/actions", stack_action, methods=["POST"]),
    Route(f"{S}/abandon", abandon_stack, methods=["DELETE"]),
    Route(S + "/resources/{resource_name}/metadata", resource_metadata, methods=["GET"]),
    Route(S + "/resources/{resource_name}/events", list_events, methods=["GET"]),
    Route(S + "/resources/{resource_name}/events/{event_id}", show_event, methods=["GET"]),
    Route(f"{S}/events", list_events, methods=["GET"]),
    Route(P + "/stacks/{stack_name}/{keyword}/{rest:path}", lookup_deep, methods=["GET"]),
    Route(f"{P}/software_configs", list_software_configs, methods=["GET"]),
    Route(f"{P}/software_configs", create_software_config, methods=["POST"]),
    Route(P + "/software_configs/{config_id}", show_software_config, methods=["GET"]),
    Route(P + "/software_configs/{config_id}", delete_software_config, methods=["DELETE"]),
    Route(f"{P}/software_deployments", list_software_deployments, methods=["GET"]),
    Route(f"{P}/software_deployments", create_software_deployment, methods=["POST"]),
    Route(P + "/software_deployments/metadata/{server_id}", software_deployment_metadata, methods=["GET"]),
    Route(P + "/software_deployments/{deployment_id}", show_software_deployment, methods=["GET"]),
    Route(P + "/software_deployments/{deployment_id}", update_software_deployment, methods=["PUT"]),
    Route(P + "/software_deployments/{deployment_id}", delete_software_deployment, methods=["DELETE"]),
]
