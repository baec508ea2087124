"""Each class student has a Keystone domain of their own (named as the student) where they are its admin: they
make users, groups and projects in it and give them roles there, and nothing more (no admin role on a project,
nothing of the Default domain or of another student's domain). A reset empties the domain with the rest of the
student's work, in the same transaction, and keeps their admin role on it."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.identity.models import Domain
from lab.cloud.labapi.models import LabStudentDomain
from tests.camp.test_camp_api import L, make_class

V3 = "/identity/v3"


def domain_token(client: TestClient, student: dict[str, Any], domain: str | None = None) -> dict[str, str]:
    r = client.post(f"{V3}/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": student["name"], "password": student["password"], "domain": {"name": "Default"}}}},
        "scope": {"domain": {"name": domain or student["name"]}}}})
    assert r.status_code == 201, r.text
    return {"X-Auth-Token": r.headers["x-subject-token"]}


def project_token(client: TestClient, user: str, password: str, project: str, domain: str) -> dict[str, str]:
    r = client.post(f"{V3}/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"name": domain}}}},
        "scope": {"project": {"name": project, "domain": {"name": domain}}}}})
    assert r.status_code == 201, r.text
    return {"X-Auth-Token": r.headers["x-subject-token"]}


def role_id(client: TestClient, headers: dict[str, str], name: str) -> str:
    return str(client.get(f"{V3}/roles?name={name}", headers=headers).json()["roles"][0]["id"])


def fill_domain(client: TestClient, student: dict[str, Any]) -> dict[str, str]:
    """As the student's domain admin: a project, a user with member on it, a group; the user makes a
    network in the project. Returns the ids."""
    h = domain_token(client, student)
    project = client.post(f"{V3}/projects", headers=h, json={"project": {"name": "team"}})
    assert project.status_code == 201, project.text
    user = client.post(f"{V3}/users", headers=h, json={"user": {"name": "alice", "password": "alice-pw"}})
    assert user.status_code == 201, user.text
    group = client.post(f"{V3}/groups", headers=h, json={"group": {"name": "devs"}})
    assert group.status_code == 201, group.text
    pid, uid = project.json()["project"]["id"], user.json()["user"]["id"]
    member = role_id(client, h, "member")
    r = client.put(f"{V3}/projects/{pid}/users/{uid}/roles/{member}", headers=h)
    assert r.status_code == 204, r.text
    alice = project_token(client, "alice", "alice-pw", "team", student["name"])
    net = client.post("/network/v2.0/networks", headers=alice, json={"network": {"name": "team-net"}})
    assert net.status_code == 201, net.text
    return {"project": pid, "user": uid, "group": group.json()["group"]["id"],
            "network": net.json()["network"]["id"]}


def test_each_student_administers_a_domain_of_their_own(client: TestClient, as_admin: dict[str, str]) -> None:
    s1, s2 = make_class(client, as_admin)
    made = fill_domain(client, s1)
    h1 = domain_token(client, s1)
    # The project, user and group are in the student's domain (the token's), not in Default.
    project = client.get(f"{V3}/projects/{made['project']}", headers=as_admin).json()["project"]
    domain = client.get(f"{V3}/domains?name={s1['name']}", headers=as_admin).json()["domains"][0]
    assert project["domain_id"] == domain["id"]
    assert [u["name"] for u in client.get(f"{V3}/users", headers=h1).json()["users"]] == ["alice"]
    # A domain admin is not an operator: no admin role on a project, nothing of Default or of s2's domain.
    admin = role_id(client, h1, "admin")
    r = client.put(f"{V3}/projects/{made['project']}/users/{made['user']}/roles/{admin}", headers=h1)
    assert r.status_code == 403
    assert client.get(f"{V3}/users?domain_id=default", headers=h1).status_code == 403
    assert client.get(f"{V3}/projects/{s2['project_id']}", headers=h1).status_code == 403
    r = client.post(f"{V3}/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": s1["name"], "password": s1["password"], "domain": {"name": "Default"}}}},
        "scope": {"domain": {"name": s2["name"]}}}})
    assert r.status_code == 401  # no role on another student's domain
    h2 = domain_token(client, s2)
    assert client.get(f"{V3}/users", headers=h2).json()["users"] == []
    assert client.get(f"{V3}/projects/{made['project']}", headers=h2).status_code == 403


def test_reset_empties_the_domain_and_keeps_its_admin(client: TestClient, as_admin: dict[str, str],
                                                    cloud: Cloud) -> None:
    s1, s2 = make_class(client, as_admin)
    made, other = fill_domain(client, s1), fill_domain(client, s2)
    r = client.post(f"{L}/students/{s1['name']}/reset", headers=as_admin)
    assert r.status_code == 200, r.text
    removed = r.json()["reset"]["removed"]
    assert removed["domain_projects"] == 1 and removed["domain_users"] == 1 and removed["domain_groups"] == 1
    assert client.get(f"{V3}/projects/{made['project']}", headers=as_admin).status_code == 404
    assert client.get(f"{V3}/users/{made['user']}", headers=as_admin).status_code == 404
    assert client.get(f"{V3}/groups/{made['group']}", headers=as_admin).status_code == 404
    assert client.get(f"/network/v2.0/networks/{made['network']}", headers=as_admin).status_code == 404
    # The student is still their domain's admin, with an empty domain; the other student's is untouched.
    h1 = domain_token(client, s1)
    assert client.get(f"{V3}/users", headers=h1).json()["users"] == []
    assert client.get(f"{V3}/projects", headers=h1).json()["projects"] == []
    assert client.get(f"/network/v2.0/networks/{other['network']}", headers=as_admin).status_code == 200
    assert [u["name"] for u in client.get(f"{V3}/users", headers=domain_token(client, s2)).json()["users"]] \
        == ["alice"]


def test_a_student_of_an_older_class_gains_a_domain_at_reset(client: TestClient, as_admin: dict[str, str],
                                                             cloud: Cloud) -> None:
    """Classes made before domains were given have students without one: their next reset makes it."""
    (s1,) = make_class(client, as_admin, students=1)
    with cloud.db.write() as db:
        row = db.get(LabStudentDomain, s1["name"])
        assert row is not None
        db.delete(row)
        domain = db.get(Domain, row.domain_id)
        assert domain is not None
        domain.name = "renamed-by-hand"
    assert client.post(f"{L}/students/{s1['name']}/reset", headers=as_admin).status_code == 200
    h1 = domain_token(client, s1)
    assert client.get(f"{V3}/users", headers=h1).json()["users"] == []


def test_a_domain_of_the_students_name_that_is_not_theirs_is_a_clear_409(client: TestClient,
                                                                          as_admin: dict[str, str]) -> None:
    r = client.post(f"{V3}/domains", headers=as_admin, json={"domain": {"name": "student01"}})
    assert r.status_code == 201
    r = client.post(f"{L}/classes", headers=as_admin, json={"class": {"name": "c1", "students": 1}})
    assert r.status_code == 409 and "student01 already exist" in r.json()["error"]["message"]
