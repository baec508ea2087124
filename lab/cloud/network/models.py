"""Networking's stored state (Neutron's logical model): networks and their segments, subnets, ports and their
IP allocations, routers, floating IPs, security groups and rules, and per-project quota limits.

The uniqueness that must hold under concurrent requests is carried by constraints, not by checks alone:
one address per network (`ipallocations`), one MAC per network (`ports`), one segment id per type and physical
network (`networksegments`), one `default` security group per project (`default_security_groups`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lab.cloud.db import Base, new_id


class Network(Base):
    __tablename__ = "networks"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    shared: Mapped[bool] = mapped_column(default=False)
    external: Mapped[bool] = mapped_column(default=False)  # router:external
    mtu: Mapped[int] = mapped_column(default=1450)
    port_security_enabled: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    revision_number: Mapped[int] = mapped_column(default=1)


class NetworkSegment(Base):
    """The L2 segment of a network. `physical_network` is "" (not NULL) for tunnels and `segmentation_id` is 0
    for flat networks, so the unique constraint also holds for them (NULLs never collide in SQL)."""

    __tablename__ = "networksegments"
    __table_args__ = (UniqueConstraint("network_type", "physical_network", "segmentation_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), unique=True)
    network_type: Mapped[str] = mapped_column(String(16))
    physical_network: Mapped[str] = mapped_column(String(64), default="")
    segmentation_id: Mapped[int] = mapped_column(default=0)


class Subnet(Base):
    __tablename__ = "subnets"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    ip_version: Mapped[int] = mapped_column(default=4)
    cidr: Mapped[str] = mapped_column(String(64))
    gateway_ip: Mapped[str | None] = mapped_column(String(64))
    allocation_pools: Mapped[list[Any]] = mapped_column(default=list)  # [{"start", "end"}]
    dns_nameservers: Mapped[list[Any]] = mapped_column(default=list)
    host_routes: Mapped[list[Any]] = mapped_column(default=list)  # [{"destination", "nexthop"}]
    enable_dhcp: Mapped[bool] = mapped_column(default=True)
    ipv6_ra_mode: Mapped[str | None] = mapped_column(String(16))
    ipv6_address_mode: Mapped[str | None] = mapped_column(String(16))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    revision_number: Mapped[int] = mapped_column(default=1)


class Port(Base):
    __tablename__ = "ports"
    __table_args__ = (UniqueConstraint("network_id", "mac_address"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # "" for the ports Neutron owns itself (router gateways, floating IPs), as Neutron does.
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    mac_address: Mapped[str] = mapped_column(String(32))
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    device_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    device_owner: Mapped[str] = mapped_column(String(255), default="")
    port_security_enabled: Mapped[bool] = mapped_column(default=True)
    allowed_address_pairs: Mapped[list[Any]] = mapped_column(default=list)  # [{"ip_address", "mac_address"}]
    # True for a port Nova made for a server (deleted with the server); a port the user made and handed to
    # `server create --port` is only unbound when the server goes, as in Nova.
    made_for_server: Mapped[bool] = mapped_column(default=False)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    revision_number: Mapped[int] = mapped_column(default=1)


class IPAllocation(Base):
    """One fixed IP of one port. The unique (network, address) pair is what makes IPAM race-free."""

    __tablename__ = "ipallocations"
    __table_args__ = (UniqueConstraint("network_id", "ip_address"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"), index=True)
    subnet_id: Mapped[str] = mapped_column(ForeignKey("subnets.id"), index=True)
    network_id: Mapped[str] = mapped_column(String(36))
    ip_address: Mapped[str] = mapped_column(String(64))


class PortSecurityGroup(Base):
    __tablename__ = "securitygroupportbindings"
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"), primary_key=True)
    security_group_id: Mapped[str] = mapped_column(ForeignKey("securitygroups.id"), primary_key=True, index=True)


class Router(Base):
    __tablename__ = "routers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    gw_port_id: Mapped[str | None] = mapped_column(String(36))
    enable_snat: Mapped[bool] = mapped_column(default=True)
    routes: Mapped[list[Any]] = mapped_column(default=list)  # [{"destination", "nexthop"}]
    tags: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    revision_number: Mapped[int] = mapped_column(default=1)


class FloatingIP(Base):
    __tablename__ = "floatingips"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    floating_network_id: Mapped[str] = mapped_column(ForeignKey("networks.id"))
    floating_ip_address: Mapped[str] = mapped_column(String(64))
    # The port on the external network that holds the address (device_owner network:floatingip).
    floating_port_id: Mapped[str] = mapped_column(String(36))
    port_id: Mapped[str | None] = mapped_column(String(36), index=True)
    fixed_ip_address: Mapped[str | None] = mapped_column(String(64))
    router_id: Mapped[str | None] = mapped_column(String(36))
    description: Mapped[str] = mapped_column(String(255), default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    revision_number: Mapped[int] = mapped_column(default=1)


class SecurityGroup(Base):
    __tablename__ = "securitygroups"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    stateful: Mapped[bool] = mapped_column(default=True)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    revision_number: Mapped[int] = mapped_column(default=1)


class DefaultSecurityGroup(Base):
    """At most one `default` group per project, even when two first requests race (Neutron has this table)."""

    __tablename__ = "default_security_groups"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    security_group_id: Mapped[str] = mapped_column(ForeignKey("securitygroups.id", ondelete="CASCADE"))


class SecurityGroupRule(Base):
    __tablename__ = "securitygrouprules"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    security_group_id: Mapped[str] = mapped_column(ForeignKey("securitygroups.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    ethertype: Mapped[str] = mapped_column(String(8), default="IPv4")
    protocol: Mapped[str | None] = mapped_column(String(40))
    port_range_min: Mapped[int | None]
    port_range_max: Mapped[int | None]
    remote_ip_prefix: Mapped[str | None] = mapped_column(String(64))
    remote_group_id: Mapped[str | None] = mapped_column(String(36))
    description: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    revision_number: Mapped[int] = mapped_column(default=1)


# ---------------------------------------------------------------------------------------- operator resources
# Kept in tables of their own (not new columns of the tables above), so a lab made before them carries on:
# the lab creates missing tables at start but does not alter existing ones.

class RBACPolicy(Base):
    """One RBAC grant (Neutron's networkrbacs / securitygrouprbacs in one table): `action` on the object of
    `object_type` for `target_project` ("*" for every project), made by the object's owner `project_id`."""

    __tablename__ = "rbac_policies"
    __table_args__ = (UniqueConstraint("object_type", "object_id", "action", "target_project"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32))  # network | security_group
    object_id: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(32))  # access_as_shared | access_as_external
    target_project: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    revision_number: Mapped[int] = mapped_column(default=1)


class AddressScope(Base):
    __tablename__ = "address_scopes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    ip_version: Mapped[int] = mapped_column(default=4)
    shared: Mapped[bool] = mapped_column(default=False)


class SubnetPool(Base):
    """Prefixes subnets are cut from (`subnet create --subnet-pool P --prefix-length N`)."""

    __tablename__ = "subnetpools"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    ip_version: Mapped[int] = mapped_column(default=4)
    prefixes: Mapped[list[Any]] = mapped_column(default=list)  # CIDRs, collapsed
    default_prefixlen: Mapped[int]
    min_prefixlen: Mapped[int]
    max_prefixlen: Mapped[int]
    is_default: Mapped[bool] = mapped_column(default=False)
    shared: Mapped[bool] = mapped_column(default=False)
    address_scope_id: Mapped[str | None] = mapped_column(String(36))
    default_quota: Mapped[int | None]
    tags: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    revision_number: Mapped[int] = mapped_column(default=1)


class SubnetPoolAllocation(Base):
    """Which pool a subnet was cut from (Neutron's subnets.subnetpool_id)."""

    __tablename__ = "subnetpool_allocations"
    subnet_id: Mapped[str] = mapped_column(ForeignKey("subnets.id", ondelete="CASCADE"), primary_key=True)
    subnetpool_id: Mapped[str] = mapped_column(ForeignKey("subnetpools.id"), index=True)


class PortBinding(Base):
    """A port's binding (Neutron's ml2_port_bindings): the host it is bound on, its vNIC type and profile."""

    __tablename__ = "ml2_port_bindings"
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"), primary_key=True)
    host: Mapped[str] = mapped_column(String(255), default="")
    vnic_type: Mapped[str] = mapped_column(String(64), default="normal")
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Agent(Base):
    """An agent the network driver runs (Neutron's agents table): what `network agent list` shows."""

    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("agent_type", "host"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agent_type: Mapped[str] = mapped_column(String(255))
    binary: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(255))
    host: Mapped[str] = mapped_column(String(255))
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    admin_state_up: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(String(255), default="")
    configurations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime]


# ------------------------------------------------------------------------------------------ QoS (the qos extension)
class QosPolicy(Base):
    """A QoS policy (Neutron's qos_policies): rules that ports and networks bound to it get. `shared` is the
    wildcard grant; a share with one project is an RBAC policy of object type `qos_policy`."""

    __tablename__ = "qos_policies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    shared: Mapped[bool] = mapped_column(default=False)
    is_default: Mapped[bool] = mapped_column(default=False)  # qos-default: what the project's new networks get
    tags: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    revision_number: Mapped[int] = mapped_column(default=1)


class QosRule(Base):
    """One rule of a policy (Neutron keeps a table per type; one table here, `type` telling them apart):
    bandwidth_limit (max_kbps, max_burst_kbps, direction), dscp_marking (dscp_mark) or minimum_bandwidth
    (min_kbps, direction)."""

    __tablename__ = "qos_rules"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    qos_policy_id: Mapped[str] = mapped_column(ForeignKey("qos_policies.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    max_kbps: Mapped[int | None]
    max_burst_kbps: Mapped[int | None]
    direction: Mapped[str | None] = mapped_column(String(8))
    dscp_mark: Mapped[int | None]
    min_kbps: Mapped[int | None]


class QosBinding(Base):
    """A port's or a network's QoS policy (Neutron's qos_port_policy_bindings, qos_network_policy_bindings)."""

    __tablename__ = "qos_policy_bindings"
    object_type: Mapped[str] = mapped_column(String(16), primary_key=True)  # port | network
    object_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("qos_policies.id"), index=True)


class DnsAttributes(Base):
    """The dns-integration attributes of a port (dns_name, dns_domain) or a network (dns_domain): Neutron's
    portdnses and networkdnsdomains tables in one."""

    __tablename__ = "dns_attributes"
    object_type: Mapped[str] = mapped_column(String(16), primary_key=True)  # port | network
    object_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dns_name: Mapped[str] = mapped_column(String(255), default="")
    dns_domain: Mapped[str] = mapped_column(String(255), default="")


class PortForwarding(Base):
    """One port forwarding of a floating IP (Neutron's portforwardings): `external_port` of the floating IP's
    address goes to `internal_port` of a fixed IP of a port behind the router. One per floating IP, external
    port and protocol; one per internal socket and protocol."""

    __tablename__ = "portforwardings"
    __table_args__ = (UniqueConstraint("floatingip_id", "external_port", "protocol"),
                      UniqueConstraint("internal_port_id", "internal_ip_address", "internal_port", "protocol"))
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    floatingip_id: Mapped[str] = mapped_column(ForeignKey("floatingips.id", ondelete="CASCADE"), index=True)
    internal_port_id: Mapped[str] = mapped_column(String(36), index=True)
    internal_ip_address: Mapped[str] = mapped_column(String(64))
    internal_port: Mapped[int]
    external_port: Mapped[int]
    protocol: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(255), default="")


class DhcpScheduling(Base):
    """An operator's choice for one network (Neutron's networkdhcpagentbindings, for the lab's one DHCP agent):
    `hosted` True after `network agent add network --dhcp`, False after `network agent remove network --dhcp`.
    Without a row, the agent hosts the network while it has a DHCP port."""

    __tablename__ = "dhcp_scheduling"
    network_id: Mapped[str] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True)
    hosted: Mapped[bool] = mapped_column(default=True)


class L3Scheduling(Base):
    """An operator's choice for one router (Neutron's routerl3agentbindings, for the lab's one L3 agent):
    `hosted` True after `network agent add router --l3`, False after `network agent remove router --l3`.
    Without a row, the L3 agent hosts the router."""

    __tablename__ = "l3_scheduling"
    router_id: Mapped[str] = mapped_column(ForeignKey("routers.id", ondelete="CASCADE"), primary_key=True)
    hosted: Mapped[bool] = mapped_column(default=True)


class ExtraDhcpOpt(Base):
    """One extra DHCP option of a port (Neutron's extradhcpopts): a name, a value and the IP version it is for."""

    __tablename__ = "extradhcpopts"
    port_id: Mapped[str] = mapped_column(ForeignKey("ports.id", ondelete="CASCADE"), primary_key=True)
    opt_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    ip_version: Mapped[int] = mapped_column(Integer, primary_key=True, default=4)
    opt_value: Mapped[str] = mapped_column(String(255))
