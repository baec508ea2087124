"""Grading as the cloud does it, against one live cloud: `POST /lab/v1/labs/{id}/check` runs a lab's checks with
the caller's own token and records the result, `.../solve` records `solved`, bad input is the lab API's error,
and the evidence checks read (Nova's instance actions, shown by `openstack server event list`) is there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from lab.camp.engine import LabEnv
from lab.camp.labs import find_lab
from tests.conftest import LiveCloud, start_live_cloud

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def grading_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    lab = start_live_cloud(tmp_path_factory.mktemp("grading") / "lab")
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def students(grading_lab: LiveCloud) -> dict[str, dict[str, Any]]:
    admin = grading_lab.sdk()
    lab = f"{grading_lab.url}/lab/v1"
    r = admin.session.post(f"{lab}/classes", json={"class": {"name": "g", "students": 4, "prefix": "g"}})
    assert r.status_code == 201, r.text
    made = {}
    for name in r.json()["class"]["planned_students"]:
        s = admin.session.post(f"{lab}/classes/g/students", json={"student": {"name": name}})
        made[name] = s.json()["student"]
    return made


def connect(cloud: LiveCloud, student: dict[str, Any]) -> Any:
    import openstack

    return openstack.connect(auth_url=f"{cloud.url}/identity", username=student["name"],
                             password=student["password"], project_name=student["name"],
                             user_domain_name="Default", project_domain_name="Default", region_name="RegionOne",
                             interface="public", identity_api_version="3")


def post(conn: Any, cloud: LiveCloud, path: str) -> Any:
    return conn.session.post(f"{cloud.url}/lab/v1{path}", raise_exc=False)


def test_the_cloud_checks_and_records(grading_lab: LiveCloud, students: dict[str, dict[str, Any]]) -> None:
    """A check the cloud ran is recorded with its time and method (checked, then earned once it passes on the
    student's own work); the student reads it back, another student does not see it."""
    conn = connect(grading_lab, students["g01"])
    r = post(conn, grading_lab, "/labs/3.1/check")
    assert r.status_code == 200, r.text
    body = r.json()["check"]
    assert (body["passed"], body["total"], body["progress"]["method"]) == (0, 3, "checked")
    assert body["checks"][0]["hint"] and body["progress"]["updated_at"]
    conn.block_storage.create_volume(name="lab-vol", size=1)
    LabEnv(conn).wait(lambda: LabEnv(conn).volume("lab-vol"), lambda v: v.status == "available", "lab-vol")
    body = post(conn, grading_lab, "/labs/3.1/check").json()["check"]
    row = body["progress"]
    assert (body["completed"], row["method"], row["grade"]) == (True, "earned", "earned")
    assert row["earned_at"] and row["recorded_by"] == "g01"
    mine = conn.session.get(f"{grading_lab.url}/lab/v1/progress").json()["progress"]
    assert [(p["lab_id"], p["grade"]) for p in mine] == [("3.1", "earned")]
    other = connect(grading_lab, students["g02"])
    assert other.session.get(f"{grading_lab.url}/lab/v1/progress").json()["progress"] == []


def test_a_solve_is_not_earned(grading_lab: LiveCloud, students: dict[str, dict[str, Any]]) -> None:
    """`solve` applies the reference solution in the cloud and records `solved`; checking afterwards stays
    `solved`; solving again over the same names is the lab API's 409 with what failed."""
    conn = connect(grading_lab, students["g02"])
    r = post(conn, grading_lab, "/labs/1.4/solve")
    assert r.status_code == 200, r.text
    assert r.json()["check"]["completed"] and r.json()["check"]["progress"]["method"] == "solved"
    again = post(conn, grading_lab, "/labs/1.4/check").json()["check"]["progress"]
    assert (again["method"], again["grade"], again["earned_at"]) == ("solved", "solved", None)
    r = post(conn, grading_lab, "/labs/1.4/solve")
    assert r.status_code == 409, r.text
    assert r.json()["error"]["message"].startswith("The solution of lab 1.4 failed:")


def test_bad_lab_ids(grading_lab: LiveCloud, students: dict[str, dict[str, Any]]) -> None:
    """An unknown lab is 404 naming the labs, a malformed id 400; nothing is recorded; no token is 401."""
    conn = connect(grading_lab, students["g03"])
    r = post(conn, grading_lab, "/labs/9.9/check")
    assert r.status_code == 404 and "unknown lab '9.9'" in r.json()["error"]["message"]
    r = post(conn, grading_lab, "/labs/x/solve")
    assert r.status_code == 400 and "is not a lab id" in r.json()["error"]["message"]
    assert conn.session.get(f"{grading_lab.url}/lab/v1/progress").json()["progress"] == []
    import httpx

    assert httpx.post(f"{grading_lab.url}/lab/v1/labs/1.1/check").status_code == 401


def test_failure_messages_do_not_give_the_answer(grading_lab: LiveCloud,
                                                 students: dict[str, dict[str, Any]]) -> None:
    """Lab 1.4 solved on the wrong flavor fails without naming the smallest flavor; lab 1.7 with `cirros`
    fails without naming the host name the guest announced."""
    conn = connect(grading_lab, students["g03"])
    env = LabEnv(conn)
    for lab_id, answer in (("1.4", "m1.nano"), ("1.7", "lab-console")):
        solve, _ = find_lab(lab_id).wrong_solution()
        solve(env)
        body = post(conn, grading_lab, f"/labs/{lab_id}/check").json()["check"]
        failed = [c for c in body["checks"] if c["status"] == "fail"]
        assert failed and not body["completed"]
        assert all(answer not in c["message"] for c in failed), failed


def test_server_event_list_shows_the_history(grading_lab: LiveCloud, students: dict[str, dict[str, Any]]) -> None:
    """`openstack server event list` (Nova's os-instance-actions) shows create, resize, revertResize and stop,
    newest first; `server event show` finds one by its request id; a deleted server's history stays readable
    by its project, and is Nova's 404 for anyone else."""
    conn = connect(grading_lab, students["g04"])
    env = LabEnv(conn)
    server = env.boot("hist")
    conn.compute.resize_server(server, conn.compute.find_flavor("m1.micro").id)
    env.wait_server(server, "VERIFY_RESIZE")
    conn.compute.revert_server_resize(server)
    env.wait_server(server, "ACTIVE")
    conn.compute.stop_server(server)
    env.wait_server(server, "SHUTOFF")
    student = students["g04"]
    env_vars = {**grading_lab.os_env(student["name"], password=student["password"])}
    import subprocess
    import sys
    from pathlib import Path

    cli = str(Path(sys.executable).with_name("openstack"))
    listed = subprocess.run([cli, "server", "event", "list", "hist", "-f", "json"], env=env_vars,
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["Action"] for r in rows] == ["stop", "revertResize", "resize", "create"]
    shown = subprocess.run([cli, "server", "event", "show", "hist", rows[2]["Request ID"], "-f", "json"],
                           env=env_vars, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["action"] == "resize"
    assert env.server_actions(server) == ["create", "resize", "revertResize", "stop"]
    conn.compute.delete_server(server)
    env.wait(lambda: env.server("hist"), lambda s: s is None, "hist to go")
    assert [a.action for a in conn.compute.server_actions(server.id)][0] == "delete"
    other = connect(grading_lab, students["g01"]).compute.get(f"/servers/{server.id}/os-instance-actions")
    assert other.status_code == 404 and "could not be found" in other.json()["itemNotFound"]["message"]


def test_billing_lab_through_the_cloud(grading_lab: LiveCloud, students: dict[str, dict[str, Any]]) -> None:
    """Lab 4.1 is graded by the cloud like any other (its billing service is there, nothing is skipped): the
    wrong solution (the cost read while the server runs) fails, the reference solution then passes."""
    conn = connect(grading_lab, students["g01"])
    solve, fails = find_lab("4.1").wrong_solution()
    solve(LabEnv(conn))
    body = post(conn, grading_lab, "/labs/4.1/check").json()["check"]
    assert body["skipped_reason"] == "" and not body["completed"]
    assert {c["name"] for c in body["checks"] if c["status"] == "fail"} >= set(fails)
    conn.image.delete_image(LabEnv(conn).image("bill-answers"))
    conn.compute.delete_server(LabEnv(conn).server("lab-billed"))
    LabEnv(conn).wait(lambda: LabEnv(conn).server("lab-billed"), lambda s: s is None, "lab-billed to go")
    body = post(conn, grading_lab, "/labs/4.1/solve").json()["check"]
    assert body["completed"], body["checks"]


def test_checks_run_when_the_public_url_is_elsewhere(tmp_path: Any) -> None:
    """A lab whose catalog names another address (a classroom's public URL, unreachable from here) still runs
    checks: the cloud sends its own checks to its local port."""
    import httpx

    from tests.conftest import ADMIN_PASSWORD

    lab = start_live_cloud(tmp_path / "lab", extra_env={"STACKLAB_PUBLIC_URL": "http://classroom.invalid:9"})
    try:
        r = httpx.post(f"{lab.url}/identity/v3/auth/tokens", json={"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "password": ADMIN_PASSWORD, "domain": {"name": "Default"}}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
        catalog = r.json()["token"]["catalog"]
        assert all(e["url"].startswith("http://classroom.invalid:9") for s in catalog for e in s["endpoints"])
        headers = {"X-Auth-Token": r.headers["x-subject-token"]}
        checked = httpx.post(f"{lab.url}/lab/v1/labs/1.1/check", headers=headers, timeout=120)
        assert checked.status_code == 200, checked.text
        body = checked.json()["check"]
        assert body["total"] == 3 and body["progress"]["method"] == "checked"
        assert all("Connection" not in c["message"] for c in body["checks"]), body["checks"]
    finally:
        lab.stop()
