"""Ports: MAC generation, fixed IPs (requested or allocated through ipam), device owner and id, security groups,
allowed address pairs; the API's create/update/delete, and `add_port`, the one place every port is made (the
DHCP port, router interfaces and gateways, floating IP ports, servers' ports)."""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict
from lab.cloud.network import agents, dhcpopts, dns, ipam, qos, quotas
from lab.cloud.network import schemas as S
from lab.cloud.network import security_groups as sgs
from lab.cloud.network.access import allows, authorize, is_admin, on_network, target_of
from lab.cloud.network.common import (
    DEVICE_OWNER_FLOATINGIP,
    SERVICE_OWNERS,
    ServiceUnavailable,
    bad_attribute,
    get_network,
    get_port,
    is_granted,
    new_project,
    required,
    security_group_not_found,
    touch,
)
from lab.cloud.network.models import (
    FloatingIP,
    IPAllocation,
    Network,
    Port,
    PortBinding,
    PortSecurityGroup,
    SecurityGroup,
    Subnet,
)

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService

BASE_MAC = "fa:16:3e"  # Neutron's default base_mac
MAC_RE = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")


def _mac(db: Session, network_id: str, wanted: str | None) -> str:
    if wanted is not None:
        mac = wanted.lower().replace("-", ":")
        if not MAC_RE.match(mac) or mac in ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"):  # neutron-lib's only refusals
            raise bad_attribute("mac_address", f"'{wanted}' is not a valid MAC address")
        if db.scalar(select(Port.id).where(Port.network_id == network_id, Port.mac_address == mac)):
            raise Conflict(f"Unable to complete operation for network {network_id}. The mac address {mac} is in "
                           f"use.", neutron_type="MacAddressInUse")
        return mac
    for _ in range(16):  # bounded: 2**24 candidates per network, a collision is rare
        mac = BASE_MAC + "".join(f":{b:02x}" for b in secrets.token_bytes(3))
        if db.scalar(select(Port.id).where(Port.network_id == network_id, Port.mac_address == mac)) is None:
            return mac
    raise ServiceUnavailable("Unable to generate unique mac on network.", neutron_type="MacAddressGenerationFailure")


def subnets_of(db: Session, network_id: str) -> list[Subnet]:
    return list(db.scalars(select(Subnet).where(Subnet.network_id == network_id)
                           .order_by(Subnet.created_at, Subnet.id)))


def _security_groups(svc: NetworkService, db: Session, ctx: RequestContext | None, project_id: str,
                     wanted: list[str] | None, enabled: bool, device_owner: str) -> list[str]:
    if device_owner.startswith("network:"):
        return []
    if wanted is None:
        return [sgs.ensure_default(svc, db, project_id).id] if enabled else []
    if wanted and not enabled:  # ML2 makes a port with groups but no address (on a network without subnets)
        raise BadRequest("Port security must be enabled and port must have an IP address in order to use "
                         "security groups.", neutron_type="PortSecurityAndIPRequiredForSecurityGroups")
    admin = ctx is None or is_admin(svc, ctx)
    ids: list[str] = []
    for sg_id in wanted:
        group = db.get(SecurityGroup, sg_id)
        if group is None or (not admin and group.project_id != project_id and not is_granted(
                db, "security_group", sg_id, "access_as_shared", project_id)):
            raise security_group_not_found(sg_id)
        if group.id not in ids:
            ids.append(group.id)
    return ids


def add_port(svc: NetworkService, db: Session, network: Network, project_id: str, *,
             ctx: RequestContext | None = None, name: str = "", description: str = "", mac_address: str | None = None,
             fixed_ips: list[dict[str, Any]] | None = None, device_id: str = "", device_owner: str = "",
             admin_state_up: bool = True, security_groups: list[str] | None = None,
             port_security_enabled: bool | None = None, allowed_address_pairs: list[dict[str, Any]] | None = None,
             tags: list[str] | None = None, made_for_server: bool = False,
             subnets: list[Subnet] | None = None) -> Port:
    """Make a port in the caller's write transaction (no policy or quota checks: callers do those).
    `subnets`: those `fixed_ips` may name, when the caller has them (all of the network's otherwise)."""
    now = svc.now()
    enabled = network.port_security_enabled if port_security_enabled is None else port_security_enabled
    if device_owner.startswith("network:"):
        enabled = False if port_security_enabled is None else enabled
    pairs = allowed_address_pairs or []
    if pairs and not enabled:
        raise Conflict("Port Security must be enabled in order to have allowed address pairs on a port.",
                       neutron_type="AddressPairAndPortSecurityRequired")
    port = Port(project_id=project_id, network_id=network.id, name=name, description=description,
                mac_address=_mac(db, network.id, mac_address), admin_state_up=admin_state_up, device_id=device_id,
                device_owner=device_owner, port_security_enabled=enabled, tags=tags or [],
                allowed_address_pairs=[_pair(p) for p in pairs], made_for_server=made_for_server,
                created_at=now, updated_at=now)
    db.add(port)
    db.flush()
    ipam.allocate(db, network.id, port.id, subnets_of(db, network.id) if subnets is None else subnets, fixed_ips,
                  device_owner)
    for sg_id in _security_groups(svc, db, ctx, project_id, security_groups, enabled, device_owner):
        db.add(PortSecurityGroup(port_id=port.id, security_group_id=sg_id))
    db.flush()
    svc.sync(db, "network", network.id)
    svc.sync(db, "port", port.id)
    _sync_groups(svc, db, port.id)
    return port


def _group_ids(db: Session, port_id: str) -> list[str]:
    return list(db.scalars(select(PortSecurityGroup.security_group_id).where(PortSecurityGroup.port_id == port_id)))


def _sync_groups(svc: NetworkService, db: Session, port_id: str, also: list[str] | None = None) -> None:
    """A port joining or leaving groups changes what remote-group rules allow: re-send the affected ports."""
    groups = _group_ids(db, port_id) + (also or [])
    if groups:
        sgs.sync_members(svc, db, groups)


def _pair(pair: dict[str, Any]) -> dict[str, Any]:
    out = {"ip_address": pair["ip_address"]}
    if pair.get("mac_address"):
        out["mac_address"] = pair["mac_address"]
    return out


def _fill_pair_macs(port: Port) -> None:
    port.allowed_address_pairs = [{"ip_address": p["ip_address"], "mac_address": p.get("mac_address")
                                   or port.mac_address} for p in port.allowed_address_pairs or []]


def create_port(svc: NetworkService, db: Session, ctx: RequestContext, attrs: dict[str, Any]) -> Port:
    S.require(attrs, "network_id")
    network = get_network(db, ctx, attrs["network_id"])
    wanted_project = new_project(ctx, attrs)
    restricted = [name for name, given in (
        ("fixed_ips:ip_address", any("ip_address" in f for f in attrs.get("fixed_ips") or [])),
        ("device_owner", "device_owner" in attrs), ("mac_address", "mac_address" in attrs),
        *((key, key in attrs) for key in ("binding:host_id", "binding:profile"))) if given]
    target = {**on_network(wanted_project, network, db),
              "network_device": attrs.get("device_owner", "").startswith("network:")}
    authorize(svc, ctx, "create_port", target, restricted)
    project_id = required(wanted_project)
    quotas.check(svc, db, project_id, "port")
    port = add_port(svc, db, network, project_id, ctx=ctx, name=attrs.get("name", ""),
                    description=attrs.get("description", ""), mac_address=attrs.get("mac_address"),
                    fixed_ips=attrs.get("fixed_ips"), device_id=attrs.get("device_id", ""),
                    device_owner=attrs.get("device_owner", ""), admin_state_up=attrs.get("admin_state_up", True),
                    security_groups=attrs.get("security_groups"),
                    port_security_enabled=attrs.get("port_security_enabled"),
                    allowed_address_pairs=attrs.get("allowed_address_pairs"), tags=attrs.get("tags"))
    _fill_pair_macs(port)
    set_binding(db, port.id, attrs)
    qos.bind(db, ctx, "port", port.id, attrs)
    dns.store(db, "port", port.id, attrs)
    dhcpopts.store(db, port.id, attrs)
    return port


BINDING_KEYS = {"binding:host_id": "host", "binding:vnic_type": "vnic_type", "binding:profile": "profile"}


def set_binding(db: Session, port_id: str, attrs: dict[str, Any]) -> None:
    """Store the `binding:*` attributes a create or update gives (Neutron's ml2_port_bindings row). A null host
    unbinds, as "" does (ML2 reads `binding:host_id or ''`: `openstack port unset --host` sends null)."""
    given = {column: attrs[key] for key, column in BINDING_KEYS.items() if key in attrs}
    if not given:
        return
    row = db.get(PortBinding, port_id) or PortBinding(port_id=port_id, host="", vnic_type="normal", profile={})
    for column, value in given.items():
        setattr(row, column, value if value is not None else {"profile": {}, "host": ""}.get(column))
    db.add(row)
    db.flush()


def binding_of(port: Port, row: PortBinding | None, host: str, readable: tuple[str, ...]) -> dict[str, Any]:
    """A port's binding attributes: `binding:vnic_type` for all, the others as `readable` allows (admins).
    A port is bound on the lab's host once a device uses it (Nova and the agents bind their ports there) or a
    host is given; the Linux bridge driver binds only `normal` vNICs (`binding_failed` otherwise)."""
    vnic = row.vnic_type if row is not None else "normal"
    bound = row.host if row is not None and row.host else (
        host if port.device_owner and port.device_owner != DEVICE_OWNER_FLOATINGIP else "")
    vif = "unbound" if not bound else ("bridge" if vnic == "normal" else "binding_failed")
    values = {"binding:host_id": bound, "binding:vif_type": vif,
              "binding:vif_details": {"connectivity": "l2", "port_filter": True} if vif == "bridge" else {},
              "binding:profile": dict(row.profile or {}) if row is not None else {}}
    return {"binding:vnic_type": vnic, **{key: values[key] for key in readable}}


def update_port(svc: NetworkService, db: Session, ctx: RequestContext, port_id: str,
                attrs: dict[str, Any]) -> Port:
    port = get_port(db, ctx, port_id)
    new_mac = "mac_address" in attrs and attrs["mac_address"] != port.mac_address
    restricted = [*(["mac_address"] if new_mac else []),
                  *(key for key in ("binding:host_id", "binding:profile") if key in attrs)]
    authorize(svc, ctx, "update_port", target_of(db, port, ctx), restricted)
    before = _group_ids(db, port.id)  # the groups it leaves change what their remote-group rules allow
    set_binding(db, port.id, attrs)
    qos.bind(db, ctx, "port", port.id, attrs)
    dns.store(db, "port", port.id, attrs)
    dhcpopts.store(db, port.id, attrs)
    for key in ("name", "description", "admin_state_up", "device_id", "device_owner"):
        if key in attrs:
            setattr(port, key, attrs[key])
    if new_mac:
        port.mac_address = _mac(db, port.network_id, attrs["mac_address"])
    if "port_security_enabled" in attrs:
        port.port_security_enabled = attrs["port_security_enabled"]
    if "fixed_ips" in attrs:
        db.execute(delete(IPAllocation).where(IPAllocation.port_id == port.id))
        db.flush()
        ipam.allocate(db, port.network_id, port.id, subnets_of(db, port.network_id), attrs["fixed_ips"],
                      port.device_owner)
    if "allowed_address_pairs" in attrs:
        pairs = attrs["allowed_address_pairs"] or []
        if pairs and not port.port_security_enabled:
            raise Conflict("Port Security must be enabled in order to have allowed address pairs on a port.",
                           neutron_type="AddressPairAndPortSecurityRequired")
        port.allowed_address_pairs = [_pair(p) for p in pairs]
        _fill_pair_macs(port)
    current = security_group_ids(db, [port.id])[port.id]
    if "security_groups" in attrs or (not port.port_security_enabled and current):
        wanted = attrs.get("security_groups", current) or []
        if not port.port_security_enabled and wanted:
            raise Conflict("Port has security group associated. Cannot disable port security or ip address until "
                           "security group is removed", neutron_type="PortSecurityPortHasSecurityGroup")
        ids = _security_groups(svc, db, ctx, port.project_id, wanted, port.port_security_enabled,
                               port.device_owner)
        db.execute(delete(PortSecurityGroup).where(PortSecurityGroup.port_id == port.id))
        for sg_id in ids:
            db.add(PortSecurityGroup(port_id=port.id, security_group_id=sg_id))
    if not port.port_security_enabled and port.allowed_address_pairs:
        raise Conflict("Port Security must be enabled in order to have allowed address pairs on a port.",
                       neutron_type="AddressPairAndPortSecurityRequired")
    touch(port, svc.now())
    db.flush()
    svc.sync(db, "network", port.network_id)
    svc.sync(db, "port", port.id)
    _sync_groups(svc, db, port.id, before)
    return port


def delete_port(svc: NetworkService, db: Session, ctx: RequestContext, port_id: str) -> None:
    """Delete a port (its floating IPs are disassociated). Raises L3PortInUse (409) for router and floating IP
    ports, which only go with their router or floating IP."""
    port = get_port(db, ctx, port_id)
    authorize(svc, ctx, "delete_port", target_of(db, port))
    if port.device_owner in SERVICE_OWNERS:
        raise Conflict(f"Port {port.id} has owner {port.device_owner} and therefore cannot be deleted directly via "
                       f"the port API.", neutron_type="L3PortInUse")
    remove_port(svc, db, port)


def remove_port(svc: NetworkService, db: Session, port: Port) -> None:
    """Delete a port row with its addresses, security group bindings, floating IP associations and the port
    forwardings to it."""
    from lab.cloud.network.portforwardings import forget_port  # it reads ports' addresses

    forget_port(svc, db, port.id)
    for fip in db.scalars(select(FloatingIP).where(FloatingIP.port_id == port.id)):
        if fip.router_id:
            svc.sync(db, "router", fip.router_id)
        fip.port_id = fip.fixed_ip_address = fip.router_id = None
        touch(fip, svc.now())
    groups = _group_ids(db, port.id)
    db.execute(delete(IPAllocation).where(IPAllocation.port_id == port.id))
    db.execute(delete(PortSecurityGroup).where(PortSecurityGroup.port_id == port.id))
    qos.unbind(db, "port", port.id)
    dns.forget(db, "port", port.id)
    db.delete(port)
    db.flush()
    svc.sync(db, "network", port.network_id)
    svc.sync(db, "port", port.id)
    if groups:
        _sync_groups(svc, db, port.id, groups)


def fixed_ips(db: Session, port_ids: list[str]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {i: [] for i in port_ids}
    for alloc in db.scalars(select(IPAllocation).where(IPAllocation.port_id.in_(port_ids)).order_by(IPAllocation.id)):
        out[alloc.port_id].append({"subnet_id": alloc.subnet_id, "ip_address": alloc.ip_address})
    return out


def security_group_ids(db: Session, port_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {i: [] for i in port_ids}
    for binding in db.scalars(select(PortSecurityGroup).where(PortSecurityGroup.port_id.in_(port_ids))):
        out[binding.port_id].append(binding.security_group_id)
    return out


READABLE_BINDING = ("binding:host_id", "binding:vif_type", "binding:vif_details", "binding:profile")


def render(svc: NetworkService, db: Session, ctx: RequestContext, rows: list[Port]) -> list[dict[str, Any]]:
    ids = [r.id for r in rows]
    ips, groups = fixed_ips(db, ids), security_group_ids(db, ids)
    bindings = {b.port_id: b for b in db.scalars(select(PortBinding).where(PortBinding.port_id.in_(ids)))}
    readable = tuple(key for key in READABLE_BINDING if allows(svc, ctx, f"get_port:{key}"))
    wired = agents.enabled(db, agents.LINUXBRIDGE)
    blocked = agents.dhcp_blocked(db, {r.network_id for r in rows if (r.device_owner or "").startswith("compute:")})
    own, of_network = qos.bound(db, "port", ids), qos.bound(db, "network", list({r.network_id for r in rows}))
    names, options = dns.of(db, "port", ids), dhcpopts.of(db, ids)
    return [S.port(r, ips[r.id], groups[r.id],
                   wired=wired and not (r.network_id in blocked and (r.device_owner or "").startswith("compute:")),
                   binding=binding_of(r, bindings.get(r.id), svc.host, readable),
                   extra={"extra_dhcp_opts": options[r.id], "qos_policy_id": own.get(r.id),
                          "qos_network_policy_id": of_network.get(r.network_id),
                          **dns.port_attributes(names.get(r.id), ips[r.id])})
            for r in rows]


def is_floatingip_port(port: Port) -> bool:
    return port.device_owner == DEVICE_OWNER_FLOATINGIP
