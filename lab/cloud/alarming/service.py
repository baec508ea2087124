"""The alarm service's behaviour (Aodh v2): alarms and their history, with Aodh's checks and wording, and the
plugin hooks (bootstrap starts the event cursor at the present; a reset purges a project's alarms).

Another project's alarm answers 404, as in Aodh. Every change is recorded in the history in the same
transaction (creation, rule change, state transition, deletion), as Aodh's `record_alarm_change` does."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud.alarming import schemas
from lab.cloud.alarming.models import Alarm, AlarmChange
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, Forbidden, NotFound
from lab.cloud.metric.query import matches
from lab.cloud.plugin import Purge
from lab.cloud.quotas import Exceeded

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

# q.field names a list may filter on (Aodh's), and the alarm attributes they read.
LIST_FIELDS = ("alarm_id", "name", "type", "state", "severity", "enabled", "project_id", "user_id")
UPDATABLE = ("name", "description", "enabled", "severity", "repeat_actions", "state", "time_constraints",
             *schemas.ACTION_KEYS)


def record(db: Session, a: Alarm, kind: str, detail: dict[str, Any], now: datetime,
           ctx: RequestContext | None = None) -> None:
    db.add(AlarmChange(alarm_id=a.alarm_id, type=kind, detail=orjson.dumps(detail).decode(),
                       user_id=ctx.user_id if ctx else a.user_id, project_id=ctx.project_id if ctx else a.project_id,
                       on_behalf_of=a.project_id, severity=a.severity, timestamp=now))


class AlarmingService:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    # -- hooks
    def bootstrap(self) -> None:
        from lab.cloud.alarming.evaluator import start_cursor
        start_cursor(self.cloud)

    def purge_project(self, purge: Purge) -> None:
        ids = list(purge.db.scalars(select(Alarm.alarm_id).where(Alarm.project_id == purge.project_id)))
        purge.db.execute(delete(AlarmChange).where(AlarmChange.alarm_id.in_(ids)))
        purge.db.execute(delete(Alarm).where(Alarm.alarm_id.in_(ids)))
        purge.removed["alarms"] += len(ids)

    def holdings(self, db: Session, project_id: str, user_ids: list[str]) -> dict[str, int]:
        from lab.cloud.alarming.quotas import alarms_in_use
        return {"alarms": alarms_in_use(db, project_id)}

    # -- reads
    def _get(self, db: Session, ctx: RequestContext, alarm_id: str, rule: str) -> Alarm:
        a = db.get(Alarm, alarm_id)
        if a is None or not (ctx.is_admin or a.project_id == ctx.project_id):
            raise NotFound(f"Alarm {alarm_id} not found")
        self.cloud.policy.enforce(ctx, rule, a.project_id)
        return a

    def get(self, ctx: RequestContext, alarm_id: str, rule: str = "telemetry:get_alarm") -> Alarm:
        with self.cloud.db.read() as db:
            return self._get(db, ctx, alarm_id, rule)

    def list_alarms(self, ctx: RequestContext, q: list[tuple[str, str, str]], query: Any = None,
             rule: str = "telemetry:get_alarms") -> list[Alarm]:
        self.cloud.policy.enforce(ctx, rule)
        everything = ctx.is_admin and (ctx.all_projects or any(f == "all_projects" and v.lower() == "true"
                                                                for f, _o, v in q))
        with self.cloud.db.read() as db:
            stmt = select(Alarm).order_by(Alarm.timestamp.desc(), Alarm.alarm_id)
            if not everything:
                stmt = stmt.where(Alarm.project_id == ctx.project_id)
            alarms = list(db.scalars(stmt))
        for field, op, value in q:
            if field == "all_projects":
                continue
            if field not in LIST_FIELDS:
                raise BadRequest(f"Unknown argument: \"{field}\": unrecognized field in query: {[field]}, valid "
                                 f"keys: {sorted(LIST_FIELDS)}")
            if op not in ("eq", "ne"):
                raise BadRequest(f"Invalid input for field/attribute op. Value: '{op}'. unimplemented operator for "
                                 f"{field}")
            def text(a: Alarm, f: str = field) -> str:
                got = getattr(a, f)
                return str(got).lower() if isinstance(got, bool) else str(got)
            alarms = [a for a in alarms if (text(a) == value.lower() if field == "enabled" else text(a) == value)
                      == (op == "eq")]
        if query:
            alarms = [a for a in alarms if matches(query, schemas.alarm(a))]
        return alarms

    def history(self, ctx: RequestContext, alarm_id: str) -> list[AlarmChange]:
        with self.cloud.db.read() as db:
            a = db.get(Alarm, alarm_id)
            project = a.project_id if a else None
            if project is None:  # a deleted alarm's history stays readable, as in Aodh
                project = db.scalar(select(AlarmChange.on_behalf_of).where(AlarmChange.alarm_id == alarm_id))
            if project is None or not (ctx.is_admin or project == ctx.project_id):
                raise NotFound(f"Alarm {alarm_id} not found")
            self.cloud.policy.enforce(ctx, "telemetry:alarm_history", project)
            return list(db.scalars(select(AlarmChange).where(AlarmChange.alarm_id == alarm_id)
                                   .order_by(AlarmChange.timestamp.desc(), AlarmChange.event_id)))

    # -- writes
    def _owner(self, ctx: RequestContext, body: dict[str, Any]) -> tuple[str, str]:
        project = body.get("project_id") or ctx.project_id
        user = body.get("user_id") or ctx.user_id
        if (project != ctx.project_id or user != ctx.user_id) and not ctx.is_admin:
            raise Forbidden("Not Authorized to access project " + str(project))
        return str(user), str(project)

    def _check_rule(self, db: Session, ctx: RequestContext, kind: str, rule: dict[str, Any], project: str) -> None:
        """A threshold alarm's metric must be one the alarm's project can read (Aodh asks Gnocchi the same)."""
        if kind != "gnocchi_resources_threshold":
            return
        owners = self.cloud.metric.resource_projects(db, rule["resource_id"])
        if owners is None or not (ctx.is_admin or project in owners):
            raise BadRequest(f"Resource {rule['resource_id']} does not exist")

    def create(self, ctx: RequestContext, body: dict[str, Any]) -> Alarm:
        self.cloud.policy.enforce(ctx, "telemetry:create_alarm")
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise BadRequest("Invalid input for field/attribute name. Value: 'None'. Mandatory field missing.")
        kind = schemas.choice(body.get("type"), schemas.TYPES, "type")
        rule = schemas.parse_rule(kind, body)
        user, project = self._owner(ctx, body)
        now = self.cloud.clock.now()
        a = Alarm(name=name, description=str(body.get("description") or f"Alarm when {name} is triggered"),
                  type=kind, rule=rule, user_id=user, project_id=project, timestamp=now, state_timestamp=now,
                  severity=schemas.choice(body.get("severity", "low"), schemas.SEVERITIES, "severity"),
                  state=schemas.choice(body.get("state", "insufficient data"), schemas.STATES, "state"),
                  enabled=schemas.flag(body.get("enabled", True), "enabled"),
                  repeat_actions=schemas.flag(body.get("repeat_actions", False), "repeat_actions"),
                  time_constraints=schemas.time_constraints(body.get("time_constraints")),
                  **schemas.actions(body, {self.cloud.settings.host}))
        with self.cloud.db.write() as db:
            self._check_rule(db, ctx, kind, rule, project)
            if db.scalar(select(Alarm.alarm_id).where(Alarm.project_id == project, Alarm.name == name)):
                raise Conflict(f"Alarm with name='{name}' exists")
            try:
                self.cloud.quotas.check(db, "alarming", project, {"alarms": 1})
            except Exceeded:
                raise Forbidden("Alarm quota exceeded for project") from None
            db.add(a)
            db.flush()
            record(db, a, "creation", {**schemas.alarm(a)}, now, ctx)
        return a

    def update(self, ctx: RequestContext, alarm_id: str, body: dict[str, Any]) -> Alarm:
        """PUT: the whole alarm as the client sends it back (aodhclient GETs, merges, PUTs)."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            a = self._get(db, ctx, alarm_id, "telemetry:change_alarm")
            before = schemas.alarm(a)
            kind = schemas.choice(body.get("type", a.type), schemas.TYPES, "type")
            if f"{kind}_rule" in body or kind != a.type:
                a.rule = schemas.parse_rule(kind, body)
                a.type = kind
            name = body.get("name", a.name)
            if not isinstance(name, str) or not name:
                raise BadRequest(f"Invalid input for field/attribute name. Value: '{name}'. Mandatory field missing.")
            if name != a.name and db.scalar(select(Alarm.alarm_id).where(Alarm.project_id == a.project_id,
                                                                         Alarm.name == name)):
                raise Conflict(f"Alarm with name='{name}' exists")
            a.name = name
            a.description = str(body.get("description", a.description))
            a.severity = schemas.choice(body.get("severity", a.severity), schemas.SEVERITIES, "severity")
            a.enabled = schemas.flag(body.get("enabled", a.enabled), "enabled")
            a.repeat_actions = schemas.flag(body.get("repeat_actions", a.repeat_actions), "repeat_actions")
            if "time_constraints" in body:
                a.time_constraints = schemas.time_constraints(body["time_constraints"])
            for key, urls in schemas.actions(body, {self.cloud.settings.host}).items():
                setattr(a, key, urls)
            self._check_rule(db, ctx, a.type, a.rule, a.project_id)
            state = schemas.choice(body.get("state", a.state), schemas.STATES, "state")
            if state != a.state:
                a.state, a.state_timestamp, a.state_reason = state, now, "Manually set via API"
            a.timestamp = now
            after = schemas.alarm(a)
            changed = {k: v for k, v in after.items() if before.get(k) != v and k not in ("timestamp",
                                                                                       "state_timestamp")}
            if changed:
                record(db, a, "rule change", changed, now, ctx)
            db.flush()
            return a

    def delete(self, ctx: RequestContext, alarm_id: str) -> None:
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            a = self._get(db, ctx, alarm_id, "telemetry:delete_alarm")
            record(db, a, "deletion", schemas.alarm(a), now, ctx)
            db.delete(a)

    def set_state(self, ctx: RequestContext, alarm_id: str, state: Any) -> str:
        if state not in schemas.STATES:
            raise BadRequest(f"state invalid: {state}" if isinstance(state, str) else "state invalid")
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            a = self._get(db, ctx, alarm_id, "telemetry:change_alarm_state")
            if a.state != state:
                a.state, a.state_timestamp, a.state_reason = state, now, "Manually set via API"
                record(db, a, "state transition", {"state": state, "transition_reason": a.state_reason}, now, ctx)
            return a.state
