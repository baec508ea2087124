"""Compute's HTTP routes (Nova v2.1, mounted at /compute): parse, call the service, render. No logic here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.compute import schemas
from lab.cloud.compute.common import DEFAULT_QUOTAS
from lab.cloud.compute.flavors import FlavorQuery
from lab.cloud.compute.servers import ServerQuery
from lab.cloud.compute.service import ComputeService
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, NotFound
from lab.cloud.http import (
    cloud_of,
    context_of,
    no_content,
    page_links,
    query_int,
    query_value,
    read_json,
    respond,
    service_of,
)


def _compute(request: Request) -> tuple[ComputeService, RequestContext, str]:
    cloud = cloud_of(request)
    return service_of(request, "compute", ComputeService), context_of(request), cloud.settings.endpoint


def _time(request: Request, name: str) -> datetime | None:
    value = query_value(request, name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError:
        raise BadRequest(f"Invalid input for query parameters {name}. Value: {value}. "
                         f"'{value}' is not a 'date-time'") from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


# ---------------------------------------------------------------------------------------------- versions
async def root(request: Request) -> Response:
    """GET /compute: the versions list."""
    return respond(schemas.versions(cloud_of(request).settings.endpoint))


async def v21(request: Request) -> Response:
    return respond({"version": schemas.version(cloud_of(request).settings.endpoint)})


# ---------------------------------------------------------------------------------------------- flavors
def _flavor_query(request: Request, ctx: RequestContext) -> FlavorQuery:
    raw_public = request.query_params.get("is_public")
    if raw_public is None:
        is_public: bool | None = True
    elif raw_public.lower() == "none":
        is_public = None
    else:  # oslo's bool_from_string(strict=True), as Nova parses it
        spelled = raw_public.strip().lower()
        if spelled in ("1", "t", "true", "on", "y", "yes"):
            is_public = True
        elif spelled in ("0", "f", "false", "off", "n", "no"):
            is_public = False
        else:
            raise BadRequest(f"Invalid is_public filter [{raw_public}]")
    for name in ("minRam", "minDisk"):
        value = query_value(request, name)
        if value is not None and not value.isdigit():
            raise BadRequest(f"Invalid {name} filter [{value}]")
    return FlavorQuery(is_public=is_public, min_ram=query_int(request, "minRam"),
                       min_disk=query_int(request, "minDisk"),
                       sort_key=query_value(request, "sort_key") or "flavorid",
                       sort_dir=query_value(request, "sort_dir") or "asc",
                       limit=query_int(request, "limit"), marker=query_value(request, "marker"))


async def list_flavors(request: Request) -> Response:
    compute, ctx, base = _compute(request)
    q = _flavor_query(request, ctx)
    flavors = compute.list_flavors(ctx, q)
    detail = request.url.path.endswith("/detail")
    items = [schemas.flavor_detail(f, base) if detail else schemas.flavor_brief(f, base) for f in flavors]
    body: dict[str, Any] = {"flavors": items}
    links = page_links(request, items, q.limit)
    if links:
        body["flavors_links"] = links
    return respond(body)


async def show_flavor(request: Request) -> Response:
    compute, ctx, base = _compute(request)
    return respond({"flavor": schemas.flavor_detail(compute.get_flavor(ctx, request.path_params["flavor_id"]), base)})


async def create_flavor(request: Request) -> Response:
    compute, ctx, base = _compute(request)
    spec = schemas.parse_flavor_create(await read_json(request))
    return respond({"flavor": schemas.flavor_detail(compute.create_flavor(ctx, spec), base)})


async def delete_flavor(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    compute.delete_flavor(ctx, request.path_params["flavor_id"])
    return no_content(202)


async def flavor_action(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    body = await read_json(request)
    flavor_id = request.path_params["flavor_id"]
    if len(body) != 1:
        raise BadRequest("Malformed request body")
    action, args = next(iter(body.items()))
    if action not in ("addTenantAccess", "removeTenantAccess"):
        raise BadRequest(f"There is no such action: {action}")
    if not isinstance(args, dict) or not isinstance(args.get("tenant"), str) or not args["tenant"]:
        raise schemas.invalid("tenant", args, "'tenant' is a required property")
    if action == "addTenantAccess":
        access = compute.add_flavor_access(ctx, flavor_id, args["tenant"])
    else:
        access = compute.remove_flavor_access(ctx, flavor_id, args["tenant"])
    return respond({"flavor_access": access})


async def list_flavor_access(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    return respond({"flavor_access": compute.list_flavor_access(ctx, request.path_params["flavor_id"])})


async def extra_specs(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    flavor_id = request.path_params["flavor_id"]
    if request.method == "GET":
        return respond({"extra_specs": compute.get_extra_specs(ctx, flavor_id)})
    specs = (await read_json(request)).get("extra_specs")
    if not isinstance(specs, dict) or not all(isinstance(v, str | int | float) for v in specs.values()):
        raise schemas.invalid("extra_specs", specs, "'extra_specs' must be an object of strings")
    return respond({"extra_specs": compute.set_extra_specs(ctx, flavor_id, {k: str(v) for k, v in specs.items()})})


async def extra_spec(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    flavor_id, key = request.path_params["flavor_id"], request.path_params["key"]
    if request.method == "GET":
        return respond(compute.get_extra_spec(ctx, flavor_id, key))
    if request.method == "DELETE":
        compute.delete_extra_spec(ctx, flavor_id, key)
        return no_content(200)  # Nova answers 200 here (flavors_extraspecs.delete has no other code)
    body = await read_json(request)
    if len(body) > 1:
        raise BadRequest("Request body contains too many items")
    if key not in body:
        raise BadRequest("Request body and URI mismatch")
    return respond(compute.set_extra_specs(ctx, flavor_id, {key: str(body[key])}))


# ---------------------------------------------------------------------------------------------- keypairs
async def list_keypairs(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    return respond({"keypairs": [schemas.keypair_list_item(k) for k in compute.list_keypairs(ctx)]})


async def create_keypair(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    name, public_key = schemas.parse_keypair_create(await read_json(request))
    keypair, private_key = compute.create_keypair(ctx, name, public_key)
    return respond(schemas.keypair_created(keypair, private_key))  # 200 at 2.1 (201 from 2.2)


async def show_keypair(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    return respond(schemas.keypair_detail(compute.get_keypair(ctx, request.path_params["name"])))


async def delete_keypair(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    compute.delete_keypair(ctx, request.path_params["name"])
    return no_content(202)  # 202 at 2.1 (204 from 2.2)


# ---------------------------------------------------------------------------------------------- servers
def _server_query(request: Request, ctx: RequestContext) -> ServerQuery:
    all_tenants = request.query_params.get("all_tenants")
    if all_tenants is not None and all_tenants.lower() not in ("0", "false", "no", "off"):
        cloud_of(request).policy.enforce(ctx, "compute:list_all_projects")
    deleted = request.query_params.get("deleted")
    return ServerQuery(
        name=query_value(request, "name"), status=query_value(request, "status"),
        flavor=query_value(request, "flavor"), image=query_value(request, "image"),
        changes_since=_time(request, "changes-since"),
        project_id=query_value(request, "project_id") or query_value(request, "tenant_id"),
        deleted=None if deleted in (None, "None") else deleted.lower() in ("true", "1", "yes"),
        ip=query_value(request, "ip"), limit=query_int(request, "limit"), marker=query_value(request, "marker"))


async def list_servers(request: Request) -> Response:
    compute, ctx, base = _compute(request)
    q = _server_query(request, ctx)
    views = compute.list_servers(ctx, q)
    if request.url.path.endswith("/detail"):
        items = [schemas.server(v, base, is_admin=ctx.is_admin) for v in views]
    else:
        items = [schemas.server_brief(v, base) for v in views]
    body: dict[str, Any] = {"servers": items}
    links = page_links(request, items, q.limit)
    if links:
        body["servers_links"] = links
    return respond(body)


async def create_server(request: Request) -> Response:
    compute, ctx, base = _compute(request)
    body = await read_json(request)
    req = schemas.parse_server_create(body)
    view, admin_pass = compute.create_server(ctx, req)
    given = body["server"].get("adminPass")
    if isinstance(given, str) and given:  # Nova answers with the password it was given
        admin_pass = given
    return respond(schemas.server_created(view, base, admin_pass), 202)


async def server_ips(request: Request) -> Response:
    """GET /servers/{id}/ips[/{network}]: the server's addresses by network (Nova's os-server-ips); an unknown
    network is Nova's 404."""
    compute, ctx, _ = _compute(request)
    addresses = compute.get_server(ctx, request.path_params["server_id"]).addresses
    network = request.path_params.get("network")
    if network is None:
        return respond({"addresses": {net: [{"version": a["version"], "addr": a["addr"]} for a in addrs]
                                      for net, addrs in addresses.items()}})
    if network not in addresses:
        raise NotFound("Instance is not a member of specified network")
    return respond({network: [{"version": a["version"], "addr": a["addr"]} for a in addresses[network]]})


async def show_server(request: Request) -> Response:
    compute, ctx, base = _compute(request)
    view = compute.get_server(ctx, request.path_params["server_id"])
    return respond({"server": schemas.server(view, base, is_admin=ctx.is_admin)})


async def update_server(request: Request) -> Response:
    compute, ctx, base = _compute(request)
    changes = schemas.parse_server_update(await read_json(request))
    view = compute.update_server(ctx, request.path_params["server_id"], changes)
    return respond({"server": schemas.server(view, base, is_admin=ctx.is_admin, detail=False)})


async def delete_server(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    compute.delete_server(ctx, request.path_params["server_id"])
    return no_content(204)


# Each action: (service call, status). Bodies are checked here, behaviour is the service's.
def _reboot(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any) -> Response:
    kind = args.get("type") if isinstance(args, dict) else None
    if not isinstance(kind, str) or kind.upper() not in ("SOFT", "HARD"):
        raise schemas.invalid("type", kind, "'type' is a required property and must be SOFT or HARD")
    compute.reboot_server(ctx, server_id, hard=kind.upper() == "HARD")
    return no_content(202)


def _console(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any) -> Response:
    length = schemas.parse_console_length((args or {}).get("length") if isinstance(args, dict) else None)
    return respond({"output": compute.console_output(ctx, server_id, length)})


def _resize(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any) -> Response:
    if not isinstance(args, dict) or args.get("flavorRef") in (None, ""):
        raise schemas.invalid("flavorRef", None, "'flavorRef' is a required property")
    compute.resize_server(ctx, server_id, schemas._ref(args["flavorRef"]))
    return no_content(202)


def _security_group(add: bool) -> Callable[[ComputeService, RequestContext, str, Any], Response]:
    def change(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any) -> Response:
        if not isinstance(args, dict) or not isinstance(args.get("name"), str) or not args["name"]:
            raise schemas.invalid("name", args, "'name' is a required property")
        compute.change_security_group(ctx, server_id, args["name"], add)
        return no_content(202)
    return change


def _simple(call: str, status: int = 202) -> Callable[[ComputeService, RequestContext, str, Any], Response]:
    def run(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any) -> Response:
        getattr(compute, call)(ctx, server_id)
        return no_content(status)
    return run


ACTIONS: dict[str, Callable[[ComputeService, RequestContext, str, Any], Response]] = {
    "os-stop": _simple("stop_server"),
    "os-start": _simple("start_server"),
    "reboot": _reboot,
    "os-getConsoleOutput": _console,
    "resize": _resize,
    "confirmResize": _simple("confirm_resize", 204),
    "revertResize": _simple("revert_resize"),
    "addSecurityGroup": _security_group(True),
    "removeSecurityGroup": _security_group(False),
    # Deferred delete is off (as in a default Nova): forceDelete is a delete, restore finds nothing to restore.
    "forceDelete": _simple("delete_server"),
    "restore": _simple("restore_server"),
}


# Nova's other server actions: this cloud does not do them, but as in Nova an unknown server is still 404 first.
NOT_IMPLEMENTED_ACTIONS = frozenset({
    "rebuild", "lock", "unlock", "pause", "unpause", "suspend", "resume", "shelve", "shelveOffload", "unshelve",
    "rescue", "unrescue", "createImage", "createBackup", "changePassword", "migrate", "os-migrateLive",
    "evacuate", "os-resetState", "resetNetwork", "injectNetworkInfo", "trigger_crash_dump", "addFixedIp",
    "removeFixedIp", "addFloatingIp", "removeFloatingIp"})


async def server_action(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    body = await read_json(request)
    if len(body) != 1:
        raise BadRequest("Malformed request body")
    action, args = next(iter(body.items()))
    run = ACTIONS.get(action)
    if run is None:
        if action in NOT_IMPLEMENTED_ACTIONS:
            compute.get_server(ctx, request.path_params["server_id"])  # Nova's 404 for an unknown server
        raise BadRequest(f"There is no such action: {action}")
    return run(compute, ctx, request.path_params["server_id"], args)


async def list_instance_actions(request: Request) -> Response:
    """GET /servers/{id}/os-instance-actions: the server's history (`openstack server event list`)."""
    compute, ctx, _ = _compute(request)
    actions = compute.list_instance_actions(ctx, request.path_params["server_id"])
    return respond({"instanceActions": [schemas.instance_action(a) for a in actions]})


async def show_instance_action(request: Request) -> Response:
    """GET /servers/{id}/os-instance-actions/{request_id}: one action with its events."""
    compute, ctx, _ = _compute(request)
    action = compute.get_instance_action(ctx, request.path_params["server_id"], request.path_params["request_id"])
    return respond({"instanceAction": schemas.instance_action(action, events=True)})


async def server_metadata(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    server_id = request.path_params["server_id"]
    if request.method == "GET":
        return respond({"metadata": compute.get_metadata(ctx, server_id)})
    body = await read_json(request)
    metadata = schemas.parse_metadata(body.get("metadata"), "metadata")
    return respond({"metadata": compute.set_metadata(ctx, server_id, metadata, replace=request.method == "PUT")})


async def server_metadata_item(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    server_id, key = request.path_params["server_id"], request.path_params["key"]
    if request.method == "GET":
        return respond({"meta": compute.get_metadata_item(ctx, server_id, key)})
    if request.method == "DELETE":
        compute.delete_metadata_item(ctx, server_id, key)
        return no_content(204)
    meta = schemas.parse_metadata((await read_json(request)).get("meta"), "meta")
    if len(meta) > 1:
        raise BadRequest("Request body contains too many items")
    if key not in meta:
        raise BadRequest("Request body and URI mismatch")
    compute.set_metadata(ctx, server_id, meta, replace=False)
    return respond({"meta": meta})


# ---------------------------------------------------------------------------------------------- limits, quotas
async def limits(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    absolute = compute.absolute_limits(ctx, query_value(request, "tenant_id"))
    return respond({"limits": {"rate": [], "absolute": absolute}})


async def quota_set(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    project_id = request.path_params["project_id"]
    if request.method == "GET":
        return respond({"quota_set": {"id": project_id, **compute.show_quotas(ctx, project_id)}})
    if request.method == "DELETE":
        compute.delete_quotas(ctx, project_id)
        return no_content(202)
    values, force = schemas.parse_quota_update(await read_json(request), set(DEFAULT_QUOTAS))
    return respond({"quota_set": compute.update_quotas(ctx, project_id, values, force)})


async def quota_defaults(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    project_id = request.path_params["project_id"]
    return respond({"quota_set": {"id": project_id, **compute.default_quotas(ctx, project_id)}})


async def quota_detail(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    project_id = request.path_params["project_id"]
    return respond({"quota_set": {"id": project_id, **compute.show_quotas(ctx, project_id, detail=True)}})


# ---------------------------------------------------------------------------------------------- host views
async def availability_zones(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    detail = request.url.path.endswith("/detail")
    return respond({"availabilityZoneInfo": compute.availability_zones(ctx, detail)})


async def hypervisors(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    found = compute.hypervisors(ctx)
    if request.url.path.endswith("/detail"):
        return respond({"hypervisors": found})
    return respond({"hypervisors": [{k: h[k] for k in ("id", "hypervisor_hostname", "state", "status")}
                                    for h in found]})


async def hypervisor(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    return respond({"hypervisor": compute.hypervisor(ctx, request.path_params["hypervisor_id"])})


async def hypervisor_statistics(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    return respond({"hypervisor_statistics": compute.hypervisor_statistics(ctx)})


async def tenant_usage(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    now = cloud_of(request).clock.now()
    start = _time(request, "start") or now - timedelta(days=1)
    end = _time(request, "end") or now
    project_id = request.path_params.get("project_id") or ctx.project_id or ""
    usage = compute.tenant_usage(ctx, project_id, start, end)
    if "project_id" in request.path_params:
        return respond({"tenant_usage": usage})
    if request.query_params.get("detailed", "0").lower() not in ("1", "true"):
        usage.pop("server_usages")
    return respond({"tenant_usages": [usage]})


Handler = Callable[[Request], Awaitable[Response]]
V = "/v2.1"

routes = [
    Route("/", root, methods=["GET", "HEAD"]),  # GET /compute/ (tempest's versions client adds the slash)
    Route(V, v21, methods=["GET", "HEAD"]),
    Route(f"{V}/", v21, methods=["GET", "HEAD"]),
    Route(f"{V}/flavors", list_flavors, methods=["GET"]),
    Route(f"{V}/flavors", create_flavor, methods=["POST"]),
    Route(f"{V}/flavors/detail", list_flavors, methods=["GET"]),
    Route(f"{V}/flavors/{{flavor_id}}", show_flavor, methods=["GET"]),
    Route(f"{V}/flavors/{{flavor_id}}", delete_flavor, methods=["DELETE"]),
    Route(f"{V}/flavors/{{flavor_id}}/action", flavor_action, methods=["POST"]),
    Route(f"{V}/flavors/{{flavor_id}}/os-flavor-access", list_flavor_access, methods=["GET"]),
    Route(f"{V}/flavors/{{flavor_id}}/os-extra_specs", extra_specs, methods=["GET", "POST"]),
    Route(f"{V}/flavors/{{flavor_id}}/os-extra_specs/{{key}}", extra_spec, methods=["GET", "PUT", "DELETE"]),
    Route(f"{V}/os-keypairs", list_keypairs, methods=["GET"]),
    Route(f"{V}/os-keypairs", create_keypair, methods=["POST"]),
    Route(f"{V}/os-keypairs/{{name}}", show_keypair, methods=["GET"]),
    Route(f"{V}/os-keypairs/{{name}}", delete_keypair, methods=["DELETE"]),
    Route(f"{V}/servers", list_servers, methods=["GET"]),
    Route(f"{V}/servers", create_server, methods=["POST"]),
    Route(f"{V}/servers/detail", list_servers, methods=["GET"]),
    Route(f"{V}/servers/{{server_id}}", show_server, methods=["GET"]),
    Route(f"{V}/servers/{{server_id}}", update_server, methods=["PUT"]),
    Route(f"{V}/servers/{{server_id}}", delete_server, methods=["DELETE"]),
    Route(f"{V}/servers/{{server_id}}/action", server_action, methods=["POST"]),
    Route(f"{V}/servers/{{server_id}}/ips", server_ips, methods=["GET"]),
    Route(f"{V}/servers/{{server_id}}/ips/{{network}}", server_ips, methods=["GET"]),
    Route(f"{V}/servers/{{server_id}}/os-instance-actions", list_instance_actions, methods=["GET"]),
    Route(f"{V}/servers/{{server_id}}/os-instance-actions/{{request_id}}", show_instance_action, methods=["GET"]),
    Route(f"{V}/servers/{{server_id}}/metadata", server_metadata, methods=["GET", "POST", "PUT"]),
    Route(f"{V}/servers/{{server_id}}/metadata/{{key}}", server_metadata_item, methods=["GET", "PUT", "DELETE"]),
    Route(f"{V}/limits", limits, methods=["GET"]),
    Route(f"{V}/os-quota-sets/{{project_id}}", quota_set, methods=["GET", "PUT", "DELETE"]),
    Route(f"{V}/os-quota-sets/{{project_id}}/defaults", quota_defaults, methods=["GET"]),
    Route(f"{V}/os-quota-sets/{{project_id}}/detail", quota_detail, methods=["GET"]),
    Route(f"{V}/os-availability-zone", availability_zones, methods=["GET"]),
    Route(f"{V}/os-availability-zone/detail", availability_zones, methods=["GET"]),
    Route(f"{V}/os-hypervisors", hypervisors, methods=["GET"]),
    Route(f"{V}/os-hypervisors/detail", hypervisors, methods=["GET"]),
    Route(f"{V}/os-hypervisors/statistics", hypervisor_statistics, methods=["GET"]),
    Route(f"{V}/os-hypervisors/{{hypervisor_id}}", hypervisor, methods=["GET"]),
    Route(f"{V}/os-simple-tenant-usage", tenant_usage, methods=["GET"]),
    Route(f"{V}/os-simple-tenant-usage/{{project_id}}", tenant_usage, methods=["GET"]),
]
