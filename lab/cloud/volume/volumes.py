"""Volumes: create (blank, from a snapshot, from a volume, from an image), show/list with Cinder's filters,
sorting and pagination, update and metadata, extend, bootable, reset-status, delete; and the worker jobs that
make them real through the volume driver.

Statuses as in Cinder: creating -> available (or error), extending -> available (or error_extending),
deleting -> gone; attaching/in-use/detaching are set by attachments.py. Every check that decides (quota,
backend capacity, status) happens in the same write transaction as the change it allows; the driver is called
later by the worker, outside any transaction.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.cloud import events, worker
from lab.cloud.context import RequestContext
from lab.cloud.drivers.base import DriverError, ImageSpec
from lab.cloud.errors import BadRequest, CloudError, NotFound, OverLimit
from lab.cloud.volume import messages, quotas
from lab.cloud.volume.models import (
    Backup,
    GroupMember,
    Snapshot,
    Volume,
    VolumeAttachment,
    VolumeGroup,
    VolumeType,
)
from lab.cloud.volume.schemas import DEFAULT_AZ, VolumeCreate
from lab.cloud.volume.services import FROZEN, NO_BACKEND, volume_service
from lab.cloud.volume.types import find_type, type_names

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.drivers.base import VolumeDriver
    from lab.cloud.policy import Policy

GIB = 1024**3
DELETABLE = ("available", "error", "error_restoring", "error_extending", "error_managing")
CANNOT_DELETE = ("Invalid volume: Volume status must be available or error or error_restoring or error_extending "
                 "or error_managing and must not be migrating, attached, belong to a group, have snapshots, "
                 "awaiting a transfer, or be disassociated from snapshots after volume transfer.")
# With force Cinder's expected statuses are empty, so its sentence names none ("Volume  must not ...").
FORCE_CANNOT_DELETE = ("Invalid volume: Volume  must not be migrating, attached, belong to a group, have snapshots, "
                       "awaiting a transfer, or be disassociated from snapshots after volume transfer.")
RESET_STATUSES = ("available", "in-use", "error", "creating", "deleting", "attaching", "detaching",
                  "error_deleting", "error_extending", "maintenance", "reserved", "extending")
SORT_KEYS = ("id", "name", "status", "size", "created_at", "updated_at", "availability_zone", "bootable")


def sees_every_project(policy: Policy, ctx: RequestContext) -> bool:
    """Cinder scopes its lookups by `context.is_admin`, which is the `context_is_admin` rule: an operator's
    lookups reach every project's volumes, snapshots and private types."""
    return policy.allows(ctx, "context_is_admin")


def find_volume(db: Session, policy: Policy, ctx: RequestContext, volume_id: str) -> Volume:
    """A volume the caller may see (an operator sees every project's). Raises Cinder's 404."""
    found = db.get(Volume, volume_id)
    if found is None or (found.project_id != ctx.project_id and not sees_every_project(policy, ctx)):
        raise NotFound(f"Volume {volume_id} could not be found.")
    return found


def image_for_volume(cloud: Cloud, ctx: RequestContext, image_id: str) -> ImageSpec:
    """The image a volume is made from. The image contract answers in Nova's words (a boot from an unknown
    image is Nova's 400); Cinder answers an unknown (or invisible) image with 404 and the same sentence."""
    try:
        return cloud.image.image_for_boot(ctx, image_id)
    except BadRequest as exc:
        if exc.message == f"Image {image_id} could not be found.":
            raise NotFound(exc.message) from None
        raise


def provisioned_gb(db: Session) -> int:
    """GiB promised on the backend by every project: volumes (at their extend target) and snapshots."""
    volumes = db.scalar(select(func.coalesce(func.sum(func.max(Volume.size, func.coalesce(Volume.pending_size, 0))),
                                             0)))
    snaps = db.scalar(select(func.coalesce(func.sum(Snapshot.size), 0)))
    return int(volumes or 0) + int(snaps or 0)


def check_capacity(db: Session, total_gb: int, wanted_gb: int) -> None:
    """Refuse with 413 what would not fit on the backend (see course/storage.md: why 413 and not error)."""
    free = total_gb - provisioned_gb(db)
    if wanted_gb > free:
        raise OverLimit(f"No valid backend was found. Insufficient free space on backend file: requested "
                        f"{wanted_gb}G, free {max(free, 0)}G of {total_gb}G.")


@dataclass(frozen=True)
class Shows:
    """Which of a volume's policy-governed keys the caller sees (Cinder's view builder asks the same rules)."""

    admin: bool = False  # migration_status: Cinder's `context.is_admin`
    host: bool = False  # os-vol-host-attr:host
    migration: bool = False  # os-vol-mig-status-attr:migstat and :name_id


@dataclass(frozen=True)
class VolumeView:
    """A volume with what rendering needs (its type name, attachments, what the caller sees), loaded in one
    session."""

    volume: Volume
    type_name: str | None
    attachments: list[VolumeAttachment]
    shows: Shows = Shows()
    group_id: str | None = None  # its generic volume group (groups.py), shown from 3.13


@dataclass(frozen=True)
class VolumePage:
    views: list[VolumeView]
    limit: int  # the page size used (for the next link)
    count: int = 0  # how many match the filters, across pages (3.45 `count`)


def _sort_spec(sort: str | None, sort_key: str | None, sort_dir: str | None,
               keys: tuple[str, ...] = SORT_KEYS) -> list[tuple[str, bool]]:
    """Cinder's `sort=name:asc,size` or the older sort_key/sort_dir; the default is created_at desc."""
    spec: list[tuple[str, bool]] = []
    if sort:
        for part in sort.split(","):
            key, _, direction = part.strip().partition(":")
            spec.append((key, (direction or "desc").lower() == "desc"))
    elif sort_key:
        spec.append((sort_key, (sort_dir or "desc").lower() == "desc"))
    # Cinder still takes the v1 names of two keys.
    spec = [({"display_name": "name", "display_description": "description"}.get(k, k), d) for k, d in spec]
    for key, _ in spec:
        if key not in keys:
            raise BadRequest(f"Invalid input received: Invalid sort key {key}.")
    return spec or [("created_at", True)]


def _sort_value(v: Volume | Snapshot, key: str) -> Any:
    value = getattr(v, key)
    if value is None:
        return "" if key in ("name", "availability_zone") else datetime.min if key.endswith("_at") else 0
    return value


class Volumes:
    """`cloud.volume.volumes`: the volume operations, each taking the caller's RequestContext."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    @property
    def driver(self) -> VolumeDriver:
        return self.cloud.volume_driver

    # ------------------------------------------------------------------ reading
    def _shows(self, ctx: RequestContext) -> Shows:
        allows = self.cloud.policy.allows
        return Shows(admin=allows(ctx, "context_is_admin"),
                     host=allows(ctx, "volume_extension:volume_host_attribute"),
                     migration=allows(ctx, "volume_extension:volume_mig_status_attribute"))

    def _views(self, db: Session, ctx: RequestContext, rows: list[Volume]) -> list[VolumeView]:
        names = type_names(db, {v.volume_type_id for v in rows})
        ids = [v.id for v in rows]
        atts: dict[str, list[VolumeAttachment]] = {}
        if ids:
            for a in db.scalars(select(VolumeAttachment).where(VolumeAttachment.volume_id.in_(ids))):
                atts.setdefault(a.volume_id, []).append(a)
        shows = self._shows(ctx)
        groups = ({m.volume_id: m.group_id for m in db.scalars(select(GroupMember).where(
            GroupMember.volume_id.in_(ids)))} if ids else {})
        return [VolumeView(v, names.get(v.volume_type_id), atts.get(v.id, []), shows, groups.get(v.id))
                for v in rows]

    def _find(self, db: Session, ctx: RequestContext, volume_id: str, rule: str) -> Volume:
        """The volume, if the caller may see it (404) and `rule` allows the caller on it (403)."""
        volume = find_volume(db, self.cloud.policy, ctx, volume_id)
        self.cloud.policy.enforce(ctx, rule, volume.project_id)
        return volume

    def get(self, ctx: RequestContext, volume_id: str) -> VolumeView:
        """GET /volumes/{id}. Raises 404."""
        with self.cloud.db.read() as db:
            return self._views(db, ctx, [self._find(db, ctx, volume_id, "volume:get")])[0]

    def list(self, ctx: RequestContext, *, filters: dict[str, Any], metadata: dict[str, str],
                     sort: str | None = None, sort_key: str | None = None, sort_dir: str | None = None,
                     limit: int | None = None, marker: str | None = None, offset: int | None = None) -> VolumePage:
        """GET /volumes[/detail]: the caller's volumes (every project's for an admin with all_tenants)."""
        self.cloud.policy.enforce(ctx, "volume:get_all")
        spec = _sort_spec(sort, sort_key, sort_dir)
        page = min(limit or self.cloud.settings.max_page_size, self.cloud.settings.max_page_size)
        with self.cloud.db.read() as db:
            query = select(Volume)
            if not (ctx.all_projects and sees_every_project(self.cloud.policy, ctx)):
                query = query.where(Volume.project_id == ctx.project_id)
            elif filters.get("project_id"):
                query = query.where(Volume.project_id == filters["project_id"])
            for key in ("name", "status", "availability_zone"):
                if filters.get(key) is not None:
                    query = query.where(getattr(Volume, key) == filters[key])
            if filters.get("bootable") is not None:
                query = query.where(Volume.bootable.is_(filters["bootable"]))
            rows = [v for v in db.scalars(query)
                    if all((v.metadata_ or {}).get(k) == val for k, val in metadata.items())]
            count = len(rows)
            for key, desc in reversed([*spec, ("id", True)]):  # stable sorts, least significant key first
                rows.sort(key=functools.partial(_sort_value, key=key), reverse=desc)
            if marker is not None:
                position = next((i for i, v in enumerate(rows) if v.id == marker), None)
                if position is None:
                    raise NotFound(f"Marker {marker} could not be found.")
                rows = rows[position + 1:]
            if offset:
                rows = rows[offset:]
            return VolumePage(self._views(db, ctx, rows[:page]), page, count)

    def summary(self, ctx: RequestContext) -> tuple[int, int, dict[str, tuple[str, ...]]]:
        """GET /volumes/summary (3.12): how many volumes the caller's project has (every project's for an admin
        with all_tenants), their total size in GiB, and each metadata key's values (shown from 3.36)."""
        self.cloud.policy.enforce(ctx, "volume:get_volume_summary", ctx.project_id)
        with self.cloud.db.read() as db:
            query = select(Volume)
            if not (ctx.all_projects and sees_every_project(self.cloud.policy, ctx)):
                query = query.where(Volume.project_id == ctx.project_id)
            rows = list(db.scalars(query))
        metadata: dict[str, set[str]] = {}
        for volume in rows:
            for key, value in (volume.metadata_ or {}).items():
                metadata.setdefault(key, set()).add(str(value))
        return len(rows), sum(v.size for v in rows), {k: tuple(sorted(v)) for k, v in sorted(metadata.items())}

    # ------------------------------------------------------------------ creating
    def create(self, ctx: RequestContext, req: VolumeCreate) -> VolumeView:
        """POST /volumes: validate, reserve quota and capacity, record, and let the worker make the file."""
        self.cloud.policy.enforce(ctx, "volume:create", ctx.project_id)
        if req.image_ref is not None:
            self.cloud.policy.enforce(ctx, "volume:create_from_image", ctx.project_id)
        self.cloud.billing.check_can_create(ctx, "volume")  # a prepaid project with no balance left: 402
        project_id = ctx.project_id or ""
        if req.availability_zone not in (None, DEFAULT_AZ):
            raise BadRequest(f"Invalid input received: Availability zone '{req.availability_zone}' is invalid.")
        image: ImageSpec | None = None
        image_bytes = 0
        if req.image_ref is not None:
            image = image_for_volume(self.cloud, ctx, req.image_ref)
            if image.path is None or not image.path.exists():
                raise BadRequest(f"Invalid image identifier or unable to access requested image. "
                                 f"Image {image.id} has no data.")
            image_bytes = image.path.stat().st_size
        total_gb = self.driver.total_capacity_gb()
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            vtype = find_type(db, self.cloud.policy, ctx, req.volume_type)
            size = req.size
            bootable = False
            snapshot = source = None
            if req.snapshot_id is not None:
                snapshot = db.get(Snapshot, req.snapshot_id)
                if snapshot is None or (snapshot.project_id != ctx.project_id
                                        and not sees_every_project(self.cloud.policy, ctx)):
                    raise NotFound(f"Snapshot {req.snapshot_id} could not be found.")
                if snapshot.status != "available":
                    raise BadRequest("Invalid snapshot: Originating snapshot status must be one of 'available' "
                                     "values")
                size = size or snapshot.size
                if size < snapshot.size:
                    raise BadRequest(f"Invalid input received: Volume size '{size}'GB cannot be smaller than the "
                                     f"snapshot size {snapshot.size}GB. They must be >= original snapshot size.")
                origin = db.get(Volume, snapshot.volume_id)
                bootable = bool(origin and origin.bootable)
            elif req.source_volid is not None:
                source = find_volume(db, self.cloud.policy, ctx, req.source_volid)
                if source.status not in ("available", "in-use"):
                    raise BadRequest(f"Invalid volume: Unable to create a volume from an originating source volume "
                                     f"when its status is not 'available' or 'in-use' (source volume status: "
                                     f"{source.status}).")
                size = size or source.size
                if size < source.size:
                    raise BadRequest(f"Invalid input received: Volume size '{size}'GB cannot be smaller than "
                                     f"original volume size {source.size}GB. They must be >= original volume size.")
                bootable = source.bootable
            elif req.backup_id is not None:  # 3.47
                backup = db.get(Backup, req.backup_id)
                if backup is None or (backup.project_id != ctx.project_id
                                      and not sees_every_project(self.cloud.policy, ctx)):
                    raise NotFound(f"Backup {req.backup_id} could not be found.")
                if backup.status != "available":
                    raise BadRequest(f"Invalid backup: Backup status must be available, but the current status is "
                                     f"\"{backup.status}\".")
                size = size or backup.size
                if size < backup.size:
                    raise BadRequest(f"Invalid input received: Volume size '{size}'GB cannot be smaller than the "
                                     f"backup size {backup.size}GB. It must be >= backup size.")
            elif image is not None:
                size = size or max(1, math.ceil(image_bytes / GIB))
                if image_bytes > size * GIB:
                    raise BadRequest(f"Invalid input received: Size of specified image "
                                     f"{math.ceil(image_bytes / GIB)}GB is larger than volume size {size}GB.")
                min_disk = int(image.properties.get("min_disk") or 0)
                if size < min_disk:
                    raise BadRequest(f"Invalid input received: Volume size {size}GB cannot be smaller than the "
                                     f"image minDisk size {min_disk}GB.")
            assert size is not None
            quotas.check(self.cloud.quotas, db, project_id, vtype, volumes=1, gigabytes=size, volume_size=size)
            check_capacity(db, total_gb, size)
            volume = Volume(project_id=project_id, user_id=ctx.user_id, name=req.name, description=req.description,
                            size=size, status="creating", availability_zone=DEFAULT_AZ, volume_type_id=vtype.id,
                            bootable=bootable, snapshot_id=req.snapshot_id, source_volid=req.source_volid,
                            image_id=image.id if image else None, metadata_=dict(req.metadata),
                            image_metadata={}, created_at=now, updated_at=None)
            db.add(volume)
            db.flush()
            if req.group_id is not None:
                _join_group(db, self.cloud.policy, ctx, req.group_id, volume)
            events.record(db, now, project_id=project_id, user_id=ctx.user_id, resource_type="volume",
                          resource_id=volume.id, action="create", size=size, volume_type=vtype.name,
                          name=req.name)
            worker.enqueue(db, now, "volume.create", volume.id, snapshot_id=req.snapshot_id,
                           source_volid=req.source_volid, image_id=image.id if image else None,
                           backup_id=req.backup_id, request_id=ctx.request_id)
            view = VolumeView(volume, vtype.name, [], group_id=req.group_id)
        self.cloud.worker.wake()
        return view

    # ------------------------------------------------------------------ changing
    def update(self, ctx: RequestContext, volume_id: str, changes: dict[str, Any]) -> VolumeView:
        """PUT /volumes/{id}: name, description, metadata (replaced whole)."""
        with self.cloud.db.write() as db:
            volume = self._find(db, ctx, volume_id, "volume:update")
            for key, value in changes.items():
                setattr(volume, "metadata_" if key == "metadata" else key, value)
            volume.updated_at = self.cloud.clock.now()
            db.flush()
            return self._views(db, ctx, [volume])[0]

    # ------------------------------------------------------------------ metadata
    def get_metadata(self, ctx: RequestContext, volume_id: str, key: str | None = None) -> dict[str, str]:
        """GET /volumes/{id}/metadata, or one `key` of it (Cinder's 404 when it is not there)."""
        with self.cloud.db.read() as db:
            metadata = dict(self._find(db, ctx, volume_id, "volume:get_volume_metadata").metadata_ or {})
        return metadata_item(metadata, key)

    def create_metadata(self, ctx: RequestContext, volume_id: str, metadata: dict[str, str]) -> dict[str, str]:
        """POST /volumes/{id}/metadata: merged into what is there."""
        return self._change_metadata(ctx, volume_id, "volume:create_volume_metadata", metadata)

    def replace_metadata(self, ctx: RequestContext, volume_id: str, metadata: dict[str, str]) -> dict[str, str]:
        """PUT /volumes/{id}/metadata: replaces it whole."""
        return self._change_metadata(ctx, volume_id, "volume:update_volume_metadata", metadata, replace=True)

    def update_metadata_item(self, ctx: RequestContext, volume_id: str, key: str, value: str) -> None:
        """PUT /volumes/{id}/metadata/{key}."""
        self._change_metadata(ctx, volume_id, "volume:update_volume_metadata", {key: value})

    def delete_metadata_item(self, ctx: RequestContext, volume_id: str, key: str) -> None:
        """DELETE /volumes/{id}/metadata/{key}: 404 when it is not there."""
        self._change_metadata(ctx, volume_id, "volume:delete_volume_metadata", {}, delete_key=key)

    def _change_metadata(self, ctx: RequestContext, volume_id: str, rule: str, metadata: dict[str, str], *,
                         replace: bool = False, delete_key: str | None = None) -> dict[str, str]:
        with self.cloud.db.write() as db:
            volume = self._find(db, ctx, volume_id, rule)
            current = merge_metadata(volume.metadata_, metadata, replace=replace, delete_key=delete_key)
            volume.metadata_ = current
            volume.updated_at = self.cloud.clock.now()
            return dict(current)

    # ------------------------------------------------------------------ actions
    def extend(self, ctx: RequestContext, volume_id: str, new_size: int) -> None:
        """os-extend: grow an available volume (3.0 extends only detached volumes)."""
        total_gb = self.driver.total_capacity_gb()
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            volume = self._find(db, ctx, volume_id, "volume:extend")
            if volume.status != "available":
                raise BadRequest(f"Invalid volume: Volume {volume.id} status must be 'available' to extend, "
                                 f"currently {volume.status}.")
            if new_size <= volume.size:
                raise BadRequest(f"Invalid input received: New size for extend must be greater than current size. "
                                 f"(current: {volume.size}, extended: {new_size}).")
            vtype = db.get(VolumeType, volume.volume_type_id)
            assert vtype is not None
            quotas.check(self.cloud.quotas, db, volume.project_id, vtype, gigabytes=new_size - volume.size,
                         volume_size=new_size)
            check_capacity(db, total_gb, new_size - volume.size)
            volume.status = "extending"
            volume.pending_size = new_size
            volume.updated_at = now
            events.record(db, now, project_id=volume.project_id, user_id=ctx.user_id, resource_type="volume",
                          resource_id=volume.id, action="resize", old_size=volume.size, size=new_size,
                          volume_type=vtype.name)
            worker.enqueue(db, now, "volume.extend", volume.id, new_size=new_size)
        self.cloud.worker.wake()

    def set_bootable(self, ctx: RequestContext, volume_id: str, bootable: bool) -> None:
        """os-set_bootable."""
        with self.cloud.db.write() as db:
            volume = self._find(db, ctx, volume_id, "volume:update")
            volume.bootable = bootable
            volume.updated_at = self.cloud.clock.now()

    def image_metadata(self, ctx: RequestContext, volume_id: str, action: str, argument: Any) -> dict[str, str] | None:
        """os-show_image_metadata, os-set_image_metadata (merges `argument`, a dict; the whole metadata back) and
        os-unset_image_metadata (`argument` a key; 404 for one the volume lacks, as Cinder's GlanceMetadataNotFound;
        None back, Cinder's empty 200)."""
        rule = {"os-show_image_metadata": "show", "os-set_image_metadata": "set",
                "os-unset_image_metadata": "remove"}[action]
        self.cloud.policy.enforce(ctx, f"volume_extension:volume_image_metadata:{rule}")
        with self.cloud.db.write() as db:
            volume = find_volume(db, self.cloud.policy, ctx, volume_id)
            current = {k: str(v) for k, v in (volume.image_metadata or {}).items()}
            if rule == "show":
                return current
            if rule == "set":
                current.update(argument)
            elif argument not in current:
                raise NotFound(f"Glance metadata for volume/snapshot {volume_id} cannot be found.")
            else:
                del current[argument]
            volume.image_metadata = current
            volume.updated_at = self.cloud.clock.now()
            return current if rule == "set" else None

    def reset_status(self, ctx: RequestContext, volume_id: str, status: str | None,
                     attach_status: str | None) -> None:
        """os-reset_status (admin): set the database status only, as Cinder does (the files are not touched)."""
        self.cloud.policy.enforce(ctx, "volume_extension:volume_admin_actions:reset_status")
        with self.cloud.db.write() as db:
            volume = find_volume(db, self.cloud.policy, ctx, volume_id)
            if status is not None:
                if status not in RESET_STATUSES:
                    raise BadRequest(f"Invalid input received: Must specify a valid status, got {status}.")
                volume.status = status
            if attach_status is not None:
                if attach_status not in ("attached", "detached"):
                    raise BadRequest(f"Invalid input received: Must specify a valid attach status, "
                                     f"got {attach_status}.")
                volume.attach_status = attach_status
            volume.updated_at = self.cloud.clock.now()

    # ------------------------------------------------------------------ deleting
    def delete(self, ctx: RequestContext, volume_id: str, *, cascade: bool = False, force: bool = False) -> None:
        """DELETE /volumes/{id}[?cascade=true]: refused (400) while attached or, without cascade, with snapshots.
        `force` is os-force_delete (admin): any status, as Cinder's delete(force=True), but still not while
        attached or (without cascade) with snapshots."""
        if force:
            self.cloud.policy.enforce(ctx, "volume_extension:volume_admin_actions:force_delete")
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            volume = self._find(db, ctx, volume_id, "volume:delete")
            attached = db.scalar(select(VolumeAttachment.id).where(VolumeAttachment.volume_id == volume.id))
            snapshots = list(db.scalars(select(Snapshot).where(Snapshot.volume_id == volume.id)))
            if ((not force and volume.status not in DELETABLE) or attached is not None
                    or volume.attach_status == "attached" or (snapshots and not cascade)
                    or db.get(GroupMember, volume.id) is not None):
                raise BadRequest(FORCE_CANNOT_DELETE if force else CANNOT_DELETE)
            if volume_service(db)[1]:  # Cinder's volume.assert_not_frozen()
                raise BadRequest(FROZEN)
            if not force and any(s.status not in ("available", "error") for s in snapshots):
                raise BadRequest("Invalid volume: Snapshot status must be available or error to delete the volume "
                                 "with cascade.")
            for snap in snapshots:
                snap.status = "deleting"
                snap.updated_at = now
                events.record(db, now, project_id=snap.project_id, user_id=ctx.user_id, resource_type="snapshot",
                              resource_id=snap.id, action="delete", size=snap.size)
            volume.status = "deleting"
            volume.updated_at = now
            events.record(db, now, project_id=volume.project_id, user_id=ctx.user_id, resource_type="volume",
                          resource_id=volume.id, action="delete", size=volume.size)
            worker.enqueue(db, now, "volume.delete", volume.id, snapshot_ids=[s.id for s in snapshots])
        self.cloud.worker.wake()


def _join_group(db: Session, policy: Policy, ctx: RequestContext, group_id: str, volume: Volume) -> None:
    """A new volume created into a generic volume group (3.13 `group_id`, groups.py): the caller's group, available,
    with the volume's type among its volume types (Cinder's 404 and 400s)."""
    group = db.get(VolumeGroup, group_id)
    if group is None or (group.project_id != ctx.project_id and not sees_every_project(policy, ctx)):
        raise NotFound(f"Group {group_id} could not be found.")
    if group.status != "available":
        raise BadRequest(f"Invalid input received: Group {group.id} status must be available, but current status "
                         f"is: {group.status}.")
    if volume.volume_type_id not in (group.volume_type_ids or []):
        raise BadRequest(f"Invalid input received: Invalid volume_type provided: {volume.volume_type_id} (requested "
                         f"type is not compatible; recommend omitting the type argument).")
    db.add(GroupMember(volume_id=volume.id, group_id=group.id))


# ------------------------------------------------------------------------------------------------ worker jobs
def _set_status(cloud: Cloud, volume_id: str, expected: str, **changes: Any) -> None:
    with cloud.db.write() as db:
        volume = db.get(Volume, volume_id)
        if volume is None or volume.status != expected:
            return
        for key, value in changes.items():
            setattr(volume, key, value)
        volume.updated_at = cloud.clock.now()


JOBS: worker.Jobs = {}  # the worker jobs of this module, listed in the plugin


def capabilities(driver: VolumeDriver) -> dict[str, Any]:
    """What the backend reports to Cinder's scheduler, the capabilities a volume type's extra specs are matched
    against (GET /capabilities/{host} shows the same)."""
    stats = driver.get_volume_stats()
    return {"volume_backend_name": stats.backend_name, "vendor_name": "StackLab", "driver_version": "1.0",
            "storage_protocol": stats.storage_protocol,
            "thin_provisioning_support": stats.thin_provisioning_support, "multiattach": False}


def unmet_capabilities(extra_specs: dict[str, Any], caps: dict[str, Any]) -> list[str]:
    """The extra specs Cinder's CapabilitiesFilter would find unmet: an unscoped key (or `capabilities:<key>`)
    naming a capability the backend reports, with a plain value that is not it (`<is> True`-style operators
    compare booleans; other operators are taken as met). Keys of other scopes (`qos:`, vendors') are not the
    filter's; a key the backend does not report is not checked (see differences.md)."""
    unmet = []
    for key, wanted in extra_specs.items():
        scope = key.split(":")
        if len(scope) > 1 and scope[0] != "capabilities":
            continue
        name = scope[-1] if scope[0] == "capabilities" and len(scope) == 2 else key
        if name not in caps:
            continue
        have, text = caps[name], str(wanted).strip()
        if text.startswith("<is>"):
            met = str(have).lower() == text[4:].strip().lower()
        elif text.startswith("<") or text.split(" ", 1)[0] in ("=", "==", "!=", ">=", "<=", "s==", "s!=", "s<",
                                                               "s<=", "s>", "s>="):
            met = True
        else:
            met = str(have) == text if not isinstance(have, bool) else str(have).lower() == text.lower()
        if not met:
            unmet.append(f"{key}={wanted}")
    return unmet


def image_metadata(image: ImageSpec) -> dict[str, str]:
    """Cinder's volume_image_metadata of a volume made from `image`: Glance's core facts and custom properties,
    every value a string, and signature_verified (no image signatures here)."""
    props = image.properties
    core = {"image_id": image.id, "image_name": image.name, "disk_format": image.disk_format,
            "container_format": image.container_format, "checksum": image.checksum,
            "min_disk": props.get("min_disk", 0), "min_ram": props.get("min_ram", 0), "size": props.get("size", 0)}
    custom = {k: v for k, v in props.items() if k not in core}
    return {k: "" if v is None else str(v) for k, v in {**custom, **core, "signature_verified": False}.items()}


@worker.job(JOBS, "volume.create", on_failure=lambda cloud, job, detail: _set_status(
    cloud, job.resource_id, "creating", status="error", fault=detail[:1000]))
def _create_job(cloud: Cloud, job: worker.JobSpec) -> None:
    driver: VolumeDriver = cloud.volume_driver
    with cloud.db.read() as db:
        volume = db.get(Volume, job.resource_id)
        disabled = volume_service(db)[0]
        vtype = db.get(VolumeType, volume.volume_type_id) if volume is not None else None
    if volume is None or volume.status != "creating":
        return
    unmet = unmet_capabilities(dict(vtype.extra_specs or {}) if vtype is not None else {}, capabilities(driver))
    if disabled or unmet:  # the scheduler finds no backend: Cinder's NoValidBackend, the volume in error
        fault = NO_BACKEND if disabled else f"{NO_BACKEND} (the backend does not satisfy: {', '.join(unmet)})"
        with cloud.db.write() as db:
            current = db.get(Volume, volume.id)
            if current is not None and current.status == "creating":
                current.status, current.fault, current.updated_at = "error", fault[:1000], cloud.clock.now()
                messages.record(db, cloud.clock.now(), project_id=current.project_id,
                                request_id=str(job.payload.get("request_id") or ""), resource_uuid=current.id,
                                action=messages.SCHEDULE_ALLOCATE_VOLUME, detail=messages.NO_BACKEND_AVAILABLE)
        return
    copied: ImageSpec | None = None
    try:
        if job.payload.get("snapshot_id"):
            info = driver.create_volume_from_snapshot(volume.id, job.payload["snapshot_id"], volume.size)
        elif job.payload.get("source_volid"):
            info = driver.create_cloned_volume(volume.id, job.payload["source_volid"], volume.size)
        elif job.payload.get("image_id"):
            try:
                image = cloud.image.image_for_boot(RequestContext.system(), job.payload["image_id"])
            except CloudError as exc:
                raise DriverError(f"image {job.payload['image_id']}: {exc.message}") from None
            info = driver.copy_image_to_volume(volume.id, image, volume.size)
            copied = image
        elif job.payload.get("backup_id"):
            info = driver.create_volume(volume.id, volume.size)
            info = driver.import_from_file(volume.id, cloud.services["volume"].backups.path(job.payload["backup_id"]))
        else:
            info = driver.create_volume(volume.id, volume.size)
    except DriverError as exc:  # a backend refusal will not change on a retry: error now, with the reason
        _set_status(cloud, volume.id, "creating", status="error", fault=str(exc)[:1000])
        return
    with cloud.db.write() as db:
        current = db.get(Volume, volume.id)
        if current is None or current.status != "creating":  # deleted meanwhile: the file is not wanted
            gone = True
        else:
            gone = False
            current.status = "available"
            current.updated_at = cloud.clock.now()
            if copied is not None:  # Cinder's manager marks a volume of an image bootable once it is copied
                current.bootable = True
                current.image_metadata = image_metadata(copied)
    if gone:
        driver.delete_volume(info.id)


@worker.job(JOBS, "volume.extend", on_failure=lambda cloud, job, detail: _set_status(
    cloud, job.resource_id, "extending", status="error_extending", pending_size=None, fault=detail[:1000]))
def _extend_job(cloud: Cloud, job: worker.JobSpec) -> None:
    new_size = int(job.payload["new_size"])
    try:
        cloud.volume_driver.extend_volume(job.resource_id, new_size)
    except DriverError as exc:
        _set_status(cloud, job.resource_id, "extending", status="error_extending", pending_size=None,
                    fault=str(exc)[:1000])
        return
    _set_status(cloud, job.resource_id, "extending", status="available", size=new_size, pending_size=None)


@worker.job(JOBS, "volume.delete", on_failure=lambda cloud, job, detail: _set_status(
    cloud, job.resource_id, "deleting", status="error_deleting", fault=detail[:1000]))
def _delete_job(cloud: Cloud, job: worker.JobSpec) -> None:
    driver: VolumeDriver = cloud.volume_driver
    for snapshot_id in job.payload.get("snapshot_ids") or []:
        driver.delete_snapshot(snapshot_id)
    driver.delete_volume(job.resource_id)
    with cloud.db.write() as db:
        for snap in db.scalars(select(Snapshot).where(Snapshot.volume_id == job.resource_id)):
            db.delete(snap)
        db.flush()
        volume = db.get(Volume, job.resource_id)
        if volume is not None:
            db.delete(volume)


def merge_metadata(stored: dict[str, str] | None, metadata: dict[str, str], *, replace: bool,
                   delete_key: str | None) -> dict[str, str]:
    """Cinder's metadata update for volumes and snapshots: merge (POST), replace (PUT) or delete one key.
    Raises NotFound for a key to delete that is not there."""
    current = {} if replace else dict(stored or {})
    if delete_key is not None:
        if delete_key not in current:
            raise NotFound("Metadata item was not found")
        current.pop(delete_key)
    current.update(metadata)
    return current


def metadata_item(metadata: dict[str, str], key: str | None) -> dict[str, str]:
    """The whole metadata, or just `key` of it (Cinder's 404 when it is not there)."""
    if key is None:
        return metadata
    if key not in metadata:
        raise NotFound("Metadata item was not found")
    return {key: metadata[key]}
