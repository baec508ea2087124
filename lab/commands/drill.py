"""`stacklab drill`: troubleshooting drills. The instructor starts a drill for a student (or everyone) and the
cloud breaks something real in their project; the student reads the symptoms, asks for hints, repairs it with
the `openstack` CLI and has the cloud check it; the instructor watches `drill status` and undoes.

Instructor commands (start, undo, status of everyone) talk to the lab as its admin, like `stacklab class`;
the student's (hint, check, status) as the clouds.yaml entry `--cloud` names, like `stacklab check`.
"""

from __future__ import annotations

import time
from typing import Any

import click

from lab.commands.camp import _call, _client, admin_cloud_option
from lab.commands.labs import cloud_option, connect
from lab.commands.options import lab_target_options

STACKLAB = {"service_type": "stacklab", "interface": "public"}


def _drills() -> list[Any]:
    from lab.camp.drills import DrillError, load_drills

    try:
        return load_drills()
    except DrillError as exc:
        raise click.ClickException(str(exc)) from None


def _drill(drill_id: str) -> Any:
    from lab.camp.drills import DrillError, find_drill

    try:
        return find_drill(drill_id)
    except DrillError as exc:
        raise click.ClickException(str(exc)) from None


def _as_student(cloud_name: str | None, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """`method` /lab/v1`path` as the student the clouds.yaml entry names; the JSON answer."""
    conn = connect(cloud_name)
    response = conn.session.request(path, method, json=body, raise_exc=False, endpoint_filter=STACKLAB,
                                    timeout=300)
    if response.status_code >= 300:
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = response.text[:300]
        raise click.ClickException(f"{message} (HTTP {response.status_code})")
    return response.json()


def _targets(students: tuple[str, ...], everyone: bool) -> dict[str, Any]:
    if everyone == bool(students):
        raise click.UsageError("name the students (--student student07, repeatable) or give --all")
    return {"all": True} if everyone else {"students": list(students)}


@click.group()
def drill() -> None:
    """Troubleshooting drills: a real fault in a student's project, repaired with the openstack CLI.

    \b
    Instructor:  stacklab drill start net-dhcp-off --student student07   (or --all)
                 stacklab drill start net-dhcp-off --all --in 8h          (during the night, by the lab clock)
                 stacklab drill status                                    (who has repaired what)
                 stacklab drill undo net-dhcp-off --student student07
    Student:     stacklab drill status --mine    stacklab drill hint net-dhcp-off
                 stacklab drill check net-dhcp-off
    """


@drill.command("list")
def drill_list() -> None:
    """The drills: id, the service it breaks, who repairs it, and its title."""
    for d in _drills():
        who = "  [admin repairs]" if d.repair_as == "admin" else ""
        where = "  [the whole lab]" if d.scope == "lab" else ""
        click.echo(f"{d.id:<24} {d.service:<13} {d.title}{who}{where}")


@drill.command("show")
@click.argument("drill_id")
@click.option("--solution", is_flag=True, default=False, help="Also print the documented repair (instructors).")
def drill_show(drill_id: str, solution: bool) -> None:
    """What the drill breaks and the symptoms a student sees (hints come one by one from `drill hint`)."""
    d = _drill(drill_id)
    click.echo(f"{d.id}: {d.title} ({d.service})\n\n{d.summary}\n\nSymptoms:\n{d.symptoms}")
    if solution:
        click.echo("\nRepair (as the " + d.repair_as + "):")
        for command in d.repair:
            click.echo(f"  {command}" if command.startswith("stacklab ") else f"  openstack {command}")


def _student_targets(everyone_help: str) -> Any:
    """The options naming whom an instructor's command is for: --student (repeatable) or --all, as the admin."""
    def decorate(fn: Any) -> Any:
        fn = lab_target_options(admin_cloud_option(fn))
        fn = click.option("--all", "everyone", is_flag=True, default=False, help=everyone_help)(fn)
        return click.option("--student", "students", multiple=True,
                            help="A student (e.g. student07); repeatable.")(fn)
    return decorate


def _instructor(ctx: click.Context, action: str, drill_id: str, students: tuple[str, ...], everyone: bool,
                cloud_name: str | None, **extra: Any) -> list[dict[str, Any]]:
    """POST /drills/ID/<action> for the students, as the lab's admin: the drill runs it answers."""
    body = {action: {**_targets(students, everyone), **extra}}
    return list(_call(_client(ctx, cloud_name), "POST", f"/drills/{drill_id}/{action}", body)["drill_runs"])


def _start_in_background(ctx: click.Context, drill_id: str, students: tuple[str, ...], everyone: bool,
                         cloud_name: str | None) -> None:
    """POST .../start with `background`, then follow the schedules until each is a run or has failed."""
    client = _client(ctx, cloud_name)
    scheduled = _instructor(ctx, "start", drill_id, students, everyone, cloud_name, background=True)
    ours = {row["schedule_id"]: row["project_name"] for row in scheduled}
    click.echo(f"starting {drill_id} for {len(ours)} students (the lab injects four at a time)")
    shown = -1
    while True:
        rows = _call(client, "GET", "/drill-runs")["drill_runs"]
        pending = {r["schedule_id"]: r for r in rows if r.get("schedule_id") in ours}
        waiting = [r for r in pending.values() if r["status"] == "scheduled"]
        done = len(ours) - len(waiting)
        if done != shown:
            click.echo(f"  {done}/{len(ours)} done")
            shown = done
        if not waiting:
            break
        time.sleep(1)
    failed = {ours[i]: r["error"] for i, r in pending.items() if r["status"] == "failed"}
    started = {r["project_name"]: r for r in rows if r.get("id") is not None and r["drill_id"] == drill_id
               and r["status"] in ("active", "repaired") and r["project_name"] in set(ours.values())}
    for name in sorted(ours.values()):
        if name in failed:
            click.echo(f"failed {drill_id} for {name}: {failed[name]}")
        elif name in started:
            click.echo(f"started {drill_id} for {name} (run {started[name]['id']})")
    if failed:
        raise SystemExit(1)


@drill.command("start")
@click.argument("drill_id")
@_student_targets("Every student of every class.")
@click.option("--in", "delay", default=None, metavar="DURATION",
              help="Not now: this much later by the lab clock (e.g. 8h: 'during the night').")
@click.option("--at", "at", default=None, metavar="TIME",
              help="Not now: at this lab time (ISO 8601 UTC, e.g. 2026-12-03T06:00:00Z; see `stacklab clock show`).")
@click.pass_context
def drill_start(ctx: click.Context, drill_id: str, students: tuple[str, ...], everyone: bool,
                cloud_name: str | None, delay: str | None, at: str | None) -> None:
    """Inject a drill's fault into the students' projects (as the lab's admin), now or later by the lab clock.

    For several students (--all) the lab injects four at a time in the background and this command shows
    the progress until every one is started or has failed (Ctrl-C stops watching, not the start)."""
    when = {k: v for k, v in (("in", delay), ("at", at)) if v is not None}
    if not when and (everyone or len(students) > 1):
        _start_in_background(ctx, drill_id, students, everyone, cloud_name)
        return
    for run in _instructor(ctx, "start", drill_id, students, everyone, cloud_name, **when):
        if run["status"] == "scheduled":
            click.echo(f"scheduled {run['drill_id']} for {run['project_name']} at {run['due_at']} (lab time)")
        else:
            click.echo(f"started {run['drill_id']} for {run['project_name']} (run {run['id']})")


@drill.command("undo")
@click.argument("drill_id")
@_student_targets("Every student it runs for.")
@click.pass_context
def drill_undo(ctx: click.Context, drill_id: str, students: tuple[str, ...], everyone: bool,
               cloud_name: str | None) -> None:
    """Remove what the drill made in the students' projects, and stop checking it."""
    for run in _instructor(ctx, "undo", drill_id, students, everyone, cloud_name):
        done = "called off" if run["status"] == "cancelled" else "undid"
        click.echo(f"{done} {run['drill_id']} for {run['project_name']}")


@drill.command("status")
@click.option("--mine", is_flag=True, default=False, help="As the student (--cloud): your own drills only.")
@cloud_option
@lab_target_options
@click.pass_context
def drill_status(ctx: click.Context, mine: bool, cloud_name: str | None) -> None:
    """The drill runs: student, drill, active/repaired/undone, hints taken, checks, when repaired.

    Without --mine, as the lab's admin: every student's (the instructor's view)."""
    if mine:
        runs = _as_student(cloud_name, "GET", "/drill-runs")["drill_runs"]
    else:
        runs = _call(_client(ctx, cloud_name), "GET", "/drill-runs")["drill_runs"]
    if not runs:
        click.echo("no drills started")
    for run in runs:
        when = f"  repaired {run['repaired_at']} by {run['repaired_by']}" if run["repaired_at"] else ""
        if run.get("due_at"):  # scheduled for later (the instructor's view only)
            when = f"  due {run['due_at']}" + (f": {run['error']}" if run.get("error") else "")
        click.echo(f"{run['project_name']:<14} {run['drill_id']:<24} {run['status']:<9} "
                   f"hints {run['hints_given']}  checks {run['checks']}{when}")


@drill.command("hint")
@click.argument("drill_id")
@cloud_option
def drill_hint(drill_id: str, cloud_name: str | None) -> None:
    """The next hint for a drill running in your project (each call shows one more; the count is recorded)."""
    body = _as_student(cloud_name, "POST", f"/drills/{drill_id}/hint")["hint"]
    for number, hint in enumerate(body["hints"], 1):
        click.echo(f"{number}. {hint}")
    if body["remaining"]:
        click.echo(f"({body['remaining']} more: `stacklab drill hint {drill_id}` again)")


@drill.command("check")
@click.argument("drill_id")
@click.option("--student", default=None, help="As the admin: check this student's project (admin drills).")
@cloud_option
def drill_check(drill_id: str, student: str | None, cloud_name: str | None) -> None:
    """Have the cloud check your repair (recorded the first time it passes). Exit status 0 when repaired."""
    body = {"check": {"student": student}} if student else None
    result = _as_student(cloud_name, "POST", f"/drills/{drill_id}/check", body)["check"]
    if result["repaired"]:
        click.echo(f"Repaired: {drill_id} (recorded at {result['drill_run']['repaired_at']}).")
        return
    click.echo(f"Not repaired yet: {result['message']}")
    raise SystemExit(1)
