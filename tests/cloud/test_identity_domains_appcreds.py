"""Domain admins (the admin role on a domain manages that domain and nothing else), disabled domains,
projects acting as domains and the project hierarchy (issue 27 #8), and application credentials."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.cloud.identity_helpers import V3, create, grant, role_id
from tests.conftest import get_token


def _password_auth(user_id: str, password: str, scope: dict[str, Any]) -> dict[str, Any]:
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": user_id,
                                                                                  "password": password}}},
                     "scope": scope}}


def _domain_admin(client: TestClient, as_admin: dict, name: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A new domain and a user of it with the admin role on it: (domain, headers of a domain-scoped token)."""
    domain = create(client, as_admin, "domain", name=name)
    user = create(client, as_admin, "user", name=f"{name}-admin", password="pw", domain_id=domain["id"])
    r = client.put(f"{V3}/domains/{domain['id']}/users/{user['id']}/roles/{role_id(client, as_admin, 'admin')}",
                   headers=as_admin)
    assert r.status_code == 204
    r = client.post(f"{V3}/auth/tokens", json=_password_auth(user["id"], "pw", {"domain": {"id": domain["id"]}}))
    assert r.status_code == 201, r.text
    assert r.json()["token"]["domain"]["id"] == domain["id"]
    return domain, {"X-Auth-Token": r.headers["x-subject-token"]}


def test_a_domain_admin_manages_its_domain(client: TestClient, as_admin: dict) -> None:
    """With a domain-scoped token: users and projects are created in its domain, listings show its domain,
    a member role is granted to its user on its project, and that user then gets a project token."""
    domain, headers = _domain_admin(client, as_admin, "acme")
    user = create(client, headers, "user", name="worker", password="w-pw")
    project = create(client, headers, "project", name="shop")
    assert user["domain_id"] == domain["id"] and project["domain_id"] == domain["id"]
    assert {u["name"] for u in client.get(f"{V3}/users", headers=headers).json()["users"]} == {"acme-admin", "worker"}
    assert [p["name"] for p in client.get(f"{V3}/projects", headers=headers).json()["projects"]] == ["shop"]
    member = role_id(client, as_admin, "member")
    r = client.put(f"{V3}/projects/{project['id']}/users/{user['id']}/roles/{member}", headers=headers)
    assert r.status_code == 204
    r = client.post(f"{V3}/auth/tokens", json=_password_auth(user["id"], "w-pw", {"project": {"id": project["id"]}}))
    assert r.status_code == 201
    assignments = client.get(f"{V3}/role_assignments", headers=headers).json()["role_assignments"]
    assert {a["scope"].get("project", a["scope"].get("domain"))["id"] for a in assignments} == {
        domain["id"], project["id"]}


def test_a_domain_admin_reads_roles_and_regions(client: TestClient, as_admin: dict) -> None:
    """A domain-scoped token lists and shows the global roles and the regions: `openstack role add --user U
    --project P member` as a domain admin finds the role by name (GET /v3/roles?name=member; it was 403, and
    the CLI then granted nothing and still exited 0)."""
    _domain, headers = _domain_admin(client, as_admin, "hooli")
    r = client.get(f"{V3}/roles", params={"name": "member"}, headers=headers)
    assert r.status_code == 200 and [x["name"] for x in r.json()["roles"]] == ["member"]
    member = r.json()["roles"][0]["id"]
    assert client.get(f"{V3}/roles/{member}", headers=headers).status_code == 200
    r = client.get(f"{V3}/regions", headers=headers)
    assert r.status_code == 200 and "RegionOne" in {x["id"] for x in r.json()["regions"]}
    assert client.get(f"{V3}/regions/RegionOne", headers=headers).status_code == 200
    assert client.get(f"{V3}/roles").status_code == 401  # still not without a token


def test_a_domain_admin_touches_nothing_outside_its_domain(client: TestClient, as_admin: dict,
                                                           as_demo: dict) -> None:
    """403 for the Default domain's users and projects, for creating outside its domain, for granting the
    admin role on a project (that would be a lab operator) and for operator-only APIs; nothing changes."""
    _domain, headers = _domain_admin(client, as_admin, "initech")
    demo_user = client.get(f"{V3}/auth/tokens", headers={**as_demo, "X-Subject-Token": as_demo["X-Auth-Token"]})
    demo_id = demo_user.json()["token"]["user"]["id"]
    demo_project = demo_user.json()["token"]["project"]["id"]
    assert client.get(f"{V3}/users/{demo_id}", headers=headers).status_code == 403
    assert client.get(f"{V3}/users", params={"domain_id": "default"}, headers=headers).status_code == 403
    assert client.get(f"{V3}/projects/{demo_project}", headers=headers).status_code == 403
    assert client.patch(f"{V3}/users/{demo_id}", json={"user": {"enabled": False}}, headers=headers).status_code \
        == 403
    r = client.post(f"{V3}/users", json={"user": {"name": "spy", "domain_id": "default"}}, headers=headers)
    assert r.status_code == 403
    assert client.get(f"{V3}/domains", headers=headers).status_code == 403
    assert client.get("/compute/v2.1/os-hypervisors", headers=headers).status_code == 403
    project = create(client, headers, "project", name="lab")
    mine = create(client, headers, "user", name="minion", password="m-pw")
    admin = role_id(client, as_admin, "admin")
    r = client.put(f"{V3}/projects/{project['id']}/users/{mine['id']}/roles/{admin}", headers=headers)
    assert r.status_code == 403
    assert client.get(f"{V3}/users", params={"name": "spy"}, headers=as_admin).json()["users"] == []
    assert client.get(f"{V3}/users/{demo_id}", headers=as_admin).json()["user"]["enabled"] is True


def test_disabling_a_domain_refuses_its_users_and_projects(client: TestClient, as_admin: dict) -> None:
    """The domain's user's token stops working and it gets no new one; enabling it again restores access."""
    domain = create(client, as_admin, "domain", name="umbrella")
    project = create(client, as_admin, "project", name="u-proj", domain_id=domain["id"])
    user = create(client, as_admin, "user", name="u-user", password="pw", domain_id=domain["id"])
    grant(client, as_admin, project["id"], user["id"], "member")
    auth = _password_auth(user["id"], "pw", {"project": {"id": project["id"]}})
    token = client.post(f"{V3}/auth/tokens", json=auth).headers["x-subject-token"]
    assert client.get(f"{V3}/projects/{project['id']}", headers={"X-Auth-Token": token}).status_code == 200
    r = client.patch(f"{V3}/domains/{domain['id']}", json={"domain": {"enabled": False}}, headers=as_admin)
    assert r.status_code == 200
    assert client.get(f"{V3}/projects/{project['id']}", headers={"X-Auth-Token": token}).status_code == 401
    assert client.post(f"{V3}/auth/tokens", json=auth).status_code == 401
    client.patch(f"{V3}/domains/{domain['id']}", json={"domain": {"enabled": True}}, headers=as_admin)
    assert client.post(f"{V3}/auth/tokens", json=auth).status_code == 201


def test_a_project_acting_as_a_domain_is_listed_by_both_apis(client: TestClient, as_admin: dict) -> None:
    """tempest's test_create_is_domain_project: `is_domain: true` is a domain of the same id; the projects
    API lists it only under `?is_domain=true`; disabled, it is deleted with its domain."""
    project = create(client, as_admin, "project", name="pdom", is_domain=True)
    assert project["is_domain"] is True and project["parent_id"] is None and project["domain_id"] is None
    r = client.get(f"{V3}/projects", params={"is_domain": "true"}, headers=as_admin)
    assert [p["id"] for p in r.json()["projects"]] == [project["id"]]
    assert project["id"] not in {p["id"] for p in client.get(f"{V3}/projects", headers=as_admin).json()["projects"]}
    assert project["id"] in {d["id"] for d in client.get(f"{V3}/domains", headers=as_admin).json()["domains"]}
    assert client.delete(f"{V3}/projects/{project['id']}", headers=as_admin).status_code == 403
    client.patch(f"{V3}/projects/{project['id']}", json={"project": {"enabled": False}}, headers=as_admin)
    assert client.get(f"{V3}/domains/{project['id']}", headers=as_admin).json()["domain"]["enabled"] is False
    assert client.delete(f"{V3}/projects/{project['id']}", headers=as_admin).status_code == 204
    assert client.get(f"{V3}/domains/{project['id']}", headers=as_admin).status_code == 404


def test_project_show_with_parents_and_subtree(client: TestClient, as_admin: dict) -> None:
    """Issue 27 #8 (`project show --parents --children`): `parents` nearest first and `subtree`, as lists of
    `{"project": ...}`, and as nested id maps."""
    root = create(client, as_admin, "project", name="root")
    mid = create(client, as_admin, "project", name="mid", parent_id=root["id"])
    leaf = create(client, as_admin, "project", name="leaf", parent_id=mid["id"])
    r = client.get(f"{V3}/projects/{mid['id']}?parents_as_list&subtree_as_list", headers=as_admin)
    body = r.json()["project"]
    assert [p["project"]["id"] for p in body["parents"]] == [root["id"]]
    assert [p["project"]["id"] for p in body["subtree"]] == [leaf["id"]]
    r = client.get(f"{V3}/projects/{leaf['id']}?parents_as_ids&subtree_as_ids", headers=as_admin)
    # The chain ends at the project acting as the domain (Keystone's test_get_project_with_parents_as_ids).
    assert r.json()["project"]["parents"] == {mid["id"]: {root["id"]: {"default": None}}}
    assert r.json()["project"]["subtree"] is None
    r = client.get(f"{V3}/projects/{root['id']}?parents_as_ids", headers=as_admin)
    assert r.json()["project"]["parents"] == {"default": None}
    acting = create(client, as_admin, "project", name="acting", is_domain=True)
    r = client.get(f"{V3}/projects/{acting['id']}?parents_as_ids", headers=as_admin)
    assert r.status_code == 200 and r.json()["project"]["parents"] is None
    r = client.get(f"{V3}/projects/{leaf['id']}?parents_as_ids&parents_as_list", headers=as_admin)
    assert r.status_code == 400 and "at the same time" in r.json()["error"]["message"]
    assert "parents" not in client.get(f"{V3}/projects/{leaf['id']}", headers=as_admin).json()["project"]


def _app_cred_auth(cred_id: str, secret: str) -> dict[str, Any]:
    return {"auth": {"identity": {"methods": ["application_credential"],
                                  "application_credential": {"id": cred_id, "secret": secret}}}}


def test_application_credential_lifecycle(client: TestClient, as_admin: dict) -> None:
    """Create (secret shown once), authenticate by id and by name, a restricted one may not make another,
    a token carries only its roles, deleting it revokes its tokens."""
    project = create(client, as_admin, "project", name="ac-proj")
    user = create(client, as_admin, "user", name="ac-user", password="pw", default_project_id=project["id"])
    grant(client, as_admin, project["id"], user["id"], "member")
    headers = {"X-Auth-Token": get_token(client, "ac-user", "pw", "ac-proj")}
    url = f"{V3}/users/{user['id']}/application_credentials"
    r = client.post(url, json={"application_credential": {"name": "ci", "roles": [{"name": "reader"}]}},
                    headers=headers)
    assert r.status_code == 201, r.text
    cred = r.json()["application_credential"]
    assert cred["project_id"] == project["id"] and cred["unrestricted"] is False
    assert [x["name"] for x in cred["roles"]] == ["reader"] and len(cred["secret"]) >= 64
    shown = client.get(f"{url}/{cred['id']}", headers=headers).json()["application_credential"]
    assert "secret" not in shown
    r = client.post(f"{V3}/auth/tokens", json=_app_cred_auth(cred["id"], cred["secret"]))
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    assert token["methods"] == ["application_credential"] and token["project"]["id"] == project["id"]
    assert {x["name"] for x in token["roles"]} == {"reader"}
    assert token["application_credential"] == {"id": cred["id"], "name": "ci", "restricted": True}
    app_headers = {"X-Auth-Token": r.headers["x-subject-token"]}
    r = client.post(url, json={"application_credential": {"name": "more"}}, headers=app_headers)
    assert r.status_code == 403
    by_name = {"auth": {"identity": {"methods": ["application_credential"], "application_credential": {
        "name": "ci", "secret": cred["secret"], "user": {"name": "ac-user", "domain": {"name": "Default"}}}}}}
    assert client.post(f"{V3}/auth/tokens", json=by_name).status_code == 201
    assert client.post(f"{V3}/auth/tokens", json=_app_cred_auth(cred["id"], "wrong")).status_code == 401
    assert [c["name"] for c in client.get(url, headers=headers).json()["application_credentials"]] == ["ci"]
    assert client.delete(f"{url}/{cred['id']}", headers=headers).status_code == 204
    assert client.get(f"{V3}/auth/projects", headers=app_headers).status_code == 401
    assert client.post(f"{V3}/auth/tokens", json=_app_cred_auth(cred["id"], cred["secret"])).status_code == 401


def test_application_credential_refusals(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """Not for another user (403), not with a role the user lacks (404), not twice by name (409), and an
    expired one authenticates nobody (401)."""
    me = client.get(f"{V3}/auth/tokens", headers={**as_demo, "X-Subject-Token": as_demo["X-Auth-Token"]})
    demo_id = me.json()["token"]["user"]["id"]
    admin_me = client.get(f"{V3}/auth/tokens", headers={**as_admin, "X-Subject-Token": as_admin["X-Auth-Token"]})
    admin_id = admin_me.json()["token"]["user"]["id"]
    r = client.post(f"{V3}/users/{admin_id}/application_credentials",
                    json={"application_credential": {"name": "x"}}, headers=as_demo)
    assert r.status_code == 403
    url = f"{V3}/users/{demo_id}/application_credentials"
    r = client.post(url, json={"application_credential": {"name": "x", "roles": [{"name": "admin"}]}},
                    headers=as_demo)
    assert r.status_code == 404
    r = client.post(url, json={"application_credential": {"name": "old", "expires_at": "2001-01-01T00:00:00Z"}},
                    headers=as_demo)
    assert r.status_code == 201
    cred = r.json()["application_credential"]
    assert cred["expires_at"] == "2001-01-01T00:00:00"
    assert client.post(url, json={"application_credential": {"name": "old"}}, headers=as_demo).status_code == 409
    assert client.post(f"{V3}/auth/tokens", json=_app_cred_auth(cred["id"], cred["secret"])).status_code == 401
    r = client.post(url, json={"application_credential": {"name": 5}}, headers=as_demo)
    assert r.status_code == 400


def test_auth_system_lists_a_system_role(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """GET /v3/auth/system: `[{"all": true}]` for a user with a system role, `[]` otherwise (Horizon)."""
    assert client.get(f"{V3}/auth/system", headers=as_demo).json()["system"] == []
    me = client.get(f"{V3}/auth/tokens", headers={**as_admin, "X-Subject-Token": as_admin["X-Auth-Token"]})
    admin_id = me.json()["token"]["user"]["id"]
    client.put(f"{V3}/system/users/{admin_id}/roles/{role_id(client, as_admin, 'admin')}", headers=as_admin)
    assert client.get(f"{V3}/auth/system", headers=as_admin).json()["system"] == [{"all": True}]


def test_access_rules_have_ids_and_outlive_their_credentials(client: TestClient, as_demo: dict) -> None:
    """openstacksdk's TestAccessRule: a credential's access rules come back with ids, are listed and shown under
    /v3/users/{id}/access_rules, may not be deleted while a credential uses them (403), and may be once it is
    gone; an equal rule, or one named by id, is shared, and an unknown id is 404."""
    me = client.get(f"{V3}/auth/tokens", headers={**as_demo, "X-Subject-Token": as_demo["X-Auth-Token"]})
    user_id = me.json()["token"]["user"]["id"]
    url = f"{V3}/users/{user_id}/application_credentials"
    rule = {"path": "/v2.0/metrics", "service": "monitoring", "method": "GET"}
    r = client.post(url, json={"application_credential": {"name": "ar", "access_rules": [rule]}}, headers=as_demo)
    assert r.status_code == 201, r.text
    cred = r.json()["application_credential"]
    (made,) = cred["access_rules"]
    assert made == {"id": made["id"], **rule}
    rules = f"{V3}/users/{user_id}/access_rules"
    listed = client.get(rules, headers=as_demo).json()["access_rules"]
    assert [(x["id"], x["service"], x["path"], x["method"]) for x in listed] == [
        (made["id"], "monitoring", "/v2.0/metrics", "GET")]
    assert listed[0]["links"]["self"].endswith(f"/identity/v3/users/{user_id}/access_rules/{made['id']}")
    shown = client.get(f"{rules}/{made['id']}", headers=as_demo)
    assert shown.status_code == 200 and shown.json()["access_rule"]["id"] == made["id"]
    again = client.post(url, json={"application_credential": {"name": "ar2", "access_rules": [
        rule, {"id": made["id"]}]}}, headers=as_demo).json()["application_credential"]
    assert [x["id"] for x in again["access_rules"]] == [made["id"], made["id"]]
    r = client.post(url, json={"application_credential": {"name": "ar3", "access_rules": [{"id": "nope"}]}},
                    headers=as_demo)
    assert r.status_code == 404
    r = client.post(url, json={"application_credential": {"name": "ar4", "access_rules": [
        {**rule, "method": "FETCH"}]}}, headers=as_demo)
    assert r.status_code == 400
    assert client.delete(f"{rules}/{made['id']}", headers=as_demo).status_code == 403
    assert client.delete(f"{url}/{cred['id']}", headers=as_demo).status_code == 204
    assert client.delete(f"{rules}/{made['id']}", headers=as_demo).status_code == 403  # ar2 still uses it
    assert client.delete(f"{url}/{again['id']}", headers=as_demo).status_code == 204
    assert len(client.get(rules, headers=as_demo).json()["access_rules"]) == 1  # orphaned, still listed
    assert client.delete(f"{rules}/{made['id']}", headers=as_demo).status_code == 204
    assert client.get(f"{rules}/{made['id']}", headers=as_demo).status_code == 404
    assert client.get(rules, headers=as_demo).json()["access_rules"] == []
