"""A student reset removes the student's containers and objects (rows, then files after the commit) and leaves
the other students' alone."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.labapi.reset import leftovers
from tests.camp.test_camp_api import L, make_class, student_headers
from tests.cloud.object_support import Swift, account_path


def test_reset_removes_the_students_objects_only(client: TestClient, as_admin: dict[str, str], cloud: Cloud) -> None:
    s1, s2 = make_class(client, as_admin)
    swifts = []
    for student in (s1, s2):
        token = student_headers(client, student)["X-Auth-Token"]
        swift = Swift(client, account_path(client, token), token)
        assert swift("PUT", "/work", headers={"X-Container-Read": ".r:*"}).status_code == 201
        assert swift("PUT", "/work/report.txt", content=student["name"].encode()).status_code == 201
        assert swift("POST", "", headers={"X-Account-Meta-Note": "mine"}).status_code == 204
        swifts.append(swift)
    store = cloud.settings.data_dir / "objects"
    assert len([p for p in store.rglob("*") if p.is_file()]) == 2

    r = client.post(f"{L}/students/student01/reset", headers=as_admin)
    assert r.status_code == 200, r.text
    removed = r.json()["reset"]["removed"]
    assert removed["containers"] == 1 and removed["objects"] == 1
    assert leftovers(cloud, s1["project_id"], [s1["user_id"]]) == {}
    first, second = swifts
    assert first("GET").status_code == 204 and "x-account-meta-note" not in first("HEAD").headers
    assert first("GET", "/work/report.txt").status_code == 404
    assert second("GET", "/work/report.txt").content == b"student02"
    assert [p.read_bytes() for p in store.rglob("*") if p.is_file()] == [b"student02"]
