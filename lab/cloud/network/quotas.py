"""Neutron's quotas: per-project limits for networks, subnets, ports, routers, floating IPs, security groups
and rules, checked inside the create's write transaction (so two racing creates cannot both pass), and the
`/v2.0/quotas` API (show, details with usage, defaults, update, reset)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.cloud.errors import Conflict
from lab.cloud.network.common import bad_attribute
from lab.cloud.network.models import (
    FloatingIP,
    Network,
    Port,
    Router,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)
from lab.cloud.quotas import Resource, clear_limits, projects_with_limits, store_limits, stored_limits

# Neutron's defaults (neutron/conf/quota.py).
DEFAULTS: dict[str, int] = {
    "network": 100, "subnet": 100, "port": 500, "router": 10, "floatingip": 50,
    "security_group": 10, "security_group_rule": 100,
}
MODELS: dict[str, Any] = {
    "network": Network, "subnet": Subnet, "port": Port, "router": Router, "floatingip": FloatingIP,
    "security_group": SecurityGroup, "security_group_rule": SecurityGroupRule,
}


def limits(db: Session, project_id: str) -> dict[str, int]:
    return {**DEFAULTS, **{k: v for k, v in stored_limits(db, "network", project_id).items() if k in DEFAULTS}}


def usage(db: Session, project_id: str, resource: str) -> int:
    model = MODELS[resource]
    return int(db.scalar(select(func.count()).select_from(model).where(model.project_id == project_id)) or 0)


def check(db: Session, project_id: str, resource: str, adding: int = 1) -> None:
    """Raise Neutron's OverQuota (409) if `adding` more `resource`s would pass the project's limit."""
    limit = limits(db, project_id)[resource]
    if limit >= 0 and usage(db, project_id, resource) + adding > limit:
        raise Conflict(f"Quota exceeded for resources: ['{resource}'].", neutron_type="OverQuota")


def details(db: Session, project_id: str) -> dict[str, dict[str, int]]:
    values = limits(db, project_id)
    return {name: {"limit": values[name], "used": usage(db, project_id, name), "reserved": 0} for name in DEFAULTS}


def update(db: Session, project_id: str, wanted: dict[str, Any]) -> dict[str, int]:
    """Set limits (-1 is unlimited). Raises Neutron's 400 for an unknown resource or a bad value."""
    for name, value in wanted.items():
        if name not in DEFAULTS:
            raise bad_attribute("quota", f"Unrecognized attribute(s) '{name}'")
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip("-").isdigit() \
                or int(value) < -1:
            raise bad_attribute(name, f"'{value}' is not a valid quota value (an integer >= -1)")
    store_limits(db, "network", project_id, {name: int(value) for name, value in wanted.items()})
    return limits(db, project_id)


def reset(db: Session, project_id: str) -> None:
    clear_limits(db, project_id, "network")


def projects_with_quotas(db: Session) -> list[str]:
    return projects_with_limits(db, "network")


# Neutron's quota resources, in the one quota engine (lab/cloud/quotas.py).
RESOURCES = tuple(Resource("network", name, default, lambda db, p, name=name: usage(db, p, name))  # type: ignore[misc]
                  for name, default in DEFAULTS.items())
