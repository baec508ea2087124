"""The mock exam on the cloud side: a student (or the instructor, for some students or all of them at once, with
one time window) starts an exam; the cloud draws the paper from the student's seed and keeps it with the
deadline; `submit` has the cloud run every task's check as the student (their own token, their own project)
and keep per-task results and scores. Nobody writes a result: not the student, not the instructor.

A paper submitted after its deadline is still graded, on the state at that moment, and marked `late` (the
cloud cannot look at a project as it was at the deadline); the instructor sees who has not submitted yet.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lab.camp.engine import LabEnv
from lab.camp.exam import Exam, ExamError, load_exam
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, Forbidden, NotFound
from lab.cloud.labapi.camp import Camp
from lab.cloud.labapi.grading import connect_as
from lab.cloud.labapi.models import ExamSession
from lab.cloud.labapi.targets import chosen_students, visible_rows

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

MAX_MINUTES = 600


class Exams:
    def __init__(self, cloud: Cloud, camp: Camp):
        self.cloud, self.camp = cloud, camp

    def _exam(self) -> Exam:
        try:
            return load_exam()
        except ExamError as exc:
            raise NotFound(str(exc)) from None

    def services(self) -> set[str]:
        return {entry.type for plugin in self.cloud.plugins for entry in plugin.spec.catalog}

    def _open(self, db: Any, project_id: str) -> ExamSession | None:
        return db.scalar(select(ExamSession).where(ExamSession.project_id == project_id,
                                                   ExamSession.submitted_at.is_(None)))

    def start(self, ctx: RequestContext, body: dict[str, Any]) -> list[ExamSession]:
        """Start the exam for the caller's project, or (admin) for the named students or all of them; with
        `fresh`, each class student's project is first reset to the class's starting state (a redo)."""
        self.cloud.policy.enforce(ctx, "lab:exam")
        exam = self._exam()
        minutes = body.get("minutes", exam.minutes)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_MINUTES:
            raise BadRequest(f"Invalid input for field 'minutes': an integer from 1 to {MAX_MINUTES}.")
        seed = body.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            raise BadRequest("Invalid input for field 'seed': a non-negative integer.")
        fresh = body.get("fresh", False)
        if not isinstance(fresh, bool):
            raise BadRequest("Invalid input for field 'fresh': true or false.")
        targets = self._targets(ctx, body)
        with self.cloud.db.read() as db:
            for project_id, name in targets:
                if self._open(db, project_id) is not None:
                    raise Conflict(f"{name} has an exam running: submit it first (`stacklab exam submit`).")
        if fresh:  # the project back to the class's starting state, so the paper is done from the same start
            self.cloud.policy.enforce(ctx, "lab:reset_own")
            for project_id, _name in targets:
                self.camp.reset_project(project_id)
        now = self.cloud.clock.now()
        made = []
        with self.cloud.db.write() as db:
            for project_id, name in targets:
                if self._open(db, project_id) is not None:
                    raise Conflict(f"{name} has an exam running: submit it first (`stacklab exam submit`).")
            for number, (project_id, name) in enumerate(targets):
                own_seed = secrets.randbelow(2**31) if seed is None else seed + number
                row = ExamSession(exam_id=exam.id, project_id=project_id, project_name=name, seed=own_seed,
                                  paper=exam.draw(own_seed, self.services()), started_by=ctx.user_name,
                                  started_at=now, deadline=now + timedelta(minutes=minutes), results={}, score={})
                db.add(row)
                made.append(row)
        return made

    def _targets(self, ctx: RequestContext, body: dict[str, Any]) -> list[tuple[str, str]]:
        if body.get("all") is True or body.get("students"):
            self.cloud.policy.enforce(ctx, "lab:admin")
            return [(s.project_id, s.name) for s in chosen_students(self.cloud, body)]
        if ctx.project_id is None:
            raise Forbidden("An exam is taken in a project: use a project-scoped token.")
        return [(ctx.project_id, ctx.project_name or ctx.project_id)]

    def list(self, ctx: RequestContext) -> list[ExamSession]:
        """Every exam (admin), else the caller's project's."""
        self.cloud.policy.enforce(ctx, "lab:exam")
        return visible_rows(self.cloud, ctx, ExamSession)

    def submit(self, ctx: RequestContext, token: str) -> ExamSession:
        """Grade the caller's running exam: every task's check, as the caller. Blocking (a worker thread)."""
        self.cloud.policy.enforce(ctx, "lab:exam")
        if ctx.project_id is None:
            raise Forbidden("An exam is taken in a project: use a project-scoped token.")
        exam = self._exam()
        with self.cloud.db.read() as db:
            row = self._open(db, ctx.project_id)
        if row is None:
            raise NotFound("You have no exam running: `stacklab exam start`.")
        conn = connect_as(self.cloud, token, ctx.project_id)
        results: dict[str, str] = {}
        try:
            env = LabEnv(conn)
            for task in row.paper:
                try:
                    exam.task_fn(task["id"], "check")(env, task["params"])
                    results[task["id"]] = ""
                except AssertionError as exc:
                    results[task["id"]] = str(exc) or "not done"
                except Exception as exc:  # what the cloud answered the check
                    results[task["id"]] = f"{type(exc).__name__}: {exc}"
        finally:
            conn.close()
        now = self.cloud.clock.now()
        score = exam.score(list(row.paper), {t for t, problem in results.items() if not problem})
        score.update(late=now > row.deadline, minutes_taken=round((now - row.started_at).total_seconds() / 60, 1))
        with self.cloud.db.write() as db:
            graded = db.get(ExamSession, row.id)
            assert graded is not None
            graded.results, graded.score, graded.submitted_at = results, score, now
        return graded

