"""Comparing the lab's exchanges with a recording: request by request, the status code, the headers that matter
and the body's shape. A body is flattened into `path -> set of tokens`, where a path names keys at every level
(`server.addresses.private[].addr`, `[]` for list items) and a token is the JSON type (`str`, `number`, `bool`,
`null`, `object`, `array`), the placeholder kind (`str:<uuid>`), or the value itself for enumerated keys
(statuses, formats, directions...) and in error bodies (the message a client shows). So the same keys, JSON types,
placeholder kinds, enumerated values and error messages are required, not the same ids, names or counts.

Every mismatch is a `Difference`; `differences.yaml` lists the ones kept on purpose (`*` patterns, a reason
each), and the replay test fails on any other, and on a listed one that no longer happens."""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# Keys whose values are an enumeration clients and students act on: compared by value, not only by type.
ENUMERATED = {
    "status", "state", "vm_state", "task_state", "power_state", "OS-EXT-STS:vm_state", "OS-EXT-STS:task_state",
    "OS-EXT-STS:power_state", "visibility", "disk_format", "container_format", "protocol", "direction",
    "ethertype", "ip_version", "device_owner", "attach_status", "bootable", "interface", "rel",
    "provider:network_type", "binding:vnic_type", "version", "min_version", "admin_state_up", "enable_dhcp",
    "router:external", "shared", "is_public", "os-volume-type-access:is_public", "multiattach", "encrypted",
    "methods", "is_domain", "enabled", "os_hidden", "protected"}
HEADERS = ("content-type", "openstack-api-version")


@dataclass(frozen=True, order=True)
class Difference:
    scenario: str
    step: str
    request: str  # "METHOD service path"
    kind: str  # status | header | microversion | missing | extra | type | value | request | only-in-...
    where: str  # the body path or header name ("" for the whole request)
    detail: str

    def __str__(self) -> str:
        return f"[{self.scenario}] {self.step}: {self.request}: {self.kind} {self.where} ({self.detail})"


def token(value: Any, key: str, exact: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        kind = "bool"
    elif isinstance(value, int | float):
        kind = "number"
    elif isinstance(value, str):
        kind = "str"
    elif isinstance(value, dict):
        return "object"
    else:
        return "array"
    if exact or key in ENUMERATED or (kind == "str" and value.startswith("<") and value.endswith(">")):
        return f"{kind}:{' '.join(str(value).split())}"
    return kind


def flatten(value: Any, exact: bool) -> dict[str, set[str]]:
    """path -> tokens for a body (see the module docstring)."""
    out: dict[str, set[str]] = {}

    def walk(v: Any, path: str, key: str) -> None:
        out.setdefault(path, set()).add(token(v, key, exact))
        if isinstance(v, dict):
            for k, item in v.items():
                walk(item, f"{path}.{k}" if path else k, k)
        elif isinstance(v, list):
            for item in v:
                walk(item, f"{path}[]", key)

    walk(value, "", "")
    return out


def compare_bodies(ref: Any, lab: Any, exact: bool) -> list[tuple[str, str, str]]:
    """(kind, path, detail) for every shape mismatch, reporting a missing or extra subtree once, at its top."""
    a, b = flatten(ref, exact), flatten(lab, exact)
    found: list[tuple[str, str, str]] = []

    def under_reported(path: str, reported: set[str]) -> bool:
        return any(path.startswith(p + ".") or path.startswith(p + "[]") for p in reported)

    for kind, mine, theirs in (("missing", a, b), ("extra", b, a)):
        reported: set[str] = set()
        for path in sorted(mine.keys() - theirs.keys()):
            if under_reported(path, reported):
                continue
            parent = path[:-2] if path.endswith("[]") else None
            reported.add(path)
            if parent is not None and parent in theirs:
                continue  # a list empty on one side: its items cannot be compared
            found.append((kind, path or "(body)", ""))
    for path in sorted(a.keys() & b.keys()):
        if a[path] != b[path]:
            types_a = {t.split(":")[0] for t in a[path]}
            types_b = {t.split(":")[0] for t in b[path]}
            kind = "type" if types_a != types_b else "value"
            found.append((kind, path or "(body)", f"reference {sorted(a[path])}, lab {sorted(b[path])}"))
    return found


def request_key(exchange: dict[str, Any]) -> tuple[str, str]:
    return exchange["step"], f"{exchange['method']} {exchange['service']} {exchange['path']}"


def fold_polls(exchanges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Repeated identical requests in a row (a client waiting for a status) count once, with the last answer."""
    folded: list[dict[str, Any]] = []
    for exchange in exchanges:
        if folded and request_key(folded[-1]) == request_key(exchange) \
                and folded[-1]["request"] == exchange["request"]:
            folded[-1] = exchange
        else:
            folded.append(exchange)
    return folded


def compare_exchange(scenario: str, ref: dict[str, Any], lab: dict[str, Any]) -> list[Difference]:
    step, request = request_key(ref)

    def diff(kind: str, where: str, detail: str) -> Difference:
        return Difference(scenario, step, request, kind, where, detail)

    out: list[Difference] = []
    if ref["status"] != lab["status"]:
        out.append(diff("status", "", f"reference {ref['status']}, lab {lab['status']}"))
        return out  # a different answer altogether: its body's shape says nothing more
    if ref.get("microversion") != lab.get("microversion"):
        out.append(diff("microversion", "", f"reference {ref.get('microversion')}, lab {lab.get('microversion')}"))
    for header in HEADERS:
        if ref["headers"].get(header) != lab["headers"].get(header) and ref["response"] is not None:
            out.append(diff("header", header, f"reference {ref['headers'].get(header)!r}, "
                                              f"lab {lab['headers'].get(header)!r}"))
    for header in ("location", "x-openstack-request-id"):
        if (header in ref["headers"]) != (header in lab["headers"]):
            out.append(diff("header", header, "reference has it" if header in ref["headers"] else "lab has it"))
    for kind, where, detail in compare_bodies(ref["request"], lab["request"], exact=False):
        out.append(diff("request", where, f"{kind} {detail}".strip()))
    for kind, where, detail in compare_bodies(ref["response"], lab["response"], exact=ref["status"] >= 400):
        out.append(diff(kind, where, detail))
    return out


def compare(scenario: str, ref: list[dict[str, Any]], lab: list[dict[str, Any]]) -> list[Difference]:
    """Every difference between a recording and the lab's run of the same scenario."""
    ref, lab = fold_polls(ref), fold_polls(lab)
    keys_ref, keys_lab = [request_key(e) for e in ref], [request_key(e) for e in lab]
    out: list[Difference] = []
    matcher = difflib.SequenceMatcher(None, keys_ref, keys_lab, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for r, m in zip(ref[i1:i2], lab[j1:j2], strict=True):
                out.extend(compare_exchange(scenario, r, m))
            continue
        for step, request in keys_ref[i1:i2]:
            out.append(Difference(scenario, step, request, "only-in-reference", "",
                                  "the lab's clients did not send it"))
        for step, request in keys_lab[j1:j2]:
            out.append(Difference(scenario, step, request, "only-in-lab", "",
                                  "the reference's clients did not send it"))
    return sorted(set(out))


@dataclass(frozen=True)
class Kept:
    """One entry of differences.yaml: `*` patterns over a difference's fields (a field may list several
    patterns, any of which matches), and why the difference stays."""

    request: tuple[str, ...]
    kind: tuple[str, ...]
    where: tuple[str, ...]
    reason: str
    scenario: tuple[str, ...] = ("*",)
    step: tuple[str, ...] = ("*",)

    def matches(self, d: Difference) -> bool:
        return all(any(glob(p).fullmatch(value) for p in patterns) for value, patterns in (
            (d.scenario, self.scenario), (d.step, self.step), (d.request, self.request), (d.kind, self.kind),
            (d.where, self.where)))


@functools.cache
def glob(pattern: str) -> re.Pattern[str]:
    """A pattern where only `*` is special (any text), so paths like `servers[].id` are written as they are."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.S)


def load_kept(path: Path) -> list[Kept]:
    """The entries of differences.yaml (`where` defaults to any place, for status and sequence entries)."""
    kept = []
    for entry in yaml.safe_load(path.read_text()) or []:
        fields: dict[str, Any] = {"where": "*", **entry}
        kept.append(Kept(**{k: v if k == "reason" else tuple(v if isinstance(v, list) else [v])
                            for k, v in fields.items()}))
    return kept
