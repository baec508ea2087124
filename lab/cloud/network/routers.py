"""Routers: the external gateway (a port on the external network whose address is the SNAT address),
interfaces by subnet (the port takes the subnet's gateway IP) or by port, static routes (extraroute), and the
checks that keep floating IPs and routes working (an interface or gateway they need cannot be removed)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud import events
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.network import ipam, quotas
from lab.cloud.network import schemas as S
from lab.cloud.network.access import authorize
from lab.cloud.network.common import (
    DEVICE_OWNER_ROUTER_GW,
    DEVICE_OWNER_ROUTER_INTF,
    bad_request,
    external_for,
    get_network,
    get_port,
    get_router,
    get_subnet,
    new_project,
    required,
    touch,
)
from lab.cloud.network.models import FloatingIP, IPAllocation, Network, Port, Router, Subnet
from lab.cloud.network.ports import add_port, fixed_ips, remove_port, subnets_of

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService


def interface_ports(db: Session, router_id: str) -> list[Port]:
    return list(db.scalars(select(Port).where(Port.device_id == router_id,
                                              Port.device_owner == DEVICE_OWNER_ROUTER_INTF)
                           .order_by(Port.created_at, Port.id)))


def interface_subnets(db: Session, router_id: str) -> list[Subnet]:
    port_ids = [p.id for p in interface_ports(db, router_id)]
    subnet_ids = select(IPAllocation.subnet_id).where(IPAllocation.port_id.in_(port_ids))
    return list(db.scalars(select(Subnet).where(Subnet.id.in_(subnet_ids))))


def create_router(svc: NetworkService, db: Session, ctx: RequestContext, attrs: dict[str, Any]) -> Router:
    wanted_project = new_project(ctx, attrs)
    authorize(svc, ctx, "create_router", {"project_id": wanted_project},
              [flag for flag in ("distributed", "ha") if attrs.get(flag)])
    svc.cloud.billing.check_can_create(ctx, "router")  # a prepaid project with no balance left: 402
    project_id = required(wanted_project)
    quotas.check(svc, db, project_id, "router")
    now = svc.now()
    router = Router(project_id=project_id, name=attrs.get("name", ""), description=attrs.get("description", ""),
                    admin_state_up=attrs.get("admin_state_up", True), tags=attrs.get("tags", []),
                    created_at=now, updated_at=now)
    db.add(router)
    db.flush()
    if attrs.get("external_gateway_info"):
        set_gateway(svc, db, ctx, router, attrs["external_gateway_info"], "create_router")
    events.record(db, now, project_id=project_id, user_id=ctx.user_id, resource_type="router",
                  resource_id=router.id, action="create", name=router.name)
    svc.sync(db, "router", router.id)
    return router


def _fips_through(db: Session, router_id: str) -> bool:
    return db.scalar(select(FloatingIP.id).where(FloatingIP.router_id == router_id)) is not None


def set_gateway(svc: NetworkService, db: Session, ctx: RequestContext, router: Router,
                info: dict[str, Any] | None, operation: str = "update_router") -> None:
    """Set, change or clear (`info` empty) the router's external gateway, in `operation` (the create or
    update whose `:external_gateway_info:*` rules apply)."""
    current = db.get(Port, router.gw_port_id) if router.gw_port_id else None
    if not info:
        if current is not None:
            if _fips_through(db, router.id):
                raise Conflict(f"Gateway cannot be updated for router {router.id}, since a gateway to external "
                               f"network {current.network_id} is required by one or more floating IPs.",
                               neutron_type="RouterExternalGatewayInUseByFloatingIp")
            remove_port(svc, db, current)
        router.gw_port_id = None
        return
    unknown = set(info) - {"network_id", "enable_snat", "external_fixed_ips", "qos_policy_id"}
    if unknown or not isinstance(info.get("network_id"), str):
        raise BadRequest(f"Invalid input for external_gateway_info. Reason: Validation of dictionary's keys "
                         f"failed. Expected keys: {{'network_id'}} Provided keys: {set(info)}.",
                         neutron_type="HTTPBadRequest")
    network = get_network(db, ctx, info["network_id"])
    if not external_for(db, network, router.project_id):
        raise bad_request("router", f"Network {network.id} is not an external network")
    wanted_ips = info.get("external_fixed_ips")
    if wanted_ips is not None:
        authorize(svc, ctx, operation, {"project_id": router.project_id}, ["external_gateway_info:external_fixed_ips"])
        wanted_ips = S.list_of(S.FIXED_IP)(S.W, "external_fixed_ips", wanted_ips)
    if "enable_snat" in info:
        router.enable_snat = S.boolean(S.W, "enable_snat", info["enable_snat"])
    if current is not None:
        same_ips = wanted_ips is None or sorted(a.get("ip_address", "") for a in wanted_ips) == sorted(
            f["ip_address"] for f in fixed_ips(db, [current.id])[current.id])
        if current.network_id == network.id and same_ips:
            return
        if _fips_through(db, router.id):
            raise Conflict(f"Gateway cannot be updated for router {router.id}, since a gateway to external network "
                           f"{current.network_id} is required by one or more floating IPs.",
                           neutron_type="RouterExternalGatewayInUseByFloatingIp")
        remove_port(svc, db, current)
    port = add_port(svc, db, network, "", device_owner=DEVICE_OWNER_ROUTER_GW, device_id=router.id,
                    fixed_ips=wanted_ips)
    # An external network without subnets gives a gateway without addresses (current Neutron's 201 with
    # empty external_fixed_ips); one whose subnets are full is refused.
    if not fixed_ips(db, [port.id])[port.id] and subnets_of(db, network.id):
        raise BadRequest(f"Unable to find any IP address on external network {network.id}.",
                         neutron_type="ExternalIpAddressExhausted")
    router.gw_port_id = port.id


def _check_routes(db: Session, router: Router, routes: list[dict[str, str]]) -> list[dict[str, str]]:
    connected = [ipaddress.ip_network(s.cidr) for s in interface_subnets(db, router.id)]
    if router.gw_port_id:
        for alloc in db.scalars(select(IPAllocation).where(IPAllocation.port_id == router.gw_port_id)):
            subnet = db.get(Subnet, alloc.subnet_id)
            if subnet is not None:
                connected.append(ipaddress.ip_network(subnet.cidr))
    for route in routes:
        if not any(ipaddress.ip_address(route["nexthop"]) in net for net in connected):
            raise BadRequest(f"Invalid format for routes: {routes}, the nexthop is not connected with router.",
                             neutron_type="InvalidRoutes")
    return routes


def update_router(svc: NetworkService, db: Session, ctx: RequestContext, router_id: str,
                  attrs: dict[str, Any]) -> Router:
    router = get_router(db, ctx, router_id)
    authorize(svc, ctx, "update_router", {"project_id": router.project_id})
    for key in ("name", "description", "admin_state_up"):
        if key in attrs:
            setattr(router, key, attrs[key])
    if "external_gateway_info" in attrs:
        set_gateway(svc, db, ctx, router, attrs["external_gateway_info"])
    if "routes" in attrs:
        router.routes = _check_routes(db, router, attrs["routes"] or [])
    touch(router, svc.now())
    svc.sync(db, "router", router.id)
    return router


def change_routes(svc: NetworkService, db: Session, ctx: RequestContext, router_id: str, body: dict[str, Any],
                  add: bool) -> Router:
    """extraroute-atomic: add or remove some routes without replacing the list."""
    router = get_router(db, ctx, router_id)
    authorize(svc, ctx, "add_extraroutes" if add else "remove_extraroutes", {"project_id": router.project_id})
    given = S.parse("router", body, update=True).get("routes") or []
    current = list(router.routes or [])
    if add:
        router.routes = _check_routes(db, router, current + [r for r in given if r not in current])
    else:
        router.routes = [r for r in current if r not in given]
    touch(router, svc.now())
    svc.sync(db, "router", router.id)
    return router


def add_interface(svc: NetworkService, db: Session, ctx: RequestContext, router_id: str,
                  body: dict[str, Any]) -> dict[str, Any]:
    """Attach a subnet (a new port with the subnet's gateway IP) or an existing port to the router."""
    router = get_router(db, ctx, router_id)
    authorize(svc, ctx, "add_router_interface", {"project_id": router.project_id})
    subnet_id, port_id = S.parse_interface(body)
    if subnet_id and port_id:
        raise bad_request("router", "Cannot specify both subnet-id and port-id")
    if not subnet_id and not port_id:
        raise bad_request("router", "Either subnet_id or port_id must be specified")
    attached = interface_subnets(db, router.id)
    if port_id:
        port = get_port(db, ctx, port_id)
        if port.device_id:
            raise Conflict(f"Unable to complete operation on port {port.id} for network {port.network_id}. Port "
                           f"already has an attached device {port.device_id}.", neutron_type="PortInUse")
        ips = fixed_ips(db, [port.id])[port.id]
        if not ips:
            raise bad_request("router", "Router port must have at least one fixed IP")
        subnets = [s for s in (db.get(Subnet, ip["subnet_id"]) for ip in ips) if s is not None]
        _check_overlap(router, attached, subnets)
        port.device_id, port.device_owner = router.id, DEVICE_OWNER_ROUTER_INTF
        touch(port, svc.now())
    else:
        subnet = get_subnet(db, ctx, str(subnet_id))
        if not subnet.gateway_ip:
            raise bad_request("router", "Subnet for router interface must have a gateway IP")
        if any(s.id == subnet.id for s in attached):
            raise bad_request("router", f"Router already has a port on subnet {subnet.id}")
        _check_overlap(router, attached, [subnet])
        network = db.get(Network, subnet.network_id)
        assert network is not None
        port = add_port(svc, db, network, subnet.project_id, device_owner=DEVICE_OWNER_ROUTER_INTF,
                        device_id=router.id, fixed_ips=[{"subnet_id": subnet.id, "ip_address": subnet.gateway_ip}])
        subnets = [subnet]
    touch(router, svc.now())
    svc.sync(db, "router", router.id)
    svc.sync(db, "network", port.network_id)
    return S.router_interface(router, port, [s.id for s in subnets])


def _check_overlap(router: Router, attached: list[Subnet], new: list[Subnet]) -> None:
    for subnet in new:
        for other in attached:
            if ipam.overlaps(subnet.cidr, other.cidr):
                raise bad_request("router", f"Cidr {subnet.cidr} of subnet {subnet.id} overlaps with cidr "
                                            f"{other.cidr} of subnet {other.id}")


def remove_interface(svc: NetworkService, db: Session, ctx: RequestContext, router_id: str,
                     body: dict[str, Any]) -> dict[str, Any]:
    router = get_router(db, ctx, router_id)
    authorize(svc, ctx, "remove_router_interface", {"project_id": router.project_id})
    subnet_id, port_id = S.parse_interface(body)
    if not subnet_id and not port_id:
        raise bad_request("router", "Either subnet_id or port_id must be specified")
    ports = interface_ports(db, router.id)
    ips = fixed_ips(db, [p.id for p in ports])
    if port_id:
        port = next((p for p in ports if p.id == port_id), None)
        if port is None:
            raise NotFound(f"Router {router.id} does not have an interface with id {port_id}",
                           neutron_type="RouterInterfaceNotFound")
        if subnet_id and subnet_id not in {ip["subnet_id"] for ip in ips[port.id]}:
            raise BadRequest(f"Subnet on port {port.id} does not match the requested subnet {subnet_id}.",
                             neutron_type="SubnetMismatchForPort")
    else:
        port = next((p for p in ports if any(ip["subnet_id"] == subnet_id for ip in ips[p.id])), None)
        if port is None:
            raise NotFound(f"Router {router.id} has no interface on subnet {subnet_id}",
                           neutron_type="RouterInterfaceNotFoundForSubnet")
    subnet_ids = [ip["subnet_id"] for ip in ips[port.id]]
    for sid in subnet_ids:
        subnet = db.get(Subnet, sid)
        if subnet is None:
            continue
        net = ipaddress.ip_network(subnet.cidr)
        fip_fixed = db.scalars(select(FloatingIP.fixed_ip_address).where(FloatingIP.router_id == router.id))
        if any(a is not None and ipaddress.ip_address(a) in net for a in fip_fixed):
            raise Conflict(f"Router interface for subnet {sid} on router {router.id} cannot be deleted, as it is "
                           f"required by one or more floating IPs.", neutron_type="RouterInterfaceInUseByFloatingIP")
        if any(ipaddress.ip_address(r["nexthop"]) in net for r in router.routes or []):
            raise Conflict(f"Router interface for subnet {sid} on router {router.id} cannot be deleted, as it is "
                           f"required by one or more routes.", neutron_type="RouterInterfaceInUseByRoute")
    info = S.router_interface(router, port, subnet_ids)
    remove_port(svc, db, port)
    touch(router, svc.now())
    svc.sync(db, "router", router.id)
    return info


def delete_router(svc: NetworkService, db: Session, ctx: RequestContext, router_id: str) -> None:
    """Delete a router and its gateway port. Raises RouterInUse (409) while it has interfaces."""
    router = get_router(db, ctx, router_id)
    authorize(svc, ctx, "delete_router", {"project_id": router.project_id})
    if interface_ports(db, router.id):
        raise Conflict(f"Router {router.id} still has ports", neutron_type="RouterInUse")
    set_gateway(svc, db, ctx, router, None)
    db.delete(router)
    events.record(db, svc.now(), project_id=router.project_id, user_id=ctx.user_id, resource_type="router",
                  resource_id=router.id, action="delete")
    svc.sync(db, "router", router.id)


def routers_for(db: Session, ext_network_id: str, subnet_id: str) -> list[Router]:
    """Routers that connect `subnet_id` (an interface) to `ext_network_id` (the gateway)."""
    on_subnet = select(IPAllocation.port_id).where(IPAllocation.subnet_id == subnet_id)
    router_ids = select(Port.device_id).where(Port.id.in_(on_subnet), Port.device_owner == DEVICE_OWNER_ROUTER_INTF)
    gateways = select(Port.id).where(Port.network_id == ext_network_id, Port.device_owner == DEVICE_OWNER_ROUTER_GW)
    return list(db.scalars(select(Router).where(Router.id.in_(router_ids), Router.gw_port_id.in_(gateways))
                           .order_by(Router.created_at)))


def render(db: Session, rows: list[Router]) -> list[dict[str, Any]]:
    gw_ids = [r.gw_port_id for r in rows if r.gw_port_id]
    gw_ports = {p.id: p for p in db.scalars(select(Port).where(Port.id.in_(gw_ids)))}
    ips = fixed_ips(db, gw_ids)
    out = []
    for r in rows:
        port = gw_ports.get(r.gw_port_id or "")
        gateway = S.gateway_info(port.network_id, r.enable_snat, ips[port.id]) if port is not None else None
        out.append(S.router(r, gateway))
    return out
