"""What every load-balancing module shares: Octavia's errors (its wording, from octavia/common/exceptions.py),
lookups that answer Octavia's 404, the graph of one load balancer's objects, and the provisioning lock.

The lock is Octavia's: a change to any object of a load balancer first moves the load balancer from ACTIVE
to PENDING_UPDATE (a change to the load balancer itself, to PENDING_UPDATE or PENDING_DELETE) in the same
transaction; while it is not ACTIVE every other change is refused with 409, and the worker's
`loadbalancer.apply` job settles every pending object and puts the load balancer back to ACTIVE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, Forbidden, NotFound
from lab.cloud.loadbalancer.models import HealthMonitor, L7Policy, L7Rule, Listener, LoadBalancer, Member, Pool
from lab.cloud.worker import enqueue

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

SERVICE = "loadbalancer"  # the quota engine's service name
APPLY = "loadbalancer.apply"  # the worker job that settles a load balancer's pending objects
ACTIVE, ERROR = "ACTIVE", "ERROR"
PENDING_CREATE, PENDING_UPDATE, PENDING_DELETE = "PENDING_CREATE", "PENDING_UPDATE", "PENDING_DELETE"
DEVICE_OWNER = "Octavia"  # the VIP port's device_owner, as Octavia's network driver sets it

# Octavia's names of its objects (data_models._name()), used in its messages.
LABELS: dict[type[Any], str] = {
    LoadBalancer: "Load Balancer", Listener: "Listener", Pool: "Pool", Member: "Member",
    HealthMonitor: "Health Monitor", L7Policy: "L7 Policy", L7Rule: "L7 Rule",
}


def not_found(model: type[Any], object_id: str) -> NotFound:
    return NotFound(f"{LABELS[model]} {object_id} not found.")


def invalid_subresource(label: str, object_id: str) -> BadRequest:
    """Octavia's 400 for a referenced object that does not exist (a subnet, a pool of another LB)."""
    return BadRequest(f"{label} {object_id} not found.")


def validation(detail: str) -> BadRequest:
    return BadRequest(f"Validation failure: {detail}")


def forbidden() -> Forbidden:
    return Forbidden("Policy does not allow this request to be performed.")


def immutable(lb_id: str) -> Conflict:
    return Conflict(f"Load Balancer {lb_id} is immutable and cannot be updated.")


def pending_state(lb: LoadBalancer) -> Conflict:
    return Conflict(f"Invalid state {lb.provisioning_status} of loadbalancer resource {lb.id}")


def quota_met(label: str) -> Forbidden:
    return Forbidden(f"Quota has been met for resources: {label}")




def find(db: Session, ctx: RequestContext, model: type[Any], object_id: str) -> Any:
    """The object, or Octavia's 404 when there is none. As Octavia's controllers do, the lookup is not scoped
    to the caller's project: the policy check that follows every lookup (with the object's project as its
    target) refuses another project's object with 403, so nothing of it is shown or changed."""
    row = db.get(model, object_id)
    if row is None:
        raise not_found(model, object_id)
    return row


def lock(db: Session, lb: LoadBalancer) -> None:
    """Take the load balancer for a change to one of its objects: 409 unless ACTIVE, then PENDING_UPDATE."""
    if lb.provisioning_status != ACTIVE:
        raise immutable(lb.id)
    lb.provisioning_status = PENDING_UPDATE
    db.flush()


def settle_later(cloud: Cloud, db: Session, lb_id: str, delay: float = 0.0) -> None:
    """Queue the job that moves the load balancer's pending objects to ACTIVE (or away) after this commit."""
    enqueue(db, cloud.clock.now(), APPLY, lb_id, delay=delay)


@dataclass
class Graph:
    """Every object of some load balancers, loaded in one session: what rendering and health need."""

    lbs: dict[str, LoadBalancer] = field(default_factory=dict)
    listeners: dict[str, Listener] = field(default_factory=dict)
    pools: dict[str, Pool] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    monitors: dict[str, HealthMonitor] = field(default_factory=dict)  # by pool id
    policies: dict[str, L7Policy] = field(default_factory=dict)
    rules: dict[str, L7Rule] = field(default_factory=dict)

    @classmethod
    def load(cls, db: Session, lb_ids: list[str]) -> Graph:
        g = cls()
        if not lb_ids:
            return g
        g.lbs = {r.id: r for r in db.scalars(select(LoadBalancer).where(LoadBalancer.id.in_(lb_ids)))}
        order = (Listener.created_at, Listener.id)
        g.listeners = {r.id: r for r in db.scalars(select(Listener).where(Listener.loadbalancer_id.in_(lb_ids))
                                                  .order_by(*order))}
        g.pools = {r.id: r for r in db.scalars(select(Pool).where(Pool.loadbalancer_id.in_(lb_ids))
                                              .order_by(Pool.created_at, Pool.id))}
        pool_ids = list(g.pools)
        g.members = {r.id: r for r in db.scalars(select(Member).where(Member.pool_id.in_(pool_ids))
                                                .order_by(Member.created_at, Member.id))}
        g.monitors = {r.pool_id: r for r in db.scalars(select(HealthMonitor).where(
            HealthMonitor.pool_id.in_(pool_ids)))}
        g.policies = {r.id: r for r in db.scalars(select(L7Policy).where(L7Policy.listener_id.in_(list(g.listeners)))
                                                 .order_by(L7Policy.position, L7Policy.created_at))}
        g.rules = {r.id: r for r in db.scalars(select(L7Rule).where(L7Rule.l7policy_id.in_(list(g.policies)))
                                              .order_by(L7Rule.created_at, L7Rule.id))}
        return g

    def members_of(self, pool_id: str) -> list[Member]:
        return [m for m in self.members.values() if m.pool_id == pool_id]

    def listeners_of(self, lb_id: str) -> list[Listener]:
        return [li for li in self.listeners.values() if li.loadbalancer_id == lb_id]

    def pools_of(self, lb_id: str) -> list[Pool]:
        return [p for p in self.pools.values() if p.loadbalancer_id == lb_id]

    def policies_of(self, listener_id: str) -> list[L7Policy]:
        return [p for p in self.policies.values() if p.listener_id == listener_id]

    def rules_of(self, policy_id: str) -> list[L7Rule]:
        return [r for r in self.rules.values() if r.l7policy_id == policy_id]

    def pool_listeners(self, pool_id: str) -> list[Listener]:
        """The listeners sending traffic to a pool: as their default pool, or through an L7 redirect."""
        via_policy = {p.listener_id for p in self.policies.values() if p.redirect_pool_id == pool_id}
        return [li for li in self.listeners.values() if li.default_pool_id == pool_id or li.id in via_policy]
