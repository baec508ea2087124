"""Port forwarding on floating IPs (Neutron's floating-ip-port-forwarding): one floating IP, not associated
with any port itself, forwards each of its external ports to a port of a fixed IP behind the router that joins
that IP's subnet to the floating IP's network (so one public address serves several servers: 2222 to one's
SSH, 2223 to another's). The first forwarding gives the floating IP that router; the last one's delete takes it
away. A port forwarding belongs to its floating IP: the floating IP's project reads and changes it (the rules
are checked against the floating IP's owner, Neutron's `ext_parent_owner_id`).

The floating IP lists its forwardings as `port_forwardings` (expose-port-forwarding-in-fip). The lab stores
them and the logical driver does not forward traffic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.network import schemas as S
from lab.cloud.network.access import allows, authorize
from lab.cloud.network.common import get_floatingip, get_port, touch
from lab.cloud.network.models import FloatingIP, PortForwarding
from lab.cloud.network.ports import fixed_ips
from lab.cloud.network.routers import routers_for

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService

RESOURCE = "port_forwarding"


def _target(fip: FloatingIP) -> dict[str, Any]:
    return {"project_id": fip.project_id}


def _floatingip(svc: NetworkService, db: Session, ctx: RequestContext, fip_id: str, rule: str) -> FloatingIP:
    fip = get_floatingip(db, ctx, fip_id)
    if rule.startswith("get_"):
        if not allows(svc, ctx, rule, _target(fip)):
            raise NotFound(f"Floating IP {fip_id} could not be found", neutron_type="FloatingIPNotFound")
    else:
        authorize(svc, ctx, rule, _target(fip))
    return fip


def get_forwarding(db: Session, fip: FloatingIP, pf_id: str) -> PortForwarding:
    row = db.scalar(select(PortForwarding).where(PortForwarding.id == pf_id, PortForwarding.floatingip_id == fip.id))
    if row is None:
        raise NotFound(f"Port Forwarding {pf_id} could not be found for Floating IP {fip.id}.",
                       neutron_type="PortForwardingNotFound")
    return row


def _bad(message: str) -> BadRequest:
    return BadRequest(f"Bad port_forwarding request: {message}.", neutron_type="BadRequest")


def _place(svc: NetworkService, db: Session, ctx: RequestContext, fip: FloatingIP, row: PortForwarding) -> None:
    """Check the internal side and give the floating IP its router. Raises BadRequest for an address the port
    does not have, ExternalGatewayForFloatingIPNotFound (404) without a router to the floating IP's network,
    FloatingIPPortAlreadyAssociated (409) when the floating IP is a port's, PortHasBindingFloatingIP (409)
    when the internal address has a floating IP of its own, BadRequest for a duplicate."""
    if fip.port_id:
        raise Conflict(f"Cannot associate floating IP {fip.floating_ip_address} ({fip.id}) with port "
                       f"{row.internal_port_id} using fixed IP {row.internal_ip_address}, as that fixed IP already "
                       f"has a floating IP on external network {fip.floating_network_id}.",
                       neutron_type="FloatingIPPortAlreadyAssociated")
    port = get_port(db, ctx, row.internal_port_id)
    ips = fixed_ips(db, [port.id])[port.id]
    chosen = next((ip for ip in ips if ip["ip_address"] == row.internal_ip_address), None)
    if chosen is None:
        raise _bad(f"Requested internal IP address {row.internal_ip_address} is not suitable for internal neutron "
                   f"port {port.id}, as its fixed_ips are {ips}")
    own = db.scalar(select(FloatingIP.id).where(FloatingIP.port_id == port.id,
                                                FloatingIP.fixed_ip_address == row.internal_ip_address))
    if own is not None:
        raise Conflict(f"Cannot create port forwarding to floating IP {fip.floating_ip_address} ({fip.id}) with port "
                       f"{port.id} using fixed IP {row.internal_ip_address}, as that port already has a binding "
                       f"floating IP.", neutron_type="PortHasBindingFloatingIP")
    routers = routers_for(db, fip.floating_network_id, chosen["subnet_id"])
    if not routers:
        raise NotFound(f"External network {fip.floating_network_id} is not reachable from subnet "
                       f"{chosen['subnet_id']}.  Therefore, cannot associate Port {port.id} with a Floating IP.",
                       neutron_type="ExternalGatewayForFloatingIPNotFound")
    if fip.router_id and fip.router_id not in [r.id for r in routers]:
        raise _bad(f"The Floating IP {fip.id} is associated with router {fip.router_id}, which does not reach "
                   f"port {port.id}")
    for taken, what in (
            (PortForwarding.external_port == row.external_port, f"external_port {row.external_port}"),
            (PortForwarding.internal_port_id == row.internal_port_id, None)):
        query = select(PortForwarding.id).where(PortForwarding.protocol == row.protocol, taken,
                                                PortForwarding.id != (row.id or ""))
        if what is None:
            query = query.where(PortForwarding.internal_ip_address == row.internal_ip_address,
                                PortForwarding.internal_port == row.internal_port)
            what = f"internal socket {row.internal_ip_address}:{row.internal_port}"
        else:
            query = query.where(PortForwarding.floatingip_id == fip.id)
        if db.scalar(query) is not None:
            raise _bad(f"A duplicate port forwarding entry with same attributes already exists, conflicting values "
                       f"are {what}/{row.protocol}")
    if fip.router_id != routers[0].id:
        fip.router_id = routers[0].id
        touch(fip, svc.now())
    svc.sync(db, "router", routers[0].id)


def create_forwarding(svc: NetworkService, db: Session, ctx: RequestContext, fip_id: str,
                      body: dict[str, Any]) -> PortForwarding:
    attrs = S.parse(RESOURCE, body)
    fip = _floatingip(svc, db, ctx, fip_id, "create_floatingip_port_forwarding")
    S.require(attrs, "internal_port_id", "internal_ip_address", "internal_port", "external_port", "protocol")
    row = PortForwarding(floatingip_id=fip.id, **{k: attrs[k] for k in (
        "internal_port_id", "internal_ip_address", "internal_port", "external_port", "protocol")},
        description=attrs.get("description", ""))
    _place(svc, db, ctx, fip, row)
    db.add(row)
    db.flush()
    return row


def update_forwarding(svc: NetworkService, db: Session, ctx: RequestContext, fip_id: str, pf_id: str,
                      body: dict[str, Any]) -> PortForwarding:
    attrs = S.parse(RESOURCE, body, update=True)
    fip = _floatingip(svc, db, ctx, fip_id, "update_floatingip_port_forwarding")
    row = get_forwarding(db, fip, pf_id)
    for key, value in attrs.items():
        setattr(row, key, value)
    _place(svc, db, ctx, fip, row)
    db.flush()
    return row


def _release_router(svc: NetworkService, db: Session, fip: FloatingIP) -> None:
    """The floating IP's last forwarding went: it no longer sits on a router."""
    left = db.scalar(select(PortForwarding.id).where(PortForwarding.floatingip_id == fip.id))
    if left is None and fip.port_id is None and fip.router_id:
        svc.sync(db, "router", fip.router_id)
        fip.router_id = None
        touch(fip, svc.now())


def delete_forwarding(svc: NetworkService, db: Session, ctx: RequestContext, fip_id: str, pf_id: str) -> None:
    fip = _floatingip(svc, db, ctx, fip_id, "delete_floatingip_port_forwarding")
    db.delete(get_forwarding(db, fip, pf_id))
    db.flush()
    _release_router(svc, db, fip)


def forget_port(svc: NetworkService, db: Session, port_id: str) -> None:
    """The internal port is being deleted: its forwardings go with it (Neutron's port delete callback)."""
    fip_ids = set(db.scalars(select(PortForwarding.floatingip_id).where(PortForwarding.internal_port_id == port_id)))
    db.execute(delete(PortForwarding).where(PortForwarding.internal_port_id == port_id))
    db.flush()
    for fip_id in fip_ids:
        fip = db.get(FloatingIP, fip_id)
        if fip is not None:
            _release_router(svc, db, fip)


def forget_floatingip(db: Session, fip_id: str) -> None:
    db.execute(delete(PortForwarding).where(PortForwarding.floatingip_id == fip_id))


def check_unused(db: Session, fip: FloatingIP) -> None:
    """A floating IP with forwardings cannot be associated with a port (Neutron's FipInUseByPortForwarding)."""
    if db.scalar(select(PortForwarding.id).where(PortForwarding.floatingip_id == fip.id)) is not None:
        raise Conflict(f"Floating IP {fip.id} in use by Port Forwarding resources.",
                       neutron_type="FipInUseByPortForwarding")


def list_forwardings(svc: NetworkService, db: Session, ctx: RequestContext, fip_id: str) -> list[PortForwarding]:
    fip = _floatingip(svc, db, ctx, fip_id, "get_floatingip_port_forwarding")
    return list(db.scalars(select(PortForwarding).where(PortForwarding.floatingip_id == fip.id)
                           .order_by(PortForwarding.external_port, PortForwarding.protocol)))


def show_forwarding(svc: NetworkService, db: Session, ctx: RequestContext, fip_id: str,
                    pf_id: str) -> PortForwarding:
    fip = _floatingip(svc, db, ctx, fip_id, "get_floatingip_port_forwarding")
    return get_forwarding(db, fip, pf_id)


def summaries(db: Session, fip_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """floating IP id -> its forwardings as the floating IP shows them (expose-port-forwarding-in-fip)."""
    out: dict[str, list[dict[str, Any]]] = {i: [] for i in fip_ids}
    for row in db.scalars(select(PortForwarding).where(PortForwarding.floatingip_id.in_(fip_ids))
                          .order_by(PortForwarding.external_port, PortForwarding.protocol)):
        out[row.floatingip_id].append({"protocol": row.protocol, "internal_ip_address": row.internal_ip_address,
                                       "internal_port": row.internal_port, "external_port": row.external_port})
    return out
