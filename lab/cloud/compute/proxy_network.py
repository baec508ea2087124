"""Nova's proxies to Neutron (removed at 2.36; the addFloatingIp / removeFloatingIp actions at 2.44):
os-security-groups and os-security-group-rules (nova/api/openstack/compute/security_groups.py over
nova/network/security_group_api.py), os-floating-ips (floating_ips.py), os-networks (networks.py) and
os-tenant-networks (tenant_networks.py). Each request is checked as Nova checks it, then made as Neutron's own
call with the caller's context (the network contract's list_resources / show / create / update / delete), so
the group, rule or floating IP is Neutron's. Answers are Nova's views of them."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.compute import microversions as mv
from lab.cloud.compute.proxy_common import served
from lab.cloud.errors import BadRequest, CloudError, Conflict, Forbidden, NotFound
from lab.cloud.http import no_content, query_int, read_json, respond

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.compute.service import ComputeService
    from lab.cloud.context import RequestContext

V = "/v2.1"


class Gone(CloudError):
    """Nova's 410 for the nova-network APIs it no longer serves with Neutron (os-networks create, delete, ...)."""

    code, title = 410, "Gone"


def _query(**filters: list[str]) -> Any:
    from lab.cloud.network.query import ListQuery

    return ListQuery(filters=dict(filters))


def _uuid(value: Any, what: str) -> str:
    """Nova's validate_id with Neutron: ids are UUIDs (400 otherwise)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise BadRequest(f"{what} id should be uuid") from None


def _request(request: Request, rule: str, removed: Any = mv.PROXIES_GONE) -> tuple[Cloud, RequestContext]:
    cloud, ctx = served(request, removed)
    cloud.policy.enforce(ctx, f"os_compute_api:{rule}")
    return cloud, ctx


def _own(ctx: RequestContext) -> dict[str, list[str]]:
    """Nova's proxies list the caller's own project (every project for an admin with all_tenants)."""
    return {} if ctx.all_projects else {"project_id": [ctx.project_id or ""]}


@contextmanager
def _neutron(not_found: str | None = None, conflict: type[CloudError] = BadRequest) -> Iterator[None]:
    """Neutron's errors as Nova turns them: 404 (in Nova's words), a 409 as `conflict`, OverQuota 403."""
    try:
        yield
    except NotFound as e:
        raise NotFound(not_found or e.message) from None
    except Conflict as e:
        if e.neutron_type == "OverQuota":
            raise Forbidden(f"Quota exceeded, too many {'security groups' if 'group' in e.message else 'resources'}."
                            ) from None
        raise conflict(e.message) from None


# ---------------------------------------------------------------------------------------------- security groups
def _nova_rule(rule: dict[str, Any], groups: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Nova's _format_security_group_rule of a Neutron rule (a missing port is -1)."""
    remote = groups.get(rule.get("remote_group_id") or "")
    body: dict[str, Any] = {
        "id": rule["id"], "parent_group_id": rule["security_group_id"], "ip_protocol": rule.get("protocol"),
        "from_port": -1 if rule.get("port_range_min") is None else rule["port_range_min"],
        "to_port": -1 if rule.get("port_range_max") is None else rule["port_range_max"], "group": {}, "ip_range": {}}
    if rule.get("remote_group_id"):
        body["group"] = {"name": (remote or {}).get("name", ""), "tenant_id": (remote or {}).get("project_id", "")}
    else:
        default = "::/0" if rule.get("ethertype") == "IPv6" else "0.0.0.0/0"
        body["ip_range"] = {"cidr": rule.get("remote_ip_prefix") or default}
    return body


def _nova_group(group: dict[str, Any], groups: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"id": group["id"], "name": group["name"], "description": group.get("description") or "",
            "tenant_id": group.get("project_id") or group.get("tenant_id") or "",
            "rules": [_nova_rule(r, groups) for r in group.get("security_group_rules", [])
                      if r.get("direction") == "ingress"]}


def _all_groups(cloud: Cloud, ctx: RequestContext) -> dict[str, dict[str, Any]]:
    found, _ = cloud.network.list_resources(ctx, "security-groups", _query())
    return {g["id"]: g for g in found}


def _group(cloud: Cloud, ctx: RequestContext, group_id: Any) -> dict[str, Any]:
    group_id = _uuid(group_id, "Security group")
    with _neutron(f"Security group {group_id} not found."):
        return cloud.network.show(ctx, "security-groups", group_id, [])


def _property(value: Any, name: str) -> str:
    """Nova's validate_property: a string, not empty once stripped, at most 255 characters (stripped for the
    checks only: the name is kept as given)."""
    if not isinstance(value, str):
        raise BadRequest(f"Security group {name} is not a string or unicode")
    stripped = value.strip()
    if not stripped:
        raise BadRequest(f"Security group {name} cannot be empty.")
    if len(stripped) > 255:
        raise BadRequest(f"Security group {name} should not be greater than 255 characters.")
    return value


def _from_body(body: dict[str, Any], key: str) -> dict[str, Any]:
    if not body:
        raise BadRequest("The request body can't be empty")
    value = body.get(key)
    if not value or not isinstance(value, dict):
        raise BadRequest(f"Missing parameter {key}")
    return value


async def security_groups(request: Request) -> Response:
    """GET (list) and POST (create) /os-security-groups."""
    if request.method == "GET":
        cloud, ctx = _request(request, "os-security-groups:get")
        every = _all_groups(cloud, ctx)
        found, _ = cloud.network.list_resources(ctx, "security-groups", _query(**_own(ctx)))
        items = [_nova_group(g, every) for g in found]
        offset, limit = query_int(request, "offset") or 0, query_int(request, "limit")
        items = items[offset:] if limit is None else items[offset:offset + limit]
        return respond({"security_groups": items})
    cloud, ctx = _request(request, "os-security-groups:create")
    spec = _from_body(await read_json(request), "security_group")
    name, description = _property(spec.get("name"), "name"), _property(spec.get("description"), "description")
    with _neutron(conflict=Forbidden):
        made = cloud.network.create(ctx, "security-groups", {"security_group": {
            "name": name, "description": description}})
    return respond({"security_group": _nova_group(made, _all_groups(cloud, ctx))})


async def security_group(request: Request) -> Response:
    """GET, PUT (name and description) and DELETE /os-security-groups/{id}."""
    rule = {"GET": "show", "HEAD": "show", "PUT": "update", "DELETE": "delete"}[request.method]
    cloud, ctx = _request(request, f"os-security-groups:{rule}")
    group = _group(cloud, ctx, request.path_params["group_id"])
    if request.method == "DELETE":
        with _neutron(f"Security group {group['id']} not found."):  # in use or the default group: Nova's 400
            cloud.network.delete(ctx, "security-groups", group["id"])
        return no_content(202)
    if request.method == "PUT":
        spec = _from_body(await read_json(request), "security_group")
        name, description = _property(spec.get("name"), "name"), _property(spec.get("description"), "description")
        with _neutron(f"Security group {group['id']} not found."):
            group = cloud.network.update(ctx, "security-groups", group["id"], {"security_group": {
                "name": name, "description": description}})
    return respond({"security_group": _nova_group(group, _all_groups(cloud, ctx))})


def _ingress_rule(protocol: Any, from_port: Any, to_port: Any, cidr: str | None,
                  group_id: str | None) -> dict[str, Any] | None:
    """Nova's _new_ingress_rule: checks the protocol and ports; None when a CIDR rule lacks them."""
    values: dict[str, Any] = {}
    upper = str(protocol).upper() if protocol else ""
    if group_id:
        values["group_id"] = group_id
        if upper == "ICMP" and from_port is None and to_port is None:
            from_port = to_port = -1
        elif upper in ("TCP", "UDP") and from_port is None and to_port is None:
            from_port, to_port = 1, 65535
    elif cidr:
        values["cidr"] = cidr
    if protocol and from_port is not None and to_port is not None:
        try:
            low, high = int(from_port), int(to_port)
        except (TypeError, ValueError):
            raise BadRequest("Invalid input received: " + (
                "Type and Code must be integers for ICMP protocol type" if upper == "ICMP"
                else "To and From ports must be integers")) from None
        if upper not in ("TCP", "UDP", "ICMP"):
            raise BadRequest(f"Invalid IP protocol {protocol}.")
        if upper in ("TCP", "UDP") and low > high:
            raise BadRequest(f"Invalid port range {low}:{high}. Former value cannot be greater than the later")
        if upper in ("TCP", "UDP") and (low < 1 or high > 65535):
            raise BadRequest(f"Invalid port range {low}:{high}. Valid {upper} ports should be between 1-65535")
        if upper == "ICMP" and not (-1 <= low <= 255 and -1 <= high <= 255):
            raise BadRequest(f"Invalid port range {low}:{high}. For ICMP, the type:code must be valid")
        values.update(protocol=str(protocol).lower(), from_port=low, to_port=high)
    elif cidr:
        return None
    return values


def _same(rule: dict[str, Any], new: dict[str, Any]) -> bool:
    def port(value: Any) -> Any:
        return None if value == -1 else value
    return (rule.get("direction") == "ingress" and rule.get("protocol") == new.get("protocol")
            and rule.get("port_range_min") == port(new.get("from_port"))
            and rule.get("port_range_max") == port(new.get("to_port"))
            and (rule.get("remote_group_id") or None) == new.get("group_id")
            and (rule.get("remote_ip_prefix") or None) == (new.get("cidr") if not new.get("group_id") else None))


async def create_security_group_rule(request: Request) -> Response:
    """POST /os-security-group-rules: an ingress rule of a group, from a CIDR (0.0.0.0/0 by default) or a
    source group."""
    cloud, ctx = _request(request, "os-security-groups:rule:create")
    spec = _from_body(await read_json(request), "security_group_rule")
    parent = _group(cloud, ctx, spec.get("parent_group_id"))
    group_id = spec.get("group_id")
    if group_id is not None:
        group_id = _group(cloud, ctx, group_id)["id"]
    cidr = spec.get("cidr")
    if group_id is None:
        if cidr:
            try:
                ipaddress.ip_network(str(cidr), strict=False)  # kept as given, as Nova hands it to Neutron
            except ValueError:
                raise BadRequest(f"Invalid cidr {cidr}.") from None
            if str(cidr).endswith("/0") and not str(cidr).startswith(("0.0.0.0", "::")):
                raise BadRequest(f"Bad prefix for network in cidr {cidr}")
        else:
            cidr = "0.0.0.0/0"
    new = _ingress_rule(spec.get("ip_protocol"), spec.get("from_port"), spec.get("to_port"), cidr, group_id)
    if not new:
        raise BadRequest("Not enough parameters to build a valid rule.")
    if any(_same(r, new) for r in parent.get("security_group_rules", [])):
        raise BadRequest(f"This rule already exists in group {parent['id']}")
    ipv6 = bool(new.get("cidr")) and ":" in str(new.get("cidr"))
    body = {"security_group_id": parent["id"], "direction": "ingress", "ethertype": "IPv6" if ipv6 else "IPv4",
            "protocol": new.get("protocol"),
            "port_range_min": None if new.get("from_port") in (None, -1) else new["from_port"],
            "port_range_max": None if new.get("to_port") in (None, -1) else new["to_port"]}
    if group_id:
        body["remote_group_id"] = group_id
    else:
        body["remote_ip_prefix"] = new.get("cidr")
    with _neutron(f"Security group {parent['id']} not found.", conflict=BadRequest):
        made = cloud.network.create(ctx, "security-group-rules", {"security_group_rule": body})
    answer = _nova_rule(made, _all_groups(cloud, ctx))
    if not group_id:  # the CIDR as it was asked (Neutron keeps its network address: 10.2.3.124/24 is 10.2.3.0/24)
        answer["ip_range"] = {"cidr": new["cidr"]}
    return respond({"security_group_rule": answer})


async def delete_security_group_rule(request: Request) -> Response:
    cloud, ctx = _request(request, "os-security-groups:rule:delete")
    rule_id = _uuid(request.path_params["rule_id"], "Security group rule")
    with _neutron(f"Security group rule {rule_id} not found."):
        cloud.network.show(ctx, "security-group-rules", rule_id, [])
        cloud.network.delete(ctx, "security-group-rules", rule_id)
    return no_content(202)


# ---------------------------------------------------------------------------------------------- floating IPs
def _networks_by_id(cloud: Cloud, ctx: RequestContext) -> dict[str, dict[str, Any]]:
    found, _ = cloud.network.list_resources(ctx, "networks", _query())
    return {n["id"]: n for n in found}


def _nova_fip(fip: dict[str, Any], networks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    details = fip.get("port_details") or {}
    device = details.get("device_id") if fip.get("port_id") else None
    return {"id": fip["id"], "ip": fip["floating_ip_address"],
            "pool": networks.get(fip["floating_network_id"], {}).get("name", fip["floating_network_id"]),
            "fixed_ip": fip.get("fixed_ip_address"), "instance_id": device or None}


def _fip(cloud: Cloud, ctx: RequestContext, fip_id: str) -> dict[str, Any]:
    try:
        fip_id = _uuid(fip_id, "Floating IP")
    except BadRequest:
        raise BadRequest(f"Invalid ID received {fip_id}.") from None
    with _neutron(f"Floating IP not found for ID {fip_id}"):
        return cloud.network.show(ctx, "floatingips", fip_id, [])


async def floating_ips(request: Request) -> Response:
    """GET (list) and POST (allocate from a pool, the default one without a body) /os-floating-ips."""
    if request.method == "GET":
        cloud, ctx = _request(request, "os-floating-ips:list")
        found, _ = cloud.network.list_resources(ctx, "floatingips", _query(**_own(ctx)))
        networks = _networks_by_id(cloud, ctx)
        return respond({"floating_ips": [_nova_fip(f, networks) for f in found]})
    cloud, ctx = _request(request, "os-floating-ips:create")
    raw = await request.body()
    body = await read_json(request) if raw.strip() else {}
    pool = body.get("pool") if isinstance(body, dict) else None
    external, _ = cloud.network.list_resources(ctx, "networks", _query(**{"router:external": ["True"]}))
    chosen = external[:1] if pool is None else [n for n in external if pool in (n["name"], n["id"])]
    if not chosen:
        raise NotFound("Floating IP pool not found.")
    name = chosen[0]["name"]
    try:
        made = cloud.network.create(ctx, "floatingips", {"floatingip": {"floating_network_id": chosen[0]["id"]}})
    except Conflict as e:
        if e.neutron_type == "OverQuota":
            raise Forbidden(f"IP allocation over quota in pool {name}.") from None
        raise NotFound(f"No more floating IPs in pool {name}.") from None
    return respond({"floating_ip": _nova_fip(made, _networks_by_id(cloud, ctx))})


async def floating_ip(request: Request) -> Response:
    """GET and DELETE (disassociate, then release) /os-floating-ips/{id}."""
    cloud, ctx = _request(request, "os-floating-ips:show" if request.method == "GET" else "os-floating-ips:delete")
    fip = _fip(cloud, ctx, request.path_params["fip_id"])
    if request.method == "DELETE":
        with _neutron(f"Floating IP not found for ID {fip['id']}"):
            cloud.network.delete(ctx, "floatingips", fip["id"])
        return no_content(202)
    return respond({"floating_ip": _nova_fip(fip, _networks_by_id(cloud, ctx))})


def _fip_by_address(cloud: Cloud, ctx: RequestContext, address: str) -> dict[str, Any]:
    found, _ = cloud.network.list_resources(ctx, "floatingips", _query(floating_ip_address=[address]))
    if not found:
        raise NotFound("floating IP not found")
    return found[0]


def _address(args: Any, action: str, *, fixed: bool) -> tuple[str, str | None]:
    """Nova's add_floating_ip / remove_floating_ip schemas: `address` (and `fixed_address`), IP addresses."""
    from lab.cloud.compute.schemas import invalid

    if not isinstance(args, dict):
        raise invalid(action, args, f"{args!r} is not of type 'object'")
    allowed = {"address", "fixed_address"} if fixed else {"address"}
    extra = sorted(set(args) - allowed)
    if extra:
        raise invalid(action, args, f"Additional properties are not allowed ({extra[0]!r} was unexpected)")
    if "address" not in args:
        raise invalid("address", None, "'address' is a required property")
    out: list[str | None] = []
    for key in ("address", "fixed_address"):
        value = args.get(key)
        if value is None and key == "fixed_address":
            out.append(None)
            continue
        try:
            out.append(str(ipaddress.ip_address(value if isinstance(value, str) else "")))
        except ValueError:
            raise invalid(key, value, f"{value!r} is not a 'ip-address'") from None
    return str(out[0]), out[1]


def add_floating_ip(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any, v: Any) -> Response:
    """The addFloatingIp action (before 2.44): the floating IP on the port of the server's (given or first
    IPv4) fixed address."""
    if v >= mv.NO_IP_ACTIONS:
        raise NotFound("The resource could not be found.")
    cloud = compute.cloud
    address, fixed_address = _address(args, "addFloatingIp", fixed=True)
    compute.servers.get_server(ctx, server_id, "os_compute_api:os-floating-ips:add")
    ports, _ = cloud.network.list_resources(ctx, "ports", _query(device_id=[server_id]))
    fixed = [(p["id"], ip["ip_address"]) for p in ports for ip in p.get("fixed_ips", [])]
    if not fixed:
        raise BadRequest("No fixed IPs associated to instance")
    if fixed_address is not None:
        chosen = [f for f in fixed if f[1] == fixed_address]
        if not chosen:
            raise BadRequest("Specified fixed address not assigned to instance")
    else:
        chosen = [f for f in fixed if ipaddress.ip_address(f[1]).version == 4]
        if not chosen:
            raise BadRequest(f"Unable to associate floating IP {address} to any fixed IPs for instance {server_id}. "
                             "Instance has no fixed IPv4 addresses to associate.")
    fip = _fip_by_address(cloud, ctx, address)
    port_id, fixed_ip = chosen[0]
    try:
        cloud.network.update(ctx, "floatingips", fip["id"], {"floatingip": {
            "port_id": port_id, "fixed_ip_address": fixed_ip}})
    except (BadRequest, Conflict, NotFound) as e:
        raise BadRequest(f"Unable to associate floating IP {address} to fixed IP {fixed_ip} for instance "
                         f"{server_id}. Error: {e.message}") from None
    return no_content(202)


def remove_floating_ip(compute: ComputeService, ctx: RequestContext, server_id: str, args: Any,
                       v: Any) -> Response:
    """The removeFloatingIp action (before 2.44): 409 when the floating IP is not on this server."""
    if v >= mv.NO_IP_ACTIONS:
        raise NotFound("The resource could not be found.")
    cloud = compute.cloud
    address, _ = _address(args, "removeFloatingIp", fixed=False)
    compute.servers.get_server(ctx, server_id, "os_compute_api:os-floating-ips:remove")
    fip = _fip_by_address(cloud, ctx, address)
    device = (fip.get("port_details") or {}).get("device_id") if fip.get("port_id") else None
    if device != server_id:
        raise Conflict(f"Floating IP {address} is not associated with instance {server_id}.")
    cloud.network.update(ctx, "floatingips", fip["id"], {"floatingip": {"port_id": None}})
    return no_content(202)


# ---------------------------------------------------------------------------------------------- networks
def _network(cloud: Cloud, ctx: RequestContext, network_id: str) -> dict[str, Any]:
    try:
        return cloud.network.show(ctx, "networks", network_id, [])
    except NotFound:
        raise NotFound("Network not found") from None


def _nova_network(network: dict[str, Any], admin: bool) -> dict[str, Any]:
    """Nova's networks.network_dict with Neutron: the id and label; every other nova-network field null."""
    fields = ["id", "cidr", "netmask", "gateway", "broadcast", "dns1", "dns2", "cidr_v6", "gateway_v6", "label",
              "netmask_v6"]
    if admin:
        fields += ["created_at", "updated_at", "deleted_at", "deleted", "injected", "bridge", "vlan",
                   "vpn_public_address", "vpn_public_port", "vpn_private_address", "dhcp_start", "project_id",
                   "host", "bridge_interface", "multi_host", "priority", "rxtx_base", "mtu", "dhcp_server",
                   "enable_dhcp", "share_address"]
    return {f: network["id"] if f == "id" else network["name"] if f == "label" else None for f in fields}


async def networks(request: Request) -> Response:
    """GET /os-networks: every network the caller sees in Neutron."""
    cloud, ctx = _request(request, "os-networks:list")
    found, _ = cloud.network.list_resources(ctx, "networks", _query())
    admin = cloud.policy.allows(ctx, "context_is_admin")
    return respond({"networks": [_nova_network(n, admin) for n in found]})


async def network(request: Request) -> Response:
    cloud, ctx = _request(request, "os-networks:view")
    admin = cloud.policy.allows(ctx, "context_is_admin")
    return respond({"network": _nova_network(_network(cloud, ctx, request.path_params["network_id"]), admin)})


async def gone(request: Request) -> Response:
    """The nova-network parts of os-networks and os-tenant-networks (create, delete, add, associate): Nova's 410
    with Neutron."""
    served(request)
    raise Gone("Gone")


def _tenant_network(network: dict[str, Any]) -> dict[str, Any]:
    return {"id": network["id"], "cidr": "None", "label": network["name"]}


async def tenant_networks(request: Request) -> Response:
    """GET /os-tenant-networks: the networks the caller sees (Nova's get_all), as id, cidr and label."""
    cloud, ctx = _request(request, "os-tenant-networks:list")
    found, _ = cloud.network.list_resources(ctx, "networks", _query())
    return respond({"networks": [_tenant_network(n) for n in found]})


async def tenant_network(request: Request) -> Response:
    cloud, ctx = _request(request, "os-tenant-networks:show")
    return respond({"network": _tenant_network(_network(cloud, ctx, request.path_params["network_id"]))})


routes = [
    Route(f"{V}/os-security-groups", security_groups, methods=["GET", "POST"]),
    Route(f"{V}/os-security-groups/{{group_id}}", security_group, methods=["GET", "PUT", "DELETE"]),
    Route(f"{V}/os-security-group-rules", create_security_group_rule, methods=["POST"]),
    Route(f"{V}/os-security-group-rules/{{rule_id}}", delete_security_group_rule, methods=["DELETE"]),
    Route(f"{V}/os-floating-ips", floating_ips, methods=["GET", "POST"]),
    Route(f"{V}/os-floating-ips/{{fip_id}}", floating_ip, methods=["GET", "DELETE"]),
    Route(f"{V}/os-networks", networks, methods=["GET"]),
    Route(f"{V}/os-networks", gone, methods=["POST"]),
    Route(f"{V}/os-networks/add", gone, methods=["POST"]),
    Route(f"{V}/os-networks/{{network_id}}", network, methods=["GET"]),
    Route(f"{V}/os-networks/{{network_id}}", gone, methods=["DELETE"]),
    Route(f"{V}/os-networks/{{network_id}}/action", gone, methods=["POST"]),
    Route(f"{V}/os-tenant-networks", tenant_networks, methods=["GET"]),
    Route(f"{V}/os-tenant-networks", gone, methods=["POST"]),
    Route(f"{V}/os-tenant-networks/{{network_id}}", tenant_network, methods=["GET"]),
    Route(f"{V}/os-tenant-networks/{{network_id}}", gone, methods=["DELETE"]),
]
