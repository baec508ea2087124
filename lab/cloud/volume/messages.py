"""User messages (Cinder's /messages from 3.3): what an asynchronous failure tells the project whose request it
was, since the 202 answered before the failure. Cinder writes one with an action and a detail
(cinder/message/message_field.py): its `event_id` is `VOLUME_<resource type>_<action id>_<detail id>` and its
`user_message` "<action>: <detail>". The lab writes the scheduler's: a volume no backend takes (the volume
service disabled, or a volume type whose extra specs ask for capabilities the backend does not have) goes to
`error` with `VOLUME_VOLUME_001_003`, "schedule allocate volume: Could not find any available weighted
backend.". Messages expire after 30 days of lab time (Cinder's message_ttl); list, show and delete."""

from __future__ import annotations

import builtins
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import NotFound
from lab.cloud.volume.models import VolumeMessage

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

MESSAGE_TTL = timedelta(seconds=2592000)  # Cinder's message_ttl
# (action id, action), (detail id, detail) of cinder/message/message_field.py that the lab writes.
SCHEDULE_ALLOCATE_VOLUME = ("001", "schedule allocate volume")
NO_BACKEND_AVAILABLE = ("003", "Could not find any available weighted backend.")
SORT_KEYS = ("id", "event_id", "message_level", "resource_type", "resource_uuid", "created_at", "request_id")


def record(db: Session, now: datetime, *, project_id: str, request_id: str, resource_uuid: str,
           action: tuple[str, str], detail: tuple[str, str], resource_type: str = "VOLUME") -> None:
    """Write a user message in the caller's transaction (Cinder's message API `create`)."""
    db.add(VolumeMessage(project_id=project_id, request_id=request_id, resource_type=resource_type,
                         resource_uuid=resource_uuid, event_id=f"VOLUME_{resource_type}_{action[0]}_{detail[0]}",
                         message_level="ERROR", user_message=f"{action[1]}: {detail[1]}", created_at=now,
                         expires_at=now + MESSAGE_TTL))


class Messages:
    """`cloud.volume.messages`: GET /messages, GET/DELETE /messages/{id}."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def _visible(self, ctx: RequestContext, message: VolumeMessage | None) -> bool:
        return message is not None and message.expires_at > self.cloud.clock.now() and (
            message.project_id == ctx.project_id or self.cloud.policy.allows(ctx, "context_is_admin"))

    def list(self, ctx: RequestContext, filters: dict[str, str | None]) -> builtins.list[VolumeMessage]:
        """The project's messages (every project's for an admin asking all_tenants), newest first; filters
        `resource_uuid`, `resource_type`, `event_id`, `request_id`, `message_level` (3.5)."""
        self.cloud.policy.enforce(ctx, "message:get_all", ctx.project_id)
        now = self.cloud.clock.now()
        with self.cloud.db.read() as db:
            query = select(VolumeMessage).where(VolumeMessage.expires_at > now)
            if not (ctx.all_projects and self.cloud.policy.allows(ctx, "context_is_admin")):
                query = query.where(VolumeMessage.project_id == ctx.project_id)
            for key, value in filters.items():
                if value is not None:
                    query = query.where(getattr(VolumeMessage, key) == value)
            return list(db.scalars(query.order_by(VolumeMessage.created_at.desc(), VolumeMessage.id.desc())))

    def get(self, ctx: RequestContext, message_id: str) -> VolumeMessage:
        with self.cloud.db.read() as db:
            message = db.get(VolumeMessage, message_id)
            if message is None or not self._visible(ctx, message):
                raise NotFound(f"Message {message_id} could not be found.")
            self.cloud.policy.enforce(ctx, "message:get", message.project_id)
            return message

    def delete(self, ctx: RequestContext, message_id: str) -> None:
        with self.cloud.db.write() as db:
            message = db.get(VolumeMessage, message_id)
            if message is None or not self._visible(ctx, message):
                raise NotFound(f"Message {message_id} could not be found.")
            self.cloud.policy.enforce(ctx, "message:delete", message.project_id)
            db.delete(message)

    def purge(self, db: Session, project_id: str) -> int:
        """A student reset: the project's messages go."""
        rows = list(db.scalars(select(VolumeMessage).where(VolumeMessage.project_id == project_id)))
        for row in rows:
            db.delete(row)
        return len(rows)
