"""Gnocchi's bodies: the resource types the lab serves (Ceilometer's, from its gnocchi_resources.yaml), request
parsing for resources, metrics and measures, and every response renderer."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Any

from lab.cloud import validation as V
from lab.cloud.metric.archive import render_span
from lab.cloud.metric.models import ArchivePolicy, ArchivePolicyRule, Metric, MetricResource


def _string(required: bool, max_length: int = 255) -> dict[str, Any]:
    return {"type": "string", "required": required, "min_length": 0, "max_length": max_length}


def _uuid(required: bool) -> dict[str, Any]:
    return {"type": "uuid", "required": required}


# Resource types and their attributes, as `ceilometer-upgrade` creates them in Gnocchi.
RESOURCE_TYPES: dict[str, dict[str, dict[str, Any]]] = {
    "generic": {},
    "instance": {"display_name": _string(True), "flavor_id": _string(True), "flavor_name": _string(True),
                 "image_ref": _string(False), "host": _string(True), "server_group": _string(False)},
    "instance_disk": {"name": _string(True), "instance_id": _uuid(True)},
    "instance_network_interface": {"name": _string(True), "instance_id": _uuid(True)},
    "volume": {"display_name": _string(False), "volume_type": _string(False)},
    "image": {"name": _string(True), "container_format": _string(True), "disk_format": _string(True)},
}
GENERIC_FIELDS = ("id", "original_resource_id", "type", "project_id", "user_id", "creator", "created_by_user_id",
                  "created_by_project_id", "started_at", "ended_at", "revision_start", "revision_end", "metrics")
# Gnocchi's namespace for ids that are not UUIDs (gnocchi/utils.py RESOURCE_ID_NAMESPACE).
W = V.GNOCCHI
RESOURCE_ID_NAMESPACE = uuid.UUID("0a7a15ff-aa13-4ac2-897c-9bdf30ce175b")


def ts(dt: datetime | None) -> str | None:
    """Gnocchi's timestamps: ISO 8601 with microseconds and the UTC offset."""
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def parse_time(value: Any, what: str) -> datetime:
    """A timestamp as Gnocchi reads one: ISO 8601 (zone optional) or seconds since the epoch."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.utcfromtimestamp(float(value))
    if isinstance(value, str):
        try:
            return datetime.utcfromtimestamp(float(value))
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                parsed = (parsed - parsed.utcoffset()).replace(tzinfo=None)  # type: ignore[operator]
            return parsed
    raise W.bad("", None, f"Unable to parse timestamp: {value!r} for {what}")


def resource_uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return str(uuid.uuid5(RESOURCE_ID_NAMESPACE, value))


# ----------------------------------------------------------------------------------------------- renderers
def archive_policy(p: ArchivePolicy) -> dict[str, Any]:
    return {"name": p.name, "back_window": p.back_window, "aggregation_methods": sorted(p.aggregation_methods),
            "definition": [{"granularity": render_span(d["granularity"]), "points": d["points"],
                            "timespan": render_span(d["granularity"] * d["points"])} for d in p.definition]}


def archive_policy_rule(r: ArchivePolicyRule) -> dict[str, Any]:
    return {"name": r.name, "metric_pattern": r.metric_pattern, "archive_policy_name": r.archive_policy_name}


def resource_type(name: str) -> dict[str, Any]:
    return {"name": name, "state": "active", "attributes": RESOURCE_TYPES[name]}


def creator(user_id: str, project_id: str) -> str:
    return f"{user_id}:{project_id}"


def resource(r: MetricResource, metrics: list[Metric], with_attributes: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": r.id, "original_resource_id": r.original_resource_id, "type": r.type, "project_id": r.project_id,
        "user_id": r.user_id, "creator": creator(r.created_by_user_id, r.created_by_project_id),
        "created_by_user_id": r.created_by_user_id, "created_by_project_id": r.created_by_project_id,
        "started_at": ts(r.started_at), "ended_at": ts(r.ended_at), "revision_start": ts(r.revision_start),
        "revision_end": None, "metrics": {m.name: m.id for m in metrics if m.name is not None}}
    if with_attributes:
        for key in RESOURCE_TYPES.get(r.type, {}):
            body[key] = r.attributes.get(key)
    return body


def metric(m: Metric, policy: ArchivePolicy, res: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": m.id, "name": m.name, "unit": m.unit, "resource_id": m.resource_id,
        "archive_policy": archive_policy(policy),
        "creator": creator(m.created_by_user_id, m.created_by_project_id),
        "created_by_user_id": m.created_by_user_id, "created_by_project_id": m.created_by_project_id}
    if res is not None:
        body["resource"] = res
    return body


def measures(series: list[tuple[datetime, int, float]]) -> list[list[Any]]:
    return [[ts(t), float(g), None if math.isnan(v) else v] for t, g, v in series]


# --------------------------------------------------------------------------------------------------- parsing
def parse_measures(body: Any) -> list[tuple[datetime, float]]:
    """A measures POST: [{"timestamp": ..., "value": ...}, ...]."""
    if not isinstance(body, list):
        raise W.bad("", None, "expected a list")
    out = []
    for item in body:
        if not isinstance(item, dict) or "timestamp" not in item or "value" not in item:
            raise W.bad("", None, "required key not provided @ data['timestamp'] or data['value']")
        value = item["value"]
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise W.bad("", None, f"expected float for dictionary value @ data['value'] ({value!r})")
        try:
            number = float(value)
        except ValueError:
            raise W.bad("", None, f"expected float for dictionary value @ data['value'] ({value!r})")\
                from None
        out.append((parse_time(item["timestamp"], "timestamp"), number))
    return out


def _uuid_value(w: V.Wording, key: str, value: Any) -> str:
    V.string(max_len=None)(w, key, value)
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise w.bad(key, value, f"not a valid value for dictionary value @ data['{key}']") from None


def _attribute_check(spec: dict[str, Any]) -> V.Check[Any]:
    """A resource type attribute's check (null allowed, as Gnocchi's attributes are nullable)."""
    return V.nullable(_uuid_value if spec["type"] == "uuid" else V.string(0, spec["max_length"]))


def parse_attributes(type_name: str, body: dict[str, Any], create: bool) -> dict[str, Any]:
    """The type's own attributes in a resource create or PATCH body (unknown keys are Gnocchi's 400)."""
    schema = RESOURCE_TYPES[type_name]
    allowed = set(schema) | {"id", "project_id", "user_id", "started_at", "ended_at", "metrics"}
    for key in body:
        if key not in allowed:
            raise W.unexpected("", body, [key])
    table = {key: V.Attr(_attribute_check(spec), required=spec["required"]) for key, spec in schema.items()}
    return V.parse_object(W, table, {k: body[k] for k in schema if k in body}, type_name, update=not create,
                          table_order=True)
