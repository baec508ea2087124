"""Troubleshooting drills on the cloud side: the instructor starts a drill for students (the cloud injects the
fault as the admin, into each student's project, and keeps what it did), the student asks for hints and checks,
and the cloud records the repair the first time the drill's check passes; the instructor undoes.

Like grading, the drill's own code (lab.camp.drills, the drills/ folders) talks to this cloud over its HTTP
port with the caller's own token: inject and undo with the instructor's, the check with the caller's, so a
student's check sees exactly their own project. A student can neither start, undo nor mark a drill.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lab.camp.drills import DRILL_ID, Drill, DrillEnv, DrillError, find_drill, load_drills
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, Forbidden, NotFound
from lab.cloud.labapi.grading import connect_as
from lab.cloud.labapi.models import DrillRun, LabStudent
from lab.cloud.labapi.targets import chosen_students, visible_rows

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


class Drills:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

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
    def start(self, ctx: RequestContext, token: str, drill_id: str, body: dict[str, Any]) -> list[DrillRun]:
        """Inject the drill into each student's project (admin). 409 when one already has it running (those
        before it stay started); a failed injection is undone and is a 409 saying what failed."""
        self.cloud.policy.enforce(ctx, "lab:admin")
        if ctx.project_id is None:
            raise Forbidden("Start a drill with a project-scoped token.")
        drill = self._drill(drill_id)
        students = chosen_students(self.cloud, body)
        runs = []
        for student in students:
            with self.cloud.db.read() as db:
                if self._active(db, drill.id, student.project_id) is not None:
                    raise Conflict(f"Drill {drill.id} is already running for {student.name}: undo it first "
                                   f"(`stacklab drill undo {drill.id} --student {student.name}`).")
            env = self._admin_env(ctx, token, student)
            try:
                state = drill.inject(env)
            except Exception as exc:
                raise Conflict(f"Drill {drill.id} could not be injected for {student.name}: "
                               f"{type(exc).__name__}: {exc}") from None
            finally:
                env.close()
            now = self.cloud.clock.now()
            with self.cloud.db.write() as db:
                run = DrillRun(drill_id=drill.id, project_id=student.project_id, project_name=student.name,
                               state=state, started_by=ctx.user_name, started_at=now, hints_given=0, checks=0,
                               repaired_by="")
                db.add(run)
            runs.append(run)
        return runs

    def undo(self, ctx: RequestContext, token: str, drill_id: str, body: dict[str, Any]) -> list[DrillRun]:
        """Remove what the drill made in each named student's project (admin); 404 when it is not running."""
        self.cloud.policy.enforce(ctx, "lab:admin")
        if ctx.project_id is None:
            raise Forbidden("Undo a drill with a project-scoped token.")
        drill = self._drill(drill_id)
        done = []
        for student in chosen_students(self.cloud, body):
            with self.cloud.db.read() as db:
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
        return row, list(drill.hints[:row.hints_given]), len(drill.hints)

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
