"""Load-balancing quotas (Octavia's /v2/lbaas/quotas) over the one quota engine (lab/cloud/quotas.py).

Usage is counted from the rows inside the caller's write transaction, so a check and the insert it allows are
one step. Octavia's defaults are unlimited (-1); an operator (or a class's quota) sets limits. A refusal is
Octavia's 403 `Quota has been met for resources: <name>`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.db import count
from lab.cloud.loadbalancer import schemas as S
from lab.cloud.loadbalancer.common import SERVICE, quota_met
from lab.cloud.loadbalancer.models import HealthMonitor, L7Policy, L7Rule, Listener, LoadBalancer, Member, Pool
from lab.cloud.quotas import Exceeded, Resource, projects_with_limits

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

# resource name -> (model, Octavia's name of it in the refusal)
COUNTED: dict[str, tuple[Any, str]] = {
    "load_balancer": (LoadBalancer, "Load Balancer"), "listener": (Listener, "Listener"), "pool": (Pool, "Pool"),
    "member": (Member, "Member"), "health_monitor": (HealthMonitor, "Health Monitor"),
    "l7policy": (L7Policy, "L7 Policy"), "l7rule": (L7Rule, "L7 Rule"),
}


def _usage(model: Any) -> Any:
    return lambda db, project_id: count(db, model, model.project_id == project_id)


RESOURCES = tuple(Resource(SERVICE, name, -1, _usage(model), f"{label}s per project")
                  for name, (model, label) in COUNTED.items())


def check(cloud: Cloud, db: Session, project_id: str, resource: str, adding: int = 1) -> None:
    """Raise Octavia's 403 when `adding` more of `resource` would pass the project's limit."""
    try:
        cloud.quotas.check(db, SERVICE, project_id, {resource: adding})
    except Exceeded:
        raise quota_met(COUNTED[resource][1]) from None


class LoadBalancerQuotas:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def get(self, ctx: RequestContext, project_id: str) -> dict[str, int]:
        self.cloud.policy.enforce(ctx, "os_load-balancer_api:quota:get_one", project_id)
        with self.cloud.db.read() as db:
            return self.cloud.quotas.limits(db, SERVICE, project_id)

    def defaults(self, ctx: RequestContext, project_id: str) -> dict[str, int]:
        self.cloud.policy.enforce(ctx, "os_load-balancer_api:quota:get_defaults", project_id)
        return self.cloud.quotas.defaults(SERVICE)

    def list(self, ctx: RequestContext, project_id: str | None) -> dict[str, dict[str, int]]:
        """GET /quotas: the caller's project's, or (globally, an operator) every project with limits set."""
        self.cloud.policy.enforce(ctx, "os_load-balancer_api:quota:get_all", ctx.project_id)
        everyone = self.cloud.policy.allows(ctx, "os_load-balancer_api:quota:get_all-global")
        with self.cloud.db.read() as db:
            projects = projects_with_limits(db, SERVICE) if everyone else [ctx.project_id or ""]
            if project_id:
                projects = [p for p in projects if p == project_id]
            return {p: self.cloud.quotas.limits(db, SERVICE, p) for p in projects}

    def update(self, ctx: RequestContext, project_id: str, values: dict[str, Any]) -> dict[str, int]:
        self.cloud.policy.enforce(ctx, "os_load-balancer_api:quota:put", project_id)
        limits = {S.QUOTA_ALIASES.get(name, name): int(value) for name, value in values.items()
                  if value is not None}
        with self.cloud.db.write() as db:
            self.cloud.quotas.set_limits(db, SERVICE, project_id, limits)
            return self.cloud.quotas.limits(db, SERVICE, project_id)

    def delete(self, ctx: RequestContext, project_id: str) -> None:
        self.cloud.policy.enforce(ctx, "os_load-balancer_api:quota:delete", project_id)
        with self.cloud.db.write() as db:
            self.cloud.quotas.reset(db, project_id, SERVICE)


__all__ = ["RESOURCES", "LoadBalancerQuotas", "check"]
