"""Gnocchi's resource types: the built-in ones (Ceilometer's, schemas.RESOURCE_TYPES) and those an operator
creates (POST /v1/resource_type, changed with a JSON patch, deleted when unused), with Gnocchi's attribute
types (string, uuid, number, bool, datetime) and how a resource's attribute values are checked against them."""

from __future__ import annotations

import re
import uuid
from typing import Any

from lab.cloud.errors import BadRequest

ATTRIBUTE_TYPES = ("string", "uuid", "number", "bool", "datetime")
# The resource's own fields, which no type may declare as an attribute (Gnocchi's reserved names).
RESERVED = frozenset({"id", "type", "metrics", "revision", "revision_start", "revision_end", "started_at",
                      "ended_at", "user_id", "project_id", "created_by_user_id", "created_by_project_id", "creator",
                      "original_resource_id"})
NAME = re.compile(r"^[a-zA-Z0-9_-]+$")


def _bool(spec: dict[str, Any], key: str, default: bool) -> bool:
    value = spec.get(key, default)
    if not isinstance(value, bool):
        raise BadRequest(f"Invalid input: expected bool for dictionary value @ data['{key}']")
    return value


def _int(spec: dict[str, Any], key: str, default: int | None) -> int | None:
    value = spec.get(key, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise BadRequest(f"Invalid input: expected int for dictionary value @ data['{key}']")
    return None if value is None else int(value)


def parse_attribute(name: str, spec: Any) -> dict[str, Any]:
    """One attribute's definition, filled with Gnocchi's defaults (required: true; string 0..255)."""
    if not NAME.match(name) or len(name) > 63:
        raise BadRequest(f"Invalid input: invalid attribute name '{name}'")
    if name in RESERVED:
        raise BadRequest(f"Invalid input: {name} is a reserved attribute name")
    if not isinstance(spec, dict):
        raise BadRequest(f"Invalid input: expected a dictionary for dictionary value @ data['attributes']['{name}']")
    kind = spec.get("type")
    if kind not in ATTRIBUTE_TYPES:
        raise BadRequest(f"Invalid input: not a valid value for dictionary value @ data['attributes']['{name}']"
                         "['type']")
    out: dict[str, Any] = {"type": kind, "required": _bool(spec, "required", True)}
    if kind == "string":
        low, high = _int(spec, "min_length", 0), _int(spec, "max_length", 255)
        if low is None or high is None or low < 0 or high < low:
            raise BadRequest(f"Invalid input: invalid min_length/max_length for attribute {name}")
        out.update(min_length=low, max_length=high)
    elif kind == "number":
        out.update(min=spec.get("min"), max=spec.get("max"))
    extra = set(spec) - set(out) - {"options"}
    if extra:
        raise BadRequest(f"Invalid input: extra keys not allowed @ data['attributes']['{name}']['{sorted(extra)[0]}']")
    return out


def parse_create(body: dict[str, Any]) -> tuple[str, dict[str, dict[str, Any]]]:
    """POST /v1/resource_type: {"name", "attributes": {name: definition}}."""
    extra = set(body) - {"name", "attributes"}
    if extra:
        raise BadRequest(f"Invalid input: extra keys not allowed @ data['{sorted(extra)[0]}']")
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise BadRequest("Invalid input: required key not provided @ data['name']")
    if not NAME.match(name) or len(name) > 255:
        raise BadRequest(f"Invalid input: invalid resource type name '{name}'")
    attributes = body.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise BadRequest("Invalid input: expected a dictionary for dictionary value @ data['attributes']")
    return name, {key: parse_attribute(key, spec) for key, spec in attributes.items()}


def apply_patch(attributes: dict[str, dict[str, Any]], patch: Any) -> tuple[dict[str, dict[str, Any]],
                                                                           dict[str, Any]]:
    """A JSON patch of a type (only `add` and `remove` of /attributes/<name>, as Gnocchi allows). Returns the
    new attributes and the fill values the existing resources get for each added attribute."""
    if not isinstance(patch, list) or not patch:
        raise BadRequest("Invalid input: expected a non-empty list of JSON patch operations")
    result, fills = dict(attributes), {}
    for op in patch:
        if not isinstance(op, dict) or op.get("op") not in ("add", "remove"):
            raise BadRequest("Invalid input: only the 'add' and 'remove' operations are supported")
        path = op.get("path")
        if not isinstance(path, str) or not path.startswith("/attributes/") or path.count("/") != 2:
            raise BadRequest(f"Invalid input: invalid path {path!r}: only /attributes/<name> may change")
        name = path.removeprefix("/attributes/")
        if op["op"] == "remove":
            if name not in result:
                raise BadRequest(f"Invalid input: can't remove unknown resource type attribute: {name}")
            del result[name]
            continue
        if name in result:
            raise BadRequest(f"Invalid input: resource type attribute {name} already exists")
        spec = op.get("value")
        definition = parse_attribute(name, spec)
        options = spec.get("options", {}) if isinstance(spec, dict) else {}
        if not isinstance(options, dict):
            raise BadRequest("Invalid input: expected a dictionary for dictionary value @ data['options']")
        if "fill" in options:
            fills[name] = check_value(name, definition, options["fill"])
        elif definition["required"]:
            raise BadRequest(f"Invalid input: option 'fill' must not be null if required is set for {name}")
        result[name] = definition
    return result, fills


def check_value(key: str, spec: dict[str, Any], value: Any) -> Any:
    """A resource's value for an attribute, as its type allows (None only where it is not required)."""
    if value is None:
        if spec.get("required"):
            raise BadRequest(f"Invalid input: expected {spec['type']} for dictionary value @ data['{key}']")
        return None
    kind = spec["type"]
    if kind in ("string", "datetime"):
        if not isinstance(value, str):
            raise BadRequest(f"Invalid input: expected str for dictionary value @ data['{key}']")
        if kind == "string" and not spec.get("min_length", 0) <= len(value) <= spec.get("max_length", 255):
            raise BadRequest(f"Invalid input: length of value must be between {spec.get('min_length', 0)} and "
                             f"{spec.get('max_length', 255)} for dictionary value @ data['{key}']")
        return value
    if kind == "uuid":
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            raise BadRequest(f"Invalid input: not a valid value for dictionary value @ data['{key}']") from None
    if kind == "bool":
        if not isinstance(value, bool):
            raise BadRequest(f"Invalid input: expected bool for dictionary value @ data['{key}']")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest(f"Invalid input: expected float for dictionary value @ data['{key}']")
    low, high = spec.get("min"), spec.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        raise BadRequest(f"Invalid input: value must be between {low} and {high} for dictionary value "
                         f"@ data['{key}']")
    return value
