"""Block storage quotas and limits (Cinder's os-quota-sets and absolute limits) over the one quota engine
(lab/cloud/quotas.py, `cloud.quotas`).

Usage is counted from the rows themselves inside the caller's write transaction (BEGIN IMMEDIATE), so a check
and the insert it allows are one atomic step: two concurrent creates can never both take the last volume.
`gigabytes` counts volumes and snapshots, as Cinder does. Refusals are Cinder's 413 overLimit with its messages.

Cinder also has a limit per volume type (`volumes_<type>`, `gigabytes_<type>`, `snapshots_<type>`), -1 (unlimited)
unless an admin sets one. Their names follow the types an admin creates at run time, so they are not resources
the plugin can register: they are stored in the engine's table under their full names and checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, OverLimit
from lab.cloud.quotas import CLASS_PREFIX, Exceeded, Quotas, Resource, store_limits, stored_limits
from lab.cloud.volume.models import Backup, Snapshot, Volume, VolumeGroup, VolumeType

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

SERVICE = "volume"
DEFAULTS: dict[str, int] = {"volumes": 10, "snapshots": 10, "gigabytes": 1000, "backups": 10,
                            "backup_gigabytes": 1000, "groups": 10, "per_volume_gigabytes": -1}
PER_TYPE = ("volumes", "gigabytes", "snapshots")
# Cinder's quota resources, in the one quota engine (lab/cloud/quotas.py).
RESOURCES = tuple(Resource(SERVICE, name, default, {
    "volumes": lambda db, p: usage(db, p).volumes, "gigabytes": lambda db, p: usage(db, p).gigabytes,
    "snapshots": lambda db, p: usage(db, p).snapshots, "backups": lambda db, p: backup_usage(db, p)[0],
    "backup_gigabytes": lambda db, p: backup_usage(db, p)[1], "groups": lambda db, p: group_usage(db, p)}.get(name))
    for name, default in DEFAULTS.items())


def group_usage(db: Session, project_id: str) -> int:
    """The project's generic volume groups (groups.py)."""
    return int(db.scalar(select(func.count(VolumeGroup.id)).where(VolumeGroup.project_id == project_id)) or 0)


def backup_usage(db: Session, project_id: str) -> tuple[int, int]:
    """(backups, backup_gigabytes) of a project now: Cinder counts every backup at its volume's size."""
    n, gb = db.execute(select(func.count(Backup.id), func.coalesce(func.sum(Backup.size), 0))
                       .where(Backup.project_id == project_id)).one()
    return int(n), int(gb)


@dataclass(frozen=True)
class Usage:
    volumes: int
    gigabytes: int
    snapshots: int
    backups: int = 0
    backup_gigabytes: int = 0


@dataclass(frozen=True)
class QuotaSet:
    """What an os-quota-sets answer says: the limits, and (with ?usage=True) what is in use of each."""

    project_id: str | None  # None: the PUT answer, which has no `id`
    limits: dict[str, int]
    in_use: dict[str, int] | None = None


@dataclass(frozen=True)
class AbsoluteLimits:
    """GET /limits: the caller's limits, and its usage when `limits_extension:used_limits` allows."""

    limits: dict[str, int]
    used: Usage | None


def usage(db: Session, project_id: str, volume_type_id: str | None = None) -> Usage:
    """What a project uses now (all types, or one type)."""
    size = func.max(Volume.size, func.coalesce(Volume.pending_size, 0))
    vq = select(func.count(Volume.id), func.coalesce(func.sum(size), 0)).where(Volume.project_id == project_id)
    sq = (select(func.count(Snapshot.id), func.coalesce(func.sum(Snapshot.size), 0))
          .join(Volume, Volume.id == Snapshot.volume_id).where(Snapshot.project_id == project_id))
    if volume_type_id is not None:
        vq = vq.where(Volume.volume_type_id == volume_type_id)
        sq = sq.where(Volume.volume_type_id == volume_type_id)
    volumes, volume_gb = db.execute(vq).one()
    snapshots, snapshot_gb = db.execute(sq).one()
    backups, backup_gb = backup_usage(db, project_id) if volume_type_id is None else (0, 0)
    return Usage(volumes=int(volumes), gigabytes=int(volume_gb) + int(snapshot_gb), snapshots=int(snapshots),
                 backups=backups, backup_gigabytes=backup_gb)


DEFAULT_CLASS = CLASS_PREFIX + "default"


def _class_per_type(db: Session) -> dict[str, int]:
    """The per-type limits the `default` quota class sets (os-quota-class-sets/default `volumes_<type>`)."""
    return {k: v for k, v in stored_limits(db, SERVICE, DEFAULT_CLASS).items() if k.split("_", 1)[0] in PER_TYPE
            and "_" in k}


def _per_type_defaults(db: Session) -> dict[str, int]:
    """Every type's `volumes_<type>`, `gigabytes_<type>`, `snapshots_<type>`: -1 unless the default class sets
    one."""
    defaults = {f"{resource}_{name}": -1 for name in db.scalars(select(VolumeType.name).order_by(VolumeType.name))
                for resource in PER_TYPE}
    defaults.update((k, v) for k, v in _class_per_type(db).items() if k in defaults)
    return defaults


def limits(engine: Quotas, db: Session, project_id: str) -> dict[str, int]:
    """Every quota of a project: the engine's (defaults, the default class's, the project's), then the per-type
    ones (the default class's, the project's)."""
    registered, stored = engine.limits_and_stored(db, SERVICE, project_id)
    result = registered | _per_type_defaults(db)
    result.update(stored)
    return result


def class_limits(engine: Quotas, db: Session, class_name: str) -> dict[str, int]:
    """A quota class (Cinder's get_class_quotas): the defaults as the `default` class sets them, per-type ones
    included, and over them the class's own."""
    values = engine.class_defaults(db, SERVICE) | _per_type_defaults(db)
    values.update((k, v) for k, v in stored_limits(db, SERVICE, CLASS_PREFIX + class_name).items() if k in values)
    return values


def over_quota(name: str, requested: int, used: int, limit: int) -> OverLimit:
    """Cinder's 413 for one resource (`volumes`, `snapshots`, `gigabytes`, or one of their per-type names)."""
    if name.startswith("volumes"):
        return OverLimit(f"VolumeLimitExceeded: Maximum number of volumes allowed ({limit}) exceeded for quota "
                         f"'{name}'.")
    if name.startswith("snapshots"):
        return OverLimit(f"SnapshotLimitExceeded: Maximum number of snapshots allowed ({limit}) exceeded for "
                         f"quota '{name}'.")
    return OverLimit(f"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed {name} quota. "
                     f"Requested {requested}G, quota is {limit}G and {used}G has been consumed.")


def check(engine: Quotas, db: Session, project_id: str, volume_type: VolumeType, *, volumes: int = 0,
          gigabytes: int = 0, snapshots: int = 0, volume_size: int | None = None) -> None:
    """Raise Cinder's 413 when adding the given amounts would pass a quota of the project: the size of one
    volume, then the project's totals (the engine's check), then the totals of the volume's type."""
    # The limits in one statement, for the engine's check too; a per-type limit nobody set is -1, as
    # `_per_type_defaults` would say for every existing type.
    registered, stored = engine.limits_and_stored(db, SERVICE, project_id)
    quota = registered | _class_per_type(db) | stored
    per_volume = quota["per_volume_gigabytes"]
    if volume_size is not None and per_volume >= 0 and volume_size > per_volume:
        raise OverLimit(f"VolumeSizeExceedsLimit: Requested volume size {volume_size}G is larger than maximum "
                        f"allowed limit {per_volume}G.")
    deltas = {"volumes": volumes, "snapshots": snapshots, "gigabytes": gigabytes}
    try:
        engine.check(db, SERVICE, project_id, deltas, limits=registered)
    except Exceeded as exc:
        overs = {over[0]: over for over in exc.overs}
        raise over_quota(*next(overs[name] for name in deltas if name in overs)) from None
    used = usage(db, project_id, volume_type.id)
    for resource, delta in deltas.items():
        name = f"{resource}_{volume_type.name}"
        in_use = getattr(used, resource)
        if delta and 0 <= quota.get(name, -1) < in_use + delta:
            raise over_quota(name, delta, in_use, quota[name])


class VolumeQuotas:
    """`cloud.volume.quotas`: os-quota-sets and limits."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def get(self, ctx: RequestContext, project_id: str, *, with_usage: bool = False) -> QuotaSet:
        """GET os-quota-sets/{project_id}[?usage=True]."""
        self.cloud.policy.enforce(ctx, "volume_extension:quotas:show", project_id)
        with self.cloud.db.read() as db:
            quota = limits(self.cloud.quotas, db, project_id)
            if not with_usage:
                return QuotaSet(project_id, quota)
            total = usage(db, project_id)
            used = {"volumes": total.volumes, "gigabytes": total.gigabytes, "snapshots": total.snapshots,
                    "backups": total.backups, "backup_gigabytes": total.backup_gigabytes}
            for t in db.scalars(select(VolumeType)):
                per = usage(db, project_id, t.id)
                used.update({f"volumes_{t.name}": per.volumes, f"gigabytes_{t.name}": per.gigabytes,
                             f"snapshots_{t.name}": per.snapshots})
        return QuotaSet(project_id, quota, used)

    def defaults(self, ctx: RequestContext, project_id: str) -> QuotaSet:
        """GET os-quota-sets/{project_id}/defaults."""
        self.cloud.policy.enforce(ctx, "volume_extension:quotas:show", project_id)
        with self.cloud.db.read() as db:
            return QuotaSet(project_id, class_limits(self.cloud.quotas, db, "default"))

    def update(self, ctx: RequestContext, project_id: str, changes: dict[str, Any]) -> QuotaSet:
        """PUT os-quota-sets/{project_id} (admin): set limits; -1 is unlimited."""
        self.cloud.policy.enforce(ctx, "volume_extension:quotas:update", project_id)
        with self.cloud.db.write() as db:
            known = limits(self.cloud.quotas, db, project_id)
            values: dict[str, int] = {}
            for resource, value in changes.items():
                if resource not in known:
                    raise BadRequest(f"Bad key(s) in quota set: {resource}")
                if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).lstrip("-").isdigit():
                    raise BadRequest(f"Invalid input received: Quota limit for {resource} must be an integer.")
                limit = int(value)
                if limit < -1:
                    raise BadRequest(f"Invalid input received: Quota limit {limit} for {resource} must be "
                                     f"greater than or equal to -1.")
                values[resource] = limit
            registered = self.cloud.quotas.defaults(SERVICE)
            self.cloud.quotas.set_limits(db, SERVICE, project_id, {k: v for k, v in values.items() if k in registered})
            store_limits(db, SERVICE, project_id, {k: v for k, v in values.items() if k not in registered})
            return QuotaSet(None, limits(self.cloud.quotas, db, project_id))

    def show_class(self, ctx: RequestContext, class_name: str) -> dict[str, int]:
        """GET os-quota-class-sets/{class} (admin): the class's limits (`default` is what every project starts
        from)."""
        self.cloud.policy.enforce(ctx, "volume_extension:quota_classes")
        with self.cloud.db.read() as db:
            return class_limits(self.cloud.quotas, db, class_name)

    def update_class(self, ctx: RequestContext, class_name: str, changes: dict[str, Any]) -> dict[str, int]:
        """PUT os-quota-class-sets/{class} (admin; `openstack quota set --class`): set the class's limits, -1
        unlimited. As Cinder's, a key that is not a quota (of the resources or the volume types) is ignored; a
        value that is not an integer of at least -1 is 400."""
        self.cloud.policy.enforce(ctx, "volume_extension:quota_classes")
        if not 1 <= len(class_name) <= 255:
            raise BadRequest("Invalid input received: quota_class_name has a minimum character requirement of 1 "
                             "and a maximum of 255.")
        values: dict[str, int] = {}
        for resource, value in changes.items():
            if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
                raise BadRequest(f"Invalid input for field/attribute {resource}. Value: {value}. "
                                 f"{value!r} is not of type 'integer', 'string'")
            if int(value) < -1:
                raise BadRequest(f"Invalid input for field/attribute {resource}. Value: {value}. "
                                 f"{value} is less than the minimum of -1")
            values[resource] = int(value)
        with self.cloud.db.write() as db:
            known = class_limits(self.cloud.quotas, db, class_name)
            store_limits(db, SERVICE, CLASS_PREFIX + class_name, {k: v for k, v in values.items() if k in known})
            return class_limits(self.cloud.quotas, db, class_name)

    def delete(self, ctx: RequestContext, project_id: str) -> None:
        """DELETE os-quota-sets/{project_id} (admin): back to the defaults."""
        self.cloud.policy.enforce(ctx, "volume_extension:quotas:delete", project_id)
        with self.cloud.db.write() as db:
            self.cloud.quotas.reset(db, project_id, SERVICE)

    def absolute_limits(self, ctx: RequestContext) -> AbsoluteLimits:
        """GET /limits: the caller's absolute limits and (as Cinder's used_limits extension) usage."""
        project_id = ctx.project_id or ""
        with self.cloud.db.read() as db:
            quota = limits(self.cloud.quotas, db, project_id)
            used = (usage(db, project_id) if self.cloud.policy.allows(ctx, "limits_extension:used_limits")
                    else None)
        return AbsoluteLimits(quota, used)
