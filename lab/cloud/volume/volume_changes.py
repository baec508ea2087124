"""Volume actions that change what a volume is: `os-retype` (another volume type: `volume set --type`) and
`os-volume_upload_image` (a Glance image of the volume's bytes: `image create --volume`).

Retype: the lab has one backend, so a retype never migrates and is done at once (`migration_policy` is checked
and recorded, as Cinder does when the backend can retype in place); the per-type quotas of the new type are
checked. Upload: the volume is `uploading` while the worker copies its bytes (converted to the image's disk
format) into a queued image the image service made for the caller, then returns to its status.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Any

from lab.cloud import events, worker
from lab.cloud.context import RequestContext
from lab.cloud.db import count
from lab.cloud.drivers.base import DriverError
from lab.cloud.drivers.files import _run, file_format, qemu_img
from lab.cloud.errors import BadRequest, CloudError
from lab.cloud.volume import quotas
from lab.cloud.volume.models import Snapshot, Volume, VolumeType
from lab.cloud.volume.operator_schemas import Retype, UploadImage
from lab.cloud.volume.types import find_type
from lab.cloud.volume.volumes import find_volume

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


class VolumeChanges:
    """`cloud.volume.changes`: retype and upload to image."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.scratch = cloud.settings.data_dir / "uploads"
        self.scratch.mkdir(parents=True, exist_ok=True)

    def retype(self, ctx: RequestContext, volume_id: str, req: Retype) -> None:
        """os-retype: an available or in-use volume gets `req.new_type` (400 for the type it has)."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            volume = find_volume(db, self.cloud.policy, ctx, volume_id)
            self.cloud.policy.enforce(ctx, "volume:retype", volume.project_id)
            if volume.status not in ("available", "in-use"):
                raise BadRequest(f"Invalid volume: Volume {volume.id} status must be available or in-use, but "
                                 f"current status is: {volume.status}.")
            new = find_type(db, self.cloud.policy, ctx, req.new_type)
            if new.id == volume.volume_type_id:
                raise BadRequest("Invalid input received: New volume type must be different from the current "
                                 "volume type.")
            snapshots = count(db, Snapshot, Snapshot.volume_id == volume.id)
            per_type = quotas.limits(self.cloud.quotas, db, volume.project_id)
            used = quotas.usage(db, volume.project_id, new.id)
            for resource, delta in (("volumes", 1), ("gigabytes", volume.size), ("snapshots", snapshots)):
                limit = per_type.get(f"{resource}_{new.name}", -1)
                if delta and 0 <= limit < getattr(used, resource) + delta:
                    raise quotas.over_quota(f"{resource}_{new.name}", delta, getattr(used, resource), limit)
            old = db.get(VolumeType, volume.volume_type_id)
            volume.volume_type_id, volume.updated_at = new.id, now
            events.record(db, now, project_id=volume.project_id, user_id=ctx.user_id, resource_type="volume",
                          resource_id=volume.id, action="retype", size=volume.size, volume_type=new.name,
                          old_volume_type=old.name if old else None, migration_policy=req.migration_policy)

    def upload_to_image(self, ctx: RequestContext, volume_id: str, req: UploadImage) -> dict[str, Any]:
        """os-volume_upload_image: 400 unless available (in-use with `force`); the image is made queued now,
        filled by the worker. Returns what the 202 answer says."""
        if req.disk_format not in ("raw", "qcow2"):
            raise BadRequest(f"Invalid disk-format '{req.disk_format}' is specified. This cloud converts volumes "
                             f"to raw and qcow2 only.")
        if req.disk_format == "qcow2" and qemu_img() is None:
            raise BadRequest("Invalid disk-format 'qcow2' is specified: qemu-img is not installed on this cloud.")
        with self.cloud.db.read() as db:
            volume = find_volume(db, self.cloud.policy, ctx, volume_id)
        self.cloud.policy.enforce(ctx, "volume_extension:volume_actions:upload_image", volume.project_id)
        if req.visibility == "public":
            self.cloud.policy.enforce(ctx, "volume_extension:volume_actions:upload_public", volume.project_id)
        allowed = ("available", "in-use") if req.force else ("available",)
        if volume.status not in allowed:
            raise BadRequest(f"Invalid volume: Volume {volume.id} status must be available"
                             f"{' or in-use' if req.force else ''}, but current status is: {volume.status}.")
        image_id = self.cloud.image.create_image_for_upload(
            ctx, req.image_name, req.disk_format, req.container_format, req.visibility, req.protected,
            {"cinder_volume_id": volume.id})
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            current = db.get(Volume, volume.id)
            if current is None or current.status not in allowed:
                self.cloud.image.kill_image(image_id)
                raise BadRequest(f"Invalid volume: Volume {volume.id} status must be available.")
            previous = current.status
            current.status, current.updated_at = "uploading", now
            vtype = db.get(VolumeType, current.volume_type_id)
            worker.enqueue(db, now, "volume.upload_image", volume.id, image_id=image_id, volume_status=previous,
                           disk_format=req.disk_format, user_id=ctx.user_id)
            answer = {"id": current.id, "updated_at": now, "status": "uploading",
                      "display_description": current.description, "size": current.size, "volume_type": vtype,
                      "image_id": image_id, "container_format": req.container_format,
                      "disk_format": req.disk_format, "image_name": req.image_name, "protected": req.protected,
                      "visibility": req.visibility}
        self.cloud.worker.wake()
        return answer


def _back(cloud: Cloud, volume_id: str, status: str) -> None:
    with cloud.db.write() as db:
        volume = db.get(Volume, volume_id)
        if volume is not None and volume.status == "uploading":
            volume.status, volume.updated_at = status, cloud.clock.now()


def _upload_failed(cloud: Cloud, job: worker.JobSpec, detail: str) -> None:
    cloud.image.kill_image(str(job.payload["image_id"]))
    _back(cloud, job.resource_id, job.payload.get("volume_status") or "available")


JOBS: worker.Jobs = {}  # the worker jobs of this module, listed in the plugin


@worker.job(JOBS, "volume.upload_image", on_failure=_upload_failed)
def _upload_job(cloud: Cloud, job: worker.JobSpec) -> None:
    image_id = str(job.payload["image_id"])
    scratch: VolumeChanges = cloud.services["volume"].changes
    exported = scratch.scratch / f"{image_id}.export"
    converted = scratch.scratch / f"{image_id}.{job.payload.get('disk_format') or 'raw'}"
    try:
        cloud.volume_driver.export_to_file(job.resource_id, exported)
        wanted = job.payload.get("disk_format") or "raw"
        tool = qemu_img()
        if tool is not None:
            _run(tool, "convert", "-q", "-f", file_format(exported), "-O", wanted, str(exported), str(converted))
            exported.unlink(missing_ok=True)
        else:  # raw only without qemu-img (the backend's files are raw then)
            shutil.move(exported, converted)
        cloud.image.store_image_file(image_id, converted, job.payload.get("user_id"))
    except (DriverError, CloudError) as exc:
        _upload_failed(cloud, job, str(exc))
    finally:
        exported.unlink(missing_ok=True)
        converted.unlink(missing_ok=True)
    _back(cloud, job.resource_id, job.payload.get("volume_status") or "available")
