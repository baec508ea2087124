"""What every networking module shares: Neutron's named errors, visibility rules (who sees which row), lookups
that answer 404 the way Neutron does, and the small helpers for timestamps and revision numbers.

Visibility, as Neutron's default policy has it: a project sees its own resources; networks that are `shared`
or `router:external` are seen by everyone (but the subnets of an external network only when it is shared),
and those an RBAC policy shares with a project or makes external to it are seen there (network/rbac.py);
an admin sees everything. These are query filters (which rows a list or lookup finds, as Neutron's database
layer filters by project); what a caller may DO with a row it sees is decided by the named policy rules
(network/policies.py, checked through network/access.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.db import keep, remembered
from lab.cloud.errors import BadRequest, CloudError, Conflict, NotFound
from lab.cloud.network.models import (
    FloatingIP,
    Network,
    Port,
    RBACPolicy,
    Router,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)
from lab.cloud.validation import NEUTRON

DEVICE_OWNER_DHCP = "network:dhcp"
DEVICE_OWNER_ROUTER_INTF = "network:router_interface"
DEVICE_OWNER_ROUTER_GW = "network:router_gateway"
DEVICE_OWNER_FLOATINGIP = "network:floatingip"
DEVICE_OWNER_COMPUTE = "compute:nova"
# Ports Neutron makes and deletes itself; the port API refuses to delete them.
SERVICE_OWNERS = (DEVICE_OWNER_ROUTER_INTF, DEVICE_OWNER_ROUTER_GW, DEVICE_OWNER_FLOATINGIP)


class ServiceUnavailable(CloudError):
    """Neutron's 503 (ResourceExhausted), e.g. no tenant segment left to allocate."""

    code, title = 503, "Service Unavailable"


def invalid_input(message: str) -> BadRequest:
    return BadRequest(f"Invalid input for operation: {message}.", neutron_type="InvalidInput")


def bad_attribute(attr: str, reason: str) -> BadRequest:
    """The API layer's attribute validation error (webob's HTTPBadRequest in Neutron)."""
    return NEUTRON.bad(attr, None, reason)


def bad_request(resource: str, message: str) -> BadRequest:
    return BadRequest(f"Bad {resource} request: {message}.", neutron_type="BadRequest")


def network_not_found(net_id: str) -> NotFound:
    return NotFound(f"Network {net_id} could not be found.", neutron_type="NetworkNotFound")


def subnet_not_found(subnet_id: str) -> NotFound:
    return NotFound(f"Subnet {subnet_id} could not be found.", neutron_type="SubnetNotFound")


def port_not_found(port_id: str) -> NotFound:
    return NotFound(f"Port {port_id} could not be found.", neutron_type="PortNotFound")


def router_not_found(router_id: str) -> NotFound:
    return NotFound(f"Router {router_id} could not be found", neutron_type="RouterNotFound")


def floatingip_not_found(fip_id: str) -> NotFound:
    return NotFound(f"Floating IP {fip_id} could not be found", neutron_type="FloatingIPNotFound")


def security_group_not_found(sg_id: str) -> NotFound:
    return NotFound(f"Security group {sg_id} does not exist", neutron_type="SecurityGroupNotFound")


def ip_in_use(net_id: str, address: str) -> Conflict:
    return Conflict(f"Unable to complete operation for network {net_id}. The IP address {address} is in use.",
                    neutron_type="IpAddressInUse")


def already_allocated(subnet_id: str, address: str) -> Conflict:
    """Neutron's IPAM answer for a requested fixed IP that another port holds (Zed, recorded)."""
    return Conflict(f"IP address {address} already allocated in subnet {subnet_id}",
                    neutron_type="IpAddressAlreadyAllocated")


def no_more_ips(net_id: str) -> Conflict:
    return Conflict(f"No more IP addresses available on network {net_id}.",
                    neutron_type="IpAddressGenerationFailure")


def granted(object_type: str, action: str, project_id: str | None) -> Select[Any]:
    """The ids of the objects of `object_type` that an RBAC policy grants `action` on to `project_id` (or to
    every project with `*`): network/rbac.py."""
    targets = ["*"] if project_id is None else ["*", project_id]
    return select(RBACPolicy.object_id).where(RBACPolicy.object_type == object_type, RBACPolicy.action == action,
                                              RBACPolicy.target_project.in_(targets))


def is_granted(db: Session, object_type: str, object_id: str, action: str, project_id: str | None) -> bool:
    """Whether an RBAC policy grants `action` on the object to `project_id` (asked once per transaction: a
    create's policy target and its answer ask the same questions)."""
    return bool(remembered(db, "rbac", (object_type, object_id, action, project_id), lambda: db.scalar(
        granted(object_type, action, project_id).where(RBACPolicy.object_id == object_id)) is not None,
        depends_on=(RBACPolicy,)))


def shared_with(db: Session, network: Network, project_id: str | None) -> bool:
    """Whether `network` reads `shared` for `project_id`: shared with all, or by a policy with that project."""
    return network.shared or is_granted(db, "network", network.id, "access_as_shared", project_id)


def external_for(db: Session, network: Network, project_id: str | None) -> bool:
    """Whether `network` is an external network for `project_id`: external to all, or by a policy with that
    project; its owner sees it external once it has any access_as_external policy."""
    if network.external:
        return True
    if network.project_id == project_id:
        anyone = select(RBACPolicy.id).where(RBACPolicy.object_type == "network", RBACPolicy.object_id == network.id,
                                             RBACPolicy.action == "access_as_external")
        key = ("network", network.id, "access_as_external", "any project")
        return bool(remembered(db, "rbac", key, lambda: db.scalar(anyone) is not None, depends_on=(RBACPolicy,)))
    return is_granted(db, "network", network.id, "access_as_external", project_id)


def network_visible(ctx: RequestContext) -> ColumnElement[bool]:
    """Own, shared or external networks, and those an RBAC policy shares with or makes external to the
    caller's project."""
    if ctx.is_admin:
        return true()
    return or_(Network.project_id == ctx.project_id, Network.shared.is_(True), Network.external.is_(True),
               Network.id.in_(granted("network", "access_as_shared", ctx.project_id)),
               Network.id.in_(granted("network", "access_as_external", ctx.project_id)))


def subnet_visible(ctx: RequestContext) -> ColumnElement[bool]:
    """Subnets of shared networks (by `shared` or by an RBAC policy) are seen by the projects they are shared
    with; those of a merely external network only by its owner."""
    if ctx.is_admin:
        return true()
    shared = select(Network.id).where(Network.shared.is_(True))
    return or_(Subnet.project_id == ctx.project_id, Subnet.network_id.in_(shared),
               Subnet.network_id.in_(granted("network", "access_as_shared", ctx.project_id)))


def security_group_visible(ctx: RequestContext) -> ColumnElement[bool]:
    """Own groups and those an RBAC policy shares with the caller's project."""
    if ctx.is_admin:
        return true()
    return or_(SecurityGroup.project_id == ctx.project_id,
               SecurityGroup.id.in_(granted("security_group", "access_as_shared", ctx.project_id)))


def port_visible(ctx: RequestContext) -> ColumnElement[bool]:
    """A project sees its ports, and the ports on networks it owns (Neutron's network-owner rule)."""
    if ctx.is_admin:
        return true()
    own_networks = select(Network.id).where(Network.project_id == ctx.project_id)
    return or_(Port.project_id == ctx.project_id, Port.network_id.in_(own_networks))


def owned_by(model: Any, ctx: RequestContext) -> ColumnElement[bool]:
    if ctx.is_admin:
        return true()
    clause: ColumnElement[bool] = model.project_id == ctx.project_id
    return clause


def get_network(db: Session, ctx: RequestContext, net_id: str) -> Network:
    """The network if `ctx` may see it; NetworkNotFound (404) otherwise, as if it did not exist."""
    row = db.scalar(select(Network).where(Network.id == net_id, network_visible(ctx)))
    if row is None:
        raise network_not_found(net_id)
    return keep(db, row)  # what lives on it asks for it again (policy targets, rendering)


def get_subnet(db: Session, ctx: RequestContext, subnet_id: str) -> Subnet:
    row = db.scalar(select(Subnet).where(Subnet.id == subnet_id, subnet_visible(ctx)))
    if row is None:
        raise subnet_not_found(subnet_id)
    return row


def get_port(db: Session, ctx: RequestContext, port_id: str) -> Port:
    row = db.scalar(select(Port).where(Port.id == port_id, port_visible(ctx)))
    if row is None:
        raise port_not_found(port_id)
    return row


def get_router(db: Session, ctx: RequestContext, router_id: str) -> Router:
    row = db.scalar(select(Router).where(Router.id == router_id, owned_by(Router, ctx)))
    if row is None:
        raise router_not_found(router_id)
    return row


def get_floatingip(db: Session, ctx: RequestContext, fip_id: str) -> FloatingIP:
    row = db.scalar(select(FloatingIP).where(FloatingIP.id == fip_id, owned_by(FloatingIP, ctx)))
    if row is None:
        raise floatingip_not_found(fip_id)
    return row


def get_security_group(db: Session, ctx: RequestContext, sg_id: str) -> SecurityGroup:
    row = db.scalar(select(SecurityGroup).where(SecurityGroup.id == sg_id, security_group_visible(ctx)))
    if row is None:
        raise security_group_not_found(sg_id)
    return row


def get_security_group_rule(db: Session, ctx: RequestContext, rule_id: str) -> SecurityGroupRule:
    row = db.scalar(select(SecurityGroupRule).where(SecurityGroupRule.id == rule_id,
                                                    owned_by(SecurityGroupRule, ctx)))
    if row is None:
        raise NotFound(f"Security group rule {rule_id} does not exist", neutron_type="SecurityGroupRuleNotFound")
    return row


def new_project(ctx: RequestContext, attrs: dict[str, Any]) -> str | None:
    """The project a new resource is for: the one the body names (`project_id` or `tenant_id`), else the
    caller's. Whether the caller may make it there is the create rule's to say (network/access.py)."""
    wanted = attrs.pop("project_id", None) or attrs.pop("tenant_id", None)
    attrs.pop("tenant_id", None)
    return str(wanted) if wanted else ctx.project_id


def required(project_id: str | None) -> str:
    if project_id is None:
        raise BadRequest("A project is required to create a resource.", neutron_type="HTTPBadRequest")
    return project_id


def touch(row: Any, now: Any) -> None:
    """Mark a changed row: Neutron bumps `revision_number` and `updated_at` on every update."""
    row.updated_at = now
    row.revision_number = (row.revision_number or 0) + 1
