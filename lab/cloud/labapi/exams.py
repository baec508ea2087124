"""The mock exam on the cloud side: a student (or the instructor, for some students or all of them at once, with
one time window) starts an exam; the cloud draws the paper from the student's seed and keeps it with the
deadline; `submit` has the cloud run every task's check as the student (their own token, their own project)
and keep per-task results and scores. Nobody writes a result: not the student, not the instructor.

Each paper has its own starting state: what its tasks start from (a volume to extend, a router to connect),
made in the student's project as the student before the time window opens. That start is kept as the paper
(the seed, the drawn parameters) over the class's starting state, both rebuilt exactly on demand, so a student
can go back to it: `reset` during the exam (the class's start, then the paper's setups again; the deadline
stays), or `start` with `fresh` for a new attempt from the same start (without a seed: the last paper again).
A project that is no class student's has no starting state to go back to (409; a lab snapshot is the way).

At the deadline the paper closes by itself: the lab's periodic task (timers.py) grades every running exam
whose time is up, as its student (with a token the cloud issues in their name), on what is there, and marks
it `graded_by: time-up`. A student who submits in the few seconds before that is still graded, marked `late`
(the cloud cannot look at a project as it was at the deadline).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lab.camp.engine import LabEnv
from lab.camp.exam import Exam, ExamError, load_exam
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, CloudError, Conflict, Forbidden, NotFound
from lab.cloud.labapi.camp import Camp
from lab.cloud.labapi.grading import connect_as
from lab.cloud.labapi.models import ExamSession, ExamTaker, LabStudent
from lab.cloud.labapi.targets import chosen_students, visible_rows
from lab.cloud.labapi.timers import Background

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

MAX_MINUTES = 600


class Exams:
    def __init__(self, cloud: Cloud, camp: Camp):
        self.cloud, self.camp = cloud, camp
        self.background = Background("exam-time-up")

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
        """Start the exam for the caller's project, or (admin) for the named students or all of them: draw each
        paper, make its starting state in the project (the tasks' setups, as the student), then open one time
        window for all. With `fresh`, each project is first put back to the class's starting state, and without
        a `seed` each student redoes the paper of their last exam (a redo from the same start). Blocking: the
        setups call this cloud's APIs (a worker thread)."""
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
            for project_id, name, _user in targets:
                if self._open(db, project_id) is not None:
                    raise Conflict(f"{name} has an exam running: submit it first (`stacklab exam submit`).")
        if fresh:  # the project back to the class's starting state, so the paper is done from the same start
            self.cloud.policy.enforce(ctx, "lab:reset_own")
            for project_id, name, _user in targets:
                self._class_student(project_id, name)
            for project_id, _name, _user in targets:
                self.camp.reset_project(project_id)
        papers = []
        for number, (project_id, name, user_id) in enumerate(targets):
            own_seed = seed + number if seed is not None else self._last_seed(project_id) if fresh else None
            own_seed = secrets.randbelow(2**31) if own_seed is None else own_seed
            papers.append((project_id, name, user_id, own_seed, exam.draw(own_seed, self.services())))
        self._prepare_all(exam, [(project_id, name, user_id, paper) for project_id, name, user_id, _, paper in papers])
        now = self.cloud.clock.now()  # the window opens when every paper's starting state is there
        made = []
        with self.cloud.db.write() as db:
            for project_id, name, _user in targets:
                if self._open(db, project_id) is not None:
                    raise Conflict(f"{name} has an exam running: submit it first (`stacklab exam submit`).")
            for project_id, name, user_id, own_seed, paper in papers:
                row = ExamSession(exam_id=exam.id, project_id=project_id, project_name=name, seed=own_seed,
                                  paper=paper, started_by=ctx.user_name,
                                  started_at=now, deadline=now + timedelta(minutes=minutes), results={}, score={})
                db.add(row)
                db.flush()
                db.add(ExamTaker(session_id=row.id, user_id=user_id))
                made.append(row)
        return made

    def _last_seed(self, project_id: str) -> int | None:
        with self.cloud.db.read() as db:
            return db.scalar(select(ExamSession.seed).where(ExamSession.project_id == project_id)
                             .order_by(ExamSession.id.desc()))

    def _class_student(self, project_id: str, name: str) -> LabStudent:
        """The class student of the project: only theirs has a starting state to go back to (409 otherwise)."""
        with self.cloud.db.read() as db:
            student = db.scalar(select(LabStudent).where(LabStudent.project_id == project_id))
        if student is None:
            raise Conflict(f"{name} is no class student's project: it has no starting state to go back to. On a "
                           "lab of your own, `stacklab snapshot save before-exam` before the exam and `stacklab "
                           "snapshot restore before-exam` go back.")
        return student

    def _prepare_all(self, exam: Exam, papers: list[tuple[str, str, str, list[dict[str, Any]]]]) -> None:
        """Each paper's starting state in its project, as its student, a few at once (a class's 40 papers)."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="exam-prepare") as pool:
            for done in [pool.submit(self._prepare, exam, *paper) for paper in papers]:
                done.result()

    def _prepare(self, exam: Exam, project_id: str, name: str, user_id: str, paper: list[dict[str, Any]]) -> None:
        """The paper's starting state in the project, made as the student with a token the cloud issues for them
        (what a student does in their project); 409 saying what failed."""
        if not any(exam.setup_fn(task["id"]) for task in paper):
            return
        try:
            token = self.cloud.identity.issue_token_for(user_id, project_id)
            conn = connect_as(self.cloud, token, project_id)
        except CloudError as exc:
            raise Conflict(f"The exam could not be prepared for {name}: {exc.message}") from None
        try:
            exam.prepare(LabEnv(conn), paper)
        except Exception as exc:  # what the cloud answered a setup
            raise Conflict(f"The exam could not be prepared for {name}: {type(exc).__name__}: {exc}") from None
        finally:
            conn.close()

    def reset(self, ctx: RequestContext) -> ExamSession:
        """Put the caller's project back to the start of their running exam: the class's starting state, then
        the paper's own (its setups again, from the same seed). The paper and the deadline stay. Blocking."""
        self.cloud.policy.enforce(ctx, "lab:reset_own")
        row = self._running(ctx, "`stacklab exam start` (or `start --fresh` to redo one)")
        student = self._class_student(row.project_id, row.project_name)
        self.camp.reset_project(row.project_id)
        self._prepare(self._exam(), row.project_id, row.project_name, student.user_id, list(row.paper))
        return row

    def _targets(self, ctx: RequestContext, body: dict[str, Any]) -> list[tuple[str, str, str]]:
        """(project id, name, the user who takes it) of each exam to start."""
        if body.get("all") is True or body.get("students"):
            self.cloud.policy.enforce(ctx, "lab:admin")
            return [(s.project_id, s.name, s.user_id) for s in chosen_students(self.cloud, body)]
        if ctx.project_id is None:
            raise Forbidden("An exam is taken in a project: use a project-scoped token.")
        return [(ctx.project_id, ctx.project_name or ctx.project_id, ctx.user_id)]

    def list(self, ctx: RequestContext) -> list[ExamSession]:
        """Every exam (admin), else the caller's project's."""
        self.cloud.policy.enforce(ctx, "lab:exam")
        return visible_rows(self.cloud, ctx, ExamSession)

    def submit(self, ctx: RequestContext, token: str) -> ExamSession:
        """Grade the caller's running exam: every task's check, as the caller. Blocking (a worker thread)."""
        row = self._running(ctx, "`stacklab exam start`")
        return self._grade(row, lambda: connect_as(self.cloud, token, row.project_id), "submitted")

    def _running(self, ctx: RequestContext, what_next: str) -> ExamSession:
        """The caller's project's running exam (403 without a project, 404 with none running)."""
        self.cloud.policy.enforce(ctx, "lab:exam")
        if ctx.project_id is None:
            raise Forbidden("An exam is taken in a project: use a project-scoped token.")
        with self.cloud.db.read() as db:
            row = self._open(db, ctx.project_id)
        if row is None:
            raise NotFound(f"You have no exam running: {what_next}.")
        return row

    def _grade(self, row: ExamSession, connect: Callable[[], Any], graded_by: str) -> ExamSession:
        """Run every task's check with the connection `connect()` makes (the student's) and keep the result.
        `graded_by`: "submitted" (by the student; late after the deadline) or "time-up" (by the lab itself at
        the deadline). The first grade stands: a submit racing the time-up gets the grade already kept."""
        exam = self._exam()
        results: dict[str, str] = {}
        try:
            conn = connect()
        except CloudError as exc:  # the student cannot be acted for (their user disabled): nothing is seen done
            results = {task["id"]: f"the cloud could not check as the student: {exc.message}" for task in row.paper}
        else:
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
        at = min(now, row.deadline) if graded_by == "time-up" else now
        score = exam.score(list(row.paper), {t for t, problem in results.items() if not problem})
        score.update(late=at > row.deadline, minutes_taken=round((at - row.started_at).total_seconds() / 60, 1),
                     graded_by=graded_by)
        with self.cloud.db.write() as db:
            graded = db.get(ExamSession, row.id)
            assert graded is not None
            if graded.submitted_at is None:
                graded.results, graded.score, graded.submitted_at = results, score, at
        return graded

    def grade_expired(self) -> threading.Thread | None:
        """The running exams whose time is up, graded in a background thread (lab/cloud/labapi/timers.py) as
        their students, with a token the cloud issues in each one's name: the paper closes by itself."""
        now = self.cloud.clock.now()
        with self.cloud.db.read() as db:
            due = list(db.scalars(select(ExamSession).where(ExamSession.submitted_at.is_(None),
                                                            ExamSession.deadline <= now)))
        return self.background.run(((row.id, row) for row in due), self._grade_at_time_up)

    def _grade_at_time_up(self, row: ExamSession) -> None:
        with self.cloud.db.read() as db:
            taker = db.get(ExamTaker, row.id)
            student = db.scalar(select(LabStudent).where(LabStudent.project_id == row.project_id))
        user_id = taker.user_id if taker is not None else student.user_id if student is not None else None

        def connect() -> Any:
            if user_id is None:
                raise NotFound(f"no user is known to take {row.project_name}'s exam")
            token = self.cloud.identity.issue_token_for(user_id, row.project_id)
            return connect_as(self.cloud, token, row.project_id)

        self._grade(row, connect, "time-up")

