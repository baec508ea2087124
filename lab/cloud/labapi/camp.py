"""The training camp's part of the lab admin API: progress, classes, resets and snapshots (behaviour in
`lab.camp`; here the policy checks and input validation around it)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lab.camp.labs import LAB_ID, LabError, find_lab, labs_dir
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Forbidden, NotFound
from lab.cloud.identity.models import User
from lab.cloud.labapi.classes import ClassManager, StudentCredentials, parse_quota
from lab.cloud.labapi.models import LabClass, LabProgress, LabStudent
from lab.cloud.labapi.reset import ResetReport, reset_student
from lab.cloud.labapi.snapshots import SnapshotInfo, SnapshotStore

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


class CampMixin:
    cloud: Cloud

    @property
    def classes(self) -> ClassManager:
        return ClassManager(self.cloud)

    @property
    def snapshots(self) -> SnapshotStore:
        return SnapshotStore(self.cloud)

    # ------------------------------------------------------------------ progress
    def record_progress(self, ctx: RequestContext, body: dict[str, Any]) -> LabProgress:
        """A student records the result of `stacklab check` for their own project (403 for another's)."""
        self.cloud.policy.enforce(ctx, "lab:record_progress")
        lab_id = body.get("lab_id")
        if not isinstance(lab_id, str) or not LAB_ID.match(lab_id):
            raise BadRequest(f"Invalid input for field 'lab_id': {lab_id!r} is not a lab id such as '2.3'.")
        if labs_dir().is_dir():
            try:
                find_lab(lab_id)
            except LabError as exc:
                raise NotFound(str(exc)) from None
        project_id = body.get("project_id", ctx.project_id)
        if ctx.project_id is None or project_id != ctx.project_id:  # a domain-scoped token has no project
            raise Forbidden("You may only record progress for your own project.")
        passed, total = body.get("passed"), body.get("total")
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (passed, total)) \
                or passed > total:  # type: ignore[operator]
            raise BadRequest("Invalid input: 'passed' and 'total' must be integers with 0 <= passed <= total.")
        assert isinstance(passed, int) and isinstance(total, int) and ctx.project_id is not None
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            row = db.scalar(select(LabProgress).where(LabProgress.project_id == ctx.project_id,
                                                      LabProgress.lab_id == lab_id))
            if row is None:
                row = LabProgress(project_id=ctx.project_id, lab_id=lab_id, completed=False)
                db.add(row)
            row.project_name = ctx.project_name or ""
            row.user_id, row.user_name = ctx.user_id, ctx.user_name
            row.passed, row.total, row.updated_at = passed, total, now
            row.completed = total > 0 and passed == total
            if row.completed and row.completed_at is None:
                row.completed_at = now
        return row

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
        return self.classes.create_class(body.get("name", ""), body.get("students"),  # type: ignore[arg-type]
                                         body.get("prefix") or "student", parse_quota(body.get("quota")),
                                         None if body.get("balance") is None else str(body["balance"]))

    def add_student(self, ctx: RequestContext, class_name: str, body: dict[str, Any]) -> StudentCredentials:
        self.cloud.policy.enforce(ctx, "lab:admin")
        name = body.get("name")
        if not isinstance(name, str):
            raise BadRequest("Invalid input: 'name' (the student's name, e.g. student07) is required.")
        return self.classes.add_student(class_name, name)

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

    def _reset(self, student: LabStudent) -> ResetReport:
        started = time.perf_counter()
        cls = self.classes.get_class(student.class_name)
        removed = reset_student(self.cloud, student, cls)  # atomic: all of it or (on an error) none of it
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
