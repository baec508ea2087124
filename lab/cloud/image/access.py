"""Who sees and who may change an image, shared by the image modules (service.py, members.py).

Glance's visibility: an operator (`context_is_admin`) sees every image; a project sees public and community
images, its own, and `shared` images it is a member of. An image a project cannot see is "not found" (404),
never "forbidden", so the ids of other projects' private images do not leak. What a caller may do to an image
it sees is the Glance rule of the same name as the action (policies.py), with the image's owner as target.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import Forbidden, NotFound
from lab.cloud.image.models import Image, ImageMember

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


class ImageAccess:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def is_admin(self, ctx: RequestContext) -> bool:
        """Glance's `context_is_admin`: an operator sees and changes every image."""
        return self.cloud.policy.allows(ctx, "context_is_admin")

    def visible(self, db: Session, ctx: RequestContext, img: Image) -> bool:
        if self.is_admin(ctx) or img.visibility in ("public", "community"):
            return True
        if img.owner is not None and img.owner == ctx.project_id:
            return True
        if img.visibility == "shared" and ctx.project_id:
            return db.scalar(select(ImageMember.id).where(ImageMember.image_id == img.id,
                                                          ImageMember.member_id == ctx.project_id)) is not None
        return False

    def get(self, db: Session, ctx: RequestContext, image_id: str) -> Image:
        """The image if `ctx` may see it; NotFound (404) otherwise, whatever `image_id` looks like."""
        img = db.get(Image, image_id)
        if img is None or not self.visible(db, ctx, img):
            raise NotFound(f"No image found with ID {image_id}")
        return img

    def authorize(self, ctx: RequestContext, action: str, project_id: str | None = None) -> None:
        """Raise Glance's 403 ("You are not authorized to complete <action> action.") unless the rule of the same
        name allows `ctx` on a target of `project_id` (an image's owner; None: the caller's project)."""
        if not self.cloud.policy.allows(ctx, action, project_id):
            raise Forbidden(f"You are not authorized to complete {action} action.")

    def check_visibility(self, ctx: RequestContext, visibility: Any, owner: str | None) -> None:
        """Making an image public needs `publicize_image`, a community image `communitize_image`."""
        if visibility == "public":
            self.authorize(ctx, "publicize_image", owner)
        elif visibility == "community":
            self.authorize(ctx, "communitize_image", owner)
