"""Network IP availability (Neutron's network-ip-availability extension, admin only): per network and per
subnet, how many addresses the allocation pools hold and how many ports use; `ip availability list/show`.
A lesson in sizing: a /28 has 16 addresses, of which 13 are in its pool (network, gateway and broadcast are
not), and the DHCP port takes one of those."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import NotFound
from lab.cloud.network import ipam
from lab.cloud.network.access import authorize
from lab.cloud.network.models import IPAllocation, Network, Subnet

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService


def availabilities(svc: NetworkService, db: Session, ctx: RequestContext,
                   network_id: str | None = None) -> list[dict[str, Any]]:
    """One entry per network (or the one asked for: NetworkNotFound when absent), rendered as Neutron does."""
    authorize(svc, ctx, "get_network_ip_availability", {"project_id": None})
    query = select(Network).order_by(Network.created_at, Network.id)
    if network_id is not None:
        query = query.where(Network.id == network_id)
    networks = list(db.scalars(query))
    if network_id is not None and not networks:
        raise NotFound(f"Network {network_id} could not be found.", neutron_type="NetworkNotFound")
    used = {subnet_id: int(n) for subnet_id, n in db.execute(
        select(IPAllocation.subnet_id, func.count()).group_by(IPAllocation.subnet_id))}
    out = []
    for network in networks:
        subnets: list[dict[str, Any]] = [
            {"subnet_id": s.id, "subnet_name": s.name, "cidr": s.cidr, "ip_version": s.ip_version,
             "total_ips": ipam.pool_size(s), "used_ips": used.get(s.id, 0)}
            for s in db.scalars(select(Subnet).where(Subnet.network_id == network.id)
                                .order_by(Subnet.created_at, Subnet.id))]
        out.append({"network_id": network.id, "network_name": network.name, "project_id": network.project_id,
                    "tenant_id": network.project_id, "total_ips": sum(s["total_ips"] for s in subnets),
                    "used_ips": sum(s["used_ips"] for s in subnets), "subnet_ip_availability": subnets})
    return out
