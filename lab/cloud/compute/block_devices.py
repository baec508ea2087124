"""Boot from volume and volumes at create (block_device_mapping_v2 to `volume`), as Nova does it with Cinder.

At the API (`reserve`): the mappings are checked (an image source is Nova's image check, its `volume_size`
against the image's min_disk; an existing volume is reserved through the volume contract, so a used or unseen
one is a 400 before anything is made). The mappings are kept in compute's own table (Nova's
block_device_mapping). In the build (`prepare`): volumes from an image, a snapshot or nothing are created with
the owner's credentials, the build waits (polling, as for the guest's boot) until they are available, then
every volume is connected and the guest is spawned with them, the root volume as vda. A volume attached later
is mapped too (`map_attached`, with the attach's delete_on_termination and tag; Nova 2.85's PUT changes the
flag) and a detach forgets its mapping. Deleting the server detaches its volumes and deletes those with
`delete_on_termination`.

Compute never touches the volume tables: everything goes through `cloud.volume` (lab/cloud/contracts.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud.compute.common import ComputePart
from lab.cloud.compute.models import BlockDeviceMapping, Server
from lab.cloud.compute.schemas import BlockDevice
from lab.cloud.context import RequestContext
from lab.cloud.drivers.base import ImageSpec
from lab.cloud.errors import BadRequest, CloudError

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

ROOT_DEVICE = "/dev/vda"
CREATING = ("creating", "downloading")


def owner_context(server: Server) -> RequestContext:
    """The server's owner: Nova asks Cinder with the user's token, so the volume is theirs and their quota's."""
    return RequestContext(user_id=server.user_id, user_name="", project_id=server.project_id, project_name=None,
                          roles=("member", "reader"))


def device_names(devices: Sequence[BlockDevice]) -> list[str]:
    """Each mapping's device: the root volume (boot index 0) is /dev/vda, the others /dev/vdb, /dev/vdc ...
    in request order, unless one asked its own."""
    taken = {d.device_name if d.device_name.startswith("/dev/") else f"/dev/{d.device_name}"
             for d in devices if d.device_name}
    letters = iter("bcdefghijklmnopqrstuvwxyz")
    names = []
    for d in devices:
        if d.boot_index == 0:
            names.append(ROOT_DEVICE)
        elif d.device_name:
            names.append(d.device_name if d.device_name.startswith("/dev/") else f"/dev/{d.device_name}")
        else:
            name = f"/dev/vd{next(letters)}"
            while name in taken:
                name = f"/dev/vd{next(letters)}"
            names.append(name)
    return names


class BlockDevices(ComputePart):
    def __init__(self, cloud: Cloud):
        super().__init__(cloud)

    # ------------------------------------------------------------------ at the API
    def check(self, ctx: RequestContext, devices: Sequence[BlockDevice], count: int) -> ImageSpec | None:
        """Nova's API checks of the mappings; returns the image the root volume is made from (its min_ram and
        properties apply to the flavor), if any."""
        if count > 1 and any(d.source_type == "volume" for d in devices):
            raise BadRequest("Cannot attach one or more volumes to multiple instances")
        root_image = None
        for d in devices:
            if d.source_type != "image" or d.uuid is None:
                continue
            image = self.image.image_for_boot(ctx, d.uuid)  # Nova's 400 for an unusable image
            min_disk = int(image.properties.get("min_disk") or 0)
            if d.volume_size is not None and d.volume_size < min_disk:
                raise BadRequest(f"Volume is smaller than the minimum size specified in image metadata. Volume "
                                 f"size is {d.volume_size * 1024**3} bytes, minimum size is "
                                 f"{min_disk * 1024**3} bytes.")
            if d.boot_index == 0:
                root_image = image
        return root_image

    def reserve(self, ctx: RequestContext, server_id: str, devices: Sequence[BlockDevice], *,
                check_bootable: bool = True) -> None:
        """Reserve the existing volumes a server is created with (before the server is recorded); the root one
        must be bootable unless `check_bootable` is False (an imageRef was given)."""
        try:
            for d, device in zip(devices, device_names(devices), strict=True):
                if d.source_type == "volume" and d.uuid is not None:
                    self.volume.reserve_volume(ctx, d.uuid, server_id, device,
                                               boot=check_bootable and d.boot_index == 0)
        except CloudError:
            self.volume.unreserve_volumes(server_id)
            raise

    def record(self, db: Session, server_id: str, devices: Sequence[BlockDevice]) -> None:
        """In the create's transaction: the server's mappings (Nova's block_device_mapping rows)."""
        for d, device in zip(devices, device_names(devices), strict=True):
            db.add(BlockDeviceMapping(server_id=server_id, source_type=d.source_type, uuid=d.uuid,
                                      volume_id=d.uuid if d.source_type == "volume" else None,
                                      volume_size=d.volume_size, volume_type=d.volume_type,
                                      boot_index=d.boot_index, device_name=device,
                                      delete_on_termination=d.delete_on_termination, tag=d.tag))

    # ------------------------------------------------------------------ attach and detach
    def map_attached(self, server_id: str, volume_id: str, device: str, delete_on_termination: bool,
                     tag: str | None) -> None:
        """A volume hot-plugged into the server gets its mapping, as Nova's attach makes a block device mapping:
        it then shows the attach's delete_on_termination and tag, and goes with the server if asked."""
        with self.cloud.db.write() as db:
            db.execute(delete(BlockDeviceMapping).where(BlockDeviceMapping.server_id == server_id,
                                                        BlockDeviceMapping.volume_id == volume_id))
            db.add(BlockDeviceMapping(server_id=server_id, source_type="volume", uuid=volume_id, volume_id=volume_id,
                                      boot_index=None, device_name=device if device.startswith("/dev/")
                                      else f"/dev/{device}", delete_on_termination=delete_on_termination, tag=tag))

    def unmap_detached(self, server_id: str, volume_id: str) -> None:
        """A detached volume's mapping goes (a volume made at the server's create and detached since no longer
        goes with the server); a root volume is never detached."""
        with self.cloud.db.write() as db:
            db.execute(delete(BlockDeviceMapping).where(
                BlockDeviceMapping.server_id == server_id, BlockDeviceMapping.volume_id == volume_id,
                (BlockDeviceMapping.boot_index.is_(None)) | (BlockDeviceMapping.boot_index != 0)))

    def set_delete_on_termination(self, server_id: str, volume_id: str, value: bool, device: str) -> None:
        with self.cloud.db.write() as db:
            row = db.scalar(select(BlockDeviceMapping).where(BlockDeviceMapping.server_id == server_id,
                                                             BlockDeviceMapping.volume_id == volume_id))
            if row is not None:
                row.delete_on_termination = value
                return
        # A data directory from before compute mapped hot-plugged volumes: the attachment has no mapping yet.
        self.map_attached(server_id, volume_id, device, value, None)

    # ------------------------------------------------------------------ questions
    def mappings(self, db: Session, server_id: str) -> list[BlockDeviceMapping]:
        return list(db.scalars(select(BlockDeviceMapping).where(BlockDeviceMapping.server_id == server_id)
                               .order_by(BlockDeviceMapping.device_name)))

    def root_volume(self, db: Session, server_id: str) -> str | None:
        """The volume a volume-backed server boots from; None for an image-backed one."""
        return db.scalar(select(BlockDeviceMapping.volume_id).where(BlockDeviceMapping.server_id == server_id,
                                                                    BlockDeviceMapping.boot_index == 0))

    def is_volume_backed(self, db: Session, server_id: str) -> bool:
        return db.scalar(select(BlockDeviceMapping.id).where(BlockDeviceMapping.server_id == server_id,
                                                             BlockDeviceMapping.boot_index == 0)) is not None

    def delete_on_termination(self, db: Session, server_ids: Sequence[str]) -> set[str]:
        """The volume ids, among these servers' mappings, that go with their server."""
        if not server_ids:
            return set()
        return {v for v in db.scalars(select(BlockDeviceMapping.volume_id).where(
            BlockDeviceMapping.server_id.in_(list(server_ids)), BlockDeviceMapping.delete_on_termination.is_(True)))
            if v}

    def root_image(self, server_id: str) -> ImageSpec | None:
        """The image a volume-backed guest was made from (its boot properties, never its file: the disk is
        the volume)."""
        with self.cloud.db.read() as db:
            volume_id = self.root_volume(db, server_id)
            found = self.volume.boot_volumes(db, [volume_id]) if volume_id else {}
        image_id = found[volume_id].image_id if volume_id in found else None
        if not image_id:
            return None
        try:
            image = self.image.image_for_boot(RequestContext.system(), image_id)
        except CloudError:
            return None
        return ImageSpec(id=image.id, name=image.name, path=None, disk_format=image.disk_format,
                         properties=dict(image.properties))

    # ------------------------------------------------------------------ in the build
    def prepare(self, server_id: str) -> str | None:
        """Make and connect the server's volumes. Returns None when they are all attached (spawn now),
        "wait" while one is still being created, or the fault that ends the build."""
        with self.cloud.db.read() as db:
            server = db.scalar(select(Server).where(Server.id == server_id, Server.deleted.is_(False)))
            if server is None:
                return "The server was deleted during its build."
            rows = self.mappings(db, server_id)
        if not rows:
            return None
        owner = owner_context(server)
        for row in rows:
            if row.volume_id is not None:
                continue
            try:
                volume_id = self.volume.create_volume_for_server(
                    owner, "", row.volume_size, image_id=row.uuid if row.source_type == "image" else None,
                    snapshot_id=row.uuid if row.source_type == "snapshot" else None, volume_type=row.volume_type)
            except CloudError as exc:
                return f"Build of instance {server_id} aborted: {exc.message}"
            with self.cloud.db.write() as db:
                stored = db.get(BlockDeviceMapping, row.id)
                if stored is not None:
                    stored.volume_id = volume_id
            row.volume_id = volume_id
        with self.cloud.db.read() as db:
            found = self.volume.boot_volumes(db, [r.volume_id for r in rows if r.volume_id])
        for row in rows:
            volume = found.get(row.volume_id or "")
            if volume is None:
                return f"Build of instance {server_id} aborted: Volume {row.volume_id} could not be found."
            if volume.status in CREATING:
                return "wait"
            if volume.status == "error":
                return (f"Build of instance {server_id} aborted: Volume {volume.id} did not finish being created "
                        f"and is in status error{': ' + volume.fault if volume.fault else ''}.")
        for row in rows:
            if row.source_type != "volume" and found[row.volume_id or ""].status == "available":
                try:
                    self.volume.reserve_volume(owner, row.volume_id or "", server_id, row.device_name)
                except CloudError as exc:
                    return f"Build of instance {server_id} aborted: {exc.message}"
        self.volume.connect_server_volumes(server_id, server.user_id)
        return None

    # ------------------------------------------------------------------ at the delete
    def release(self, server_id: str) -> None:
        """The deleted server's volumes are detached; those with delete_on_termination are deleted."""
        with self.cloud.db.read() as db:
            doomed = sorted(self.delete_on_termination(db, [server_id]))
        self.volume.detach_all_for_server(server_id, doomed)

    def forget(self, db: Session, server_ids: Sequence[str]) -> None:
        """The mappings of servers gone for good (the delete job, a student reset)."""
        db.execute(delete(BlockDeviceMapping).where(BlockDeviceMapping.server_id.in_(list(server_ids))))
