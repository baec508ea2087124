"""Aodh's bodies: parsing an alarm create or update (the type's rule with Aodh's defaults, actions, time
constraints) with Aodh's 400 wording, and rendering alarms, their state and their history."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import orjson

from lab.cloud import validation as V
from lab.cloud.alarming.models import Alarm, AlarmChange
from lab.cloud.errors import BadRequest
from lab.cloud.metric.archive import VALID_METHODS

STATES = ("ok", "alarm", "insufficient data")
SEVERITIES = ("low", "moderate", "critical")
OPERATORS = ("lt", "le", "eq", "ne", "ge", "gt")
THRESHOLD_TYPES = ("gnocchi_resources_threshold", "gnocchi_aggregation_by_resources_threshold")
TYPES = (*THRESHOLD_TYPES, "event", "composite")
# The schemes Aodh's notifiers serve here; `stacklab://stop` is the lab's own: it stops the alarm's server.
SCHEMES = ("log", "http", "https", "stacklab")
LAB_ACTIONS = ("stacklab://stop",)
ACTION_KEYS = ("ok_actions", "alarm_actions", "insufficient_data_actions")
CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")


def ts(dt: datetime | None) -> str | None:
    """Aodh's timestamps: ISO 8601 with microseconds, no zone."""
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.%f")


W = V.WSME  # Aodh's API is WSME's, as Octavia's


def _invalid(message: str) -> BadRequest:
    """A 400 in a sentence of Aodh's own (not about one attribute's value)."""
    return BadRequest(message)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise W.bad(what, value, "Wrong type.")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise W.bad(what, value, "Wrong type.") from None


def _positive_int(value: Any, what: str) -> int:
    number = _number(value, what)
    if number != int(number) or number < 1:
        raise W.refuse(what, value, "minimum", limit=1)
    return int(number)


def _text(value: Any, what: str, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise W.refuse(what, value, "required")
    return value


def threshold_rule(kind: str, raw: Any) -> dict[str, Any]:
    """A gnocchi threshold rule with Aodh's defaults (granularity 60, evaluation_periods 1, operator eq)."""
    if not isinstance(raw, dict):
        raise _invalid(f"{kind}_rule must be set for {kind} type alarm")
    operator = V.one_of(*OPERATORS)(W, "comparison_operator", raw.get("comparison_operator", "eq"))
    method = _text(raw.get("aggregation_method"), "aggregation_method")
    if method not in VALID_METHODS:
        raise _invalid(f"aggregation_method should be in {', '.join(VALID_METHODS)} not {method}")
    if raw.get("threshold") is None:
        raise W.refuse("threshold", None, "required")
    rule: dict[str, Any] = {
        "comparison_operator": operator, "threshold": _number(raw["threshold"], "threshold"),
        "aggregation_method": method, "granularity": _positive_int(raw.get("granularity", 60), "granularity"),
        "evaluation_periods": _positive_int(raw.get("evaluation_periods", 1), "evaluation_periods"),
        "metric": _text(raw.get("metric"), "metric"),
        "resource_type": _text(raw.get("resource_type"), "resource_type")}
    if kind == "gnocchi_resources_threshold":
        rule["resource_id"] = _text(raw.get("resource_id"), "resource_id")
    else:
        query = raw.get("query")
        if isinstance(query, dict):
            query = orjson.dumps(query).decode()
        query = _text(query, "query")
        try:
            orjson.loads(query)
        except orjson.JSONDecodeError:
            raise W.bad("query", query, "not a JSON query") from None
        rule["query"] = query
    return rule


def event_rule(raw: Any) -> dict[str, Any]:
    raw = raw if isinstance(raw, dict) else {}
    query = raw.get("query") or []
    if not isinstance(query, list):
        raise _invalid("Invalid input for field/attribute query. Value: not a list.")
    parsed = []
    for q in query:
        if not isinstance(q, dict) or not isinstance(q.get("field"), str) or "value" not in q:
            raise _invalid(f"Invalid input for field/attribute query. Value: '{q}'.")
        op = q.get("op", "eq")
        if op not in OPERATORS:
            raise _invalid(f"Invalid input for field/attribute op. Value: '{op}'.")
        parsed.append({"field": q["field"], "op": op, "value": q["value"], "type": q.get("type", "")})
    event_type = raw.get("event_type", "*")
    return {"event_type": _text(event_type, "event_type"), "query": parsed}


def composite_rule(raw: Any, depth: int = 0) -> dict[str, Any]:
    """`{"or": [rule, {"and": [rule, rule]}]}`: each leaf a gnocchi threshold rule with its `type`."""
    if depth > 5 or not isinstance(raw, dict) or len(raw) != 1:
        raise _invalid("Invalid input for field/attribute composite_rule: an {'and'|'or': [...]} rule is needed")
    ((op, items),) = raw.items()
    if op not in ("and", "or") or not isinstance(items, list) or not items:
        raise _invalid("Invalid input for field/attribute composite_rule: an {'and'|'or': [...]} rule is needed")
    out = []
    for item in items:
        if isinstance(item, dict) and set(item) & {"and", "or"}:
            out.append(composite_rule(item, depth + 1))
        elif isinstance(item, dict) and item.get("type") in THRESHOLD_TYPES:
            out.append({"type": item["type"], **threshold_rule(item["type"], item)})
        else:
            raise _invalid(f"Unsupported sub-rule type in composite rule: {item}")
    return {op: out}


def actions(body: dict[str, Any], allowed_hosts: set[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key in ACTION_KEYS:
        if key not in body:
            continue
        urls = body[key] or []
        if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
            raise W.bad(key, urls, "Wrong type.")
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in SCHEMES or (parts.scheme == "stacklab" and url not in LAB_ACTIONS):
                raise _invalid(f"Unsupported action {url}")
            if parts.scheme in ("http", "https") and not _allowed(parts.hostname or "", allowed_hosts):
                raise _invalid(f"Unsupported action {url}: the lab posts only to loopback or the classroom's host")
        if len(set(urls)) != len(urls):
            raise _invalid(f"{key} for alarm {body.get('name')} contains duplicate actions")
        out[key] = list(urls)
    return out


def _allowed(host: str, allowed_hosts: set[str]) -> bool:
    if host in allowed_hosts or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def time_constraints(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _invalid("Invalid input for field/attribute time_constraints. Wrong type.")
    out = []
    for c in raw:
        if not isinstance(c, dict):
            raise _invalid("Invalid input for field/attribute time_constraints. Wrong type.")
        start = _text(c.get("start"), "start")
        if len(start.split()) != 5 or not all(CRON_FIELD.match(f) for f in start.split()):
            raise W.bad("start", start, "Invalid cron expression")
        out.append({"name": _text(c.get("name"), "name"), "start": start,
                    "duration": _positive_int(c.get("duration"), "duration"),
                    "description": c.get("description") or f"Time constraint at {start} lasting for "
                                                           f"{c.get('duration')} seconds",
                    "timezone": c.get("timezone") or ""})
    names = [c["name"] for c in out]
    if len(set(names)) != len(names):
        raise _invalid("Time constraint names must be unique for a given alarm.")
    return out


def parse_rule(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    if kind in THRESHOLD_TYPES:
        return threshold_rule(kind, body.get(f"{kind}_rule"))
    if kind == "event":
        return event_rule(body.get("event_rule"))
    return composite_rule(body.get("composite_rule"))


def choice(value: Any, allowed: tuple[str, ...], what: str) -> str:
    return str(V.one_of(*allowed)(W, what, value))


def flag(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise W.bad(what, value, "Wrong type.")


# ----------------------------------------------------------------------------------------------- renderers
def alarm(a: Alarm) -> dict[str, Any]:
    return {"alarm_id": a.alarm_id, "name": a.name, "description": a.description, "type": a.type,
            f"{a.type}_rule": a.rule, "enabled": a.enabled, "state": a.state, "state_reason": a.state_reason,
            "severity": a.severity, "repeat_actions": a.repeat_actions, "ok_actions": a.ok_actions,
            "alarm_actions": a.alarm_actions, "insufficient_data_actions": a.insufficient_data_actions,
            "time_constraints": a.time_constraints, "user_id": a.user_id, "project_id": a.project_id,
            "timestamp": ts(a.timestamp), "state_timestamp": ts(a.state_timestamp),
            "evaluate_timestamp": ts(a.evaluated_at)}


def change(c: AlarmChange) -> dict[str, Any]:
    return {"event_id": c.event_id, "alarm_id": c.alarm_id, "type": c.type, "detail": c.detail,
            "user_id": c.user_id, "project_id": c.project_id, "on_behalf_of": c.on_behalf_of,
            "severity": c.severity, "timestamp": ts(c.timestamp)}
