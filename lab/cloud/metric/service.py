"""The metric service's behaviour (Gnocchi v1): archive policies and their rules, resources and their metrics,
measures; and the plugin hooks (bootstrap creates the default policies, a reset purges a project's resources).

Another project's resource or metric answers 404, as if it did not exist; a denied policy check on one the
caller can see is a 403, Gnocchi's split."""

from __future__ import annotations

import fnmatch
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from lab.cloud import contracts
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, CloudError, Conflict, NotFound
from lab.cloud.metric import archive, blocks, schemas
from lab.cloud.metric.models import ArchivePolicy, ArchivePolicyRule, CollectorState, Measure, Metric, MetricResource
from lab.cloud.metric.query import matches
from lab.cloud.plugin import Purge

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


@dataclass(frozen=True)
class MeasureQuery:
    aggregation: str = "mean"
    granularity: float | None = None
    start: datetime | None = None
    stop: datetime | None = None


class MetricService:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    # -- hooks
    def bootstrap(self) -> None:
        with self.cloud.db.write() as db:
            for d in archive.DEFAULTS:
                if db.get(ArchivePolicy, d.name) is None:
                    db.add(ArchivePolicy(name=d.name, back_window=d.back_window, aggregation_methods=list(d.methods),
                                         definition=[{"granularity": g, "points": p} for g, p in d.definition]))
            db.flush()
            name, pattern, policy = archive.DEFAULT_RULE
            if db.get(ArchivePolicyRule, name) is None:
                db.add(ArchivePolicyRule(name=name, metric_pattern=pattern, archive_policy_name=policy))

    def purge_project(self, purge: Purge) -> None:
        ids = list(purge.db.scalars(select(MetricResource.id).where(or_(
            MetricResource.project_id == purge.project_id, MetricResource.created_by_project_id == purge.project_id))))
        metric_ids = list(purge.db.scalars(select(Metric.id).where(or_(
            Metric.resource_id.in_(ids), Metric.created_by_project_id == purge.project_id))))
        purge.db.execute(delete(Measure).where(Measure.metric_id.in_(metric_ids)))
        blocks.forget(purge.db, metric_ids)
        purge.db.execute(delete(Metric).where(Metric.id.in_(metric_ids)))
        purge.db.execute(delete(CollectorState).where(CollectorState.server_id.in_(ids)))
        purge.db.execute(delete(MetricResource).where(MetricResource.id.in_(ids)))
        purge.removed["metric_resources"] += len(ids)
        purge.removed["metrics"] += len(metric_ids)

    def holdings(self, db: Session, project_id: str, user_ids: list[str]) -> dict[str, int]:
        from lab.cloud.db import count
        return {"metric_resources": count(db, MetricResource, or_(
            MetricResource.project_id == project_id, MetricResource.created_by_project_id == project_id))}

    # -- archive policies
    def list_policies(self, ctx: RequestContext) -> list[ArchivePolicy]:
        self.cloud.policy.enforce(ctx, "list archive policy")
        with self.cloud.db.read() as db:
            return list(db.scalars(select(ArchivePolicy).order_by(ArchivePolicy.name)))

    def get_policy(self, ctx: RequestContext, name: str) -> ArchivePolicy:
        self.cloud.policy.enforce(ctx, "get archive policy")
        with self.cloud.db.read() as db:
            return _policy(db, name)

    def create_policy(self, ctx: RequestContext, body: dict[str, Any]) -> ArchivePolicy:
        self.cloud.policy.enforce(ctx, "create archive policy")
        name = body.get("name")
        if not isinstance(name, str) or not name or "/" in name:
            raise BadRequest("Invalid input: required key not provided @ data['name']")
        back_window = body.get("back_window", 0)
        if not isinstance(back_window, int) or isinstance(back_window, bool) or back_window < 0:
            raise BadRequest("Invalid input: value must be at least 0 for dictionary value @ data['back_window']")
        unknown = set(body) - {"name", "back_window", "definition", "aggregation_methods"}
        if unknown:
            raise BadRequest(f"Invalid input: extra keys not allowed @ data['{sorted(unknown)[0]}']")
        policy = ArchivePolicy(name=name, back_window=back_window, definition=archive.parse_definition(
            body.get("definition")), aggregation_methods=archive.parse_methods(body.get("aggregation_methods")))
        with self.cloud.db.write() as db:
            if db.get(ArchivePolicy, name) is not None:
                raise Conflict(f"Archive policy {name} already exists")
            db.add(policy)
        return policy

    def delete_policy(self, ctx: RequestContext, name: str) -> None:
        self.cloud.policy.enforce(ctx, "delete archive policy")
        with self.cloud.db.write() as db:
            policy = _policy(db, name)
            used = db.scalar(select(Metric.id).where(Metric.archive_policy_name == name).limit(1))
            ruled = db.scalar(select(ArchivePolicyRule.name).where(ArchivePolicyRule.archive_policy_name == name))
            if used is not None or ruled is not None:
                raise BadRequest(f"Archive policy {name} is still in use")
            db.delete(policy)

    # -- archive policy rules
    def list_rules(self, ctx: RequestContext) -> list[ArchivePolicyRule]:
        self.cloud.policy.enforce(ctx, "list archive policy rule")
        with self.cloud.db.read() as db:
            return list(db.scalars(select(ArchivePolicyRule).order_by(ArchivePolicyRule.name)))

    def get_rule(self, ctx: RequestContext, name: str) -> ArchivePolicyRule:
        self.cloud.policy.enforce(ctx, "get archive policy rule")
        with self.cloud.db.read() as db:
            rule = db.get(ArchivePolicyRule, name)
            if rule is None:
                raise NotFound(f"Archive policy rule {name} does not exist")
            return rule

    def create_rule(self, ctx: RequestContext, body: dict[str, Any]) -> ArchivePolicyRule:
        self.cloud.policy.enforce(ctx, "create archive policy rule")
        values = {k: body.get(k) for k in ("name", "metric_pattern", "archive_policy_name")}
        for key, value in values.items():
            if not isinstance(value, str) or not value:
                raise BadRequest(f"Invalid input: required key not provided @ data['{key}']")
        with self.cloud.db.write() as db:
            _policy(db, str(values["archive_policy_name"]))
            if db.get(ArchivePolicyRule, values["name"]) is not None:
                raise Conflict(f"Archive policy rule {values['name']} already exists")
            rule = ArchivePolicyRule(**values)
            db.add(rule)
        return rule

    def delete_rule(self, ctx: RequestContext, name: str) -> None:
        self.cloud.policy.enforce(ctx, "delete archive policy rule")
        with self.cloud.db.write() as db:
            rule = db.get(ArchivePolicyRule, name)
            if rule is None:
                raise NotFound(f"Archive policy rule {name} does not exist")
            db.delete(rule)

    # -- resource types
    def list_types(self, ctx: RequestContext) -> list[str]:
        self.cloud.policy.enforce(ctx, "list resource type")
        return list(schemas.RESOURCE_TYPES)

    def get_type(self, ctx: RequestContext, name: str) -> str:
        self.cloud.policy.enforce(ctx, "get resource type")
        return _type(name)

    # -- resources
    def _visible(self, ctx: RequestContext, r: MetricResource) -> bool:
        return ctx.is_admin or ctx.project_id in (r.project_id, r.created_by_project_id)

    def _resource(self, db: Session, ctx: RequestContext, type_name: str, resource_id: str, rule: str
                  ) -> MetricResource:
        _type(type_name)
        r = db.get(MetricResource, schemas.resource_uuid(resource_id))
        if r is None or (type_name != "generic" and r.type != type_name) or not self._visible(ctx, r):
            raise NotFound(f"Resource {resource_id} does not exist")
        self.cloud.policy.enforce(ctx, rule, r.project_id, created_by_project_id=r.created_by_project_id)
        return r

    def render_resource(self, db: Session, r: MetricResource, details: bool = True) -> dict[str, Any]:
        metrics = list(db.scalars(select(Metric).where(Metric.resource_id == r.id)))
        return schemas.resource(r, metrics, details)

    def create_resource(self, ctx: RequestContext, type_name: str, body: dict[str, Any]) -> dict[str, Any]:
        self.cloud.policy.enforce(ctx, "create resource")
        _type(type_name)
        raw_id = body.get("id")
        if not isinstance(raw_id, str) or not raw_id:
            raise BadRequest("Invalid input: required key not provided @ data['id']")
        attributes = schemas.parse_attributes(type_name, body, create=True)
        now = self.cloud.clock.now()
        started = schemas.parse_time(body["started_at"], "started_at") if body.get("started_at") else now
        ended = schemas.parse_time(body["ended_at"], "ended_at") if body.get("ended_at") else None
        metrics = body.get("metrics") or {}
        if not isinstance(metrics, dict):
            raise BadRequest("Invalid input: expected a dictionary for dictionary value @ data['metrics']")
        with self.cloud.db.write() as db:
            rid = schemas.resource_uuid(raw_id)
            if db.get(MetricResource, rid) is not None:
                raise Conflict(f"Resource {raw_id} already exists")
            r = MetricResource(id=rid, original_resource_id=raw_id, type=type_name,
                               project_id=_opt_str(body, "project_id", ctx.project_id),
                               user_id=_opt_str(body, "user_id", ctx.user_id), created_by_user_id=ctx.user_id,
                               created_by_project_id=ctx.project_id or "", started_at=started, ended_at=ended,
                               revision_start=now, attributes=attributes)
            db.add(r)
            db.flush()
            for name, spec in metrics.items():
                self._attach_metric(db, ctx, r, name, spec)
            db.flush()
            return self.render_resource(db, r)

    def _attach_metric(self, db: Session, ctx: RequestContext, r: MetricResource, name: str, spec: Any) -> Metric:
        if isinstance(spec, str):  # an existing metric's id
            m = db.get(Metric, spec)
            if m is None or m.created_by_project_id != ctx.project_id and not ctx.is_admin:
                raise BadRequest(f"Invalid input: Metric {spec} does not exist")
            m.resource_id, m.name = r.id, name
            return m
        if not isinstance(spec, dict):
            raise BadRequest(f"Invalid input: expected a dictionary for dictionary value @ data['metrics']['{name}']")
        if db.scalar(select(Metric.id).where(Metric.resource_id == r.id, Metric.name == name)) is not None:
            raise Conflict(f"Named metric {name} already exists")
        m = Metric(name=name, unit=_opt_str(spec, "unit", None), resource_id=r.id, created_by_user_id=ctx.user_id,
                   created_by_project_id=ctx.project_id or "",
                   archive_policy_name=self._policy_for(db, name, spec.get("archive_policy_name")))
        db.add(m)
        return m

    def _policy_for(self, db: Session, name: str | None, given: Any) -> str:
        """The named archive policy, else the first rule matching the metric's name (longest pattern first)."""
        if given is not None:
            if not isinstance(given, str):
                raise BadRequest("Invalid input: expected str for dictionary value @ data['archive_policy_name']")
            _policy(db, given)
            return given
        rules = sorted(db.scalars(select(ArchivePolicyRule)), key=lambda r: -len(r.metric_pattern))
        for rule in rules:
            if fnmatch.fnmatchcase(name or "", rule.metric_pattern):
                return rule.archive_policy_name
        raise BadRequest("Invalid input: No archive policy name specified and no archive policy rule found "
                         f"matching the metric name {name}")

    def get_resource(self, ctx: RequestContext, type_name: str, resource_id: str) -> dict[str, Any]:
        with self.cloud.db.read() as db:
            return self.render_resource(db, self._resource(db, ctx, type_name, resource_id, "get resource"))

    def update_resource(self, ctx: RequestContext, type_name: str, resource_id: str, body: dict[str, Any]
                        ) -> dict[str, Any]:
        with self.cloud.db.write() as db:
            r = self._resource(db, ctx, type_name, resource_id, "update resource")
            if "id" in body:
                raise BadRequest("Invalid input: extra keys not allowed @ data['id']")
            attributes = schemas.parse_attributes(r.type, body, create=False)
            r.attributes = {**r.attributes, **attributes}
            for key in ("project_id", "user_id"):
                if key in body:
                    setattr(r, key, _opt_str(body, key, None))
            if "ended_at" in body:
                r.ended_at = schemas.parse_time(body["ended_at"], "ended_at") if body["ended_at"] else None
            if "started_at" in body:
                r.started_at = schemas.parse_time(body["started_at"], "started_at")
            for name, spec in (body.get("metrics") or {}).items():
                self._attach_metric(db, ctx, r, name, spec)
            r.revision_start = self.cloud.clock.now()
            db.flush()
            return self.render_resource(db, r)

    def delete_resource(self, ctx: RequestContext, type_name: str, resource_id: str) -> None:
        with self.cloud.db.write() as db:
            r = self._resource(db, ctx, type_name, resource_id, "delete resource")
            metric_ids = list(db.scalars(select(Metric.id).where(Metric.resource_id == r.id)))
            db.execute(delete(Measure).where(Measure.metric_id.in_(metric_ids)))
            blocks.forget(db, metric_ids)
            db.execute(delete(Metric).where(Metric.id.in_(metric_ids)))
            db.delete(r)

    def list_resources(self, ctx: RequestContext, type_name: str, details: bool, query: Any = None,
                       rule: str = "list resource") -> list[dict[str, Any]]:
        self.cloud.policy.enforce(ctx, rule)
        _type(type_name)
        everything = self.cloud.policy.allows(ctx, "list all resource")
        with self.cloud.db.read() as db:
            stmt = select(MetricResource).order_by(MetricResource.revision_start, MetricResource.id)
            if type_name != "generic":
                stmt = stmt.where(MetricResource.type == type_name)
            if not everything:
                stmt = stmt.where(or_(MetricResource.project_id == ctx.project_id,
                                      MetricResource.created_by_project_id == ctx.project_id))
            rendered = [self.render_resource(db, r, details or type_name != "generic") for r in db.scalars(stmt)]
        if query:
            full = [r if details or type_name != "generic" else r for r in rendered]
            rendered = [r for r in full if matches(query, r)]
        return rendered

    # -- metrics
    def _metric(self, db: Session, ctx: RequestContext, metric_id: str, rule: str) -> Metric:
        try:
            key = str(uuid.UUID(metric_id))
        except ValueError:
            raise NotFound(f"Metric {metric_id} does not exist") from None
        m = db.get(Metric, key)
        owner = db.get(MetricResource, m.resource_id) if m is not None and m.resource_id else None
        if m is None or not (ctx.is_admin or ctx.project_id == m.created_by_project_id
                             or (owner is not None and owner.project_id == ctx.project_id)):
            raise NotFound(f"Metric {metric_id} does not exist")
        self.cloud.policy.enforce(ctx, rule, created_by_project_id=m.created_by_project_id,
                                  resource_project_id=owner.project_id if owner else None)
        return m

    def _named_metric(self, db: Session, ctx: RequestContext, type_name: str, resource_id: str, name: str,
                      rule: str) -> Metric:
        r = self._resource(db, ctx, type_name, resource_id, "get resource")
        m = db.scalar(select(Metric).where(Metric.resource_id == r.id, Metric.name == name))
        if m is None:
            raise NotFound(f"Metric {name} does not exist")
        return self._metric(db, ctx, m.id, rule)

    def render_metric(self, db: Session, m: Metric, with_resource: bool = False) -> dict[str, Any]:
        res = None
        if with_resource and m.resource_id:
            owner = db.get(MetricResource, m.resource_id)
            res = self.render_resource(db, owner, False) if owner else None
        return schemas.metric(m, _policy(db, m.archive_policy_name), res)

    def create_metric(self, ctx: RequestContext, body: dict[str, Any]) -> dict[str, Any]:
        self.cloud.policy.enforce(ctx, "create metric")
        unknown = set(body) - {"name", "unit", "archive_policy_name", "resource_id"}
        if unknown:
            raise BadRequest(f"Invalid input: extra keys not allowed @ data['{sorted(unknown)[0]}']")
        with self.cloud.db.write() as db:
            resource_id = body.get("resource_id")
            name = _opt_str(body, "name", None)
            if resource_id is not None:
                if name is None:
                    raise BadRequest("Invalid input: a metric of a resource needs a name")
                r = self._resource(db, ctx, "generic", str(resource_id), "update resource")
                m = self._attach_metric(db, ctx, r, name, body)
            else:
                m = Metric(name=name, unit=_opt_str(body, "unit", None), created_by_user_id=ctx.user_id,
                           created_by_project_id=ctx.project_id or "",
                           archive_policy_name=self._policy_for(db, name, body.get("archive_policy_name")))
                db.add(m)
            db.flush()
            return self.render_metric(db, m)

    def create_resource_metrics(self, ctx: RequestContext, type_name: str, resource_id: str,
                                body: dict[str, Any]) -> list[dict[str, Any]]:
        """POST /resource/{type}/{id}/metric: {name: {archive_policy_name, unit}} adds named metrics."""
        with self.cloud.db.write() as db:
            r = self._resource(db, ctx, type_name, resource_id, "update resource")
            made = [self._attach_metric(db, ctx, r, name, spec) for name, spec in body.items()]
            db.flush()
            return [self.render_metric(db, m) for m in made]

    def get_metric(self, ctx: RequestContext, metric_id: str) -> dict[str, Any]:
        with self.cloud.db.read() as db:
            return self.render_metric(db, self._metric(db, ctx, metric_id, "get metric"), with_resource=True)

    def get_named_metric(self, ctx: RequestContext, type_name: str, resource_id: str, name: str) -> dict[str, Any]:
        with self.cloud.db.read() as db:
            m = self._named_metric(db, ctx, type_name, resource_id, name, "get metric")
            return self.render_metric(db, m, with_resource=True)

    def list_metrics(self, ctx: RequestContext, limit: int | None = None) -> list[dict[str, Any]]:
        self.cloud.policy.enforce(ctx, "list metric")
        everything = self.cloud.policy.allows(ctx, "list all metric")
        with self.cloud.db.read() as db:
            stmt = select(Metric).outerjoin(MetricResource, Metric.resource_id == MetricResource.id) \
                .order_by(Metric.id)
            if not everything:
                stmt = stmt.where(or_(Metric.created_by_project_id == ctx.project_id,
                                      MetricResource.project_id == ctx.project_id))
            if limit is not None:
                stmt = stmt.limit(limit)
            return [self.render_metric(db, m) for m in db.scalars(stmt)]

    def delete_metric(self, ctx: RequestContext, metric_id: str, type_name: str = "", resource_id: str = "") -> None:
        with self.cloud.db.write() as db:
            m = (self._named_metric(db, ctx, type_name, resource_id, metric_id, "delete metric") if resource_id
                 else self._metric(db, ctx, metric_id, "delete metric"))
            db.execute(delete(Measure).where(Measure.metric_id == m.id))
            blocks.forget(db, [m.id])
            db.delete(m)

    # -- measures
    def post_measures(self, ctx: RequestContext, metric_id: str, points: list[tuple[datetime, float]],
                      type_name: str = "", resource_id: str = "") -> None:
        with self.cloud.db.write() as db:
            m = (self._named_metric(db, ctx, type_name, resource_id, metric_id, "post measures") if resource_id
                 else self._metric(db, ctx, metric_id, "post measures"))
            db.add_all(Measure(metric_id=m.id, timestamp=t, value=v) for t, v in points)

    def get_measures(self, ctx: RequestContext, metric_id: str, q: MeasureQuery, type_name: str = "",
                     resource_id: str = "") -> list[tuple[datetime, int, float]]:
        with self.cloud.db.read() as db:
            m = (self._named_metric(db, ctx, type_name, resource_id, metric_id, "get measures") if resource_id
                 else self._metric(db, ctx, metric_id, "get measures"))
            return series(db, m, q)

    # -- the contract (lab/cloud/contracts.py Metric): what the alarm evaluator asks
    def resource_projects(self, db: Session, resource_id: str) -> tuple[str | None, str] | None:
        r = db.get(MetricResource, schemas.resource_uuid(resource_id))
        return None if r is None else (r.project_id, r.created_by_project_id)

    def alarm_points(self, db: Session, project_id: str, rule: dict[str, Any], start: datetime,
                     stop: datetime) -> dict[datetime, list[float]]:
        q = MeasureQuery(rule["aggregation_method"], rule["granularity"], start, stop)
        if "resource_id" in rule:
            resources = [r for r in [db.get(MetricResource, schemas.resource_uuid(rule["resource_id"]))]
                         if r is not None]
        else:
            query = orjson.loads(rule["query"])
            candidates = db.scalars(select(MetricResource).where(MetricResource.type == rule["resource_type"])
                                    if rule["resource_type"] != "generic" else select(MetricResource))
            resources = [r for r in candidates if project_id in (r.project_id, r.created_by_project_id)
                         and _matches(query, schemas.resource(r, [], True))]
        by_time: dict[datetime, list[float]] = {}
        for r in resources:
            m = db.scalar(select(Metric).where(Metric.resource_id == r.id, Metric.name == rule["metric"]))
            if m is None:
                continue
            try:
                points = series(db, m, q)
            except CloudError:  # the metric's policy lacks that granularity or method: no datapoints
                continue
            for t, _g, v in points:
                by_time.setdefault(t, []).append(v)
        return by_time


def _matches(query: Any, rendered: dict[str, Any]) -> bool:
    try:
        return matches(query, rendered)
    except CloudError:  # a query naming an attribute the resource lacks matches nothing
        return False


def series(db: Session, m: Metric, q: MeasureQuery) -> list[tuple[datetime, int, float]]:
    """A metric's aggregated measures: (timestamp, granularity, value), coarsest granularity first."""
    policy = _policy(db, m.archive_policy_name)
    if q.aggregation not in policy.aggregation_methods and not (
            q.aggregation.startswith("rate:") and q.aggregation[5:] in policy.aggregation_methods):
        raise NotFound(f"Aggregation method '{q.aggregation}' for metric {m.id} does not exist")
    definitions = policy.definition
    if q.granularity is not None:
        definitions = [d for d in definitions if d["granularity"] == q.granularity]
        if not definitions:
            raise NotFound(f"Granularity '{q.granularity}' for metric {m.id} does not exist")
    points = [(t, v) for t, v in db.execute(select(Measure.timestamp, Measure.value)
                                           .where(Measure.metric_id == m.id).order_by(Measure.timestamp))]
    collected = list(blocks.read(db, m.id))
    if collected:
        points = sorted(points + collected, key=lambda p: p[0])
    out: list[tuple[datetime, int, float]] = []
    for d in sorted(definitions, key=lambda d: -d["granularity"]):
        out += [(t, d["granularity"], v) for t, v in archive.aggregate(
            points, d["granularity"], q.aggregation, d["points"], q.start, q.stop)]
    return out


def _policy(db: Session, name: str) -> ArchivePolicy:
    policy = db.get(ArchivePolicy, name)
    if policy is None:
        raise NotFound(f"Archive policy {name} does not exist")
    return policy


def _type(name: str) -> str:
    if name not in schemas.RESOURCE_TYPES:
        raise NotFound(f"Resource type {name} does not exist")
    return name


def _opt_str(body: dict[str, Any], key: str, default: str | None) -> str | None:
    value = body.get(key, default)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"Invalid input: expected str for dictionary value @ data['{key}']")
    return value


def _fulfils(service: MetricService) -> contracts.Metric:
    """Checked by mypy: the service is what the other services are promised (lab/cloud/contracts.py)."""
    return service
