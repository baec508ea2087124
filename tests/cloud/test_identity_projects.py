"""Keystone domains and projects: CRUD, filters, tags, Keystone's bodies and errors, and the cascades."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.cloud.identity_helpers import V3, create, grant, user_in_project
from tests.conftest import get_token


def test_create_show_list_project_with_keystone_bodies(client: TestClient, as_admin: dict) -> None:
    """A created project is shown and listed with Keystone's fields, links.self, and the list's links."""
    project = create(client, as_admin, "project", name="p1", description="first", tags=["a", "b"])
    assert project["domain_id"] == "default" and project["parent_id"] == "default"
    assert project["enabled"] is True and project["is_domain"] is False and project["tags"] == ["a", "b"]
    assert project["links"]["self"] == f"http://127.0.0.1:8780/identity/v3/projects/{project['id']}"
    shown = client.get(f"{V3}/projects/{project['id']}", headers=as_admin).json()["project"]
    assert shown == project
    r = client.get(f"{V3}/projects", headers=as_admin)
    assert r.status_code == 200
    body = r.json()
    assert body["links"] == {"self": "http://127.0.0.1:8780/identity/v3/projects", "previous": None, "next": None}
    assert {"admin", "demo", "p1"} <= {p["name"] for p in body["projects"]}


def test_project_list_filters(client: TestClient, as_admin: dict) -> None:
    """name, domain_id, enabled and the tag filters narrow the list."""
    create(client, as_admin, "project", name="on", tags=["x", "y"])
    create(client, as_admin, "project", name="off", enabled=False, tags=["y"])

    def names(**params: str) -> set[str]:
        r = client.get(f"{V3}/projects", params=params, headers=as_admin)
        assert r.status_code == 200, r.text
        return {p["name"] for p in r.json()["projects"]}

    assert names(name="on") == {"on"}
    assert names(enabled="false") == {"off"}
    assert "off" not in names(enabled="true")
    assert names(tags="x,y") == {"on"}
    assert names(**{"tags-any": "y"}) == {"on", "off"}
    assert "on" not in names(**{"not-tags": "x"})
    assert names(domain_id="nope") == set()


def test_update_project(client: TestClient, as_admin: dict) -> None:
    project = create(client, as_admin, "project", name="before")
    r = client.patch(f"{V3}/projects/{project['id']}", headers=as_admin,
                     json={"project": {"name": "after", "description": "d", "enabled": False}})
    assert r.status_code == 200
    assert {k: r.json()["project"][k] for k in ("name", "description", "enabled")} == {
        "name": "after", "description": "d", "enabled": False}


def test_duplicate_project_name_is_409_and_nothing_is_made(client: TestClient, as_admin: dict) -> None:
    create(client, as_admin, "project", name="twin")
    r = client.post(f"{V3}/projects", json={"project": {"name": "twin"}}, headers=as_admin)
    assert r.status_code == 409
    error = r.json()["error"]
    assert (error["code"], error["title"]) == (409, "Conflict")
    assert re.fullmatch("Conflict occurred attempting to store project - it is not permitted to have two projects "
                        "with either the same name or same id in the same domain: name is twin, project id "
                        "[0-9a-f]{32}.", error["message"]), error["message"]
    listed = client.get(f"{V3}/projects", params={"name": "twin"}, headers=as_admin).json()["projects"]
    assert len(listed) == 1


def test_bad_project_input_is_400(client: TestClient, as_admin: dict) -> None:
    """Missing, empty, too long or wrongly typed fields get Keystone's 400 and create nothing."""
    before = len(client.get(f"{V3}/projects", headers=as_admin).json()["projects"])
    for body, field in (({}, "name"), ({"name": ""}, "name"), ({"name": "x" * 65}, "name"),
                        ({"name": "ok", "enabled": "yes"}, "enabled"), ({"name": "ok", "tags": ["a/b"]}, "tags/0")):
        r = client.post(f"{V3}/projects", json={"project": body}, headers=as_admin)
        assert r.status_code == 400, body
        assert r.json()["error"]["code"] == 400
        assert r.json()["error"]["message"].startswith(f"Invalid input for field '{field}'"), r.text
    r = client.post(f"{V3}/projects", content=b"{oops", headers={**as_admin, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["title"] == "Bad Request"
    assert len(client.get(f"{V3}/projects", headers=as_admin).json()["projects"]) == before


def test_unknown_project_is_404_with_keystone_message(client: TestClient, as_admin: dict) -> None:
    for method in ("get", "delete"):
        r = getattr(client, method)(f"{V3}/projects/nope", headers=as_admin)
        assert r.status_code == 404
        assert r.json() == {"error": {"code": 404, "title": "Not Found", "message": "Could not find project: nope."}}
    r = client.patch(f"{V3}/projects/nope", json={"project": {"name": "x"}}, headers=as_admin)
    assert r.status_code == 404


def test_project_in_unknown_domain_is_404(client: TestClient, as_admin: dict) -> None:
    r = client.post(f"{V3}/projects", json={"project": {"name": "p", "domain_id": "nope"}}, headers=as_admin)
    assert r.status_code == 404 and r.json()["error"]["message"] == "Could not find domain: nope."


def test_delete_project_cascades_assignments_and_tokens(client: TestClient, as_admin: dict) -> None:
    """Deleting a project removes its role assignments, and tokens scoped to it stop working at once."""
    project, user, token = user_in_project(client, as_admin, "leaver", "member")
    assert client.get(f"{V3}/auth/projects", headers={"X-Auth-Token": token}).status_code == 200
    assert client.delete(f"{V3}/projects/{project['id']}", headers=as_admin).status_code == 204
    assert client.get(f"{V3}/auth/projects", headers={"X-Auth-Token": token}).status_code == 401
    r = client.get(f"{V3}/role_assignments", params={"user.id": user["id"]}, headers=as_admin)
    assert r.json()["role_assignments"] == []
    assert client.get(f"{V3}/projects/{project['id']}", headers=as_admin).status_code == 404


def test_project_with_children_cannot_be_deleted(client: TestClient, as_admin: dict) -> None:
    parent = create(client, as_admin, "project", name="parent")
    child = create(client, as_admin, "project", name="child", parent_id=parent["id"])
    assert child["parent_id"] == parent["id"]
    r = client.delete(f"{V3}/projects/{parent['id']}", headers=as_admin)
    assert r.status_code == 403 and "not a leaf" in r.json()["error"]["message"]
    assert client.get(f"{V3}/projects/{parent['id']}", headers=as_admin).status_code == 200


def test_project_tags_api(client: TestClient, as_admin: dict) -> None:
    project = create(client, as_admin, "project", name="tagged")
    url = f"{V3}/projects/{project['id']}/tags"
    assert client.put(f"{url}/red", headers=as_admin).status_code == 201
    assert client.get(f"{url}/red", headers=as_admin).status_code == 204
    assert client.get(f"{url}/blue", headers=as_admin).status_code == 404
    r = client.put(url, json={"tags": ["x", "y"]}, headers=as_admin)
    assert r.status_code == 200 and r.json() == {"tags": ["x", "y"]}
    assert client.delete(f"{url}/x", headers=as_admin).status_code == 204
    assert client.get(url, headers=as_admin).json() == {"tags": ["y"]}
    r = client.put(url, json={"tags": ["bad,tag"]}, headers=as_admin)
    assert r.status_code == 400
    assert client.get(url, headers=as_admin).json() == {"tags": ["y"]}


def test_domain_crud_and_delete_only_when_disabled(client: TestClient, as_admin: dict) -> None:
    """A domain is deleted only once disabled (403 before), and its projects and users go with it."""
    domain = create(client, as_admin, "domain", name="d1", description="a domain")
    assert domain["links"]["self"].endswith(f"/identity/v3/domains/{domain['id']}")
    project = create(client, as_admin, "project", name="inside", domain_id=domain["id"])
    user = create(client, as_admin, "user", name="inside-user", domain_id=domain["id"])
    r = client.delete(f"{V3}/domains/{domain['id']}", headers=as_admin)
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "Cannot delete a domain that is enabled, please disable it first."
    assert client.get(f"{V3}/domains/{domain['id']}", headers=as_admin).status_code == 200
    r = client.patch(f"{V3}/domains/{domain['id']}", json={"domain": {"enabled": False}}, headers=as_admin)
    assert r.status_code == 200 and r.json()["domain"]["enabled"] is False
    assert client.delete(f"{V3}/domains/{domain['id']}", headers=as_admin).status_code == 204
    for path in (f"domains/{domain['id']}", f"projects/{project['id']}", f"users/{user['id']}"):
        assert client.get(f"{V3}/{path}", headers=as_admin).status_code == 404


def test_domain_list_filters_and_duplicates(client: TestClient, as_admin: dict) -> None:
    create(client, as_admin, "domain", name="dx", enabled=False)
    r = client.get(f"{V3}/domains", params={"enabled": "false"}, headers=as_admin)
    assert [d["name"] for d in r.json()["domains"]] == ["dx"]
    r = client.post(f"{V3}/domains", json={"domain": {"name": "dx"}}, headers=as_admin)
    assert r.status_code == 409 and "Duplicate entry found with name dx" in r.json()["error"]["message"]
    r = client.post(f"{V3}/domains", json={"domain": {"name": "y" * 65}}, headers=as_admin)
    assert r.status_code == 400


def test_default_domain_cannot_be_disabled(client: TestClient, as_admin: dict) -> None:
    r = client.patch(f"{V3}/domains/default", json={"domain": {"enabled": False}}, headers=as_admin)
    assert r.status_code == 403
    assert client.get(f"{V3}/domains/default", headers=as_admin).json()["domain"]["enabled"] is True


def test_auth_projects_lists_the_callers_projects(client: TestClient, as_admin: dict, demo_token: str) -> None:
    r = client.get(f"{V3}/auth/projects", headers={"X-Auth-Token": demo_token})
    assert r.status_code == 200 and [p["name"] for p in r.json()["projects"]] == ["demo"]
    token = get_token(client, "admin", "secret-admin", "admin")
    r = client.get(f"{V3}/auth/domains", headers={"X-Auth-Token": token})
    assert r.status_code == 200 and r.json()["domains"] == []


def test_member_sees_own_project_only(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """A member may show its own project; another project is 403 and listing all projects is 403."""
    other = create(client, as_admin, "project", name="elsewhere")
    demo_id = client.get(f"{V3}/auth/projects", headers=as_demo).json()["projects"][0]["id"]
    assert client.get(f"{V3}/projects/{demo_id}", headers=as_demo).status_code == 200
    r = client.get(f"{V3}/projects/{other['id']}", headers=as_demo)
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "Policy doesn't allow identity:get_project to be performed."
    assert client.get(f"{V3}/projects", headers=as_demo).status_code == 403


def test_grant_on_unknown_parts_is_404(client: TestClient, as_admin: dict) -> None:
    project = create(client, as_admin, "project", name="g")
    user = create(client, as_admin, "user", name="g-user")
    grant(client, as_admin, project["id"], user["id"], "reader")
    r = client.put(f"{V3}/projects/{project['id']}/users/{user['id']}/roles/nope", headers=as_admin)
    assert r.status_code == 404 and r.json()["error"]["message"] == "Could not find role: nope."
    reader = client.get(f"{V3}/roles", params={"name": "reader"}, headers=as_admin).json()["roles"][0]["id"]
    r = client.put(f"{V3}/projects/nope/users/{user['id']}/roles/{reader}", headers=as_admin)
    assert r.status_code == 404 and r.json()["error"]["message"] == "Could not find project: nope."
    r = client.put(f"{V3}/projects/{project['id']}/users/nope/roles/{reader}", headers=as_admin)
    assert r.status_code == 404 and r.json()["error"]["message"] == "Could not find user: nope."


def test_domain_show_is_limited_to_the_callers_domain(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    other = create(client, as_admin, "domain", name="other-domain")
    assert client.get(f"{V3}/domains/default", headers=as_demo).status_code == 200
    r = client.get(f"{V3}/domains/{other['id']}", headers=as_demo)
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "Policy doesn't allow identity:get_domain to be performed."
    assert client.get(f"{V3}/domains", headers=as_demo).status_code == 403
