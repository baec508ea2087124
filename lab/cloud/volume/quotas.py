"""Block storage quotas and limits (Cinder's os-quota-sets and absolute limits).

Usage is counted from the rows themselves inside the caller's write transaction (BEGIN IMMEDIATE), so a check
and the insert it allows are one atomic step: two concurrent creates can never both take the last volume.
`gigabytes` counts volumes and snapshots, as Cinder does; per-type limits (`volumes_<type>`, ...) are -1
(unlimited) unless an admin sets them. Refusals are Cinder's 413 overLimit with its messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Forbidden, OverLimit
from lab.cloud.quotas import Resource, clear_limits, store_limits, stored_limits
from lab.cloud.volume.models import Snapshot, Volume, VolumeType

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

DEFAULTS: dict[str, int] = {"volumes": 10, "snapshots": 10, "gigabytes": 1000, "backups": 10,
                            "backup_gigabytes": 1000, "groups": 10, "per_volume_gigabytes": -1}
PER_TYPE = ("volumes", "gigabytes", "snapshots")
# Cinder's quota resources, in the one quota engine (lab/cloud/quotas.py); per-type limits (`volumes_lvm`) are
# stored there too, under their full names.
RESOURCES = tuple(Resource("volume", name, default, {
    "volumes": lambda db, p: usage(db, p).volumes, "gigabytes": lambda db, p: usage(db, p).gigabytes,
    "snapshots": lambda db, p: usage(db, p).snapshots}.get(name)) for name, default in DEFAULTS.items())


@dataclass(frozen=True)
class Usage:
    volumes: int
    gigabytes: int
    snapshots: int


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
    return Usage(volumes=int(volumes), gigabytes=int(volume_gb) + int(snapshot_gb), snapshots=int(snapshots))


def limits(db: Session, project_id: str) -> dict[str, int]:
    """Every quota of a project: the defaults, the per-type keys, and the admin's overrides."""
    result = dict(DEFAULTS)
    for name in db.scalars(select(VolumeType.name).order_by(VolumeType.name)):
        for resource in PER_TYPE:
            result[f"{resource}_{name}"] = -1
    result.update(stored_limits(db, "volume", project_id))
    return result


def check(db: Session, project_id: str, volume_type: VolumeType, *, volumes: int = 0, gigabytes: int = 0,
          snapshots: int = 0, volume_size: int | None = None) -> None:
    """Raise Cinder's 413 when adding the given amounts would pass a quota of the project."""
    quota = limits(db, project_id)
    per_volume = quota["per_volume_gigabytes"]
    if volume_size is not None and per_volume >= 0 and volume_size > per_volume:
        raise OverLimit(f"VolumeSizeExceedsLimit: Requested volume size {volume_size}G is larger than maximum "
                        f"allowed limit {per_volume}G.")
    for suffix, used in (("", usage(db, project_id)),
                         (f"_{volume_type.name}", usage(db, project_id, volume_type.id))):
        if volumes and 0 <= quota[f"volumes{suffix}"] < used.volumes + volumes:
            raise OverLimit(f"VolumeLimitExceeded: Maximum number of volumes allowed "
                            f"({quota[f'volumes{suffix}']}) exceeded for quota 'volumes{suffix}'.")
        if snapshots and 0 <= quota[f"snapshots{suffix}"] < used.snapshots + snapshots:
            raise OverLimit(f"SnapshotLimitExceeded: Maximum number of snapshots allowed "
                            f"({quota[f'snapshots{suffix}']}) exceeded for quota 'snapshots{suffix}'.")
        allowed = quota[f"gigabytes{suffix}"]
        if gigabytes and 0 <= allowed < used.gigabytes + gigabytes:
            raise OverLimit(f"VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed "
                            f"gigabytes{suffix} quota. Requested {gigabytes}G, quota is {allowed}G and "
                            f"{used.gigabytes}G has been consumed.")


class QuotasMixin:
    """os-quota-sets and limits; mixed into VolumeService."""

    cloud: Cloud

    def _quota_target(self, ctx: RequestContext, project_id: str) -> None:
        if not ctx.is_admin and project_id != ctx.project_id:
            raise Forbidden("Policy doesn't allow volume_extension:quotas:show to be performed.")

    def get_quota_set(self, ctx: RequestContext, project_id: str, *, with_usage: bool = False) -> dict[str, Any]:
        """GET os-quota-sets/{project_id}[?usage=True]."""
        self._quota_target(ctx, project_id)
        with self.cloud.db.read() as db:
            quota = limits(db, project_id)
            if not with_usage:
                return {"id": project_id, **quota}
            used: dict[str, int] = {}
            total = usage(db, project_id)
            used.update(volumes=total.volumes, gigabytes=total.gigabytes, snapshots=total.snapshots)
            for t in db.scalars(select(VolumeType)):
                per = usage(db, project_id, t.id)
                used.update({f"volumes_{t.name}": per.volumes, f"gigabytes_{t.name}": per.gigabytes,
                             f"snapshots_{t.name}": per.snapshots})
        return {"id": project_id, **{k: {"limit": v, "in_use": used.get(k, 0), "reserved": 0}
                                     for k, v in quota.items()}}

    def get_default_quota_set(self, ctx: RequestContext, project_id: str) -> dict[str, Any]:
        """GET os-quota-sets/{project_id}/defaults."""
        self._quota_target(ctx, project_id)
        with self.cloud.db.read() as db:
            names = list(db.scalars(select(VolumeType.name).order_by(VolumeType.name)))
        defaults = dict(DEFAULTS)
        defaults.update({f"{r}_{n}": -1 for n in names for r in PER_TYPE})
        return {"id": project_id, **defaults}

    def update_quota_set(self, ctx: RequestContext, project_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """PUT os-quota-sets/{project_id} (admin): set limits; -1 is unlimited."""
        self.cloud.policy.enforce(ctx, "volume:update_quota")
        with self.cloud.db.write() as db:
            known = limits(db, project_id)
            for resource, value in changes.items():
                if resource not in known:
                    raise BadRequest(f"Bad key(s) in quota set: {resource}")
                if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).lstrip("-").isdigit():
                    raise BadRequest(f"Invalid input received: Quota limit for {resource} must be an integer.")
                limit = int(value)
                if limit < -1:
                    raise BadRequest(f"Invalid input received: Quota limit {limit} for {resource} must be "
                                     f"greater than or equal to -1.")
                store_limits(db, "volume", project_id, {resource: limit})
            return limits(db, project_id)

    def delete_quota_set(self, ctx: RequestContext, project_id: str) -> None:
        """DELETE os-quota-sets/{project_id} (admin): back to the defaults."""
        self.cloud.policy.enforce(ctx, "volume:update_quota")
        with self.cloud.db.write() as db:
            clear_limits(db, project_id, "volume")

    def get_limits(self, ctx: RequestContext) -> dict[str, Any]:
        """GET /limits: the caller's absolute limits and usage (no rate limits)."""
        project_id = ctx.project_id or ""
        with self.cloud.db.read() as db:
            quota = limits(db, project_id)
            used = usage(db, project_id)
        return {"rate": [], "absolute": {
            "maxTotalVolumes": quota["volumes"], "maxTotalSnapshots": quota["snapshots"],
            "maxTotalVolumeGigabytes": quota["gigabytes"], "maxTotalBackups": quota["backups"],
            "maxTotalBackupGigabytes": quota["backup_gigabytes"],
            "totalVolumesUsed": used.volumes, "totalSnapshotsUsed": used.snapshots,
            "totalGigabytesUsed": used.gigabytes, "totalBackupsUsed": 0, "totalBackupGigabytesUsed": 0}}
