"""Keeping the network driver in step with the database: every change enqueues a `network.sync_*` job in the
change's own transaction; the worker's handler reads the object's whole current state and hands it to the
driver (`ensure_*`), or tells the driver to delete it when it is gone. Handlers are idempotent, so a crash
between the commit and the driver call only means the job runs again at the next start."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.drivers.base import (
    DhcpHost,
    FloatingIPSpec,
    NetworkSpec,
    PortSecuritySpec,
    RouterPortSpec,
    RouterSpec,
    SecurityRuleSpec,
    SubnetSpec,
)
from lab.cloud.network import agents
from lab.cloud.network.common import DEVICE_OWNER_DHCP, DEVICE_OWNER_ROUTER_INTF
from lab.cloud.network.models import (
    FloatingIP,
    IPAllocation,
    Network,
    NetworkSegment,
    Port,
    PortSecurityGroup,
    Router,
    SecurityGroupRule,
    Subnet,
)
from lab.cloud.worker import Jobs, JobSpec, job

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

KINDS = {"network": "network.sync_network", "router": "network.sync_router", "port": "network.sync_port"}


def network_spec(db: Session, network_id: str) -> NetworkSpec | None:
    network = db.get(Network, network_id)
    if network is None:
        return None
    segment = db.scalar(select(NetworkSegment).where(NetworkSegment.network_id == network_id))
    subnets = list(db.scalars(select(Subnet).where(Subnet.network_id == network_id).order_by(Subnet.created_at)))
    # A disabled DHCP agent (the lab's stand-in for a dead one) serves no address (agents.dhcp_blocked).
    serving = agents.enabled(db, agents.DHCP)
    dhcp_subnets = {s.id for s in subnets if s.enable_dhcp and serving}
    hosts: list[DhcpHost] = []
    dhcp_ports: list[DhcpHost] = []
    for mac, ip, port_id, subnet_id, owner in db.execute(
            select(Port.mac_address, IPAllocation.ip_address, Port.id, IPAllocation.subnet_id, Port.device_owner)
            .join(IPAllocation, IPAllocation.port_id == Port.id)
            .where(Port.network_id == network_id).order_by(IPAllocation.id)):
        if subnet_id in dhcp_subnets:
            (dhcp_ports if owner == DEVICE_OWNER_DHCP else hosts).append(DhcpHost(mac, ip, port_id))
    return NetworkSpec(
        id=network.id, mtu=network.mtu, network_type=segment.network_type if segment else "local",
        physical_network=(segment.physical_network or None) if segment else None,
        segmentation_id=segment.segmentation_id if segment and segment.network_type != "flat" else None,
        external=network.external, admin_state_up=network.admin_state_up,
        subnets=tuple(SubnetSpec(s.id, s.cidr, s.gateway_ip, s.enable_dhcp and serving, tuple(s.dns_nameservers or []),
                                 tuple((r["destination"], r["nexthop"]) for r in s.host_routes or []))
                      for s in subnets),
        dhcp_hosts=tuple(hosts), dhcp_ports=tuple(dhcp_ports))


def _router_ports(db: Session, port_ids: list[str]) -> list[RouterPortSpec]:
    out = []
    for port, alloc, subnet in db.execute(
            select(Port, IPAllocation, Subnet).join(IPAllocation, IPAllocation.port_id == Port.id)
            .join(Subnet, Subnet.id == IPAllocation.subnet_id).where(Port.id.in_(port_ids))
            .order_by(Port.created_at, IPAllocation.id)):
        network = db.get(Network, port.network_id)
        out.append(RouterPortSpec(port.id, port.network_id, port.mac_address, alloc.ip_address, subnet.cidr,
                                  subnet.gateway_ip, network.mtu if network is not None else 1500))
    return out


def router_spec(db: Session, router_id: str) -> RouterSpec | None:
    router = db.get(Router, router_id)
    if router is None:
        return None
    interface_ids = list(db.scalars(select(Port.id).where(Port.device_id == router_id,
                                                          Port.device_owner == DEVICE_OWNER_ROUTER_INTF)))
    gateway = _router_ports(db, [router.gw_port_id]) if router.gw_port_id else []
    fips = db.scalars(select(FloatingIP).where(FloatingIP.router_id == router_id, FloatingIP.port_id.is_not(None)))
    return RouterSpec(id=router.id, admin_state_up=router.admin_state_up,
                      interfaces=tuple(_router_ports(db, interface_ids)), gateway=gateway[0] if gateway else None,
                      enable_snat=router.enable_snat,
                      routes=tuple((r["destination"], r["nexthop"]) for r in router.routes or []),
                      floating_ips=tuple(FloatingIPSpec(f.floating_ip_address, f.fixed_ip_address or "")
                                         for f in fips))


def port_security_spec(db: Session, port_id: str) -> PortSecuritySpec | None:
    port = db.get(Port, port_id)
    if port is None:
        return None
    addresses = tuple(db.scalars(select(IPAllocation.ip_address).where(IPAllocation.port_id == port_id)))
    group_ids = list(db.scalars(select(PortSecurityGroup.security_group_id)
                                .where(PortSecurityGroup.port_id == port_id)))
    rules = []
    for rule in db.scalars(select(SecurityGroupRule).where(SecurityGroupRule.security_group_id.in_(group_ids))
                           .order_by(SecurityGroupRule.created_at)):
        if rule.remote_group_id:
            members = select(PortSecurityGroup.port_id).where(PortSecurityGroup.security_group_id ==
                                                              rule.remote_group_id)
            cidrs = tuple(str(ipaddress.ip_network(a)) for a in db.scalars(
                select(IPAllocation.ip_address).where(IPAllocation.port_id.in_(members)))
                if f"IPv{ipaddress.ip_address(a).version}" == rule.ethertype)
        else:
            cidrs = (rule.remote_ip_prefix or ("0.0.0.0/0" if rule.ethertype == "IPv4" else "::/0"),)
        rules.append(SecurityRuleSpec(rule.direction, rule.ethertype, rule.protocol, rule.port_range_min,
                                      rule.port_range_max, cidrs))
    return PortSecuritySpec(port_id=port.id, network_id=port.network_id, mac_address=port.mac_address,
                            ip_addresses=addresses, enabled=port.port_security_enabled, rules=tuple(rules),
                            allowed_address_pairs=tuple((p["ip_address"], p.get("mac_address") or port.mac_address)
                                                        for p in port.allowed_address_pairs or []))


JOBS: Jobs = {}  # the worker jobs of this module, listed in the plugin


@job(JOBS, KINDS["network"])
def sync_network(cloud: Cloud, job: JobSpec) -> None:
    with cloud.db.read() as db:
        spec = network_spec(db, job.resource_id)
    driver = cloud.network_driver
    driver.ensure_network(spec) if spec is not None else driver.delete_network(job.resource_id)


@job(JOBS, KINDS["router"])
def sync_router(cloud: Cloud, job: JobSpec) -> None:
    with cloud.db.read() as db:
        spec = router_spec(db, job.resource_id)
    driver = cloud.network_driver
    driver.ensure_router(spec) if spec is not None else driver.delete_router(job.resource_id)


@job(JOBS, KINDS["port"])
def sync_port(cloud: Cloud, job: JobSpec) -> None:
    with cloud.db.read() as db:
        spec = port_security_spec(db, job.resource_id)
    driver = cloud.network_driver
    driver.ensure_port_security(spec) if spec is not None else driver.delete_port_security(job.resource_id)
