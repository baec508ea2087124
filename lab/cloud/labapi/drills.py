"""Troubleshooting drills on the cloud side: the instructor starts a drill for students (the cloud injects the
fault as the admin, into each student's project, and keeps what it did), the student asks for hints and checks,
and the cloud records the repair the first time the drill's check passes; the instructor undoes. A start may
be scheduled for a later lab time ("during the night"): the lab's periodic task starts it then (timers.py).

Like grading, the drill's own code (lab.camp.drills, the drills/ folders) talks to this cloud over its HTTP
port with the caller's own token: inject and undo with the instructor's, the check with the caller's, so a
student's check sees exactly their own project. A student can neither start, undo nor mark a drill.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lab.camp.drills import DRILL_ID, Drill, DrillEnv, DrillError, find_drill, load_drills
from lab.cloud.clock import parse_duration
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, CloudError, Conflict, Forbidden, NotFound
from lab.cloud.labapi.camp import iso
from lab.cloud.labapi.grading import connect_as
from lab.cloud.labapi.models import DrillRun, DrillSchedule, LabStudent
from lab.cloud.labapi.targets import chosen_students, visible_rows
from lab.cloud.labapi.timers import Background

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


class Drills:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.background = Background("night-drills")

    # ------------------------------------------------------------------ the catalogue
    def list_drills(self, ctx: RequestContext) -> list[Drill]:
        self.cloud.policy.enforce(ctx, "lab:list_drills")
        try:
            return load_drills()
        except DrillError:
            return []

    def _drill(self, drill_id: Any) -> Drill:
        if not isinstance(drill_id, str) or not DRILL_ID.match(drill_id):
            raise BadRequest(f"Invalid input for field 'drill_id': {drill_id!r} is not a drill id such as "
                             "'net-dhcp-off'.")
        try:
            return find_drill(drill_id)
        except DrillError as exc:
            raise NotFound(str(exc)) from None

    def _admin_env(self, ctx: RequestContext, token: str, student: LabStudent) -> DrillEnv:
        assert ctx.project_id is not None
        return self._env(connect_as(self.cloud, token, ctx.project_id), student)

    def _env(self, conn: Any, student: LabStudent) -> DrillEnv:
        """The drill's view: `conn` (the admin's for inject and undo, the caller's for a check), and the student
        themselves, through a token the cloud issues in their name when a drill sets something up as them."""
        def as_student() -> Any:
            token = self.cloud.identity.issue_token_for(student.user_id, student.project_id)
            return connect_as(self.cloud, token, student.project_id)

        return DrillEnv(conn, student.project_id, student.name, as_student)

    def _active(self, db: Any, drill_id: str, project_id: str) -> DrillRun | None:
        return db.scalar(select(DrillRun).where(DrillRun.drill_id == drill_id, DrillRun.project_id == project_id,
                                                DrillRun.undone_at.is_(None)).order_by(DrillRun.id.desc()))

    # ------------------------------------------------------------------ the instructor's
    def start(self, ctx: RequestContext, token: str, drill_id: str,
              body: dict[str, Any]) -> list[DrillRun | DrillSchedule]:
        """Inject the drill into each student's project (admin), or with `in` (a duration) or `at` (a lab time)
        schedule it for then; with `background`, schedule it for now and inject in a thread (a class's start
        returns at once, and the schedules and runs show the progress). 409, changing nothing, when one already
        has it running or scheduled; a refused injection is a 409 saying what failed (the students before it
        stay started)."""
        self.cloud.policy.enforce(ctx, "lab:admin")
        if ctx.project_id is None:
            raise Forbidden("Start a drill with a project-scoped token.")
        drill = self._drill(drill_id)
        due = self._due_at(body)
        background = body.get("background", False)
        if not isinstance(background, bool) or (background and due is not None):
            raise BadRequest("Invalid input for field 'background': true or false, for a start now (a start with "
                             "'in' or 'at' is in the background anyway).")
        students = chosen_students(self.cloud, body)
        if drill.scope == "lab" and len(students) > 1:
            raise BadRequest(f"Drill {drill.id} breaks the whole lab, not one project: start it for one student "
                             "(the one on the projector), with --student.")
        for student in students:
            self._refuse_twice(drill, student)
        if background:  # a class's start as a job: scheduled for now, injected in the background (timers.Background)
            rows = self._schedule(ctx, drill, students, self.cloud.clock.now())
            self.start_due()
            return list(rows)
        if due is not None:
            return list(self._schedule(ctx, drill, students, due))
        project_id = ctx.project_id
        return [self._inject(drill, student, lambda: connect_as(self.cloud, token, project_id), ctx.user_name)
                for student in students]

    def _due_at(self, body: dict[str, Any]) -> datetime | None:
        """When a scheduled start is for, by the lab clock: `in` ("8h") from now, or `at` (ISO 8601, UTC)."""
        if "in" in body and "at" in body:
            raise BadRequest("Invalid input: give 'in' (a duration) or 'at' (a lab time), not both.")
        now = self.cloud.clock.now()
        if "in" in body:
            try:
                delta = parse_duration(body["in"]) if isinstance(body["in"], str) else None
            except ValueError as exc:
                raise BadRequest(f"Invalid input for field 'in': {exc}") from None
            if delta is None or delta <= timedelta():
                raise BadRequest("Invalid input for field 'in': a positive duration such as '8h'.")
            return now + delta
        if "at" in body:
            try:
                at = datetime.fromisoformat(str(body["at"]).replace("Z", "+00:00")) if isinstance(body["at"], str) \
                    else None
            except ValueError:
                at = None
            if at is None:
                raise BadRequest("Invalid input for field 'at': a lab time such as '2026-12-03T06:00:00Z'.")
            at = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
            if at <= now:
                raise BadRequest(f"Invalid input for field 'at': {body['at']} is not after the lab's now "
                                 f"({iso(now)}); `stacklab clock show`.")
            return at
        return None

    def _refuse_twice(self, drill: Drill, student: LabStudent) -> None:
        with self.cloud.db.read() as db:
            if self._active(db, drill.id, student.project_id) is not None:
                raise Conflict(f"Drill {drill.id} is already running for {student.name}: undo it first "
                               f"(`stacklab drill undo {drill.id} --student {student.name}`).")
            if self._pending(db, drill.id, student.project_id) is not None:
                raise Conflict(f"Drill {drill.id} is already scheduled for {student.name} (`stacklab drill "
                               f"undo {drill.id} --student {student.name}` calls it off).")

    def _pending(self, db: Any, drill_id: str, project_id: str) -> DrillSchedule | None:
        return db.scalar(select(DrillSchedule).where(
            DrillSchedule.drill_id == drill_id, DrillSchedule.project_id == project_id, DrillSchedule.run_id.is_(None),
            DrillSchedule.error == "", DrillSchedule.cancelled_at.is_(None)))

    def _inject(self, drill: Drill, student: LabStudent, admin: Callable[[], Any], started_by: str) -> DrillRun:
        """Inject into one student's project with the admin connection `admin()` makes; the run it records."""
        env = self._env(admin(), student)
        try:
            state = drill.inject(env)
        except Exception as exc:
            cleaned = self._undo_partial(drill, env)
            raise Conflict(f"Drill {drill.id} could not be injected for {student.name}: "
                           f"{type(exc).__name__}: {exc}{cleaned}") from None
        finally:
            env.close()
        with self.cloud.db.write() as db:
            run = DrillRun(drill_id=drill.id, project_id=student.project_id, project_name=student.name,
                           state=state, started_by=started_by, started_at=self.cloud.clock.now(), hints_given=0,
                           checks=0, repaired_by="")
            db.add(run)
        return run

    @staticmethod
    def _undo_partial(drill: Drill, env: DrillEnv) -> str:
        """After a failed inject: undo what it recorded in `env.made`; a note for the error message."""
        if not env.made:
            return ""
        try:
            drill.undo(env, dict(env.made))
        except Exception as exc:  # said, not raised: the injection's own failure is the answer
            return f" (and undoing what it had made failed: {type(exc).__name__}: {exc})"
        return " (what it had made is removed again)"

    def _schedule(self, ctx: RequestContext, drill: Drill, students: list[LabStudent],
                  due: datetime) -> list[DrillSchedule]:
        assert ctx.project_id is not None
        with self.cloud.db.write() as db:
            rows = [DrillSchedule(drill_id=drill.id, project_id=s.project_id, project_name=s.name, due_at=due,
                                  scheduled_at=self.cloud.clock.now(), scheduled_by=ctx.user_name,
                                  by_user_id=ctx.user_id, by_project_id=ctx.project_id, error="")
                    for s in students]
            db.add_all(rows)
        return rows

    def start_due(self) -> threading.Thread | None:
        """The scheduled drills whose time has come, started in a background thread (lab/cloud/labapi/timers.py)
        as the instructor who scheduled them, with a token the cloud issues in their name."""
        now = self.cloud.clock.now()
        with self.cloud.db.read() as db:
            due = list(db.scalars(select(DrillSchedule).where(
                DrillSchedule.due_at <= now, DrillSchedule.run_id.is_(None), DrillSchedule.error == "",
                DrillSchedule.cancelled_at.is_(None)).order_by(DrillSchedule.due_at, DrillSchedule.id)))
        return self.background.run(((row.id, row.id) for row in due), self._start_scheduled)

    def _start_scheduled(self, schedule_id: int) -> None:
        with self.cloud.db.read() as db:
            row = db.get(DrillSchedule, schedule_id)
            student = db.get(LabStudent, row.project_name) if row is not None else None
        if row is None or row.status != "scheduled":
            return  # called off (or done) since it was found due
        run_id, error = None, ""
        try:
            if student is None or student.project_id != row.project_id:
                raise NotFound(f"Could not find student: {row.project_name}.")
            drill = self._drill(row.drill_id)
            with self.cloud.db.read() as db:
                if self._active(db, drill.id, student.project_id) is not None:
                    raise Conflict(f"Drill {drill.id} was already running for {student.name}.")
            token = self.cloud.identity.issue_token_for(row.by_user_id, row.by_project_id)
            run_id = self._inject(drill, student, lambda: connect_as(self.cloud, token, row.by_project_id),
                                  row.scheduled_by).id
        except CloudError as exc:
            error = exc.message
        with self.cloud.db.write() as db:
            done = db.get(DrillSchedule, schedule_id)
            if done is not None:
                done.run_id, done.error = run_id, error[:1024]

    def undo(self, ctx: RequestContext, token: str, drill_id: str,
             body: dict[str, Any]) -> list[DrillRun | DrillSchedule]:
        """Remove what the drill made in each named student's project (admin), or call off a start that is
        only scheduled; 404 when it neither runs nor is scheduled."""
        self.cloud.policy.enforce(ctx, "lab:admin")
        if ctx.project_id is None:
            raise Forbidden("Undo a drill with a project-scoped token.")
        drill = self._drill(drill_id)
        done: list[DrillRun | DrillSchedule] = []
        for student in chosen_students(self.cloud, body):
            with self.cloud.db.write() as db:
                pending = self._pending(db, drill.id, student.project_id)
                if pending is not None:
                    pending.cancelled_at = self.cloud.clock.now()
                    done.append(pending)
                    continue
                run = self._active(db, drill.id, student.project_id)
            if run is None:
                if body.get("all") is True:
                    continue
                raise NotFound(f"Drill {drill.id} is not running for {student.name}.")
            env = self._admin_env(ctx, token, student)
            try:
                drill.undo(env, dict(run.state))
            except Exception as exc:
                raise Conflict(f"Drill {drill.id} could not be undone for {student.name}: "
                               f"{type(exc).__name__}: {exc}") from None
            finally:
                env.close()
            with self.cloud.db.write() as db:
                row = _get(db, run.id)
                row.undone_at = self.cloud.clock.now()
            done.append(row)
        return done

    def list_schedules(self, ctx: RequestContext) -> list[DrillSchedule]:
        """The drills scheduled and not started (still to come, refused or called off): for the instructor only,
        so a night-time fault stays a surprise."""
        if not ctx.is_admin:
            return []
        with self.cloud.db.read() as db:
            return list(db.scalars(select(DrillSchedule).where(DrillSchedule.run_id.is_(None))
                                   .order_by(DrillSchedule.project_name, DrillSchedule.id)))

    def list_runs(self, ctx: RequestContext) -> list[DrillRun]:
        """Every run (admin), else the caller's own project's."""
        self.cloud.policy.enforce(ctx, "lab:list_drills")
        return visible_rows(self.cloud, ctx, DrillRun)

    # ------------------------------------------------------------------ the student's
    def _run_for(self, ctx: RequestContext, drill: Drill, student_name: Any) -> tuple[DrillRun, str]:
        """The running drill of the caller's project, or (admin) of the named student's: (run, project name)."""
        with self.cloud.db.read() as db:
            project_id = ctx.project_id
            if student_name is not None:
                if not ctx.is_admin:
                    raise Forbidden("You may only work on the drills of your own project.")
                student = db.get(LabStudent, str(student_name))
                if student is None:
                    raise NotFound(f"Could not find student: {student_name}.")
                project_id = student.project_id
            run = self._active(db, drill.id, project_id or "")
        if run is None:
            raise NotFound(f"Drill {drill.id} is not running in your project (`stacklab drill status`).")
        return run, run.project_name

    def hint(self, ctx: RequestContext, drill_id: str) -> tuple[DrillRun, list[str], int]:
        """The next hint (each call gives one more, counted on the run): the hints given so far, and how
        many the drill has."""
        self.cloud.policy.enforce(ctx, "lab:drill_check")
        drill = self._drill(drill_id)
        run, _ = self._run_for(ctx, drill, None)
        with self.cloud.db.write() as db:
            row = _get(db, run.id)
            row.hints_given = min(row.hints_given + 1, len(drill.hints))
        return row, drill.hints_for(dict(row.state), row.hints_given), len(drill.hints)

    def check(self, ctx: RequestContext, token: str, drill_id: str,
              student: Any = None) -> tuple[DrillRun, str]:
        """Run the drill's check as the caller (a student on their project; an admin naming the student, for
        the drills only an admin can repair) and record the first pass: (run, '' or what is still wrong).
        Blocking: call it from a worker thread."""
        self.cloud.policy.enforce(ctx, "lab:drill_check")
        if ctx.project_id is None:
            raise Forbidden("A drill is checked with a project-scoped token.")
        drill = self._drill(drill_id)
        run, project_name = self._run_for(ctx, drill, student)
        env = DrillEnv(connect_as(self.cloud, token, ctx.project_id), run.project_id, project_name)
        problem = ""
        try:
            drill.check(env, dict(run.state))
        except AssertionError as exc:
            problem = str(exc) or "not repaired yet"
        except Exception as exc:  # what the cloud answered the check, as the caller would see it
            problem = f"{type(exc).__name__}: {exc}"
        finally:
            env.close()
        with self.cloud.db.write() as db:
            row = _get(db, run.id)
            row.checks += 1
            if not problem and row.repaired_at is None:
                row.repaired_at, row.repaired_by = self.cloud.clock.now(), ctx.user_name
        return row, problem


def _get(db: Any, run_id: int) -> DrillRun:
    row = db.get(DrillRun, run_id)
    assert row is not None  # runs are never deleted
    return row
