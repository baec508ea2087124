"""Attaching volumes to servers, behind Nova's os-volume_attachments API (which this package serves).

Attach is three steps, as in Nova + Cinder: (1) one write transaction reserves the volume (available ->
attaching) and allocates the server's next free device name (/dev/vdb, /dev/vdc, ...), with unique constraints
on (server, device) and on the volume behind it; (2) outside any transaction the compute service checks the
server and asks its driver to plug the volume's file in; (3) a second transaction marks the volume in-use.
If step 2 fails the reservation is undone, so nothing is left half-attached. Detach runs the same way back.

The caller must see the server (`compute.get_server`), so another project's server is Nova's 404; then Nova's
rule (`os_compute_api:os-volumes-attachments:*`) is checked on the server's project and Cinder's
(`volume:attachment_create`/`_delete`) on the volume's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lab.cloud import events
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.volume.models import Volume, VolumeAttachment
from lab.cloud.volume.schemas import AttachRequest
from lab.cloud.volume.volumes import find_volume, sees_every_project

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.contracts import VolumeMapping
    from lab.cloud.drivers.base import VolumeDriver

_DEVICE = re.compile(r"^/dev/[a-z]+d[a-z]+$")
# vda is the root disk; volumes get vdb..vdz (Nova's libvirt driver allocates the same way).
DEVICE_LETTERS = "bcdefghijklmnopqrstuvwxyz"


def next_device(used: set[str]) -> str:
    for letter in DEVICE_LETTERS:
        device = f"/dev/vd{letter}"
        if device not in used:
            return device
    raise BadRequest("No free disk device names for prefix 'vd'")


# Built once (building a statement costs more than running it from SQLAlchemy's compiled cache): the volumes
# on a page of servers, for compute's `os-extended-volumes:volumes_attached`.
_VOLUMES_OF_SERVERS = (select(VolumeAttachment.server_id, VolumeAttachment.volume_id)
                       .where(VolumeAttachment.server_id.in_(bindparam("server_ids")),
                              VolumeAttachment.attach_status == "attached")
                       .order_by(VolumeAttachment.device))


NOVA = "os_compute_api:os-volumes-attachments:"  # Nova's rule names for its os-volume_attachments API


class Attachments:
    """`cloud.volume.attachments`: attach/detach and the contract compute calls."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    @property
    def driver(self) -> VolumeDriver:
        return self.cloud.volume_driver

    def _require_server(self, ctx: RequestContext, server_id: str, rule: str) -> None:
        """Nova's 404 unless the caller may see the server, then Nova's `rule` on the server's project:
        `attach_disk`/`detach_disk` get no caller context, so the checks are made here, with the caller's, before
        anything is reserved."""
        server = self.cloud.compute.find_server(ctx, server_id)
        self.cloud.policy.enforce(ctx, NOVA + rule, server.project_id)

    def _attached(self, ctx: RequestContext, server_id: str) -> list[VolumeAttachment]:
        with self.cloud.db.read() as db:
            query = (select(VolumeAttachment).join(Volume, Volume.id == VolumeAttachment.volume_id)
                     .where(VolumeAttachment.server_id == server_id, VolumeAttachment.attach_status == "attached")
                     .order_by(VolumeAttachment.device))
            if not sees_every_project(self.cloud.policy, ctx):
                query = query.where(Volume.project_id == ctx.project_id)
            return list(db.scalars(query))

    def list_for_server(self, ctx: RequestContext, server_id: str) -> list[VolumeAttachment]:
        """GET /servers/{id}/os-volume_attachments: the attached volumes the caller may see."""
        self._require_server(ctx, server_id, "index")
        return self._attached(ctx, server_id)

    def get_for_server(self, ctx: RequestContext, server_id: str, volume_id: str) -> VolumeAttachment:
        """GET /servers/{id}/os-volume_attachments/{volume_id}."""
        self._require_server(ctx, server_id, "show")
        for att in self._attached(ctx, server_id):
            if att.volume_id == volume_id:
                return att
        raise NotFound(f"Volume {volume_id} is not attached to server {server_id}.")

    def attach(self, ctx: RequestContext, server_id: str, volume_id: str, device: str | None = None, *,
               delete_on_termination: bool = False, tag: str | None = None,
               offloaded: bool = False) -> VolumeAttachment:
        """POST /servers/{id}/os-volume_attachments: attach, allocating the device when none is asked; compute
        maps the volume with the attach's delete_on_termination (2.79) and tag (2.49). `offloaded`: the request's
        microversion lets a shelved-offloaded server take it (2.20)."""
        self._require_server(ctx, server_id, "create")
        if device is not None and not _DEVICE.match(device):
            raise BadRequest(f"The supplied device path ({device}) is invalid.")
        now = self.cloud.clock.now()
        try:
            with self.cloud.db.write() as db:
                volume = find_volume(db, self.cloud.policy, ctx, volume_id)
                self.cloud.policy.enforce(ctx, "volume:attachment_create", volume.project_id)
                if volume.status == "in-use" or volume.attach_status == "attached":
                    raise BadRequest(f"Invalid volume: volume {volume.id} already attached")
                if volume.status != "available":
                    raise BadRequest(f"Invalid volume: volume '{volume.id}' status must be 'available'. "
                                     f"Currently in '{volume.status}'")
                used = set(db.scalars(select(VolumeAttachment.device)
                                      .where(VolumeAttachment.server_id == server_id)))
                if device is not None and device in used:
                    raise BadRequest(f"The supplied device path ({device}) is in use.")
                att = VolumeAttachment(volume_id=volume.id, server_id=server_id,
                                       device=device or next_device(used), attached_at=None,
                                       attach_status="attaching")
                db.add(att)
                volume.status = "attaching"
                volume.updated_at = now
                db.flush()
        except IntegrityError:  # another attach took the device or the volume first
            raise Conflict(f"Volume {volume_id} or its device is being attached by another request; "
                           f"try again.") from None
        try:
            disk = self.driver.initialize_connection(volume_id, att.device)
            self.cloud.compute.attach_disk(server_id, disk, delete_on_termination=delete_on_termination, tag=tag,
                                           offloaded=offloaded)
        except Exception:
            self._undo_attach(att.id, volume_id, "available")
            raise
        with self.cloud.db.write() as db:
            row = db.get(VolumeAttachment, att.id)
            attached = db.get(Volume, volume_id)
            assert row is not None and attached is not None
            volume = attached
            row.attach_status = "attached"
            row.attached_at = self.cloud.clock.now()
            volume.status = "in-use"
            volume.attach_status = "attached"
            volume.updated_at = row.attached_at
            events.record(db, row.attached_at, project_id=volume.project_id, user_id=ctx.user_id,
                          resource_type="volume", resource_id=volume.id, action="attach", size=volume.size,
                          server_id=server_id, device=row.device)
            return row

    def _undo_attach(self, attachment_id: str, volume_id: str, status: str) -> None:
        with self.cloud.db.write() as db:
            row = db.get(VolumeAttachment, attachment_id)
            if row is not None:
                db.delete(row)
            volume = db.get(Volume, volume_id)
            if volume is not None:
                volume.status = status
                volume.attach_status = "detached"

    def mappings(self, server_id: str) -> dict[str, VolumeMapping]:
        """Compute's mapping of each of the server's volumes (delete_on_termination, tag), asked of compute."""
        return self.cloud.compute.volume_mappings(server_id)

    def update(self, ctx: RequestContext, server_id: str, volume_id: str, change: AttachRequest,
               swap_only: bool) -> None:
        """PUT /servers/{id}/os-volume_attachments/{volume_id}. Before 2.85 (`swap_only`), and from 2.85 when
        volumeId names another volume, it is the swap Cinder calls while migrating a volume: admin only, and
        Nova's 409 since no volume here is migrating. From 2.85 it changes delete_on_termination; the other keys
        must repeat what the attachment has (Nova's 400 "not mutable")."""
        swap = swap_only or change.volume_id != volume_id
        server = self.cloud.compute.find_server(ctx, server_id)
        self.cloud.policy.enforce(ctx, NOVA + "swap" if swap else NOVA + "update",
                                  None if swap else server.project_id)
        if not swap_only:
            att = self.get_for_server(ctx, server_id, volume_id)
            mapping = self.mappings(server_id).get(volume_id)
            current = {"id": volume_id, "serverId": server_id, "device": att.device,
                       "tag": mapping.tag if mapping else None}
            for key, value in change.fixed.items():
                if value != current[key]:
                    raise BadRequest(f"The {key} property is not mutable")
            if change.delete_on_termination is not None:
                self.cloud.compute.set_delete_on_termination(server_id, volume_id, change.delete_on_termination,
                                                             att.device)
        if swap:
            with self.cloud.db.read() as db:
                find_volume(db, self.cloud.policy, ctx, volume_id)  # Nova's 404 for an unknown volume
            raise Conflict(f"volume {volume_id} is not migrating; this API should only be called by Cinder")

    def detach(self, ctx: RequestContext, server_id: str, volume_id: str, *, offloaded: bool = False) -> None:
        """DELETE /servers/{id}/os-volume_attachments/{volume_id}: unplug, then the volume is available. A
        volume-backed server's root volume stays (Nova's 400). `offloaded` as for attach."""
        self._require_server(ctx, server_id, "delete")
        mapping = self.cloud.compute.volume_mappings(server_id).get(volume_id)
        if mapping is not None and mapping.root:
            raise BadRequest("Can't detach root device volume")
        with self.cloud.db.write() as db:
            att = db.scalar(select(VolumeAttachment).where(VolumeAttachment.server_id == server_id,
                                                           VolumeAttachment.volume_id == volume_id))
            volume = db.get(Volume, volume_id)
            if (att is None or volume is None or att.attach_status != "attached"
                    or (volume.project_id != ctx.project_id and not sees_every_project(self.cloud.policy, ctx))):
                raise NotFound(f"volume_id not found: {volume_id}")
            self.cloud.policy.enforce(ctx, "volume:attachment_delete", volume.project_id)
            volume.status = "detaching"
            volume.updated_at = self.cloud.clock.now()
        try:
            self.cloud.compute.detach_disk(server_id, volume_id, offloaded=offloaded)
        except Exception:
            with self.cloud.db.write() as db:
                back = db.get(Volume, volume_id)
                if back is not None and back.status == "detaching":
                    back.status = "in-use"
            raise
        self._finish_detach(server_id, [volume_id], ctx.user_id)

    def _finish_detach(self, server_id: str, volume_ids: list[str], user_id: str | None) -> None:
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            for att in db.scalars(select(VolumeAttachment).where(VolumeAttachment.server_id == server_id,
                                                                 VolumeAttachment.volume_id.in_(volume_ids))):
                volume = db.get(Volume, att.volume_id)
                db.delete(att)
                if volume is None:
                    continue
                volume.status = "available"
                volume.attach_status = "detached"
                volume.updated_at = now
                events.record(db, now, project_id=volume.project_id, user_id=user_id, resource_type="volume",
                              resource_id=volume.id, action="detach", size=volume.size, server_id=server_id)

    # ------------------------------------------------------------------ the contract compute calls
    def server_volumes(self, db: Session, server_ids: list[str]) -> dict[str, list[str]]:
        """Volume ids attached to each server (for `os-extended-volumes:volumes_attached`), by device order."""
        result: dict[str, list[str]] = {sid: [] for sid in server_ids}
        if not server_ids:
            return result
        for server_id, volume_id in db.execute(_VOLUMES_OF_SERVERS, {"server_ids": server_ids}):
            result.setdefault(server_id, []).append(volume_id)
        return result

    def server_disks(self, server_id: str) -> list[tuple[str, str]]:
        """(volume_id, device) of each volume attached to a server, for a compute driver rebuilding a guest."""
        with self.cloud.db.read() as db:
            return [(a.volume_id, a.device) for a in db.scalars(
                select(VolumeAttachment).where(VolumeAttachment.server_id == server_id,
                                               VolumeAttachment.attach_status == "attached")
                .order_by(VolumeAttachment.device))]

    def detach_all_for_server(self, server_id: str) -> None:
        """A server is being deleted: its volumes become available (the guest is gone; files are kept)."""
        with self.cloud.db.read() as db:
            ids = list(db.scalars(select(VolumeAttachment.volume_id)
                                  .where(VolumeAttachment.server_id == server_id)))
        if ids:
            self._finish_detach(server_id, ids, None)
