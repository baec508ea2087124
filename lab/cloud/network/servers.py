"""The compute <-> network contract: what Nova asks of Neutron for a server, called by the compute service
inside its own write transactions. Errors here are worded as Nova words them (they are rendered on /compute).

- `allocate_for_server`: one port per requested network (or the given port), with the security groups;
- `release_for_server`: on delete, ports Nova made are deleted, ports the user made are unbound;
- `server_addresses` / `server_nics` / `server_security_groups`: views of a server's ports;
- `add_server_security_group` / `remove_server_security_group`: the server actions;
- `add_server_fixed_ip` / `remove_server_fixed_ip`: the deprecated addFixedIp / removeFixedIp (before 2.44).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.contracts import Address, Interface, NovaRule, RequestedNetwork, ServerSecurityGroup
from lab.cloud.drivers.base import NicSpec
from lab.cloud.errors import BadRequest, CloudError, Conflict, Forbidden, NotFound
from lab.cloud.network import dns, quotas
from lab.cloud.network import security_groups as sgs
from lab.cloud.network.access import is_admin
from lab.cloud.network.common import DEVICE_OWNER_COMPUTE, external_for, granted, shared_with, touch
from lab.cloud.network.ipam import free_address
from lab.cloud.network.models import (
    FloatingIP,
    IPAllocation,
    Network,
    Port,
    PortSecurityGroup,
    SecurityGroup,
    SecurityGroupRule,
)
from lab.cloud.network.ports import add_port, fixed_ips, remove_port, subnets_of, update_port

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService


def _project(ctx: RequestContext) -> str:
    if ctx.project_id is None:
        raise BadRequest("A project-scoped token is needed to create a server.")
    return ctx.project_id


def _resolve_groups(svc: NetworkService, db: Session, project_id: str, names: list[str]) -> list[str]:
    ids: list[str] = []
    for name in names:
        if name == "default":
            group: SecurityGroup | None = sgs.ensure_default(svc, db, project_id)
        else:
            group = sgs.resolve(db, project_id, name)
        if group is None:
            raise BadRequest(f"Security group {name} not found.")
        if group.id not in ids:
            ids.append(group.id)
    return ids


def _visible_network(svc: NetworkService, db: Session, ctx: RequestContext, net_id: str) -> Network:
    admin = is_admin(svc, ctx)
    network = db.get(Network, net_id)
    shared = network is not None and shared_with(db, network, ctx.project_id)
    external = network is not None and external_for(db, network, ctx.project_id)
    if network is None or not (admin or network.project_id == ctx.project_id or shared or external):
        raise BadRequest(f"Network {net_id} could not be found.")
    if external and not shared and not admin and network.project_id != ctx.project_id:
        raise Forbidden(f"It is not allowed to create an interface on external network {net_id}")
    return network


def allocate_for_server(svc: NetworkService, db: Session, ctx: RequestContext, server_id: str,
                        requested: list[RequestedNetwork] | None, security_groups: list[str] | None, *,
                        hostname: str = "") -> None:
    """Give a new server its ports, in compute's write transaction. `requested` is Nova's `networks` list
    (items with `uuid`, `port`, `fixed_ip`) or None: then the project's only network is used (409 if several,
    nothing if none).

    DNS integration (the dns-integration extension is always on): as Nova, every port made or bound for the
    server gets the server's `hostname` as its `dns_name` (so `dns_assignment` names the server); a port handed
    in with another `dns_name` is Nova's PortNotUsableDNS (400)."""
    project_id = _project(ctx)
    group_ids = _resolve_groups(svc, db, project_id, security_groups or [])
    if requested is None:
        candidates = list(db.scalars(select(Network).where(
            (Network.project_id == project_id) | Network.shared.is_(True)
            | Network.id.in_(granted("network", "access_as_shared", project_id)), Network.external.is_(False))))
        if len(candidates) > 1:
            raise Conflict("Multiple possible networks found, use a Network ID to be more specific.")
        requested = [{"uuid": candidates[0].id}] if candidates else []
    for item in requested:
        port_id = item.get("port")
        if port_id:
            port = db.get(Port, port_id)
            if port is None or not (is_admin(svc, ctx) or port.project_id == project_id):
                raise BadRequest(f"Port id {port_id} could not be found.")
            if port.device_id:
                raise Conflict(f"Port {port_id} is still in use.")
            named = dns.of(db, "port", [port.id]).get(port.id)
            if hostname and named is not None and named.dns_name and named.dns_name != hostname:
                raise BadRequest(f"Port {port_id} not usable for instance {server_id}. Value {named.dns_name} "
                                 f"assigned to dns_name attribute does not match instance's hostname {hostname}")
            port.device_id, port.device_owner = server_id, DEVICE_OWNER_COMPUTE
            if hostname:
                dns.store(db, "port", port.id, {"dns_name": hostname})
            touch(port, svc.now())
            svc.sync(db, "network", port.network_id)
            svc.sync(db, "port", port.id)
            continue
        network = _visible_network(svc, db, ctx, str(item.get("uuid") or ""))
        try:
            quotas.check(svc, db, project_id, "port")
        except CloudError:
            raise Forbidden("Maximum number of ports exceeded") from None
        wanted = [{"ip_address": item["fixed_ip"]}] if item.get("fixed_ip") else None
        try:
            made = add_port(svc, db, network, project_id, device_id=server_id, device_owner=DEVICE_OWNER_COMPUTE,
                            fixed_ips=wanted, security_groups=group_ids or None, made_for_server=True)
        except CloudError as exc:
            kind = exc.neutron_type
            if kind in ("IpAddressInUse", "IpAddressAlreadyAllocated"):
                raise BadRequest(f"Fixed IP address {item.get('fixed_ip')} is already in use on instance "
                                 f"{server_id}.") from None
            if kind == "IpAddressGenerationFailure":
                raise BadRequest(f"No fixed IP addresses available for network: {network.id}") from None
            if kind in ("InvalidIpForNetwork", "InvalidIpForSubnet"):
                raise BadRequest(f"Fixed IP {item.get('fixed_ip')} is not a valid ip address for network "
                                 f"{network.id}.") from None
            raise
        if hostname:
            dns.store(db, "port", made.id, {"dns_name": hostname})


def release_for_server(svc: NetworkService, db: Session, server_id: str, port_id: str | None = None) -> None:
    """Server delete (or, with `port_id`, an interface detach): delete the ports made for it, unbind the others;
    floating IPs are disassociated."""
    for port in list(db.scalars(select(Port).where(Port.device_id == server_id))):
        if not port.device_owner.startswith("compute:") or port_id not in (None, port.id):
            continue
        if port.made_for_server:
            remove_port(svc, db, port)
            continue
        for fip in db.scalars(select(FloatingIP).where(FloatingIP.port_id == port.id)):
            if fip.router_id:
                svc.sync(db, "router", fip.router_id)
            fip.port_id = fip.fixed_ip_address = fip.router_id = None
        port.device_id, port.device_owner = "", ""
        dns.store(db, "port", port.id, {"dns_name": ""})  # Nova's _unbind_ports clears the dns_name it set
        touch(port, svc.now())
        svc.sync(db, "network", port.network_id)


def _server_ports(db: Session, server_ids: list[str]) -> list[Port]:
    return list(db.scalars(select(Port).where(Port.device_id.in_(server_ids),
                                              Port.device_owner.like("compute:%"))
                           .order_by(Port.created_at, Port.id)))


# The statements of the per-page views, built once (building a statement costs more than running it from
# SQLAlchemy's compiled cache); `server_ids` is an expanding IN parameter.
_OF_SERVERS = (Port.device_id.in_(bindparam("server_ids")), Port.device_owner.like("compute:%"))
_FLOATING_OF_SERVERS = (select(FloatingIP.port_id, FloatingIP.floating_ip_address)
                        .join(Port, Port.id == FloatingIP.port_id).where(*_OF_SERVERS)
                        .order_by(FloatingIP.created_at, FloatingIP.id))
_PORTS_OF_SERVERS = (select(Port.id, Port.device_id, Port.network_id, Port.mac_address, Network.name,
                            IPAllocation.ip_address)
                     .outerjoin(Network, Network.id == Port.network_id)
                     .outerjoin(IPAllocation, IPAllocation.port_id == Port.id)
                     .where(*_OF_SERVERS).order_by(Port.created_at, Port.id, IPAllocation.id))
_GROUPS_OF_SERVERS = (select(Port.device_id, SecurityGroup.name)
                      .join(PortSecurityGroup, PortSecurityGroup.port_id == Port.id)
                      .join(SecurityGroup, SecurityGroup.id == PortSecurityGroup.security_group_id)
                      .where(*_OF_SERVERS).order_by(Port.created_at, SecurityGroup.name))


def server_addresses(db: Session, server_ids: list[str]) -> dict[str, dict[str, list[Address]]]:
    """Nova's `addresses` per server: {network name: [fixed..., floating...]} built from the ports.

    Two column queries for any number of servers (a page of the server list asks for up to 1,000): the ports
    with their network names and fixed IPs in one join, the floating IPs on those ports in another."""
    out: dict[str, dict[str, list[Address]]] = {sid: {} for sid in server_ids}
    if not server_ids:
        return out
    params = {"server_ids": server_ids}
    floating: dict[str, list[str]] = {}
    for port_id, address in db.execute(_FLOATING_OF_SERVERS, params):
        floating.setdefault(port_id or "", []).append(address)
    rows = db.execute(_PORTS_OF_SERVERS, params)
    previous: str | None = None
    entries: list[Address] = []
    mac = ""
    for port_id, device_id, network_id, mac_address, network_name, ip_address in rows:
        if port_id != previous:  # a new port: first its fixed IPs (these rows), then its floating IPs
            if previous is not None:
                entries.extend(_address(a, "floating", mac) for a in floating.get(previous, ()))
            previous, mac = port_id, mac_address
            entries = out[device_id].setdefault(network_name or network_id, [])
        if ip_address is not None:
            entries.append(_address(ip_address, "fixed", mac_address))
    if previous is not None:
        entries.extend(_address(a, "floating", mac) for a in floating.get(previous, ()))
    return out


def _address(addr: str, kind: str, mac: str) -> Address:
    # The version from the spelling: the stored addresses are valid ones, and ipaddress costs ~10 us each.
    return {"version": 6 if ":" in addr else 4, "addr": addr, "OS-EXT-IPS:type": kind,
            "OS-EXT-IPS-MAC:mac_addr": mac}


def server_interfaces(db: Session, server_id: str) -> list[Interface]:
    """Nova's os-interface view of a server's ports (port_id, net_id, mac_addr, port_state, fixed_ips)."""
    ports = _server_ports(db, [server_id])
    ips = fixed_ips(db, [p.id for p in ports])
    return [{"port_id": p.id, "net_id": p.network_id, "mac_addr": p.mac_address,
             "port_state": "ACTIVE" if p.admin_state_up else "DOWN", "fixed_ips": ips[p.id]} for p in ports]


def server_nics(svc: NetworkService, db: Session, server_id: str) -> list[NicSpec]:
    ports = _server_ports(db, [server_id])
    ips = fixed_ips(db, [p.id for p in ports])
    mtus = dict(db.execute(select(Network.id, Network.mtu).where(Network.id.in_({p.network_id for p in ports}))).all())
    return [NicSpec(port_id=p.id, mac_address=p.mac_address, ip_addresses=tuple(i["ip_address"] for i in ips[p.id]),
                    network_id=p.network_id, bridge=svc.driver.bridge_for(p.network_id),
                    mtu=mtus.get(p.network_id, 1500)) for p in ports]


def server_security_groups(db: Session, server_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {sid: [] for sid in server_ids}
    if not server_ids:
        return out
    rows = db.execute(_GROUPS_OF_SERVERS, {"server_ids": server_ids})
    for device_id, name in rows:
        if name not in out[device_id]:
            out[device_id].append(name)
    return out


def server_security_group_details(db: Session, server_id: str) -> list[ServerSecurityGroup]:
    """Nova's GET /servers/{id}/os-security-groups: the groups of the server's ports, each with its ingress
    rules as Nova converts Neutron's (nova/network/security_group_api.py: a missing port is -1, a rule with
    neither a remote group nor a prefix is open to 0.0.0.0/0)."""
    port_ids = select(Port.id).where(Port.device_id == server_id)
    group_ids = select(PortSecurityGroup.security_group_id).where(PortSecurityGroup.port_id.in_(port_ids))
    groups = list(db.scalars(select(SecurityGroup).where(SecurityGroup.id.in_(group_ids))
                             .order_by(SecurityGroup.created_at, SecurityGroup.id)))
    out: list[ServerSecurityGroup] = []
    for group in groups:
        rules = db.scalars(select(SecurityGroupRule).where(SecurityGroupRule.security_group_id == group.id,
                                                           SecurityGroupRule.direction == "ingress")
                           .order_by(SecurityGroupRule.created_at, SecurityGroupRule.id))
        out.append({"id": group.id, "name": group.name, "description": group.description,
                    "tenant_id": group.project_id, "rules": [_nova_rule(db, rule) for rule in rules]})
    return out


def _nova_rule(db: Session, rule: SecurityGroupRule) -> NovaRule:
    remote = db.get(SecurityGroup, rule.remote_group_id) if rule.remote_group_id else None
    return {"id": rule.id, "parent_group_id": rule.security_group_id, "ip_protocol": rule.protocol,
            "from_port": -1 if rule.port_range_min is None else rule.port_range_min,
            "to_port": -1 if rule.port_range_max is None else rule.port_range_max,
            "group": {"name": remote.name, "tenant_id": remote.project_id} if remote else {},
            "ip_range": {} if remote else {"cidr": rule.remote_ip_prefix or "0.0.0.0/0"}}


def _group_for_action(svc: NetworkService, db: Session, ctx: RequestContext, name_or_id: str) -> SecurityGroup:
    project_id = _project(ctx)
    group = sgs.ensure_default(svc, db, project_id) if name_or_id == "default" else \
        sgs.resolve(db, project_id, name_or_id)
    if group is None:
        raise NotFound(f"Security group {name_or_id} not found.")
    return group


def add_server_security_group(svc: NetworkService, db: Session, ctx: RequestContext, server_id: str,
                              name_or_id: str) -> None:
    group = _group_for_action(svc, db, ctx, name_or_id)
    ports = [p for p in _server_ports(db, [server_id]) if p.port_security_enabled]
    if not ports:
        raise BadRequest(f"Server {server_id} has no port with port security to add a security group to.")
    bound = {(b.port_id, b.security_group_id) for b in db.scalars(select(PortSecurityGroup).where(
        PortSecurityGroup.port_id.in_([p.id for p in ports])))}
    if all((p.id, group.id) in bound for p in ports):
        raise BadRequest(f"Security group {group.name} is already associated with the instance {server_id}")
    for port in ports:
        if (port.id, group.id) not in bound:
            db.add(PortSecurityGroup(port_id=port.id, security_group_id=group.id))
            svc.sync(db, "port", port.id)


def remove_server_security_group(svc: NetworkService, db: Session, ctx: RequestContext, server_id: str,
                                 name_or_id: str) -> None:
    group = _group_for_action(svc, db, ctx, name_or_id)
    ports = _server_ports(db, [server_id])
    bindings = list(db.scalars(select(PortSecurityGroup).where(
        PortSecurityGroup.port_id.in_([p.id for p in ports]), PortSecurityGroup.security_group_id == group.id)))
    if not bindings:
        raise BadRequest(f"Security group {group.name} is not associated with the instance {server_id}")
    for binding in bindings:
        db.delete(binding)
        svc.sync(db, "port", binding.port_id)


def add_server_fixed_ip(svc: NetworkService, db: Session, ctx: RequestContext, server_id: str,
                        network_id: str) -> None:
    """addFixedIp as Nova's neutron API does it: the first of the server's ports on the network takes one more
    address, from the first of the network's subnets that has one (a port update with the caller's rights)."""
    subnets = subnets_of(db, network_id)
    if subnets:
        for port in _server_ports(db, [server_id]):
            if port.network_id != network_id:
                continue
            current = fixed_ips(db, [port.id])[port.id]
            for subnet in subnets:
                if free_address(db, subnet) is not None:
                    update_port(svc, db, ctx, port.id, {"fixed_ips": [*current, {"subnet_id": subnet.id}]})
                    return
    raise BadRequest(f"Network could not be found for instance {server_id}.")


def remove_server_fixed_ip(svc: NetworkService, db: Session, ctx: RequestContext, server_id: str,
                           address: str) -> None:
    """removeFixedIp: the server's port holding `address` keeps its other addresses."""
    for port in _server_ports(db, [server_id]):
        current = fixed_ips(db, [port.id])[port.id]
        if any(ip["ip_address"] == address for ip in current):
            update_port(svc, db, ctx, port.id, {"fixed_ips": [ip for ip in current if ip["ip_address"] != address]})
            return
    raise BadRequest(f"Instance {server_id} does not have fixed IP '{address}'.")


def has_allocations(db: Session, port_id: str) -> bool:
    return db.scalar(select(IPAllocation.id).where(IPAllocation.port_id == port_id)) is not None
