"""Image members (Glance v2): the owner of a `shared` image offers it to other projects; a member project
accepts (or rejects) it, and an accepted image shows in that project's image list. A member can always fetch
the image by id, whatever its member status, as in Glance.

Only the owner adds and removes members; only the member itself changes its status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import Conflict, Forbidden, NotFound
from lab.cloud.image.access import ImageAccess
from lab.cloud.image.models import Image, ImageMember

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


class Members:
    """The member operations (ImageService delegates its `*_image_member` calls here)."""

    def __init__(self, cloud: Cloud, access: ImageAccess):
        self.cloud = cloud
        self.access = access

    @staticmethod
    def _shared(img: Image) -> None:
        if img.visibility != "shared":
            raise Forbidden("Only shared images have members.")

    @staticmethod
    def _member(db: Session, image_id: str, member_id: str) -> ImageMember:
        found = db.scalar(select(ImageMember).where(ImageMember.image_id == image_id,
                                                    ImageMember.member_id == member_id))
        if found is None:
            raise NotFound(f"Member {member_id} not found for image {image_id}")
        return found

    def add_member(self, ctx: RequestContext, image_id: str, member_id: str) -> ImageMember:
        """Offer the image to project `member_id` (status `pending`). 409 if it is a member already."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            img = self.access.get(db, ctx, image_id)
            self.access.authorize(ctx, "add_member", img.owner)
            self._shared(img)
            exists = db.scalar(select(ImageMember.id).where(ImageMember.image_id == image_id,
                                                            ImageMember.member_id == member_id))
            if exists is not None:
                raise Conflict(f"Member {member_id} is duplicated for image {image_id}")
            member = ImageMember(image_id=image_id, member_id=member_id, status="pending", created_at=now,
                                 updated_at=now)
            db.add(member)
        return member

    def list_members(self, ctx: RequestContext, image_id: str) -> list[ImageMember]:
        """Every member for the owner (and admins); a member sees only its own membership."""
        self.access.authorize(ctx, "get_members")
        with self.cloud.db.read() as db:
            img = self.access.get(db, ctx, image_id)
            self._shared(img)
            stmt = select(ImageMember).where(ImageMember.image_id == image_id).order_by(ImageMember.id)
            if not self.access.is_admin(ctx) and img.owner != ctx.project_id:
                stmt = stmt.where(ImageMember.member_id == ctx.project_id)
            return list(db.scalars(stmt))

    def get_member(self, ctx: RequestContext, image_id: str, member_id: str) -> ImageMember:
        self.access.authorize(ctx, "get_member")
        with self.cloud.db.read() as db:
            img = self.access.get(db, ctx, image_id)
            self._shared(img)
            if not self.access.is_admin(ctx) and ctx.project_id not in (img.owner, member_id):
                raise NotFound(f"Member {member_id} not found for image {image_id}")
            return self._member(db, image_id, member_id)

    def update_member(self, ctx: RequestContext, image_id: str, member_id: str, status: str) -> ImageMember:
        """The member project accepts, rejects or resets (pending) the offer."""
        with self.cloud.db.write() as db:
            img = self.access.get(db, ctx, image_id)
            self._shared(img)
            member = self._member(db, image_id, member_id)
            if not self.access.is_admin(ctx) and ctx.project_id != member_id:
                raise Forbidden("You are not permitted to modify 'status' on this image member.")
            self.access.authorize(ctx, "modify_member", member_id)
            member.status, member.updated_at = status, self.cloud.clock.now()
        return member

    def remove_member(self, ctx: RequestContext, image_id: str, member_id: str) -> None:
        with self.cloud.db.write() as db:
            img = self.access.get(db, ctx, image_id)
            self.access.authorize(ctx, "delete_member", img.owner)
            self._shared(img)
            db.delete(self._member(db, image_id, member_id))
