"""Load-balancing behaviour (Octavia v2 subset): the `LoadBalancerService` the routes call. The work is split by
resource (loadbalancers.py, listeners.py, pools.py with members, monitors.py with L7 policies and rules,
quotas.py); this class opens the transactions, answers the generic reads (list and show of every kind, with
Octavia's filters and pagination), renders with schemas.py, and holds the plugin hooks.

Other services are reached only through their contracts: the network for the VIP port and the members'
addresses, compute for the members' servers (health.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.db import count
from lab.cloud.errors import BadRequest
from lab.cloud.loadbalancer import loadbalancers
from lab.cloud.loadbalancer import schemas as S
from lab.cloud.loadbalancer.common import Graph, find, not_found
from lab.cloud.loadbalancer.health import operating_statuses
from lab.cloud.loadbalancer.models import HealthMonitor, L7Policy, L7Rule, Listener, LoadBalancer, Member, Pool
from lab.cloud.plugin import Purge

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


@dataclass(frozen=True)
class Kind:
    """One collection of the API: its model, its policy prefix and its response key."""

    model: type[Any]
    rule: str  # os_load-balancer_api:<rule>:get_all ...
    key: str  # the singular response key
    collection: str  # the plural response key


KINDS: dict[str, Kind] = {
    "loadbalancers": Kind(LoadBalancer, "loadbalancer", "loadbalancer", "loadbalancers"),
    "listeners": Kind(Listener, "listener", "listener", "listeners"),
    "pools": Kind(Pool, "pool", "pool", "pools"),
    "members": Kind(Member, "member", "member", "members"),
    "healthmonitors": Kind(HealthMonitor, "healthmonitor", "healthmonitor", "healthmonitors"),
    "l7policies": Kind(L7Policy, "l7policy", "l7policy", "l7policies"),
    "rules": Kind(L7Rule, "l7rule", "rule", "rules"),
}
SORT_DIRS = ("asc", "desc")


def lb_id_of(db: Session, row: Any) -> str:
    """The load balancer an object belongs to."""
    if isinstance(row, LoadBalancer):
        return row.id
    if isinstance(row, (Listener, Pool)):
        return row.loadbalancer_id
    if isinstance(row, (Member, HealthMonitor)):
        return db.get(Pool, row.pool_id).loadbalancer_id  # type: ignore[union-attr]
    if isinstance(row, L7Rule):
        row = db.get(L7Policy, row.l7policy_id)
    return db.get(Listener, row.listener_id).loadbalancer_id  # type: ignore[union-attr]


def render(row: Any, g: Graph, ops: dict[str, str]) -> dict[str, Any]:
    if isinstance(row, LoadBalancer):
        return S.loadbalancer(row, g, ops)
    if isinstance(row, Listener):
        return S.listener(row, g, ops)
    if isinstance(row, Pool):
        return S.pool(row, g, ops)
    if isinstance(row, Member):
        return S.member(row, ops)
    if isinstance(row, HealthMonitor):
        return S.healthmonitor(row, ops)
    if isinstance(row, L7Policy):
        return S.l7policy(row, g, ops)
    return S.l7rule(row, ops)


class LoadBalancerService:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    # ---------------------------------------------------------------------------------------------- plumbing
    def write(self, fn: Callable[[Session], Any]) -> Any:
        """Run `fn` in one write transaction, then wake the worker for the jobs it queued."""
        with self.cloud.db.write() as db:
            result = fn(db)
        self.cloud.worker.wake()
        return result

    def rendered(self, db: Session, rows: list[Any]) -> list[dict[str, Any]]:
        """Rows of any kind as Octavia answers them, with their operating status derived now."""
        g = Graph.load(db, sorted({lb_id_of(db, r) for r in rows}))
        ops = operating_statuses(self.cloud, db, g)
        return [render(r, g, ops) for r in rows]

    def graph(self, db: Session, lb_id: str) -> tuple[Graph, dict[str, str]]:
        g = Graph.load(db, [lb_id])
        return g, operating_statuses(self.cloud, db, g)

    # ---------------------------------------------------------------------------------------------- reading
    def list_objects(self, ctx: RequestContext, kind: str, params: dict[str, list[str]], parent_id: str | None = None
             ) -> tuple[list[dict[str, Any]], str | None]:
        """GET a collection: the caller's project's objects (an operator's: every project's), filtered by any
        attribute (`?name=web`), sorted (`sort=name:desc`), paged (`limit`, `marker`). Returns the page and the
        marker of the next page, if any."""
        k = KINDS[kind]
        self.cloud.policy.enforce(ctx, f"os_load-balancer_api:{k.rule}:get_all")
        everyone = self.cloud.policy.allows(ctx, f"os_load-balancer_api:{k.rule}:get_all-global")
        with self.cloud.db.read() as db:
            if parent_id is not None:  # another project's pool or policy: 403, as Octavia checks its project
                parent = self._parent(db, ctx, kind, parent_id)
                self.cloud.policy.enforce(ctx, f"os_load-balancer_api:{k.rule}:get_all", parent.project_id)
            query = select(k.model).order_by(k.model.created_at, k.model.id)
            if not everyone:
                query = query.where(k.model.project_id == ctx.project_id)
            if kind == "members":
                query = query.where(Member.pool_id == parent_id)
            if kind == "rules":
                query = query.where(L7Rule.l7policy_id == parent_id)
            items = self.rendered(db, list(db.scalars(query)))
        return _page(items, params)

    def _parent(self, db: Session, ctx: RequestContext, kind: str, parent_id: str) -> Any:
        return find(db, ctx, Pool if kind == "members" else L7Policy, parent_id)

    def show(self, ctx: RequestContext, kind: str, object_id: str, parent_id: str | None = None,
             fields: list[str] | None = None) -> dict[str, Any]:
        k = KINDS[kind]
        with self.cloud.db.read() as db:
            row = find(db, ctx, k.model, object_id)
            if parent_id is not None and getattr(row, "pool_id", getattr(row, "l7policy_id", None)) != parent_id:
                raise not_found(k.model, object_id)
            self.cloud.policy.enforce(ctx, f"os_load-balancer_api:{k.rule}:get_one", row.project_id)
            item = self.rendered(db, [row])[0]
        return {f: item[f] for f in fields if f in item} if fields else item

    def status(self, ctx: RequestContext, lb_id: str) -> dict[str, Any]:
        """GET /loadbalancers/{id}/status: the status tree."""
        with self.cloud.db.read() as db:
            lb = find(db, ctx, LoadBalancer, lb_id)
            self.cloud.policy.enforce(ctx, "os_load-balancer_api:loadbalancer:get_status", lb.project_id)
            g, ops = self.graph(db, lb.id)
            return S.status_tree(lb, g, ops)

    def stats(self, ctx: RequestContext, kind: str, object_id: str) -> dict[str, Any]:
        """GET /loadbalancers/{id}/stats or /listeners/{id}/stats: what the traffic tool counted."""
        k = KINDS[kind]
        with self.cloud.db.read() as db:
            row = find(db, ctx, k.model, object_id)
            self.cloud.policy.enforce(ctx, f"os_load-balancer_api:{k.rule}:get_stats", row.project_id)
            return S.stats(row)

    # ---------------------------------------------------------------------------------------------- providers
    def providers(self, ctx: RequestContext) -> list[dict[str, str]]:
        self.cloud.policy.enforce(ctx, "os_load-balancer_api:provider:get_all")
        return [{"name": name, "description": text} for name, text in loadbalancers.PROVIDERS.items()]

    def provider_capabilities(self, ctx: RequestContext, provider: str, what: str) -> list[dict[str, str]]:
        rule = "provider-flavor" if what == "flavor" else "provider-availability-zone"
        self.cloud.policy.enforce(ctx, f"os_load-balancer_api:{rule}:get_all")
        if provider not in loadbalancers.PROVIDERS:
            raise BadRequest(f"Provider '{provider}' was not found.")
        if what == "flavor":
            return [{"name": "loadbalancer_topology", "description": "The load balancer topology. One of: "
                     "SINGLE - One amphora per load balancer. ACTIVE_STANDBY - Two amphora per load balancer."}]
        return [{"name": "compute_zone", "description": "The compute availability zone."}]

    def empty(self, ctx: RequestContext, rule: str) -> list[Any]:
        """Flavors, flavor profiles, availability zones: the lab defines none."""
        self.cloud.policy.enforce(ctx, rule)
        return []

    # ---------------------------------------------------------------------------------------------- hooks
    def purge_project(self, purge: Purge) -> None:
        """The project's load balancers with everything on them and their VIP ports (a delete event each,
        as the API's delete records). Runs before the network's purge, which then finds the ports gone."""
        for lb in list(purge.db.scalars(select(LoadBalancer).where(LoadBalancer.project_id == purge.project_id))):
            loadbalancers.remove(self.cloud, purge.db, lb, purge.now)
            purge.removed["load_balancers"] += 1

    def holdings(self, db: Session, project_id: str, user_ids: list[str]) -> dict[str, int]:
        return {"load_balancers": count(db, LoadBalancer, LoadBalancer.project_id == project_id)}


def _page(items: list[dict[str, Any]], params: dict[str, list[str]]) -> tuple[list[dict[str, Any]], str | None]:
    """Octavia's list query: attribute filters, `fields`, `sort` (or sort_key/sort_dir), `limit` and `marker`."""
    reserved = {"fields", "sort", "sort_key", "sort_dir", "limit", "marker", "page_reverse", "project_id",
                "all_tenants", "all_projects"}
    for name, values in params.items():
        wanted = values[-1]
        parents = name[:-3] + "s"  # ?loadbalancer_id= on listeners and pools, ?pool_id= on health monitors
        if items and name not in items[0] and name.endswith("_id") and isinstance(items[0].get(parents), list):
            items = [i for i in items if {"id": wanted} in i[parents]]
            continue
        if name in reserved or not items or name not in items[0]:
            continue
        items = [i for i in items if _text(i.get(name)).lower() == wanted.lower()
                 or (name == "tags" and wanted in (i["tags"] or []))]
    if params.get("project_id"):
        items = [i for i in items if i.get("project_id") == params["project_id"][-1]]
    sort = params.get("sort", [""])[-1]
    keys = [(part.partition(":")[0], part.partition(":")[2] or "asc") for part in sort.split(",") if part]
    if not keys and params.get("sort_key"):
        keys = [(params["sort_key"][-1], params.get("sort_dir", ["asc"])[-1])]
    for key, direction in reversed(keys):
        if items and key not in items[0]:
            raise BadRequest(f"Supplied sort key '{key}' is not valid.")
        if direction not in SORT_DIRS:
            raise BadRequest(f"Supplied sort direction '{direction}' is not valid.")
        items.sort(key=functools.partial(_sort_value, key=key), reverse=direction == "desc")
    marker = params.get("marker", [None])[-1]
    if marker:
        position = next((n for n, i in enumerate(items) if i["id"] == marker), None)
        if position is None:
            raise BadRequest(f"Supplied pagination marker '{marker}' is not valid.")
        items = items[position + 1:]
    limit_text = params.get("limit", [None])[-1]
    next_marker = None
    if limit_text:
        if not limit_text.isdigit() or int(limit_text) < 1:
            raise BadRequest(f"Supplied pagination limit '{limit_text}' is not valid.")
        limit = int(limit_text)
        if len(items) > limit:
            next_marker = items[limit - 1]["id"]
        items = items[:limit]
    fields = [f for value in params.get("fields", []) for f in value.split(",") if f]
    if fields:
        items = [{f: i[f] for f in fields if f in i} for i in items]
    return items, next_marker


def _sort_value(item: dict[str, Any], key: str) -> str:
    return _text(item.get(key))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return "" if value is None else str(value)
