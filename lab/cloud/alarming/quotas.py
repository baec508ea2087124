"""Aodh's alarm quota (`project_alarm_quota`, unlimited by default) in the lab's quota engine as `alarms`, so a
class can cap it (`class create --quota alarms=N`)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lab.cloud.alarming.models import Alarm
from lab.cloud.db import count
from lab.cloud.quotas import Resource


def alarms_in_use(db: Session, project_id: str) -> int:
    return count(db, Alarm, Alarm.project_id == project_id)


RESOURCES = (Resource("alarming", "alarms", -1, alarms_in_use, "Alarms per project (Aodh's project_alarm_quota)"),)
