"""RBAC policies (Neutron's rbac-policies): an object's owner grants `access_as_shared` on a network, a
security group or a QoS policy, or `access_as_external` on a network, to one project (or to every project
with the wildcard `*`, which only an admin may give). What they change is decided here and read by the
visibility clauses (network/common.py) and the create paths:

- a network shared with a project is listed and shown there, its subnets too, and that project may put ports
  (and servers) on it; `shared` reads True for that project;
- a network external to a project is listed there with `router:external` True, and that project may put its
  router gateways and floating IPs on it;
- a security group shared with a project is listed there and may be given to that project's ports;
- a QoS policy shared with a project is listed there and may be bound to its ports and networks (network/qos.py).

A policy is seen by its owner only (and admins), as in Neutron. Deleting a share that a target project still
uses (its ports on the network, or on the group) is Neutron's 409 RbacPolicyInUse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.network import quotas
from lab.cloud.network import schemas as S
from lab.cloud.network.access import authorize, is_admin
from lab.cloud.network.common import new_project, owned_by, required, touch
from lab.cloud.network.models import Network, Port, PortSecurityGroup, QosPolicy, RBACPolicy, SecurityGroup

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService

SHARED, EXTERNAL = "access_as_shared", "access_as_external"
VALID_ACTIONS = {"network": (SHARED, EXTERNAL), "security_group": (SHARED,), "qos_policy": (SHARED,)}
MODELS: dict[str, Any] = {"network": Network, "security_group": SecurityGroup, "qos_policy": QosPolicy}


def _object(svc: NetworkService, db: Session, ctx: RequestContext, object_type: str, object_id: str) -> Any:
    """The object a policy is about: it must exist and (unless admin) be the caller's own."""
    row = db.get(MODELS[object_type], object_id)
    if row is None:
        raise NotFound(f"Object {object_id} not found.", neutron_type="ObjectNotFound")
    if not is_admin(svc, ctx) and row.project_id != ctx.project_id:
        raise BadRequest("Invalid input for operation: Only admins can manipulate policies on objects they do "
                         "not own.", neutron_type="InvalidInput")
    return row


def get_policy(db: Session, ctx: RequestContext, policy_id: str) -> RBACPolicy:
    row = db.scalar(select(RBACPolicy).where(RBACPolicy.id == policy_id, owned_by(RBACPolicy, ctx)))
    if row is None:
        raise NotFound(f"RBAC policy of type rbac_policy with ID {policy_id} not found",
                       neutron_type="RbacPolicyNotFound")
    return row


def _target(policy: RBACPolicy) -> dict[str, Any]:
    return {"project_id": policy.project_id, "target_tenant": policy.target_project}


def _check_unique(db: Session, object_type: str, object_id: str, action: str, target: str,
                  other_than: str | None = None) -> None:
    taken = db.scalar(select(RBACPolicy.id).where(
        RBACPolicy.object_type == object_type, RBACPolicy.object_id == object_id, RBACPolicy.action == action,
        RBACPolicy.target_project == target, RBACPolicy.id != (other_than or "")))
    if taken is not None:
        raise Conflict("An RBAC policy already exists with those values.", neutron_type="DuplicateRbacPolicy")


def create_policy(svc: NetworkService, db: Session, ctx: RequestContext, attrs: dict[str, Any]) -> RBACPolicy:
    """Grant an action on an object. Raises InvalidActionForType (400), ObjectNotFound (404), InvalidInput for an
    object the caller does not own, PolicyNotAuthorized for a wildcard by a non-admin, DuplicateRbacPolicy."""
    S.require(attrs, "object_type", "object_id", "action", "target_tenant")
    object_type, action, target = attrs["object_type"], attrs["action"], attrs["target_tenant"]
    if action not in VALID_ACTIONS[object_type]:
        raise BadRequest(f"Invalid action '{action}' for object type '{object_type}'. Valid actions: "
                         f"{list(VALID_ACTIONS[object_type])}.", neutron_type="InvalidActionForType")
    wanted_project = new_project(ctx, attrs)
    authorize(svc, ctx, "create_rbac_policy", {"project_id": wanted_project, "target_tenant": target},
              ["target_tenant"])
    project_id = required(wanted_project)
    obj = _object(svc, db, ctx, object_type, attrs["object_id"])
    _check_unique(db, object_type, obj.id, action, target)
    quotas.check(svc, db, project_id, "rbac_policy")
    now = svc.now()
    row = RBACPolicy(project_id=project_id, object_type=object_type, object_id=obj.id, action=action,
                     target_project=target, created_at=now, updated_at=now)
    db.add(row)
    db.flush()
    if object_type == "network":
        svc.sync(db, "network", obj.id)
    return row


def update_policy(svc: NetworkService, db: Session, ctx: RequestContext, policy_id: str,
                  attrs: dict[str, Any]) -> RBACPolicy:
    """Change the target project (the only attribute a PUT may give), checked as a delete of the old target."""
    row = get_policy(db, ctx, policy_id)
    target = attrs.get("target_tenant", row.target_project)
    authorize(svc, ctx, "update_rbac_policy", {**_target(row), "target_tenant": target},
              ["target_tenant"] if target != row.target_project else [])
    if target != row.target_project:
        _check_in_use(db, row)
        _check_unique(db, row.object_type, row.object_id, row.action, target, row.id)
        row.target_project = target
        touch(row, svc.now())
    return row


def _users(db: Session, policy: RBACPolicy) -> list[str]:
    """The projects other than the owner that use the object through `policy`'s grant."""
    if policy.object_type == "network" and policy.action == SHARED:
        query = select(Port.project_id).where(Port.network_id == policy.object_id)
    elif policy.object_type == "security_group":
        query = select(Port.project_id).join(PortSecurityGroup, PortSecurityGroup.port_id == Port.id).where(
            PortSecurityGroup.security_group_id == policy.object_id)
    elif policy.object_type == "qos_policy":
        from lab.cloud.network.qos import users as qos_users

        return sorted(p for p in qos_users(db, policy.object_id) - {policy.project_id, ""}
                      if policy.target_project in ("*", p))
    else:
        return []
    users = set(db.scalars(query)) - {policy.project_id, ""}
    if policy.target_project != "*":
        users &= {policy.target_project}
    return sorted(users)


def _check_in_use(db: Session, policy: RBACPolicy) -> None:
    """RbacPolicyInUse while a project that only this policy lets in still uses the object."""
    others = db.scalars(select(RBACPolicy.target_project).where(
        RBACPolicy.object_type == policy.object_type, RBACPolicy.object_id == policy.object_id,
        RBACPolicy.action == policy.action, RBACPolicy.id != policy.id))
    covered = set(others)
    obj = db.get(MODELS[policy.object_type], policy.object_id)
    if "*" in covered or (isinstance(obj, Network | QosPolicy) and policy.action == SHARED and obj.shared):
        return
    if [p for p in _users(db, policy) if p not in covered]:
        raise Conflict(f"RBAC policy on object {policy.object_id} cannot be removed because other objects depend "
                       f"on it.", neutron_type="RbacPolicyInUse")


def delete_policy(svc: NetworkService, db: Session, ctx: RequestContext, policy_id: str) -> None:
    row = get_policy(db, ctx, policy_id)
    authorize(svc, ctx, "delete_rbac_policy", _target(row))
    _check_in_use(db, row)
    db.delete(row)
    if row.object_type == "network":
        svc.sync(db, "network", row.object_id)


def forget_object(db: Session, object_type: str, object_id: str) -> None:
    """The object is being deleted: its policies go with it (Neutron's cascade)."""
    db.execute(delete(RBACPolicy).where(RBACPolicy.object_type == object_type, RBACPolicy.object_id == object_id))


def render(rows: list[RBACPolicy]) -> list[dict[str, Any]]:
    return [S.rbac_policy(r) for r in rows]
