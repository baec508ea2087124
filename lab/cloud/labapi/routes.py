"""HTTP routes of the lab admin API, mounted at /lab/v1: parse, call the service, render."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.cloud.http import cloud_of, context_of, no_content, read_json, require_key, respond, service_of
from lab.cloud.labapi import pages, schemas
from lab.cloud.labapi.models import DrillRun, DrillSchedule
from lab.cloud.labapi.service import LabService


def _service(request: Request) -> LabService:
    return service_of(request, "labapi", LabService)


async def show_clock(request: Request) -> Response:
    """GET /lab/v1/clock."""
    reading = _service(request).get_clock(context_of(request))
    return respond(schemas.clock(reading))


async def advance_clock(request: Request) -> Response:
    """POST /lab/v1/clock/advance {"by": "30d"}."""
    ctx = context_of(request)
    body = await read_json(request)
    reading = _service(request).advance_clock(ctx, body.get("by"))
    return respond(schemas.clock(reading))


# ---------------------------------------------------------------------------------------------- training camp
async def record_progress(request: Request) -> Response:
    """POST /lab/v1/progress {"progress": {"project_id", "lab_id", "passed", "total", "method"}}: an admin
    records a result by hand; anyone else gets 403 (the cloud records results when it runs checks)."""
    ctx = context_of(request)
    body = require_key(await read_json(request), "progress")
    row = _service(request).grading.record_progress(ctx, body)
    return respond({"progress": schemas.progress(row)}, 201)


async def check_lab(request: Request) -> Response:
    """POST /lab/v1/labs/{lab_id}/check: run the lab's checks as the caller, record and return the result."""
    ctx = context_of(request)
    labapi = _service(request)
    # The checks call this cloud's own API: they run in a worker thread while the event loop serves them.
    report, row = await run_in_threadpool(labapi.grading.check_lab, ctx, request.headers["x-auth-token"],
                                          request.path_params["lab_id"])
    return respond({"check": schemas.lab_report(report, row)})


async def solve_lab(request: Request) -> Response:
    """POST /lab/v1/labs/{lab_id}/solve: apply the lab's reference solution as the caller, then check it."""
    ctx = context_of(request)
    labapi = _service(request)
    report, row = await run_in_threadpool(labapi.grading.solve_lab, ctx, request.headers["x-auth-token"],
                                          request.path_params["lab_id"])
    return respond({"check": schemas.lab_report(report, row)})


async def list_events(request: Request) -> Response:
    """GET /lab/v1/events[?resource_type=&project_id=]: the caller's project's event log."""
    params = request.query_params
    rows = _service(request).grading.list_events(context_of(request), params.get("resource_type"),
                                                params.get("project_id"))
    return respond({"events": [schemas.event(e) for e in rows]})


async def list_progress(request: Request) -> Response:
    """GET /lab/v1/progress[?project_id=] (admins: everyone's; others: their own project's)."""
    rows = _service(request).camp.list_progress(context_of(request), request.query_params.get("project_id"))
    return respond({"progress": [schemas.progress(r) for r in rows]})


async def list_classes(request: Request) -> Response:
    """GET /lab/v1/classes."""
    rows = _service(request).camp.list_classes(context_of(request))
    return respond({"classes": [schemas.lab_class(row, n) for row, n in rows]})


async def create_class(request: Request) -> Response:
    """POST /lab/v1/classes {"class": {"name", "students", "prefix", "quota", "balance"}}: records the class
    (409 when it or a student name clashes); students are then added one by one (progress shows)."""
    ctx = context_of(request)
    body = require_key(await read_json(request), "class")
    labapi = _service(request)
    row = labapi.camp.create_class(ctx, body)
    names = labapi.camp.classes.planned_students(row.name, body["students"])
    return respond({"class": {**schemas.lab_class(row), "planned_students": names,
                              "auth_url": cloud_of(request).settings.endpoint + "/identity"}}, 201)


async def show_class(request: Request) -> Response:
    """GET /lab/v1/classes/{name}: the class and its students (names and ids; passwords are not kept)."""
    row, students = _service(request).camp.get_class(context_of(request), request.path_params["name"])
    return respond({"class": {**schemas.lab_class(row, len(students)),
                              "student_list": [schemas.student(s) for s in students]}})


async def add_student(request: Request) -> Response:
    """POST /lab/v1/classes/{name}/students {"student": {"name"}}: make one student of the class."""
    ctx = context_of(request)
    body = require_key(await read_json(request), "student")
    cloud = cloud_of(request)
    creds = _service(request).camp.add_student(ctx, request.path_params["name"], body)
    return respond(schemas.credentials(creds, cloud.settings.endpoint + "/identity"), 201)


async def reissue_password(request: Request) -> Response:
    """POST /lab/v1/students/{name}/password: a new password for the student (admin), returned this once."""
    cloud = cloud_of(request)
    creds = _service(request).camp.reissue_password(context_of(request), request.path_params["name"])
    return respond(schemas.credentials(creds, cloud.settings.endpoint + "/identity"))


async def reset_class(request: Request) -> Response:
    """POST /lab/v1/classes/{name}/reset: reset every student of the class."""
    reports = _service(request).camp.reset_class(context_of(request), request.path_params["name"])
    return respond({"resets": [schemas.reset(name, r) for name, r in reports]})


async def reset_all(request: Request) -> Response:
    """POST /lab/v1/reset: reset every student of every class."""
    reports = _service(request).camp.reset_class(context_of(request), None)
    return respond({"resets": [schemas.reset(name, r) for name, r in reports]})


async def reset_student(request: Request) -> Response:
    """POST /lab/v1/students/{name}/reset: an admin, or the student themself (403 for anyone else)."""
    name = request.path_params["name"]
    report = _service(request).camp.reset_student(context_of(request), name)
    return respond({"reset": schemas.reset(name, report)})


async def list_snapshots(request: Request) -> Response:
    """GET /lab/v1/snapshots."""
    infos = _service(request).camp.list_snapshots(context_of(request))
    return respond({"snapshots": [schemas.snapshot(i) for i in infos]})


async def save_snapshot(request: Request) -> Response:
    """POST /lab/v1/snapshots {"snapshot": {"name"}}: save the whole lab state."""
    ctx = context_of(request)
    body = require_key(await read_json(request), "snapshot")
    info = _service(request).camp.save_snapshot(ctx, body.get("name"))
    return respond({"snapshot": schemas.snapshot(info)}, 201)


async def restore_snapshot(request: Request) -> Response:
    """POST /lab/v1/snapshots/{name}/restore: put the lab back to the snapshot, atomically."""
    info = _service(request).camp.restore_snapshot(context_of(request), request.path_params["name"])
    return respond({"snapshot": schemas.snapshot(info)})


async def delete_snapshot(request: Request) -> Response:
    """DELETE /lab/v1/snapshots/{name}."""
    _service(request).camp.delete_snapshot(context_of(request), request.path_params["name"])
    return no_content()


# ---------------------------------------------------------------------------------------------- drills
async def list_drills(request: Request) -> Response:
    """GET /lab/v1/drills: the drills this lab has."""
    return respond({"drills": [schemas.drill(d) for d in _service(request).drills.list_drills(context_of(request))]})


async def list_drill_runs(request: Request) -> Response:
    """GET /lab/v1/drill-runs: every drill run (admin), else the caller's project's."""
    ctx = context_of(request)
    drills = _service(request).drills
    rows: list[DrillRun | DrillSchedule] = [*drills.list_runs(ctx), *drills.list_schedules(ctx)]
    return respond({"drill_runs": [schemas.drill_entry(r, ctx.is_admin) for r in rows]})


async def start_drill(request: Request) -> Response:
    """POST /lab/v1/drills/{drill_id}/start {"start": {"students": [...]} | {"all": true}, ["in": "8h" |
    "at": ISO time]} (admin): 201 with the runs, or 202 with the schedules when it is for later."""
    ctx = context_of(request)
    body = require_key(await read_json(request), "start")
    rows = await run_in_threadpool(_service(request).drills.start, ctx, request.headers["x-auth-token"],
                                   request.path_params["drill_id"], body)
    scheduled = any(isinstance(r, DrillSchedule) for r in rows)  # accepted, to be done later: 202
    return respond({"drill_runs": [schemas.drill_entry(r, True) for r in rows]}, 202 if scheduled else 201)


async def undo_drill(request: Request) -> Response:
    """POST /lab/v1/drills/{drill_id}/undo {"undo": {"students": [...]} | {"all": true}} (admin)."""
    ctx = context_of(request)
    body = require_key(await read_json(request), "undo")
    rows = await run_in_threadpool(_service(request).drills.undo, ctx, request.headers["x-auth-token"],
                                   request.path_params["drill_id"], body)
    return respond({"drill_runs": [schemas.drill_entry(r, True) for r in rows]})


async def drill_hint(request: Request) -> Response:
    """POST /lab/v1/drills/{drill_id}/hint: one more hint for the caller's running drill."""
    ctx = context_of(request)
    row, hints, total = _service(request).drills.hint(ctx, request.path_params["drill_id"])
    return respond({"hint": {"drill_run": schemas.drill_run(row, ctx.is_admin), "hints": hints,
                             "remaining": total - len(hints)}})


async def check_drill(request: Request) -> Response:
    """POST /lab/v1/drills/{drill_id}/check [{"check": {"student": NAME}}]: the cloud checks the repair as the
    caller (an admin names the student, for the drills only an admin can repair)."""
    ctx = context_of(request)
    body = await read_json(request) if await request.body() else {}
    student = (body.get("check") or {}).get("student") if isinstance(body.get("check"), dict) else None
    row, problem = await run_in_threadpool(_service(request).drills.check, ctx, request.headers["x-auth-token"],
                                           request.path_params["drill_id"], student)
    return respond({"check": {"repaired": not problem, "message": problem,
                              "drill_run": schemas.drill_run(row, ctx.is_admin)}})


# ---------------------------------------------------------------------------------------------- the mock exam
async def start_exam(request: Request) -> Response:
    """POST /lab/v1/exams {"exam": {"minutes", "seed", "students" | "all"}}: start the caller's exam, or (admin)
    the named students' or everyone's, in one time window."""
    body = require_key(await read_json(request), "exam")
    rows = await run_in_threadpool(_service(request).exams.start, context_of(request), body)
    return respond({"exams": [schemas.exam(r) for r in rows]}, 201)


async def list_exams(request: Request) -> Response:
    """GET /lab/v1/exams: the caller's project's exams (admin: everyone's)."""
    return respond({"exams": [schemas.exam(r) for r in _service(request).exams.list(context_of(request))]})


async def reset_exam(request: Request) -> Response:
    """POST /lab/v1/exams/reset: the caller's project back to the start of their running exam."""
    row = await run_in_threadpool(_service(request).exams.reset, context_of(request))
    return respond({"exam": schemas.exam(row)})


async def submit_exam(request: Request) -> Response:
    """POST /lab/v1/exams/submit: the cloud grades the caller's running exam as the caller."""
    row = await run_in_threadpool(_service(request).exams.submit, context_of(request),
                                  request.headers["x-auth-token"])
    return respond({"exam": schemas.exam(row)})


routes = [
    Route("/clock", show_clock, methods=["GET"]),
    Route("/clock/advance", advance_clock, methods=["POST"]),
    Route("/progress", list_progress, methods=["GET"]),
    Route("/progress", record_progress, methods=["POST"]),
    Route("/labs/{lab_id}/check", check_lab, methods=["POST"]),
    Route("/labs/{lab_id}/solve", solve_lab, methods=["POST"]),
    Route("/events", list_events, methods=["GET"]),
    Route("/classes", list_classes, methods=["GET"]),
    Route("/classes", create_class, methods=["POST"]),
    Route("/classes/{name}", show_class, methods=["GET"]),
    Route("/classes/{name}/students", add_student, methods=["POST"]),
    Route("/classes/{name}/reset", reset_class, methods=["POST"]),
    Route("/reset", reset_all, methods=["POST"]),
    Route("/students/{name}/reset", reset_student, methods=["POST"]),
    Route("/students/{name}/password", reissue_password, methods=["POST"]),
    Route("/snapshots", list_snapshots, methods=["GET"]),
    Route("/snapshots", save_snapshot, methods=["POST"]),
    Route("/snapshots/{name}", delete_snapshot, methods=["DELETE"]),
    Route("/snapshots/{name}/restore", restore_snapshot, methods=["POST"]),
    Route("/exams", list_exams, methods=["GET"]),
    Route("/exams", start_exam, methods=["POST"]),
    Route("/exams/submit", submit_exam, methods=["POST"]),
    Route("/exams/reset", reset_exam, methods=["POST"]),
    Route("/drills", list_drills, methods=["GET"]),
    Route("/drill-runs", list_drill_runs, methods=["GET"]),
    Route("/drills/{drill_id}/start", start_drill, methods=["POST"]),
    Route("/drills/{drill_id}/undo", undo_drill, methods=["POST"]),
    Route("/drills/{drill_id}/hint", drill_hint, methods=["POST"]),
    Route("/drills/{drill_id}/check", check_drill, methods=["POST"]),
]

# The classroom's HTML pages (downloads, the progress view) live beside the API, under /lab/.
extra_mounts = [("/lab", pages.routes)]
