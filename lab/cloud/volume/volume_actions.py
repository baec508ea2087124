"""Cinder's attach bookkeeping actions (POST /volumes/{id}/action): os-reserve, os-unreserve, os-attach,
os-detach, os-begin_detaching, os-roll_detaching, os-update_readonly_flag and os-force_detach (admin).

In OpenStack these are what Nova calls on Cinder around a hot-plug; they change Cinder's records only, never a
guest. So they do the same here: `server add volume` (Nova's os-volume_attachments, attachments.py) is what
plugs a volume into a guest; these keep the volume's status and attachment rows as Cinder would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud import events
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest
from lab.cloud.volume.models import Volume, VolumeAttachment
from lab.cloud.volume.volumes import find_volume

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


def _invalid(volume_id: str, action: str, expected: str, current: str) -> BadRequest:
    """Cinder's InvalidVolume wording (volume/api.py, e.g. reserve_volume)."""
    return BadRequest(f"Invalid volume: Volume status must be {expected} to {action}, but the status is "
                      f"{current}.")


ACTIONS = "volume_extension:volume_actions:"  # Cinder's rule names for these actions: ACTIONS + the action


class VolumeActions:
    """`cloud.volume.actions`: the actions above."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def _find(self, db: Session, ctx: RequestContext, volume_id: str, rule: str) -> Volume:
        volume = find_volume(db, self.cloud.policy, ctx, volume_id)
        self.cloud.policy.enforce(ctx, rule, volume.project_id)
        return volume

    def _transition(self, ctx: RequestContext, volume_id: str, rule: str, action: str, expected: tuple[str, ...],
                    new: str) -> None:
        with self.cloud.db.write() as db:
            volume = self._find(db, ctx, volume_id, ACTIONS + rule)
            if volume.status not in expected:
                raise _invalid(volume.id, action, " or ".join(expected), volume.status)
            volume.status = new
            volume.updated_at = self.cloud.clock.now()

    def reserve(self, ctx: RequestContext, volume_id: str) -> None:
        """os-reserve: available -> attaching (a hold while an attach is prepared)."""
        self._transition(ctx, volume_id, "reserve", "reserve", ("available",), "attaching")

    def unreserve(self, ctx: RequestContext, volume_id: str) -> None:
        """os-unreserve: attaching -> available (the attach was abandoned)."""
        self._transition(ctx, volume_id, "unreserve", "unreserve", ("attaching",), "available")

    def begin_detaching(self, ctx: RequestContext, volume_id: str) -> None:
        self._transition(ctx, volume_id, "begin_detaching", "begin detaching", ("in-use",), "detaching")

    def roll_detaching(self, ctx: RequestContext, volume_id: str) -> None:
        self._transition(ctx, volume_id, "roll_detaching", "roll detaching", ("detaching",), "in-use")

    def mark_attached(self, ctx: RequestContext, volume_id: str, server_id: str, mountpoint: str) -> None:
        """os-attach: record the volume as attached to `server_id` at `mountpoint` (Cinder's records only)."""
        if not server_id or not mountpoint:
            raise BadRequest("Invalid request to attach volume to an invalid target")
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            volume = self._find(db, ctx, volume_id, ACTIONS + "attach")
            if volume.status not in ("available", "attaching") or volume.attach_status == "attached":
                raise _invalid(volume.id, "attach", "available or attaching", volume.status)
            taken = db.scalar(select(VolumeAttachment).where(VolumeAttachment.server_id == server_id,
                                                             VolumeAttachment.device == mountpoint))
            if taken is not None:
                raise BadRequest(f"The supplied device path ({mountpoint}) is in use.")
            db.add(VolumeAttachment(volume_id=volume.id, server_id=server_id, device=mountpoint, attached_at=now,
                                    attach_status="attached"))
            volume.status, volume.attach_status, volume.updated_at = "in-use", "attached", now
            events.record(db, now, project_id=volume.project_id, user_id=ctx.user_id, resource_type="volume",
                          resource_id=volume.id, action="attach", size=volume.size, server_id=server_id,
                          device=mountpoint)

    def mark_detached(self, ctx: RequestContext, volume_id: str, attachment_id: str | None) -> None:
        """os-detach: forget the attachment (Cinder's records only); the volume is available again. A volume
        with no attachment at all is just made available and detached, as Cinder's manager degrades (what a
        clean-up after os-force_detach meets); not in maintenance (400)."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            volume = self._find(db, ctx, volume_id, ACTIONS + "detach")
            if volume.status == "maintenance":
                raise BadRequest("Invalid volume: The volume cannot be detached in maintenance mode.")
            att = db.scalar(select(VolumeAttachment).where(VolumeAttachment.volume_id == volume.id))
            if att is None:
                volume.status, volume.attach_status, volume.updated_at = "available", "detached", now
                return
            if attachment_id is not None and attachment_id not in (att.id, volume.id):
                raise BadRequest(f"Invalid volume: Volume {volume.id} is not attached"
                                 + (f" (attachment {attachment_id})." if attachment_id else "."))
            db.delete(att)
            volume.status, volume.attach_status, volume.updated_at = "available", "detached", now
            events.record(db, now, project_id=volume.project_id, user_id=ctx.user_id, resource_type="volume",
                          resource_id=volume.id, action="detach", size=volume.size, server_id=att.server_id)

    def force_detach(self, ctx: RequestContext, volume_id: str, attachment_id: str | None) -> None:
        """os-force_detach (admin): Cinder's roll back of a bad detach. The attachment (`attachment_id`, or the
        volume's only one) is forgotten in any volume status and the volume is available and detached again;
        records only, as Cinder's (it never asks Nova: a guest that still has the disk keeps it). A volume with
        no attachment is just made available, as Cinder's manager degrades; an attachment id that is not the
        volume's is Cinder's 400."""
        self.cloud.policy.enforce(ctx, "volume_extension:volume_admin_actions:force_detach")
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            volume = find_volume(db, self.cloud.policy, ctx, volume_id)
            att = db.scalar(select(VolumeAttachment).where(VolumeAttachment.volume_id == volume.id))
            if attachment_id is not None and (att is None or attachment_id not in (att.id, volume.id)):
                raise BadRequest(f"Error force detaching volume - VolumeAttachmentNotFound: Volume attachment "
                                 f"could not be found with filter: attachment_id = {attachment_id}.")
            if att is not None:
                db.delete(att)
                events.record(db, now, project_id=volume.project_id, user_id=ctx.user_id, resource_type="volume",
                              resource_id=volume.id, action="detach", size=volume.size, server_id=att.server_id)
            volume.status, volume.attach_status, volume.updated_at = "available", "detached", now

    def update_readonly_flag(self, ctx: RequestContext, volume_id: str, readonly: bool) -> None:
        """os-update_readonly_flag: kept in the volume's metadata as `readonly` ("True"/"False", as Cinder's
        admin metadata)."""
        with self.cloud.db.write() as db:
            volume = self._find(db, ctx, volume_id, "volume:update_readonly_flag")
            metadata: dict[str, Any] = dict(volume.metadata_ or {})
            metadata["readonly"] = str(readonly)
            volume.metadata_ = metadata
            volume.updated_at = self.cloud.clock.now()
