"""Grading on the cloud side: the lab API runs a lab's checks (or, for `stacklab solve`, its reference
solution) as the calling student and records the result itself, so a grade is something the cloud saw, never
something a student said.

The checks are the same openstacksdk code `lab.camp.engine` runs anywhere; here they get a connection made
from the caller's own token, rescoped to the caller's own project, so they see exactly what the student sees
and nothing of anyone else. That connection talks to this cloud over its own HTTP port (the request that
asked for the check waits in a worker thread meanwhile). The result's `method` is `earned` or `checked`
(after a check), `solved` (after a solve, and for every check until the project is reset) or `reset`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lab.camp.engine import LabEnv, LabReport, Skip, apply_solution, run_lab
from lab.camp.labs import LAB_ID, Lab, LabError, find_lab, labs_dir
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, Forbidden, NotFound
from lab.cloud.events import Event
from lab.cloud.labapi.models import LabProgress
from lab.cloud.validation import KEYSTONE

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

METHODS = ("earned", "checked", "solved", "reset")
MAX_EVENTS = 1000  # the newest events a check may read at once (a lab makes a few dozen)


def local_base(cloud: Cloud) -> str:
    """Where this process itself listens (the loopback address for a wildcard bind)."""
    host = cloud.settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{cloud.settings.port}" if ":" in host else f"http://{host}:{cloud.settings.port}"


def connect_as(cloud: Cloud, token: str, project_id: str) -> Any:
    """An openstacksdk connection as the token's user, scoped to `project_id`, talking to this process.

    The catalog names the lab's public URL; when that is another address (a proxy, a public name) requests
    to it are sent to the local port instead, so a grader never depends on how the classroom reaches us."""
    import openstack.connection
    import requests.adapters
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    local, public = local_base(cloud), cloud.settings.endpoint
    auth = v3.Token(auth_url=f"{local}/identity/v3", token=token, project_id=project_id)
    session = ks_session.Session(auth=auth)
    if public != local:
        class ToLocal(requests.adapters.HTTPAdapter):
            def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
                if request.url.startswith(public):
                    request.url = local + request.url[len(public):]
                return super().send(request, *args, **kwargs)

        session.session.mount(public, ToLocal())
    return openstack.connection.Connection(session=session, region_name="RegionOne", interface="public")


class Grading:
    """Running a lab's checks and solutions as the caller, and the progress they record."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    # ------------------------------------------------------------------ running checks and solutions
    def _lab(self, lab_id: Any) -> Lab:
        if not isinstance(lab_id, str) or not LAB_ID.match(lab_id):
            raise KEYSTONE.bad("lab_id", None, f"{lab_id!r} is not a lab id such as '2.3'.")
        try:
            return find_lab(lab_id)
        except LabError as exc:
            raise NotFound(str(exc)) from None

    def check_lab(self, ctx: RequestContext, token: str, lab_id: str) -> tuple[LabReport, LabProgress | None]:
        """Run the lab's checks as the caller and record the result (None: skipped, so nothing recorded).
        Blocking: the checks call this cloud's API, so call it from a worker thread."""
        self.cloud.policy.enforce(ctx, "lab:check")
        lab = self._lab(lab_id)
        report = self._as_caller(ctx, token, lambda env: run_lab(lab, env))
        return report, self._record_report(ctx, report, "check")

    def solve_lab(self, ctx: RequestContext, token: str, lab_id: str) -> tuple[LabReport, LabProgress | None]:
        """Apply the lab's reference solution as the caller, then run its checks; recorded as `solved`.
        Raises Conflict (what failed) when the solution fails, e.g. on a name already taken."""
        self.cloud.policy.enforce(ctx, "lab:solve")
        lab = self._lab(lab_id)

        def solve(env: LabEnv) -> LabReport:
            try:
                apply_solution(lab, env)
            except Skip as exc:
                raise Conflict(str(exc)) from None
            except Exception as exc:  # the solution's own error, said as the student would see it
                raise Conflict(f"The solution of lab {lab.id} failed: {type(exc).__name__}: {exc} (something of "
                               "the same name may exist already: reset your project or delete it, then try "
                               "again).") from None
            return run_lab(lab, env)

        report = self._as_caller(ctx, token, solve)
        return report, self._record_report(ctx, report, "solve")

    def _as_caller(self, ctx: RequestContext, token: str, work: Callable[[LabEnv], LabReport]) -> LabReport:
        if ctx.project_id is None:
            raise Forbidden("A lab is checked in a project: use a project-scoped token.")
        conn = connect_as(self.cloud, token, ctx.project_id)
        try:
            return work(LabEnv(conn))
        finally:
            conn.close()

    def _record_report(self, ctx: RequestContext, report: LabReport, how: str) -> LabProgress | None:
        if report.skipped_reason:
            return None
        assert ctx.project_id is not None
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            row = _row(db, ctx.project_id, report.lab_id, now)
            row.project_name = ctx.project_name or ""
            row.user_id, row.user_name, row.recorded_by = ctx.user_id, ctx.user_name, ctx.user_name
            row.passed, row.total, row.updated_at = report.passed, report.total, now
            if how == "solve":
                row.method, row.solved_at = "solved", now
            elif report.completed and row.solved_since_reset:
                row.method = "solved"  # a pass right after a solve is the solution's, not the student's
            elif report.completed:
                row.method = "earned"
                row.earned_at = row.earned_at or now
            else:
                row.method = "checked"
            if report.completed and row.method in ("earned", "solved"):
                row.completed = True
                row.completed_at = row.completed_at or now
        return row

    # ------------------------------------------------------------------ by hand, and resets
    def record_progress(self, ctx: RequestContext, body: dict[str, Any]) -> LabProgress:
        """An admin records a result by hand for a project (`method` earned, solved or reset). Students get
        Keystone's 403: only the cloud writes their results, when it runs their checks."""
        if not self.cloud.policy.allows(ctx, "lab:record_progress"):
            raise Forbidden("You are not authorized to perform the requested action: lab:record_progress. "
                            "Results are recorded by the cloud when it runs your checks: `stacklab check LAB`.")
        lab_id = body.get("lab_id")
        if not isinstance(lab_id, str) or not LAB_ID.match(lab_id):
            raise KEYSTONE.bad("lab_id", None, f"{lab_id!r} is not a lab id such as '2.3'.")
        if labs_dir().is_dir():
            self._lab(lab_id)
        project_id = body.get("project_id")
        if not isinstance(project_id, str) or not project_id:
            raise BadRequest("Invalid input: 'project_id' (the student's project) is required.")
        passed, total = body.get("passed"), body.get("total")
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (passed, total)) \
                or passed > total:  # type: ignore[operator]
            raise BadRequest("Invalid input: 'passed' and 'total' must be integers with 0 <= passed <= total.")
        method = body.get("method", "earned")
        if method not in METHODS:
            raise KEYSTONE.bad("method", None, f"{method!r} is not one of {', '.join(METHODS)}.")
        assert isinstance(passed, int) and isinstance(total, int)
        project_name = self._project_name(project_id)
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            row = _row(db, project_id, lab_id, now)
            row.project_name = project_name
            row.recorded_by = ctx.user_name
            row.passed, row.total, row.updated_at, row.method = passed, total, now, method
            done = total > 0 and passed == total
            if method == "earned" and done:
                row.earned_at = row.earned_at or now
            elif method == "solved":
                row.solved_at = now
            elif method == "reset":
                row.reset_at = now
            if done and method != "reset":
                row.completed, row.completed_at = True, row.completed_at or now
        return row

    def _project_name(self, project_id: str) -> str:
        from lab.cloud.identity.models import Project

        with self.cloud.db.read() as db:
            project = db.get(Project, project_id)
        if project is None:
            raise NotFound(f"Could not find project: {project_id}.")
        return str(project.name)

    def mark_reset(self, project_id: str) -> None:
        """The project was reset: every lab result it has becomes `reset` (grades already reached stay)."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            for row in db.scalars(select(LabProgress).where(LabProgress.project_id == project_id)):
                row.method, row.reset_at, row.passed, row.updated_at = "reset", now, 0, now

    # ------------------------------------------------------------------ the event log checks read
    def list_events(self, ctx: RequestContext, resource_type: str | None = None,
                    project_id: str | None = None) -> list[Event]:
        """The caller's project's events, oldest first (admins: any project's, given `project_id`); what a
        check reads to see what happened to resources that are gone."""
        self.cloud.policy.enforce(ctx, "lab:list_events")
        if not ctx.is_admin and project_id not in (None, ctx.project_id):
            raise Forbidden("You may only read the events of your own project.")
        project_id = project_id or ctx.project_id
        with self.cloud.db.read() as db:
            query = select(Event).where(Event.project_id == project_id)
            if resource_type:
                query = query.where(Event.resource_type == resource_type)
            rows = list(db.scalars(query.order_by(Event.id.desc()).limit(MAX_EVENTS)))
        return list(reversed(rows))


def _row(db: Any, project_id: str, lab_id: str, now: datetime) -> LabProgress:
    row = db.scalar(select(LabProgress).where(LabProgress.project_id == project_id, LabProgress.lab_id == lab_id))
    if row is None:
        row = LabProgress(project_id=project_id, lab_id=lab_id, completed=False, project_name="", user_id="",
                          user_name="", passed=0, total=0, method="checked", recorded_by="", updated_at=now)
        db.add(row)
    return row
