"""The instructor's commands: `stacklab class create|progress|reset` and `stacklab snapshot
save|restore|list|delete`, all through the running lab's admin API (/lab/v1) as its admin, so they work while
the cloud serves the class."""

from __future__ import annotations

import csv
import html
import io
import sys
import time
from pathlib import Path
from typing import Any

import click

from lab import clouds_yaml
from lab.commands.options import lab_is_named, lab_target_options, settings_from
from lab.config import private_dir, write_private

admin_cloud_option = click.option(
    "--cloud", "cloud_name", default=None,
    help="clouds.yaml entry of the lab's admin (default: `stacklab`, else the lab's settings).")


def _client(ctx: click.Context, cloud_name: str | None) -> Any:
    from lab.admin_client import AdminClientError, LabAdminClient, LabNotRunning

    try:
        settings = settings_from(ctx, {}, client=True)
        return LabAdminClient(settings, cloud_name, lab_is_named(ctx))
    except (LabNotRunning, AdminClientError) as exc:
        raise click.ClickException(str(exc)) from None


def _call(client: Any, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    from lab.admin_client import AdminClientError, LabNotRunning

    try:
        return dict(client.request(method, path, body))
    except (LabNotRunning, AdminClientError) as exc:
        raise click.ClickException(str(exc)) from None


# ---------------------------------------------------------------------------------------------- class
@click.group("class")
def class_() -> None:
    """Manage a class of students: create it, watch its progress, reset a student or everyone."""


@class_.command("create")
@click.option("--students", type=int, required=True, help="How many students (1 to 500).")
@click.option("--name", "class_name", default="camp", show_default=True, help="The class's name.")
@click.option("--prefix", default="student", show_default=True,
              help="Students are called <prefix>01, <prefix>02, ...")
@click.option("--quota", default=None,
              help="Limits per student, e.g. instances=4,cores=8,ram=8192,volumes=4,gigabytes=20,network=2.")
@click.option("--balance", default=None, help="Starting balance per student (when the billing service runs).")
@click.option("--output", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where to write the credentials sheet and clouds.yaml files (default ./<name>-credentials).")
@admin_cloud_option
@lab_target_options
@click.pass_context
def class_create(ctx: click.Context, students: int, class_name: str, prefix: str, quota: str | None,
                 balance: str | None, output: Path | None, cloud_name: str | None) -> None:
    """Create a class: a project, user, password and quota (and balance) per student, and their sheets.

    Each student also gets a Keystone domain named as they are, where they hold the admin role (lab 1.12):
    they manage its users, groups and projects, and nothing else; a reset empties it.

    Writes credentials.csv, a printable credentials.html and credentials.md, clouds/<student>.yaml with one
    clouds.yaml entry per student and openrc/<student>-openrc.sh, all readable by you only (0600). They carry
    the lab's public URL. The lab keeps only hashes of the passwords: to print a sheet again, `stacklab class
    sheets` issues new ones.
    """
    client = _client(ctx, cloud_name)
    body: dict[str, Any] = {"name": class_name, "students": students, "prefix": prefix}
    if quota:
        body["quota"] = quota
    if balance is not None:
        body["balance"] = balance
    planned = _call(client, "POST", "/classes", {"class": body})["class"]["planned_students"]
    made: list[dict[str, Any]] = []
    with click.progressbar(planned, label=f"Creating class {class_name}", show_pos=True,
                           item_show_func=lambda name: name or "") as bar:
        for name in bar:
            made.append(_call(client, "POST", f"/classes/{class_name}/students", {"student": {"name": name}})
                        ["student"])
    folder = output or Path.cwd() / f"{class_name}-credentials"
    write_sheets(folder, class_name, made)
    click.echo(f"Class {class_name}: {len(made)} students. Credentials in {folder}/ "
               "(credentials.csv, credentials.html, credentials.md, clouds/, openrc/)")


@class_.command("sheets")
@click.argument("students", nargs=-1)
@click.option("--name", "class_name", default=None,
              help="The class whose students get new passwords (default: the only class).")
@click.option("--output", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where to write the sheets (default ./<name>-credentials-<time>).")
@click.option("--yes", is_flag=True, default=False, help="Do not ask for confirmation.")
@admin_cloud_option
@lab_target_options
@click.pass_context
def class_sheets(ctx: click.Context, students: tuple[str, ...], class_name: str | None, output: Path | None,
                 yes: bool, cloud_name: str | None) -> None:
    """Print credentials sheets again, with a new password for each student (the old one stops working).

    The lab keeps only hashes of passwords, so a lost sheet cannot be read back: this issues new passwords for
    STUDENTS (e.g. student07), or for every student of the class, and writes their sheets like `class create`.
    """
    client = _client(ctx, cloud_name)
    names = list(students)
    if not names:
        classes = [class_name] if class_name else [c["name"] for c in _call(client, "GET", "/classes")["classes"]]
        if len(classes) != 1:
            raise click.UsageError("name the class with --name (or give STUDENTS): the lab has "
                                   f"{len(classes)} classes")
        class_name = classes[0]
        names = [s["name"] for s in _call(client, "GET", f"/classes/{class_name}")["class"]["student_list"]]
    if not names:
        raise click.ClickException(f"class {class_name} has no students")
    confirm(f"Issue new passwords for {len(names)} student(s) ({', '.join(names[:3])}"
            f"{', ...' if len(names) > 3 else ''}); their current passwords stop working", yes)
    made = [_call(client, "POST", f"/students/{name}/password")["student"] for name in names]
    label = class_name or made[0]["class"]
    folder = output or Path.cwd() / f"{label}-credentials-{time.strftime('%Y%m%d-%H%M%S')}"
    write_sheets(folder, label, made)
    click.echo(f"New passwords for {len(made)} students. Credentials in {folder}/")


def confirm(action: str, yes: bool) -> None:
    """Ask before something that cannot be undone; `--yes` skips the question. Without a terminal to ask on
    (a script, a pipe) and without --yes, refuse: a silent "yes" would be a guess."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise click.ClickException(f"{action}. Not confirmed: pass --yes to go ahead without a question "
                                   "(there is no terminal to ask on).")
    click.confirm(f"{action}. Go ahead?", abort=True)


def write_sheets(folder: Path, class_name: str, students: list[dict[str, Any]]) -> None:
    """The credentials sheet as CSV, Markdown and printable HTML (one card per student), a clouds.yaml per
    student whose entry is named after the student, and an openrc per student; the folder is 0700 and every
    file 0600 (they hold passwords). Each student's auth URL is the one the lab answered with (its public URL)."""
    private_dir(folder)
    private_dir(folder / "clouds")
    private_dir(folder / "openrc")
    rows = [{"student": s["name"], "username": s["name"], "password": s["password"], "project": s["name"],
             "domain": s["name"], "auth_url": s["auth_url"], "os_cloud": s["name"]} for s in students]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["student"])
    writer.writeheader()
    writer.writerows(rows)
    write_private(folder / "credentials.csv", out.getvalue())
    urls = sorted({r["auth_url"] for r in rows})
    md = [f"# Class {class_name}: credentials", "", f"Auth URL: `{', '.join(urls)}`", "",
          "| student | user name | password | project | own domain (its admin) |", "|---|---|---|---|---|"]
    md += [f"| {r['student']} | `{r['username']}` | `{r['password']}` | `{r['project']}` | `{r['domain']}` |"
           for r in rows]
    write_private(folder / "credentials.md", "\n".join(md) + "\n")
    cards = "\n".join(
        f"<section class='card'><h2>{html.escape(r['student'])}</h2><dl>"
        f"<dt>Auth URL</dt><dd>{html.escape(r['auth_url'])}</dd>"
        f"<dt>User name</dt><dd><code>{html.escape(r['username'])}</code></dd>"
        f"<dt>Password</dt><dd><code>{html.escape(r['password'])}</code></dd>"
        f"<dt>Project</dt><dd><code>{html.escape(r['project'])}</code></dd>"
        f"<dt>Your own domain (you are its admin)</dt><dd><code>{html.escape(r['domain'])}</code></dd></dl>"
        f"<p>Download your files at <code>{html.escape(r['auth_url'].removesuffix('/identity'))}/lab/</code> "
        f"(or save <code>clouds/{html.escape(r['student'])}.yaml</code> as <code>~/.config/openstack/clouds.yaml"
        f"</code>), then <code>export OS_CLOUD={html.escape(r['student'])}</code> and "
        f"<code>stacklab labs</code>.</p></section>" for r in rows)
    write_private(folder / "credentials.html",
                  "<!doctype html><html><head><meta charset='utf-8'><title>Class "
                  f"{html.escape(class_name)}</title><style>body{{font-family:sans-serif}}"
                  ".card{border:1px dashed #888;padding:1em;margin:1em;page-break-inside:avoid;width:40em}"
                  f"</style></head><body><h1>Class {html.escape(class_name)}</h1>{cards}</body></html>\n")
    for s in students:
        write_private(folder / "clouds" / f"{s['name']}.yaml", clouds_yaml.render(
            {s["name"]: clouds_yaml.student_entry(s["auth_url"], s["name"], s["password"])}))
        write_private(folder / "openrc" / f"{s['name']}-openrc.sh",
                      clouds_yaml.openrc(s["auth_url"], s["name"], s["password"]))


MARKS = {"earned": "✓", "solved": "S", "reset": "R"}


@class_.command("progress")
@click.option("--name", "class_name", default=None, help="Only this class (default: every class).")
@click.option("--day", type=int, default=None, help="Only the labs of this day.")
@click.option("--csv", "as_csv", is_flag=True, default=False,
              help="Print the grid as CSV: per lab its grade and the time it was reached.")
@admin_cloud_option
@lab_target_options
@click.pass_context
def class_progress(ctx: click.Context, class_name: str | None, day: int | None, as_csv: bool,
                   cloud_name: str | None) -> None:
    """Show the students x labs grid, as the cloud recorded it when it ran the checks.

    Each cell is a grade: ✓ earned (the cloud's checks passed on the student's own work), S solved (with
    `stacklab solve`), R reset (the project was reset before the lab was passed), n/m checks passed, or `.`
    not tried. `earned` and `solved` count each kind; `exam` is the latest graded mock exam's total and
    `drills` the troubleshooting drills the cloud saw repaired. With `--day N` (for a projector) only that
    day's labs, a passed lab shown with the lab time it was passed (`10:42✓`); the page <lab URL>/lab/progress
    refreshes itself.
    """
    from lab.camp.labs import LabError, load_labs

    client = _client(ctx, cloud_name)
    classes = [class_name] if class_name else [c["name"] for c in _call(client, "GET", "/classes")["classes"]]
    students = [s for name in classes for s in _call(client, "GET", f"/classes/{name}")["class"]["student_list"]]
    rows = _call(client, "GET", "/progress")["progress"]
    try:
        lab_ids = [lab.id for lab in load_labs()]
    except LabError:
        lab_ids = sorted({r["lab_id"] for r in rows})
    if day is not None:
        days = sorted({lab.split(".")[0] for lab in lab_ids}, key=int)
        lab_ids = [lab for lab in lab_ids if lab.split(".")[0] == str(day)]
        if not lab_ids:
            raise click.ClickException(f"no labs on day {day}; the days are {', '.join(days)}")
    by_cell = {(r["project_id"], r["lab_id"]): r for r in rows}
    # The mock exam's latest graded total and the drills repaired, per project (recorded by the cloud too).
    exams = {e["project_id"]: e for e in _call(client, "GET", "/exams")["exams"] if e["score"]}
    repaired: dict[str, int] = {}
    for run in _call(client, "GET", "/drill-runs")["drill_runs"]:
        if run["repaired_at"]:
            repaired[run["project_id"]] = repaired.get(run["project_id"], 0) + 1

    def exam_of(student: dict[str, Any]) -> tuple[str, str]:
        graded = exams.get(student["project_id"])
        return ("", "") if graded is None else (f"{graded['score']['total']:.0f}%", graded["submitted_at"])

    def grades(student: dict[str, Any]) -> list[dict[str, Any] | None]:
        return [by_cell.get((student["project_id"], lab)) for lab in lab_ids]

    def count(cells: list[dict[str, Any] | None], grade: str) -> int:
        return sum(1 for c in cells if c is not None and c["grade"] == grade)

    if as_csv:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["student", *[col for lab in lab_ids for col in (lab, f"{lab} at")], "earned", "solved",
                         "exam", "exam at", "drills repaired"])
        for s in students:
            cells = grades(s)
            writer.writerow([s["name"], *[v for c in cells for v in ((c["grade"], c["graded_at"]) if c else ("", ""))],
                             count(cells, "earned"), count(cells, "solved"), *exam_of(s),
                             repaired.get(s["project_id"], 0)])
        click.echo(out.getvalue(), nl=False)
        return
    if not students:
        click.echo("No students yet: `stacklab class create --students N`.")
        return
    width = max(len(s["name"]) for s in students) + 1
    column = 7 if day is not None else 6

    def mark(cell: dict[str, Any] | None) -> str:
        if cell is None:
            return "."
        shown = MARKS.get(cell["grade"], cell["grade"])
        if day is not None and cell["grade"] in ("earned", "solved") and cell.get("graded_at"):
            return f"{str(cell['graded_at'])[11:16]}{shown}"  # when (lab time) it was passed
        return shown

    if day is not None:
        click.echo(f"Day {day}: {len(lab_ids)} labs, {len(students)} students (passed at HH:MM lab time)")
    click.echo(f"{'student':<{width}}" + "".join(f"{lab:>{column}}" for lab in lab_ids)
               + f"{'earned':>7}{'solved':>7}{'exam':>6}{'drills':>7}")
    for s in students:
        cells = grades(s)
        marks = [mark(c) for c in cells]
        click.echo(f"{s['name']:<{width}}" + "".join(f"{m:>{column}}" for m in marks)
                   + f"{count(cells, 'earned'):>7}{count(cells, 'solved'):>7}{exam_of(s)[0] or '.':>6}"
                   + f"{repaired.get(s['project_id'], 0):>7}")
    click.echo("✓ earned  S solved  R reset  n/m checks passed  . not tried")


@class_.command("reset")
@click.argument("student", required=False)
@click.option("--all", "reset_all", is_flag=True, default=False, help="Reset every student of every class.")
@click.option("--name", "class_name", default=None, help="With --all: only this class.")
@click.option("--yes", is_flag=True, default=False, help="With --all: do not ask for confirmation.")
@admin_cloud_option
@lab_target_options
@click.pass_context
def class_reset(ctx: click.Context, student: str | None, reset_all: bool, class_name: str | None, yes: bool,
                cloud_name: str | None) -> None:
    """Remove everything STUDENT made and restore their starting state (quotas, password); or --all.

    A student may reset their own project with their own credentials (--cloud <their entry>); resetting
    another student is refused. `--all` asks first (`--yes` skips the question; without a terminal it is
    required).
    """
    if bool(student) == reset_all:
        raise click.UsageError("give a STUDENT or --all (not both)")
    client = _client(ctx, cloud_name)
    if reset_all:
        confirm(f"Reset every student of {'class ' + class_name if class_name else 'every class'}: all their "
                "servers, volumes, images and networks are deleted", yes)
    if student:
        answer = _call(client, "POST", f"/students/{student}/reset")["reset"]
        click.echo(f"Reset {student} in {answer['seconds']:.2f} s: removed {_summary(answer['removed'])}.")
        return
    path = f"/classes/{class_name}/reset" if class_name else "/reset"
    answers = _call(client, "POST", path)["resets"]
    total = sum(a["seconds"] for a in answers)
    for answer in answers:
        click.echo(f"  {answer['student']}: {_summary(answer['removed'])}")
    click.echo(f"Reset {len(answers)} students in {total:.2f} s.")


def _summary(removed: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(removed.items()) if n) or "nothing"


# ---------------------------------------------------------------------------------------------- snapshot
@click.group()
def snapshot() -> None:
    """Save and restore the whole lab state (database and files) by name, while the cloud runs."""


@snapshot.command("save")
@click.argument("name")
@admin_cloud_option
@lab_target_options
@click.pass_context
def snapshot_save(ctx: click.Context, name: str, cloud_name: str | None) -> None:
    """Save the lab's state as NAME (e.g. day2-start)."""
    info = _call(_client(ctx, cloud_name), "POST", "/snapshots", {"snapshot": {"name": name}})["snapshot"]
    click.echo(f"Saved snapshot {info['name']} ({info['size_bytes'] / 1e6:.1f} MB).")


@snapshot.command("restore")
@click.argument("name")
@click.option("--yes", is_flag=True, default=False, help="Do not ask for confirmation.")
@admin_cloud_option
@lab_target_options
@click.pass_context
def snapshot_restore(ctx: click.Context, name: str, yes: bool, cloud_name: str | None) -> None:
    """Put the whole lab back to snapshot NAME (atomic: on any error nothing changes).

    Everything done since the snapshot is lost, for every student: it asks first (`--yes` skips the question;
    without a terminal it is required).
    """
    client = _client(ctx, cloud_name)
    if name not in {i["name"] for i in _call(client, "GET", "/snapshots")["snapshots"]}:  # before asking
        raise click.ClickException(f"Could not find snapshot: {name}. See `stacklab snapshot list`.")
    confirm(f"Restore snapshot {name}: everything every student did since it was saved is lost", yes)
    info = _call(client, "POST", f"/snapshots/{name}/restore")["snapshot"]
    click.echo(f"Restored snapshot {info['name']} (saved {info['created_at']}).")


@snapshot.command("list")
@admin_cloud_option
@lab_target_options
@click.pass_context
def snapshot_list(ctx: click.Context, cloud_name: str | None) -> None:
    """List the saved snapshots."""
    infos = _call(_client(ctx, cloud_name), "GET", "/snapshots")["snapshots"]
    if not infos:
        click.echo("No snapshots yet: `stacklab snapshot save NAME`.")
    for info in infos:
        click.echo(f"{info['name']:<24} {info['created_at']}  {info['size_bytes'] / 1e6:8.1f} MB")


@snapshot.command("delete")
@click.argument("name")
@admin_cloud_option
@lab_target_options
@click.pass_context
def snapshot_delete(ctx: click.Context, name: str, cloud_name: str | None) -> None:
    """Delete snapshot NAME."""
    _call(_client(ctx, cloud_name), "DELETE", f"/snapshots/{name}")
    click.echo(f"Deleted snapshot {name}.")
