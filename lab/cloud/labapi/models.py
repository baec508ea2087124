"""Tables of the lab admin API: classes and their students (the starting state a reset returns to), and the
progress students record after `stacklab check`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lab.cloud.db import Base


class LabClass(Base):
    """A class of students: the quota and starting balance every student's project starts with."""

    __tablename__ = "lab_classes"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(32))
    # Limits by resource name across compute, volume and network ({"instances": 4, "gigabytes": 20, ...}).
    quota: Mapped[dict[str, Any]] = mapped_column(default=dict)
    balance: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]


class LabStudent(Base):
    """One student: a project and a user of their own. Only the hash of the student's issued password is kept
    (the same PBKDF2 hash Keystone stores), so a reset can put the issued password back; the password itself
    is shown once, on the sheets, and printing the sheets again issues a new one."""

    __tablename__ = "lab_students"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    class_name: Mapped[str] = mapped_column(ForeignKey("lab_classes.name", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    project_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    # Databases made before passwords were hashed had the plain password here; it is kept empty (and emptied
    # at start) so those databases stay readable without a migration.
    legacy_password: Mapped[str] = mapped_column("password", String(128), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class LabProgress(Base):
    """The latest result of one lab's checks for one project (a re-check replaces it; the best is kept)."""

    __tablename__ = "lab_progress"
    __table_args__ = (UniqueConstraint("project_id", "lab_id", name="uq_lab_progress_project_lab"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    project_name: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    user_name: Mapped[str] = mapped_column(String(255))
    lab_id: Mapped[str] = mapped_column(String(16))
    passed: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    completed: Mapped[bool] = mapped_column(default=False)
    # When the lab was first completed (kept across later failing checks: progress is not lost by a reset).
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
