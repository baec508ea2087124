"""The notebooks as a class runs them: an instructor creates a class, a student does every lab (the labs'
reference solutions, as tests/camp/test_labs.py applies them: the admin labs as the lab's admin), then runs each
notebook top to bottom with nbclient holding only their own clouds.yaml and OS_CLOUD. The exercise cells get
the exercise's reference answer (as `solve()` gives it); each notebook must end clean, draw real charts and say
that its exercise passed. The exercises' checks fail on a blank project and pass on their answers.
Notebooks are kept with their outputs stripped."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
from click.testing import CliRunner
from nbclient import NotebookClient

from lab.camp.engine import LabEnv, Skip, apply_solution, run_lab
from lab.camp.exercises import find_exercise, load_exercises
from lab.camp.labs import load_labs
from lab.cli import main
from tests.conftest import ADMIN_PASSWORD, LiveCloud, start_live_cloud, user_env

pytestmark = pytest.mark.e2e
NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
EXERCISES = load_exercises()
# A student who does every lab keeps a few servers and volumes of each: room for all of them and the notebooks.
QUOTA = "instances=40,cores=80,ram=65536,volumes=30,gigabytes=300,snapshots=30,network=20,subnet=20,port=100"


@pytest.fixture(scope="module")
def nb_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    lab = start_live_cloud(tmp_path_factory.mktemp("notebooks") / "lab")
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def sheets(nb_cloud: LiveCloud, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`stacklab class create` as the instructor: two students, their clouds.yaml files under clouds/."""
    home = tmp_path_factory.mktemp("instructor")
    env = user_env(home, STACKLAB_PORT=nb_cloud.url.rsplit(":", 1)[1], STACKLAB_DATA_DIR=str(nb_cloud.data_dir))
    runner = CliRunner()
    result = runner.invoke(main, ["clouds-yaml", "--write", "--admin-password", ADMIN_PASSWORD], env=env)
    assert result.exit_code == 0, result.output
    out = home / "sheets"
    result = runner.invoke(main, ["class", "create", "--students", "2", "--name", "nb", "--prefix", "nbs",
                                  "--quota", QUOTA, "--output", str(out)], env=env)
    assert result.exit_code == 0, result.output
    return out


def lab_clock(cloud: LiveCloud) -> float:
    """The lab clock's offset (seconds), read over the lab API as its admin (plain HTTP: no clouds.yaml)."""
    token = httpx.post(f"{cloud.url}/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "password": ADMIN_PASSWORD, "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}).headers["x-subject-token"]
    r = httpx.get(f"{cloud.url}/lab/v1/clock", headers={"X-Auth-Token": token})
    assert r.status_code == 200, r.text
    return float(r.json()["clock"]["offset_seconds"])


def student_conn(sheets: Path, name: str) -> Any:
    import openstack.config
    import openstack.connection

    # load_envvars=False: the tests' own OS_CLIENT_CONFIG_FILE (conftest) must not win over the student's file
    config = openstack.config.OpenStackConfig(config_files=[str(sheets / "clouds" / f"{name}.yaml")],
                                              load_envvars=False)
    return openstack.connection.Connection(config=config.get_one(cloud=name))


@pytest.fixture(scope="module")
def student(nb_cloud: LiveCloud, sheets: Path) -> str:
    """nbs01 has done every lab (its reference solution; admin labs as the admin, as the labs' test does)."""
    conn = student_conn(sheets, "nbs01")
    for lab in load_labs():
        env = LabEnv(nb_cloud.sdk()) if lab.admin else LabEnv(conn)
        try:
            apply_solution(lab, env)
        except Skip:
            continue
    networks = [n for n in conn.network.networks(project_id=conn.current_project_id)]
    assert len(networks) > 1, "the labs leave the student with several networks: the case the notebooks meet"
    return "nbs01"


def test_there_is_a_notebook_per_day_with_outputs_stripped_and_an_exercise() -> None:
    assert [p.name.split("-")[0] for p in NOTEBOOKS] == ["day1", "day2", "day3", "day4", "day5"]
    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        nbformat.validate(book)
        code = [c for c in book.cells if c.cell_type == "code"]
        assert code and all(not c.outputs and c.execution_count is None for c in code), path.name
        assert any("openstack.connect(cloud=" in c.source and "OS_CLOUD" in c.source for c in code), path.name
        assert [c for c in code if "exercise" in c.metadata.get("tags", [])], f"{path.name}: no exercise cell"
        assert any('check("nb' in c.source for c in code), f"{path.name}: the exercise is never checked"
        assert not any("clock/advance" in c.source or "clock advance" in c.source for c in code), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_as_a_class_student_after_the_labs(path: Path, nb_cloud: LiveCloud, sheets: Path,
                                                           student: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Top to bottom as the student, with the exercises answered: no error, clean at the end, a chart drawn,
    the exercise passed, and the lab clock where it was."""
    clock_before = lab_clock(nb_cloud)
    for key in [k for k in os.environ if k.startswith(("OS_", "STACKLAB_"))]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))  # no clouds.yaml but the student's own
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(sheets / "clouds" / f"{student}.yaml"))
    monkeypatch.setenv("OS_CLOUD", student)
    book = nbformat.read(path, as_version=4)
    answered = []
    for cell in book.cells:
        if "exercise" in cell.metadata.get("tags", []):
            exercise_id = next(c.source.split('"')[1] for c in book.cells if 'check("nb' in c.source)
            cell.source = f'solve("{exercise_id}", conn)'
            answered.append(exercise_id)
    NotebookClient(book, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in book.cells if c.cell_type == "code" for o in c.outputs]
    errors = [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"]
    assert not errors, errors
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert f"connected to {student}" in text
    assert "clean" in text.splitlines()
    for exercise_id in answered:
        assert f"{exercise_id}: all " in text and "checks passed" in text, text[-2000:]
    images = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.get("data", {})]
    assert images, f"{path.name} drew no chart"
    assert lab_clock(nb_cloud) == clock_before


@pytest.mark.parametrize("exercise", EXERCISES, ids=[e.id for e in EXERCISES])
def test_exercise_fails_blank_and_passes_with_its_answer(exercise: Any, sheets: Path) -> None:
    """On nbs02's project (which did no lab) every check of the exercise fails; after its answer, all pass."""
    env = LabEnv(student_conn(sheets, "nbs02"))
    blank = run_lab(exercise, env)
    if blank.skipped_reason:
        pytest.fail(f"{exercise.id} skipped on this cloud: {blank.skipped_reason}")
    assert [r.name for r in blank.results if r.status != "fail"] == [], blank
    assert blank.first_failure is not None and blank.first_failure.hint
    if exercise.id == "nb4" and env.server("nb1-exercise") is None:  # a bill with lines: nb1's server is one
        apply_solution(find_exercise("nb1"), env)
    apply_solution(exercise, env)
    report = run_lab(exercise, env)
    assert report.completed, [(r.name, r.message) for r in report.results if r.status != "pass"]
