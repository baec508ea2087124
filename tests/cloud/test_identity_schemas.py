"""Every identity body this cloud renders, checked against Keystone's own response schema for it (tempest has
none for identity; Keystone describes its answers in keystone/<area>/schema.py, tests/keystone_schemas.py):
domains, projects and their tags, users, groups, roles, implied roles and role inferences, role assignments,
regions, services, endpoints and application credentials, driven through the real API."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.cloud.identity_helpers import V3, create, grant, role_id
from tests.conftest import get_token
from tests.keystone_schemas import assert_keystone_schema as check


def test_domains_and_projects(client: TestClient, as_admin: dict[str, str]) -> None:
    r = client.post(f"{V3}/domains", headers=as_admin, json={"domain": {"name": "d1", "tags": ["t"]}})
    check("resource.domain_create_response_body", r, 201)
    domain = r.json()["domain"]
    check("resource.domain_get_response_body", client.get(f"{V3}/domains/{domain['id']}", headers=as_admin))
    check("resource.domain_index_response_body", client.get(f"{V3}/domains", headers=as_admin))
    check("resource.domain_update_response_body",
          client.patch(f"{V3}/domains/{domain['id']}", headers=as_admin, json={"domain": {"description": "x"}}))

    r = client.post(f"{V3}/projects", headers=as_admin, json={"project": {
        "name": "p1", "description": "first", "tags": ["a"], "colour": "blue"}})
    check("resource.project_create_response_body", r, 201)
    project = r.json()["project"]
    check("resource.project_get_response_body", client.get(f"{V3}/projects/{project['id']}", headers=as_admin))
    check("resource.project_index_response_body", client.get(f"{V3}/projects", headers=as_admin))
    check("resource.project_update_response_body",
          client.patch(f"{V3}/projects/{project['id']}", headers=as_admin, json={"project": {"enabled": False}}))
    check("resource.tags_response_body", client.get(f"{V3}/projects/{project['id']}/tags", headers=as_admin))
    check("resource.tags_response_body",
          client.put(f"{V3}/projects/{project['id']}/tags", headers=as_admin, json={"tags": ["b", "c"]}))


def test_users_groups_and_roles(client: TestClient, as_admin: dict[str, str]) -> None:
    r = client.post(f"{V3}/users", headers=as_admin, json={"user": {
        "name": "u1", "password": "pw-u1", "email": "u1@example.org", "description": "one"}})
    check("identity.user_create_response_body", r, 201)
    user = r.json()["user"]
    check("identity.user_get_response_body", client.get(f"{V3}/users/{user['id']}", headers=as_admin))
    check("identity.user_index_response_body", client.get(f"{V3}/users", headers=as_admin))
    check("identity.user_update_response_body",
          client.patch(f"{V3}/users/{user['id']}", headers=as_admin, json={"user": {"enabled": False}}))

    r = client.post(f"{V3}/groups", headers=as_admin, json={"group": {"name": "g1", "description": "grp"}})
    check("identity.group_create_response_body", r, 201)
    group = r.json()["group"]
    check("identity.group_get_response_body", client.get(f"{V3}/groups/{group['id']}", headers=as_admin))
    check("identity.group_index_response_body", client.get(f"{V3}/groups", headers=as_admin))
    check("identity.group_update_response_body",
          client.patch(f"{V3}/groups/{group['id']}", headers=as_admin, json={"group": {"name": "g2"}}))
    check("identity.user_index_response_body", client.get(f"{V3}/groups/{group['id']}/users", headers=as_admin))

    r = client.post(f"{V3}/roles", headers=as_admin, json={"role": {"name": "auditor", "description": "reads"}})
    check("assignment.role_show_response_body", r, 201)
    role = r.json()["role"]
    check("assignment.role_show_response_body", client.get(f"{V3}/roles/{role['id']}", headers=as_admin))
    check("assignment.roles_index_response_body", client.get(f"{V3}/roles", headers=as_admin))
    reader = role_id(client, as_admin, "reader")
    implied = f"{V3}/roles/{role['id']}/implies/{reader}"
    check("assignment.implied_role_show_response_body", client.put(implied, headers=as_admin), 201)
    check("assignment.implied_role_show_response_body", client.get(implied, headers=as_admin))
    check("assignment.role_inference_show_response_body",
          client.get(f"{V3}/roles/{role['id']}/implies", headers=as_admin))
    check("assignment.role_inferences_index_response_body", client.get(f"{V3}/role_inferences", headers=as_admin))

    project = create(client, as_admin, "project", name="p2")
    grant(client, as_admin, project["id"], user["id"], "auditor")
    for query in ("", "?effective", "?include_names", f"?scope.project.id={project['id']}&effective"):
        check("assignment.role_assignments_index_response_body",
              client.get(f"{V3}/role_assignments{query}", headers=as_admin))
    check("assignment.roles_index_response_body",
          client.get(f"{V3}/projects/{project['id']}/users/{user['id']}/roles", headers=as_admin))


def test_catalog(client: TestClient, as_admin: dict[str, str]) -> None:
    r = client.post(f"{V3}/regions", headers=as_admin, json={"region": {"id": "Lab2", "description": "second"}})
    check("catalog.region_show_response_body", r, 201)
    check("catalog.region_show_response_body", client.get(f"{V3}/regions/Lab2", headers=as_admin))
    check("catalog.regions_index_response_body", client.get(f"{V3}/regions", headers=as_admin))

    r = client.post(f"{V3}/services", headers=as_admin, json={"service": {"type": "toy", "name": "toy"}})
    check("catalog.service_response_body", r, 201)
    service = r.json()["service"]
    check("catalog.service_response_body", client.get(f"{V3}/services/{service['id']}", headers=as_admin))
    check("catalog.service_index_response_body", client.get(f"{V3}/services", headers=as_admin))

    r = client.post(f"{V3}/endpoints", headers=as_admin, json={"endpoint": {
        "service_id": service["id"], "interface": "public", "url": "http://127.0.0.1:9/toy", "region_id": "Lab2"}})
    check("catalog.endpoint_response_body", r, 201)
    endpoint = r.json()["endpoint"]
    check("catalog.endpoint_response_body", client.get(f"{V3}/endpoints/{endpoint['id']}", headers=as_admin))
    check("catalog.endpoint_index_response_body", client.get(f"{V3}/endpoints", headers=as_admin))

    r = client.post(f"{V3}/OS-EP-FILTER/endpoint_groups", headers=as_admin, json={"endpoint_group": {
        "name": "toys", "filters": {"service_id": service["id"]}}})
    check("catalog.endpoint_group_response_body", r, 201)
    group = r.json()["endpoint_group"]
    check("catalog.endpoint_group_response_body",
          client.get(f"{V3}/OS-EP-FILTER/endpoint_groups/{group['id']}", headers=as_admin))
    check("catalog.endpoint_group_index_response_body", client.get(f"{V3}/OS-EP-FILTER/endpoint_groups",
                                                                   headers=as_admin))


def test_trusts_and_inherited_assignments(client: TestClient, as_admin: dict[str, str]) -> None:
    project = create(client, as_admin, "project", name="p-trust")
    trustor = create(client, as_admin, "user", name="u-trustor", password="pw-t", default_project_id=project["id"])
    trustee = create(client, as_admin, "user", name="u-trustee", password="pw-e")
    member = client.get(f"{V3}/roles", params={"name": "member"}, headers=as_admin).json()["roles"][0]["id"]
    assert client.put(f"{V3}/projects/{project['id']}/users/{trustor['id']}/roles/{member}",
                      headers=as_admin).status_code == 204
    mine = {"X-Auth-Token": get_token(client, "u-trustor", "pw-t", "p-trust")}
    r = client.post(f"{V3}/OS-TRUST/trusts", headers=mine, json={"trust": {
        "trustor_user_id": trustor["id"], "trustee_user_id": trustee["id"], "project_id": project["id"],
        "impersonation": False, "roles": [{"name": "member"}], "allow_redelegation": True}})
    check("trust.trust_response_body", r, 201)
    trust = r.json()["trust"]
    check("trust.trust_response_body", client.get(f"{V3}/OS-TRUST/trusts/{trust['id']}", headers=mine))
    check("trust.trust_index_response_body", client.get(f"{V3}/OS-TRUST/trusts", headers=as_admin))
    check("trust.trust_index_response_body", client.get(f"{V3}/OS-TRUST/trusts",
                                                        params={"trustor_user_id": trustor["id"]}, headers=mine))

    url = f"{V3}/OS-INHERIT/projects/{project['id']}/users/{trustee['id']}/roles/{member}/inherited_to_projects"
    assert client.put(url, headers=as_admin).status_code == 204
    create(client, as_admin, "project", name="p-trust-leaf", parent_id=project["id"])
    check("assignment.role_assignments_index_response_body",
          client.get(f"{V3}/role_assignments", params={"user.id": trustee["id"]}, headers=as_admin))
    check("assignment.role_assignments_index_response_body",
          client.get(f"{V3}/role_assignments", params={"user.id": trustee["id"], "effective": "1",
                                                       "include_names": "1"}, headers=as_admin))


def test_application_credentials(client: TestClient, as_admin: dict[str, str]) -> None:
    project = create(client, as_admin, "project", name="p3")
    user = create(client, as_admin, "user", name="u3", password="pw-u3", default_project_id=project["id"])
    grant(client, as_admin, project["id"], user["id"], "member")
    headers = {"X-Auth-Token": get_token(client, "u3", "pw-u3", "p3")}
    base = f"{V3}/users/{user['id']}/application_credentials"
    r = client.post(base, headers=headers, json={"application_credential": {
        "name": "ci", "description": "for CI", "expires_at": "2099-01-01T00:00:00", "roles": [{"name": "member"}]}})
    check("application_credential.application_credential_create_response_body", r, 201)
    cred = r.json()["application_credential"]
    check("application_credential.application_credential_response_body",
          client.get(f"{base}/{cred['id']}", headers=headers))
    check("application_credential.application_credential_index_response_body", client.get(base, headers=headers))
