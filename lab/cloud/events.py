"""The event table: every state change of a resource is recorded once, with the lab clock's time.

Billing derives usage from these rows and the console shows them; nothing polls. An event is written in the
same transaction as the change it describes, so the two can never disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from lab.cloud.db import Base


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_resource", "resource_type", "resource_id"),
                      Index("ix_events_project_time", "project_id", "time"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    time: Mapped[datetime]
    project_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(32))  # server, volume, floatingip, image, ...
    resource_id: Mapped[str] = mapped_column(String(64))
    # create, delete, resize, power_off, power_on, attach, detach, status, ...
    action: Mapped[str] = mapped_column(String(32))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)


def record(session: Session, time: datetime, *, project_id: str | None, user_id: str | None,
           resource_type: str, resource_id: str, action: str, **attributes: Any) -> Event:
    """Add one event to `session` (the caller's transaction) and return it."""
    event = Event(time=time, project_id=project_id, user_id=user_id, resource_type=resource_type,
                  resource_id=resource_id, action=action, attributes=attributes)
    session.add(event)
    return event
