"""The training camp's lab admin API, in process: progress, classes, resets and snapshots, with their bad
input (unknown lab, another student's reset, a clashing class name, an unknown snapshot)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.identity.models import Project, User
from lab.cloud.labapi.models import LabClass, LabProgress
from lab.cloud.labapi.reset import leftovers
from lab.cloud.labapi.snapshots import dir_files
from tests.conftest import get_token

L = "/lab/v1"


def make_class(client: TestClient, as_admin: dict[str, str], name: str = "c1", students: int = 2,
               **extra: Any) -> list[dict[str, Any]]:
    r = client.post(f"{L}/classes", headers=as_admin, json={"class": {"name": name, "students": students, **extra}})
    assert r.status_code == 201, r.text
    made = []
    for student in r.json()["class"]["planned_students"]:
        s = client.post(f"{L}/classes/{name}/students", headers=as_admin, json={"student": {"name": student}})
        assert s.status_code == 201, s.text
        made.append(s.json()["student"])
    return made


def student_headers(client: TestClient, student: dict[str, Any]) -> dict[str, str]:
    return {"X-Auth-Token": get_token(client, student["name"], student["password"], student["name"])}


def counts(cloud: Cloud) -> tuple[int, int, int]:
    with cloud.db.read() as db:
        return (int(db.scalar(select(func.count()).select_from(Project)) or 0),
                int(db.scalar(select(func.count()).select_from(User)) or 0),
                int(db.scalar(select(func.count()).select_from(LabClass)) or 0))


def test_class_create_makes_project_user_role_quota(client: TestClient, as_admin: dict[str, str]) -> None:
    """Each student gets a project and user of their own name, can log in, and has the class's quotas."""
    students = make_class(client, as_admin, students=3, quota="instances=3,cores=4,volumes=2,network=1")
    assert [s["name"] for s in students] == ["student01", "student02", "student03"]
    headers = student_headers(client, students[1])
    quota = client.get(f"/compute/v2.1/os-quota-sets/{students[1]['project_id']}", headers=headers).json()
    assert quota["quota_set"]["instances"] == 3 and quota["quota_set"]["cores"] == 4
    net = client.get(f"/network/v2.0/quotas/{students[1]['project_id']}", headers=as_admin).json()
    assert net["quota"]["network"] == 1
    shown = client.get(f"{L}/classes/c1", headers=as_admin).json()["class"]
    assert shown["students"] == 3 and shown["quota"]["instances"] == 3
    assert "password" not in shown["student_list"][0]  # only its hash is kept


def test_class_name_clash_changes_nothing(client: TestClient, as_admin: dict[str, str], cloud: Cloud) -> None:
    """A second class of the same name, or students whose names exist (the prefix `demo` clashes with no one
    but `admin`... here `student`), is a 409 with a clear message; nothing is created."""
    make_class(client, as_admin, students=1)
    before = counts(cloud)
    r = client.post(f"{L}/classes", headers=as_admin, json={"class": {"name": "c1", "students": 2}})
    assert r.status_code == 409
    assert "A class named c1 already exists" in r.json()["error"]["message"]
    r = client.post(f"{L}/classes", headers=as_admin, json={"class": {"name": "c2", "students": 2}})
    assert r.status_code == 409
    assert "student01 already exist" in r.json()["error"]["message"]
    assert counts(cloud) == before


@pytest.mark.parametrize("body,message", [
    ({"name": "bad name", "students": 2}, "Invalid class name"),
    ({"name": "ok", "students": 0}, "Invalid number of students"),
    ({"name": "ok", "students": 2, "quota": "bogus=1"}, "Invalid quota 'bogus'"),
    ({"name": "ok", "students": 2, "quota": "instances=x"}, "must be an integer"),
])
def test_class_create_bad_input(client: TestClient, as_admin: dict[str, str], cloud: Cloud,
                                body: dict[str, Any], message: str) -> None:
    before = counts(cloud)
    r = client.post(f"{L}/classes", headers=as_admin, json={"class": body})
    assert r.status_code == 400 and message in r.json()["error"]["message"], r.text
    assert counts(cloud) == before


def test_class_management_is_admin_only(client: TestClient, as_demo: dict[str, str], cloud: Cloud) -> None:
    before = counts(cloud)
    r = client.post(f"{L}/classes", headers=as_demo, json={"class": {"name": "x", "students": 1}})
    assert r.status_code == 403 and "error" in r.json()
    assert client.get(f"{L}/snapshots", headers=as_demo).status_code == 403
    assert counts(cloud) == before


def test_student_cannot_write_progress(client: TestClient, as_admin: dict[str, str], cloud: Cloud) -> None:
    """The forged result of the issue (a student POSTing 4/4 for lab 5.3) is Keystone's 403, and nothing is
    stored: only the cloud records a student's results, when it runs their checks."""
    (s1,) = make_class(client, as_admin, students=1)
    h1 = student_headers(client, s1)
    for body in ({"lab_id": "5.3", "passed": 4, "total": 4},
                 {"lab_id": "5.3", "passed": 4, "total": 4, "project_id": s1["project_id"], "method": "earned"}):
        r = client.post(f"{L}/progress", headers=h1, json={"progress": body})
        assert r.status_code == 403, r.text
        error = r.json()["error"]
        assert (error["code"], error["title"]) == (403, "Forbidden")
        assert "not authorized to perform the requested action: lab:record_progress" in error["message"]
    with cloud.db.read() as db:
        assert db.scalar(select(func.count()).select_from(LabProgress)) == 0
    assert client.get(f"{L}/progress", headers=h1).json()["progress"] == []


def test_progress_recorded_by_admin_and_read_by_students(client: TestClient, as_admin: dict[str, str]) -> None:
    """An admin may record a result by hand (with its method); a student reads only their own."""
    s1, s2 = make_class(client, as_admin)
    r = client.post(f"{L}/progress", headers=as_admin, json={"progress": {
        "lab_id": "1.1", "passed": 1, "total": 2, "project_id": s1["project_id"]}})
    assert r.status_code == 201, r.text
    assert (r.json()["progress"]["grade"], r.json()["progress"]["method"]) == ("1/2", "earned")
    r = client.post(f"{L}/progress", headers=as_admin, json={"progress": {
        "lab_id": "1.1", "passed": 2, "total": 2, "project_id": s1["project_id"], "method": "solved"}})
    row = r.json()["progress"]
    assert (row["completed"], row["grade"], row["earned_at"], row["recorded_by"]) == (True, "solved", None, "admin")
    rows = client.get(f"{L}/progress", headers=as_admin).json()["progress"]
    assert [(p["project_name"], p["lab_id"], p["passed"]) for p in rows] == [("student01", "1.1", 2)]
    h1, h2 = student_headers(client, s1), student_headers(client, s2)
    assert [p["grade"] for p in client.get(f"{L}/progress", headers=h1).json()["progress"]] == ["solved"]
    assert client.get(f"{L}/progress", headers=h2).json()["progress"] == []
    r = client.get(f"{L}/progress?project_id={s1['project_id']}", headers=h2)
    assert r.status_code == 403


def test_progress_bad_input(client: TestClient, as_admin: dict[str, str], cloud: Cloud) -> None:
    """An unknown lab is 404, no project 400, nonsense counts or method 400: nothing is stored."""
    (s1,) = make_class(client, as_admin, students=1)
    pid = s1["project_id"]
    for body, code, words in (
            ({"lab_id": "9.99", "passed": 1, "total": 1, "project_id": pid}, 404, "unknown lab '9.99'"),
            ({"lab_id": "1.1", "passed": 1, "total": 1}, 400, "'project_id'"),
            ({"lab_id": "1.1", "passed": 3, "total": 1, "project_id": pid}, 400, "0 <= passed <= total"),
            ({"lab_id": "1.1", "passed": 1, "total": 1, "project_id": pid, "method": "magic"}, 400, "'method'"),
            ({"lab_id": "1.1", "passed": 1, "total": 1, "project_id": "nope"}, 404, "Could not find project")):
        r = client.post(f"{L}/progress", headers=as_admin, json={"progress": body})
        assert r.status_code == code and words in r.json()["error"]["message"], r.text
    with cloud.db.read() as db:
        assert db.scalar(select(func.count()).select_from(LabProgress)) == 0


def test_events_are_the_callers_own(client: TestClient, as_admin: dict[str, str]) -> None:
    """A student reads their own project's event log and no one else's (403)."""
    s1, s2 = make_class(client, as_admin)
    h1, h2 = student_headers(client, s1), student_headers(client, s2)
    r = client.post(f"/volume/v3/{s1['project_id']}/volumes", headers=h1,
                    json={"volume": {"name": "tmp-1", "size": 1}})
    assert r.status_code == 202, r.text
    mine = client.get(f"{L}/events?resource_type=volume", headers=h1).json()["events"]
    assert [(e["action"], e["attributes"]["name"]) for e in mine] == [("create", "tmp-1")]
    assert client.get(f"{L}/events", headers=h2).json()["events"] == []
    r = client.get(f"{L}/events?project_id={s1['project_id']}", headers=h2)
    assert r.status_code == 403 and "your own project" in r.json()["error"]["message"]


def build_mess(client: TestClient, cloud: Cloud, headers: dict[str, str], tag: str) -> None:
    """Servers, a volume attached plus a snapshot, a network with router/FIP, a security group, an image,
    a key pair: one of everything a reset must remove."""
    net = client.post("/network/v2.0/networks", headers=headers, json={"network": {"name": f"n-{tag}"}}).json()
    sub = client.post("/network/v2.0/subnets", headers=headers, json={"subnet": {
        "network_id": net["network"]["id"], "cidr": "192.168.50.0/24", "ip_version": 4}}).json()["subnet"]
    public = client.get("/network/v2.0/networks?name=public", headers=headers).json()["networks"][0]
    router = client.post("/network/v2.0/routers", headers=headers, json={"router": {
        "name": f"r-{tag}", "external_gateway_info": {"network_id": public["id"]}}}).json()["router"]
    r = client.put(f"/network/v2.0/routers/{router['id']}/add_router_interface", headers=headers,
                   json={"subnet_id": sub["id"]})
    assert r.status_code == 200, r.text
    client.post("/network/v2.0/security-groups", headers=headers, json={"security_group": {"name": f"sg-{tag}"}})
    image = client.get("/image/v2/images?name=cirros", headers=headers).json()["images"][0]
    server = client.post("/compute/v2.1/servers", headers=headers, json={"server": {
        "name": f"vm-{tag}", "imageRef": image["id"], "flavorRef": "1",
        "networks": [{"uuid": net["network"]["id"]}]}})
    assert server.status_code == 202, server.text
    sid = server.json()["server"]["id"]
    client.post("/compute/v2.1/os-keypairs", headers=headers, json={"keypair": {"name": f"k-{tag}"}})
    vol = client.post(f"/volume/v3/{cloud_project(client, headers)}/volumes", headers=headers,
                      json={"volume": {"size": 1, "name": f"v-{tag}"}}).json()["volume"]
    cloud.worker.run_due()
    pid = cloud_project(client, headers)
    snap = client.post(f"/volume/v3/{pid}/snapshots", headers=headers,
                       json={"snapshot": {"volume_id": vol["id"], "name": f"s-{tag}"}})
    assert snap.status_code == 202, snap.text
    cloud.worker.run_due()
    r = client.post(f"/compute/v2.1/servers/{sid}/os-volume_attachments", headers=headers,
                    json={"volumeAttachment": {"volumeId": vol["id"]}})
    assert r.status_code == 200, r.text
    port = client.get(f"/network/v2.0/ports?device_id={sid}", headers=headers).json()["ports"][0]
    r = client.post("/network/v2.0/floatingips", headers=headers, json={"floatingip": {
        "floating_network_id": public["id"], "port_id": port["id"]}})
    assert r.status_code == 201, r.text
    img = client.post("/image/v2/images", headers=headers, json={
        "name": f"img-{tag}", "disk_format": "raw", "container_format": "bare"}).json()
    r = client.put(f"/image/v2/images/{img['id']}/file", headers={**headers, "Content-Type":
                                                                   "application/octet-stream"}, content=b"x" * 4096)
    assert r.status_code == 204, r.text
    cloud.worker.run_due()


def cloud_project(client: TestClient, headers: dict[str, str]) -> str:
    r = client.get("/identity/v3/auth/tokens", headers={**headers, "X-Subject-Token": headers["X-Auth-Token"]})
    return str(r.json()["token"]["project"]["id"])


def files_with(data_dir: Path, ids: list[str]) -> list[str]:
    return [p for p in dir_files(data_dir) if any(i in p for i in ids)]


def test_reset_student_removes_everything_and_restores_quota(client: TestClient, as_admin: dict[str, str],
                                                             cloud: Cloud) -> None:
    """After a reset nothing of the student's is left, through the API and on disk; the other student's
    resources are untouched; the class quota and the original password are back."""
    s1, s2 = make_class(client, as_admin, quota="instances=5")
    h1, h2 = student_headers(client, s1), student_headers(client, s2)
    build_mess(client, cloud, h1, "a")
    build_mess(client, cloud, h2, "b")
    ids = [s["id"] for s in client.get("/compute/v2.1/servers", headers=h1).json()["servers"]]
    ids += [v["id"] for v in client.get(f"/volume/v3/{s1['project_id']}/volumes", headers=h1).json()["volumes"]]
    ids += [i["id"] for i in client.get(f"/image/v2/images?owner={s1['project_id']}", headers=h1).json()["images"]]
    assert files_with(cloud.settings.data_dir, ids)  # the mess is on disk before the reset
    client.put(f"/compute/v2.1/os-quota-sets/{s1['project_id']}", headers=as_admin,
               json={"quota_set": {"instances": 9}})
    r = client.post(f"{L}/students/student01/reset", headers=as_admin)
    assert r.status_code == 200, r.text
    removed = r.json()["reset"]["removed"]
    assert removed["servers"] == 1 and removed["volumes"] == 1 and removed["images"] == 1
    assert leftovers(cloud, s1["project_id"], [s1["user_id"]]) == {}
    assert files_with(cloud.settings.data_dir, ids) == []
    for path in ("/compute/v2.1/servers", "/network/v2.0/networks?project_id=" + s1["project_id"],
                 "/network/v2.0/floatingips", "/compute/v2.1/os-keypairs"):
        body = client.get(path, headers=h1).json()
        assert all(not v for k, v in body.items() if isinstance(v, list)), (path, body)
    quota = client.get(f"/compute/v2.1/os-quota-sets/{s1['project_id']}", headers=as_admin).json()["quota_set"]
    assert quota["instances"] == 5
    assert leftovers(cloud, s2["project_id"], [s2["user_id"]])["servers"] == 1  # the neighbour is untouched


def test_student_may_reset_self_but_not_another(client: TestClient, as_admin: dict[str, str], cloud: Cloud) -> None:
    s1, s2 = make_class(client, as_admin)
    h1, h2 = student_headers(client, s1), student_headers(client, s2)
    build_mess(client, cloud, h2, "b")
    before = leftovers(cloud, s2["project_id"], [s2["user_id"]])
    r = client.post(f"{L}/students/student02/reset", headers=h1)
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "You may only reset your own project, not student02."
    assert leftovers(cloud, s2["project_id"], [s2["user_id"]]) == before
    r = client.post(f"{L}/students/student02/reset", headers=h2)
    assert r.status_code == 200, r.text
    assert leftovers(cloud, s2["project_id"], [s2["user_id"]]) == {}


def test_reset_unknown_student_and_class(client: TestClient, as_admin: dict[str, str]) -> None:
    r = client.post(f"{L}/students/nobody/reset", headers=as_admin)
    assert r.status_code == 404 and "Could not find student: nobody." in r.json()["error"]["message"]
    r = client.post(f"{L}/classes/nope/reset", headers=as_admin)
    assert r.status_code == 404 and "Could not find class: nope." in r.json()["error"]["message"]


def test_reset_all(client: TestClient, as_admin: dict[str, str], cloud: Cloud) -> None:
    students = make_class(client, as_admin, students=3)
    for i, s in enumerate(students):
        build_mess(client, cloud, student_headers(client, s), str(i))
    r = client.post(f"{L}/reset", headers=as_admin)
    assert r.status_code == 200, r.text
    assert [x["student"] for x in r.json()["resets"]] == ["student01", "student02", "student03"]
    assert all(leftovers(cloud, s["project_id"], [s["user_id"]]) == {} for s in students)


def state(client: TestClient, headers: dict[str, str], cloud: Cloud) -> tuple[Any, ...]:
    servers = sorted(s["name"] for s in client.get("/compute/v2.1/servers", headers=headers).json()["servers"])
    images = sorted(i["name"] for i in client.get("/image/v2/images", headers=headers).json()["images"])
    files = {k: v for k, v in dir_files(cloud.settings.data_dir).items()
             if not k.startswith(("lab-snapshots", "stacklab.db"))}
    return servers, images, files


def test_snapshot_save_restore_list_delete(client: TestClient, as_admin: dict[str, str], cloud: Cloud) -> None:
    """Restore puts back the database and the files exactly as saved, while the app keeps serving (the admin
    token used for it still works after)."""
    (s1,) = make_class(client, as_admin, students=1)
    h1 = student_headers(client, s1)
    build_mess(client, cloud, h1, "a")
    saved = state(client, h1, cloud)
    r = client.post(f"{L}/snapshots", headers=as_admin, json={"snapshot": {"name": "day1"}})
    assert r.status_code == 201, r.text
    build_mess(client, cloud, h1, "b")
    assert state(client, h1, cloud) != saved
    r = client.post(f"{L}/snapshots/day1/restore", headers=as_admin)
    assert r.status_code == 200, r.text
    assert state(client, h1, cloud) == saved
    names = [s["name"] for s in client.get(f"{L}/snapshots", headers=as_admin).json()["snapshots"]]
    assert names == ["day1"]
    r = client.post(f"{L}/snapshots", headers=as_admin, json={"snapshot": {"name": "day1"}})
    assert r.status_code == 409 and "already exists" in r.json()["error"]["message"]
    assert client.delete(f"{L}/snapshots/day1", headers=as_admin).status_code == 204
    assert client.get(f"{L}/snapshots", headers=as_admin).json()["snapshots"] == []


def test_restore_leaves_the_dashboards_folder_where_it_is(client: TestClient, as_admin: dict[str, str],
                                                          cloud: Cloud) -> None:
    """Horizon's settings, secret key and sessions are not lab state: a running dashboard works in that folder,
    so a snapshot neither saves it nor swaps it (a swap pulled gunicorn's working directory away)."""
    folder = cloud.settings.data_dir / "dashboard"
    (folder / "sessions").mkdir(parents=True, exist_ok=True)
    (folder / "secret-key").write_text("before\n")
    inode = folder.stat().st_ino
    r = client.post(f"{L}/snapshots", headers=as_admin, json={"snapshot": {"name": "with-dashboard"}})
    assert r.status_code == 201, r.text
    (folder / "sessions" / "a-session").write_text("logged in after the snapshot")
    r = client.post(f"{L}/snapshots/with-dashboard/restore", headers=as_admin)
    assert r.status_code == 200, r.text
    assert folder.stat().st_ino == inode
    assert (folder / "sessions" / "a-session").read_text() == "logged in after the snapshot"
    assert (folder / "secret-key").read_text() == "before\n"
    assert client.delete(f"{L}/snapshots/with-dashboard", headers=as_admin).status_code == 204


def test_restore_unknown_snapshot_changes_nothing(client: TestClient, as_admin: dict[str, str],
                                                  cloud: Cloud) -> None:
    (s1,) = make_class(client, as_admin, students=1)
    h1 = student_headers(client, s1)
    build_mess(client, cloud, h1, "a")
    before = state(client, h1, cloud)
    r = client.post(f"{L}/snapshots/nope/restore", headers=as_admin)
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "Could not find snapshot: nope. See `stacklab snapshot list`."
    r = client.post(f"{L}/snapshots", headers=as_admin, json={"snapshot": {"name": "../etc"}})
    assert r.status_code == 400 and "Invalid snapshot name" in r.json()["error"]["message"]
    assert state(client, h1, cloud) == before


def test_restore_failing_midway_leaves_previous_state(client: TestClient, as_admin: dict[str, str],
                                                      cloud: Cloud) -> None:
    """A failure after the tables were replaced and the folders swapped rolls both back: not a mix."""
    (s1,) = make_class(client, as_admin, students=1)
    h1 = student_headers(client, s1)
    client.post(f"{L}/snapshots", headers=as_admin, json={"snapshot": {"name": "empty"}})
    build_mess(client, cloud, h1, "a")
    before = state(client, h1, cloud)
    with pytest.raises(RuntimeError, match="simulated failure"):
        cloud.services["labapi"].camp.snapshots.restore("empty", fail_after_swap=True)
    assert state(client, h1, cloud) == before
    assert not (cloud.settings.data_dir / ".lab-restore").exists()
