"""Security groups and rules: the `default` group every project gets on first use (with Neutron's default
rules: all egress, ingress only from members of the same group), new groups with the two egress rules,
rule validation (protocols, port ranges, remote prefix or remote group), and the in-use checks."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict
from lab.cloud.network import quotas
from lab.cloud.network import schemas as S
from lab.cloud.network.access import authorize, is_admin
from lab.cloud.network.common import (
    get_security_group,
    get_security_group_rule,
    new_project,
    required,
    security_group_not_found,
    touch,
)
from lab.cloud.network.models import (
    DefaultSecurityGroup,
    PortSecurityGroup,
    RBACPolicy,
    SecurityGroup,
    SecurityGroupRule,
)

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService

PROTOCOLS = {"ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "icmp": 1, "icmpv6": 58, "igmp": 2,
             "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58, "ipv6-nonxt": 59, "ipv6-opts": 60,
             "ipv6-route": 43, "ospf": 89, "pgm": 113, "rsvp": 46, "sctp": 132, "tcp": 6, "udp": 17,
             "udplite": 136, "vrrp": 112, "any": 0}
PORTED = {"tcp", "udp", "sctp", "dccp", "udplite", "6", "17", "132", "33", "136"}
ICMP = {"icmp", "icmpv6", "ipv6-icmp", "1", "58"}


def _new_group(svc: NetworkService, db: Session, project_id: str, name: str, description: str,
               stateful: bool = True) -> SecurityGroup:
    now = svc.now()
    group = SecurityGroup(project_id=project_id, name=name, description=description, stateful=stateful,
                          created_at=now, updated_at=now)
    db.add(group)
    db.flush()
    for ethertype in ("IPv4", "IPv6"):
        db.add(_rule(project_id, group.id, now, direction="egress", ethertype=ethertype))
    return group


def _rule(project_id: str, group_id: str, now: Any, **attrs: Any) -> SecurityGroupRule:
    return SecurityGroupRule(project_id=project_id, security_group_id=group_id, created_at=now, updated_at=now,
                             description=attrs.pop("description", ""), **attrs)


def ensure_default(svc: NetworkService, db: Session, project_id: str) -> SecurityGroup:
    """The project's `default` group, made on first use with Neutron's four default rules."""
    found = db.get(DefaultSecurityGroup, project_id)
    if found is not None:
        group = db.get(SecurityGroup, found.security_group_id)
        if group is not None:
            return group
    group = _new_group(svc, db, project_id, "default", "Default security group")
    for ethertype in ("IPv4", "IPv6"):
        db.add(_rule(project_id, group.id, svc.now(), direction="ingress", ethertype=ethertype,
                     remote_group_id=group.id))
    db.add(DefaultSecurityGroup(project_id=project_id, security_group_id=group.id))
    db.flush()
    return group


def has_default(db: Session, project_id: str) -> bool:
    return db.get(DefaultSecurityGroup, project_id) is not None


def create_group(svc: NetworkService, db: Session, ctx: RequestContext, attrs: dict[str, Any]) -> SecurityGroup:
    wanted_project = new_project(ctx, attrs)
    authorize(svc, ctx, "create_security_group", {"project_id": wanted_project})
    project_id = required(wanted_project)
    ensure_default(svc, db, project_id)
    if attrs.get("name") == "default":
        raise Conflict("Default security group already exists.", neutron_type="SecurityGroupDefaultAlreadyExists")
    quotas.check(svc, db, project_id, "security_group")
    group = _new_group(svc, db, project_id, attrs.get("name", ""), attrs.get("description", ""),
                       attrs.get("stateful", True))
    group.tags = attrs.get("tags", [])
    return group


def update_group(svc: NetworkService, db: Session, ctx: RequestContext, sg_id: str,
                 attrs: dict[str, Any]) -> SecurityGroup:
    group = get_security_group(db, ctx, sg_id)
    authorize(svc, ctx, "update_security_group", {"project_id": group.project_id})
    if group.name == "default" and is_default(db, group) and attrs.get("name", "default") != "default":
        raise Conflict("Updating default security group not allowed.", neutron_type="SecurityGroupCannotUpdateDefault")
    if attrs.get("name") == "default" and group.name != "default":
        raise Conflict("Default security group already exists.", neutron_type="SecurityGroupDefaultAlreadyExists")
    for key in ("name", "description", "stateful"):
        if key in attrs:
            setattr(group, key, attrs[key])
    touch(group, svc.now())
    return group


def is_default(db: Session, group: SecurityGroup) -> bool:
    found = db.get(DefaultSecurityGroup, group.project_id)
    return found is not None and found.security_group_id == group.id


def delete_group(svc: NetworkService, db: Session, ctx: RequestContext, sg_id: str) -> None:
    """Delete a group and its rules. Raises SecurityGroupInUse (409) while a port uses it, and
    SecurityGroupCannotRemoveDefault (409) for a project's default group (unless admin)."""
    group = get_security_group(db, ctx, sg_id)
    authorize(svc, ctx, "delete_security_group", {"project_id": group.project_id})
    default = is_default(db, group)
    if default and not is_admin(svc, ctx):
        raise Conflict("Insufficient rights for removing default security group.",
                       neutron_type="SecurityGroupCannotRemoveDefault")
    if db.scalar(select(PortSecurityGroup.port_id).where(PortSecurityGroup.security_group_id == sg_id)):
        raise Conflict(f"Security Group {sg_id} in use.", neutron_type="SecurityGroupInUse")
    # its rules, and other groups' rules naming it as their remote group (Neutron's ON DELETE CASCADE)
    for rule in db.scalars(select(SecurityGroupRule).where(or_(SecurityGroupRule.security_group_id == sg_id,
                                                                SecurityGroupRule.remote_group_id == sg_id))):
        db.delete(rule)
    db.execute(delete(RBACPolicy).where(RBACPolicy.object_type == "security_group", RBACPolicy.object_id == sg_id))
    if default:
        found = db.get(DefaultSecurityGroup, group.project_id)
        if found is not None:
            db.delete(found)
    db.flush()
    db.delete(group)


def _protocol(value: Any) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).lower()
    if text in PROTOCOLS:
        return None if text == "any" else text
    if text.isdigit() and 0 <= int(text) <= 255:
        return text
    raise BadRequest(f"Security group rule protocol {value} not supported. Only protocol values "
                     f"{sorted(k for k in PROTOCOLS if k != 'any')} and integer representations [0 to 255] are "
                     f"supported.", neutron_type="SecurityGroupRuleInvalidProtocol")


def create_rule(svc: NetworkService, db: Session, ctx: RequestContext, attrs: dict[str, Any]) -> SecurityGroupRule:
    """Validate and add one rule. Raises Neutron's SecurityGroupNotFound, SecurityGroupRuleExists (409),
    SecurityGroupInvalidPortRange / SecurityGroupRemoteGroupAndRemoteIpPrefix / ... (400), OverQuota."""
    S.require(attrs, "security_group_id", "direction")
    group = get_security_group(db, ctx, attrs["security_group_id"])
    authorize(svc, ctx, "create_security_group_rule", {"project_id": group.project_id})
    attrs.pop("project_id", None)
    attrs.pop("tenant_id", None)
    ethertype = attrs.get("ethertype") or "IPv4"
    protocol = _protocol(attrs.get("protocol"))
    low, high = attrs.get("port_range_min"), attrs.get("port_range_max")
    if protocol in PORTED:
        if low is not None and high is None:
            high = low
        if (low is None) != (high is None):
            raise BadRequest("For TCP/UDP protocols, port_range_min must be <= port_range_max",
                             neutron_type="SecurityGroupInvalidPortRange")
        if low is not None and high is not None:
            for value in (low, high):
                if not 1 <= value <= 65535:
                    raise BadRequest(f"Invalid value for port {value}.", neutron_type="SecurityGroupInvalidPortValue")
            if low > high:
                raise BadRequest("For TCP/UDP protocols, port_range_min must be <= port_range_max",
                                 neutron_type="SecurityGroupInvalidPortRange")
    elif protocol in ICMP:
        for name, value in (("type", low), ("code", high)):
            if value is not None and not 0 <= value <= 255:
                raise BadRequest(f"Invalid value for ICMP {name} (port_range_min: {low}, port_range_max: {high}).",
                                 neutron_type="SecurityGroupInvalidIcmpValue")
        if low is None and high is not None:
            raise BadRequest(f"ICMP code (port-range-max) {high} is provided but ICMP type (port-range-min) is "
                             f"missing.", neutron_type="SecurityGroupMissingIcmpType")
    elif low is not None or high is not None:
        raise BadRequest("Port range is only allowed with protocols tcp, udp, udplite, dccp, sctp, icmp and "
                         "icmpv6.", neutron_type="SecurityGroupInvalidProtocolForPortRange")
    prefix, remote_group = attrs.get("remote_ip_prefix"), attrs.get("remote_group_id")
    if prefix is not None and remote_group is not None:
        raise BadRequest("Only remote_ip_prefix or remote_group_id may be provided.",
                         neutron_type="SecurityGroupRemoteGroupAndRemoteIpPrefix")
    if prefix is not None:
        version = ipaddress.ip_network(prefix).version
        if f"IPv{version}" != ethertype:
            raise BadRequest(f"Conflicting value ethertype {ethertype} for CIDR {prefix}",
                             neutron_type="SecurityGroupRuleParameterConflict")
    if remote_group is not None and get_security_group_or_none(db, ctx, remote_group) is None:
        raise security_group_not_found(remote_group)
    values = dict(direction=attrs["direction"], ethertype=ethertype, protocol=protocol, port_range_min=low,
                  port_range_max=high, remote_ip_prefix=prefix, remote_group_id=remote_group)
    for existing in db.scalars(select(SecurityGroupRule).where(SecurityGroupRule.security_group_id == group.id)):
        if all(getattr(existing, k) == v for k, v in values.items()):
            raise Conflict(f"Security group rule already exists. Rule id is {existing.id}.",
                           neutron_type="SecurityGroupRuleExists")
    quotas.check(svc, db, group.project_id, "security_group_rule")
    rule = _rule(group.project_id, group.id, svc.now(), description=attrs.get("description", ""), **values)
    db.add(rule)
    touch(group, svc.now())
    db.flush()
    sync_members(svc, db, [group.id])
    return rule


def sync_members(svc: NetworkService, db: Session, group_ids: list[str]) -> None:
    """Re-send the firewall of every port a change to these groups touches: their members (their rules
    changed) and the members of groups with a rule naming one of them as remote group (the set of addresses
    that rule allows changed), as Neutron's agents are told on a rule or membership change."""
    referring = db.scalars(select(SecurityGroupRule.security_group_id)
                           .where(SecurityGroupRule.remote_group_id.in_(group_ids)))
    affected = set(group_ids) | set(referring)
    for port_id in sorted(set(db.scalars(select(PortSecurityGroup.port_id)
                                         .where(PortSecurityGroup.security_group_id.in_(affected))))):
        svc.sync(db, "port", port_id)


def get_security_group_or_none(db: Session, ctx: RequestContext, sg_id: str) -> SecurityGroup | None:
    try:
        return get_security_group(db, ctx, sg_id)
    except Exception:
        return None


def update_rule(svc: NetworkService, db: Session, ctx: RequestContext, rule_id: str,
                attrs: dict[str, Any]) -> SecurityGroupRule:
    """PUT of a rule: only its `description` may change (the schema refuses the rest), as in Neutron."""
    rule = get_security_group_rule(db, ctx, rule_id)
    authorize(svc, ctx, "update_security_group_rule", {"project_id": rule.project_id})
    if "description" in attrs:
        rule.description = attrs["description"]
    touch(rule, svc.now())
    return rule


def delete_rule(svc: NetworkService, db: Session, ctx: RequestContext, rule_id: str) -> None:
    rule = get_security_group_rule(db, ctx, rule_id)
    authorize(svc, ctx, "delete_security_group_rule", {"project_id": rule.project_id})
    group = db.get(SecurityGroup, rule.security_group_id)
    db.delete(rule)
    if group is not None:
        touch(group, svc.now())
        db.flush()
        sync_members(svc, db, [group.id])


def resolve(db: Session, project_id: str, name_or_id: str) -> SecurityGroup | None:
    """A group of `project_id` by id, else by name (None if absent); raises Conflict when a name is ambiguous
    (Nova's NoUniqueMatch)."""
    group = db.scalar(select(SecurityGroup).where(SecurityGroup.id == name_or_id,
                                                  SecurityGroup.project_id == project_id))
    if group is not None:
        return group
    found = list(db.scalars(select(SecurityGroup).where(SecurityGroup.name == name_or_id,
                                                        SecurityGroup.project_id == project_id)))
    if len(found) > 1:
        raise Conflict(f"Multiple security groups found matching '{name_or_id}'. Use an ID to be more specific.")
    return found[0] if found else None


def render(db: Session, rows: list[SecurityGroup]) -> list[dict[str, Any]]:
    ids = [r.id for r in rows]
    rules: dict[str, list[SecurityGroupRule]] = {i: [] for i in ids}
    for rule in db.scalars(select(SecurityGroupRule).where(SecurityGroupRule.security_group_id.in_(ids))
                           .order_by(SecurityGroupRule.created_at, SecurityGroupRule.id)):
        rules[rule.security_group_id].append(rule)
    defaults = set(db.scalars(select(DefaultSecurityGroup.security_group_id)
                              .where(DefaultSecurityGroup.security_group_id.in_(ids))))
    return [S.security_group(r, rules[r.id], is_default=r.id in defaults) for r in rows]


def render_rules(db: Session, rows: list[SecurityGroupRule]) -> list[dict[str, Any]]:
    defaults = set(db.scalars(select(DefaultSecurityGroup.security_group_id)))
    return [S.security_group_rule(r, is_default=r.security_group_id in defaults) for r in rows]


def ensure_default_safely(svc: NetworkService, project_id: str) -> None:
    """Make the default group in its own write transaction (a list or a first port may need it). Two racing
    first requests both try; the primary key on default_security_groups lets exactly one win."""
    with svc.cloud.db.read() as db:
        if has_default(db, project_id):
            return
    try:
        with svc.cloud.db.write() as db:
            ensure_default(svc, db, project_id)
    except IntegrityError:
        pass
