"""The mock exam against the shared live cloud: the instructor starts it for three fresh students at once; one
does every task (100 %), one none (0 %), one half (what the weights say); the cloud grades each as the
student. Students get different papers, see only their own, and cannot start or write anyone's result."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from lab.camp.engine import LabEnv
from lab.camp.exam import exams_dir, load_exam
from lab.cli import main
from tests.camp.test_drills import call, connect
from tests.conftest import LiveCloud, user_env

pytestmark = pytest.mark.e2e

# Every service the exam can use: with the seed, `draw` gives back the paper the cloud drew (and its parameters).
EVERY_SERVICE = {"identity", "compute", "object-store", "block-storage", "network", "image"}
HALF = ("keypair", "network", "volume", "image", "appcred")  # what the third student does


def expected(done: set[str], paper: list[dict[str, Any]]) -> float:
    """The total from exam.yaml's weights, worked out here: each domain's weight shared by its tasks."""
    weights = yaml.safe_load((exams_dir() / "coa" / "exam.yaml").read_text())["domains"]
    present = {t["domain"] for t in paper}
    scale = 100 / sum(w for d, w in weights.items() if d in present)
    return sum(weights[t["domain"]] * scale / sum(1 for u in paper if u["domain"] == t["domain"])
               for t in paper if t["id"] in done)


@pytest.fixture(scope="module")
def exam_class(live_cloud: LiveCloud) -> dict[str, dict[str, Any]]:
    admin = live_cloud.sdk()
    r = call(admin, live_cloud, "POST", "/classes", {"class": {"name": "exam", "students": 3, "prefix": "ex"}})
    assert r.status_code == 201, r.text
    return {name: call(admin, live_cloud, "POST", "/classes/exam/students", {"student": {"name": name}}
                       ).json()["student"] for name in r.json()["class"]["planned_students"]}


def test_exam_graded_by_the_cloud(live_cloud: LiveCloud, exam_class: dict[str, dict[str, Any]]) -> None:
    admin = live_cloud.sdk()
    everyone = ["ex01", "ex02", "ex03"]
    conns = {name: connect(live_cloud, exam_class[name]) for name in everyone}
    # A student cannot start anyone else's exam.
    assert call(conns["ex01"], live_cloud, "POST", "/exams", {"exam": {"students": everyone}}).status_code == 403
    started = call(admin, live_cloud, "POST", "/exams", {"exam": {"students": everyone, "minutes": 30, "seed": 7}})
    assert started.status_code == 201, started.text
    papers = {row["project_name"]: row for row in started.json()["exams"]}
    assert len({row["deadline"] for row in papers.values()}) == 1  # one time window
    assert papers["ex01"]["tasks"] != papers["ex02"]["tasks"]  # different names and numbers
    assert call(conns["ex01"], live_cloud, "POST", "/exams", {"exam": {}}).status_code == 409  # one at a time
    mine = call(conns["ex02"], live_cloud, "GET", "/exams").json()["exams"]
    assert [row["project_name"] for row in mine] == ["ex02"]

    exam = load_exam()
    for name, tasks in (("ex01", None), ("ex03", HALF)):
        env = LabEnv(conns[name])
        for task in exam.draw(papers[name]["seed"], EVERY_SERVICE):
            if tasks is None or task["id"] in tasks:
                exam.task_fn(task["id"], "solve")(env, task["params"])

    graded = {}
    for name in everyone:
        r = call(conns[name], live_cloud, "POST", "/exams/submit")
        assert r.status_code == 200, r.text
        graded[name] = r.json()["exam"]
    assert graded["ex01"]["score"]["total"] == 100 and graded["ex01"]["score"]["passed"] is True
    assert all(t["passed"] for t in graded["ex01"]["tasks"])
    # ex02 did nothing: the paper's starting state (made for them) passes no task.
    assert graded["ex02"]["score"]["total"] == 0 and not any(t["passed"] for t in graded["ex02"]["tasks"])
    assert all(t["message"] for t in graded["ex02"]["tasks"])
    half = graded["ex03"]
    assert {t["id"] for t in half["tasks"] if t["passed"]} == set(HALF)
    assert half["score"]["total"] == pytest.approx(expected(set(HALF), half["tasks"]), abs=0.02)
    assert half["score"]["passed"] is False and half["score"]["left_out"] == []

    # Graded once: a second submit finds nothing running; the instructor sees every result, no student writes.
    assert call(conns["ex01"], live_cloud, "POST", "/exams/submit").status_code == 404
    rows = call(admin, live_cloud, "GET", "/exams").json()["exams"]
    assert {r["project_name"]: r["score"]["total"] for r in rows if r["project_name"] in everyone} == \
        {n: graded[n]["score"]["total"] for n in everyone}
    # A redo from the start: the project is reset (ex01's work is gone), the paper of the last exam is drawn
    # again, and its starting state is there again (the volume to extend is back at 1 GB).
    redo = call(conns["ex01"], live_cloud, "POST", "/exams", {"exam": {"fresh": True}})
    assert redo.status_code == 201, redo.text
    assert redo.json()["exams"][0]["tasks"] == papers["ex01"]["tasks"]
    assert list(conns["ex01"].compute.keypairs()) == []
    extend = next(t for t in exam.draw(papers["ex01"]["seed"], EVERY_SERVICE) if t["id"] == "extend")
    assert LabEnv(conns["ex01"]).volume(extend["params"]["name"]).size == 1
    # Start over during the exam: back to the paper's start, the same deadline; a project that is no class
    # student's has no start to go back to.
    keypair = next(t for t in exam.draw(papers["ex01"]["seed"], EVERY_SERVICE) if t["id"] == "keypair")
    exam.task_fn("keypair", "solve")(LabEnv(conns["ex01"]), keypair["params"])
    exam.task_fn("extend", "solve")(LabEnv(conns["ex01"]), extend["params"])
    again = call(conns["ex01"], live_cloud, "POST", "/exams/reset")
    assert again.status_code == 200, again.text
    assert again.json()["exam"]["deadline"] == redo.json()["exams"][0]["deadline"]
    assert list(conns["ex01"].compute.keypairs()) == []
    assert LabEnv(conns["ex01"]).volume(extend["params"]["name"]).size == 1
    assert call(conns["ex02"], live_cloud, "POST", "/exams/reset").status_code == 404  # ex02 has handed in
    assert call(admin, live_cloud, "POST", "/exams", {"exam": {"fresh": True}}).status_code == 409
    regraded = call(conns["ex01"], live_cloud, "POST", "/exams/submit").json()["exam"]
    assert regraded["score"]["total"] == 0

    page = conns["ex03"].session.get(f"{live_cloud.url}/lab/exam", raise_exc=False)
    assert page.status_code == 200 and "ex03" in page.text and "ex01" not in page.text
    assert page.text.count("PASS ") == len(HALF) and "not passed" in page.text
    assert call(conns["ex02"], live_cloud, "POST", "/progress",
                {"progress": {"project_id": exam_class["ex02"]["project_id"], "lab_id": "1.1", "passed": 1,
                              "total": 1}}).status_code == 403


def test_results_in_the_progress_grid(live_cloud: LiveCloud, exam_class: dict[str, dict[str, Any]],
                                      tmp_path: Path) -> None:
    """`stacklab class progress --csv` carries each student's graded exam total (after the test above)."""
    env = user_env(tmp_path, STACKLAB_PORT=live_cloud.url.rsplit(":", 1)[1], STACKLAB_DATA_DIR=str(live_cloud.data_dir))
    result = CliRunner().invoke(main, ["class", "progress", "--name", "exam", "--csv"], env=env)
    assert result.exit_code == 0, result.output
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(result.output))}
    assert (rows["ex01"]["exam"], rows["ex02"]["exam"]) == ("0%", "0%") and rows["ex01"]["exam at"]  # the redo
    assert rows["ex03"]["drills repaired"] == "0"
    exams = CliRunner().invoke(main, ["exam", "results", "--csv"], env=env)
    assert exams.exit_code == 0, exams.output
    totals = [(r["student"], r["total"]) for r in csv.DictReader(io.StringIO(exams.output)) if r["student"] == "ex01"]
    assert totals == [("ex01", "100.0"), ("ex01", "0.0")]  # the first paper and its redo, both kept


def test_bad_exam_input(live_cloud: LiveCloud, exam_class: dict[str, dict[str, Any]]) -> None:
    conn = connect(live_cloud, exam_class["ex02"])
    for body in ({"minutes": 0}, {"minutes": "x"}, {"seed": -1}):
        assert call(conn, live_cloud, "POST", "/exams", {"exam": body}).status_code == 400
    assert call(live_cloud.sdk(), live_cloud, "POST", "/exams", {"exam": {"students": ["nobody-here"]}}
                ).status_code == 404


def test_the_paper_closes_at_time_up(live_cloud: LiveCloud, exam_class: dict[str, dict[str, Any]],
                                     tmp_path: Path) -> None:
    """The instructor starts a one-minute exam for two students (`stacklab exam start --student ... --fresh`:
    from the class's starting state); one does a task, neither submits; when the lab clock passes the deadline
    the lab grades both by itself, as each student, on what is there; a submit afterwards finds nothing."""
    from tests.camp.test_drills import wait_for

    env = user_env(tmp_path, STACKLAB_PORT=live_cloud.url.rsplit(":", 1)[1], STACKLAB_DATA_DIR=str(live_cloud.data_dir))
    started = CliRunner().invoke(main, ["exam", "start", "--student", "ex02", "--student", "ex03", "--minutes", "1",
                                        "--seed", "11", "--fresh"], env=env)  # fresh: from the class start
    assert started.exit_code == 0 and "started the exam for ex03" in started.output, started.output
    conns = {name: connect(live_cloud, exam_class[name]) for name in ("ex02", "ex03")}
    [paper] = [r for r in call(conns["ex03"], live_cloud, "GET", "/exams").json()["exams"] if r["status"] == "running"]
    exam = load_exam()
    task = next(t for t in exam.draw(paper["seed"], EVERY_SERVICE) if t["id"] == "keypair")
    exam.task_fn("keypair", "solve")(LabEnv(conns["ex03"]), task["params"])
    # ex02 starts over as a student types it (their clouds.yaml entry): the same paper, the same deadline.
    from lab.clouds_yaml import student_entry

    clouds = Path(env["OS_CLIENT_CONFIG_FILE"])
    clouds.parent.mkdir(parents=True, exist_ok=True)
    clouds.write_text(yaml.safe_dump({"clouds": {"ex02": student_entry(f"{live_cloud.url}/identity", "ex02",
                                                                       exam_class["ex02"]["password"])}}))
    over = CliRunner().invoke(main, ["exam", "reset", "--cloud", "ex02"], env=env)
    assert over.exit_code == 0 and "back at the exam's start" in over.output and "seed 11" in over.output, over.output

    assert call(live_cloud.sdk(), live_cloud, "POST", "/clock/advance", {"by": "2m"}).status_code == 200

    def graded(name: str) -> dict[str, Any] | None:
        latest = call(conns[name], live_cloud, "GET", "/exams").json()["exams"][-1]
        return latest if latest["status"] == "graded" else None

    for name in ("ex02", "ex03"):
        row = wait_for(lambda name=name: graded(name), f"{name}'s exam to be graded at time-up")
        assert row["score"]["graded_by"] == "time-up" and row["score"]["late"] is False
        assert row["score"]["minutes_taken"] == 1.0 and row["submitted_at"] == row["deadline"]
        passed = {t["id"] for t in row["tasks"] if t["passed"]}
        assert passed == ({"keypair"} if name == "ex03" else set()), (name, row["tasks"])
        assert call(conns[name], live_cloud, "POST", "/exams/submit").status_code == 404
    page = conns["ex03"].session.get(f"{live_cloud.url}/lab/exam", raise_exc=False)
    assert page.status_code == 200 and "Graded at time-up." in page.text
    results = CliRunner().invoke(main, ["exam", "results", "--csv"], env=env)
    rows = [r for r in csv.DictReader(io.StringIO(results.output)) if r["student"] == "ex03"]
    assert rows[-1]["graded_by"] == "time-up" and float(rows[-1]["total"]) > 0
