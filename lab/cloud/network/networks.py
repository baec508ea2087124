"""Networks: create (with a segment from the configured ranges, or provider attributes for admins), update,
delete (refused with NetworkInUse while ports remain; subnets and DHCP ports go with it), and rendering.

Segment ids are allocated like Neutron's ML2 type drivers: the lowest free id of the configured range, inside
the create's write transaction, with a unique (type, physical network, id) constraint behind it. The VLAN range
is a lesson: 802.1Q has 12 bits for the id, so a physical network carries at most 4094 VLANs, and when the range
is used up Neutron answers 503 "No tenant network is available for allocation" (VXLAN has 24 bits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import Conflict
from lab.cloud.network import dns, floatingips, qos, quotas, subnetpools
from lab.cloud.network import schemas as S
from lab.cloud.network.access import allows, authorize, network_target
from lab.cloud.network.common import (
    DEVICE_OWNER_DHCP,
    ServiceUnavailable,
    external_for,
    get_network,
    invalid_input,
    new_project,
    required,
    shared_with,
    touch,
)
from lab.cloud.network.models import FloatingIP, IPAllocation, Network, NetworkSegment, Port, Subnet
from lab.cloud.network.rbac import forget_object

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService

PROVIDER_KEYS = ("provider:network_type", "provider:physical_network", "provider:segmentation_id")
DEFAULT_MTU = {"vxlan": 1450, "vlan": 1500, "flat": 1500}


def vlan_range(svc: NetworkService) -> tuple[str, int, int]:
    physnet, first, last = svc.cloud.settings.network_vlan_range.split(":")
    return physnet, int(first), int(last)


def vxlan_range(svc: NetworkService) -> tuple[int, int]:
    first, last = svc.cloud.settings.network_vxlan_range.split(":")
    return int(first), int(last)


def _lowest_free(db: Session, network_type: str, physnet: str, first: int, last: int) -> int:
    used = set(db.scalars(select(NetworkSegment.segmentation_id).where(
        NetworkSegment.network_type == network_type, NetworkSegment.physical_network == physnet,
        NetworkSegment.segmentation_id >= first, NetworkSegment.segmentation_id <= last)))
    for candidate in range(first, min(last, first + len(used)) + 1):
        if candidate not in used:
            return candidate
    raise ServiceUnavailable("Unable to create the network. No tenant network is available for allocation.",
                             neutron_type="NoNetworkAvailable")


def allocate_segment(svc: NetworkService, db: Session, network_id: str, provider: dict[str, Any]) -> NetworkSegment:
    """The network's segment: the one asked for (admins) or the next free one of the tenant type."""
    network_type = provider.get("provider:network_type") or svc.cloud.settings.network_tenant_type
    physnet = provider.get("provider:physical_network")
    seg_id = provider.get("provider:segmentation_id")
    if network_type == "flat":
        if not physnet:
            raise invalid_input("physical_network required for flat provider network")
        if seg_id is not None:
            raise invalid_input("segmentation_id specified for flat provider network")
        segment = NetworkSegment(network_id=network_id, network_type="flat", physical_network=physnet,
                                 segmentation_id=0)
        in_use = Conflict(f"Unable to create the flat network. Physical network {physnet} is in use.",
                          neutron_type="FlatNetworkInUse")
    elif network_type == "vlan":
        default_physnet, first, last = vlan_range(svc)
        physnet = physnet or default_physnet
        if seg_id is None:
            if physnet != default_physnet:
                raise ServiceUnavailable("Unable to create the network. No tenant network is available for "
                                         "allocation.", neutron_type="NoNetworkAvailable")
            seg_id = _lowest_free(db, "vlan", physnet, first, last)
        elif not 1 <= seg_id <= 4094:
            raise invalid_input("provider:segmentation_id out of range (1 through 4094)")
        segment = NetworkSegment(network_id=network_id, network_type="vlan", physical_network=physnet,
                                 segmentation_id=seg_id)
        in_use = Conflict(f"Unable to create the network. The VLAN {seg_id} on physical network {physnet} is in "
                          f"use.", neutron_type="VlanIdInUse")
    elif network_type == "vxlan":
        if physnet:
            raise invalid_input("provider:physical_network specified for vxlan network")
        if seg_id is None:
            first, last = vxlan_range(svc)
            seg_id = _lowest_free(db, "vxlan", "", first, last)
        elif not 1 <= seg_id <= 2**24 - 1:
            raise invalid_input(f"provider:segmentation_id out of range (1 through {2**24 - 1})")
        segment = NetworkSegment(network_id=network_id, network_type="vxlan", physical_network="",
                                 segmentation_id=seg_id)
        in_use = Conflict(f"Unable to create the network. The tunnel ID {seg_id} is in use.",
                          neutron_type="TunnelIdInUse")
    else:
        raise invalid_input(f"network_type value '{network_type}' not supported")
    taken = db.scalar(select(NetworkSegment.id).where(
        NetworkSegment.network_type == segment.network_type,
        NetworkSegment.physical_network == segment.physical_network,
        NetworkSegment.segmentation_id == segment.segmentation_id))
    if taken is not None:
        raise in_use
    db.add(segment)
    try:
        db.flush()
    except IntegrityError:
        raise in_use from None
    return segment


def create_network(svc: NetworkService, db: Session, ctx: RequestContext, attrs: dict[str, Any]) -> Network:
    wanted_project = new_project(ctx, attrs)
    provider = {k: attrs.pop(k) for k in PROVIDER_KEYS if k in attrs}
    restricted = [*provider, *(flag for flag in ("shared", "router:external") if attrs.get(flag))]
    authorize(svc, ctx, "create_network", {"project_id": wanted_project}, restricted)
    project_id = required(wanted_project)
    quotas.check(svc, db, project_id, "network")
    now = svc.now()
    row = Network(project_id=project_id, name=attrs.get("name", ""), description=attrs.get("description", ""),
                  admin_state_up=attrs.get("admin_state_up", True), shared=attrs.get("shared", False),
                  external=attrs.get("router:external", False),
                  port_security_enabled=attrs.get("port_security_enabled", True), tags=attrs.get("tags", []),
                  created_at=now, updated_at=now)
    db.add(row)
    db.flush()
    segment = allocate_segment(svc, db, row.id, provider)
    largest = DEFAULT_MTU[segment.network_type]
    mtu = attrs.get("mtu", largest)
    if mtu > largest:
        raise invalid_input(f"Requested MTU is too big, maximum is {largest}")
    row.mtu = mtu
    if "qos_policy_id" not in attrs and (default := qos.default_for(db, project_id)) is not None:
        attrs["qos_policy_id"] = default  # qos-default: the project's default policy
    qos.bind(db, ctx, "network", row.id, attrs)
    dns.store(db, "network", row.id, attrs)
    svc.sync(db, "network", row.id)
    return row


def update_network(svc: NetworkService, db: Session, ctx: RequestContext, net_id: str,
                   attrs: dict[str, Any]) -> Network:
    row = get_network(db, ctx, net_id)
    changed = [flag for flag in ("shared", "router:external", "is_default")
               if flag in attrs and attrs[flag] != getattr(row, {"router:external": "external"}.get(flag, flag), False)]
    authorize(svc, ctx, "update_network", network_target(row), changed)
    if attrs.get("shared") is False and row.shared:
        others = db.scalar(select(Port.id).where(Port.network_id == row.id, Port.project_id != row.project_id,
                                                 Port.project_id != ""))
        if others is not None:
            raise Conflict(f"Unable to reconfigure sharing settings for network {row.id}. Multiple tenants are "
                           f"using it.", neutron_type="InvalidSharedSetting")
    for key in ("name", "description", "admin_state_up", "shared", "port_security_enabled", "mtu"):
        if key in attrs:
            setattr(row, key, attrs[key])
    if "router:external" in attrs:
        row.external = attrs["router:external"]
    qos.bind(db, ctx, "network", row.id, attrs)
    dns.store(db, "network", row.id, attrs)
    touch(row, svc.now())
    svc.sync(db, "network", row.id)
    return row


def delete_network(svc: NetworkService, db: Session, ctx: RequestContext, net_id: str) -> None:
    """Delete a network with its subnets, DHCP ports, RBAC policies and unassociated floating IPs (an external
    network may go while it still holds some, as in Neutron). Raises NetworkInUse (409) while other ports
    remain."""
    row = get_network(db, ctx, net_id)
    authorize(svc, ctx, "delete_network", network_target(row))
    for fip in list(db.scalars(select(FloatingIP).where(FloatingIP.floating_network_id == net_id,
                                                        FloatingIP.port_id.is_(None)))):
        floatingips.release(svc, db, ctx, fip)
    busy = db.scalar(select(Port.id).where(Port.network_id == net_id, Port.device_owner != DEVICE_OWNER_DHCP))
    if busy is not None:
        raise Conflict(f"Unable to complete operation on network {net_id}. There are one or more ports still in "
                       f"use on the network.", neutron_type="NetworkInUse")
    dhcp_ports = select(Port.id).where(Port.network_id == net_id)
    db.execute(delete(IPAllocation).where(IPAllocation.port_id.in_(dhcp_ports)))
    db.execute(delete(Port).where(Port.network_id == net_id))
    db.execute(delete(Subnet).where(Subnet.network_id == net_id))
    db.execute(delete(NetworkSegment).where(NetworkSegment.network_id == net_id))
    forget_object(db, "network", net_id)
    qos.unbind(db, "network", net_id)
    dns.forget(db, "network", net_id)
    db.delete(row)
    svc.sync(db, "network", net_id)


def render(svc: NetworkService, db: Session, ctx: RequestContext, rows: list[Network]) -> list[dict[str, Any]]:
    ids = [r.id for r in rows]
    segments = {s.network_id: s for s in db.scalars(select(NetworkSegment).where(NetworkSegment.network_id.in_(ids)))}
    subnets: dict[str, list[str]] = {i: [] for i in ids}
    for sid, nid in db.execute(select(Subnet.id, Subnet.network_id).where(Subnet.network_id.in_(ids))
                               .order_by(Subnet.created_at, Subnet.id)):
        subnets[nid].append(sid)
    provider = tuple(key for key in PROVIDER_KEYS if allows(svc, ctx, f"get_network:{key}"))
    policies, domains = qos.bound(db, "network", ids), dns.of(db, "network", ids)
    return [S.network(r, segments.get(r.id), subnets[r.id], provider=provider,
                      shared=shared_with(db, r, ctx.project_id), external=external_for(db, r, ctx.project_id),
                      scopes=subnetpools.network_scopes(db, subnets[r.id]),
                      extra={"qos_policy_id": policies.get(r.id),
                             "dns_domain": domains[r.id].dns_domain if r.id in domains else ""})
            for r in rows]
