"""IP address management: allocation pools, validating a subnet's addresses, and handing out fixed IPs.

Allocation is race-free because it always runs inside the caller's write transaction (BEGIN IMMEDIATE: one
writer at a time) and the `ipallocations` table has a unique (network_id, ip_address) constraint behind it: a
second writer waits for the first to commit and then sees its address as used. Addresses are given in order,
lowest free first, from the subnet's allocation pools; the gateway and the network/broadcast addresses are
never in a pool.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lab.cloud.db import remembered
from lab.cloud.errors import BadRequest, Conflict
from lab.cloud.network.common import DEVICE_OWNER_ROUTER_INTF, already_allocated, invalid_input, ip_in_use, no_more_ips
from lab.cloud.network.models import IPAllocation, Port, Subnet

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNet = ipaddress.IPv4Network | ipaddress.IPv6Network


def host_bounds(net: IPNet) -> tuple[int, int]:
    """First and last assignable address (as ints): IPv4 leaves out the network and broadcast addresses."""
    first, last = int(net.network_address), int(net.broadcast_address)
    if net.version == 4 and net.prefixlen < 31:
        return first + 1, last - 1
    if net.version == 6 and net.prefixlen < 127:
        return first + 1, last  # the subnet-router anycast address (the first) is reserved
    return first, last


def default_pools(cidr: str, gateway_ip: str | None) -> list[dict[str, str]]:
    """Neutron's default pools: every host address except the gateway (split around it when needed)."""
    net = ipaddress.ip_network(cidr)
    first, last = host_bounds(net)
    ranges = [(first, last)]
    if gateway_ip is not None:
        gw = int(ipaddress.ip_address(gateway_ip))
        ranges = [r for r in ((first, gw - 1), (gw + 1, last)) if r[0] <= r[1]] if first <= gw <= last else ranges
    make = ipaddress.ip_address
    return [{"start": str(make(a)), "end": str(make(b))} for a, b in ranges if a <= b]


def _range_text(start: str, end: str) -> str:
    return f"{start}-{end}"


def validate_pools(cidr: str, gateway_ip: str | None, pools: list[dict[str, str]]) -> list[dict[str, str]]:
    """Check allocation pools as Neutron does (inside the CIDR, start <= end, no overlap, not holding the
    gateway) and return them sorted. Raises Neutron's InvalidAllocationPool, OutOfBoundsAllocationPool,
    OverlappingAllocationPools or GatewayConflictWithAllocationPools."""
    net = ipaddress.ip_network(cidr)
    first, last = int(net.network_address), int(net.broadcast_address)
    ranges: list[tuple[int, int, str]] = []
    for pool in pools:
        start, end = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(pool["end"])
        text = _range_text(pool["start"], pool["end"])
        if start.version != net.version or end.version != net.version or int(start) > int(end):
            raise BadRequest(f"The allocation pool {text} is not valid.", neutron_type="InvalidAllocationPool")
        if not (first <= int(start) and int(end) <= last):
            raise BadRequest(f"The allocation pool {text} spans beyond the subnet cidr {cidr}.",
                             neutron_type="OutOfBoundsAllocationPool")
        ranges.append((int(start), int(end), text))
    ranges.sort()
    for (_a1, b1, t1), (a2, _b2, t2) in zip(ranges, ranges[1:], strict=False):
        if a2 <= b1:
            raise Conflict(f"Found overlapping allocation pools: {t1} {t2} for subnet {cidr}.",
                           neutron_type="OverlappingAllocationPools")
    if gateway_ip is not None:
        gw = int(ipaddress.ip_address(gateway_ip))
        for a, b, text in ranges:
            if a <= gw <= b:
                raise Conflict(f"Gateway ip {gateway_ip} conflicts with allocation pool {text}.",
                               neutron_type="GatewayConflictWithAllocationPools")
    make = ipaddress.ip_address
    return [{"start": str(make(a)), "end": str(make(b))} for a, b, _t in ranges]


def validate_gateway(cidr: str, gateway_ip: str) -> None:
    """Neutron's check_gateway_invalid_in_subnet: a gateway of the other IP version is refused, and inside an
    IPv4 CIDR the network and broadcast addresses are; a gateway outside the CIDR is allowed (Neutron only logs
    a warning: an on-link route to it may exist)."""
    net = ipaddress.ip_network(cidr)
    gw = ipaddress.ip_address(gateway_ip)
    if gw.version != net.version or (net.version == 4 and gw in (net.network_address, net.broadcast_address)
                                     and net.prefixlen < 31):
        raise invalid_input("Gateway is not valid on subnet")


def used_addresses(db: Session, subnet_id: str) -> set[str]:
    """The addresses ports hold on the subnet (read once per transaction until it writes an allocation or
    deletes a port, which deletes its allocations: a DHCP address is first looked for, then taken)."""
    return set(remembered(db, "used addresses", subnet_id, lambda: frozenset(db.scalars(
        select(IPAllocation.ip_address).where(IPAllocation.subnet_id == subnet_id))),
        depends_on=(IPAllocation,), deletes_of=(Port,)))


def free_address(db: Session, subnet: Subnet) -> str | None:
    """The lowest address of the subnet's pools that no port holds, or None when the pools are exhausted."""
    used = used_addresses(db, subnet.id)
    for pool in subnet.allocation_pools or []:
        start, end = int(ipaddress.ip_address(pool["start"])), int(ipaddress.ip_address(pool["end"]))
        for value in range(start, min(end, start + len(used) + 1) + 1):
            address = str(ipaddress.ip_address(value))
            if address not in used:
                return address
    return None


def pool_size(subnet: Subnet) -> int:
    total = 0
    for pool in subnet.allocation_pools or []:
        total += int(ipaddress.ip_address(pool["end"])) - int(ipaddress.ip_address(pool["start"])) + 1
    return total


def subnet_for_address(subnets: Iterable[Subnet], address: str) -> Subnet | None:
    ip = ipaddress.ip_address(address)
    for subnet in subnets:
        if ip in ipaddress.ip_network(subnet.cidr):
            return subnet
    return None


def check_address_on_subnet(subnet: Subnet, address: str, device_owner: str) -> None:
    """A requested fixed IP must be a host address of the subnet; the gateway only for a router interface."""
    ip = ipaddress.ip_address(address)
    net = ipaddress.ip_network(subnet.cidr)
    first, last = host_bounds(net)
    if ip.version != net.version or not first <= int(ip) <= last:
        raise BadRequest(f"IP address {address} is not a valid IP for the specified subnet.",
                         neutron_type="InvalidIpForSubnet")
    if address == subnet.gateway_ip and device_owner != DEVICE_OWNER_ROUTER_INTF:
        raise ip_in_use(subnet.network_id, address)


def allocate(db: Session, network_id: str, port_id: str, subnets: list[Subnet],
             requested: list[dict[str, Any]] | None, device_owner: str) -> list[IPAllocation]:
    """Give `port_id` its fixed IPs, in the caller's write transaction.

    `requested` is the port's `fixed_ips` ([{subnet_id?, ip_address?}]); None means "one address from the first
    IPv4 subnet with room, and one from the first IPv6 subnet with room". Raises IpAddressAlreadyAllocated,
    IpAddressInUse (the gateway), IpAddressGenerationFailure, InvalidIpForSubnet, InvalidIpForNetwork or
    SubnetNotFound-style InvalidInput.
    """
    by_id = {s.id: s for s in subnets}
    wanted: list[tuple[Subnet, str | None]] = []
    if requested is None:
        for version in (4, 6):
            candidates = [s for s in subnets if s.ip_version == version]
            if not candidates:
                continue
            for subnet in candidates:
                address = free_address(db, subnet)
                if address is not None:
                    wanted.append((subnet, address))
                    break
            else:
                raise no_more_ips(network_id)
    else:
        for item in requested:
            subnet_id, address = item.get("subnet_id"), item.get("ip_address")
            if subnet_id is not None:
                found = by_id.get(subnet_id)
                if found is None:
                    raise invalid_input(f"Failed to create port on network {network_id}, because fixed_ips "
                                        f"included invalid subnet {subnet_id}")
            elif address is not None:
                found = subnet_for_address(subnets, address)
                if found is None:
                    raise BadRequest(f"IP address {address} is not a valid IP for any of the subnets on the "
                                     f"specified network.", neutron_type="InvalidIpForNetwork")
            else:
                raise invalid_input("IP allocation requires subnet_id or ip_address")
            if address is not None:
                if db.scalar(select(IPAllocation.id).where(IPAllocation.network_id == network_id,
                                                           IPAllocation.ip_address == address)) is not None:
                    raise already_allocated(found.id, address)  # before the gateway check, as Neutron
                check_address_on_subnet(found, address, device_owner)
            wanted.append((found, address))
    allocations: list[IPAllocation] = []
    taken: set[str] = set()
    for subnet, address in wanted:
        if address is None:
            address = _next_free(db, subnet, taken)
            if address is None:
                raise no_more_ips(network_id)
        elif address in taken:
            raise already_allocated(subnet.id, address)
        taken.add(address)
        row = IPAllocation(port_id=port_id, subnet_id=subnet.id, network_id=network_id, ip_address=address)
        db.add(row)
        allocations.append(row)
    try:
        db.flush()
    except IntegrityError:  # the constraint is the last word, should any check above ever miss
        raise ip_in_use(network_id, ", ".join(sorted(taken))) from None
    return allocations


def _next_free(db: Session, subnet: Subnet, taken: set[str]) -> str | None:
    used = used_addresses(db, subnet.id) | taken
    for pool in subnet.allocation_pools or []:
        start, end = int(ipaddress.ip_address(pool["start"])), int(ipaddress.ip_address(pool["end"]))
        for value in range(start, min(end, start + len(used)) + 1):
            address = str(ipaddress.ip_address(value))
            if address not in used:
                return address
    return None


def overlaps(cidr_a: str, cidr_b: str) -> bool:
    return ipaddress.ip_network(cidr_a).overlaps(ipaddress.ip_network(cidr_b))
