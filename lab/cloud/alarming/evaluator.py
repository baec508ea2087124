"""The alarm evaluator and event listener: Aodh's aodh-evaluator and aodh-listener as two periodic worker tasks,
on the lab clock (every `EVERY` seconds of lab time, and once after a clock jump; events every few seconds).

Threshold alarms read their metric's aggregated measures over the last `granularity × evaluation_periods`
(Aodh's window) and keep the last `evaluation_periods` points: all beyond the threshold is `alarm`, none is
`ok`, a mix keeps the state (from `insufficient data` it takes the latest point's), no point is `insufficient
data`. By-resources alarms aggregate the metric of every resource the query matches. Composite alarms combine
their sub-rules with and/or. Event alarms fire on the lab's events (a server's delete is
`compute.instance.delete.end`), read after a cursor kept in the database, so each fires once. A transition is
recorded and its actions run after the commit (notifier.py); with `repeat_actions` the actions run at every
evaluation that stays in the state. Outside its time constraints an alarm is not evaluated, as in Aodh."""

from __future__ import annotations

import fnmatch
import logging
import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.cloud.alarming import notifier
from lab.cloud.alarming.models import Alarm
from lab.cloud.alarming.schemas import THRESHOLD_TYPES
from lab.cloud.alarming.service import record
from lab.cloud.clock import LabState
from lab.cloud.events import Event
from lab.cloud.metric.archive import REDUCERS

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

log = logging.getLogger(__name__)
EVERY = 60.0  # Aodh's evaluation_interval
CURSOR = "alarming.event_cursor"
OPS: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt, "le": operator.le, "eq": operator.eq, "ne": operator.ne, "ge": operator.ge,
    "gt": operator.gt}
# The lab's events under the names of the notifications Ceilometer turns into events.
EVENT_TYPES = {("server", "create"): "compute.instance.create.end", ("server", "delete"): "compute.instance.delete.end",
               ("server", "power_off"): "compute.instance.power_off.end",
               ("server", "power_on"): "compute.instance.power_on.end",
               ("volume", "create"): "volume.create.end", ("volume", "delete"): "volume.delete.end"}


@dataclass(frozen=True)
class Verdict:
    state: str
    reason: str
    data: dict[str, Any]


def start_cursor(cloud: Cloud) -> None:
    """A fresh lab's event alarms start at the present: past events never fire them."""
    with cloud.db.write() as db:
        if db.get(LabState, CURSOR) is None:
            last = db.scalar(select(func.max(Event.id))) or 0
            db.add(LabState(key=CURSOR, value=str(last)))


def evaluate(cloud: Cloud) -> None:
    """One round (the plugin's periodic task; tests call it directly)."""
    now = cloud.clock.now()
    pending: list[notifier.Notice] = []
    with cloud.db.write() as db:
        for a in db.scalars(select(Alarm).where(Alarm.enabled.is_(True), Alarm.type != "event")):
            if not within_constraints(a.time_constraints, now):
                continue
            verdict = judge(cloud, db, a, now)
            a.evaluated_at = now
            pending += transition(db, a, verdict, now)
    for notice in pending:
        notifier.notify(cloud, notice)


def listen_events(cloud: Cloud) -> None:
    """The event listener's round (its own periodic task: event alarms fire within seconds, as Aodh's
    listener reacts to each notification)."""
    with cloud.db.read() as db:
        cursor = db.get(LabState, CURSOR)
        newest = db.scalar(select(func.max(Event.id))) or 0
    if cursor is not None and int(cursor.value) >= newest:
        return  # nothing new: no write transaction
    with cloud.db.write() as db:
        pending = listen(db, cloud.clock.now())
    for notice in pending:
        notifier.notify(cloud, notice)


def transition(db: Session, a: Alarm, v: Verdict, now: datetime) -> list[notifier.Notice]:
    previous = a.state
    if v.state == previous:
        return [notifier.Notice.of(a, previous, v.reason, v.data)] if a.repeat_actions else []
    a.state, a.state_reason, a.state_timestamp = v.state, v.reason, now
    record(db, a, "state transition", {"state": v.state, "transition_reason": v.reason}, now)
    return [notifier.Notice.of(a, previous, v.reason, v.data)]


def judge(cloud: Cloud, db: Session, a: Alarm, now: datetime) -> Verdict:
    if a.type == "composite":
        outcome, reason = _composite(cloud, db, a, a.rule, now)
        state = {True: "alarm", False: "ok", None: "insufficient data"}[outcome]
        if outcome is None:
            return Verdict(state, f"Composite rule alarm with composition form: {reason} remained unknown",
                           {"type": "composite", "composition_form": reason})
        return Verdict(state, f"Composite rule alarm with composition form: {reason} transition to {state}",
                       {"type": "composite", "composition_form": reason})
    values = statistics(cloud, db, a.rule, a.project_id, now)
    return threshold_verdict(a.state, a.rule, values)


def threshold_verdict(current: str, rule: dict[str, Any], values: list[float]) -> Verdict:
    if not values:
        return Verdict("insufficient data", f"No datapoint for granularity {rule['granularity']}",
                       {"type": "threshold", "disposition": "unknown", "count": 0, "most_recent": None})
    compare = OPS[rule["comparison_operator"]]
    outside = [compare(v, rule["threshold"]) for v in values]
    latest = values[-1]
    if all(outside) or (current == "insufficient data" and outside[-1]):
        n = len(values) if all(outside) else 1
        return Verdict("alarm", f"Transition to alarm due to {n} samples outside threshold, most recent: {latest}",
                       {"type": "threshold", "disposition": "outside", "count": n, "most_recent": latest})
    if not any(outside) or current == "insufficient data":
        n = len(values) if not any(outside) else 1
        return Verdict("ok", f"Transition to ok due to {n} samples inside threshold, most recent: {latest}",
                       {"type": "threshold", "disposition": "inside", "count": n, "most_recent": latest})
    return Verdict(current, f"Remaining as {current} due to {len(values)} samples partly outside threshold, "
                            f"most recent: {latest}",
                   {"type": "threshold", "disposition": "mixed", "count": len(values), "most_recent": latest})


def statistics(cloud: Cloud, db: Session, rule: dict[str, Any], project: str, now: datetime) -> list[float]:
    """The last `evaluation_periods` aggregated points of the rule's metric (across resources: their
    re-aggregation by the same method) in Aodh's window, read from the metric service as Aodh asks Gnocchi."""
    granularity, periods = rule["granularity"], rule["evaluation_periods"]
    by_time = cloud.metric.alarm_points(db, project, rule, now - timedelta(seconds=granularity * (periods + 1)), now)
    method = rule["aggregation_method"]
    reduce = REDUCERS.get(method.removeprefix("rate:"), REDUCERS["mean"])
    return [reduce(by_time[t]) for t in sorted(by_time)][-periods:]


def _composite(cloud: Cloud, db: Session, a: Alarm, rule: dict[str, Any], now: datetime) -> tuple[bool | None, str]:
    ((op, items),) = rule.items()
    outcomes, forms = [], []
    for item in items:
        if "type" in item and item["type"] in THRESHOLD_TYPES:
            values = statistics(cloud, db, item, a.project_id, now)
            v = threshold_verdict("ok", item, values)
            outcome = None if not values else v.state == "alarm"
            form = f"{item['metric']} {item['comparison_operator']} {item['threshold']}"
        else:
            outcome, form = _composite(cloud, db, a, item, now)
        outcomes.append(outcome)
        forms.append(f"({form})" if " " in form else form)
    form = f" {op} ".join(forms)
    if op == "and":
        return (False if False in outcomes else None if None in outcomes else True), form
    return (True if True in outcomes else None if None in outcomes else False), form


def within_constraints(constraints: list[dict[str, Any]], now: datetime) -> bool:
    """True when there are none, or `now` is inside one: a cron start (UTC) less than `duration` ago."""
    if not constraints:
        return True
    for c in constraints:
        minute = now.replace(second=0, microsecond=0)
        for back in range(0, int(c["duration"]) // 60 + 1):
            if _cron_matches(c["start"], minute - timedelta(minutes=back)):
                return True
    return False


def _cron_matches(expr: str, t: datetime) -> bool:
    values = (t.minute, t.hour, t.day, t.month, (t.isoweekday() % 7))
    ranges = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
    return all(_field_matches(f, v, lo, hi) for f, v, (lo, hi) in zip(expr.split(), values, ranges, strict=True))


def _field_matches(field: str, value: int, lo: int, hi: int) -> bool:
    for part in field.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            start, end = lo, hi
        elif "-" in base:
            start, end = (int(x) for x in base.split("-"))
        else:
            start = end = int(base)
        if start <= value <= end and (value - start) % int(step or 1) == 0:
            return True
    return False


def listen(db: Session, now: datetime) -> list[notifier.Notice]:
    """Event alarms: each new lab event, as the notification it stands for, against every enabled event alarm
    of its project."""
    cursor = db.get(LabState, CURSOR)
    last = int(cursor.value) if cursor else 0
    events = list(db.scalars(select(Event).where(Event.id > last).order_by(Event.id).limit(5000)))
    if not events:
        return []
    if cursor is None:
        cursor = LabState(key=CURSOR, value="0")
        db.add(cursor)
    cursor.value = str(events[-1].id)
    alarms = list(db.scalars(select(Alarm).where(Alarm.enabled.is_(True), Alarm.type == "event")))
    notices: list[notifier.Notice] = []
    for e in events:
        event_type = EVENT_TYPES.get((e.resource_type, e.action), f"{e.resource_type}.{e.action}")
        traits = {"project_id": e.project_id, "tenant_id": e.project_id, "user_id": e.user_id,
                  "resource_id": e.resource_id, **{k: v for k, v in e.attributes.items() if not isinstance(v, dict)}}
        if e.resource_type == "server":
            traits["instance_id"] = e.resource_id
            traits.setdefault("display_name", e.attributes.get("name"))
        for a in alarms:
            if a.project_id != e.project_id or not fnmatch.fnmatchcase(event_type, a.rule["event_type"]):
                continue
            if not all(_trait_matches(q, traits) for q in a.rule["query"]):
                continue
            if not within_constraints(a.time_constraints, now):
                continue
            reason = f"Event <id={e.id},event_type={event_type}> hits the query <query={a.rule['query']}>."
            data = {"type": "event", "event": {"event_type": event_type, "traits": traits,
                                               "generated": e.time.isoformat()}}
            if a.state != "alarm":
                notices += transition(db, a, Verdict("alarm", reason, data), now)
            elif a.repeat_actions:
                notices.append(notifier.Notice.of(a, "alarm", reason, data))
            a.evaluated_at = now
    return notices


def _trait_matches(q: dict[str, Any], traits: dict[str, Any]) -> bool:
    field = q["field"].removeprefix("traits.")
    if field not in traits:
        return False
    mine, value = traits[field], q["value"]
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            mine = float(mine)
        except (TypeError, ValueError):
            return False
    else:
        mine, value = str(mine), str(value)
    return bool(OPS[q["op"]](mine, value))
