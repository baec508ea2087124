"""Neutron's way of asking the policy table (network/policies.py): one rule per operation, checked against
the target resource, then one `<operation>:<attribute>` rule per restricted attribute the body gives.

The target is what the rules read of the resource: its `project_id`, a network's `shared` and
`router:external`, and for what lives on a network (subnets, ports) the network's owner as
`network:project_id`, the names Neutron's check strings use. A denial is Neutron's 403 PolicyNotAuthorized,
naming the rules that failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import Forbidden
from lab.cloud.network.common import external_for, is_granted, shared_with
from lab.cloud.network.models import AddressScope, Network, Port, QosPolicy, SecurityGroup, Subnet, SubnetPool

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService

Target = dict[str, Any]


def denied(*rules: str) -> Forbidden:
    checks = " and ".join(f"rule:{rule}" for rule in rules)
    return Forbidden(f"({checks}) is disallowed by policy", neutron_type="PolicyNotAuthorized")


def allows(svc: NetworkService, ctx: RequestContext, rule: str, target: Target | None = None) -> bool:
    values = dict(target or {})
    project_id = values.pop("project_id", None)
    return svc.cloud.policy.allows(ctx, rule, project_id, **values)


def authorize(svc: NetworkService, ctx: RequestContext, rule: str, target: Target | None = None,
              attributes: Iterable[str] = ()) -> None:
    """Raise PolicyNotAuthorized unless `rule` allows the operation on `target`, and `rule:<attribute>`
    allows each of the restricted `attributes` the request sets."""
    if not allows(svc, ctx, rule, target):
        raise denied(rule)
    for attribute in attributes:
        if not allows(svc, ctx, f"{rule}:{attribute}", target):
            raise denied(rule, f"{rule}:{attribute}")


def is_admin(svc: NetworkService, ctx: RequestContext) -> bool:
    """Neutron's `context.is_admin`: what the `context_is_admin` rule says of the caller."""
    return allows(svc, ctx, "context_is_admin")


def network_target(network: Network, db: Session | None = None, project_id: str | None = None) -> Target:
    """What the rules read of a network; with `db`, `shared` and `router:external` as they read for
    `project_id` (RBAC policies may share a network with one project, or make it external to it)."""
    shared = network.shared if db is None else shared_with(db, network, project_id)
    external = network.external if db is None else external_for(db, network, project_id)
    return {"project_id": network.project_id, "shared": shared, "router:external": external}


def on_network(project_id: str | None, network: Network, db: Session | None = None) -> Target:
    """The target of a subnet or port (given or about to be made) of `project_id` on `network`."""
    return {**network_target(network, db, project_id), "project_id": project_id,
            "network:project_id": network.project_id}


def target_of(db: Session, row: Any, ctx: RequestContext | None = None) -> Target:
    """What the `get_*`/`update_*`/`delete_*` rules read of an existing row (as the caller's project sees it)."""
    project_id = ctx.project_id if ctx is not None else None
    if isinstance(row, Network):
        return network_target(row, db, project_id)
    if isinstance(row, Subnet | Port):
        network = db.get(Network, row.network_id)
        if network is not None:
            return {**on_network(row.project_id, network, db), **(
                {"shared": shared_with(db, network, project_id)} if ctx is not None else {})}
    if isinstance(row, SubnetPool | AddressScope):
        return {"project_id": row.project_id, "shared": row.shared}
    if isinstance(row, QosPolicy):
        return {"project_id": row.project_id,
                "shared": row.shared or is_granted(db, "qos_policy", row.id, "access_as_shared", project_id)}
    if isinstance(row, SecurityGroup):
        return {"project_id": row.project_id,
                "shared": is_granted(db, "security_group", row.id, "access_as_shared", project_id)}
    return {"project_id": getattr(row, "project_id", None)}  # an agent has no project: the caller's is used
