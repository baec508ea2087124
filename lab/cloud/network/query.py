"""Neutron's list conventions, applied to rendered resources: exact-match filters on any attribute (repeat a
parameter for "any of"), tag filters (`tags`, `tags-any`, `not-tags`, `not-tags-any`), `sort_key`/`sort_dir`,
`limit`/`marker` pagination with `<collection>_links`, and `fields=` selection.

Filtering happens after rendering, so every attribute a client sees can be filtered on, with the value
written as the client would write it (`router:external=True`, `admin_state_up=false`, `mtu=1450`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lab.cloud.errors import BadRequest

RESERVED = {"fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse", "tags", "tags-any", "not-tags",
            "not-tags-any", "all_tenants", "all_projects", "verbose"}


@dataclass
class ListQuery:
    filters: dict[str, list[str]] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)
    limit: int | None = None
    marker: str | None = None
    sort_keys: list[str] = field(default_factory=list)
    sort_dirs: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    tags_any: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    not_tags_any: list[str] = field(default_factory=list)
    page_reverse: bool = False

    @classmethod
    def from_params(cls, items: list[tuple[str, str]], max_page: int) -> ListQuery:
        q = cls()
        for key, value in items:
            if key == "fields":
                q.fields.extend(v for v in value.split(",") if v)
            elif key == "limit":
                try:
                    q.limit = int(value)
                except ValueError:
                    raise BadRequest(f"Bad limit request: Limit must be an integer 0 or greater and not "
                                     f"'{value}'.", neutron_type="BadRequest") from None
                if q.limit < 0:
                    raise BadRequest(f"Bad limit request: Limit must be an integer 0 or greater and not "
                                     f"'{value}'.", neutron_type="BadRequest")
            elif key == "marker":
                q.marker = value
            elif key == "sort_key":
                q.sort_keys.append(value)
            elif key == "sort_dir":
                if value not in ("asc", "desc"):
                    raise BadRequest(f"Invalid input for operation: Sort direction '{value}' is not valid.",
                                     neutron_type="InvalidInput")
                q.sort_dirs.append(value)
            elif key == "page_reverse":
                q.page_reverse = value.lower() == "true"
            elif key in ("tags", "tags-any", "not-tags", "not-tags-any"):
                getattr(q, key.replace("-", "_")).extend(v for v in value.split(",") if v)
            elif key not in RESERVED:
                q.filters.setdefault(key, []).append(value)
        if q.limit == 0 or q.limit is None or q.limit > max_page:
            q.limit = max_page if q.limit != 0 else max_page
        return q


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


def _matches(item: dict[str, Any], key: str, wanted: list[str]) -> bool:
    if key not in item:
        if key == "fixed_ips" or key.startswith("fixed_ips"):
            return True
        return True  # an attribute this resource does not have: ignored, as Neutron without filter-validation
    value = item[key]
    if key == "fixed_ips":  # fixed_ips=ip_address=10.0.0.5, fixed_ips=subnet_id=..., fixed_ips=ip_address_substr=
        for want in wanted:
            name, _, expected = want.partition("=")
            if name == "ip_address_substr":  # ip-substring-filtering
                if not any(expected in _text(ip.get("ip_address")) for ip in value):
                    return False
            elif not any(_text(ip.get(name)) == expected for ip in value):
                return False
        return True
    if key == "agent_type":  # compared as Neutron's MySQL compares it (case-insensitive): `agent_type=DHCP Agent`
        return _text(value).lower() in [w.lower() for w in wanted]
    if isinstance(value, list):
        return any(w in [_text(v) for v in value] for w in wanted)
    text = _text(value)
    return any(text == (w.lower() if isinstance(value, bool) else w) or
               (value is None and w.lower() in ("none", "null")) for w in wanted)


def apply(items: list[dict[str, Any]], q: ListQuery) -> tuple[list[dict[str, Any]], bool]:
    """Filter, sort and page `items`; return the page and whether a next page may exist."""
    out = [i for i in items if all(_matches(i, k, v) for k, v in q.filters.items())]
    if q.tags:
        out = [i for i in out if set(q.tags) <= set(i.get("tags", []))]
    if q.tags_any:
        out = [i for i in out if set(q.tags_any) & set(i.get("tags", []))]
    if q.not_tags:
        out = [i for i in out if not set(q.not_tags) <= set(i.get("tags", []))]
    if q.not_tags_any:
        out = [i for i in out if not set(q.not_tags_any) & set(i.get("tags", []))]
    keys = q.sort_keys or []
    for index in range(len(keys) - 1, -1, -1):
        key = keys[index]
        desc = (q.sort_dirs[index] if index < len(q.sort_dirs) else "asc") == "desc"
        out.sort(key=_sort_key(key), reverse=desc)
    if q.marker is not None:
        position = next((n for n, i in enumerate(out) if i.get("id") == q.marker), None)
        if position is not None:
            out = out[:position][::-1] if q.page_reverse else out[position + 1:]
    more = q.limit is not None and len(out) > q.limit
    if q.limit is not None:
        out = out[:q.limit]
    if q.page_reverse:
        out = out[::-1]
    return out, more


def _sort_key(key: str) -> Any:
    return lambda item: (item.get(key) is None, _sortable(item.get(key)))


def _sortable(value: Any) -> Any:
    if isinstance(value, bool | int):
        return (0, int(value), "")
    return (1, 0, "" if value is None else str(value))


def select_fields(item: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    if not fields:
        return item
    return {k: item[k] for k in fields if k in item}
