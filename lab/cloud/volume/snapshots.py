"""Volume snapshots: create (with Cinder 3.0's `force` rule for in-use volumes), list/show, update, metadata,
delete, and the worker jobs that copy and remove the snapshot files.

A snapshot counts against the `snapshots` and `gigabytes` quotas and the backend capacity, like Cinder. A volume
with snapshots cannot be deleted (volumes.py) unless the delete cascades.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud import events, worker
from lab.cloud.context import RequestContext
from lab.cloud.drivers.base import DriverError
from lab.cloud.errors import BadRequest, NotFound
from lab.cloud.validation import NOVA
from lab.cloud.volume import quotas
from lab.cloud.volume.models import GroupSnapshotMember, Snapshot, Volume, VolumeType
from lab.cloud.volume.schemas import SnapshotCreate
from lab.cloud.volume.services import FROZEN, volume_service
from lab.cloud.volume.volumes import (
    _sort_spec,
    _sort_value,
    check_capacity,
    find_volume,
    merge_metadata,
    metadata_item,
    sees_every_project,
)

SNAPSHOT_SORT_KEYS = ("id", "name", "status", "size", "created_at", "updated_at")
# Cinder's snapshot reset-status schema (cinder/api/schemas/snapshot_actions.py).
RESET_STATUSES = ("available", "error", "creating", "deleting", "error_deleting", "backing-up", "restoring")
# os-update_snapshot_status (cinder/api/contrib/snapshot_actions.py): the transitions it allows, from a status.
STATUS_MAP = {"creating": ("creating", "available", "error"), "deleting": ("deleting", "error_deleting")}
UPDATE_STATUSES = ("available", "creating", "deleting", "error", "error_deleting")

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.drivers.base import VolumeDriver
    from lab.cloud.policy import Policy


def find_snapshot(db: Session, policy: Policy, ctx: RequestContext, snapshot_id: str) -> Snapshot:
    """A snapshot the caller may see. Raises Cinder's 404."""
    found = db.get(Snapshot, snapshot_id)
    if found is None or (found.project_id != ctx.project_id and not sees_every_project(policy, ctx)):
        raise NotFound(f"Snapshot {snapshot_id} could not be found.")
    return found


class Snapshots:
    """`cloud.volume.snapshots`: the snapshot operations."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    @property
    def driver(self) -> VolumeDriver:
        return self.cloud.volume_driver

    def _find(self, db: Session, ctx: RequestContext, snapshot_id: str, rule: str) -> Snapshot:
        """The snapshot, if the caller may see it (404) and `rule` allows the caller on it (403)."""
        snap = find_snapshot(db, self.cloud.policy, ctx, snapshot_id)
        self.cloud.policy.enforce(ctx, rule, snap.project_id)
        return snap

    def create(self, ctx: RequestContext, req: SnapshotCreate) -> Snapshot:
        """POST /snapshots. Before 3.66 an in-use volume needs force=true (Cinder's 400 otherwise); from 3.66 on
        it needs nothing (`req.allow_in_use`)."""
        total_gb = self.driver.total_capacity_gb()
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            volume = find_volume(db, self.cloud.policy, ctx, req.volume_id)
            self.cloud.policy.enforce(ctx, "volume:create_snapshot", volume.project_id)
            allowed = ("available", "in-use") if req.force or req.allow_in_use else ("available",)
            if volume.status not in allowed:
                raise BadRequest(f"Invalid volume: Volume {volume.id} status must be available, but current status "
                                 f"is: {volume.status}.")
            if volume_service(db)[1]:  # Cinder's volume.assert_not_frozen()
                raise BadRequest(FROZEN)
            vtype = db.get(VolumeType, volume.volume_type_id)
            assert vtype is not None
            quotas.check(self.cloud.quotas, db, volume.project_id, vtype, snapshots=1, gigabytes=volume.size)
            check_capacity(db, total_gb, volume.size)
            snap = Snapshot(project_id=volume.project_id, user_id=ctx.user_id, volume_id=volume.id, name=req.name,
                            description=req.description, size=volume.size, status="creating", progress="0%",
                            metadata_=dict(req.metadata), created_at=now, updated_at=None)
            db.add(snap)
            db.flush()
            events.record(db, now, project_id=snap.project_id, user_id=ctx.user_id, resource_type="snapshot",
                          resource_id=snap.id, action="create", size=snap.size, volume_id=volume.id,
                          name=snap.name)
            worker.enqueue(db, now, "snapshot.create", snap.id, volume_id=volume.id)
        self.cloud.worker.wake()
        return snap

    def get(self, ctx: RequestContext, snapshot_id: str) -> Snapshot:
        """GET /snapshots/{id}. Raises 404."""
        with self.cloud.db.read() as db:
            return self._find(db, ctx, snapshot_id, "volume:get_snapshot")

    def list(self, ctx: RequestContext, *, filters: dict[str, Any], limit: int | None = None,
                       marker: str | None = None, offset: int | None = None, sort: str | None = None,
                       sort_key: str | None = None, sort_dir: str | None = None) -> tuple[list[Snapshot], int, int]:
        """GET /snapshots[/detail]: newest first (or `sort`), filters name, status, volume_id; limit (0 is an
        empty page, as in Cinder), marker, offset. Returns the page, the page size and the number of matches."""
        self.cloud.policy.enforce(ctx, "volume:get_all_snapshots")
        spec = _sort_spec(sort, sort_key, sort_dir, SNAPSHOT_SORT_KEYS)
        page = min(self.cloud.settings.max_page_size if limit is None else limit, self.cloud.settings.max_page_size)
        with self.cloud.db.read() as db:
            query = select(Snapshot)
            if not (ctx.all_projects and sees_every_project(self.cloud.policy, ctx)):
                query = query.where(Snapshot.project_id == ctx.project_id)
            for key in ("name", "status", "volume_id"):
                if filters.get(key) is not None:
                    query = query.where(getattr(Snapshot, key) == filters[key])
            rows = list(db.scalars(query))
        count = len(rows)
        for key, desc in reversed([*spec, ("id", True)]):  # stable sorts, least significant key first
            rows.sort(key=functools.partial(_sort_value, key=key), reverse=desc)
        if marker is not None:
            position = next((i for i, s in enumerate(rows) if s.id == marker), None)
            if position is None:
                raise NotFound(f"Marker {marker} could not be found.")
            rows = rows[position + 1:]
        if offset:
            rows = rows[offset:]
        return rows[:page], page, count

    def update(self, ctx: RequestContext, snapshot_id: str, changes: dict[str, Any]) -> Snapshot:
        """PUT /snapshots/{id}: name, description, metadata."""
        with self.cloud.db.write() as db:
            snap = self._find(db, ctx, snapshot_id, "volume:update_snapshot")
            for key, value in changes.items():
                setattr(snap, "metadata_" if key == "metadata" else key, value)
            snap.updated_at = self.cloud.clock.now()
            return snap

    # ------------------------------------------------------------------ metadata
    def get_metadata(self, ctx: RequestContext, snapshot_id: str, key: str | None = None) -> dict[str, str]:
        """GET /snapshots/{id}/metadata, or one `key` of it."""
        with self.cloud.db.read() as db:
            metadata = dict(self._find(db, ctx, snapshot_id, "volume:get_snapshot_metadata").metadata_ or {})
        return metadata_item(metadata, key)

    def create_metadata(self, ctx: RequestContext, snapshot_id: str, metadata: dict[str, str]) -> dict[str, str]:
        """POST /snapshots/{id}/metadata: merged into what is there."""
        return self._change_metadata(ctx, snapshot_id, "volume:update_snapshot_metadata", metadata)

    def replace_metadata(self, ctx: RequestContext, snapshot_id: str, metadata: dict[str, str]) -> dict[str, str]:
        """PUT /snapshots/{id}/metadata: replaces it whole."""
        return self._change_metadata(ctx, snapshot_id, "volume:update_snapshot_metadata", metadata, replace=True)

    def update_metadata_item(self, ctx: RequestContext, snapshot_id: str, key: str, value: str) -> None:
        self._change_metadata(ctx, snapshot_id, "volume:update_snapshot_metadata", {key: value})

    def delete_metadata_item(self, ctx: RequestContext, snapshot_id: str, key: str) -> None:
        self._change_metadata(ctx, snapshot_id, "volume:delete_snapshot_metadata", {}, delete_key=key)

    def _change_metadata(self, ctx: RequestContext, snapshot_id: str, rule: str, metadata: dict[str, str], *,
                         replace: bool = False, delete_key: str | None = None) -> dict[str, str]:
        with self.cloud.db.write() as db:
            snap = self._find(db, ctx, snapshot_id, rule)
            current = merge_metadata(snap.metadata_, metadata, replace=replace, delete_key=delete_key)
            snap.metadata_ = current
            snap.updated_at = self.cloud.clock.now()
            return dict(current)

    def reset_status(self, ctx: RequestContext, snapshot_id: str, status: str | None) -> None:
        """os-reset_status (admin): put a snapshot stuck in a transition back to a status."""
        if status not in RESET_STATUSES:
            raise NOVA.refuse("status", status, "enum", choices=list(RESET_STATUSES))
        with self.cloud.db.write() as db:
            snap = find_snapshot(db, self.cloud.policy, ctx, snapshot_id)
            self.cloud.policy.enforce(ctx, "volume_extension:snapshot_admin_actions:reset_status", snap.project_id)
            snap.status, snap.updated_at = status, self.cloud.clock.now()

    def update_status(self, ctx: RequestContext, snapshot_id: str, arguments: Any) -> None:
        """os-update_snapshot_status: what Nova sends while it takes an assisted snapshot (a snapshot of a volume
        its hypervisor writes): the status moves creating -> creating/available/error or deleting ->
        deleting/error_deleting, with an optional progress ("80%"). Cinder's 400s for the rest."""
        if not isinstance(arguments, dict):
            raise NOVA.refuse("os-update_snapshot_status", arguments, "type", types=NOVA.types(dict))
        extra = sorted(set(arguments) - {"status", "progress"})
        if extra:
            raise NOVA.unexpected("os-update_snapshot_status", arguments, extra)
        status, progress = arguments.get("status"), arguments.get("progress")
        if "status" not in arguments:
            raise NOVA.refuse("os-update_snapshot_status", arguments, "required", key="status")
        if status not in UPDATE_STATUSES:
            raise NOVA.refuse("status", status, "enum", choices=list(UPDATE_STATUSES))
        if progress is not None and not isinstance(progress, str):
            raise NOVA.refuse("progress", progress, "type", types=NOVA.types(str))
        if progress:
            try:
                percent = int(progress[:-1])
            except ValueError:
                percent = -1
            if not 0 <= percent <= 100 or not progress.endswith("%"):
                raise BadRequest("progress must be an integer percentage")
        with self.cloud.db.write() as db:
            snap = self._find(db, ctx, snapshot_id, "snapshot_extension:snapshot_actions:update_snapshot_status")
            allowed = STATUS_MAP.get(snap.status)
            if allowed is None:
                raise BadRequest(f"Snapshot status {snap.status} not allowed for update_snapshot_status")
            if status not in allowed:
                raise BadRequest(f"Provided snapshot status {status} not allowed for snapshot with status "
                                 f"{snap.status}.")
            snap.status = status
            if progress:
                snap.progress = progress
            snap.updated_at = self.cloud.clock.now()

    def delete(self, ctx: RequestContext, snapshot_id: str, *, force: bool = False) -> None:
        """DELETE /snapshots/{id}: an available or errored snapshot; the file goes in the worker. `force` is
        os-force_delete (admin): any status, as Cinder's delete_snapshot(force=True)."""
        if force:
            self.cloud.policy.enforce(ctx, "volume_extension:snapshot_admin_actions:force_delete")
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            snap = self._find(db, ctx, snapshot_id, "volume:delete_snapshot")
            if volume_service(db)[1]:  # Cinder's snapshot.assert_not_frozen()
                raise BadRequest(FROZEN)
            if (not force and snap.status not in ("available", "error")) or db.get(
                    GroupSnapshotMember, snap.id) is not None:
                raise BadRequest("Invalid snapshot: Volume Snapshot status must be available or error and must not "
                                 "be part of a group.")
            snap.status = "deleting"
            snap.updated_at = now
            events.record(db, now, project_id=snap.project_id, user_id=ctx.user_id, resource_type="snapshot",
                          resource_id=snap.id, action="delete", size=snap.size)
            worker.enqueue(db, now, "snapshot.delete", snap.id)
        self.cloud.worker.wake()


def _set_snapshot(cloud: Cloud, snapshot_id: str, expected: str, **changes: Any) -> None:
    with cloud.db.write() as db:
        snap = db.get(Snapshot, snapshot_id)
        if snap is None or snap.status != expected:
            return
        for key, value in changes.items():
            setattr(snap, key, value)
        snap.updated_at = cloud.clock.now()


JOBS: worker.Jobs = {}  # the worker jobs of this module, listed in the plugin


@worker.job(JOBS, "snapshot.create", on_failure=lambda cloud, job, detail: _set_snapshot(
    cloud, job.resource_id, "creating", status="error"))
def _create_job(cloud: Cloud, job: worker.JobSpec) -> None:
    with cloud.db.read() as db:
        snap = db.get(Snapshot, job.resource_id)
        volume = db.get(Volume, snap.volume_id) if snap is not None else None
    if snap is None or snap.status != "creating" or volume is None:
        return
    try:
        cloud.volume_driver.create_snapshot(snap.id, volume.id)
    except DriverError:
        _set_snapshot(cloud, snap.id, "creating", status="error")
        return
    _set_snapshot(cloud, snap.id, "creating", status="available", progress="100%")


@worker.job(JOBS, "snapshot.delete", on_failure=lambda cloud, job, detail: _set_snapshot(
    cloud, job.resource_id, "deleting", status="error_deleting"))
def _delete_job(cloud: Cloud, job: worker.JobSpec) -> None:
    cloud.volume_driver.delete_snapshot(job.resource_id)
    with cloud.db.write() as db:
        snap = db.get(Snapshot, job.resource_id)
        if snap is not None and snap.status == "deleting":
            db.delete(snap)
