"""Subnets: CIDR and gateway validation, allocation pools (given and checked, or computed around the
gateway), DNS servers and host routes, the network's DHCP port (one per network, with an address on each
subnet that has DHCP on), and the in-use checks on delete.

One network never has two overlapping subnets (Neutron's InvalidInput); two projects may use the same CIDR on
their own networks, which is what tenant isolation means.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import Conflict
from lab.cloud.network import ipam, quotas, subnetpools
from lab.cloud.network import schemas as S
from lab.cloud.network.access import authorize, on_network, target_of
from lab.cloud.network.common import (
    DEVICE_OWNER_DHCP,
    bad_attribute,
    get_network,
    get_subnet,
    invalid_input,
    new_project,
    required,
    touch,
)
from lab.cloud.network.models import IPAllocation, Network, Port, Subnet
from lab.cloud.network.ports import add_port, remove_port

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService

DHCP_HOST = uuid.uuid5(uuid.NAMESPACE_DNS, "stacklab")


def _check_routes(cidr: str, routes: list[dict[str, str]]) -> list[dict[str, str]]:
    version = ipaddress.ip_network(cidr).version
    for route in routes:
        if ipaddress.ip_network(route["destination"]).version != version or \
                ipaddress.ip_address(route["nexthop"]).version != version:
            raise invalid_input(f"Host route {route} has an address family other than the subnet's")
    return routes


def create_subnet(svc: NetworkService, db: Session, ctx: RequestContext, attrs: dict[str, Any]) -> Subnet:
    """Create a subnet (and the DHCP port's address on it). Raises InvalidInput for an overlapping CIDR or a bad
    gateway, the allocation pool errors of ipam.validate_pools, NetworkNotFound, OverQuota."""
    S.require(attrs, "network_id")
    network = get_network(db, ctx, attrs["network_id"])
    pool = subnetpools.pool_for_subnet(db, ctx, attrs)
    if pool is None:
        S.require(attrs, "cidr")
    wanted_project = new_project(ctx, attrs)
    authorize(svc, ctx, "create_subnet", on_network(wanted_project, network, db))
    project_id = required(wanted_project)
    if pool is not None:
        if attrs.get("ip_version", pool.ip_version) != pool.ip_version:
            raise invalid_input("Cidr and IP version are inconsistent")
        attrs["cidr"] = subnetpools.allocate(db, pool, attrs.get("prefixlen"), attrs.get("cidr"))
    cidr = attrs["cidr"]
    net = ipaddress.ip_network(cidr)
    version = attrs.get("ip_version", net.version)
    if version != net.version:
        raise invalid_input("Cidr and IP version are inconsistent")
    if net.version == 4 and net.prefixlen > 30 or net.version == 6 and net.prefixlen > 126:
        raise bad_attribute("cidr", f"'{cidr}' is too small, must be able to hold at least two addresses")
    for other in db.scalars(select(Subnet).where(Subnet.network_id == network.id)):
        if ipam.overlaps(other.cidr, cidr):
            raise invalid_input(f"Requested subnet with cidr: {cidr} for network: {network.id} overlaps with "
                                f"another subnet")
    if "gateway_ip" in attrs:
        gateway = attrs["gateway_ip"]
        if gateway is not None:
            ipam.validate_gateway(cidr, gateway)
    else:
        gateway = str(ipaddress.ip_address(ipam.host_bounds(net)[0]))
    if attrs.get("allocation_pools"):
        pools = ipam.validate_pools(cidr, gateway, attrs["allocation_pools"])
    else:
        pools = ipam.default_pools(cidr, gateway)
    quotas.check(svc, db, project_id, "subnet")
    now = svc.now()
    row = Subnet(project_id=project_id, network_id=network.id, name=attrs.get("name", ""),
                 description=attrs.get("description", ""), ip_version=version, cidr=cidr, gateway_ip=gateway,
                 allocation_pools=pools, dns_nameservers=attrs.get("dns_nameservers", []),
                 host_routes=_check_routes(cidr, attrs.get("host_routes", [])),
                 enable_dhcp=attrs.get("enable_dhcp", True), ipv6_ra_mode=attrs.get("ipv6_ra_mode"),
                 ipv6_address_mode=attrs.get("ipv6_address_mode"), tags=attrs.get("tags", []),
                 created_at=now, updated_at=now)
    db.add(row)
    db.flush()
    if pool is not None:
        subnetpools.record_allocation(db, pool, row.id)
    if row.enable_dhcp:
        _add_dhcp_address(svc, db, network, row)
    svc.sync(db, "network", network.id)
    return row


def dhcp_port(db: Session, network_id: str) -> Port | None:
    return db.scalar(select(Port).where(Port.network_id == network_id, Port.device_owner == DEVICE_OWNER_DHCP))


def _add_dhcp_address(svc: NetworkService, db: Session, network: Network, subnet: Subnet) -> None:
    """Give the network's DHCP port an address on `subnet`, making the port if the network has none yet.
    A subnet whose pools are already full simply gets no DHCP address."""
    if ipam.free_address(db, subnet) is None:
        return
    port = dhcp_port(db, network.id)
    if port is None:
        add_port(svc, db, network, network.project_id, device_owner=DEVICE_OWNER_DHCP,
                 device_id=f"dhcp{DHCP_HOST}-{network.id}", fixed_ips=[{"subnet_id": subnet.id}],
                 subnets=[subnet])  # the one subnet its address is on (not the network's read again)
        return
    ipam.allocate(db, network.id, port.id, [subnet], [{"subnet_id": subnet.id}], DEVICE_OWNER_DHCP)


def _remove_dhcp_address(svc: NetworkService, db: Session, subnet: Subnet) -> None:
    port = dhcp_port(db, subnet.network_id)
    if port is None:
        return
    db.execute(delete(IPAllocation).where(IPAllocation.port_id == port.id, IPAllocation.subnet_id == subnet.id))
    db.flush()
    if db.scalar(select(IPAllocation.id).where(IPAllocation.port_id == port.id)) is None:
        remove_port(svc, db, port)


def update_subnet(svc: NetworkService, db: Session, ctx: RequestContext, subnet_id: str,
                  attrs: dict[str, Any]) -> Subnet:
    row = get_subnet(db, ctx, subnet_id)
    authorize(svc, ctx, "update_subnet", target_of(db, row))
    gateway = attrs.get("gateway_ip", row.gateway_ip)
    if "gateway_ip" in attrs and gateway is not None:
        ipam.validate_gateway(row.cidr, gateway)
        if gateway != row.gateway_ip and db.scalar(select(IPAllocation.id).where(
                IPAllocation.subnet_id == row.id, IPAllocation.ip_address == gateway)) is not None:
            raise Conflict(f"Unable to complete operation for network {row.network_id}. The IP address {gateway} "
                           f"is in use.", neutron_type="IpAddressInUse")
    if "allocation_pools" in attrs:
        row.allocation_pools = ipam.validate_pools(row.cidr, gateway, attrs["allocation_pools"])
    elif "gateway_ip" in attrs:
        ipam.validate_pools(row.cidr, gateway, row.allocation_pools)
    row.gateway_ip = gateway
    for key in ("name", "description", "dns_nameservers"):
        if key in attrs:
            setattr(row, key, attrs[key])
    if "host_routes" in attrs:
        row.host_routes = _check_routes(row.cidr, attrs["host_routes"])
    if "enable_dhcp" in attrs and attrs["enable_dhcp"] != row.enable_dhcp:
        row.enable_dhcp = attrs["enable_dhcp"]
        network = db.get(Network, row.network_id)
        assert network is not None
        if row.enable_dhcp:
            _add_dhcp_address(svc, db, network, row)
        else:
            _remove_dhcp_address(svc, db, row)
    touch(row, svc.now())
    svc.sync(db, "network", row.network_id)
    return row


def delete_subnet(svc: NetworkService, db: Session, ctx: RequestContext, subnet_id: str) -> None:
    """Delete a subnet. Raises SubnetInUse (409) while a port other than DHCP holds an address on it."""
    row = get_subnet(db, ctx, subnet_id)
    authorize(svc, ctx, "delete_subnet", target_of(db, row))
    busy = db.scalar(select(IPAllocation.id).join(Port, Port.id == IPAllocation.port_id).where(
        IPAllocation.subnet_id == row.id, Port.device_owner != DEVICE_OWNER_DHCP))
    if busy is not None:
        raise Conflict(f"Unable to complete operation on subnet {row.id}: One or more ports have an IP allocation "
                       f"from this subnet.", neutron_type="SubnetInUse")
    _remove_dhcp_address(svc, db, row)
    db.delete(row)
    svc.sync(db, "network", row.network_id)


def render(db: Session, rows: list[Subnet]) -> list[dict[str, Any]]:
    pools = subnetpools.pools_of(db, [r.id for r in rows])
    return [S.subnet(r, pools.get(r.id)) for r in rows]
