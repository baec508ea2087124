"""Block storage behaviour (Cinder v3 subset at microversions 3.0-3.70): the `VolumeService` that `cloud.volume`
is.

A facade over one object per resource, each with its own module: `volumes` (volumes.py), `snapshots`
(snapshots.py), `types` (types.py, with access lists), `actions` (volume_actions.py: Cinder's attach
bookkeeping), `attachments` (attachments.py: Nova's os-volume_attachments and the contract compute calls),
`quotas` (quotas.py), `backups` (backups.py), `messages` (messages.py), `groups` (groups.py), `encryption`
(encryption.py), `transfers` (transfers.py), `services` (services.py), `qos` (qos.py), `server_volumes_`
(server_volumes.py: the volumes a server is created with) and `changes` (volume_changes.py: retype and upload
to image). The facade itself holds what the other services are
promised (lab/cloud/contracts.py), the plugin hooks (lab/cloud/plugin.py) and the questions that span the
resources (backend pools). The routes call one resource object per request; nothing here builds a response
body (schemas.py renders).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lab.cloud import contracts, events
from lab.cloud.context import RequestContext
from lab.cloud.db import count
from lab.cloud.errors import CloudError, Unimplemented
from lab.cloud.plugin import Purge
from lab.cloud.volume.attachments import Attachments
from lab.cloud.volume.backups import Backups
from lab.cloud.volume.encryption import Encryption
from lab.cloud.volume.groups import Groups
from lab.cloud.volume.messages import Messages
from lab.cloud.volume.models import Backup, Snapshot, Transfer, Volume, VolumeAttachment
from lab.cloud.volume.qos import Qos
from lab.cloud.volume.quotas import VolumeQuotas
from lab.cloud.volume.schemas import SnapshotCreate, VolumeCreate
from lab.cloud.volume.server_volumes import ServerVolumes
from lab.cloud.volume.services import VolumeServices
from lab.cloud.volume.snapshots import Snapshots
from lab.cloud.volume.transfers import Transfers
from lab.cloud.volume.types import VolumeTypes
from lab.cloud.volume.volume_actions import VolumeActions
from lab.cloud.volume.volume_changes import VolumeChanges
from lab.cloud.volume.volumes import Volumes, VolumeView, provisioned_gb

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.drivers.base import BackendStats, DiskSpec, VolumeDriver

__all__ = ["VolumeService"]


@dataclass(frozen=True)
class Pool:
    """The one backend pool (GET /scheduler-stats/get_pools): the driver's capacity facts and what the database
    has promised on it."""

    stats: BackendStats
    allocated_gb: int


class VolumeService:
    """`cloud.volume`: every block storage operation, on its resource's object, each taking the caller's
    RequestContext."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.driver: VolumeDriver = cloud.volume_driver  # owned (started, closed) by the cloud
        self.volumes = Volumes(cloud)
        self.snapshots = Snapshots(cloud)
        self.types = VolumeTypes(cloud)
        self.actions = VolumeActions(cloud)
        self.attachments = Attachments(cloud)
        self.quotas = VolumeQuotas(cloud)
        self.backups = Backups(cloud)
        self.transfers = Transfers(cloud)
        self.services = VolumeServices(cloud)
        self.qos = Qos(cloud)
        self.messages = Messages(cloud)
        self.groups = Groups(cloud)
        self.encryption = Encryption(cloud)
        self.changes = VolumeChanges(cloud)
        # `server_volumes_`: the name `server_volumes` is the contract's call (a server's attached volume ids).
        self.server_volumes_ = ServerVolumes(cloud, self.volumes, self.attachments)

    # ------------------------------------------------------------------ the contract (lab/cloud/contracts.py)
    def server_volumes(self, db: Session, server_ids: list[str]) -> dict[str, list[str]]:
        return self.attachments.server_volumes(db, server_ids)

    def detach_all_for_server(self, server_id: str, delete_volume_ids: Sequence[str] = ()) -> None:
        self.attachments.detach_all_for_server(server_id)
        if delete_volume_ids:
            self.server_volumes_.delete_volumes_for_server(delete_volume_ids)

    def reserve_volume(self, ctx: RequestContext, volume_id: str, server_id: str, device: str, *,
                       boot: bool = False) -> None:
        self.server_volumes_.reserve_volume(ctx, volume_id, server_id, device, boot=boot)

    def unreserve_volumes(self, server_id: str) -> None:
        self.server_volumes_.unreserve_volumes(server_id)

    def create_volume_for_server(self, ctx: RequestContext, name: str, size_gb: int | None, *,
                                 image_id: str | None = None, snapshot_id: str | None = None,
                                 volume_type: str | None = None) -> str:
        return self.server_volumes_.create_volume_for_server(ctx, name, size_gb, image_id=image_id,
                                                             snapshot_id=snapshot_id, volume_type=volume_type)

    def boot_volumes(self, db: Session, volume_ids: Sequence[str]) -> dict[str, contracts.BootVolume]:
        return self.server_volumes_.boot_volumes(db, volume_ids)

    def connect_server_volumes(self, server_id: str, user_id: str | None) -> list[DiskSpec]:
        return self.server_volumes_.connect_server_volumes(server_id, user_id)

    def server_disks(self, server_id: str) -> list[DiskSpec]:
        return self.server_volumes_.server_disks(server_id)

    def reimage_volume(self, volume_id: str, image_id: str) -> None:
        self.server_volumes_.reimage_volume(volume_id, image_id)

    def snapshot_for_server_image(self, ctx: RequestContext, volume_id: str, name: str) -> tuple[str, int]:
        snap = self.snapshots.create(ctx, SnapshotCreate(volume_id=volume_id, force=True, name=name))
        return snap.id, snap.size

    # Nova's os-volumes and os-snapshots proxies (lab/cloud/compute/proxy_volumes.py): Cinder's own calls.
    def get_volume(self, ctx: RequestContext, volume_id: str) -> VolumeView:
        return self.volumes.get(ctx, volume_id)

    def list_volumes(self, ctx: RequestContext) -> list[VolumeView]:
        views: list[VolumeView] = []
        while True:  # every page (Nova's proxy pages the whole list itself with limit and offset)
            page = self.volumes.list(ctx, filters={}, metadata={}, offset=len(views) or None)
            views.extend(page.views)
            if len(page.views) < page.limit:
                return views

    def create_volume(self, ctx: RequestContext, req: VolumeCreate) -> VolumeView:
        return self.volumes.create(ctx, req)

    def delete_volume(self, ctx: RequestContext, volume_id: str) -> None:
        self.volumes.delete(ctx, volume_id)

    def get_snapshot(self, ctx: RequestContext, snapshot_id: str) -> Snapshot:
        return self.snapshots.get(ctx, snapshot_id)

    def list_snapshots(self, ctx: RequestContext) -> list[Snapshot]:
        found: list[Snapshot] = []
        while True:
            rows, limit, _count = self.snapshots.list(ctx, filters={}, offset=len(found) or None)
            found.extend(rows)
            if len(rows) < limit or not limit:
                return found

    def create_snapshot(self, ctx: RequestContext, req: SnapshotCreate) -> Snapshot:
        return self.snapshots.create(ctx, req)

    def delete_snapshot(self, ctx: RequestContext, snapshot_id: str) -> None:
        self.snapshots.delete(ctx, snapshot_id)

    def update_snapshot_status(self, ctx: RequestContext, snapshot_id: str, status: str, progress: str) -> None:
        """Nova's compute reporting an assisted snapshot: os-update_snapshot_status's own code (snapshots.py's
        `update_status`, with its rule and transitions); a volume service without it refuses (501)."""
        update = getattr(self.snapshots, "update_status", None)
        if update is None:
            raise Unimplemented("os-update_snapshot_status is not served")
        update(ctx, snapshot_id, {"status": status, "progress": progress})

    # ------------------------------------------------------------------ student reset (lab/cloud/plugin.py)
    def purge_project(self, purge: Purge) -> None:
        """The project's volumes with their attachments and snapshots (and its snapshots of other projects'
        volumes); a delete event each (unless a pending delete recorded it). Another project's live guest
        holding one of the volumes is detached after the commit."""
        db, project_id = purge.db, purge.project_id
        volumes = list(db.scalars(select(Volume).where(Volume.project_id == project_id)))
        volume_ids = [v.id for v in volumes]
        purge.removed["volume_transfers"] += self.transfers.purge(db, project_id, volume_ids)
        gone_groups = self.groups.purge(db, project_id)
        if gone_groups:
            purge.removed["volume_groups"] += gone_groups
        gone_messages = self.messages.purge(db, project_id)
        if gone_messages:
            purge.removed["volume_messages"] += gone_messages
        backup_ids = self.backups.purge(db, project_id, purge.now)
        purge.removed["volume_backups"] += len(backup_ids)
        snapshots = list(db.scalars(select(Snapshot).where(or_(Snapshot.project_id == project_id,
                                                               Snapshot.volume_id.in_(volume_ids)))))
        detach = []
        for att in db.scalars(select(VolumeAttachment).where(VolumeAttachment.volume_id.in_(volume_ids))):
            if att.server_id not in purge.leftovers.get("compute", ()):  # the project's own guests are gone
                detach.append([att.server_id, att.volume_id])
            db.delete(att)
        for snap in snapshots:
            if snap.status != "deleting":
                events.record(db, purge.now, project_id=snap.project_id, user_id="system",
                              resource_type="snapshot", resource_id=snap.id, action="delete", size=snap.size)
            db.delete(snap)
            purge.removed["volume_snapshots"] += 1
        db.flush()
        for volume in volumes:
            if volume.status != "deleting":
                events.record(db, purge.now, project_id=volume.project_id, user_id="system",
                              resource_type="volume", resource_id=volume.id, action="delete", size=volume.size)
            db.delete(volume)
            purge.removed["volumes"] += 1
        purge.leftovers["volume"] = {"detach": detach, "snapshots": [s.id for s in snapshots],
                                     "volumes": volume_ids, "backups": backup_ids}
        db.flush()

    def after_purge(self, leftovers: dict[str, list[Any]]) -> None:
        for server_id, volume_id in leftovers.get("detach") or []:
            try:  # another project's guest: its disk goes away with the volume file either way
                self.cloud.compute.detach_disk(server_id, volume_id, offloaded=True)
            except CloudError:
                log.exception("detaching volume %s from server %s after a reset failed", volume_id, server_id)
        for snapshot_id in leftovers.get("snapshots") or []:
            self.driver.delete_snapshot(snapshot_id)
        for volume_id in leftovers.get("volumes") or []:
            self.driver.delete_volume(volume_id)
        for backup_id in leftovers.get("backups") or []:
            self.backups.remove_file(backup_id)

    def holdings(self, db: Session, project_id: str, user_ids: list[str]) -> dict[str, int]:
        return {"volumes": count(db, Volume, Volume.project_id == project_id),
                "volume_snapshots": count(db, Snapshot, Snapshot.project_id == project_id),
                "volume_backups": count(db, Backup, Backup.project_id == project_id),
                "volume_transfers": count(db, Transfer, Transfer.project_id == project_id)}

    def bootstrap(self) -> None:
        """The default volume type (idempotent)."""
        self.types.ensure_default_type()

    # ------------------------------------------------------------------ across the resources
    def get_pools(self, ctx: RequestContext) -> list[Pool]:
        """GET /scheduler-stats/get_pools (admin): the one backend pool with its capacity facts."""
        self.cloud.policy.enforce(ctx, "scheduler_extension:scheduler_stats:get_pools")
        stats = self.driver.get_volume_stats()
        with self.cloud.db.read() as db:
            return [Pool(stats, provisioned_gb(db))]


def _fulfils(service: VolumeService) -> contracts.Volume:
    """Checked by mypy: the service is what the other services are promised (lab/cloud/contracts.py)."""
    return service
