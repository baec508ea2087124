"""A student reset is atomic: a step that fails before the commit leaves the student's state exactly as it
was (through the API and on disk), and a process killed after the commit is finished by the next start."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.errors import Conflict
from lab.cloud.labapi import reset
from lab.cloud.labapi.reset import leftovers
from lab.cloud.labapi.snapshots import dir_files
from lab.cloud.worker import Job
from tests.camp.test_camp_api import L, build_mess, files_with, make_class, student_headers


def student_state(client: TestClient, cloud: Cloud, student: dict[str, Any], headers: dict[str, str],
                  admin: dict[str, str]) -> dict[str, Any]:
    """Everything a reset touches, as the student and the admin see it, plus the files and pending jobs."""
    pid = student["project_id"]
    lists = {
        "servers": "/compute/v2.1/servers/detail", "keypairs": "/compute/v2.1/os-keypairs",
        "volumes": f"/volume/v3/{pid}/volumes/detail", "snapshots": f"/volume/v3/{pid}/snapshots/detail",
        "images": f"/image/v2/images?owner={pid}", "networks": f"/network/v2.0/networks?project_id={pid}",
        "ports": f"/network/v2.0/ports?project_id={pid}", "routers": "/network/v2.0/routers",
        "floatingips": "/network/v2.0/floatingips", "security_groups": "/network/v2.0/security-groups",
    }
    state: dict[str, Any] = {}
    for kind, path in lists.items():
        r = client.get(path, headers=headers)
        assert r.status_code == 200, (path, r.text)
        body = r.json()
        items = next(v for v in body.values() if isinstance(v, list))
        state[kind] = sorted(str(sorted((k, str(v)) for k, v in i.items())) for i in items)
    state["compute_quota"] = client.get(f"/compute/v2.1/os-quota-sets/{pid}", headers=admin).json()
    state["files"] = {k: v for k, v in dir_files(cloud.settings.data_dir).items() if not k.startswith("stacklab.db")}
    with cloud.db.read() as db:
        state["jobs"] = int(db.scalar(select(func.count()).select_from(Job)) or 0)
    return state


def messy_student(client: TestClient, cloud: Cloud, as_admin: dict[str, str]
                  ) -> tuple[dict[str, Any], dict[str, str]]:
    (s1,) = make_class(client, as_admin, students=1, quota="instances=5")
    h1 = student_headers(client, s1)
    build_mess(client, cloud, h1, "a")
    client.put(f"/compute/v2.1/os-quota-sets/{s1['project_id']}", headers=as_admin,
               json={"quota_set": {"instances": 9}})
    return s1, h1


def test_reset_refused_midway_changes_nothing(client: TestClient, as_admin: dict[str, str], cloud: Cloud) -> None:
    """The admin's port on the student's network makes Neutron refuse the network delete, after the servers,
    volumes and images were already deleted in the reset's transaction: all of it is rolled back."""
    s1, h1 = messy_student(client, cloud, as_admin)
    net = client.get(f"/network/v2.0/networks?project_id={s1['project_id']}", headers=h1).json()["networks"][0]
    r = client.post("/network/v2.0/ports", headers=as_admin, json={"port": {"network_id": net["id"]}})
    assert r.status_code == 201, r.text
    before = student_state(client, cloud, s1, h1, as_admin)
    assert before["servers"] and before["volumes"] and before["images"] and before["files"]
    r = client.post(f"{L}/students/student01/reset", headers=as_admin)
    assert r.status_code == 409, r.text
    message = r.json()["error"]["message"]
    assert message.startswith("Reset of student01 refused, nothing was changed: Unable to complete operation on "
                              f"network {net['id']}."), message
    assert student_state(client, cloud, s1, h1, as_admin) == before
    # Once the port is gone the same reset goes through.
    port_id = _admin_port(client, as_admin, net["id"])
    assert client.delete(f"/network/v2.0/ports/{port_id}", headers=as_admin).status_code == 204
    r = client.post(f"{L}/students/student01/reset", headers=as_admin)
    assert r.status_code == 200, r.text
    assert leftovers(cloud, s1["project_id"], [s1["user_id"]]) == {}


def _admin_port(client: TestClient, as_admin: dict[str, str], network_id: str) -> str:
    ports = client.get(f"/network/v2.0/ports?network_id={network_id}", headers=as_admin).json()["ports"]
    return str(next(p["id"] for p in ports if p["device_owner"] == ""))


def test_reset_failing_at_the_last_step_changes_nothing(client: TestClient, as_admin: dict[str, str],
                                                        cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: the last step before the commit (restoring quotas and password) raises after every
    delete was made in the transaction; the student's state, quota override included, is as before."""
    s1, h1 = messy_student(client, cloud, as_admin)
    before = student_state(client, cloud, s1, h1, as_admin)

    def broken(*_args: Any) -> bool:
        raise Conflict("simulated failure")

    monkeypatch.setattr(reset, "restore_starting_state", broken)
    r = client.post(f"{L}/students/student01/reset", headers=as_admin)
    assert r.status_code == 409
    assert r.json()["error"]["message"] == "Reset of student01 refused, nothing was changed: simulated failure"
    assert student_state(client, cloud, s1, h1, as_admin) == before
    assert before["compute_quota"]["quota_set"]["instances"] == 9


def test_reset_killed_after_commit_is_finished_at_next_start(client: TestClient, as_admin: dict[str, str],
                                                             cloud: Cloud, monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies right after the commit (the cleanup never runs): the database already shows a clean
    student, the files are still there, and the next start's worker removes them."""
    s1, h1 = messy_student(client, cloud, as_admin)
    ids = [s["id"] for s in client.get("/compute/v2.1/servers", headers=h1).json()["servers"]]
    ids += [v["id"] for v in client.get(f"/volume/v3/{s1['project_id']}/volumes", headers=h1).json()["volumes"]]
    ids += [i["id"] for i in client.get(f"/image/v2/images?owner={s1['project_id']}", headers=h1).json()["images"]]
    files = files_with(cloud.settings.data_dir, ids)
    assert len(files) >= 3
    monkeypatch.setattr(cloud.worker, "run_due", lambda **_kw: 0)  # killed before any job ran
    r = client.post(f"{L}/students/student01/reset", headers=as_admin)
    assert r.status_code == 200, r.text
    assert leftovers(cloud, s1["project_id"], [s1["user_id"]]) == {}
    assert files_with(cloud.settings.data_dir, ids) == files  # not removed yet
    monkeypatch.undo()
    restarted = Cloud(cloud.settings)
    try:
        restarted.bootstrap()
        restarted.worker.run_due(everything=True)
    finally:
        restarted.close()
    assert files_with(cloud.settings.data_dir, ids) == []
    with cloud.db.read() as db:
        assert db.scalar(select(func.count()).select_from(Job).where(Job.kind == reset.CLEANUP)) == 0
