"""Tables of the lab admin API: classes and their students (the starting state a reset returns to), and the
progress the cloud records when it runs a lab's checks."""

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


class LabStudentDomain(Base):
    """A student's own Keystone domain, where they hold the admin role (a domain admin: its users, groups and
    projects, nothing else). A table of its own, so classes made before domains were given gain it by
    `create_all`; their students gain a domain at their next reset."""

    __tablename__ = "lab_student_domains"

    student: Mapped[str] = mapped_column(ForeignKey("lab_students.name", ondelete="CASCADE"), primary_key=True)
    domain_id: Mapped[str] = mapped_column(String(64))


class LabProgress(Base):
    """One lab's result for one project, written only by the cloud: the latest result, and when and how the
    lab was passed.

    `method` says how the latest result came about: `earned` (the cloud ran the checks on the student's own
    work and all passed), `checked` (it ran them and some failed), `solved` (`stacklab solve` applied the
    reference solution; checks passing after a solve stay `solved` until the project is reset) or `reset`
    (the student's project was reset to its starting state, so the work is gone)."""

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
    method: Mapped[str] = mapped_column(String(16), default="checked")
    # True once the lab was passed, earned or solved (kept across later failing checks and resets).
    completed: Mapped[bool] = mapped_column(default=False)
    completed_at: Mapped[datetime | None]
    earned_at: Mapped[datetime | None] = mapped_column(default=None)  # the first earned pass
    solved_at: Mapped[datetime | None] = mapped_column(default=None)  # the latest `stacklab solve`
    reset_at: Mapped[datetime | None] = mapped_column(default=None)  # the latest reset of the project
    # Who wrote the latest result: the student (their check or solve), or an admin recording it by hand.
    recorded_by: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[datetime]

    @property
    def grade(self) -> str:
        """What the class grid shows: earned, solved, reset (never passed, then reset), n/m, or ''."""
        if self.earned_at is not None:
            return "earned"
        if self.solved_at is not None:
            return "solved"
        if self.method == "reset":
            return "reset"
        return f"{self.passed}/{self.total}"

    @property
    def graded_at(self) -> datetime | None:
        """When the grade was reached (the earned pass, the solve, else the latest result)."""
        return self.earned_at or self.solved_at or self.updated_at

    @property
    def solved_since_reset(self) -> bool:
        return self.solved_at is not None and (self.reset_at is None or self.solved_at >= self.reset_at)


class DrillRun(Base):
    """One drill injected into one student's project: what inject made or broke (`state`, the names its check
    and undo need), who started it and when, the hints given, and when the cloud saw it repaired. Written only
    by the cloud (the instructor starts and undoes, the cloud's check records the repair)."""

    __tablename__ = "lab_drill_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    drill_id: Mapped[str] = mapped_column(String(48), index=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    project_name: Mapped[str] = mapped_column(String(64))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_by: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime]
    hints_given: Mapped[int] = mapped_column(Integer, default=0)
    checks: Mapped[int] = mapped_column(Integer, default=0)
    repaired_at: Mapped[datetime | None] = mapped_column(default=None)
    repaired_by: Mapped[str] = mapped_column(String(255), default="")
    undone_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def status(self) -> str:
        """active (broken, not yet repaired), repaired (the cloud saw the fix) or undone (by the instructor)."""
        if self.undone_at is not None:
            return "undone"
        return "repaired" if self.repaired_at is not None else "active"


class DrillSchedule(Base):
    """A drill to start later by the lab clock ("during the night"): who asked (their user and project, so the
    cloud can act as them when it is due), for whom, and what became of it: the run it started, or why it
    could not be injected, or that the instructor called it off. A table of its own, so older labs gain it."""

    __tablename__ = "lab_drill_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    drill_id: Mapped[str] = mapped_column(String(48), index=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    project_name: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(index=True)
    scheduled_at: Mapped[datetime]
    scheduled_by: Mapped[str] = mapped_column(String(255))
    by_user_id: Mapped[str] = mapped_column(String(64))
    by_project_id: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str] = mapped_column(String(1024), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def status(self) -> str:
        """scheduled (not due yet, or being injected), started, failed (the injection was refused) or
        cancelled (undone before it was due)."""
        if self.cancelled_at is not None:
            return "cancelled"
        if self.error:
            return "failed"
        return "started" if self.run_id is not None else "scheduled"


class ExamSession(Base):
    """One student's mock exam: the paper drawn for them (tasks with their parameters), the time window, and,
    once graded by the cloud (the checks run as the student), the per-task results and the scores. Written only
    by the cloud."""

    __tablename__ = "lab_exam_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    exam_id: Mapped[str] = mapped_column(String(32))
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    project_name: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(Integer)
    paper: Mapped[list[Any]] = mapped_column(default=list)
    started_by: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime]
    deadline: Mapped[datetime]
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    results: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {task id: "" (passed) or what is wrong}
    score: Mapped[dict[str, Any]] = mapped_column(default=dict)

    @property
    def status(self) -> str:
        return "graded" if self.submitted_at is not None else "running"


class ExamTaker(Base):
    """Whose exam a session is (the student's user), so the cloud can grade it as them at time-up, when nobody
    is signed in. A table of its own, so older labs gain it; a session without one is graded as the class
    student of its project."""

    __tablename__ = "lab_exam_takers"

    session_id: Mapped[int] = mapped_column(ForeignKey("lab_exam_sessions.id", ondelete="CASCADE"),
                                            primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
