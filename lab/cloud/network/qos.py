"""Quality of Service (Neutron's qos extension): policies holding bandwidth-limit and DSCP-marking rules, and
the `qos_policy_id` a port or a network is bound to (a port without its own policy gets its network's, shown as
`qos_network_policy_id`). Minimum-bandwidth rules (egress) are kept too, as Neutron's API keeps them whatever
the driver; the rule types listed are those Neutron's Linux bridge driver supports.

As in Neutron, policies and their rules are the operator's to make (`create_policy` and the rule rules are
admin only); a project sees its own policies, shared ones, and those an RBAC policy of object type `qos_policy`
shares with it, and may bind any of those to its ports and networks. A policy still bound is Neutron's 409
QosPolicyInUse. The lab stores the rules; the logical driver does not shape traffic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, delete, or_, select, true
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import Conflict, NotFound
from lab.cloud.network import schemas as S
from lab.cloud.network.access import authorize
from lab.cloud.network.common import granted, is_granted, new_project, required, touch
from lab.cloud.network.models import Network, Port, QosBinding, QosPolicy, QosRule

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService

# rule collection in the URL -> (rule type, resource key of its body, its attributes with their defaults)
RULE_KINDS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "bandwidth_limit_rules": ("bandwidth_limit", "bandwidth_limit_rule",
                              {"max_kbps": None, "max_burst_kbps": 0, "direction": "egress"}),
    "dscp_marking_rules": ("dscp_marking", "dscp_marking_rule", {"dscp_mark": None}),
    "minimum_bandwidth_rules": ("minimum_bandwidth", "minimum_bandwidth_rule", {"min_kbps": None,
                                                                               "direction": "egress"}),
}
# What the Linux bridge driver reports for `GET /qos/rule-types/{type}` (qos-rule-type-details). A minimum
# bandwidth rule is accepted by the API, as Neutron's is, but no loaded driver supports it, so it is not listed.
DRIVER_PARAMETERS: dict[str, list[dict[str, Any]]] = {
    "bandwidth_limit": [
        {"parameter_name": "max_kbps", "parameter_type": "range", "parameter_values": {"start": 0,
                                                                                         "end": 2147483647}},
        {"parameter_name": "max_burst_kbps", "parameter_type": "range",
         "parameter_values": {"start": 0, "end": 2147483647}},
        {"parameter_name": "direction", "parameter_type": "choices", "parameter_values": ["ingress", "egress"]}],
    "dscp_marking": [{"parameter_name": "dscp_mark", "parameter_type": "choices",
                      "parameter_values": list(S.DSCP_MARKS)}],
}


def policy_not_found(policy_id: str) -> NotFound:
    return NotFound(f"QoS policy {policy_id} could not be found.", neutron_type="QosPolicyNotFound")


def policy_visible(ctx: RequestContext) -> ColumnElement[bool]:
    """Own and shared policies, and those an RBAC policy shares with the caller's project."""
    if ctx.is_admin:
        return true()
    return or_(QosPolicy.project_id == ctx.project_id, QosPolicy.shared.is_(True),
               QosPolicy.id.in_(granted("qos_policy", "access_as_shared", ctx.project_id)))


def get_policy(db: Session, ctx: RequestContext, policy_id: str) -> QosPolicy:
    row = db.scalar(select(QosPolicy).where(QosPolicy.id == policy_id, policy_visible(ctx)))
    if row is None:
        raise policy_not_found(policy_id)
    return row


def shared_for(db: Session, row: QosPolicy, project_id: str | None) -> bool:
    return row.shared or is_granted(db, "qos_policy", row.id, "access_as_shared", project_id)


def target(db: Session, row: QosPolicy, ctx: RequestContext | None = None) -> dict[str, Any]:
    return {"project_id": row.project_id,
            "shared": shared_for(db, row, ctx.project_id if ctx is not None else None)}


def _check_default(db: Session, project_id: str, other_than: str = "") -> None:
    """One default policy per project (qos-default): QoSPolicyDefaultAlreadyExists (409)."""
    if db.scalar(select(QosPolicy.id).where(QosPolicy.project_id == project_id, QosPolicy.is_default.is_(True),
                                            QosPolicy.id != other_than)) is not None:
        raise Conflict(f"A default QoS policy exists for project {project_id}.",
                       neutron_type="QoSPolicyDefaultAlreadyExists")


def default_for(db: Session, project_id: str) -> str | None:
    """The project's default policy: a network made without `qos_policy_id` gets it."""
    return db.scalar(select(QosPolicy.id).where(QosPolicy.project_id == project_id, QosPolicy.is_default.is_(True)))


def create_policy(svc: NetworkService, db: Session, ctx: RequestContext, attrs: dict[str, Any]) -> QosPolicy:
    wanted_project = new_project(ctx, attrs)
    authorize(svc, ctx, "create_policy", {"project_id": wanted_project})
    project_id = required(wanted_project)
    if attrs.get("is_default"):
        _check_default(db, project_id)
    now = svc.now()
    row = QosPolicy(project_id=project_id, name=attrs.get("name", ""),
                    description=attrs.get("description", ""), shared=attrs.get("shared", False),
                    is_default=attrs.get("is_default", False), tags=attrs.get("tags", []), created_at=now,
                    updated_at=now)
    db.add(row)
    db.flush()
    return row


def update_policy(svc: NetworkService, db: Session, ctx: RequestContext, policy_id: str,
                  attrs: dict[str, Any]) -> QosPolicy:
    row = get_policy(db, ctx, policy_id)
    authorize(svc, ctx, "update_policy", target(db, row))
    if attrs.get("is_default") and not row.is_default:
        _check_default(db, row.project_id, row.id)
    for key in ("name", "description", "shared", "is_default"):
        if key in attrs:
            setattr(row, key, attrs[key])
    touch(row, svc.now())
    return row


def _in_use(db: Session, policy_id: str) -> QosBinding | None:
    return db.scalar(select(QosBinding).where(QosBinding.policy_id == policy_id).limit(1))


def delete_policy(svc: NetworkService, db: Session, ctx: RequestContext, policy_id: str) -> None:
    """Delete a policy with its rules and RBAC policies. Raises QosPolicyInUse (409) while bound."""
    from lab.cloud.network.rbac import forget_object

    row = get_policy(db, ctx, policy_id)
    authorize(svc, ctx, "delete_policy", target(db, row))
    binding = _in_use(db, row.id)
    if binding is not None:
        raise Conflict(f"QoS Policy {row.id} is used by {binding.object_type} {binding.object_id}.",
                       neutron_type="QosPolicyInUse")
    db.execute(delete(QosRule).where(QosRule.qos_policy_id == row.id))
    forget_object(db, "qos_policy", row.id)
    db.delete(row)


def purge(db: Session, policy_id: str) -> None:
    """A student reset: the policy goes even if another project's port still uses it (that port loses it)."""
    from lab.cloud.network.rbac import forget_object

    db.execute(delete(QosBinding).where(QosBinding.policy_id == policy_id))
    db.execute(delete(QosRule).where(QosRule.qos_policy_id == policy_id))
    forget_object(db, "qos_policy", policy_id)
    db.execute(delete(QosPolicy).where(QosPolicy.id == policy_id))


def render_rule(rule: QosRule, *, in_policy: bool = False) -> dict[str, Any]:
    """A rule as its own resource shows it; inside a policy's `rules` it also names its type and policy."""
    kind = next(k for k in RULE_KINDS.values() if k[0] == rule.type)
    body = {"id": rule.id, **{name: getattr(rule, name) for name in kind[2]}}
    if in_policy:
        body.update(qos_policy_id=rule.qos_policy_id, type=rule.type)
    return body


def render(db: Session, ctx: RequestContext, rows: list[QosPolicy]) -> list[dict[str, Any]]:
    ids = [r.id for r in rows]
    rules: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    for rule in db.scalars(select(QosRule).where(QosRule.qos_policy_id.in_(ids)).order_by(QosRule.type,
                                                                                          QosRule.id)):
        rules[rule.qos_policy_id].append(render_rule(rule, in_policy=True))
    return [S.qos_policy(r, rules[r.id], shared=shared_for(db, r, ctx.project_id)) for r in rows]


# ------------------------------------------------------------------------------------------------ rules
def rule_kind(collection: str) -> tuple[str, str, dict[str, Any]]:
    if collection not in RULE_KINDS:
        raise NotFound("The resource could not be found.", neutron_type="HTTPNotFound")
    return RULE_KINDS[collection]


def get_rule(db: Session, ctx: RequestContext, policy_id: str, collection: str, rule_id: str) -> QosRule:
    rule_type = rule_kind(collection)[0]
    get_policy(db, ctx, policy_id)
    rule = db.scalar(select(QosRule).where(QosRule.id == rule_id, QosRule.qos_policy_id == policy_id,
                                           QosRule.type == rule_type))
    if rule is None:
        raise NotFound(f"QoS rule {rule_id} for policy {policy_id} could not be found.",
                       neutron_type="QosRuleNotFound")
    return rule


def list_rules(svc: NetworkService, db: Session, ctx: RequestContext, policy_id: str,
               collection: str) -> list[dict[str, Any]]:
    rule_type, key, _attrs = rule_kind(collection)
    policy = get_policy(db, ctx, policy_id)
    authorize(svc, ctx, f"get_policy_{key}", target(db, policy, ctx))
    return [render_rule(r) for r in db.scalars(select(QosRule).where(
        QosRule.qos_policy_id == policy.id, QosRule.type == rule_type).order_by(QosRule.id))]


def _check_conflict(db: Session, rule: QosRule) -> None:
    """One bandwidth limit (and one minimum) per direction, one DSCP mark per policy (QoSRulesConflict)."""
    query = select(QosRule.id).where(QosRule.qos_policy_id == rule.qos_policy_id, QosRule.type == rule.type,
                                     QosRule.id != (rule.id or ""))
    if rule.type in ("bandwidth_limit", "minimum_bandwidth"):
        query = query.where(QosRule.direction == rule.direction)
    other = db.scalar(query)
    if other is not None:
        raise Conflict(f"Rule {rule.type} conflicts with rule {other} which already exists in QoS Policy "
                       f"{rule.qos_policy_id}.", neutron_type="QoSRulesConflict")


def create_rule(svc: NetworkService, db: Session, ctx: RequestContext, policy_id: str, collection: str,
                body: dict[str, Any]) -> QosRule:
    rule_type, key, defaults = rule_kind(collection)
    attrs = S.parse(key, body)
    policy = get_policy(db, ctx, policy_id)
    authorize(svc, ctx, f"create_policy_{key}", target(db, policy))
    S.require(attrs, *(name for name, default in defaults.items() if default is None))
    rule = QosRule(qos_policy_id=policy.id, type=rule_type, **{n: attrs.get(n, d) for n, d in defaults.items()})
    _check_conflict(db, rule)
    db.add(rule)
    touch(policy, svc.now())
    db.flush()
    return rule


def update_rule(svc: NetworkService, db: Session, ctx: RequestContext, policy_id: str, collection: str,
                rule_id: str, body: dict[str, Any]) -> QosRule:
    _rule_type, key, _defaults = rule_kind(collection)
    attrs = S.parse(key, body, update=True)
    rule = get_rule(db, ctx, policy_id, collection, rule_id)
    policy = get_policy(db, ctx, policy_id)
    authorize(svc, ctx, f"update_policy_{key}", target(db, policy))
    for name, value in attrs.items():
        setattr(rule, name, value)
    _check_conflict(db, rule)
    touch(policy, svc.now())
    return rule


def delete_rule(svc: NetworkService, db: Session, ctx: RequestContext, policy_id: str, collection: str,
                rule_id: str) -> None:
    _rule_type, key, _defaults = rule_kind(collection)
    rule = get_rule(db, ctx, policy_id, collection, rule_id)
    policy = get_policy(db, ctx, policy_id)
    authorize(svc, ctx, f"delete_policy_{key}", target(db, policy))
    db.delete(rule)
    touch(policy, svc.now())


def rule_types(svc: NetworkService, ctx: RequestContext) -> list[dict[str, str]]:
    authorize(svc, ctx, "get_rule_type")
    return [{"type": rule_type} for rule_type in DRIVER_PARAMETERS]


def rule_type(svc: NetworkService, ctx: RequestContext, name: str) -> dict[str, Any]:
    authorize(svc, ctx, "get_rule_type")
    if name not in DRIVER_PARAMETERS:
        raise NotFound(f"Rule type {name} could not be found.", neutron_type="HTTPNotFound")
    return {"type": name, "drivers": [{"name": "linuxbridge", "supported_parameters": DRIVER_PARAMETERS[name]}]}


# ------------------------------------------------------------------------------------------------ bindings
def bind(db: Session, ctx: RequestContext, object_type: str, object_id: str, attrs: dict[str, Any]) -> None:
    """Store the `qos_policy_id` a port or network create or update gives (None unbinds). Raises
    QosPolicyNotFound (404) for a policy the caller cannot see."""
    if "qos_policy_id" not in attrs:
        return
    db.execute(delete(QosBinding).where(QosBinding.object_type == object_type, QosBinding.object_id == object_id))
    if attrs["qos_policy_id"] is not None:
        policy = get_policy(db, ctx, attrs["qos_policy_id"])
        db.add(QosBinding(object_type=object_type, object_id=object_id, policy_id=policy.id))
    db.flush()


def unbind(db: Session, object_type: str, object_id: str) -> None:
    """The port or network is being deleted: its binding goes with it."""
    db.execute(delete(QosBinding).where(QosBinding.object_type == object_type, QosBinding.object_id == object_id))


def bound(db: Session, object_type: str, ids: list[str]) -> dict[str, str]:
    """object id -> the policy bound to it, for the ids that have one."""
    return dict(db.execute(select(QosBinding.object_id, QosBinding.policy_id).where(
        QosBinding.object_type == object_type, QosBinding.object_id.in_(ids))).all())


def users(db: Session, policy_id: str) -> set[str]:
    """The projects whose ports or networks are bound to the policy (an RBAC share in use)."""
    ports = select(Port.project_id).join(QosBinding, QosBinding.object_id == Port.id).where(
        QosBinding.object_type == "port", QosBinding.policy_id == policy_id)
    networks = select(Network.project_id).join(QosBinding, QosBinding.object_id == Network.id).where(
        QosBinding.object_type == "network", QosBinding.policy_id == policy_id)
    return set(db.scalars(ports)) | set(db.scalars(networks))
