"""Keystone groups: CRUD, membership, role assignments to groups, effective assignments, tokens carrying roles
granted through groups; implied roles as stored inference rules; domain-specific roles (issue 27 #6)."""

from __future__ import annotations

from datetime import datetime

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.identity.models import ApplicationCredential, GroupMembership
from lab.cloud.plugin import Purge
from tests.cloud.identity_helpers import V3, create, grant, role_id
from tests.conftest import get_token


def _token(client: TestClient, user: str, password: str, project: str) -> dict[str, str]:
    return {"X-Auth-Token": get_token(client, user, password, project)}


def _token_roles(client: TestClient, headers: dict[str, str]) -> set[str]:
    r = client.get(f"{V3}/auth/tokens", headers={**headers, "X-Subject-Token": headers["X-Auth-Token"]})
    assert r.status_code == 200, r.text
    return {x["name"] for x in r.json()["token"]["roles"]}


def test_group_crud_and_duplicates(client: TestClient, as_admin: dict) -> None:
    """Create, show, rename, list by name, 409 for a duplicate name in the domain, delete, then 404."""
    group = create(client, as_admin, "group", name="ops", description="operators")
    assert group["domain_id"] == "default" and group["links"]["self"].endswith(f"/groups/{group['id']}")
    r = client.post(f"{V3}/groups", json={"group": {"name": "ops"}}, headers=as_admin)
    assert r.status_code == 409
    assert r.json()["error"]["message"] == ("Conflict occurred attempting to store group - Duplicate entry found "
                                            "with name ops at domain ID default.")
    r = client.patch(f"{V3}/groups/{group['id']}", json={"group": {"name": "sre"}}, headers=as_admin)
    assert r.status_code == 200 and r.json()["group"]["name"] == "sre"
    assert [g["id"] for g in client.get(f"{V3}/groups", params={"name": "sre"}, headers=as_admin).json()["groups"]] \
        == [group["id"]]
    assert client.delete(f"{V3}/groups/{group['id']}", headers=as_admin).status_code == 204
    r = client.get(f"{V3}/groups/{group['id']}", headers=as_admin)
    assert r.status_code == 404 and r.json()["error"]["message"] == f"Could not find group: {group['id']}."


def test_membership_add_check_list_remove(client: TestClient, as_admin: dict) -> None:
    """PUT adds (idempotent), HEAD checks (204/404), both listings agree, DELETE removes (404 when absent)."""
    group = create(client, as_admin, "group", name="devs")
    user = create(client, as_admin, "user", name="ann", password="ann-pw")
    url = f"{V3}/groups/{group['id']}/users/{user['id']}"
    assert client.head(url, headers=as_admin).status_code == 404
    assert client.put(url, headers=as_admin).status_code == 204
    assert client.put(url, headers=as_admin).status_code == 204
    assert client.head(url, headers=as_admin).status_code == 204
    members = client.get(f"{V3}/groups/{group['id']}/users", headers=as_admin).json()["users"]
    assert [u["name"] for u in members] == ["ann"]
    groups = client.get(f"{V3}/users/{user['id']}/groups", headers=as_admin).json()["groups"]
    assert [g["name"] for g in groups] == ["devs"]
    assert client.delete(url, headers=as_admin).status_code == 204
    r = client.delete(url, headers=as_admin)
    assert r.status_code == 404
    assert r.json()["error"]["message"] == f"User '{user['id']}' not found in group {group['id']}"


def test_a_member_may_not_manage_groups(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """Groups are an operator's: a project member gets Keystone's 403 and nothing is created."""
    r = client.post(f"{V3}/groups", json={"group": {"name": "mine"}}, headers=as_demo)
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "Policy doesn't allow identity:create_group to be performed."
    assert client.get(f"{V3}/groups", params={"name": "mine"}, headers=as_admin).json()["groups"] == []


def test_a_token_carries_roles_granted_through_a_group(client: TestClient, as_admin: dict) -> None:
    """A user with no role of its own gets a project token through its group; leaving the group revokes it."""
    project = create(client, as_admin, "project", name="gproj")
    user = create(client, as_admin, "user", name="bob", password="bob-pw")
    group = create(client, as_admin, "group", name="team")
    member = role_id(client, as_admin, "member")
    r = client.put(f"{V3}/projects/{project['id']}/groups/{group['id']}/roles/{member}", headers=as_admin)
    assert r.status_code == 204
    assert client.head(f"{V3}/projects/{project['id']}/groups/{group['id']}/roles/{member}",
                       headers=as_admin).status_code == 204
    listed = client.get(f"{V3}/projects/{project['id']}/groups/{group['id']}/roles", headers=as_admin).json()
    assert [x["name"] for x in listed["roles"]] == ["member"]
    assert client.put(f"{V3}/groups/{group['id']}/users/{user['id']}", headers=as_admin).status_code == 204
    headers = _token(client, "bob", "bob-pw", "gproj")
    assert _token_roles(client, headers) == {"member", "reader"}
    assert [p["name"] for p in client.get(f"{V3}/auth/projects", headers=headers).json()["projects"]] == ["gproj"]
    assert client.delete(f"{V3}/groups/{group['id']}/users/{user['id']}", headers=as_admin).status_code == 204
    assert client.get(f"{V3}/auth/projects", headers=headers).status_code == 401


def test_effective_assignments_expand_groups_and_implied_roles(client: TestClient, as_admin: dict) -> None:
    """`?effective&include_names`: a group grant becomes one entry per member (with its membership link) and
    the roles it implies; without `effective` the group's own entry is listed."""
    project = create(client, as_admin, "project", name="eproj")
    user = create(client, as_admin, "user", name="cy", password="cy-pw")
    group = create(client, as_admin, "group", name="eteam")
    member = role_id(client, as_admin, "member")
    client.put(f"{V3}/groups/{group['id']}/users/{user['id']}", headers=as_admin)
    client.put(f"{V3}/projects/{project['id']}/groups/{group['id']}/roles/{member}", headers=as_admin)
    params = {"scope.project.id": project["id"]}
    direct = client.get(f"{V3}/role_assignments", params=params, headers=as_admin).json()["role_assignments"]
    assert [(a["group"]["id"], a["role"]["id"]) for a in direct] == [(group["id"], member)]
    r = client.get(f"{V3}/role_assignments?effective&include_names&scope.project.id={project['id']}",
                   headers=as_admin)
    entries = r.json()["role_assignments"]
    assert {(a["user"]["name"], a["role"]["name"], a["scope"]["project"]["name"]) for a in entries} == {
        ("cy", "member", "eproj"), ("cy", "reader", "eproj")}
    assert all(a["links"]["membership"].endswith(f"/groups/{group['id']}/users/{user['id']}") for a in entries)
    assert all("group" not in a for a in entries)


def test_group_domain_grant_gives_a_domain_scoped_token(client: TestClient, as_admin: dict) -> None:
    """A role granted to a group on a domain lets its member scope a token to that domain (tempest's
    test_get_available_domain_scopes)."""
    domain = create(client, as_admin, "domain", name="gdom")
    user = create(client, as_admin, "user", name="dee", password="dee-pw")
    group = create(client, as_admin, "group", name="dteam")
    client.put(f"{V3}/groups/{group['id']}/users/{user['id']}", headers=as_admin)
    r = client.put(f"{V3}/domains/{domain['id']}/groups/{group['id']}/roles/{role_id(client, as_admin, 'reader')}",
                   headers=as_admin)
    assert r.status_code == 204
    auth = {"identity": {"methods": ["password"], "password": {"user": {"id": user["id"], "password": "dee-pw"}}},
            "scope": {"domain": {"id": domain["id"]}}}
    r = client.post(f"{V3}/auth/tokens", json={"auth": auth})
    assert r.status_code == 201 and r.json()["token"]["domain"]["id"] == domain["id"]
    headers = {"X-Auth-Token": r.headers["x-subject-token"]}
    assert [d["id"] for d in client.get(f"{V3}/auth/domains", headers=headers).json()["domains"]] == [domain["id"]]


def test_implied_roles_are_stored_rules(client: TestClient, as_admin: dict) -> None:
    """Bootstrap stores admin -> manager -> member -> reader (2023.2's); a new rule widens tokens at once;
    removing one narrows them; a cycle is refused with 403."""
    inferences = client.get(f"{V3}/role_inferences", headers=as_admin).json()["role_inferences"]
    assert {(i["prior_role"]["name"], tuple(x["name"] for x in i["implies"])) for i in inferences} == {
        ("admin", ("manager",)), ("manager", ("member",)), ("member", ("reader",))}
    auditor = create(client, as_admin, "role", name="auditor")
    project = create(client, as_admin, "project", name="iproj")
    user = create(client, as_admin, "user", name="eve", password="eve-pw")
    client.put(f"{V3}/projects/{project['id']}/users/{user['id']}/roles/{auditor['id']}", headers=as_admin)
    headers = _token(client, "eve", "eve-pw", "iproj")
    assert _token_roles(client, headers) == {"auditor"}
    reader = role_id(client, as_admin, "reader")
    r = client.put(f"{V3}/roles/{auditor['id']}/implies/{reader}", headers=as_admin)
    assert r.status_code == 201
    assert r.json()["role_inference"]["implies"]["name"] == "reader"
    assert client.head(f"{V3}/roles/{auditor['id']}/implies/{reader}", headers=as_admin).status_code == 204
    assert _token_roles(client, headers) == {"auditor", "reader"}
    r = client.put(f"{V3}/roles/{reader}/implies/{auditor['id']}", headers=as_admin)
    assert r.status_code == 403
    member = role_id(client, as_admin, "member")
    assert client.delete(f"{V3}/roles/{member}/implies/{reader}", headers=as_admin).status_code == 204
    implied = client.get(f"{V3}/roles/{member}/implies", headers=as_admin).json()["role_inference"]["implies"]
    assert implied == []
    demo = _token(client, "demo", "demo", "demo")
    assert _token_roles(client, demo) == {"member"}
    r = client.get(f"{V3}/roles/{member}/implies/{reader}", headers=as_admin)
    assert r.status_code == 404


def test_domain_specific_roles_may_share_a_name(client: TestClient, as_admin: dict) -> None:
    """Issue 27 #6: one name in two domains (and as a global role) is allowed; twice in one domain is 409;
    GET /v3/roles lists the global roles, `?domain_id=` a domain's."""
    one, two = create(client, as_admin, "domain", name="d-one"), create(client, as_admin, "domain", name="d-two")
    a = create(client, as_admin, "role", name="operator", domain_id=one["id"])
    b = create(client, as_admin, "role", name="operator", domain_id=two["id"])
    assert a["id"] != b["id"] and a["domain_id"] == one["id"]
    create(client, as_admin, "role", name="operator")
    r = client.post(f"{V3}/roles", json={"role": {"name": "operator", "domain_id": one["id"]}}, headers=as_admin)
    assert r.status_code == 409
    listed = client.get(f"{V3}/roles", params={"domain_id": one["id"]}, headers=as_admin).json()["roles"]
    assert [x["id"] for x in listed] == [a["id"]]
    assert "operator" in {x["name"] for x in client.get(f"{V3}/roles", headers=as_admin).json()["roles"]}
    # A domain role is never in a token itself, only the global roles it implies (tempest's
    # test_assignments_for_domain_roles); a global role may not imply a domain role (403).
    project = create(client, as_admin, "project", name="p-two")
    user = create(client, as_admin, "user", name="op", password="op-pw")
    grant(client, as_admin, project["id"], user["id"], "reader")
    r = client.put(f"{V3}/projects/{project['id']}/users/{user['id']}/roles/{b['id']}", headers=as_admin)
    assert r.status_code == 204
    headers = _token(client, "op", "op-pw", "p-two")
    assert _token_roles(client, headers) == {"reader"}
    member = role_id(client, as_admin, "member")
    assert client.put(f"{V3}/roles/{member}/implies/{b['id']}", headers=as_admin).status_code == 403
    assert client.put(f"{V3}/roles/{b['id']}/implies/{member}", headers=as_admin).status_code == 201
    assert _token_roles(client, headers) == {"member", "reader"}


def test_reset_purges_memberships_application_credentials_and_group_grants(cloud: Cloud, client: TestClient,
                                                                         as_admin: dict) -> None:
    """identity's purge_project hook: a student's memberships, application credentials and the groups'
    grants on its project go in the reset's transaction, and holdings then reports none."""
    project = create(client, as_admin, "project", name="sproj")
    user = create(client, as_admin, "user", name="stu", password="stu-pw", default_project_id=project["id"])
    member = role_id(client, as_admin, "member")
    client.put(f"{V3}/projects/{project['id']}/users/{user['id']}/roles/{member}", headers=as_admin)
    group = create(client, as_admin, "group", name="class")
    client.put(f"{V3}/groups/{group['id']}/users/{user['id']}", headers=as_admin)
    client.put(f"{V3}/projects/{project['id']}/groups/{group['id']}/roles/{member}", headers=as_admin)
    headers = _token(client, "stu", "stu-pw", "sproj")
    r = client.post(f"{V3}/users/{user['id']}/application_credentials",
                    json={"application_credential": {"name": "ci"}}, headers=headers)
    assert r.status_code == 201
    with cloud.db.write() as db:
        assert cloud.identity.holdings(db, project["id"], [user["id"]]) == {
            "application_credentials": 1, "group_memberships": 1, "group_role_assignments": 1}
        purge = Purge(db, datetime(2030, 1, 1), project["id"], [user["id"]])
        cloud.identity.purge_project(purge)
    assert purge.removed == {"application_credentials": 1, "group_memberships": 1, "group_role_assignments": 1}
    with cloud.db.read() as db:
        assert not set(cloud.identity.holdings(db, project["id"], [user["id"]]).values()) - {0}
        assert db.get(GroupMembership, (user["id"], group["id"])) is None
        assert db.query(ApplicationCredential).count() == 0
    assert client.get(f"{V3}/groups/{group['id']}", headers=as_admin).status_code == 200  # the group stays
