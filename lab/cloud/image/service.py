"""Image behaviour (Glance v2 subset): images and their data, visibility, JSON-patch updates, tags, the
deactivate/reactivate actions, the bootstrap `cirros` image, and what compute asks of images.

Who sees an image follows Glance (access.py): an admin sees every image; a project sees public images, its own,
`shared` images it is a member of, and `community` images when it asks for them (or names one by id). An image
a project cannot see is "not found" (404), never "forbidden", so ids of other projects' private images do not
leak. Changing an image is for its owner's members (and admins); only an admin may make an image public.

Image data is streamed to a file (see store.py) between two short write transactions: `queued -> saving`
before, `saving -> active` with size and checksums after. An upload that fails puts the image back to
`queued`, as Glance does; a process killed mid-upload is repaired at the next start.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from lab.cloud import contracts
from lab.cloud.context import RequestContext
from lab.cloud.db import count
from lab.cloud.drivers.base import ImageSpec
from lab.cloud.errors import BadRequest, CloudError, Conflict, Forbidden, NotFound, OverLimit
from lab.cloud.events import record
from lab.cloud.image import schemas
from lab.cloud.image.access import ImageAccess
from lab.cloud.image.imports import ImageImports
from lab.cloud.image.members import Members
from lab.cloud.image.metadefs import Metadefs
from lab.cloud.image.models import Image, ImageMember
from lab.cloud.image.store import HASH_ALGO, ImageStore, StoredData, tiny_qcow2
from lab.cloud.plugin import Purge

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

DEFAULT_IMAGE_NAME = "cirros"
log = logging.getLogger(__name__)


class ImageService:
    """`cloud.image`: a facade over the image modules (images and their data here, members in members.py,
    visibility and authorization in access.py)."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.access = ImageAccess(cloud)
        self.members = Members(cloud, self.access)
        self.store = ImageStore(cloud.settings.data_dir / "images")
        self.imports = ImageImports(cloud, self)  # the interoperable import (imports.py)
        self.metadefs = Metadefs(cloud)  # the metadata definitions catalog (metadefs.py)
        self.boot_note: str | None = None  # what `stacklab up` says about the default image, if anything

    # ------------------------------------------------------------------------------------------- bootstrap

    # ------------------------------------------------------------------ student reset (lab/cloud/plugin.py)
    def purge_project(self, purge: Purge) -> None:
        """The project's images (protected ones too) and their members; a delete event each."""
        db = purge.db
        images = list(db.scalars(select(Image).where(Image.owner == purge.project_id)))
        if images:
            db.execute(delete(ImageMember).where(ImageMember.image_id.in_([i.id for i in images])))
        for img in images:
            record(db, purge.now, project_id=img.owner, user_id="system", resource_type="image",
                   resource_id=img.id, action="delete", size=img.size or 0)
            db.delete(img)
            purge.removed["images"] += 1
        purge.leftovers["image"] = [img.id for img in images]
        db.flush()

    def after_purge(self, leftovers: list[str]) -> None:
        for image_id in leftovers:
            self.store.remove(image_id)

    def holdings(self, db: Session, project_id: str, user_ids: list[str]) -> dict[str, int]:
        return {"images": count(db, Image, Image.owner == project_id)}

    def bootstrap(self) -> None:
        """Repair uploads cut short by a killed process, and make sure the default `cirros` image exists
        (public, owned by the admin project, with its file). Idempotent."""
        self.store.remove_partials()
        self.metadefs.bootstrap()
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            for img in db.scalars(select(Image).where(Image.status == "saving")):
                img.status, img.updated_at = "queued", now
        owner = self._admin_project_id()
        data = tiny_qcow2()
        with self.cloud.db.write() as db:
            found = db.scalar(select(Image).where(Image.name == DEFAULT_IMAGE_NAME, Image.owner == owner))
            if found is None:
                img = Image(name=DEFAULT_IMAGE_NAME, status="queued", visibility="public", owner=owner,
                            disk_format="qcow2", container_format="bare", created_at=now, updated_at=now,
                            tags=[], properties={})
                db.add(img)
                db.flush()
                record(db, now, project_id=owner, user_id=None, resource_type="image", resource_id=img.id,
                       action="create", size=0)
                self.activate(db, img, self.store.write(img.id, data, "qcow2"), now, None)
            elif found.status == "active" and not self.store.has_data(found.id):
                stored = self.store.write(found.id, data, "qcow2")
                if stored.checksum != found.checksum:  # not our placeholder: do not pretend it is that image
                    self.store.remove(found.id)
        if self.cloud.settings.compute_driver == "libvirt":
            self._use_tiny_guest(owner, now)

    def _use_tiny_guest(self, owner: str | None, now: datetime) -> None:
        """Under the libvirt driver the default `cirros` is the tiny guest StackLab builds (a direct kernel boot:
        its properties name the kernel and initrd); the placeholder file stays as the image's data. Without a
        built guest the placeholder is kept and `boot_note` says how to build one."""
        from lab.cloud import guest_image

        cache = guest_image.default_cache_dir(self.cloud.settings.data_dir)
        guest = guest_image.find_built(cache)
        if guest is None:
            self.boot_note = ("the cirros image is a placeholder that does not boot under libvirt; run "
                              "`stacklab image build-tiny` (with the same --data-dir) and restart to boot real guests")
            log.warning("no tiny guest under %s: %s", cache, self.boot_note)
            return
        with self.cloud.db.write() as db:
            img = db.scalar(select(Image).where(Image.name == DEFAULT_IMAGE_NAME, Image.owner == owner))
            if img is None:
                return
            wanted = {**(img.properties or {}), **guest.properties}
            if img.properties != wanted or (img.min_ram or 0) < guest.min_ram_mb:
                img.properties, img.min_ram, img.updated_at = wanted, max(img.min_ram or 0, guest.min_ram_mb), now
                log.info("image %s (%s) boots the tiny guest %s", DEFAULT_IMAGE_NAME, img.id, guest.kernel)
        self.boot_note = f"cirros boots the tiny guest (Linux {guest.kernel_version}, busybox)"

    def _admin_project_id(self) -> str | None:
        from lab.cloud.identity.models import Project  # identity owns projects; read its table, not its code

        with self.cloud.db.read() as db:
            return db.scalar(select(Project.id).where(Project.name == "admin", Project.domain_id == "default"))

    # --------------------------------------------------------------------------------------------- images
    def create_image(self, ctx: RequestContext, req: schemas.ImageCreate) -> Image:
        """A new `queued` image owned by the caller's project (an admin may name another owner)."""
        self.access.authorize(ctx, "add_image", ctx.project_id)
        core = dict(req.core)
        owner = core.pop("owner", ctx.project_id)
        if owner != ctx.project_id and not self.access.is_admin(ctx):
            raise Forbidden(f"You are not permitted to create images owned by '{owner}'.")
        self.access.check_visibility(ctx, core.get("visibility"), ctx.project_id)
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            if req.id is not None and db.get(Image, req.id) is not None:
                raise Conflict(f"Image with identifier {req.id} already exists!")
            img = Image(name=core.get("name"), status="queued", visibility=core.get("visibility", "shared"),
                        protected=core.get("protected", False), os_hidden=core.get("os_hidden", False),
                        min_disk=core.get("min_disk", 0), min_ram=core.get("min_ram", 0),
                        disk_format=core.get("disk_format"), container_format=core.get("container_format"),
                        owner=owner, created_at=now, updated_at=now, tags=core.get("tags", []),
                        properties=req.properties)
            if req.id is not None:
                img.id = req.id
            db.add(img)
            db.flush()
            record(db, now, project_id=owner, user_id=ctx.user_id, resource_type="image", resource_id=img.id,
                   action="create", size=0, name=img.name)
        return img

    def get_image(self, ctx: RequestContext, image_id: str) -> Image:
        self.access.authorize(ctx, "get_image")
        with self.cloud.db.read() as db:
            return self.access.get(db, ctx, image_id)

    def list_images(self, ctx: RequestContext, q: schemas.ImageQuery) -> tuple[list[Image], str | None]:
        """One page of the images `ctx` may see that match `q`, and the marker of the next page (None when
        this is the last)."""
        self.access.authorize(ctx, "get_images")
        project = ctx.project_id
        stmt = select(Image)
        if not self.access.is_admin(ctx):
            members = select(ImageMember.image_id).where(ImageMember.member_id == project)
            if q.member_status != "all":
                members = members.where(ImageMember.status == q.member_status)
            seen = [Image.visibility == "public", Image.owner == project,
                    and_(Image.visibility == "shared", Image.id.in_(members))]
            if q.visibility in ("community", "all"):
                seen.append(Image.visibility == "community")
            stmt = stmt.where(or_(*seen))
        if q.visibility is None:  # community images of others only when asked for (Glance)
            stmt = stmt.where(or_(Image.visibility != "community", Image.owner == project))
        elif q.visibility != "all":
            stmt = stmt.where(Image.visibility == q.visibility)
        for column, values in ((Image.id, q.ids), (Image.name, q.names), (Image.status, q.statuses),
                               (Image.disk_format, q.disk_formats), (Image.container_format, q.container_formats)):
            if values:
                stmt = stmt.where(column.in_(values))
        for column, value in ((Image.owner, q.owner), (Image.checksum, q.checksum),
                              (Image.os_hash_value, q.os_hash_value)):
            if value is not None:
                stmt = stmt.where(column == value)
        if q.protected is not None:
            stmt = stmt.where(Image.protected == q.protected)
        stmt = stmt.where(Image.os_hidden == q.os_hidden)
        if q.size_min is not None:
            stmt = stmt.where(Image.size >= q.size_min)
        if q.size_max is not None:
            stmt = stmt.where(Image.size <= q.size_max)
        with self.cloud.db.read() as db:
            rows = [img for img in db.scalars(stmt) if _matches(img, q)]
            marker = None
            if q.marker is not None:
                marker = db.get(Image, q.marker)
                if marker is None or not self.access.visible(db, ctx, marker):
                    raise BadRequest(f"Invalid marker. Image {q.marker} could not be found.")
        if marker is not None and all(r.id != marker.id for r in rows):
            rows.append(marker)  # so the page starts after the marker's place in this order
        for key, direction in reversed(q.sort):  # stable sorts, last key first
            rows.sort(key=_sort_key(key), reverse=direction == "desc")
        if marker is not None:
            rows = rows[[r.id for r in rows].index(marker.id) + 1:]
        page_size = self.cloud.settings.max_page_size
        limit = page_size if q.limit is None else min(q.limit, page_size)
        page = rows[:limit]
        return page, (page[-1].id if page and len(rows) > limit else None)

    def update_image(self, ctx: RequestContext, image_id: str, ops: list[schemas.PatchOp]) -> Image:
        """Apply a JSON patch (Glance's rules: read-only and reserved attributes 403, core attributes may not be
        removed, a missing custom property 409); all of it or nothing."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            img = self.access.get(db, ctx, image_id)
            self.access.authorize(ctx, "modify_image", img.owner)
            core: dict[str, Any] = {key: getattr(img, key) for key in schemas.WRITABLE}
            props = dict(img.properties or {})
            for op in ops:
                self._apply(ctx, img, core, props, op)
            for key, value in core.items():
                setattr(img, key, list(value) if key == "tags" else value)
            img.properties = props
            img.updated_at = now
        return img

    def _apply(self, ctx: RequestContext, img: Image, core: dict[str, Any], props: dict[str, str],
               op: schemas.PatchOp) -> None:
        key = op.key
        if key in schemas.READ_ONLY:
            raise Forbidden(f"Attribute '{key}' is read-only.")
        if key.startswith(schemas.RESERVED_PREFIX):
            raise Forbidden(f"Attribute '{key}' is reserved.")
        if key in schemas.WRITABLE:
            if op.op == "remove":
                raise Forbidden(f"Property {key} may not be removed.")
            value = schemas.check_core_value(key, op.value)
            if value != core[key]:
                if key in ("disk_format", "container_format") and img.status != "queued":
                    raise Forbidden(f"Attribute {key} can be only replaced for a queued image.")
                if key == "owner" and not self.access.is_admin(ctx):
                    raise Forbidden("Attribute 'owner' is read-only.")
                if key == "visibility":
                    self.access.check_visibility(ctx, value, img.owner)
            core[key] = value
        elif op.op == "add":
            props[key] = schemas.check_property(key, op.value)
        elif key not in props:
            raise Conflict(f"Property {key} does not exist.")
        elif op.op == "replace":
            props[key] = schemas.check_property(key, op.value)
        else:
            del props[key]

    def delete_image(self, ctx: RequestContext, image_id: str) -> None:
        """Delete the image, its members and its file. Protected images are refused (403)."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            img = self.access.get(db, ctx, image_id)
            self.access.authorize(ctx, "delete_image", img.owner)
            if img.protected:
                raise Forbidden(f"Image {image_id} is protected and cannot be deleted.")
            record(db, now, project_id=img.owner, user_id=ctx.user_id, resource_type="image",
                   resource_id=img.id, action="delete", size=img.size or 0)
            db.execute(delete(ImageMember).where(ImageMember.image_id == img.id))
            db.delete(img)
        self.store.remove(image_id)  # after the commit: a crash in between leaves a file, never a dangling row
        self.imports.forget(image_id)

    # ----------------------------------------------------------------------------------------------- data
    async def upload_image_data(self, ctx: RequestContext, image_id: str, chunks: AsyncIterator[bytes],
                                content_length: int | None) -> None:
        """Store the image's data from `chunks`: queued -> saving -> active, with size, md5 `checksum` and
        sha512 `os_hash_value`. 409 unless queued; 413 past the configured size cap."""
        disk_format = self.begin_receiving(ctx, image_id, "upload_image", "saving", content_length)
        try:
            stored = await self.store.receive(image_id, chunks, disk_format, self.cloud.settings.image_size_cap)
        except BaseException as exc:
            if not self.stop_receiving(image_id, "saving"):
                raise _deleted_during_upload(image_id) from exc
            raise
        with self.cloud.db.write() as db:
            done = db.get(Image, image_id)
            if done is None or done.status != "saving":
                if done is None:
                    self.store.remove(image_id)
                raise _deleted_during_upload(image_id)
            self.activate(db, done, stored, self.cloud.clock.now(), ctx.user_id)

    def begin_receiving(self, ctx: RequestContext, image_id: str, rule: str, status: str,
                        content_length: int | None) -> str | None:
        """The checks before image data is received (an upload, or glance-direct's stage): the caller may, the
        declared size is under the cap (413), the image is queued (409); then it is `status` while the bytes
        come. Returns the image's disk format."""
        cap = self.cloud.settings.image_size_cap
        with self.cloud.db.write() as db:
            img = self.access.get(db, ctx, image_id)
            self.access.authorize(ctx, rule, img.owner)
            if content_length is not None and content_length > cap:
                raise OverLimit(f"Denying attempt to upload image larger than {cap} bytes.")
            if img.status != "queued":
                raise Conflict(f"Image status transition from {img.status} to {status} is not allowed")
            img.status, img.updated_at = status, self.cloud.clock.now()
            return img.disk_format

    def stop_receiving(self, image_id: str, status: str) -> bool:
        """The data did not all arrive: an image still `status` is queued again. False if it was deleted."""
        with self.cloud.db.write() as db:
            left = db.get(Image, image_id)
            if left is not None and left.status == status:
                left.status, left.updated_at = "queued", self.cloud.clock.now()
            return left is not None

    @staticmethod
    def activate(db: Session, img: Image, stored: StoredData, now: datetime, user_id: str | None) -> None:
        img.status, img.updated_at = "active", now
        img.size, img.virtual_size = stored.size, stored.virtual_size
        img.checksum, img.os_hash_algo, img.os_hash_value = stored.checksum, HASH_ALGO, stored.os_hash_value
        record(db, now, project_id=img.owner, user_id=user_id, resource_type="image", resource_id=img.id,
               action="upload", size=stored.size)

    def image_data(self, ctx: RequestContext, image_id: str) -> tuple[Image, Path | None]:
        """The image and the path of its data, or None when it has none yet (the route answers 204)."""
        with self.cloud.db.read() as db:
            img = self.access.get(db, ctx, image_id)
        self.access.authorize(ctx, "download_image")
        if img.status == "deactivated" and not self.access.is_admin(ctx):
            raise Forbidden("The requested image has been deactivated. Image data download is forbidden.")
        if img.status != "active":
            return img, None
        path = self.store.path(image_id)
        if not path.is_file():
            raise CloudError(f"The data of image {image_id} is missing from the image store.")
        return img, path

    # -------------------------------------------------------------------------------------- actions, tags
    def deactivate_image(self, ctx: RequestContext, image_id: str) -> None:
        self._set_status(ctx, image_id, "deactivated", ("active",), "deactivate")

    def reactivate_image(self, ctx: RequestContext, image_id: str) -> None:
        self._set_status(ctx, image_id, "active", ("deactivated",), "reactivate")

    def _set_status(self, ctx: RequestContext, image_id: str, new: str, allowed_from: tuple[str, ...],
                    action: str) -> None:
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            img = self.access.get(db, ctx, image_id)
            self.access.authorize(ctx, action, img.owner)
            if img.status == new:
                return
            if img.status not in allowed_from:
                raise Forbidden(f"Not allowed to {action} image in status '{img.status}'")
            img.status, img.updated_at = new, now
            record(db, now, project_id=img.owner, user_id=ctx.user_id, resource_type="image", resource_id=img.id,
                   action=action, size=img.size or 0)

    def add_image_tag(self, ctx: RequestContext, image_id: str, tag: str) -> None:
        schemas.check_tags([tag])
        with self.cloud.db.write() as db:
            img = self.access.get(db, ctx, image_id)
            self.access.authorize(ctx, "modify_image", img.owner)
            if tag not in img.tags:
                img.tags, img.updated_at = [*img.tags, tag], self.cloud.clock.now()

    def remove_image_tag(self, ctx: RequestContext, image_id: str, tag: str) -> None:
        with self.cloud.db.write() as db:
            img = self.access.get(db, ctx, image_id)
            self.access.authorize(ctx, "modify_image", img.owner)
            if tag not in img.tags:
                raise NotFound(f"Tag {tag} not found on image {image_id}")
            img.tags, img.updated_at = [t for t in img.tags if t != tag], self.cloud.clock.now()

    # ------------------------------------------------------------------------------------ members (members.py)
    def add_image_member(self, ctx: RequestContext, image_id: str, member_id: str) -> ImageMember:
        return self.members.add_member(ctx, image_id, member_id)

    def list_image_members(self, ctx: RequestContext, image_id: str) -> list[ImageMember]:
        return self.members.list_members(ctx, image_id)

    def get_image_member(self, ctx: RequestContext, image_id: str, member_id: str) -> ImageMember:
        return self.members.get_member(ctx, image_id, member_id)

    def update_image_member(self, ctx: RequestContext, image_id: str, member_id: str, status: str) -> ImageMember:
        return self.members.update_member(ctx, image_id, member_id, status)

    def remove_image_member(self, ctx: RequestContext, image_id: str, member_id: str) -> None:
        self.members.remove_member(ctx, image_id, member_id)

    # ------------------------------------------------------------------------------- contract for compute
    def image_for_boot(self, ctx: RequestContext, image_id: str) -> ImageSpec:
        """What a guest boots from. Raises BadRequest (Nova's 400 wording) when `ctx` cannot see the image or
        it is not active. `properties` holds the custom properties plus `min_disk`, `min_ram` and `size`
        (core names, so they never clash with a custom one)."""
        with self.cloud.db.read() as db:
            img = db.get(Image, image_id) if isinstance(image_id, str) else None
            if img is None or not self.access.visible(db, ctx, img):
                raise BadRequest(f"Image {image_id} could not be found.")
        if img.status != "active":
            raise BadRequest(f"Image {image_id} is not active.")
        path = self.store.path(img.id) if self.store.has_data(img.id) else None
        properties: dict[str, Any] = {**(img.properties or {}), "min_disk": img.min_disk,
                                      "min_ram": img.min_ram, "size": img.size or 0}
        return ImageSpec(id=img.id, name=img.name or "", path=path, disk_format=img.disk_format or "raw",
                         properties=properties, container_format=img.container_format or "bare",
                         checksum=img.checksum)

    # ------------------------------------------------------------------------ contract for the volume service
    def create_image_for_upload(self, ctx: RequestContext, name: str, disk_format: str, container_format: str,
                                visibility: str, protected: bool, properties: dict[str, str]) -> str:
        """A thin call: the queued image Cinder's upload makes, through the same create as POST /v2/images."""
        req = schemas.ImageCreate(id=None, core={"name": name, "disk_format": disk_format,
                                                 "container_format": container_format, "visibility": visibility,
                                                 "protected": protected}, properties=dict(properties))
        return self.create_image(ctx, req).id

    def store_image_file(self, image_id: str, path: Path, user_id: str | None) -> None:
        stored = self.store.adopt(image_id, path)
        with self.cloud.db.write() as db:
            img = db.get(Image, image_id)
            if img is None or img.status != "queued":
                gone = True
            else:
                gone = False
                self.activate(db, img, stored, self.cloud.clock.now(), user_id)
        if gone:
            self.store.remove(image_id)

    def kill_image(self, image_id: str) -> None:
        with self.cloud.db.write() as db:
            img = db.get(Image, image_id)
            if img is None or img.status not in ("queued", "saving"):
                return
            record(db, self.cloud.clock.now(), project_id=img.owner, user_id=None, resource_type="image",
                   resource_id=img.id, action="delete", size=0)
            db.execute(delete(ImageMember).where(ImageMember.image_id == img.id))
            db.delete(img)
        self.store.remove(image_id)

    # ------------------------------------------------------------------ snapshots (compute's createImage, shelve)
    def create_snapshot_image(self, ctx: RequestContext, name: str, properties: dict[str, str],
                              min_disk: int = 0, min_ram: int = 0) -> str:
        """A `queued` private image of the caller's project for a server snapshot, as Nova's createImage makes
        one through Glance's API (the caller's rights, the caller's project); returns its id. The data comes
        later: the compute driver writes `snapshot_file(id)`, then `finish_snapshot_image` activates it."""
        img = self.create_image(ctx, schemas.ImageCreate(None, {
            "name": name, "visibility": "private", "min_disk": min_disk, "min_ram": min_ram,
            "container_format": "bare"}, {k: str(v) for k, v in properties.items()}))
        return img.id

    def snapshot_file(self, image_id: str) -> Path:
        """Where a snapshot's bytes are written (a partial file until finish_snapshot_image)."""
        return self.store.root / f"{image_id}.part"

    def finish_snapshot_image(self, image_id: str, disk_format: str) -> bool:
        """Activate a snapshot from its written file (size, checksums, disk_format), as an upload does. False
        when the image was deleted meanwhile (the file is removed)."""
        part = self.snapshot_file(image_id)
        if not part.is_file():
            part.write_bytes(b"")
        with self.cloud.db.write() as db:
            img = db.get(Image, image_id)
            if img is None or img.status != "queued":
                part.unlink(missing_ok=True)
                return False
            img.disk_format = disk_format
            stored = self.store.adopt(image_id, part, disk_format)
            self.activate(db, img, stored, self.cloud.clock.now(), None)
        return True

    def delete_snapshot_image(self, image_id: str) -> None:
        """Remove a snapshot the compute service made (a failed createImage, an unshelved server's image);
        succeeds if it is gone."""
        with self.cloud.db.read() as db:
            found = db.get(Image, image_id) is not None
        self.snapshot_file(image_id).unlink(missing_ok=True)
        if found:
            with contextlib.suppress(NotFound):
                self.delete_image(RequestContext.system(), image_id)

    def get_image_summary(self, db: Session, ctx: RequestContext, image_id: str) -> dict[str, Any] | None:
        """`{"id", "name"}` of an image `ctx` can see, else None (deleted, or another project's private)."""
        img = db.get(Image, image_id)
        if img is None or not self.access.visible(db, ctx, img):
            return None
        return {"id": img.id, "name": img.name}


_CORE_NUMBERS = ("size", "virtual_size", "min_ram", "min_disk")


def _matches(img: Image, q: schemas.ImageQuery) -> bool:
    """The filters on JSON columns and times, which are simpler to test here than in SQL."""
    if q.tags and not set(q.tags) <= set(img.tags or []):
        return False
    props = img.properties or {}
    for key, wanted in q.properties:
        if key in _CORE_NUMBERS:  # Glance filters its own columns exactly (?size=1024), not as properties
            if str(getattr(img, key)) != wanted:
                return False
        elif props.get(key) != wanted:
            return False
    for attribute, operator, moment in q.times:
        value: datetime = getattr(img, attribute)
        ok = {"gt": value > moment, "gte": value >= moment, "lt": value < moment, "lte": value <= moment,
              "eq": value == moment, "neq": value != moment}[operator]
        if not ok:
            return False
    return True


def _sort_key(attribute: str) -> Callable[[Image], tuple[bool, Any]]:
    """A sort key on one attribute, with nulls first in ascending order as SQLite sorts them."""

    def key(img: Image) -> tuple[bool, Any]:
        value = getattr(img, attribute)
        return (value is not None, value if value is not None else 0)

    return key


def _deleted_during_upload(image_id: str) -> Conflict:
    return Conflict(f"Image {image_id} could not be found after upload. The image may have been deleted during "
                    "the upload.")


def _fulfils(service: ImageService) -> contracts.Image:
    """Checked by mypy: the service is what the other services are promised (lab/cloud/contracts.py)."""
    return service
