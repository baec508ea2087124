"""Every lab, against one live cloud for the module: its reference solution passes all its checks, a
wrong-but-plausible solution (wrong.py) fails the checks it names, and a fresh project fails every one of them
(so no check passes vacuously). Checks run in this process through openstacksdk, the code the cloud runs for
`stacklab check` (tests/camp/test_grading.py runs them through the cloud)."""

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
ROLES = ("fresh", "solved", "wrong")  # one student per lab for each


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
def students(lab_cloud: LiveCloud) -> list[dict[str, Any]]:
    """Three students per lab (one stays fresh, one solves, one solves it wrong), made with the lab admin API."""
    headers = admin_token(lab_cloud)
    r = httpx.post(f"{lab_cloud.url}/lab/v1/classes", headers=headers,
                   json={"class": {"name": "labs", "students": len(ROLES) * len(LABS), "prefix": "s"}})
    assert r.status_code == 201, r.text
    made = []
    for name in r.json()["class"]["planned_students"]:
        s = httpx.post(f"{lab_cloud.url}/lab/v1/classes/labs/students", headers=headers,
                       json={"student": {"name": name}}, timeout=30)
        assert s.status_code == 201, s.text
        made.append(s.json()["student"])
    return made


@pytest.fixture(scope="module")
def second_admin(lab_cloud: LiveCloud) -> LabEnv:
    """Another cloud admin with a project of its own (its tag differs), for the admin labs' wrong solutions."""
    admin = lab_cloud.sdk()
    project = admin.identity.create_project(name="wrongadmin", domain_id="default")
    user = admin.identity.create_user(name="wrongadmin", password="s3cret-admin", domain_id="default",
                                      default_project_id=project.id)
    admin.identity.assign_project_role_to_user(project, user, admin.identity.find_role("admin"))
    return LabEnv(connect(lab_cloud, "wrongadmin", "s3cret-admin"))


def connect(cloud: LiveCloud, user: str, password: str) -> Any:
    import openstack

    return openstack.connect(auth_url=f"{cloud.url}/identity", username=user, password=password,
                             project_name=user, user_domain_name="Default", project_domain_name="Default",
                             region_name="RegionOne", interface="public", identity_api_version="3")


def student_env(cloud: LiveCloud, students: list[dict[str, Any]], lab: Lab, role: str) -> LabEnv:
    student = students[LABS.index(lab) * len(ROLES) + ROLES.index(role)]
    return LabEnv(connect(cloud, student["name"], student["password"]))


def skipped_without_billing(lab: Lab, cloud: LiveCloud, env: LabEnv) -> bool:
    """True (and the skip checked) when the lab needs billing and this cloud has none."""
    if "billing" in lab.requires and cloud.sdk().endpoint_for("billing") is None:
        report = run_lab(lab, env)
        assert report.skipped_reason and "no billing service" in report.skipped_reason
        assert all(r.status == "skip" for r in report.results)
        return True
    return False


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_fresh_project_fails_every_check(lab: Lab, lab_cloud: LiveCloud, students: list[dict[str, Any]]) -> None:
    """A project that has done nothing fails every check of the lab, each with a hint."""
    checks = lab.checks()
    assert checks, f"lab {lab.id} has no checks"
    assert all(c.hint for c in checks), f"lab {lab.id}: every check needs a hint in lab.yaml"
    env = student_env(lab_cloud, students, lab, "fresh")
    if skipped_without_billing(lab, lab_cloud, env):
        return
    fresh = run_lab(lab, env)
    assert [r.name for r in fresh.results if r.status != "fail"] == [], fresh
    assert fresh.first_failure is not None and fresh.first_failure.hint


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_reference_solution_passes(lab: Lab, lab_cloud: LiveCloud, students: list[dict[str, Any]]) -> None:
    """solution.py makes every check of the lab pass."""
    env = LabEnv(lab_cloud.sdk()) if lab.admin else student_env(lab_cloud, students, lab, "solved")
    if skipped_without_billing(lab, lab_cloud, env):
        return
    if lab.admin:
        assert run_lab(lab, env).passed == 0
    apply_solution(lab, env)
    report = run_lab(lab, env)
    failures = [(r.name, r.message) for r in report.results if r.status != "pass"]
    assert failures == [] and report.completed, failures


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_wrong_solution_fails(lab: Lab, lab_cloud: LiveCloud, students: list[dict[str, Any]],
                              second_admin: LabEnv) -> None:
    """wrong.py, a mistake a student could make, fails the checks it names (and so the lab)."""
    env = second_admin if lab.admin else student_env(lab_cloud, students, lab, "wrong")
    if skipped_without_billing(lab, lab_cloud, env):
        return
    solve, must_fail = lab.wrong_solution()
    assert set(must_fail) <= {c.name for c in lab.checks()}, f"{lab.id}: wrong.py names unknown checks"
    solve(env)
    report = run_lab(lab, env)
    status = {r.name: r.status for r in report.results}
    assert {name: status[name] for name in must_fail} == dict.fromkeys(must_fail, "fail"), report
    assert not report.completed


def test_every_lab_folder_is_complete() -> None:
    """Ids are DAY.N and unique, each folder has instructions, checks with hints, a solution and a wrong one."""
    assert len(LABS) >= 20
    assert {lab.day for lab in LABS} == {1, 2, 3, 4, 5}
    for lab in LABS:
        assert lab.instructions.startswith(f"# {lab.id} "), lab.path
        assert callable(lab.solution())
        assert callable(lab.wrong_solution()[0])
        unknown = set(lab.hints) - {c.name for c in lab.checks()}
        assert not unknown, f"{lab.id}: hints for unknown checks {unknown}"
    assert Path(LABS[0].path).parent.name == "labs"

