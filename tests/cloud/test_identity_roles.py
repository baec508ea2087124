"""Keystone roles and role assignments: CRUD, grants, the assignment report, revocation, RBAC levels."""

from __future__ import annotations

from sqlalchemy import delete, select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.identity.models import ImpliedRole, Role, RoleAssignment, User
from tests.cloud.identity_helpers import V3, create, grant, role_id, user_in_project
from tests.conftest import get_token


def test_role_crud_and_name_filter(client: TestClient, as_admin: dict) -> None:
    role = create(client, as_admin, "role", name="auditor", description="reads logs")
    assert role["links"]["self"] == f"http://127.0.0.1:8780/identity/v3/roles/{role['id']}"
    assert role["domain_id"] is None and role["description"] == "reads logs"
    r = client.get(f"{V3}/roles", params={"name": "auditor"}, headers=as_admin)
    assert [x["id"] for x in r.json()["roles"]] == [role["id"]]
    r = client.patch(f"{V3}/roles/{role['id']}", json={"role": {"name": "inspector"}}, headers=as_admin)
    assert r.status_code == 200 and r.json()["role"]["name"] == "inspector"
    assert client.delete(f"{V3}/roles/{role['id']}", headers=as_admin).status_code == 204
    r = client.get(f"{V3}/roles/{role['id']}", headers=as_admin)
    assert r.status_code == 404 and r.json()["error"]["message"] == f"Could not find role: {role['id']}."


def test_duplicate_and_bad_roles(client: TestClient, as_admin: dict) -> None:
    r = client.post(f"{V3}/roles", json={"role": {"name": "member"}}, headers=as_admin)
    assert r.status_code == 409
    assert r.json()["error"]["message"] == ("Conflict occurred attempting to store role - Duplicate entry found "
                                            "with name member.")
    r = client.post(f"{V3}/roles", json={"role": {"name": None}}, headers=as_admin)
    assert r.status_code == 400
    assert {x["name"] for x in client.get(f"{V3}/roles", headers=as_admin).json()["roles"]} == {
        "admin", "manager", "member", "reader", "service"}


def test_grant_check_list_revoke(client: TestClient, as_admin: dict) -> None:
    """PUT grants, HEAD/GET check (204/404), GET lists, DELETE revokes (404 when absent)."""
    project = create(client, as_admin, "project", name="gp")
    user = create(client, as_admin, "user", name="gu", password="pw")
    member = role_id(client, as_admin, "member")
    url = f"{V3}/projects/{project['id']}/users/{user['id']}/roles"
    assert client.head(f"{url}/{member}", headers=as_admin).status_code == 404
    assert client.put(f"{url}/{member}", headers=as_admin).status_code == 204
    assert client.put(f"{url}/{member}", headers=as_admin).status_code == 204  # idempotent
    assert client.head(f"{url}/{member}", headers=as_admin).status_code == 204
    assert client.get(f"{url}/{member}", headers=as_admin).status_code == 204
    r = client.get(url, headers=as_admin)
    assert r.status_code == 200 and [x["name"] for x in r.json()["roles"]] == ["member"]
    assert client.delete(f"{url}/{member}", headers=as_admin).status_code == 204
    r = client.delete(f"{url}/{member}", headers=as_admin)
    assert r.status_code == 404
    assert r.json()["error"]["message"] == (f"Could not find role assignment with role: {member}, user or group: "
                                            f"{user['id']}, project, domain, or system: {project['id']}.")
    assert client.get(url, headers=as_admin).json()["roles"] == []


def test_revoking_a_role_invalidates_the_users_token(client: TestClient, as_admin: dict) -> None:
    """A token whose context was cached stops working once its role on the project is revoked."""
    project, user, token = user_in_project(client, as_admin, "kim", "member")
    headers = {"X-Auth-Token": token}
    assert client.get(f"{V3}/projects/{project['id']}", headers=headers).status_code == 200
    member = role_id(client, as_admin, "member")
    assert client.delete(f"{V3}/projects/{project['id']}/users/{user['id']}/roles/{member}",
                         headers=as_admin).status_code == 204
    assert client.get(f"{V3}/projects/{project['id']}", headers=headers).status_code == 401


def test_changed_role_applies_to_new_tokens(client: TestClient, as_admin: dict) -> None:
    """A reader made member gets the member role in its next token."""
    project, user, token = user_in_project(client, as_admin, "lee", "reader")
    r = client.get(f"{V3}/auth/tokens", headers={**as_admin, "X-Subject-Token": token})
    assert {x["name"] for x in r.json()["token"]["roles"]} == {"reader"}
    grant(client, as_admin, project["id"], user["id"], "member")
    fresh = get_token(client, "lee", "lee-pw", project["name"])
    r = client.get(f"{V3}/auth/tokens", headers={**as_admin, "X-Subject-Token": fresh})
    assert {x["name"] for x in r.json()["token"]["roles"]} == {"member", "reader"}


def test_role_assignment_report(client: TestClient, as_admin: dict) -> None:
    """GET /role_assignments: filters, `effective` expanding implied roles, and `include_names`."""
    project, user, _ = user_in_project(client, as_admin, "mo", "admin")
    admin_role, member = role_id(client, as_admin, "admin"), role_id(client, as_admin, "member")
    r = client.get(f"{V3}/role_assignments", params={"user.id": user["id"]}, headers=as_admin)
    assert r.status_code == 200
    assert r.json()["role_assignments"] == [{
        "role": {"id": admin_role}, "user": {"id": user["id"]}, "scope": {"project": {"id": project["id"]}},
        "links": {"assignment": f"http://127.0.0.1:8780/identity/v3/projects/{project['id']}/users/{user['id']}"
                                f"/roles/{admin_role}"}}]
    r = client.get(f"{V3}/role_assignments?effective&user.id={user['id']}", headers=as_admin)
    entries = r.json()["role_assignments"]
    manager = role_id(client, as_admin, "manager")
    assert {e["role"]["id"] for e in entries} == {admin_role, manager, member, role_id(client, as_admin, "reader")}
    implied = next(e for e in entries if e["role"]["id"] == member)
    assert implied["links"]["prior_role"].endswith(f"/roles/{admin_role}")
    r = client.get(f"{V3}/role_assignments", headers=as_admin, params={
        "scope.project.id": project["id"], "role.id": admin_role, "include_names": "True"})
    [entry] = r.json()["role_assignments"]
    assert entry["role"] == {"id": admin_role, "name": "admin"}
    assert entry["user"] == {"id": user["id"], "name": "mo", "domain": {"id": "default", "name": "Default"}}
    assert entry["scope"]["project"] == {"id": project["id"], "name": "mo-project",
                                         "domain": {"id": "default", "name": "Default"}}


def test_domain_and_system_grants(client: TestClient, as_admin: dict) -> None:
    """Roles granted on a domain and on the system show in the report and allow those scopes."""
    user = create(client, as_admin, "user", name="sys", password="pw")
    reader = role_id(client, as_admin, "reader")
    assert client.put(f"{V3}/domains/default/users/{user['id']}/roles/{reader}", headers=as_admin).status_code == 204
    assert client.put(f"{V3}/system/users/{user['id']}/roles/{reader}", headers=as_admin).status_code == 204
    r = client.get(f"{V3}/role_assignments", params={"user.id": user["id"]}, headers=as_admin)
    assert [e["scope"] for e in r.json()["role_assignments"]] == [{"domain": {"id": "default"}},
                                                                  {"system": {"all": True}}]
    auth = {"identity": {"methods": ["password"], "password": {"user": {"id": user["id"], "password": "pw"}}}}
    r = client.post(f"{V3}/auth/tokens", json={"auth": {**auth, "scope": {"system": {"all": True}}}})
    assert r.status_code == 201 and r.json()["token"]["system"] == {"all": True}
    r = client.post(f"{V3}/auth/tokens", json={"auth": {**auth, "scope": {"domain": {"id": "default"}}}})
    assert r.status_code == 201 and r.json()["token"]["domain"]["id"] == "default"
    token = r.headers["x-subject-token"]
    assert [d["id"] for d in client.get(f"{V3}/auth/domains", headers={"X-Auth-Token": token}).json()[
        "domains"]] == ["default"]
    assert client.delete(f"{V3}/system/users/{user['id']}/roles/{reader}", headers=as_admin).status_code == 204
    r = client.post(f"{V3}/auth/tokens", json={"auth": {**auth, "scope": {"system": {"all": True}}}})
    assert r.status_code == 401  # no system role left


def test_rescoped_token_keeps_expiry_and_survives_revoking_the_rescoped_one(client: TestClient,
                                                                            as_admin: dict) -> None:
    """An unscoped token rescoped to a project keeps its expiry; revoking the scoped one leaves the original."""
    p1, user, _ = user_in_project(client, as_admin, "ned", "member")
    p2 = create(client, as_admin, "project", name="ned-2")
    grant(client, as_admin, p2["id"], user["id"], "member")
    client.patch(f"{V3}/users/{user['id']}", json={"user": {"default_project_id": None}}, headers=as_admin)
    r = client.post(f"{V3}/auth/tokens", json={"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"id": user["id"], "password": "ned-pw"}}}}})
    unscoped, expires = r.headers["x-subject-token"], r.json()["token"]["expires_at"]
    assert "catalog" not in r.json()["token"] and "roles" not in r.json()["token"]

    def rescope(project: dict) -> tuple[str, dict]:
        r = client.post(f"{V3}/auth/tokens", json={"auth": {
            "identity": {"methods": ["token"], "token": {"id": unscoped}},
            "scope": {"project": {"name": project["name"], "domain": {"id": "default"}}}}})
        assert r.status_code == 201, r.text
        return r.headers["x-subject-token"], r.json()["token"]

    scoped, body = rescope(p1)
    assert body["expires_at"] == expires and set(body["methods"]) == {"password", "token"}
    assert client.delete(f"{V3}/auth/tokens", headers={**as_admin, "X-Subject-Token": scoped}).status_code == 204
    _, body = rescope(p2)
    assert body["project"]["id"] == p2["id"]


def test_reader_and_member_cannot_grant(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    project, user, reader_token = user_in_project(client, as_admin, "pat", "reader")
    admin_role = role_id(client, as_admin, "admin")
    for headers in (as_demo, {"X-Auth-Token": reader_token}):
        r = client.put(f"{V3}/projects/{project['id']}/users/{user['id']}/roles/{admin_role}", headers=headers)
        assert r.status_code == 403
        assert r.json()["error"]["message"] == "Policy doesn't allow identity:create_grant to be performed."
        assert client.get(f"{V3}/role_assignments", headers=headers).status_code == 403
    r = client.get(f"{V3}/role_assignments", params={"user.id": user["id"]}, headers=as_admin)
    assert len(r.json()["role_assignments"]) == 1


def test_a_lab_from_before_2023_2_gets_manager_and_service_at_start(cloud: Cloud) -> None:
    """A data directory bootstrapped with admin/member/reader only (admin -> member -> reader) gains
    `manager` and `service` at the next start, with admin -> manager -> member in place of admin -> member,
    as `keystone-manage bootstrap` upgrades a cloud; the roles granted before are kept."""
    with cloud.db.write() as db:
        ids = {r.name: r.id for r in db.scalars(select(Role))}
        db.execute(delete(ImpliedRole).where(ImpliedRole.prior_role_id.in_([ids["admin"], ids["manager"]])))
        db.add(ImpliedRole(prior_role_id=ids["admin"], implied_role_id=ids["member"]))
        db.execute(delete(Role).where(Role.name.in_(["manager", "service"])))
    again = Cloud(cloud.settings)
    again.bootstrap()
    again.close()
    with cloud.db.read() as db:
        names = {r.id: r.name for r in db.scalars(select(Role))}
        rules = {(names[i.prior_role_id], names[i.implied_role_id]) for i in db.scalars(select(ImpliedRole))}
        admin = db.scalar(select(User).where(User.name == "admin"))
        assert admin is not None
        granted = {names[a.role_id] for a in db.scalars(select(RoleAssignment).where(
            RoleAssignment.user_id == admin.id))}
    assert set(names.values()) == {"admin", "manager", "member", "reader", "service"}
    assert rules == {("admin", "manager"), ("manager", "member"), ("member", "reader")}
    assert granted == {"admin"}
