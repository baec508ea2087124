"""The training camp's part of the lab admin API: progress (written by `grading`), classes, resets and
snapshots; here the policy checks and input validation around them."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Forbidden, NotFound
from lab.cloud.identity.models import User
from lab.cloud.labapi.classes import ClassManager, StudentCredentials, parse_quota
from lab.cloud.labapi.grading import Grading
from lab.cloud.labapi.models import LabClass, LabProgress, LabStudent
from lab.cloud.labapi.reset import ResetReport, reset_student
from lab.cloud.labapi.snapshots import SnapshotInfo, SnapshotStore

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


class Camp:
    """Progress, classes, resets and snapshots: the policy checks and input validation around them."""

    def __init__(self, cloud: Cloud, grading: Grading):
        self.cloud, self.grading = cloud, grading

    @property
    def classes(self) -> ClassManager:
        return ClassManager(self.cloud)

    @property
    def snapshots(self) -> SnapshotStore:
        return SnapshotStore(self.cloud)

    # ------------------------------------------------------------------ progress
    def list_progress(self, ctx: RequestContext, project_id: str | None = None) -> list[LabProgress]:
        """Admins see every project's progress (or one's); anyone else sees their own project's."""
        if not ctx.is_admin:
            if project_id not in (None, ctx.project_id):
                raise Forbidden("You may only read the progress of your own project.")
            project_id = ctx.project_id
        with self.cloud.db.read() as db:
            query = select(LabProgress).order_by(LabProgress.project_name, LabProgress.lab_id)
            if project_id is not None:
                query = query.where(LabProgress.project_id == project_id)
            return list(db.scalars(query))

    # ------------------------------------------------------------------ classes
    def create_class(self, ctx: RequestContext, body: dict[str, Any]) -> LabClass:
        self.cloud.policy.enforce(ctx, "lab:admin")
        quota = parse_quota(body.get("quota"), self.cloud.quotas.names())
        return self.classes.create_class(body.get("name", ""), body.get("students"),  # type: ignore[arg-type]
                                         body.get("prefix") or "student", quota,
                                         None if body.get("balance") is None else str(body["balance"]))

    def add_student(self, ctx: RequestContext, class_name: str, body: dict[str, Any]) -> StudentCredentials:
        self.cloud.policy.enforce(ctx, "lab:admin")
        name = body.get("name")
        if not isinstance(name, str):
            raise BadRequest("Invalid input: 'name' (the student's name, e.g. student07) is required.")
        return self.classes.add_student(class_name, name)

    def reissue_password(self, ctx: RequestContext, name: str) -> StudentCredentials:
        """A new password for a student, to print their sheet again (admin only)."""
        self.cloud.policy.enforce(ctx, "lab:admin")
        return self.classes.reissue_password(name)

    def list_classes(self, ctx: RequestContext) -> list[tuple[LabClass, int]]:
        self.cloud.policy.enforce(ctx, "lab:admin")
        return self.classes.list_classes()

    def get_class(self, ctx: RequestContext, name: str) -> tuple[LabClass, list[LabStudent]]:
        self.cloud.policy.enforce(ctx, "lab:admin")
        return self.classes.get_class(name), self.classes.students(name)

    # ------------------------------------------------------------------ resets
    def _student_for(self, ctx: RequestContext, name: str) -> LabStudent:
        """The student called `name`, if the caller may reset them: an admin, or the student themself."""
        self.cloud.policy.enforce(ctx, "lab:reset_own")
        with self.cloud.db.read() as db:
            student = db.get(LabStudent, name)
        if student is None:
            if not ctx.is_admin:
                raise Forbidden(f"You may only reset your own project, not {name}.")
            raise NotFound(f"Could not find student: {name}. See `stacklab class progress` for the class list.")
        if not ctx.is_admin and student.project_id != ctx.project_id:
            raise Forbidden(f"You may only reset your own project, not {name}.")
        return student

    def reset_student(self, ctx: RequestContext, name: str) -> ResetReport:
        student = self._student_for(ctx, name)
        return self._reset(student)

    def reset_project(self, project_id: str) -> ResetReport | None:
        """Reset the class student whose project this is (None when it is no student's: nothing to go back to).
        The caller has checked who may do it."""
        with self.cloud.db.read() as db:
            student = db.scalar(select(LabStudent).where(LabStudent.project_id == project_id))
        return None if student is None else self._reset(student)

    def _reset(self, student: LabStudent) -> ResetReport:
        started = time.perf_counter()
        cls = self.classes.get_class(student.class_name)
        domain_id = self.classes.ensure_domain(student.name)  # a student of an older class gains theirs now
        removed = reset_student(self.cloud, student, cls, domain_id)  # atomic: all or (on an error) none of it
        self.grading.mark_reset(student.project_id)
        return ResetReport(student.project_id, removed, time.perf_counter() - started)

    def reset_class(self, ctx: RequestContext, class_name: str | None) -> list[tuple[str, ResetReport]]:
        """Reset every student of a class (or of every class when `class_name` is None): each student's reset
        is atomic; the loop stops at the first refused one (those before it stay reset)."""
        self.cloud.policy.enforce(ctx, "lab:admin")
        if class_name is not None:
            self.classes.get_class(class_name)
        return [(s.name, self._reset(s)) for s in self.classes.students(class_name)]

    def user_name(self, user_id: str) -> str | None:
        with self.cloud.db.read() as db:
            user = db.get(User, user_id)
            return user.name if user else None

    # ------------------------------------------------------------------ snapshots
    def list_snapshots(self, ctx: RequestContext) -> list[SnapshotInfo]:
        self.cloud.policy.enforce(ctx, "lab:admin")
        return self.snapshots.list()

    def save_snapshot(self, ctx: RequestContext, name: Any) -> SnapshotInfo:
        self.cloud.policy.enforce(ctx, "lab:admin")
        return self.snapshots.save(name)

    def restore_snapshot(self, ctx: RequestContext, name: str) -> SnapshotInfo:
        self.cloud.policy.enforce(ctx, "lab:admin")
        return self.snapshots.restore(name)

    def delete_snapshot(self, ctx: RequestContext, name: str) -> None:
        self.cloud.policy.enforce(ctx, "lab:admin")
        self.snapshots.delete(name)


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")
