"""Volume backups (Cinder's backup service): create (full or incremental, of an in-use volume with `force`, or of
a snapshot), list/show, update, restore to the same or a new volume, delete, reset-status; and the worker jobs
that copy the bytes.

A backup is a file under the lab's data directory (`<data_dir>/backups/backup-<id>.<format>`), outside the
volume backend: it survives the volume's delete, which is what a backup is for. Statuses as in Cinder:
creating -> available (the volume is `backing-up` meanwhile and returns to its status), restoring -> available
(the target volume is `restoring-backup`, then available), deleting -> gone; a failure is `error` with
`fail_reason`. An incremental backup records its parent (the newest available backup of the volume) as
Cinder's chain does, so the parent cannot be deleted while it has dependents; the lab stores every backup
whole, so each restores on its own. Backups count against the `backups` and `backup_gigabytes` quotas.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import functools
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud import events, worker
from lab.cloud.context import RequestContext
from lab.cloud.drivers.base import DriverError
from lab.cloud.errors import BadRequest, NotFound, OverLimit
from lab.cloud.quotas import Exceeded
from lab.cloud.validation import NOVA
from lab.cloud.volume import quotas
from lab.cloud.volume.models import Backup, Snapshot, Volume
from lab.cloud.volume.schemas import DEFAULT_AZ
from lab.cloud.volume.types import default_type
from lab.cloud.volume.volumes import _sort_spec, _sort_value, check_capacity, find_volume, sees_every_project

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.policy import Policy

BACKUP_SORT_KEYS = ("id", "name", "status", "size", "created_at", "updated_at")
RESET_STATUSES = ("available", "error")  # Cinder's backup reset-status accepts these two
# The backup driver a record names (export_record, import_record): files on a filesystem, as Cinder's posix one.
BACKUP_SERVICE = "cinder.backup.drivers.posix.PosixBackupDriver"
IMPORT_VOLUME_ID = "00000000-0000-0000-0000-000000000000"  # Cinder's volume id of an imported backup
# What Cinder's backup manager needs in an imported record (manager.import_record).
IMPORT_REQUIRED = ("display_name", "display_description", "container", "size", "service_metadata",
                   "object_count", "id")
_DATA_NAME = re.compile(r"backup-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class BackupCreate:
    volume_id: str
    name: str | None = None
    description: str | None = None
    incremental: bool = False
    force: bool = False
    snapshot_id: str | None = None
    container: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    availability_zone: str | None = None


@dataclass(frozen=True)
class Restore:
    """What POST /backups/{id}/restore answers."""

    backup_id: str
    volume_id: str
    volume_name: str | None


def find_backup(db: Session, policy: Policy, ctx: RequestContext, backup_id: str) -> Backup:
    """A backup the caller may see (an operator sees every project's). Raises Cinder's 404."""
    found = db.get(Backup, backup_id)
    if found is None or (found.project_id != ctx.project_id and not sees_every_project(policy, ctx)):
        raise NotFound(f"Backup {backup_id} could not be found.")
    return found


def _over_quota(exc: Exceeded) -> OverLimit:
    name, requested, used, limit = exc.overs[0]
    if name == "backups":
        return OverLimit(f"BackupLimitExceeded: Maximum number of backups allowed ({limit}) exceeded")
    return OverLimit(f"VolumeBackupSizeExceedsAvailableQuota: Requested backup size {requested}G exceeds "
                     f"backup_gigabytes quota. Requested {requested}G, quota is {limit}G and {used}G has been "
                     f"consumed.")


class Backups:
    """`cloud.volume.backups`: the backup operations."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.root = cloud.settings.data_dir / "backups"
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, backup_id: str) -> Path:
        return self.root / f"backup-{backup_id}"

    def meta_path(self, backup_id: str) -> Path:
        """The volume's metadata kept with the backup's data, as Cinder's backup drivers keep a metadata object
        next to the data (`volume_meta`: the user metadata; `volume_base_meta`: name and description); what a
        restore gives the volume back."""
        return self.root / f"backup-{backup_id}.meta.json"

    def remove_file(self, backup_id: str) -> None:
        """Delete a backup's file (and a partial one, and its metadata); succeeds if there is none."""
        for path in (self.path(backup_id), self.path(backup_id).with_name(f"backup-{backup_id}.part"),
                     self.meta_path(backup_id)):
            path.unlink(missing_ok=True)

    def stored_metadata(self, backup_id: str) -> dict[str, Any]:
        """The volume metadata kept with a backup ({} for a backup made before it was kept)."""
        try:
            found = json.loads(self.meta_path(backup_id).read_text())
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def _find(self, db: Session, ctx: RequestContext, backup_id: str, rule: str) -> Backup:
        backup = find_backup(db, self.cloud.policy, ctx, backup_id)
        self.cloud.policy.enforce(ctx, rule, backup.project_id)
        return backup

    # ------------------------------------------------------------------ creating
    def create(self, ctx: RequestContext, req: BackupCreate) -> Backup:
        """POST /backups: the volume (or its snapshot) is copied by the worker; 400 for a volume that is not
        available (in-use needs `force`), an incremental with no full backup to build on; 413 over quota."""
        self.cloud.policy.enforce(ctx, "backup:create", ctx.project_id)
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            volume = find_volume(db, self.cloud.policy, ctx, req.volume_id)
            snapshot = None
            if req.snapshot_id is not None:
                snapshot = db.get(Snapshot, req.snapshot_id)
                if snapshot is None or snapshot.volume_id != volume.id:
                    raise NotFound(f"Snapshot {req.snapshot_id} could not be found.")
                if snapshot.status != "available":
                    raise BadRequest(f"Invalid snapshot: Snapshot to be backed up must be available, but the "
                                     f"current status is \"{snapshot.status}\".")
            elif volume.status == "in-use" and not req.force:
                raise BadRequest("Invalid volume: Backing up an in-use volume must use the force flag.")
            elif volume.status not in ("available", "in-use"):
                raise BadRequest(f"Invalid volume: The volume must be available or in-use, but the current status "
                                 f"is \"{volume.status}\".")
            parent = None
            if req.incremental:
                parent = db.scalar(select(Backup).where(Backup.volume_id == volume.id, Backup.status == "available")
                                   .order_by(Backup.data_timestamp.desc(), Backup.created_at.desc()))
                if parent is None:
                    raise BadRequest("Invalid backup: No backups available to do an incremental backup.")
            try:
                self.cloud.quotas.check(db, quotas.SERVICE, volume.project_id,
                                        {"backups": 1, "backup_gigabytes": volume.size})
            except Exceeded as exc:
                raise _over_quota(exc) from None
            backup = Backup(project_id=volume.project_id, user_id=ctx.user_id, volume_id=volume.id,
                            snapshot_id=req.snapshot_id, parent_id=parent.id if parent else None, name=req.name,
                            description=req.description, size=volume.size, status="creating",
                            is_incremental=parent is not None, container=req.container or "backups",
                            availability_zone=req.availability_zone, object_count=0,  # null unless asked, as Cinder
                            metadata_=dict(req.metadata), bootable=volume.bootable,
                            image_metadata=dict(volume.image_metadata or {}),
                            data_timestamp=snapshot.created_at if snapshot else now, created_at=now,
                            updated_at=None)
            db.add(backup)
            db.flush()
            previous = volume.status
            if snapshot is not None:
                snapshot.status, snapshot.updated_at = "backing-up", now
            else:
                volume.status, volume.updated_at = "backing-up", now
            events.record(db, now, project_id=backup.project_id, user_id=ctx.user_id, resource_type="backup",
                          resource_id=backup.id, action="create", size=backup.size, volume_id=volume.id,
                          name=backup.name)
            worker.enqueue(db, now, "backup.create", backup.id, volume_status=previous)
        self.cloud.worker.wake()
        return backup

    # ------------------------------------------------------------------ reading
    def get(self, ctx: RequestContext, backup_id: str) -> Backup:
        with self.cloud.db.read() as db:
            return self._find(db, ctx, backup_id, "backup:get")

    def list(self, ctx: RequestContext, *, filters: dict[str, Any], limit: int | None = None,
             marker: str | None = None, offset: int | None = None, sort: str | None = None,
             sort_key: str | None = None, sort_dir: str | None = None) -> tuple[list[Backup], int]:
        """GET /backups[/detail]: newest first, filters name, status, volume_id; limit, marker, offset.
        Returns the page and the number of matches."""
        self.cloud.policy.enforce(ctx, "backup:get_all")
        spec = _sort_spec(sort, sort_key, sort_dir, BACKUP_SORT_KEYS)
        page = min(self.cloud.settings.max_page_size if limit is None else limit, self.cloud.settings.max_page_size)
        with self.cloud.db.read() as db:
            query = select(Backup)
            if not (ctx.all_projects and sees_every_project(self.cloud.policy, ctx)):
                query = query.where(Backup.project_id == ctx.project_id)
            for key in ("name", "status", "volume_id"):
                if filters.get(key) is not None:
                    query = query.where(getattr(Backup, key) == filters[key])
            rows = list(db.scalars(query))
        count = len(rows)
        for key, desc in reversed([*spec, ("id", True)]):
            rows.sort(key=functools.partial(_sort_value, key=key), reverse=desc)
        if marker is not None:
            position = next((i for i, b in enumerate(rows) if b.id == marker), None)
            if position is None:
                raise NotFound(f"Marker {marker} could not be found.")
            rows = rows[position + 1:]
        if offset:
            rows = rows[offset:]
        return rows[:page], count

    def dependents(self, backup_ids: builtins.list[str]) -> set[str]:
        """Those of `backup_ids` that an incremental backup builds on (`has_dependent_backups`)."""
        if not backup_ids:
            return set()
        with self.cloud.db.read() as db:
            return set(db.scalars(select(Backup.parent_id).where(Backup.parent_id.in_(backup_ids))))

    def update(self, ctx: RequestContext, backup_id: str, changes: dict[str, Any]) -> Backup:
        """PUT /backups/{id} (3.9): name, description, and (3.43) metadata."""
        with self.cloud.db.write() as db:
            backup = self._find(db, ctx, backup_id, "backup:update")
            for key, value in changes.items():
                setattr(backup, "metadata_" if key == "metadata" else key, value)
            backup.updated_at = self.cloud.clock.now()
            return backup

    # ------------------------------------------------------------------ export, import (backup record)
    def export_record(self, ctx: RequestContext, backup_id: str) -> dict[str, str]:
        """GET /backups/{id}/export_record (admin): the backup's database record, base64 JSON as Cinder's
        `encode_record`, for an import after a loss of the database; 400 unless the backup is available."""
        with self.cloud.db.read() as db:
            backup = self._find(db, ctx, backup_id, "backup:export-import")
        if backup.status != "available":
            raise BadRequest(f"Invalid backup: Backup status must be available and not {backup.status}.")
        record = {
            "id": backup.id, "user_id": backup.user_id, "project_id": backup.project_id,
            "volume_id": backup.volume_id, "host": "stacklab", "availability_zone": backup.availability_zone,
            "container": backup.container, "parent_id": backup.parent_id, "status": backup.status,
            "fail_reason": backup.fail_reason, "size": backup.size, "display_name": backup.name,
            "display_description": backup.description, "service_metadata": f"backup-{backup.id}",
            "service": BACKUP_SERVICE, "object_count": backup.object_count, "temp_volume_id": None,
            "temp_snapshot_id": None, "num_dependent_backups": 0, "snapshot_id": backup.snapshot_id,
            "data_timestamp": _iso(backup.data_timestamp), "restore_volume_id": None, "encryption_key_id": None,
            "metadata": dict(backup.metadata_ or {}), "created_at": _iso(backup.created_at),
            "updated_at": _iso(backup.updated_at), "deleted_at": None, "deleted": False,
            "is_incremental": backup.is_incremental, "bootable": backup.bootable,
            "image_metadata": dict(backup.image_metadata or {}),
        }
        url = base64.b64encode(json.dumps(record).encode()).decode()
        return {"backup_service": BACKUP_SERVICE, "backup_url": url}

    def import_record(self, ctx: RequestContext, backup_service: str, backup_url: str) -> Backup:
        """POST /backups/import_record (admin): a backup record back into the database, in the caller's project
        with the record's id. 400 for a record that does not decode, has no id, or names a backup that exists;
        a record this backup service cannot use (another driver, missing fields, data that is not there) is
        imported in `error` with the reason, as Cinder's backup manager leaves it. The data is the record's
        backup file, which the new backup gets its own link to."""
        self.cloud.policy.enforce(ctx, "backup:backup-import", ctx.project_id)
        try:
            record = json.loads(base64.b64decode(backup_url, validate=True).decode())
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise BadRequest("Invalid input received: Can't parse backup record.") from None
        if not isinstance(record, dict):
            raise BadRequest("Invalid input received: Can't parse backup record.")
        backup_id = record.get("id")
        if backup_id is None:
            raise BadRequest("Invalid input received: Provided backup record is missing an id")
        if not isinstance(backup_id, str) or not _DATA_NAME.fullmatch(f"backup-{backup_id.lower()}"):
            raise BadRequest(f"Invalid input received: Invalid backup id {backup_id}.")
        now = self.cloud.clock.now()
        fail = None
        missing = [k for k in IMPORT_REQUIRED if k not in record]
        data = record.get("service_metadata")
        if backup_service != BACKUP_SERVICE:
            fail = (f"Import record failed, cannot find backup service to perform the import. Request service "
                    f"{backup_service}.")
        elif missing:
            fail = (f"Driver successfully decoded imported backup data, but there are missing fields "
                    f"({', '.join(missing)}).")
        elif not isinstance(data, str) or not _DATA_NAME.fullmatch(data) or not (self.root / data).is_file():
            fail = f"Invalid backup: the backup data {data} could not be found."
        size = record.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            size, fail = 0, fail or f"Invalid backup: invalid size {size!r}."
        with self.cloud.db.write() as db:
            if db.get(Backup, backup_id) is not None:
                raise BadRequest("Invalid backup: Backup already exists in database.")
            if fail is None:  # the data first: a backup row never points at data that is not there
                assert isinstance(data, str)
                _link(self.root / data, self.path(backup_id))
                source_meta = self.root / f"{data}.meta.json"
                if source_meta.is_file():
                    _link(source_meta, self.meta_path(backup_id))
            metadata = record.get("metadata")
            backup = Backup(
                id=backup_id, project_id=ctx.project_id or "", user_id=ctx.user_id,
                volume_id=_text(record.get("volume_id"), 36) or IMPORT_VOLUME_ID,
                snapshot_id=_text(record.get("snapshot_id"), 36), parent_id=_text(record.get("parent_id"), 36),
                name=_text(record.get("display_name"), 255), description=_text(record.get("display_description"), 255),
                size=size, status="error" if fail else "available", fail_reason=fail,
                is_incremental=bool(record.get("parent_id")), container=_text(record.get("container"), 255),
                availability_zone=_text(record.get("availability_zone"), 255),
                object_count=record.get("object_count") if isinstance(record.get("object_count"), int) else 0,
                metadata_={str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {},
                bootable=bool(record.get("bootable")),
                image_metadata=record.get("image_metadata") if isinstance(record.get("image_metadata"), dict) else {},
                data_timestamp=_when(record.get("data_timestamp")) or now, created_at=now, updated_at=now)
            db.add(backup)
            db.flush()
            events.record(db, now, project_id=backup.project_id, user_id=ctx.user_id, resource_type="backup",
                          resource_id=backup.id, action="create", size=backup.size, volume_id=backup.volume_id,
                          name=backup.name)
            return backup

    # ------------------------------------------------------------------ restoring
    def restore(self, ctx: RequestContext, backup_id: str, volume_id: str | None, name: str | None) -> Restore:
        """POST /backups/{id}/restore: into an existing available volume at least as large, or (no volume_id) a
        new volume of the backup's size, counted against the volume quotas. The worker copies the bytes."""
        total_gb = self.cloud.volume_driver.total_capacity_gb()
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            backup = self._find(db, ctx, backup_id, "backup:restore")
            if backup.status != "available":
                raise BadRequest("Invalid backup: Backup status must be available")
            if volume_id is None:
                vtype = default_type(db, ctx.project_id)
                quotas.check(self.cloud.quotas, db, ctx.project_id or "", vtype, volumes=1, gigabytes=backup.size,
                             volume_size=backup.size)
                check_capacity(db, total_gb, backup.size)
                volume = Volume(project_id=ctx.project_id or "", user_id=ctx.user_id,
                                name=name or f"restore_backup_{backup.id}",
                                description="auto-created_from_restore_from_backup", size=backup.size,
                                status="creating", availability_zone=DEFAULT_AZ, volume_type_id=vtype.id,
                                bootable=False, metadata_={}, image_metadata={},
                                created_at=now, updated_at=None)
                db.add(volume)
                db.flush()
                # The backup it comes from is kept with the event: what a lab check reads to tell a restored
                # volume from a blank one of the same name (the src_backup_id metadata the restore leaves, as
                # Cinder's backup manager, is the owner's to change).
                events.record(db, now, project_id=volume.project_id, user_id=ctx.user_id, resource_type="volume",
                              resource_id=volume.id, action="create", size=volume.size, name=volume.name,
                              volume_type=vtype.name, backup_id=backup.id)
                new = True
            else:
                volume = find_volume(db, self.cloud.policy, ctx, volume_id)
                self.cloud.policy.enforce(ctx, "volume:update", volume.project_id)
                if volume.status != "available":
                    raise BadRequest(f"Invalid volume: Volume to be restored to must be available, but the current "
                                     f"status is \"{volume.status}\".")
                if volume.size < backup.size:
                    raise BadRequest(f"Invalid volume: volume size {volume.size} is too small to restore backup of "
                                     f"size {backup.size}.")
                new = False
            volume.status, volume.updated_at = "restoring-backup", now
            backup.status, backup.restore_volume_id, backup.updated_at = "restoring", volume.id, now
            worker.enqueue(db, now, "backup.restore", backup.id, volume_id=volume.id, new_volume=new)
            result = Restore(backup.id, volume.id, volume.name)
        self.cloud.worker.wake()
        return result

    # ------------------------------------------------------------------ deleting, reset
    def delete(self, ctx: RequestContext, backup_id: str, *, force: bool = False) -> None:
        """DELETE /backups/{id}: an available or errored backup with no incremental built on it (400)."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            rule = "volume_extension:backup_admin_actions:force_delete" if force else "backup:delete"
            backup = self._find(db, ctx, backup_id, rule)
            if not force and backup.status not in ("available", "error"):
                raise BadRequest("Invalid backup: Backup status must be available or error")
            if db.scalar(select(Backup.id).where(Backup.parent_id == backup.id)) is not None:
                raise BadRequest("Invalid backup: Incremental backups exist for this backup.")
            backup.status, backup.updated_at = "deleting", now
            events.record(db, now, project_id=backup.project_id, user_id=ctx.user_id, resource_type="backup",
                          resource_id=backup.id, action="delete", size=backup.size)
            worker.enqueue(db, now, "backup.delete", backup.id)
        self.cloud.worker.wake()

    def reset_status(self, ctx: RequestContext, backup_id: str, status: str | None) -> None:
        """os-reset_status (admin): `available` or `error`, for a backup stuck in a transition."""
        if status not in RESET_STATUSES:
            raise NOVA.refuse("status", status, "enum", choices=list(RESET_STATUSES))
        with self.cloud.db.write() as db:
            backup = find_backup(db, self.cloud.policy, ctx, backup_id)
            self.cloud.policy.enforce(ctx, "volume_extension:backup_admin_actions:reset_status", backup.project_id)
            backup.status, backup.updated_at = status, self.cloud.clock.now()

    def purge(self, db: Session, project_id: str, now: Any) -> builtins.list[str]:
        """A student reset: the project's backups go (a delete event each); returns their ids (files to remove)."""
        ids = []
        for backup in db.scalars(select(Backup).where(Backup.project_id == project_id)):
            if backup.status != "deleting":
                events.record(db, now, project_id=project_id, user_id="system", resource_type="backup",
                              resource_id=backup.id, action="delete", size=backup.size)
            ids.append(backup.id)
            db.delete(backup)
        return ids


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=None) if parsed.tzinfo is not None else parsed


def _text(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _link(source: Path, target: Path) -> None:
    """`target` is `source`'s data: a hard link (a copy where the filesystem has none), so each backup's delete
    removes only its own name."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


# ------------------------------------------------------------------------------------------------ worker jobs
def _set(cloud: Cloud, model: type[Any], resource_id: str | None, expected: str, **changes: Any) -> None:
    if resource_id is None:
        return
    with cloud.db.write() as db:
        row = db.get(model, resource_id)
        if row is None or row.status != expected:
            return
        for key, value in changes.items():
            setattr(row, key, value)
        row.updated_at = cloud.clock.now()


def _backups(cloud: Cloud) -> Backups:
    found: Backups = cloud.services["volume"].backups
    return found


def _create_failed(cloud: Cloud, job: worker.JobSpec, detail: str) -> None:
    with cloud.db.read() as db:
        backup = db.get(Backup, job.resource_id)
    if backup is None:
        return
    _set(cloud, Backup, backup.id, "creating", status="error", fail_reason=detail[:1000])
    _set(cloud, Snapshot, backup.snapshot_id, "backing-up", status="available")
    _set(cloud, Volume, backup.volume_id, "backing-up", status=job.payload.get("volume_status") or "available")


JOBS: worker.Jobs = {}  # the worker jobs of this module, listed in the plugin


@worker.job(JOBS, "backup.create", on_failure=_create_failed)
def _create_job(cloud: Cloud, job: worker.JobSpec) -> None:
    with cloud.db.read() as db:
        backup = db.get(Backup, job.resource_id)
    if backup is None or backup.status != "creating":
        return
    store = _backups(cloud)
    try:
        if backup.snapshot_id is not None:
            cloud.volume_driver.export_to_file(backup.snapshot_id, store.path(backup.id), snapshot=True)
        else:
            cloud.volume_driver.export_to_file(backup.volume_id, store.path(backup.id))
    except DriverError as exc:
        _create_failed(cloud, job, str(exc))
        return
    with cloud.db.read() as db:
        volume = db.get(Volume, backup.volume_id)
    if volume is not None:  # the metadata object Cinder's backup driver writes next to the data
        store.meta_path(backup.id).write_text(json.dumps({
            "volume_meta": dict(volume.metadata_ or {}),
            "volume_base_meta": {"display_name": volume.name, "display_description": volume.description}}))
    with cloud.db.write() as db:
        current = db.get(Backup, backup.id)
        gone = current is None or current.status != "creating"
        if not gone:
            assert current is not None
            current.status, current.object_count, current.updated_at = "available", 1, cloud.clock.now()
    if gone:
        store.remove_file(backup.id)
    _set(cloud, Snapshot, backup.snapshot_id, "backing-up", status="available")
    _set(cloud, Volume, backup.volume_id, "backing-up", status=job.payload.get("volume_status") or "available")


def _restore_failed(cloud: Cloud, job: worker.JobSpec, detail: str) -> None:
    _set(cloud, Backup, job.resource_id, "restoring", status="available", restore_volume_id=None)
    _set(cloud, Volume, job.payload.get("volume_id"), "restoring-backup", status="error_restoring",
         fault=detail[:1000])


@worker.job(JOBS, "backup.restore", on_failure=_restore_failed)
def _restore_job(cloud: Cloud, job: worker.JobSpec) -> None:
    volume_id = str(job.payload["volume_id"])
    with cloud.db.read() as db:
        backup = db.get(Backup, job.resource_id)
        volume = db.get(Volume, volume_id)
    if backup is None or backup.status != "restoring" or volume is None:
        return
    driver = cloud.volume_driver
    try:
        if job.payload.get("new_volume"):
            driver.create_volume(volume.id, volume.size)
        driver.import_from_file(volume.id, _backups(cloud).path(backup.id))
    except DriverError as exc:
        _restore_failed(cloud, job, str(exc))
        return
    # Cinder's backup driver puts the volume's metadata back (merged into what the target has) and, on a
    # volume the restore named itself, its name and description; the manager marks the volume with the backup
    # it came from once the data is back.
    stored = _backups(cloud).stored_metadata(backup.id)
    meta, base_meta = stored.get("volume_meta"), stored.get("volume_base_meta")
    restored: dict[str, Any] = meta if isinstance(meta, dict) else {}
    base: dict[str, Any] = base_meta if isinstance(base_meta, dict) else {}
    named: dict[str, Any] = {}
    if base.get("display_name") and (not volume.name or volume.name.startswith("restore_backup_")):
        named = {"name": base["display_name"], "description": base.get("display_description")}
    _set(cloud, Volume, volume.id, "restoring-backup", status="available", bootable=backup.bootable,
         image_metadata=dict(backup.image_metadata or {}),
         metadata_={**(volume.metadata_ or {}), **{str(k): str(v) for k, v in restored.items()},
                    "src_backup_id": backup.id}, **named)
    _set(cloud, Backup, backup.id, "restoring", status="available", restore_volume_id=None)


@worker.job(JOBS, "backup.delete", on_failure=lambda cloud, job, detail: _set(
    cloud, Backup, job.resource_id, "deleting", status="error_deleting", fail_reason=detail[:1000]))
def _delete_job(cloud: Cloud, job: worker.JobSpec) -> None:
    _backups(cloud).remove_file(job.resource_id)
    with cloud.db.write() as db:
        backup = db.get(Backup, job.resource_id)
        if backup is not None and backup.status == "deleting":
            db.delete(backup)

