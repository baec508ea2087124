"""Floating IPs: an address allocated from an external network (held by a `network:floatingip` port), and
its association with a fixed IP of a port, which needs a router joining the port's subnet to that external
network (the router that then NATs it). Allocation and release are recorded as events: billing charges them
by the hour."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud import events
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.network import portforwardings, quotas
from lab.cloud.network import schemas as S
from lab.cloud.network.access import authorize, is_admin
from lab.cloud.network.common import (
    DEVICE_OWNER_FLOATINGIP,
    bad_request,
    external_for,
    get_floatingip,
    get_network,
    get_port,
    new_project,
    no_more_ips,
    required,
    touch,
)
from lab.cloud.network.models import FloatingIP, Port, Subnet
from lab.cloud.network.ports import add_port, fixed_ips, remove_port
from lab.cloud.network.routers import routers_for

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService


def create_floatingip(svc: NetworkService, db: Session, ctx: RequestContext, attrs: dict[str, Any]) -> FloatingIP:
    """Allocate a floating IP (and associate it when `port_id` is given). Raises NetworkNotFound (404),
    BadRequest for a network that is not external, IpAddressGenerationFailure (409), OverQuota."""
    wanted_project = new_project(ctx, attrs)
    authorize(svc, ctx, "create_floatingip", {"project_id": wanted_project})
    svc.cloud.billing.check_can_create(ctx, "floatingip")  # a prepaid project with no balance left: 402
    S.require(attrs, "floating_network_id")
    network = get_network(db, ctx, attrs["floating_network_id"])
    if not external_for(db, network, wanted_project):
        raise bad_request("floatingip", f"Network {network.id} is not a valid external network")
    project_id = required(wanted_project)
    quotas.check(svc, db, project_id, "floatingip")
    wanted: dict[str, Any] = {}
    if attrs.get("subnet_id"):
        subnet = db.get(Subnet, attrs["subnet_id"])
        if subnet is None or subnet.network_id != network.id:
            raise bad_request("floatingip", f"Subnet {attrs['subnet_id']} is not on network {network.id}")
        wanted["subnet_id"] = subnet.id
    if attrs.get("floating_ip_address"):
        wanted["ip_address"] = attrs["floating_ip_address"]
    now = svc.now()
    fip = FloatingIP(project_id=project_id, floating_network_id=network.id, floating_ip_address="",
                     floating_port_id="", description=attrs.get("description", ""), tags=attrs.get("tags", []),
                     created_at=now, updated_at=now)
    db.add(fip)
    db.flush()
    port = add_port(svc, db, network, "", device_owner=DEVICE_OWNER_FLOATINGIP, device_id=fip.id,
                    fixed_ips=[wanted] if wanted else None)
    addresses = [ip for ip in fixed_ips(db, [port.id])[port.id]
                 if ipaddress.ip_address(ip["ip_address"]).version == 4] or fixed_ips(db, [port.id])[port.id]
    if not addresses:
        raise no_more_ips(network.id)
    fip.floating_ip_address = addresses[0]["ip_address"]
    fip.floating_port_id = port.id
    if attrs.get("port_id"):
        _associate(svc, db, ctx, fip, attrs["port_id"], attrs.get("fixed_ip_address"))
    events.record(db, now, project_id=project_id, user_id=ctx.user_id, resource_type="floatingip",
                  resource_id=fip.id, action="create", floating_ip_address=fip.floating_ip_address,
                  floating_network_id=network.id)
    return fip


def _associate(svc: NetworkService, db: Session, ctx: RequestContext, fip: FloatingIP, port_id: str,
               fixed_ip: str | None) -> None:
    portforwardings.check_unused(db, fip)
    port = get_port(db, ctx, port_id)
    if port.project_id != fip.project_id and not is_admin(svc, ctx):
        raise NotFound(f"Port {port_id} could not be found.", neutron_type="PortNotFound")
    ips = fixed_ips(db, [port.id])[port.id]
    v4 = [ip for ip in ips if ipaddress.ip_address(ip["ip_address"]).version == 4]
    if fixed_ip is not None:
        chosen = next((ip for ip in ips if ip["ip_address"] == fixed_ip), None)
        if chosen is None:
            raise bad_request("floatingip", f"Port {port.id} does not have fixed ip {fixed_ip}")
    elif len(v4) > 1:
        raise bad_request("floatingip", f"Port {port.id} has multiple fixed IPv4 addresses.  Must provide a "
                                        f"specific IPv4 address when assigning a floating IP")
    elif not v4:
        raise bad_request("floatingip", f"Cannot add floating IP to port {port.id} that has no fixed IPv4 "
                                        f"addresses")
    else:
        chosen = v4[0]
    taken = db.scalar(select(FloatingIP).where(FloatingIP.port_id == port.id,
                                               FloatingIP.fixed_ip_address == chosen["ip_address"],
                                               FloatingIP.floating_network_id == fip.floating_network_id,
                                               FloatingIP.id != fip.id))
    if taken is not None:
        raise Conflict(f"Cannot associate floating IP {fip.floating_ip_address} ({fip.id}) with port {port.id} "
                       f"using fixed IP {chosen['ip_address']}, as that fixed IP already has a floating IP on "
                       f"external network {fip.floating_network_id}.", neutron_type="FloatingIPPortAlreadyAssociated")
    routers = routers_for(db, fip.floating_network_id, chosen["subnet_id"])
    if not routers:
        raise NotFound(f"External network {fip.floating_network_id} is not reachable from subnet "
                       f"{chosen['subnet_id']}.  Therefore, cannot associate Port {port.id} with a Floating IP.",
                       neutron_type="ExternalGatewayForFloatingIPNotFound")
    if fip.router_id and fip.router_id != routers[0].id:
        svc.sync(db, "router", fip.router_id)
    fip.port_id, fip.fixed_ip_address, fip.router_id = port.id, chosen["ip_address"], routers[0].id
    svc.sync(db, "router", routers[0].id)
    events.record(db, svc.now(), project_id=fip.project_id, user_id=ctx.user_id, resource_type="floatingip",
                  resource_id=fip.id, action="associate", port_id=port.id, fixed_ip_address=chosen["ip_address"])


def _disassociate(svc: NetworkService, db: Session, ctx: RequestContext | None, fip: FloatingIP) -> None:
    if fip.port_id is None:
        return
    if fip.router_id:
        svc.sync(db, "router", fip.router_id)
    fip.port_id = fip.fixed_ip_address = fip.router_id = None
    events.record(db, svc.now(), project_id=fip.project_id, user_id=ctx.user_id if ctx else None,
                  resource_type="floatingip", resource_id=fip.id, action="disassociate")


def update_floatingip(svc: NetworkService, db: Session, ctx: RequestContext, fip_id: str,
                      attrs: dict[str, Any]) -> FloatingIP:
    fip = get_floatingip(db, ctx, fip_id)
    authorize(svc, ctx, "update_floatingip", {"project_id": fip.project_id})
    if "description" in attrs:
        fip.description = attrs["description"]
    if "port_id" in attrs:
        if attrs["port_id"] is None:
            _disassociate(svc, db, ctx, fip)
        else:
            _associate(svc, db, ctx, fip, attrs["port_id"], attrs.get("fixed_ip_address"))
    elif attrs.get("fixed_ip_address") is not None:
        if fip.port_id is None:
            raise BadRequest("fixed_ip_address cannot be specified without a port_id", neutron_type="BadRequest")
        _associate(svc, db, ctx, fip, fip.port_id, attrs["fixed_ip_address"])
    touch(fip, svc.now())
    return fip


def delete_floatingip(svc: NetworkService, db: Session, ctx: RequestContext, fip_id: str) -> None:
    fip = get_floatingip(db, ctx, fip_id)
    authorize(svc, ctx, "delete_floatingip", {"project_id": fip.project_id})
    release(svc, db, ctx, fip)


def release(svc: NetworkService, db: Session, ctx: RequestContext | None, fip: FloatingIP) -> None:
    _disassociate(svc, db, ctx, fip)
    portforwardings.forget_floatingip(db, fip.id)
    port = db.get(Port, fip.floating_port_id)
    if port is not None:
        remove_port(svc, db, port)
    db.delete(fip)
    events.record(db, svc.now(), project_id=fip.project_id, user_id=ctx.user_id if ctx else None,
                  resource_type="floatingip", resource_id=fip.id, action="delete",
                  floating_ip_address=fip.floating_ip_address)


def render(db: Session, rows: list[FloatingIP]) -> list[dict[str, Any]]:
    """Floating IPs with the `port_details` of their associated ports (fip-port-details)."""
    port_ids = [r.port_id for r in rows if r.port_id]
    ports = {p.id: p for p in db.scalars(select(Port).where(Port.id.in_(port_ids)))} if port_ids else {}
    forwardings = portforwardings.summaries(db, [r.id for r in rows])
    return [S.floatingip(r, ports.get(r.port_id or ""), forwardings[r.id]) for r in rows]
