"""One quota engine for every service: each plugin registers its quota `Resource`s (a name as its OpenStack
service spells it, a default, how usage is counted); limits live in one table, per project and service.

A create checks `check(db, service, project_id, {resource: delta})` inside its own write transaction, so two
racing creates cannot both squeeze under a limit (the write transaction serialises them, and usage is counted
from the resources themselves, as Nova has done since Pike). What the check raises, and how a quota set is
rendered, follows each service's wire format: the engine reports the facts (`Exceeded`) and the service turns
them into Nova's 403, Neutron's 409 or Cinder's 413 (`over_quota` in each service), and every service's quota
set body (Nova's `quota_set` and `quota_class_set`, Cinder's `quota_set`, Neutron's and Octavia's `quota`) is
rendered by `render_set` here, with what differs between them as its parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lab.cloud.db import Base

Usage = Callable[[Session, str], int]  # (db, project_id) -> how many are in use now
# Quota classes (Nova's os-quota-class-sets) are kept in the limits table under this prefix, not as projects;
# the `default` class replaces the registered defaults of every project.
CLASS_PREFIX = "quota_class:"


@dataclass(frozen=True)
class Resource:
    service: str
    name: str
    default: int  # -1: unlimited
    usage: Usage | None = None  # None: a limit with nothing to count (e.g. metadata_items, per_volume_gigabytes)
    description: str = ""


@dataclass(frozen=True)
class Exceeded(Exception):
    """Adding `requested` to `used` would pass `limit` for each named resource."""

    service: str
    overs: tuple[tuple[str, int, int, int], ...]  # (resource, requested, used, limit)

    def __str__(self) -> str:
        return ", ".join(f"{r}: requested {n}, used {u} of {lim}" for r, n, u, lim in self.overs)


class QuotaLimit(Base):
    """A project's limit for one resource of one service, where it differs from the default."""

    __tablename__ = "quota_limits"
    __table_args__ = (UniqueConstraint("service", "project_id", "resource"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(32))
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    resource: Mapped[str] = mapped_column(String(64))
    hard_limit: Mapped[int] = mapped_column(Integer)


def stored_limits(db: Session, service: str, project_id: str) -> dict[str, int]:
    """The limits set for one project of one service (those at their default are absent)."""
    return {resource: limit for resource, limit in db.execute(select(QuotaLimit.resource, QuotaLimit.hard_limit)
                                                              .where(QuotaLimit.service == service,
                                                                     QuotaLimit.project_id == project_id))}


def store_limits(db: Session, service: str, project_id: str, values: Mapping[str, int]) -> None:
    for name, limit in values.items():
        row = db.scalar(select(QuotaLimit).where(QuotaLimit.service == service, QuotaLimit.project_id == project_id,
                                                 QuotaLimit.resource == name))
        if row is None:
            db.add(QuotaLimit(service=service, project_id=project_id, resource=name, hard_limit=int(limit)))
        else:
            row.hard_limit = int(limit)
    db.flush()


def clear_limits(db: Session, project_id: str, service: str | None = None) -> None:
    """Back to the defaults (one service's, or every service's)."""
    stmt = delete(QuotaLimit).where(QuotaLimit.project_id == project_id)
    if service is not None:
        stmt = stmt.where(QuotaLimit.service == service)
    db.execute(stmt)


def projects_with_limits(db: Session, service: str) -> list[str]:
    return sorted(set(db.scalars(select(QuotaLimit.project_id).where(QuotaLimit.service == service))))


class Quotas:
    """The registered resources of every plugin and their limits."""

    def __init__(self, resources: Iterable[Resource]):
        self.resources: dict[tuple[str, str], Resource] = {}
        for resource in resources:
            key = (resource.service, resource.name)
            if key in self.resources:
                raise ValueError(f"quota {resource.service}/{resource.name} is registered twice")
            self.resources[key] = resource

    def of(self, service: str) -> list[Resource]:
        return [r for (s, _), r in self.resources.items() if s == service]

    def names(self) -> list[str]:
        """Every resource name (class quotas are given by name; a name belongs to one service)."""
        return [name for (_, name) in self.resources]

    def service_of(self, name: str) -> str | None:
        for service, resource in self.resources:
            if resource == name:
                return service
        return None

    def defaults(self, service: str) -> dict[str, int]:
        return {r.name: r.default for r in self.of(service)}

    def class_defaults(self, db: Session, service: str) -> dict[str, int]:
        """The defaults as the `default` quota class sets them (the registered ones where it sets none)."""
        values = self.defaults(service)
        values.update((k, v) for k, v in stored_limits(db, service, CLASS_PREFIX + "default").items() if k in values)
        return values

    def limits(self, db: Session, service: str, project_id: str | None) -> dict[str, int]:
        """The registered defaults, over them the `default` class's, over those the project's own: read in one
        statement (every create checks its quota)."""
        if not project_id:
            return self.class_defaults(db, service)
        return self.limits_and_stored(db, service, project_id)[0]

    def limits_and_stored(self, db: Session, service: str,
                          project_id: str | None) -> tuple[dict[str, int], dict[str, int]]:
        """`limits()`, and every limit stored for the project itself (`stored_limits()`, with names no
        resource registers, such as Cinder's per-type ones), from the same one statement."""
        if not project_id:
            return self.class_defaults(db, service), stored_limits(db, service, project_id or "")
        values = self.defaults(service)
        default_class = CLASS_PREFIX + "default"
        rows = db.execute(select(QuotaLimit.project_id, QuotaLimit.resource, QuotaLimit.hard_limit).where(
            QuotaLimit.service == service, QuotaLimit.project_id.in_((default_class, project_id))))
        by_owner: dict[str, dict[str, int]] = {default_class: {}, project_id: {}}
        for owner, resource, limit in rows:
            by_owner[owner][resource] = limit
        for owner in (default_class, project_id):  # the project's own win
            values.update((k, v) for k, v in by_owner[owner].items() if k in values)
        return values, by_owner[project_id]

    def usage(self, db: Session, service: str, project_id: str,
              only: Iterable[str] | None = None) -> dict[str, int]:
        wanted = set(only) if only is not None else None
        return {r.name: r.usage(db, project_id) for r in self.of(service)
                if r.usage is not None and (wanted is None or r.name in wanted)}

    def check(self, db: Session, service: str, project_id: str, deltas: Mapping[str, int],
              limits: Mapping[str, int] | None = None) -> None:
        """Raise `Exceeded` if adding `deltas` to the project's usage passes a limit (-1: no limit). Call it in
        the write transaction that makes the change; `limits`: the project's, when the caller has just read
        them in that transaction."""
        if limits is None:
            limits = self.limits(db, service, project_id)
        growing = [name for name, n in deltas.items() if n > 0 and limits.get(name, -1) >= 0]
        used = self.usage(db, service, project_id, growing)
        overs = tuple((name, deltas[name], used.get(name, 0), limits[name]) for name in sorted(growing)
                      if used.get(name, 0) + deltas[name] > limits[name])
        if overs:
            raise Exceeded(service, overs)

    def set_limits(self, db: Session, service: str, project_id: str, values: Mapping[str, int]) -> None:
        """Set the named limits of one project (others keep theirs)."""
        unknown = set(values) - set(self.defaults(service))
        if unknown:
            raise KeyError(f"unknown {service} quota {sorted(unknown)[0]!r}")
        store_limits(db, service, project_id, values)

    def reset(self, db: Session, project_id: str, service: str | None = None) -> None:
        """Back to the defaults (one service's, or every service's)."""
        clear_limits(db, project_id, service)

    def set_by_name(self, db: Session, project_id: str, values: Mapping[str, int]) -> None:
        """Set limits given by bare name (a class's quota: `instances=4,volumes=2,port=20`)."""
        by_service: dict[str, dict[str, int]] = {}
        for name, limit in values.items():
            service = self.service_of(name)
            if service is None:
                raise KeyError(f"unknown quota {name!r}")
            by_service.setdefault(service, {})[name] = limit
        for service, limits in by_service.items():
            self.set_limits(db, service, project_id, limits)


def render_set(limits: Mapping[str, int], *, used: Mapping[str, int] | None = None, used_key: str = "in_use",
               head: Mapping[str, Any] | None = None, tail: Mapping[str, Any] | None = None,
               hide: Iterable[str] = (), aliases: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A quota set body as the OpenStack services write one: `head` first (Nova's and Cinder's `id`), then each
    resource's limit (-1: unlimited), or with `used` its `{"limit", <used_key>, "reserved"}` (Nova and Cinder
    say `in_use`, Neutron `used`; the lab reserves nothing, so `reserved` is 0), each followed by the older
    names that `aliases` maps to it (Octavia's `loadbalancer` for `load_balancer`), then `tail` (Neutron's and
    Octavia's `project_id`). `hide`: resources the request's microversion no longer shows."""
    gone = set(hide)
    older: dict[str, list[str]] = {}
    for old, name in (aliases or {}).items():
        older.setdefault(name, []).append(old)
    body: dict[str, Any] = dict(head or {})
    for name, limit in limits.items():
        if name in gone:
            continue
        value: Any = limit if used is None else {"limit": limit, used_key: used.get(name, 0), "reserved": 0}
        body[name] = value
        body.update((old, value) for old in older.get(name, ()))
    body.update(tail or {})
    return body
