"""Alarm storage: Aodh's alarm table (the type's rule as JSON) and its change history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lab.cloud.db import Base, new_id


class Alarm(Base):
    __tablename__ = "aodh_alarms"
    __table_args__ = (Index("ix_aodh_alarms_project", "project_id"),)
    alarm_id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(64))
    rule: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the `<type>_rule` as rendered
    enabled: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str] = mapped_column(String(32), default="insufficient data")
    state_reason: Mapped[str] = mapped_column(Text, default="Not evaluated yet")
    severity: Mapped[str] = mapped_column(String(16), default="low")
    repeat_actions: Mapped[bool] = mapped_column(default=False)
    ok_actions: Mapped[list[Any]] = mapped_column(default=list)
    alarm_actions: Mapped[list[Any]] = mapped_column(default=list)
    insufficient_data_actions: Mapped[list[Any]] = mapped_column(default=list)
    time_constraints: Mapped[list[Any]] = mapped_column(default=list)
    user_id: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[str] = mapped_column(String(64))
    timestamp: Mapped[datetime]  # last change of its definition
    state_timestamp: Mapped[datetime]
    evaluated_at: Mapped[datetime | None]


class AlarmChange(Base):
    __tablename__ = "aodh_alarm_history"
    __table_args__ = (Index("ix_aodh_history_alarm", "alarm_id", "timestamp"),)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    alarm_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(32))  # creation, rule change, state transition, deletion, action
    detail: Mapped[str] = mapped_column(Text)  # a JSON document, as Aodh stores it
    user_id: Mapped[str | None] = mapped_column(String(64))
    project_id: Mapped[str | None] = mapped_column(String(64))
    on_behalf_of: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16), default="low")
    timestamp: Mapped[datetime]
