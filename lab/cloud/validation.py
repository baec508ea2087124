"""Request validation for every service, in one style: small typed checks, composed into attribute tables, that
raise the service's 400 in its own OpenStack wording.

A check is a function `(wording, field, value) -> converted value`; it raises `wording.refuse(...)` for a bad
value. The checks know what is wrong (not a string, too long, not one of ...); the service's `Wording` knows how
its OpenStack service says so. Nova, Cinder and Keystone validate with JSON schema, so they share jsonschema's
phrases (`'x' is not of type 'string'`) inside their own message (`Invalid input for field/attribute name.
Value: x. ...` or `Invalid input for field 'name': ...`); Neutron's API layer has phrases of its own (`'x' is not
a valid string`). A wording difference is a parameter, never a second validation style.

    w = NOVA
    name = string(min_len=1, max_len=255)(w, "name", body.get("name"))
    attrs = parse_object(w, {"name": Attr(string(), required=True)}, body["server"], "server")

Checks that only one service has (Nova's hostname, Neutron's CIDR) live in that service's `schemas.py`, built
from these and raising through the same `Wording`.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from lab.cloud.errors import BadRequest

__all__ = [
    "GNOCCHI", "JSON_SCHEMA_REASONS", "KEYSTONE", "NEUTRON", "NEUTRON_REASONS", "NOVA", "VOLUPTUOUS_REASONS",
    "WSME", "WSME_REASONS", "Attr", "Check", "Record", "Wording", "anything", "attr", "body_object", "boolean",
    "integer", "ip_address", "list_of", "nullable", "obj", "one_of", "parse_object", "parse_record",
    "record_of", "string", "table_of", "timestamp",
]

T = TypeVar("T")
R = TypeVar("R", bound="Record")
Check = Callable[["Wording", str, Any], T]
Extra = Literal["forbid", "allow"]  # what a table does with attributes it does not name

# What a check can find wrong, by kind; a Wording gives each kind its phrase. Phrases are `str.format`
# templates over: value (as given), r (repr of the value), short (r cut to 64 characters), types, limit,
# low and high (both bounds), choices, key, keys, verb, pattern, shown.
JSON_SCHEMA_REASONS: dict[str, str] = {
    "type": "{r} is not of type {types}",
    "too_short": "{r} is too short",
    "too_long": "{r} is too long",
    "minimum": "{value} is less than the minimum of {limit}",
    "maximum": "{value} is greater than the maximum of {limit}",
    "enum": "{r} is not one of {choices}",
    "pattern": "{r} does not match {pattern!r}",
    "required": "'{key}' is a required property",
    "unexpected": "Additional properties are not allowed ({keys} {verb} unexpected)",
    "too_many": "{r} is too long",
    "duplicate": "{r} has non-unique elements",
    "format": "{r} is not a {types!r}",
    "readonly": "Additional properties are not allowed ('{key}' was unexpected)",
}

NEUTRON_REASONS: dict[str, str] = {
    "type": "'{value}' {types}",
    "too_short": "'{value}' is too short",
    "too_long": "'{value}' exceeds maximum length of {limit}",
    "minimum": "'{value}' is not in range {low} through {high}",
    "maximum": "'{value}' is not in range {low} through {high}",
    "enum": "'{value}' is not in {choices}",
    "pattern": "'{value}' is not valid",
    "required": "Failed to parse request. Required attribute '{key}' not specified",
    "unexpected": "Unrecognized attribute(s) '{keys}'",
    "too_many": "'{value}' has too many items",
    "duplicate": "Duplicate items in the list: '{shown}'",
    "format": "'{value}' is not a valid {types}",
    "readonly": "Cannot update read-only attribute {key}",
}

# WSME's sentences (Octavia's and Aodh's APIs): Python's type names, "Mandatory field missing."
WSME_REASONS: dict[str, str] = {
    "type": "Wrong type. Expected '{types}', got '{got}'",
    "too_short": "Value should have a minimum character requirement of {limit}",
    "too_long": "Value should have a maximum character requirement of {limit}",
    "minimum": "Value should be greater or equal to {limit}",
    "maximum": "Value should be lower or equal to {limit}",
    "enum": "Value should be one of: {listed}",
    "pattern": "Value should match the pattern {pattern}",
    "required": "Mandatory field missing.",
    "unexpected": "Unknown attribute for argument {where}: {keys}",
    "too_many": "Value should be a list of at most {limit} items",
    "duplicate": "Duplicate items in the list",
    "format": "Value should be {types} format",
    "readonly": "Unknown attribute for argument {key}",
}

# voluptuous's sentences (Gnocchi's API): the field as `data['name']` inside the reason.
VOLUPTUOUS_REASONS: dict[str, str] = {
    **JSON_SCHEMA_REASONS,
    "type": "expected {types} for dictionary value @ data['{field}']",
    "too_long": "length of value must be at most {limit} for dictionary value @ data['{field}']",
    "required": "required key not provided @ data['{key}']",
    "unexpected": "extra keys not allowed @ data['{keys}']",
}

# JSON schema's names of Python types, as jsonschema writes them in "is not of type ..."
_JSON_TYPES = {str: "string", int: "integer", bool: "boolean", list: "array", dict: "object", float: "number"}


@dataclass(frozen=True)
class Wording:
    """How one OpenStack service words a 400 for a bad value.

    `message` is the whole error message, a template over `field`, `value` and `reason`; `reasons` gives the
    phrase of each kind of fault (JSON_SCHEMA_REASONS or NEUTRON_REASONS, amended where a service says
    something else); `neutron_type` the Neutron error type the 400 carries."""

    message: str
    reasons: Mapping[str, str] = field(default_factory=lambda: JSON_SCHEMA_REASONS)
    neutron_type: str | None = None
    # Neutron words a wrong type as its validators do ("is not a valid string", "cannot be converted to boolean").
    type_names: Mapping[str, str] = field(default_factory=dict)
    # The kinds of fault whose phrase is the whole message (Neutron's "Unrecognized attribute(s) 'x'").
    whole: frozenset[str] = frozenset()

    def bad(self, field_: str, value: Any, reason: str) -> BadRequest:
        """The service's 400 for `field_` holding `value`, with a reason already written."""
        return BadRequest(self.message.format(field=field_, value=value, reason=reason),
                          neutron_type=self.neutron_type)

    def reason(self, kind: str, value: Any = None, **params: Any) -> str:
        """The phrase this service uses for a fault of `kind` (see JSON_SCHEMA_REASONS)."""
        shown = repr(value)
        return self.reasons[kind].format(value=value, r=shown, short=shown if len(shown) <= 64 else shown[:61] + "...",
                                         got=type(value), **params)

    def refuse(self, field_: str, value: Any, kind: str, **params: Any) -> BadRequest:
        """The service's 400 for a fault of `kind` in `field_`."""
        reason = self.reason(kind, value, field=field_, **params)
        if kind in self.whole:
            return BadRequest(reason, neutron_type=self.neutron_type)
        return self.bad(field_, value, reason)

    def types(self, *names: type | str) -> str:
        """`'integer', 'string'` as jsonschema lists the expected types; a service with `type_names` (WSME,
        Neutron) names only the first, its own way."""
        words = [n if isinstance(n, str) else _JSON_TYPES.get(n, n.__name__) for n in names]
        if self.type_names and words[0] in self.type_names:
            return self.type_names[words[0]]
        return ", ".join(repr(w) for w in words)

    def unexpected_reason(self, extra: set[str] | list[str], where: str = "") -> str:
        """The phrase for keys a body may not have (jsonschema's `('a', 'b' were unexpected)`)."""
        names = sorted(extra)
        listed = ", ".join(repr(n) for n in names) if "{keys} {verb}" in self.reasons["unexpected"] \
            else ", ".join(names)
        return self.reason("unexpected", keys=listed, verb="was" if len(names) == 1 else "were", where=where)

    def unexpected(self, where: str, data: Any, extra: set[str] | list[str]) -> BadRequest:
        """The 400 for keys a body may not have."""
        reason = self.unexpected_reason(extra, where)
        if "unexpected" in self.whole:
            return BadRequest(reason, neutron_type=self.neutron_type)
        return self.bad(where, data, reason)


GNOCCHI = Wording("Invalid input: {reason}", VOLUPTUOUS_REASONS,
                  type_names={"string": "str", "integer": "int", "number": "float", "boolean": "bool",
                              "array": "list", "object": "dict"})
# The wordings shared by more than one service; a service with its own defines it in its schemas.py.
NOVA = Wording("Invalid input for field/attribute {field}. Value: {value}. {reason}")  # Nova, Cinder
KEYSTONE = Wording("Invalid input for field '{field}': {reason}")
NEUTRON = Wording("Invalid input for {field}. Reason: {reason}.", NEUTRON_REASONS, "HTTPBadRequest",
                  {"string": "is not a valid string", "boolean": "cannot be converted to boolean",
                   "integer": "is not an integer", "array": "is not a list", "object": "is not a dictionary"},
                  frozenset({"unexpected", "required", "readonly"}))
WSME = Wording("Invalid input for field/attribute {field}. Value: '{value}'. {reason}", WSME_REASONS,  # Octavia, Aodh
               type_names={"string": "<class 'str'>", "integer": "<class 'int'>", "boolean": "<class 'bool'>",
                           "array": "<class 'list'>", "object": "<class 'dict'>"},
               whole=frozenset({"unexpected"}))


# ---------------------------------------------------------------------------------------------- checks
def string(min_len: int = 0, max_len: int | None = 255, pattern: str | None = None,
           types: tuple[str, ...] = ("string",)) -> Check[str]:
    """A string of `min_len` to `max_len` characters, matching `pattern` (re.search) if given; `types` are the
    JSON types a wrong type is told to be (`'null', 'string'` where the schema allows null)."""
    compiled = re.compile(pattern) if pattern else None

    def check(w: Wording, f: str, value: Any) -> str:
        if not isinstance(value, str):
            raise w.refuse(f, value, "type", types=w.types(*types))
        if len(value) < min_len:
            raise w.refuse(f, value, "too_short", limit=min_len)
        if max_len is not None and len(value) > max_len:
            raise w.refuse(f, value, "too_long", limit=max_len)
        if compiled and not compiled.search(value):
            raise w.refuse(f, value, "pattern", pattern=pattern)
        return value
    return check


def integer(minimum: int | None = None, maximum: int | None = None, *, strings: bool = False,
            convert: bool = False) -> Check[int]:
    """An integer within the bounds. A boolean is not an integer; with `strings` an integer string is (Nova's
    `'integer', 'string'` fields); with `convert` whatever Python's int() takes is (Neutron's convert_to_int,
    which then counts a boolean as out of range)."""

    def check(w: Wording, f: str, value: Any) -> int:
        number = value
        if convert:
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise w.refuse(f, value, "type", types=w.types(int)) from None
        elif strings and isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            number = int(value)
        elif isinstance(number, bool) or not isinstance(number, int):
            raise w.refuse(f, value, "type", types=w.types(int, str) if strings else w.types(int))
        if (minimum is not None and number < minimum) or (convert and isinstance(value, bool)):
            raise w.refuse(f, value, "minimum", limit=minimum, low=minimum, high=maximum)
        if maximum is not None and number > maximum:
            raise w.refuse(f, value, "maximum", limit=maximum, low=minimum, high=maximum)
        return int(number)
    return check


_TRUE = ("true", "1", "yes", "on", "y", "t")
_FALSE = ("false", "0", "no", "off", "n", "f")


def boolean(*, strings: tuple[str, ...] = (), ints: bool = False) -> Check[bool]:
    """A JSON boolean; also the strings in `strings` (lower-cased, each in _TRUE or _FALSE) and, with `ints`, 0
    and 1, as the services that convert do."""

    def check(w: Wording, f: str, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if ints and isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.lower() in strings:
            return value.lower() in _TRUE
        raise w.refuse(f, value, "type", types=w.types(bool))
    return check


def one_of(*values: Any) -> Check[Any]:
    """One of `values` (jsonschema's enum)."""

    def check(w: Wording, f: str, value: Any) -> Any:
        if value not in values:
            raise w.refuse(f, value, "enum", choices=list(values), listed=", ".join(str(v) for v in values))
        return value
    return check


def nullable(inner: Check[T]) -> Check[T | None]:
    """`inner`, or null."""

    def check(w: Wording, f: str, value: Any) -> T | None:
        return None if value is None else inner(w, f, value)
    return check


def anything(_w: Wording, _f: str, value: Any) -> Any:
    """Any value, unchecked (what the lab stores but does not interpret)."""
    return value


def obj(w: Wording, f: str, value: Any) -> dict[str, Any]:
    """A JSON object."""
    if not isinstance(value, dict):
        raise w.refuse(f, value, "type", types=w.types(dict))
    return value


def list_of(inner: Check[T], *, unique: bool = False, max_items: int | None = None, index: bool = False) \
        -> Check[list[T]]:
    """A list whose items pass `inner`; `index` names an item's field `field/N` (jsonschema's path)."""

    def check(w: Wording, f: str, value: Any) -> list[T]:
        if not isinstance(value, list):
            raise w.refuse(f, value, "type", types=w.types(list))
        if max_items is not None and len(value) > max_items:
            raise w.refuse(f, value, "too_many", limit=max_items)
        items = [inner(w, f"{f}/{i}" if index else f, v) for i, v in enumerate(value)]
        if unique and len({repr(i) for i in items}) != len(items):
            raise w.refuse(f, value, "duplicate", shown=", ".join(map(str, value)))
        return items
    return check


def ip_address(version: int | None = None) -> Check[str]:
    """An IP address (of `version` if given), in its normal form."""

    def check(w: Wording, f: str, value: Any) -> str:
        try:
            address = ipaddress.ip_address(value)
        except (TypeError, ValueError):
            address = None
        if address is None or (version is not None and address.version != version):
            raise w.refuse(f, value, "format", types="IP address")
        return str(address)
    return check


def timestamp(w: Wording, f: str, value: Any) -> datetime:
    """An ISO 8601 time (`2026-01-01T00:00:00`, with or without a zone or `Z`)."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise w.refuse(f, value, "format", types="date-time")


# ---------------------------------------------------------------------------------------------- tables
@dataclass(frozen=True)
class Attr:
    """One attribute of a request body: its check; whether a create must give it; whether an update may."""

    check: Check[Any]
    required: bool = False
    post: bool = True
    put: bool = True



def parse_object(w: Wording, table: Mapping[str, Attr], data: Any, where: str, *, update: bool = False,
                 extra: Extra = "forbid", nested: bool = False, table_order: bool = False) -> dict[str, Any]:
    """Check `data` (the object at `where`) against `table`; return the converted values of the attributes
    given, in the order given (and, with `extra="allow"`, the unknown ones as given). An unknown attribute (with
    `extra="forbid"`), one an update may not change, or (on a create) a required one missing is the service's
    400, which names the attribute (a missing one with the value None); a nested object's attributes are named
    `where/attr`, as jsonschema's paths name them. With `table_order` the first fault in the table's order is
    the one reported (WSME's), else the first in the body's, then the missing ones."""
    obj(w, where, data)
    if extra == "forbid":
        unknown = sorted(set(data) - set(table))
        if unknown:
            raise w.unexpected(where, data, unknown)
    def missing(key: str) -> BadRequest:
        return w.refuse(f"{where}/{key}" if nested else key, None, "required", key=key)

    if table_order:
        for key, spec in table.items():
            if key in data:
                spec.check(w, f"{where}/{key}" if nested else key, data[key])
            elif spec.required and not update:
                raise missing(key)
    out: dict[str, Any] = {}
    for key, value in data.items():
        attr = table.get(key)
        if attr is None:
            out[key] = value
            continue
        name = f"{where}/{key}" if nested else key
        if update and not attr.put:
            raise w.refuse(name, value, "readonly", key=key)
        out[key] = attr.check(w, name, value)
    if not update:
        for key, spec in table.items():
            if spec.required and key not in data:
                raise missing(key)
    return out


def body_object(w: Wording, body: Any, key: str) -> dict[str, Any]:
    """`body[key]`, which must be an object: its absence is jsonschema's `'key' is a required property`."""
    if not isinstance(body, dict) or key not in body:
        raise w.refuse(key, None, "required", key=key)
    return obj(w, key, body[key])


# ---------------------------------------------------------------------------------------------- records
class Record:
    """A parsed request body with typed attributes: subclass as a `@dataclass(kw_only=True)` whose fields are
    declared with `attr(check, ...)`, and read it with `parse_record`. `given` names the attributes the body
    had (an update changes only those); `extras()` holds the ones the table does not name, for the services
    (Keystone's) that keep additional properties."""

    given: frozenset[str] = frozenset()
    _extra: dict[str, Any] | None = None

    def extras(self) -> dict[str, Any]:
        return dict(self._extra or {})


def attr(check: Check[Any], *, required: bool = False, default: Any = None,
         default_factory: Callable[[], Any] | None = None, put: bool = True) -> Any:
    """A Record field checked by `check`; absent, it is `default` (or `default_factory()`)."""
    meta = {"attr": Attr(check, required=required, put=put)}
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


def table_of(cls: type[Record]) -> dict[str, Attr]:
    """A Record's attribute table."""
    return {f.name: f.metadata["attr"] for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if "attr" in f.metadata}


def parse_record(w: Wording, cls: type[R], data: Any, where: str, *, extra: Extra = "allow",
                 nested: bool = False) -> R:
    """`data` (the object at `where`) checked against `cls`'s table and built as a `cls`."""
    table = table_of(cls)
    values = parse_object(w, table, data, where, extra=extra, nested=nested)
    record_ = cls(**{k: v for k, v in values.items() if k in table})
    record_.given = frozenset(k for k in values if k in table)
    record_._extra = {k: v for k, v in values.items() if k not in table}
    return record_


def record_of(cls: type[R], *, extra: Extra = "forbid") -> Check[R]:
    """A nested object read as a Record."""

    def check(w: Wording, f: str, value: Any) -> R:
        return parse_record(w, cls, value, f, extra=extra, nested=True)
    return check
