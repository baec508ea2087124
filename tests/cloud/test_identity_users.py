"""Keystone users: CRUD, password changes, the user's projects, and revocation on disable and delete."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.cloud.identity_helpers import V3, create, user_in_project
from tests.conftest import get_token


def password_auth(name: str, password: str, project: str) -> dict:
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": name, "password": password, "domain": {"id": "default"}}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}}


def test_create_show_list_user_with_keystone_body(client: TestClient, as_admin: dict) -> None:
    """A user's body has Keystone's fields, extra attributes round-trip, and the password never shows."""
    user = create(client, as_admin, "user", name="alice", password="pw", email="a@example.org",
                  description="Alice", favourite="tea")
    assert user["domain_id"] == "default" and user["enabled"] is True
    assert user["email"] == "a@example.org" and user["description"] == "Alice" and user["favourite"] == "tea"
    assert user["password_expires_at"] is None and "password" not in user
    assert user["links"]["self"] == f"http://127.0.0.1:8780/identity/v3/users/{user['id']}"
    assert client.get(f"{V3}/users/{user['id']}", headers=as_admin).json()["user"] == user
    r = client.get(f"{V3}/users", params={"name": "alice"}, headers=as_admin)
    assert [u["id"] for u in r.json()["users"]] == [user["id"]]
    assert r.json()["links"]["self"] == "http://127.0.0.1:8780/identity/v3/users?name=alice"


def test_duplicate_user_is_409(client: TestClient, as_admin: dict) -> None:
    create(client, as_admin, "user", name="bob")
    r = client.post(f"{V3}/users", json={"user": {"name": "bob"}}, headers=as_admin)
    assert r.status_code == 409
    assert r.json()["error"]["message"] == ("Conflict occurred attempting to store user - Duplicate entry found "
                                            "with name bob at domain ID default.")
    assert len(client.get(f"{V3}/users", params={"name": "bob"}, headers=as_admin).json()["users"]) == 1


def test_bad_user_input_is_400_and_unknown_domain_404(client: TestClient, as_admin: dict) -> None:
    before = len(client.get(f"{V3}/users", headers=as_admin).json()["users"])
    for body in ({}, {"name": ""}, {"name": "x" * 256}, {"name": "ok", "enabled": 1}):
        r = client.post(f"{V3}/users", json={"user": body}, headers=as_admin)
        assert r.status_code == 400 and r.json()["error"]["message"].startswith("Invalid input for field"), body
    r = client.post(f"{V3}/users", json={"user": {"name": "ok", "domain_id": "nope"}}, headers=as_admin)
    assert r.status_code == 404 and r.json()["error"]["message"] == "Could not find domain: nope."
    assert len(client.get(f"{V3}/users", headers=as_admin).json()["users"]) == before


def test_new_user_authenticates_after_role_add(client: TestClient, as_admin: dict) -> None:
    """A user with no role cannot scope to a project; after `role add` it can, with that role."""
    project = create(client, as_admin, "project", name="team")
    user = create(client, as_admin, "user", name="carol", password="pw")
    assert client.post(f"{V3}/auth/tokens", json=password_auth("carol", "pw", "team")).status_code == 401
    member = client.get(f"{V3}/roles", params={"name": "member"}, headers=as_admin).json()["roles"][0]["id"]
    assert client.put(f"{V3}/projects/{project['id']}/users/{user['id']}/roles/{member}",
                      headers=as_admin).status_code == 204
    r = client.post(f"{V3}/auth/tokens", json=password_auth("carol", "pw", "team"))
    assert r.status_code == 201
    assert {role["name"] for role in r.json()["token"]["roles"]} == {"member", "reader"}


def test_disable_user_revokes_tokens_and_blocks_login(client: TestClient, as_admin: dict) -> None:
    _, user, token = user_in_project(client, as_admin, "dave", "member")
    headers = {"X-Auth-Token": token}
    assert client.get(f"{V3}/auth/projects", headers=headers).status_code == 200  # cached from now on
    r = client.patch(f"{V3}/users/{user['id']}", json={"user": {"enabled": False}}, headers=as_admin)
    assert r.status_code == 200 and r.json()["user"]["enabled"] is False
    assert client.get(f"{V3}/auth/projects", headers=headers).status_code == 401
    assert client.post(f"{V3}/auth/tokens", json=password_auth("dave", "dave-pw", "dave-project")).status_code == 401


def test_delete_user_revokes_tokens_and_assignments(client: TestClient, as_admin: dict) -> None:
    _, user, token = user_in_project(client, as_admin, "erin", "member")
    assert client.get(f"{V3}/auth/projects", headers={"X-Auth-Token": token}).status_code == 200
    assert client.delete(f"{V3}/users/{user['id']}", headers=as_admin).status_code == 204
    assert client.get(f"{V3}/auth/projects", headers={"X-Auth-Token": token}).status_code == 401
    assert client.get(f"{V3}/users/{user['id']}", headers=as_admin).status_code == 404
    r = client.get(f"{V3}/role_assignments", params={"user.id": user["id"]}, headers=as_admin)
    assert r.json()["role_assignments"] == []
    r = client.delete(f"{V3}/users/{user['id']}", headers=as_admin)
    assert r.status_code == 404 and r.json()["error"]["message"] == f"Could not find user: {user['id']}."


def test_change_own_password(client: TestClient, as_admin: dict) -> None:
    """POST /users/{id}/password needs the original password; old tokens and the old password stop working."""
    _, user, token = user_in_project(client, as_admin, "fay", "member")
    url = f"{V3}/users/{user['id']}/password"
    r = client.post(url, json={"user": {"password": "new", "original_password": "wrong"}})
    assert r.status_code == 401 and r.json()["error"]["code"] == 401
    assert client.post(f"{V3}/auth/tokens", json=password_auth("fay", "fay-pw", "fay-project")).status_code == 201
    r = client.post(url, json={"user": {"password": "new", "original_password": "fay-pw"}})
    assert r.status_code == 204
    assert client.get(f"{V3}/auth/projects", headers={"X-Auth-Token": token}).status_code == 401
    assert client.post(f"{V3}/auth/tokens", json=password_auth("fay", "fay-pw", "fay-project")).status_code == 401
    assert client.post(f"{V3}/auth/tokens", json=password_auth("fay", "new", "fay-project")).status_code == 201
    r = client.post(url, json={"user": {"password": "x"}})
    assert r.status_code == 400 and "original_password" in r.json()["error"]["message"]


def test_admin_sets_password_with_update(client: TestClient, as_admin: dict) -> None:
    _, user, _ = user_in_project(client, as_admin, "gus", "member")
    r = client.patch(f"{V3}/users/{user['id']}", json={"user": {"password": "reset"}}, headers=as_admin)
    assert r.status_code == 200
    assert get_token(client, "gus", "reset", "gus-project")


def test_user_projects(client: TestClient, as_admin: dict) -> None:
    """GET /users/{id}/projects lists the projects a user has a role on; the user may ask, others may not."""
    project, user, token = user_in_project(client, as_admin, "hal", "reader")
    r = client.get(f"{V3}/users/{user['id']}/projects", headers={"X-Auth-Token": token})
    assert r.status_code == 200 and [p["id"] for p in r.json()["projects"]] == [project["id"]]
    _, _, other = user_in_project(client, as_admin, "ivy", "member")
    r = client.get(f"{V3}/users/{user['id']}/projects", headers={"X-Auth-Token": other})
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "Policy doesn't allow identity:list_user_projects to be performed."


def test_user_shows_itself_but_not_others(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    _, user, token = user_in_project(client, as_admin, "jo", "member")
    assert client.get(f"{V3}/users/{user['id']}", headers={"X-Auth-Token": token}).status_code == 200
    assert client.get(f"{V3}/users/{user['id']}", headers=as_demo).status_code == 403
    assert client.get(f"{V3}/users", headers=as_demo).status_code == 403


def test_member_cannot_manage_users(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    before = len(client.get(f"{V3}/users", headers=as_admin).json()["users"])
    r = client.post(f"{V3}/users", json={"user": {"name": "sneaky"}}, headers=as_demo)
    assert r.status_code == 403
    assert r.json() == {"error": {"code": 403, "title": "Forbidden",
                                  "message": "Policy doesn't allow identity:create_user to be performed."}}
    assert len(client.get(f"{V3}/users", headers=as_admin).json()["users"]) == before
