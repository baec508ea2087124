"""The notebooks' exercises: one or more per notebook, each checked by the labs' check engine.

An exercise is a folder under `notebooks/exercises/` in the labs' own format (lab.yaml, README.md, checks.py,
solution.py; see `lab.camp.labs`), with an id such as `nb1` instead of a lab's DAY.N, so it never shows in the
labs' list or the progress grid: an exercise is a self-check while reading, not a graded lab. In a notebook:

    from lab.camp.exercises import check, solve
    check("nb1", conn)   # PASS/FAIL per check and a hint for the first failure; returns the LabReport
    solve("nb1", conn)   # the reference answer, to catch up (like `stacklab solve`)

`check` is the one place a notebook asks for a verdict (`_verdict`): today it runs the engine in the kernel
with the student's own connection, as `stacklab check` does; when checks move to the cloud side, rewire there.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from lab.camp.engine import LabEnv, LabReport, apply_solution, run_lab
from lab.camp.labs import Lab, LabError

EXERCISE_ID = re.compile(r"^nb\d+(\.\d+)?$")
__all__ = ["boot_network", "check", "exercises_dir", "find_exercise", "load_exercises", "solve"]
NETWORK_NAME, NETWORK_CIDR = "nb-net", "192.168.250.0/24"


def exercises_dir() -> Path:
    """`$STACKLAB_EXERCISES_DIR`, else `notebooks/exercises` of the source tree this package runs from (never a
    student's copy of the notebooks: the checks are the course's, not something a student edits)."""
    if os.environ.get("STACKLAB_EXERCISES_DIR"):
        return Path(os.environ["STACKLAB_EXERCISES_DIR"]).expanduser()
    return Path(__file__).resolve().parent.parent.parent / "notebooks" / "exercises"


def _load(path: Path) -> Lab:
    meta = yaml.safe_load((path / "lab.yaml").read_text()) or {}
    exercise_id = str(meta.get("id", ""))
    if not EXERCISE_ID.match(exercise_id):
        raise LabError(f"{path / 'lab.yaml'}: id {exercise_id!r} is not nbN (e.g. nb2)")
    for name in ("README.md", "checks.py", "solution.py"):
        if not (path / name).exists():
            raise LabError(f"{path}: {name} is missing")
    return Lab(id=exercise_id, title=str(meta.get("title", exercise_id)), day=int(meta.get("day", 0)),
               summary=str(meta.get("summary", "")).strip(), path=path, requires=tuple(meta.get("requires") or ()),
               hints={str(k): str(v).strip() for k, v in (meta.get("hints") or {}).items()})


def load_exercises(directory: Path | None = None) -> list[Lab]:
    """Every exercise, ordered by id. Raises LabError for a malformed folder."""
    base = directory or exercises_dir()
    found = [_load(p) for p in sorted(base.iterdir()) if (p / "lab.yaml").exists()] if base.is_dir() else []
    return sorted(found, key=lambda lab: lab.id)


def find_exercise(exercise_id: str, directory: Path | None = None) -> Lab:
    """The exercise with this id. Raises LabError naming the known ones."""
    every = load_exercises(directory)
    for exercise in every:
        if exercise.id == exercise_id:
            return exercise
    raise LabError(f"unknown exercise {exercise_id!r}; the exercises are {', '.join(e.id for e in every)}")


def boot_network(conn: Any) -> tuple[Any, bool]:
    """(network, made) to boot a server on, named explicitly: once a project has several networks (the Day 2
    labs make some), Nova cannot choose (409 "Multiple possible networks found"). The first of the project's own
    networks that has a subnet; with none, `nb-net` is made (made=True: the caller removes it when done)."""
    for network in conn.network.networks(project_id=conn.current_project_id):
        if network.subnet_ids and not network.is_router_external:
            return network, False
    network = conn.network.create_network(name=NETWORK_NAME)
    conn.network.create_subnet(network_id=network.id, name=f"{NETWORK_NAME}-subnet", ip_version=4,
                               cidr=NETWORK_CIDR)
    return conn.network.get_network(network.id), True


def _verdict(exercise: Lab, conn: Any) -> LabReport:
    """Run the exercise's checks as the student (the rewiring point: see the module docstring)."""
    return run_lab(exercise, LabEnv(conn))


def check(exercise_id: str, conn: Any, quiet: bool = False) -> LabReport:
    """Check an exercise with the student's connection; print PASS/FAIL per check and the hint for the first
    failure (unless `quiet`); return the report. Never raises for a failing check."""
    exercise = find_exercise(exercise_id)
    report = _verdict(exercise, conn)
    if not quiet:
        print(f"Exercise {exercise.id}: {exercise.title}")
        for result in report.results:
            print(f"  {result.status.upper():<4}  {result.description}")
            if result.status == "fail" and result.message:
                print(f"        {result.message}")
        if report.skipped_reason:
            print(f"Skipped: {report.skipped_reason}.")
        elif report.completed:
            print(f"{exercise.id}: all {report.total} checks passed.")
        else:
            print(f"{exercise.id}: {report.passed}/{report.total} checks passed.")
            if report.first_failure is not None and report.first_failure.hint:
                print(f"Hint: {report.first_failure.hint}")
    return report


def solve(exercise_id: str, conn: Any) -> None:
    """Apply the exercise's reference answer in the student's project (to catch up)."""
    apply_solution(find_exercise(exercise_id), LabEnv(conn))
