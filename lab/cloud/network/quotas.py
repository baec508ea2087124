"""Neutron's quotas over the one quota engine (lab/cloud/quotas.py): the resources (networks, subnets, ports,
routers, floating IPs, security groups and rules, RBAC policies and subnet pools) with Neutron's defaults and how
their usage is counted,
the check a create makes inside its own write transaction (so two racing creates cannot both pass), and the
limits and usage the `/v2.0/quotas` API shows (rendered by schemas.py: `quota`, `quota_details`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.cloud.errors import BadRequest, Conflict
from lab.cloud.network.models import (
    FloatingIP,
    Network,
    Port,
    RBACPolicy,
    Router,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    SubnetPool,
)
from lab.cloud.quotas import Exceeded, Resource, projects_with_limits

if TYPE_CHECKING:
    from lab.cloud.network.service import NetworkService

SERVICE = "network"
# Neutron's defaults (neutron/conf/quota.py; a subnet pool has none of its own: `default_quota`, unlimited).
DEFAULTS: dict[str, int] = {
    "network": 100, "subnet": 100, "port": 500, "router": 10, "floatingip": 50,
    "security_group": 10, "security_group_rule": 100, "rbac_policy": 10, "subnetpool": -1,
}
MODELS: dict[str, Any] = {
    "network": Network, "subnet": Subnet, "port": Port, "router": Router, "floatingip": FloatingIP,
    "security_group": SecurityGroup, "security_group_rule": SecurityGroupRule, "rbac_policy": RBACPolicy,
    "subnetpool": SubnetPool,
}


def usage(db: Session, project_id: str, resource: str) -> int:
    model = MODELS[resource]
    return int(db.scalar(select(func.count()).select_from(model).where(model.project_id == project_id)) or 0)


# Neutron's quota resources, registered with the engine by the plugin.
RESOURCES = tuple(Resource(SERVICE, name, default, lambda db, p, name=name: usage(db, p, name))  # type: ignore[misc]
                  for name, default in DEFAULTS.items())


def check(svc: NetworkService, db: Session, project_id: str, resource: str, adding: int = 1) -> None:
    """Raise Neutron's OverQuota (409) if `adding` more `resource`s would pass the project's limit."""
    try:
        svc.cloud.quotas.check(db, SERVICE, project_id, {resource: adding})
    except Exceeded as exc:
        raise Conflict(f"Quota exceeded for resources: {[over[0] for over in exc.overs]}.",
                       neutron_type="OverQuota") from None


def limits(svc: NetworkService, db: Session, project_id: str) -> dict[str, int]:
    return svc.cloud.quotas.limits(db, SERVICE, project_id)


def used(svc: NetworkService, db: Session, project_id: str) -> dict[str, int]:
    return svc.cloud.quotas.usage(db, SERVICE, project_id)


def update(svc: NetworkService, db: Session, project_id: str, values: Mapping[str, int],
           check_limit: bool = False) -> dict[str, int]:
    """Set limits (already validated by schemas.parse_quota); the project's limits after the change. With
    `check_limit` (the quota-check-limit extension: `openstack quota set` sends it unless `--force`) a limit below
    what the project already uses is Neutron's 400, and nothing is changed; -1 (unlimited) is not checked."""
    if check_limit:
        for name, limit in values.items():
            in_use = usage(db, project_id, name)
            if limit != -1 and in_use > limit:
                raise BadRequest(f"Quota limit {limit} for {name} must be greater than or equal to already used "
                                 f"{in_use}", neutron_type="HTTPBadRequest")
    svc.cloud.quotas.set_limits(db, SERVICE, project_id, values)
    return limits(svc, db, project_id)


def reset(svc: NetworkService, db: Session, project_id: str) -> None:
    svc.cloud.quotas.reset(db, project_id, SERVICE)


def projects_with_quotas(db: Session) -> list[str]:
    return projects_with_limits(db, SERVICE)
