"""Wire shapes of the lab admin API: the clock reading, progress, classes, resets and snapshots, each rendered
once here."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lab.camp.drills import Drill
from lab.camp.engine import LabReport
from lab.cloud.events import Event
from lab.cloud.http import timestamp_micro
from lab.cloud.labapi.camp import iso
from lab.cloud.labapi.classes import StudentCredentials
from lab.cloud.labapi.models import DrillRun, DrillSchedule, ExamSession, LabClass, LabProgress, LabStudent
from lab.cloud.labapi.reset import ResetReport
from lab.cloud.labapi.service import ClockReading
from lab.cloud.labapi.snapshots import SnapshotInfo


def human_offset(offset: timedelta) -> str:
    """'30d 2h 5m 3s' ('0s' for none): how a person would say the offset."""
    seconds = int(offset.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0s"


def clock(reading: ClockReading) -> dict[str, Any]:
    """{"clock": {"now", "offset", "offset_seconds"}}."""
    return {"clock": {"now": timestamp_micro(reading.now), "offset": human_offset(reading.offset),
                      "offset_seconds": reading.offset.total_seconds()}}


# ---------------------------------------------------------------------------------------------- training camp
def progress(row: LabProgress) -> dict[str, Any]:
    """A lab result: the latest one (passed/total, `method`, `updated_at`) and the grade it adds up to."""
    return {"project_id": row.project_id, "project_name": row.project_name, "user_id": row.user_id,
            "user_name": row.user_name, "lab_id": row.lab_id, "passed": row.passed, "total": row.total,
            "method": row.method, "grade": row.grade, "graded_at": iso(row.graded_at),
            "completed": row.completed, "completed_at": iso(row.completed_at), "earned_at": iso(row.earned_at),
            "solved_at": iso(row.solved_at), "reset_at": iso(row.reset_at), "recorded_by": row.recorded_by,
            "updated_at": iso(row.updated_at)}


def lab_report(report: LabReport, row: LabProgress | None) -> dict[str, Any]:
    """What a check (or solve) run by the cloud found, and the result it recorded (None: skipped)."""
    return {"lab_id": report.lab_id, "title": report.title, "passed": report.passed, "total": report.total,
            "completed": report.completed, "skipped_reason": report.skipped_reason,
            "checks": [{"name": r.name, "description": r.description, "status": r.status, "message": r.message,
                        "hint": r.hint, "seconds": round(r.seconds, 4)} for r in report.results],
            "progress": None if row is None else progress(row)}


def event(e: Event) -> dict[str, Any]:
    return {"id": e.id, "time": iso(e.time), "project_id": e.project_id, "user_id": e.user_id,
            "resource_type": e.resource_type, "resource_id": e.resource_id, "action": e.action,
            "attributes": dict(e.attributes or {})}


def lab_class(row: LabClass, students: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": row.name, "prefix": row.prefix, "quota": dict(row.quota or {}),
                            "balance": row.balance, "created_at": iso(row.created_at)}
    if students is not None:
        body["students"] = students
    return body


def student(row: LabStudent) -> dict[str, Any]:
    """A student as the instructor sees it (no password: only its hash is kept; see reissue)."""
    return {"name": row.name, "class": row.class_name, "project_id": row.project_id, "user_id": row.user_id}


def credentials(creds: StudentCredentials, auth_url: str) -> dict[str, Any]:
    """A student's credentials at the moment they are issued (the only time the password is known), with the
    lab's public auth URL, which the sheets and clouds.yaml files carry."""
    return {"student": {"name": creds.name, "class": creds.class_name, "project_id": creds.project_id,
                        "user_id": creds.user_id, "password": creds.password, "auth_url": auth_url}}


def reset(name: str | None, report: ResetReport) -> dict[str, Any]:
    return {"student": name, "project_id": report.project_id, "removed": report.removed,
            "seconds": round(report.seconds, 4)}


def snapshot(info: SnapshotInfo) -> dict[str, Any]:
    return {"name": info.name, "created_at": info.created_at, "lab_time": info.lab_time,
            "size_bytes": info.size_bytes, "folders": list(info.folders)}


# ---------------------------------------------------------------------------------------------- drills
def drill(d: Drill) -> dict[str, Any]:
    """A drill as the catalogue shows it: what a student sees (never the repair: that is the hints' end)."""
    return {"id": d.id, "title": d.title, "service": d.service, "summary": d.summary, "symptoms": d.symptoms,
            "hints": len(d.hints), "repair_as": d.repair_as, "scope": d.scope}


def drill_run(row: DrillRun, admin: bool = False) -> dict[str, Any]:
    """A drill run; the state (what was injected, by name) only for the instructor."""
    body = {"id": row.id, "drill_id": row.drill_id, "project_id": row.project_id,
            "project_name": row.project_name, "status": row.status, "started_at": iso(row.started_at),
            "started_by": row.started_by, "hints_given": row.hints_given, "checks": row.checks,
            "repaired_at": iso(row.repaired_at), "repaired_by": row.repaired_by, "undone_at": iso(row.undone_at)}
    if admin:
        body["state"] = dict(row.state or {})
    return body


def drill_schedule(row: DrillSchedule) -> dict[str, Any]:
    """A drill scheduled for a later lab time, shaped like a run (the instructor's lists show both), with
    when it is due and, once it was tried, why it could not be injected."""
    return {"id": row.run_id, "schedule_id": row.id, "drill_id": row.drill_id, "project_id": row.project_id,
            "project_name": row.project_name, "status": row.status, "due_at": iso(row.due_at),
            "started_at": None, "started_by": row.scheduled_by, "hints_given": 0, "checks": 0,
            "repaired_at": None, "repaired_by": "", "undone_at": iso(row.cancelled_at), "error": row.error}


def drill_entry(row: DrillRun | DrillSchedule, admin: bool = False) -> dict[str, Any]:
    return drill_schedule(row) if isinstance(row, DrillSchedule) else drill_run(row, admin)


def exam(row: ExamSession) -> dict[str, Any]:
    """A student's exam: the paper (statements; the parameters are in them), the window, and once graded the
    per-task results and scores."""
    return {"id": row.id, "exam_id": row.exam_id, "project_id": row.project_id, "project_name": row.project_name,
            "seed": row.seed, "status": row.status, "started_at": iso(row.started_at), "started_by": row.started_by,
            "deadline": iso(row.deadline), "submitted_at": iso(row.submitted_at),
            "tasks": [{"id": t["id"], "domain": t["domain"], "statement": t["statement"],
                       **({"passed": not row.results.get(t["id"], "not graded"),
                           "message": row.results.get(t["id"], "")} if row.submitted_at else {})}
                      for t in row.paper],
            "score": dict(row.score or {}) or None}
