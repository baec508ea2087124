"""`stacklab exam`: the timed mock administrator exam. A student starts it (or the instructor starts it for the
class, with one time window), works through the tasks with the `openstack` CLI, and submits; the cloud grades
the end state as the student and keeps the result, which the instructor reads with `exam results`."""

from __future__ import annotations

import csv
import io
from typing import Any

import click

from lab.commands.camp import _call, _client, admin_cloud_option
from lab.commands.drill import _as_student
from lab.commands.labs import cloud_option
from lab.commands.options import lab_target_options


@click.group()
def exam() -> None:
    """The timed mock exam: tasks by the administrator exam's domains, graded by the cloud.

    \b
    Student:     stacklab exam start [--minutes 90] [--seed N]    stacklab exam show    stacklab exam submit
                 stacklab exam reset (start over)    stacklab exam start --fresh (redo the last paper)
    Instructor:  stacklab exam start --all --cloud stacklab       stacklab exam results [--csv]
    """


def _print_exam(body: dict[str, Any]) -> None:
    click.echo(f"Exam for {body['project_name']} (seed {body['seed']}): {body['status']}, "
               f"started {body['started_at']}, ends {body['deadline']}")
    for number, task in enumerate(body["tasks"], 1):
        mark = ""
        if "passed" in task:
            mark = click.style("PASS ", fg="green") if task["passed"] else click.style("FAIL ", fg="red")
        click.echo(f"  {number:>2}. {mark}[{task['domain']}] {task['statement']}")
    score = body.get("score")
    if score:
        for domain, part in score["domains"].items():
            click.echo(f"      {domain:<15} {part['passed']}/{part['tasks']} tasks  {part['score']:.1f} of "
                       f"{part['weight']:.1f}")
        verdict = "PASSED" if score["passed"] else "not passed"
        how = " (late)" if score.get("late") else " (graded at time-up)" if score.get("graded_by") == "time-up" else ""
        click.echo(f"Total {score['total']:.1f} % (pass mark {score['pass_mark']:.0f} %): {verdict}; "
                   f"{score['minutes_taken']} minutes{how}.")
        if score["left_out"]:
            click.echo(f"Left out (this lab has no such service; the other weights are rescaled): "
                       f"{', '.join(score['left_out'])}.")


@exam.command("start")
@click.option("--minutes", type=click.IntRange(1, 600), default=None, help="The time allowed (default: 90).")
@click.option("--seed", type=click.IntRange(0), default=None,
              help="Draw this paper (default: a random one); with --all each student gets seed+n.")
@click.option("--fresh", is_flag=True, default=False,
              help="Redo: first put the project back to the class's starting state, and (without --seed) draw "
                   "the paper of the last exam again.")
@click.option("--student", "students", multiple=True, help="As the admin: start it for this student; repeatable.")
@click.option("--all", "everyone", is_flag=True, default=False, help="As the admin: every student at once.")
@cloud_option
@lab_target_options
@click.pass_context
def exam_start(ctx: click.Context, minutes: int | None, seed: int | None, fresh: bool, students: tuple[str, ...],
               everyone: bool, cloud_name: str | None) -> None:
    """Start the exam and print its tasks (yours; or, as the admin, the class's, in one time window)."""
    body: dict[str, Any] = {}
    if minutes is not None:
        body["minutes"] = minutes
    if seed is not None:
        body["seed"] = seed
    if fresh:
        body["fresh"] = True
    if everyone or students:
        body.update({"all": True} if everyone else {"students": list(students)})
        exams = _call(_client(ctx, cloud_name), "POST", "/exams", {"exam": body})["exams"]
        for row in exams:
            click.echo(f"started the exam for {row['project_name']} until {row['deadline']}")
        return
    _print_exam(_as_student(cloud_name, "POST", "/exams", {"exam": body})["exams"][0])


@exam.command("show")
@cloud_option
def exam_show(cloud_name: str | None) -> None:
    """Your latest exam: its tasks and time window, and once graded its results."""
    exams = _as_student(cloud_name, "GET", "/exams")["exams"]
    if not exams:
        raise click.ClickException("you have no exam: `stacklab exam start`")
    _print_exam(exams[-1])


@exam.command("reset")
@cloud_option
def exam_reset(cloud_name: str | None) -> None:
    """Start over: your project back to the start of your running exam, the same paper and deadline.

    Everything in the project is deleted and the paper's starting resources are made again."""
    body = _as_student(cloud_name, "POST", "/exams/reset")["exam"]
    click.echo("Your project is back at the exam's start (the deadline has not moved).")
    _print_exam(body)


@exam.command("submit")
@cloud_option
def exam_submit(cloud_name: str | None) -> None:
    """Hand in: the cloud checks every task in your project and records the result (exit 0 when passed)."""
    body = _as_student(cloud_name, "POST", "/exams/submit")["exam"]
    _print_exam(body)
    if not body["score"]["passed"]:
        raise SystemExit(1)


@exam.command("results")
@click.option("--csv", "as_csv", is_flag=True, default=False, help="One line per exam, as CSV.")
@admin_cloud_option
@lab_target_options
@click.pass_context
def exam_results(ctx: click.Context, as_csv: bool, cloud_name: str | None) -> None:
    """Every student's exams (as the admin): status, total, per-domain scores, time taken."""
    exams = _call(_client(ctx, cloud_name), "GET", "/exams")["exams"]
    domains = sorted({d for row in exams for d in ((row.get("score") or {}).get("domains") or {})})
    rows = []
    for row in exams:
        score = row.get("score") or {}
        rows.append({"student": row["project_name"], "status": row["status"], "seed": row["seed"],
                     "started_at": row["started_at"], "submitted_at": row["submitted_at"] or "",
                     "total": score.get("total", ""), "passed": score.get("passed", ""),
                     "late": score.get("late", ""), "graded_by": score.get("graded_by", ""),
                     "minutes": score.get("minutes_taken", ""),
                     **{d: (score.get("domains") or {}).get(d, {}).get("score", "") for d in domains}})
    if as_csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["student"])
        writer.writeheader()
        writer.writerows(rows)
        click.echo(out.getvalue(), nl=False)
        return
    if not rows:
        click.echo("no exams")
    for r in rows:
        total = f"{r['total']:.1f} %" if r["total"] != "" else "-"
        click.echo(f"{r['student']:<14} {r['status']:<8} {total:>8}  {'passed' if r['passed'] is True else ''}")
