"""Compute's HTTP routes (Nova v2.1, mounted at /compute): read the request (bodies are validated by schemas.py,
query strings here), make one call to a part of the service, render with schemas.py. No logic here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.compute import (
    console_routes,
    external_routes,
    operator_schemas,
    proxy_images,
    proxy_network,
    proxy_volumes,
    schemas,
)
from lab.cloud.compute import microversions as mv
from lab.cloud.compute.common import ServerView, reservation_of
from lab.cloud.compute.flavors import FlavorQuery
from lab.cloud.compute.migrations import MigrationQuery
from lab.cloud.compute.server_tags import tag_filter
from lab.cloud.compute.servers import ServerQuery
from lab.cloud.compute.service import ComputeService
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, NotFound
from lab.cloud.http import (
    cloud_of,
    context_of,
    microversion,
    no_content,
    page_links,
    query_int,
    query_value,
    read_json,
    respond,
    service_of,
)
from lab.cloud.microversion import Version


def _compute(request: Request) -> tuple[ComputeService, RequestContext, str]:
    cloud = cloud_of(request)
    return service_of(request, "compute", ComputeService), context_of(request), cloud.settings.endpoint


def _v(request: Request) -> Version:
    """The microversion the request is served at (negotiated by the middleware, 2.1 outside it)."""
    return microversion(request, mv.MIN)


def _since(request: Request, version: Version) -> None:
    """Nova's 404 for a URL a lower microversion does not route (the tags API before 2.26, ...)."""
    if _v(request) < version:
        raise NotFound("The resource could not be found.")


def _until(request: Request, version: Version) -> None:
    """Nova's 404 for a URL a microversion removed (os-hypervisors/statistics from 2.88, ...)."""
    if _v(request) >= version:
        raise NotFound("The resource could not be found.")


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


async def v20(request: Request) -> Response:
    """GET /compute/v2/: the legacy version's document (its API is not served: the catalog names v2.1)."""
    return respond({"version": schemas.version_v20(cloud_of(request).settings.endpoint)})


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
    flavors = compute.flavors.list_flavors(ctx, q)
    detail = request.url.path.endswith("/detail")
    v = _v(request)
    items = [schemas.flavor_detail(f, base, v) if detail else schemas.flavor_brief(f, base, v) for f in flavors]
    body: dict[str, Any] = {"flavors": items}
    links = page_links(request, items, q.limit)
    if links:
        body["flavors_links"] = links
    return respond(body)


async def show_flavor(request: Request) -> Response:
    compute, ctx, base = _compute(request)
    return respond({"flavor": schemas.flavor_detail(compute.flavors.get_flavor(ctx, request.path_params["flavor_id"]),
                                                    base, _v(request))})


async def create_flavor(request: Request) -> Response:
    compute, ctx, base = _compute(request)
    spec = schemas.parse_flavor_create(await read_json(request), _v(request))
    return respond({"flavor": schemas.flavor_detail(compute.flavors.create_flavor(ctx, spec), base, _v(request))})


async def update_flavor(request: Request) -> Response:
    """PUT /flavors/{id} (2.55): a flavor's description, the only thing Nova lets change."""
    _since(request, mv.FLAVOR_DESCRIPTION)
    compute, ctx, base = _compute(request)
    description = schemas.parse_flavor_update(await read_json(request))
    flavor = compute.flavors.update_flavor(ctx, request.path_params["flavor_id"], description)
    return respond({"flavor": schemas.flavor_detail(flavor, base, _v(request))})


async def delete_flavor(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    compute.flavors.delete_flavor(ctx, request.path_params["flavor_id"])
    return no_content(202)


async def flavor_action(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    flavor_id = request.path_params["flavor_id"]
    action, tenant = schemas.parse_flavor_action(await read_json(request))
    change = compute.flavors.add_flavor_access if action == "addTenantAccess" else compute.flavors.remove_flavor_access
    return respond(schemas.flavor_access(flavor_id, change(ctx, flavor_id, tenant)))


async def list_flavor_access(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    flavor_id = request.path_params["flavor_id"]
    return respond(schemas.flavor_access(flavor_id, compute.flavors.list_flavor_access(ctx, flavor_id)))


async def extra_specs(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    flavor_id = request.path_params["flavor_id"]
    if request.method == "GET":
        return respond({"extra_specs": compute.flavors.get_extra_specs(ctx, flavor_id)})
    specs = schemas.parse_extra_specs(await read_json(request))
    return respond({"extra_specs": compute.flavors.set_extra_specs(ctx, flavor_id, specs)})


async def extra_spec(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    flavor_id, key = request.path_params["flavor_id"], request.path_params["key"]
    if request.method == "GET":
        return respond(compute.flavors.get_extra_spec(ctx, flavor_id, key))
    if request.method == "DELETE":
        compute.flavors.delete_extra_spec(ctx, flavor_id, key)
        return no_content(200)  # Nova answers 200 here (flavors_extraspecs.delete has no other code)
    body = schemas.parse_item(await read_json(request), key)
    return respond(compute.flavors.set_extra_specs(ctx, flavor_id, {key: str(body[key])}, one=True))


# ---------------------------------------------------------------------------------------------- keypairs
def _keypair_user(request: Request) -> str | None:
    """The `user_id` query parameter of 2.10 (an admin's view of another user's key pairs)."""
    return query_value(request, "user_id") if _v(request) >= mv.KEYPAIR_USER_ID else None


async def list_keypairs(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    v = _v(request)
    paged = v >= mv.Version(2, 35)
    limit = query_int(request, "limit") if paged else None
    found = compute.keypairs.list_keypairs(ctx, _keypair_user(request), limit,
                                           query_value(request, "marker") if paged else None)
    items = [schemas.keypair_list_item(k, v) for k in found]
    body: dict[str, Any] = {"keypairs": items}
    if paged and limit is not None and len(items) == limit and items:
        body["keypairs_links"] = [{"rel": "next", "href": str(request.url.include_query_params(
            marker=items[-1]["keypair"]["name"]))}]
    return respond(body)


async def create_keypair(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    v = _v(request)
    req = schemas.parse_keypair_create(await read_json(request), v)
    keypair, private_key = compute.keypairs.create_keypair(ctx, req.name, req.public_key, req.type, req.user_id)
    return respond(schemas.keypair_created(keypair, private_key, v), 201 if v >= mv.KEYPAIR_TYPE else 200)


async def show_keypair(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    keypair = compute.keypairs.get_keypair(ctx, request.path_params["name"], _keypair_user(request))
    return respond(schemas.keypair_detail(keypair, _v(request)))


async def delete_keypair(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    compute.keypairs.delete_keypair(ctx, request.path_params["name"], _keypair_user(request))
    return no_content(204 if _v(request) >= mv.KEYPAIR_TYPE else 202)


# ---------------------------------------------------------------------------------------------- servers
def _server_query(request: Request) -> ServerQuery:
    all_tenants = request.query_params.get("all_tenants")
    deleted = request.query_params.get("deleted")
    return ServerQuery(
        name=query_value(request, "name"), status=query_value(request, "status"),
        flavor=query_value(request, "flavor"), image=query_value(request, "image"),
        changes_since=_time(request, "changes-since"),
        changes_before=_time(request, "changes-before") if _v(request) >= mv.CHANGES_BEFORE else None,
        project_id=query_value(request, "project_id") or query_value(request, "tenant_id"),
        deleted=None if deleted in (None, "None") else deleted.lower() in ("true", "1", "yes"),
        ip=query_value(request, "ip"), host=query_value(request, "host"), limit=query_int(request, "limit"),
        reservation_id=query_value(request, "reservation_id"),
        marker=query_value(request, "marker"),
        all_tenants=all_tenants is not None and all_tenants.lower() not in ("0", "false", "no", "off"),
        detail=request.url.path.endswith("/detail"), strict_status=_v(request) >= mv.STRICT_STATUS,
        tags=tag_filter(*(_tag_list(request, name) for name in ("tags", "tags-any", "not-tags", "not-tags-any")))
        if _v(request) >= mv.TAGS else None)


def _tag_list(request: Request, name: str) -> list[str] | None:
    value = query_value(request, name)
    return [t for t in value.split(",") if t] if value else None


async def list_servers(request: Request) -> Response:
    compute, ctx, base = _compute(request)
    q = _server_query(request)
    views = compute.servers.list_servers(ctx, q)
    if q.detail:
        extended = compute.servers.extended_attributes(ctx)
        version = _v(request)
        items = [schemas.server(v, base, extended=extended, version=version) for v in views]
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
    req = schemas.parse_server_create(body, _v(request))
    view, admin_pass = compute.servers.create_server(ctx, req)
    if req.return_reservation_id:  # Nova answers the request's reservation id alone (no Location)
        return respond({"reservation_id": reservation_of(view.server)}, 202)
    given = body["server"].get("adminPass")
    if isinstance(given, str) and given:  # Nova answers with the password it was given
        admin_pass = given
    created = schemas.server_created(view, base, admin_pass)
    # Nova's 202 names the new server in Location too (its self link)
    return respond(created, 202, headers={"Location": created["server"]["links"][0]["href"]})


async def server_ips(request: Request) -> Response:
    """GET /servers/{id}/ips[/{network}]: the server's addresses by network (Nova's os-server-ips); an unknown
    network is Nova's 404."""
    compute, ctx, _ = _compute(request)
    addresses = compute.servers.get_server(ctx, request.path_params["server_id"]).addresses
    network = request.path_params.get("network")
    if network is not None and network not in addresses:
        raise NotFound("Instance is not a member of specified network")
    return respond(schemas.server_addresses(addresses, network))


async def server_diagnostics(request: Request) -> Response:
    """GET /servers/{id}/diagnostics (admin): 2.48's standard shape, the libvirt driver's dict before."""
    compute, ctx, _ = _compute(request)
    found = compute.diagnostics.diagnostics(ctx, request.path_params["server_id"])
    return respond(operator_schemas.server_diagnostics(found, _v(request)))


async def server_password(request: Request) -> Response:
    """GET (the posted password, "" here) and DELETE (204) /servers/{id}/os-server-password."""
    compute, ctx, _ = _compute(request)
    if request.method == "DELETE":
        compute.diagnostics.clear_password(ctx, request.path_params["server_id"])
        return no_content(204)
    return respond({"password": compute.diagnostics.password(ctx, request.path_params["server_id"])})


async def server_security_groups(request: Request) -> Response:
    """GET /servers/{id}/os-security-groups: the groups of the server's ports, asked of the network contract."""
    compute, ctx, _ = _compute(request)
    view = compute.servers.get_server(ctx, request.path_params["server_id"], "os_compute_api:os-security-groups:list")
    return respond({"security_groups": compute.servers.network.server_security_group_details(view.server.id)})


async def show_server(request: Request) -> Response:
    compute, ctx, base = _compute(request)
    view = compute.servers.get_server(ctx, request.path_params["server_id"])
    return respond({"server": _server_body(compute, ctx, view, _v(request))})


def _server_body(compute: ComputeService, ctx: RequestContext, view: ServerView, version: Version,
                 full: bool = True) -> dict[str, Any]:
    """A server as show (and, `full` or from 2.75, update and rebuild) answer: with its server groups (2.71)."""
    groups = compute.server_groups.groups_of(view.server.id) if version >= mv.SERVER_GROUPS_SHOWN else None
    full = full or version >= mv.API_CLEANUP
    return schemas.server(view, compute.cloud.settings.endpoint, extended=full and compute.servers.extended_attributes(
        ctx), detail=full, version=version, groups=groups)


async def update_server(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    changes = schemas.parse_server_update(await read_json(request), _v(request))
    view = compute.servers.update_server(ctx, request.path_params["server_id"], changes)
    return respond({"server": _server_body(compute, ctx, view, _v(request), full=False)})


async def delete_server(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    compute.servers.delete_server(ctx, request.path_params["server_id"])
    return no_content(204)


# Each action: arguments parsed by schemas.py, one call to the service, the answer.
Action = Callable[[ComputeService, RequestContext, str, Any, Version], Response]


def _reboot(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
    compute.actions.reboot_server(ctx, server_id, hard=schemas.parse_reboot(args))
    return no_content(202)


def _console(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
    output = compute.actions.console_output(ctx, server_id, schemas.parse_console_length(args))
    return respond(schemas.console_output(output))


def _resize(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
    compute.actions.resize_server(ctx, server_id, schemas.parse_resize(args))
    return no_content(202)


def _security_group(add: bool) -> Action:
    def change(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
        compute.servers.change_security_group(ctx, server_id, schemas.parse_named(args), add)
        return no_content(202)
    return change


def _simple(call: str, status: int = 202) -> Action:
    def run(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
        getattr(compute.actions, call)(ctx, server_id)
        return no_content(status)
    return run


def _force_delete(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
    compute.servers.delete_server(ctx, server_id, "os_compute_api:os-deferred-delete:force")
    return no_content(202)


def _life(call: str) -> Action:
    """An action of lifecycle.py taking no arguments (pause, suspend, shelve, ...): 202, no body."""
    def run(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
        getattr(compute.lifecycle, call)(ctx, server_id)
        return no_content(202)
    return run


def _lock(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
    reason = schemas.parse_lock(args)
    compute.lifecycle.lock_server(ctx, server_id, reason if v >= mv.LOCKED_REASON else None)
    return no_content(202)


def _rebuild(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
    req = schemas.parse_rebuild(args, v)
    compute.lifecycle.rebuild_server(ctx, server_id, req, reimage_volume=v >= mv.REBUILD_VOLUME_BACKED)
    view = compute.servers.get_server(ctx, server_id)
    body = _server_body(compute, ctx, view, v, full=False)
    if v >= mv.REBUILD_KEY_NAME:  # the rebuild answer names the key (2.54) and the user data (2.57)
        body["key_name"] = view.server.key_name
    if v >= mv.NO_PERSONALITY:  # shown as `user_data`, not OS-EXT-SRV-ATTR:user_data (Nova's rebuild view)
        body.pop("OS-EXT-SRV-ATTR:user_data", None)
        body["user_data"] = view.server.user_data
    body["adminPass"] = req.admin_pass or schemas.new_password()
    return respond({"server": body}, 202)


def _rescue(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
    password, image_ref = schemas.parse_rescue(args)
    return respond({"adminPass": compute.lifecycle.rescue_server(ctx, server_id, password, image_ref)})


def _create_image(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
    name, metadata = schemas.parse_create_image(args)
    image_id = compute.lifecycle.create_image(ctx, server_id, name, metadata)
    if v >= mv.IMAGE_ID_BODY:
        return respond({"image_id": image_id}, 202)
    # Before 2.45 the new image is named by the Location header only (openstacksdk reads its last segment).
    return no_content(202, {"Location": f"{compute.cloud.settings.endpoint}/image/v2/images/{image_id}"})


def _change_password(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
    compute.lifecycle.change_password(ctx, server_id, schemas.parse_change_password(args))
    return no_content(202)


def _reset_state(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
    compute.lifecycle.reset_state(ctx, server_id, schemas.parse_reset_state(args))
    return no_content(202)


def _remote_console(action: str) -> Action:
    """os-getVNCConsole / os-getSerialConsole (`openstack console url show`); SPICE and RDP are not offered."""
    def run(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
        kind = schemas.parse_console_type(args, action)
        url = compute.consoles.get_console_url(ctx, server_id, action, kind)
        return respond({"console": {"type": kind, "url": url}})
    return run


# remote-consoles (2.6): (protocol, type) -> the older action that offers that console here.
REMOTE_CONSOLES = {"vnc": "os-getVNCConsole", "serial": "os-getSerialConsole", "spice": "os-getSPICEConsole",
                   "rdp": "os-getRDPConsole", "mks": "os-getMKSConsole"}


async def remote_console(request: Request) -> Response:
    """POST /servers/{id}/remote-consoles (2.6; what `openstack console url show` asks from 2.6 on)."""
    _since(request, mv.Version(2, 6))
    compute, ctx, _ = _compute(request)
    protocol, kind = schemas.parse_remote_console(await read_json(request), _v(request))
    server_id = request.path_params["server_id"]
    url = compute.consoles.get_console_url(ctx, server_id, REMOTE_CONSOLES[protocol], kind)
    return respond({"remote_console": {"protocol": protocol, "type": kind, "url": url}})


def _fixed_ip(add: bool) -> Action:
    """addFixedIp / removeFixedIp (multinic, deprecated: 404 from 2.44)."""
    def run(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
        if add:
            compute.servers.change_fixed_ip(ctx, server_id, network_id=schemas.parse_add_fixed_ip(args))
        else:
            compute.servers.change_fixed_ip(ctx, server_id, address=schemas.parse_remove_fixed_ip(args))
        return no_content(202)
    return run


def _migrate(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
    compute.lifecycle.migrate_server(ctx, server_id)
    return no_content(202)


def _migrate_live(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Version) -> Response:
    compute.lifecycle.migrate_server(ctx, server_id, schemas.parse_migrate_live(args), live=True)
    return no_content(202)


ACTIONS: dict[str, Action] = {
    "os-stop": _simple("stop_server"),
    "os-start": _simple("start_server"),
    "reboot": _reboot,
    "os-getConsoleOutput": _console,
    "resize": _resize,
    "confirmResize": _simple("confirm_resize", 204),
    "revertResize": _simple("revert_resize"),
    "addSecurityGroup": _security_group(True),
    "removeSecurityGroup": _security_group(False),
    "addFixedIp": _fixed_ip(True),
    "removeFixedIp": _fixed_ip(False),
    # Deferred delete is off (as in a default Nova): forceDelete is a delete, restore finds nothing to restore.
    "forceDelete": _force_delete,
    "restore": _simple("restore_server"),
    # lifecycle.py
    "lock": _lock,
    "unlock": _life("unlock_server"),
    "pause": _life("pause_server"),
    "unpause": _life("unpause_server"),
    "suspend": _life("suspend_server"),
    "resume": _life("resume_server"),
    "shelve": _life("shelve_server"),
    "shelveOffload": _life("shelve_offload_server"),
    "unshelve": _life("unshelve_server"),
    "rebuild": _rebuild,
    "rescue": _rescue,
    "unrescue": _life("unrescue_server"),
    "createImage": _create_image,
    "changePassword": _change_password,
    "os-resetState": _reset_state,
    "migrate": _migrate,
    "os-migrateLive": _migrate_live,
    "injectNetworkInfo": _life("inject_network_info"),
    "os-getVNCConsole": _remote_console("os-getVNCConsole"),
    "os-getSerialConsole": _remote_console("os-getSerialConsole"),
    "os-getSPICEConsole": _remote_console("os-getSPICEConsole"),
    "os-getRDPConsole": _remote_console("os-getRDPConsole"),
    # Nova's floating IP proxy actions (before 2.44): proxy_network.py
    "addFloatingIp": proxy_network.add_floating_ip,
    "removeFloatingIp": proxy_network.remove_floating_ip,
}


# Nova's other server actions: this cloud does not do them, but as in Nova an unknown server is still 404 first.
NOT_IMPLEMENTED_ACTIONS = frozenset({
    "createBackup", "evacuate", "resetNetwork", "trigger_crash_dump"})


async def server_action(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    action, args = schemas.parse_action(await read_json(request))
    run = ACTIONS.get(action)
    if run is None:
        if action in NOT_IMPLEMENTED_ACTIONS:
            compute.servers.get_server(ctx, request.path_params["server_id"])  # Nova's 404 for an unknown server
        raise BadRequest(f"There is no such action: {action}")
    v = _v(request)
    if v >= mv.NO_IP_ACTIONS and action in ("addFixedIp", "removeFixedIp", "addFloatingIp", "removeFloatingIp"):
        raise NotFound("The resource could not be found.")  # 2.44 removed them
    return run(compute, ctx, request.path_params["server_id"], args, v)


async def list_instance_actions(request: Request) -> Response:
    """GET /servers/{id}/os-instance-actions: the server's history (`openstack server event list`)."""
    compute, ctx, _ = _compute(request)
    actions = compute.instance_actions.list_instance_actions(ctx, request.path_params["server_id"])
    return respond({"instanceActions": [schemas.instance_action(a, version=_v(request)) for a in actions]})


async def show_instance_action(request: Request) -> Response:
    """GET /servers/{id}/os-instance-actions/{request_id}: one action with its events."""
    compute, ctx, _ = _compute(request)
    action = compute.instance_actions.get_instance_action(ctx, request.path_params["server_id"],
                                                          request.path_params["request_id"])
    return respond({"instanceAction": schemas.instance_action(
        action, events=True, version=_v(request), host=compute.servers.host,
        admin=compute.servers.extended_attributes(ctx))})


async def server_metadata(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    server_id = request.path_params["server_id"]
    if request.method == "GET":
        return respond({"metadata": compute.servers.get_metadata(ctx, server_id)})
    metadata = schemas.parse_metadata((await read_json(request)).get("metadata"), "metadata")
    return respond({"metadata": compute.servers.set_metadata(ctx, server_id, metadata,
                                                             replace=request.method == "PUT")})


async def server_metadata_item(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    server_id, key = request.path_params["server_id"], request.path_params["key"]
    if request.method == "GET":
        return respond({"meta": compute.servers.get_metadata_item(ctx, server_id, key)})
    if request.method == "DELETE":
        compute.servers.delete_metadata_item(ctx, server_id, key)
        return no_content(204)
    meta = schemas.parse_item(schemas.parse_metadata((await read_json(request)).get("meta"), "meta"), key)
    compute.servers.set_metadata(ctx, server_id, meta, replace=False, rule="os_compute_api:server-metadata:update")
    return respond({"meta": meta})


# ---------------------------------------------------------------------------------------------- limits, quotas
async def limits(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    return respond(schemas.absolute_limits(compute.quotas.absolute_limits(ctx, query_value(request, "tenant_id")),
                                           _v(request)))


async def quota_set(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    project_id = request.path_params["project_id"]
    if request.method == "GET":
        return respond(schemas.quota_set(compute.quotas.show_quotas(ctx, project_id), _v(request)))
    if request.method == "DELETE":
        compute.quotas.delete_quotas(ctx, project_id)
        return no_content(202)
    known = set(cloud_of(request).quotas.defaults("compute")) - schemas.quota_keys_gone(_v(request))
    values, force = schemas.parse_quota_update(await read_json(request), known)
    return respond(schemas.quota_set(compute.quotas.update_quotas(ctx, project_id, values, force), _v(request)))


async def quota_defaults(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    return respond(schemas.quota_set(compute.quotas.default_quotas(ctx, request.path_params["project_id"]),
                                     _v(request)))


async def quota_detail(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    return respond(schemas.quota_set_detail(compute.quotas.show_quotas(ctx, request.path_params["project_id"],
                                                                detail=True), _v(request)))


# ---------------------------------------------------------------------------------------------- host views
async def availability_zones(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    detail = request.url.path.endswith("/detail")
    return respond(schemas.availability_zones(compute.hosts.availability_zones(ctx, detail)))


def _hosts_served(request: Request) -> None:
    if _v(request) >= mv.HOSTS_REMOVED:
        raise NotFound("The resource could not be found.")


async def list_hosts(request: Request) -> Response:
    """GET /os-hosts (2.1-2.42, admin; `zone` filters)."""
    compute, ctx, _ = _compute(request)
    _hosts_served(request)
    return respond({"hosts": compute.hosts.list_hosts(ctx, query_value(request, "zone"))})


async def update_host(request: Request) -> Response:
    """PUT /os-hosts/{host} (admin, 2.1-2.42): Nova's 400s for the body, then its answer with the libvirt
    driver (hosts.update_host)."""
    compute, ctx, _ = _compute(request)
    _hosts_served(request)
    status, maintenance = operator_schemas.parse_host_update(await read_json(request))
    return respond(compute.hosts.update_host(ctx, request.path_params["host_name"], status, maintenance))


async def host_power_action(request: Request) -> Response:
    """GET /os-hosts/{host}/startup|shutdown|reboot (admin, 2.1-2.42)."""
    compute, ctx, _ = _compute(request)
    _hosts_served(request)
    return respond(compute.hosts.host_power_action(ctx, request.path_params["host_name"],
                                                   request.url.path.rsplit("/", 1)[1]))


async def instance_usage_audit_log(request: Request) -> Response:
    """GET /os-instance_usage_audit_log and /os-instance_usage_audit_log/{before} (admin; `YYYY-MM-DD HH:MM:SS`
    with optional microseconds, as Nova parses it)."""
    compute, ctx, _ = _compute(request)
    before = request.path_params.get("before_timestamp")
    audit = compute.hosts.instance_usage_audit_log(ctx, before)
    return respond({"instance_usage_audit_logs" if before is None else "instance_usage_audit_log": audit})


async def show_host(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    _hosts_served(request)
    return respond({"host": compute.hosts.show_host(ctx, request.path_params["host_name"])})


async def hypervisors(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    v = _v(request)
    detail = request.url.path.endswith("/detail")
    found = compute.hosts.hypervisors(ctx, detail)
    with_servers = False
    if v >= mv.SERVICE_UUIDS:  # 2.53: the search and servers URLs became query parameters
        pattern = query_value(request, "hypervisor_hostname_pattern")
        if pattern is not None:
            found = compute.hosts.search_hypervisors(ctx, pattern)
        with_servers = (query_value(request, "with_servers") or "").lower() in ("1", "true", "yes")
    if detail:
        items = [schemas.hypervisor(h, v, with_servers=with_servers) for h in found]
    else:
        items = [schemas.hypervisor_brief(h, v, with_servers=with_servers) for h in found]
    return respond({"hypervisors": items})


async def hypervisor(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    v = _v(request)
    found = compute.hosts.hypervisor(ctx, request.path_params["hypervisor_id"])
    uptime = compute.hosts.hypervisor_uptime(ctx, request.path_params["hypervisor_id"])[1] \
        if v >= mv.Version(2, 88) else None  # 2.88: the uptime is in show
    with_servers = v >= mv.SERVICE_UUIDS and (query_value(request, "with_servers") or "").lower() in (
        "1", "true", "yes")
    return respond({"hypervisor": schemas.hypervisor(found, v, with_servers=with_servers, uptime=uptime)})


async def hypervisor_statistics(request: Request) -> Response:
    _until(request, mv.Version(2, 88))
    compute, ctx, _ = _compute(request)
    return respond(schemas.hypervisor_statistics(compute.hosts.hypervisor_statistics(ctx)))


async def hypervisor_uptime(request: Request) -> Response:
    _until(request, mv.Version(2, 88))
    compute, ctx, _ = _compute(request)
    found, uptime = compute.hosts.hypervisor_uptime(ctx, request.path_params["hypervisor_id"])
    return respond(schemas.hypervisor_uptime(found, uptime, _v(request)))


async def hypervisor_search(request: Request) -> Response:
    """os-hypervisors/{pattern}/search and /{pattern}/servers (before 2.53: by name)."""
    _until(request, mv.SERVICE_UUIDS)
    compute, ctx, _ = _compute(request)
    servers = request.url.path.endswith("/servers")
    found = compute.hosts.search_hypervisors(ctx, request.path_params["pattern"], servers=servers)
    render = schemas.hypervisor_servers if servers else schemas.hypervisor_brief
    return respond({"hypervisors": [render(h) for h in found]})


async def list_services(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    found = compute.hosts.list_services(ctx, query_value(request, "binary"), query_value(request, "host"))
    return respond({"services": [schemas.compute_service(s, _v(request)) for s in found]})


async def update_service(request: Request) -> Response:
    """PUT /os-services/enable | disable | disable-log-reason (the 2.1 API, by host and binary)."""
    compute, ctx, _ = _compute(request)
    what = request.path_params["action"]
    if _v(request) >= mv.SERVICE_UUIDS:  # 2.53: PUT /os-services/{uuid} answers the whole service
        status, reason, forced = schemas.parse_service_put(await read_json(request))
        changed = compute.hosts.update_service(ctx, what, status, reason, forced)
        return respond({"service": schemas.compute_service(changed, _v(request))})
    if what == "force-down" and _v(request) >= mv.FORCED_DOWN:
        host, binary, forced = schemas.parse_force_down(await read_json(request))
        service = next((s for s in compute.hosts.list_services(ctx, binary, host)), None)
        if service is None:
            raise NotFound(f"Compute host {host} could not be found.")
        compute.hosts.update_service(ctx, str(service.id), None, None, forced)
        return respond({"service": {"host": host, "binary": binary, "forced_down": forced}})
    if what not in ("enable", "disable", "disable-log-reason"):
        raise NotFound(f"Unknown action {what}")
    with_reason = what == "disable-log-reason"
    host, binary, reason = schemas.parse_service_update(await read_json(request), with_reason)
    changed = compute.hosts.set_service(ctx, host, binary, disabled=what != "enable", reason=reason)
    return respond(schemas.service_changed(changed, with_reason))


async def delete_service(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    compute.hosts.delete_service(ctx, request.path_params["action"])
    return no_content(204)


async def quota_class_set(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    name = request.path_params["class_name"]
    if request.method == "GET":
        return respond(schemas.quota_class_set(name, compute.hosts.show_quota_class(ctx, name), version=_v(request)))
    known = set(cloud_of(request).quotas.defaults("compute")) - schemas.quota_class_gone(_v(request))
    values = schemas.parse_quota_class_update(await read_json(request), known)
    return respond(schemas.quota_class_set(name, compute.hosts.update_quota_class(ctx, name, values), with_id=False,
                                           version=_v(request)))


# ---------------------------------------------------------------------------------------------- interfaces
async def interfaces(request: Request) -> Response:
    """GET / POST /servers/{id}/os-interface (`server add port`, `server add network`)."""
    compute, ctx, _ = _compute(request)
    server_id = request.path_params["server_id"]
    v = _v(request)
    if request.method == "GET":
        return respond({"interfaceAttachments": [schemas.interface(i, v) for i in
                                                 compute.interfaces.list_interfaces(ctx, server_id)]})
    port_id, net_id, ip = schemas.parse_interface_attach(await read_json(request))
    return respond({"interfaceAttachment": schemas.interface(
        compute.interfaces.attach_interface(ctx, server_id, port_id, net_id, ip), v)})


async def interface(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    server_id, port_id = request.path_params["server_id"], request.path_params["port_id"]
    if request.method == "GET":
        return respond({"interfaceAttachment": schemas.interface(
            compute.interfaces.get_interface(ctx, server_id, port_id), _v(request))})
    compute.interfaces.detach_interface(ctx, server_id, port_id)
    return no_content(202)


# ---------------------------------------------------------------------------------------------- server groups
async def list_server_groups(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    every = request.query_params.get("all_projects", "").lower() in ("1", "true", "yes")
    groups = compute.server_groups.list_server_groups(ctx, every)
    return respond({"server_groups": [schemas.server_group(g, _v(request)) for g in groups]})


async def create_server_group(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    name, policy = schemas.parse_server_group(await read_json(request), _v(request))
    return respond({"server_group": schemas.server_group(compute.server_groups.create_server_group(ctx, name,
                                                                                                   policy),
                                                         _v(request))})


async def show_server_group(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    group = compute.server_groups.get_server_group(ctx, request.path_params["group_id"])
    return respond({"server_group": schemas.server_group(group, _v(request))})


async def delete_server_group(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    compute.server_groups.delete_server_group(ctx, request.path_params["group_id"])
    return no_content(204)


# ---------------------------------------------------------------------------------------------- aggregates
async def aggregates(request: Request) -> Response:
    """GET (list) and POST (create) /os-aggregates."""
    compute, ctx, _ = _compute(request)
    if request.method == "GET":
        return respond({"aggregates": [operator_schemas.aggregate(a, _v(request))
                                       for a in compute.aggregates.list_aggregates(ctx)]})
    name, zone, _given = operator_schemas.parse_aggregate(await read_json(request), create=True)
    assert name is not None
    created = compute.aggregates.create_aggregate(ctx, name, zone)
    return respond({"aggregate": operator_schemas.aggregate(created, _v(request), created=True)})


async def aggregate(request: Request) -> Response:
    """GET, PUT and DELETE /os-aggregates/{aggregate_id}."""
    compute, ctx, _ = _compute(request)
    aggregate_id = request.path_params["aggregate_id"]
    if request.method == "DELETE":
        compute.aggregates.delete_aggregate(ctx, aggregate_id)
        return no_content(200)
    if request.method == "GET":
        found = compute.aggregates.get_aggregate(ctx, aggregate_id)
    else:
        name, zone, given = operator_schemas.parse_aggregate(await read_json(request), create=False)
        found = compute.aggregates.update_aggregate(ctx, aggregate_id, name, zone, given)
    return respond({"aggregate": operator_schemas.aggregate(found, _v(request))})


async def aggregate_action(request: Request) -> Response:
    """POST /os-aggregates/{aggregate_id}/action: add_host, remove_host, set_metadata."""
    compute, ctx, _ = _compute(request)
    aggregate_id = request.path_params["aggregate_id"]
    action, args = operator_schemas.parse_aggregate_action(await read_json(request))
    part = compute.aggregates
    found = (part.add_host(ctx, aggregate_id, args) if action == "add_host"
             else part.remove_host(ctx, aggregate_id, args) if action == "remove_host"
             else part.set_metadata(ctx, aggregate_id, args))
    return respond({"aggregate": operator_schemas.aggregate(found, _v(request))})


# ---------------------------------------------------------------------------------------------- legacy views
async def extensions(request: Request) -> Response:
    """GET /extensions[/{alias}]: Nova's fixed extension list (`openstack extension list --compute`)."""
    _compute(request)[0].hosts.check_extensions(context_of(request))
    alias = request.path_params.get("alias")
    if alias is None:
        return respond({"extensions": operator_schemas.extensions()})
    for item in operator_schemas.extensions():
        if item["alias"] == alias:
            return respond({"extension": item})
    raise NotFound("Extension could not be found.")


async def floating_ip_pools(request: Request) -> Response:
    """GET /os-floating-ip-pools: the external networks by name (a proxy to Neutron, 404 from 2.36)."""
    _until(request, mv.NETWORK_QUOTAS_GONE)
    compute, ctx, _ = _compute(request)
    return respond({"floating_ip_pools": [{"name": n} for n in compute.hosts.floating_ip_pools(ctx)]})


# ---------------------------------------------------------------------------------------------- server tags
async def server_tags(request: Request) -> Response:
    """GET, PUT (replace) and DELETE (all) /servers/{id}/tags (2.26)."""
    _since(request, mv.TAGS)
    compute, ctx, _ = _compute(request)
    server_id = request.path_params["server_id"]
    if request.method == "DELETE":
        compute.server_tags.delete_tags(ctx, server_id)
        return no_content(204)
    if request.method == "PUT":
        body = await read_json(request)
        if set(body) != {"tags"}:
            raise BadRequest("Invalid input for field/attribute tags. Value: None. 'tags' is a required property")
        tags = compute.server_tags.replace_tags(ctx, server_id, schemas.parse_tags(body["tags"]))
    else:
        tags = compute.server_tags.list_tags(ctx, server_id)
    return respond({"tags": tags})


async def server_tag(request: Request) -> Response:
    """GET (204 / 404), PUT (201 new, 204 present) and DELETE /servers/{id}/tags/{tag} (2.26)."""
    _since(request, mv.TAGS)
    compute, ctx, base = _compute(request)
    server_id, tag = request.path_params["server_id"], request.path_params["tag"]
    if request.method == "GET":
        compute.server_tags.has_tag(ctx, server_id, tag)
        return no_content(204)
    if request.method == "DELETE":
        compute.server_tags.delete_tag(ctx, server_id, tag)
        return no_content(204)
    if compute.server_tags.add_tag(ctx, server_id, schemas.parse_tag(tag)):
        return no_content(201, headers={"Location": f"{base}/compute{V}/servers/{server_id}/tags/{tag}"})
    return no_content(204, headers={"Location": f"{base}/compute{V}/servers/{server_id}/tags/{tag}"})


async def list_migrations(request: Request) -> Response:
    """GET /os-migrations: Nova's filters; limit and marker from 2.59, user_id and project_id from 2.80."""
    compute, ctx, _ = _compute(request)
    version = _v(request)
    paged, owned = version >= mv.MIGRATION_UUID, version >= mv.MIGRATION_OWNER
    query = MigrationQuery(
        host=query_value(request, "host"), status=query_value(request, "status"),
        instance_uuid=query_value(request, "instance_uuid"), source_compute=query_value(request, "source_compute"),
        migration_type=query_value(request, "migration_type"),
        user_id=query_value(request, "user_id") if owned else None,
        project_id=query_value(request, "project_id") if owned else None,
        limit=query_int(request, "limit", minimum=0) if paged else None,
        marker=query_value(request, "marker") if paged else None)
    return respond({"migrations": compute.migrations.list_migrations(ctx, query, version)})


async def tenant_usage(request: Request) -> Response:
    compute, ctx, _ = _compute(request)
    now = cloud_of(request).clock.now()
    start = _time(request, "start") or now - timedelta(days=1)
    end = _time(request, "end") or now
    if end < start:  # Nova's _get_datetime_range
        raise BadRequest("Invalid start time. The start time cannot occur after the end time.")
    one = "project_id" in request.path_params
    project_id = request.path_params.get("project_id") or ctx.project_id or ""
    usage = compute.hosts.tenant_usage(ctx, project_id, start, end, listing=not one)
    if one:
        return respond({"tenant_usage": schemas.tenant_usage(usage)})
    detailed = request.query_params.get("detailed", "0").lower() in ("1", "true")
    return respond({"tenant_usages": [schemas.tenant_usage(usage, servers=detailed)]})


Handler = Callable[[Request], Awaitable[Response]]
V = "/v2.1"

routes = [
    Route("/", root, methods=["GET", "HEAD"]),  # GET /compute/ (tempest's versions client adds the slash)
    Route(V, v21, methods=["GET", "HEAD"]),
    Route(f"{V}/", v21, methods=["GET", "HEAD"]),
    Route("/v2/", v20, methods=["GET", "HEAD"]),
    *console_routes.routes,
    *proxy_volumes.routes,
    *proxy_images.routes,
    *proxy_network.routes,
    *external_routes.routes,
    Route(f"{V}/flavors", list_flavors, methods=["GET"]),
    Route(f"{V}/flavors", create_flavor, methods=["POST"]),
    Route(f"{V}/flavors/detail", list_flavors, methods=["GET"]),
    Route(f"{V}/flavors/{{flavor_id}}", show_flavor, methods=["GET"]),
    Route(f"{V}/flavors/{{flavor_id}}", delete_flavor, methods=["DELETE"]),
    Route(f"{V}/flavors/{{flavor_id}}", update_flavor, methods=["PUT"]),
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
    Route(f"{V}/servers/{{server_id}}/diagnostics", server_diagnostics, methods=["GET"]),
    Route(f"{V}/servers/{{server_id}}/os-server-password", server_password, methods=["GET", "DELETE"]),
    Route(f"{V}/servers/{{server_id}}/remote-consoles", remote_console, methods=["POST"]),
    Route(f"{V}/servers/{{server_id}}/os-security-groups", server_security_groups, methods=["GET"]),
    Route(f"{V}/servers/{{server_id}}/ips/{{network}}", server_ips, methods=["GET"]),
    Route(f"{V}/servers/{{server_id}}/os-instance-actions", list_instance_actions, methods=["GET"]),
    Route(f"{V}/servers/{{server_id}}/os-interface", interfaces, methods=["GET", "POST"]),
    Route(f"{V}/servers/{{server_id}}/os-interface/{{port_id}}", interface, methods=["GET", "DELETE"]),
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
    Route(f"{V}/os-hosts", list_hosts, methods=["GET"]),
    Route(f"{V}/os-instance_usage_audit_log", instance_usage_audit_log, methods=["GET"]),
    Route(f"{V}/os-instance_usage_audit_log/{{before_timestamp}}", instance_usage_audit_log, methods=["GET"]),
    Route(f"{V}/os-hosts/{{host_name}}", show_host, methods=["GET"]),
    Route(f"{V}/os-hosts/{{host_name}}", update_host, methods=["PUT"]),
    *(Route(f"{V}/os-hosts/{{host_name}}/{action}", host_power_action, methods=["GET"], name=f"host_{action}")
      for action in ("startup", "shutdown", "reboot")),
    Route(f"{V}/os-hypervisors/detail", hypervisors, methods=["GET"]),
    Route(f"{V}/os-hypervisors/statistics", hypervisor_statistics, methods=["GET"]),
    Route(f"{V}/os-hypervisors/{{hypervisor_id}}", hypervisor, methods=["GET"]),
    Route(f"{V}/os-hypervisors/{{hypervisor_id}}/uptime", hypervisor_uptime, methods=["GET"]),
    Route(f"{V}/os-hypervisors/{{pattern}}/search", hypervisor_search, methods=["GET"]),
    Route(f"{V}/os-hypervisors/{{pattern}}/servers", hypervisor_search, methods=["GET"]),
    Route(f"{V}/os-services", list_services, methods=["GET"]),
    Route(f"{V}/os-services/{{action}}", update_service, methods=["PUT"]),
    Route(f"{V}/os-services/{{action}}", delete_service, methods=["DELETE"]),
    Route(f"{V}/os-quota-class-sets/{{class_name}}", quota_class_set, methods=["GET", "PUT"]),
    Route(f"{V}/os-migrations", list_migrations, methods=["GET"]),
    Route(f"{V}/os-aggregates", aggregates, methods=["GET", "POST"]),
    Route(f"{V}/os-aggregates/{{aggregate_id}}", aggregate, methods=["GET", "PUT", "DELETE"]),
    Route(f"{V}/os-aggregates/{{aggregate_id}}/action", aggregate_action, methods=["POST"]),
    Route(f"{V}/extensions", extensions, methods=["GET"]),
    Route(f"{V}/extensions/{{alias}}", extensions, methods=["GET"]),
    Route(f"{V}/os-floating-ip-pools", floating_ip_pools, methods=["GET"]),
    Route(f"{V}/servers/{{server_id}}/tags", server_tags, methods=["GET", "PUT", "DELETE"]),
    Route(f"{V}/servers/{{server_id}}/tags/{{tag}}", server_tag, methods=["GET", "PUT", "DELETE"]),
    Route(f"{V}/os-server-groups", list_server_groups, methods=["GET"]),
    Route(f"{V}/os-server-groups", create_server_group, methods=["POST"]),
    Route(f"{V}/os-server-groups/{{group_id}}", show_server_group, methods=["GET"]),
    Route(f"{V}/os-server-groups/{{group_id}}", delete_server_group, methods=["DELETE"]),
    Route(f"{V}/os-simple-tenant-usage", tenant_usage, methods=["GET"]),
    Route(f"{V}/os-simple-tenant-usage/{{project_id}}", tenant_usage, methods=["GET"]),
]
