"""The volumes a server is created with (Nova's block_device_mapping_v2 to `volume`): what Nova asks of Cinder
when it boots from a volume, as the volume side of the compute contract.

The order is Nova's: at the API an existing volume is reserved for the server (`attaching`, so nobody else
takes it); in the build a volume made from an image, a snapshot or nothing is created with the owner's
credentials (Cinder's own policy, quota and capacity checks), then, once `available`, reserved; before the
guest is spawned every reserved volume is connected (in-use, attached at its device) and handed to the compute
driver as a disk. When the server goes, its volumes are detached and those marked `delete_on_termination`
deleted. Compute never reads these tables: it asks through `cloud.volume` (lab/cloud/contracts.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lab.cloud import contracts, events, worker
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.volume.models import Volume, VolumeAttachment
from lab.cloud.volume.schemas import VolumeCreate
from lab.cloud.volume.volumes import find_volume, image_metadata

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.drivers.base import DiskSpec
    from lab.cloud.volume.attachments import Attachments
    from lab.cloud.volume.volumes import Volumes


class ServerVolumes:
    def __init__(self, cloud: Cloud, volumes: Volumes, attachments: Attachments):
        self.cloud = cloud
        self.volumes = volumes
        self.attachments = attachments

    def reserve_volume(self, ctx: RequestContext, volume_id: str, server_id: str, device: str, *,
                       boot: bool = False) -> None:
        """Reserve a volume for a server being created. An unseen volume is Nova's 400 (it checks the volume
        before anything is made), a volume in use or not available its 400 `Invalid volume`, and a `boot`
        (boot_index 0) volume that is not bootable its 400 InvalidBDMVolumeNotBootable."""
        try:
            with self.cloud.db.write() as db:
                try:
                    volume = find_volume(db, self.cloud.policy, ctx, volume_id)
                except NotFound:
                    raise BadRequest(f"Block Device Mapping is Invalid: failed to get volume {volume_id}.") from None
                self.cloud.policy.enforce(ctx, "volume:attachment_create", volume.project_id)
                if boot and not volume.bootable:
                    raise BadRequest(f"Block Device {volume.id} is not bootable.")
                if volume.status == "in-use" or volume.attach_status == "attached":
                    raise BadRequest(f"Invalid volume: volume {volume.id} already attached")
                if volume.status != "available":
                    raise BadRequest(f"Invalid volume: volume '{volume.id}' status must be 'available'. "
                                     f"Currently in '{volume.status}'")
                db.add(VolumeAttachment(volume_id=volume.id, server_id=server_id, device=device,
                                        attached_at=None, attach_status="attaching"))
                volume.status = "attaching"
                volume.updated_at = self.cloud.clock.now()
        except IntegrityError:
            raise Conflict(f"Volume {volume_id} or device {device} is being attached by another request; "
                           f"try again.") from None

    def unreserve_volumes(self, server_id: str) -> None:
        """A create that failed after reserving: its reservations go, the volumes are available again."""
        with self.cloud.db.write() as db:
            for att in db.scalars(select(VolumeAttachment).where(VolumeAttachment.server_id == server_id,
                                                                 VolumeAttachment.attach_status == "attaching")):
                volume = db.get(Volume, att.volume_id)
                db.delete(att)
                if volume is not None and volume.status == "attaching":
                    volume.status, volume.attach_status = "available", "detached"

    def create_volume_for_server(self, ctx: RequestContext, name: str, size_gb: int | None, *,
                                 image_id: str | None = None, snapshot_id: str | None = None,
                                 volume_type: str | None = None) -> str:
        """A volume made for a server's mapping (source image, snapshot or blank), by Cinder's create with the
        owner's credentials: its policy, quota, capacity and source checks apply (raised as CloudError)."""
        view = self.volumes.create(ctx, VolumeCreate(size=size_gb, name=name, volume_type=volume_type,
                                                     image_ref=image_id, snapshot_id=snapshot_id))
        return view.volume.id

    def boot_volumes(self, db: Session, volume_ids: Sequence[str]) -> dict[str, contracts.BootVolume]:
        """Status, size and source image of each existing volume (compute waits for `available`)."""
        if not volume_ids:
            return {}
        return {v.id: contracts.BootVolume(id=v.id, status=v.status, size=v.size,
                                           image_id=(v.image_metadata or {}).get("image_id") or v.image_id,
                                           fault=v.fault)
                for v in db.scalars(select(Volume).where(Volume.id.in_(list(volume_ids))))}

    def connect_server_volumes(self, server_id: str, user_id: str | None) -> list[DiskSpec]:
        """Before the guest is spawned: the server's reserved volumes become attached and in-use. Returns every
        attached volume's disk, in device order (the root volume is vda)."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            for att in db.scalars(select(VolumeAttachment).where(VolumeAttachment.server_id == server_id,
                                                                 VolumeAttachment.attach_status == "attaching")):
                volume = db.get(Volume, att.volume_id)
                if volume is None:
                    continue
                att.attach_status, att.attached_at = "attached", now
                volume.status, volume.attach_status, volume.updated_at = "in-use", "attached", now
                events.record(db, now, project_id=volume.project_id, user_id=user_id, resource_type="volume",
                              resource_id=volume.id, action="attach", size=volume.size, server_id=server_id,
                              device=att.device)
        return self.server_disks(server_id)

    def server_disks(self, server_id: str) -> list[DiskSpec]:
        """The disks of a server's attached volumes, in device order (a guest made again: unshelve, rebuild)."""
        return [self.cloud.volume_driver.initialize_connection(volume_id, device)
                for volume_id, device in self.attachments.server_disks(server_id)]

    def delete_volumes_for_server(self, volume_ids: Sequence[str]) -> None:
        """Delete volumes marked delete_on_termination of a deleted server, once detached (Nova's terminate asks
        Cinder to delete them). Volumes gone, or attached elsewhere meanwhile, are left alone."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            for volume_id in volume_ids:
                volume = db.get(Volume, volume_id)
                attached = db.scalar(select(VolumeAttachment.id).where(VolumeAttachment.volume_id == volume_id))
                if volume is None or attached is not None or volume.status not in ("available", "error"):
                    continue
                volume.status, volume.updated_at = "deleting", now
                events.record(db, now, project_id=volume.project_id, user_id="system", resource_type="volume",
                              resource_id=volume.id, action="delete", size=volume.size)
                worker.enqueue(db, now, "volume.delete", volume.id, snapshot_ids=[])
        self.cloud.worker.wake()

    def reimage_volume(self, volume_id: str, image_id: str) -> None:
        """Cinder's os-reimage (3.68), for Nova's rebuild of a volume-backed server (2.93): the volume's bytes
        become the image's (the guest is off while the compute task runs it)."""
        image = self.cloud.image.image_for_boot(RequestContext.system(), image_id)
        with self.cloud.db.read() as db:
            volume = db.get(Volume, volume_id)
            if volume is None:
                raise NotFound(f"Volume {volume_id} could not be found.")
            size = volume.size
        driver = self.cloud.volume_driver
        driver.delete_volume(volume_id)
        driver.copy_image_to_volume(volume_id, image, size)
        with self.cloud.db.write() as db:
            row = db.get(Volume, volume_id)
            if row is not None:
                row.image_id = image.id
                row.image_metadata = image_metadata(image)
                row.bootable = True
                row.updated_at = self.cloud.clock.now()
