"""Every lab, against one live cloud for the module: its reference solution passes all its checks, and a fresh
project fails every one of them (so no check passes vacuously). Checks run in this process through
openstacksdk, as `stacklab check` runs them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from lab.camp.engine import LabEnv, apply_solution, run_lab
from lab.camp.labs import Lab, load_labs
from tests.conftest import ADMIN_PASSWORD, LiveCloud, start_live_cloud

pytestmark = pytest.mark.e2e
LABS = load_labs()


@pytest.fixture(scope="module")
def lab_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    lab = start_live_cloud(tmp_path_factory.mktemp("labs") / "lab")
    yield lab
    lab.stop()


def admin_token(cloud: LiveCloud) -> dict[str, str]:
    r = httpx.post(f"{cloud.url}/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "password": ADMIN_PASSWORD, "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
    return {"X-Auth-Token": r.headers["x-subject-token"]}


@pytest.fixture(scope="module")
def students(lab_cloud: LiveCloud) -> dict[str, dict[str, Any]]:
    """Two students per lab (one solves, one stays fresh), made with the lab admin API."""
    headers = admin_token(lab_cloud)
    count = 2 * len(LABS)
    r = httpx.post(f"{lab_cloud.url}/lab/v1/classes", headers=headers,
                   json={"class": {"name": "labs", "students": count, "prefix": "s"}})
    assert r.status_code == 201, r.text
    made = {}
    for name in r.json()["class"]["planned_students"]:
        s = httpx.post(f"{lab_cloud.url}/lab/v1/classes/labs/students", headers=headers,
                       json={"student": {"name": name}}, timeout=30)
        assert s.status_code == 201, s.text
        made[name] = s.json()["student"]
    return made


def connect(cloud: LiveCloud, user: str, password: str) -> Any:
    import openstack

    return openstack.connect(auth_url=f"{cloud.url}/identity", username=user, password=password,
                             project_name=user, user_domain_name="Default", project_domain_name="Default",
                             region_name="RegionOne", interface="public", identity_api_version="3")


def student_env(cloud: LiveCloud, students: dict[str, dict[str, Any]], lab: Lab, fresh: bool) -> LabEnv:
    index = LABS.index(lab) * 2 + (1 if fresh else 0)
    student = list(students.values())[index]
    return LabEnv(connect(cloud, student["name"], student["password"]))


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_solution_passes_and_fresh_project_fails(lab: Lab, lab_cloud: LiveCloud,
                                                 students: dict[str, dict[str, Any]]) -> None:
    checks = lab.checks()
    assert checks, f"lab {lab.id} has no checks"
    assert all(c.hint for c in checks), f"lab {lab.id}: every check needs a hint in lab.yaml"
    fresh = run_lab(lab, student_env(lab_cloud, students, lab, fresh=True))
    if "billing" in lab.requires and lab_cloud.sdk().endpoint_for("billing") is None:
        assert fresh.skipped_reason and "no billing service" in fresh.skipped_reason
        assert all(r.status == "skip" for r in fresh.results)
        return
    assert [r.name for r in fresh.results if r.status != "fail"] == [], fresh
    assert fresh.first_failure is not None and fresh.first_failure.hint
    if lab.admin:
        env = LabEnv(lab_cloud.sdk())
        before = run_lab(lab, env)
        assert before.passed == 0, before
    else:
        env = student_env(lab_cloud, students, lab, fresh=False)
    apply_solution(lab, env)
    report = run_lab(lab, env)
    failures = [(r.name, r.message) for r in report.results if r.status != "pass"]
    assert failures == [] and report.completed, failures


def test_every_lab_folder_is_complete() -> None:
    """Ids are DAY.N and unique, each folder has instructions, checks with hints, a solution; 20+ labs."""
    assert len(LABS) >= 20
    assert {lab.day for lab in LABS} == {1, 2, 3, 4, 5}
    for lab in LABS:
        assert lab.instructions.startswith(f"# {lab.id} "), lab.path
        assert callable(lab.solution())
        unknown = set(lab.hints) - {c.name for c in lab.checks()}
        assert not unknown, f"{lab.id}: hints for unknown checks {unknown}"
    assert Path(LABS[0].path).parent.name == "labs"
