"""Keystone's APIs beside the core, through the API: the policy blob store (/v3/policies), OS-EP-FILTER endpoint
groups and project endpoints (a filtered project's catalog), OS-INHERIT inherited role assignments (they act on
tokens), domain configuration, OS-OAUTH1 consumers and OS-TRUST trusts (trust-scoped tokens carry only the
trust's roles)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.identity.models import OAuthConsumer
from tests.cloud.identity_helpers import V3, create, grant, role_id, user_in_project
from tests.conftest import get_token


def _token(client: TestClient, auth: dict[str, Any]) -> Any:
    return client.post(f"{V3}/auth/tokens", json={"auth": auth})


def _password(name: str, password: str) -> dict[str, Any]:
    return {"methods": ["password"], "password": {"user": {"name": name, "password": password,
                                                           "domain": {"id": "default"}}}}


def test_policy_blob_store(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    r = client.post(f"{V3}/policies", json={"policy": {"blob": '{"a": "b"}', "type": "application/json"}},
                    headers=as_admin)
    assert r.status_code == 201, r.text
    policy = r.json()["policy"]
    assert policy["blob"] == '{"a": "b"}' and policy["links"]["self"].endswith(f"/v3/policies/{policy['id']}")
    r = client.patch(f"{V3}/policies/{policy['id']}", json={"policy": {"type": "text/yaml"}}, headers=as_admin)
    assert r.status_code == 200 and r.json()["policy"]["type"] == "text/yaml"
    assert r.json()["policy"]["blob"] == '{"a": "b"}'
    listed = client.get(f"{V3}/policies", params={"type": "text/yaml"}, headers=as_admin).json()["policies"]
    assert [p["id"] for p in listed] == [policy["id"]]
    assert client.post(f"{V3}/policies", json={"policy": {"type": "x"}}, headers=as_admin).status_code == 400
    assert client.get(f"{V3}/policies", headers=as_demo).status_code == 403
    assert client.delete(f"{V3}/policies/{policy['id']}", headers=as_admin).status_code == 204
    r = client.get(f"{V3}/policies/{policy['id']}", headers=as_admin)
    assert r.status_code == 404 and r.json()["error"]["message"] == f"Could not find policy: {policy['id']}."


def test_endpoint_groups_filter_a_projects_catalog(client: TestClient, as_admin: dict) -> None:
    services = client.get(f"{V3}/services", headers=as_admin).json()["services"]
    compute = next(s for s in services if s["type"] == "compute")
    r = client.post(f"{V3}/OS-EP-FILTER/endpoint_groups", headers=as_admin, json={"endpoint_group": {
        "name": "compute-only", "description": "nova", "filters": {"service_id": compute["id"]}}})
    assert r.status_code == 201, r.text
    group = r.json()["endpoint_group"]
    url = f"{V3}/OS-EP-FILTER/endpoint_groups/{group['id']}"
    assert client.head(url, headers=as_admin).status_code == 200
    assert client.get(url, headers=as_admin).json()["endpoint_group"]["filters"] == {"service_id": compute["id"]}
    bad = client.post(f"{V3}/OS-EP-FILTER/endpoint_groups", headers=as_admin,
                      json={"endpoint_group": {"name": "x", "filters": {"colour": "red"}}})
    assert bad.status_code == 400
    matched = client.get(f"{url}/endpoints", headers=as_admin).json()["endpoints"]
    assert matched and {e["service_id"] for e in matched} == {compute["id"]}

    project, _user, token = user_in_project(client, as_admin, "filtered", "member")
    types = lambda: {s["type"] for s in client.get(  # noqa: E731
        f"{V3}/auth/catalog", headers={"X-Auth-Token": get_token(client, "filtered", "filtered-pw",
                                                                  project["name"])}).json()["catalog"]}
    assert len(types()) > 1  # no association: every endpoint
    assert client.put(f"{url}/projects/{project['id']}", headers=as_admin).status_code == 204
    assert types() == {"compute"}
    groups = client.get(f"{V3}/OS-EP-FILTER/projects/{project['id']}/endpoint_groups", headers=as_admin).json()
    assert [g["id"] for g in groups["endpoint_groups"]] == [group["id"]]
    identity = next(s for s in services if s["type"] == "identity")
    endpoint = next(e for e in client.get(f"{V3}/endpoints", headers=as_admin).json()["endpoints"]
                    if e["service_id"] == identity["id"])
    ep_url = f"{V3}/OS-EP-FILTER/projects/{project['id']}/endpoints/{endpoint['id']}"
    assert client.head(ep_url, headers=as_admin).status_code == 404
    assert client.put(ep_url, headers=as_admin).status_code == 204
    assert client.head(ep_url, headers=as_admin).status_code == 204
    assert types() == {"compute", "identity"}
    assert client.delete(f"{url}/projects/{project['id']}", headers=as_admin).status_code == 204
    assert client.delete(ep_url, headers=as_admin).status_code == 204
    assert len(types()) > 2
    assert client.get(f"{V3}/auth/catalog", headers={"X-Auth-Token": token}).status_code == 200
    assert client.delete(url, headers=as_admin).status_code == 204
    r = client.get(url, headers=as_admin)
    assert r.status_code == 404 and r.json()["error"]["message"] == f"Could not find Endpoint Group: {group['id']}."


def test_inherited_domain_role_reaches_its_projects_tokens(client: TestClient, as_admin: dict) -> None:
    domain = create(client, as_admin, "domain", name="inherit-d")
    parent = create(client, as_admin, "project", name="inh-parent", domain_id=domain["id"])
    leaf = create(client, as_admin, "project", name="inh-leaf", domain_id=domain["id"], parent_id=parent["id"])
    user = create(client, as_admin, "user", name="heir", password="heir-pw", domain_id=domain["id"])
    member = role_id(client, as_admin, "member")
    scope = {"project": {"id": leaf["id"]}}
    auth = {"identity": {"methods": ["password"], "password": {"user": {"id": user["id"], "password": "heir-pw"}}},
            "scope": scope}
    assert _token(client, auth).status_code == 401  # no role anywhere yet

    url = f"{V3}/OS-INHERIT/domains/{domain['id']}/users/{user['id']}/roles/{member}/inherited_to_projects"
    assert client.head(url, headers=as_admin).status_code == 404
    assert client.put(url, headers=as_admin).status_code == 204
    assert client.head(url, headers=as_admin).status_code == 204
    listed = client.get(f"{V3}/OS-INHERIT/domains/{domain['id']}/users/{user['id']}/roles/inherited_to_projects",
                        headers=as_admin).json()["roles"]
    assert [r["id"] for r in listed] == [member]
    r = _token(client, auth)
    assert r.status_code == 201, r.text
    assert {x["name"] for x in r.json()["token"]["roles"]} == {"member", "reader"}
    # Not on the domain itself.
    assert _token(client, {**auth, "scope": {"domain": {"id": domain["id"]}}}).status_code == 401
    stored = client.get(f"{V3}/role_assignments", params={"user.id": user["id"]}, headers=as_admin)
    [entry] = stored.json()["role_assignments"]
    assert entry["scope"] == {"domain": {"id": domain["id"]}, "OS-INHERIT:inherited_to": "projects"}
    assert entry["links"]["assignment"].endswith(f"/OS-INHERIT/domains/{domain['id']}/users/{user['id']}/roles/"
                                                 f"{member}/inherited_to_projects")
    effective = client.get(f"{V3}/role_assignments", params={"effective": "true", "user.id": user["id"],
                                                                       "scope.project.id": leaf["id"]},
                           headers=as_admin).json()["role_assignments"]
    assert {e["role"]["id"] for e in effective} >= {member} and all(
        e["scope"] == {"project": {"id": leaf["id"]}} for e in effective)
    projects = client.get(f"{V3}/users/{user['id']}/projects", headers=as_admin).json()["projects"]
    assert {p["id"] for p in projects} == {parent["id"], leaf["id"]}

    token = r.headers["X-Subject-Token"]
    assert client.delete(url, headers=as_admin).status_code == 204
    assert client.get(f"{V3}/auth/catalog", headers={"X-Auth-Token": token}).status_code == 401
    assert _token(client, auth).status_code == 401


def test_inherited_project_role_reaches_the_subtree_only(client: TestClient, as_admin: dict) -> None:
    parent = create(client, as_admin, "project", name="tree-top")
    leaf = create(client, as_admin, "project", name="tree-leaf", parent_id=parent["id"])
    user = create(client, as_admin, "user", name="climber", password="climber-pw")
    group = create(client, as_admin, "group", name="climbers")
    assert client.put(f"{V3}/groups/{group['id']}/users/{user['id']}", headers=as_admin).status_code == 204
    member = role_id(client, as_admin, "member")
    url = f"{V3}/OS-INHERIT/projects/{parent['id']}/groups/{group['id']}/roles/{member}/inherited_to_projects"
    assert client.put(url, headers=as_admin).status_code == 204
    assert _token(client, {**{"identity": _password("climber", "climber-pw")},
                           "scope": {"project": {"id": leaf["id"]}}}).status_code == 201
    assert _token(client, {**{"identity": _password("climber", "climber-pw")},
                           "scope": {"project": {"id": parent["id"]}}}).status_code == 401
    assert client.delete(url, headers=as_admin).status_code == 204
    assert client.delete(url, headers=as_admin).status_code == 404


def test_domain_config(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    domain = create(client, as_admin, "domain", name="ldap-d")
    url = f"{V3}/domains/{domain['id']}/config"
    assert client.get(url, headers=as_admin).status_code == 404
    config = {"identity": {"driver": "ldap"}, "ldap": {"url": "ldap://x", "password": "hush"}}
    r = client.put(url, json={"config": config}, headers=as_admin)
    assert r.status_code == 201 and r.json()["config"] == {"identity": {"driver": "ldap"}, "ldap": {"url": "ldap://x"}}
    assert client.put(url, json={"config": config}, headers=as_admin).status_code == 200
    r = client.put(url, json={"config": {"nova": {"x": 1}}}, headers=as_admin)
    assert r.status_code == 403 and "Group nova is not supported" in r.json()["error"]["message"]
    r = client.put(url, json={"config": {"ldap": {"colour": 1}}}, headers=as_admin)
    assert r.status_code == 403
    r = client.patch(f"{url}/identity", json={"config": {"identity": {"list_limit": 5}}}, headers=as_admin)
    assert r.status_code == 200 and r.json()["config"]["identity"] == {"driver": "ldap", "list_limit": 5}
    r = client.patch(f"{url}/ldap/url", json={"config": {"url": "ldap://y"}}, headers=as_admin)
    assert r.status_code == 200 and r.json()["config"]["ldap"] == {"url": "ldap://y"}
    assert client.get(f"{url}/ldap/url", headers=as_admin).json() == {"config": {"url": "ldap://y"}}
    assert client.get(f"{url}/ldap/password", headers=as_admin).status_code == 404  # sensitive: never shown
    assert client.delete(f"{url}/identity/driver", headers=as_admin).status_code == 204
    assert client.get(f"{url}/identity/driver", headers=as_admin).status_code == 404
    assert client.delete(f"{url}/identity", headers=as_admin).status_code == 204
    assert client.get(f"{url}/identity", headers=as_admin).status_code == 404
    assert client.get(url, headers=as_demo).status_code == 403
    default = client.get(f"{V3}/domains/config/default", headers=as_admin).json()["config"]
    assert default["identity"]["driver"] == "sql" and "password" not in default["ldap"]
    assert client.get(f"{V3}/domains/config/ldap/url/default", headers=as_admin).json() == {
        "config": {"url": "ldap://localhost"}}
    assert client.get(f"{V3}/domains/config/ldap/password/default", headers=as_admin).status_code == 403
    assert client.delete(url, headers=as_admin).status_code == 204
    assert client.get(url, headers=as_admin).status_code == 404


def test_oauth_consumers_keep_only_a_hash(client: TestClient, cloud: Cloud, as_admin: dict) -> None:
    r = client.post(f"{V3}/OS-OAUTH1/consumers", json={"consumer": {"description": "app"}}, headers=as_admin)
    assert r.status_code == 201
    consumer = r.json()["consumer"]
    secret = consumer["secret"]
    with cloud.db.read() as db:
        stored = db.scalar(select(OAuthConsumer).where(OAuthConsumer.id == consumer["id"]))
        assert stored is not None and secret not in stored.secret_hash
    url = f"{V3}/OS-OAUTH1/consumers/{consumer['id']}"
    shown = client.get(url, headers=as_admin).json()["consumer"]
    assert "secret" not in shown and shown["description"] == "app"
    r = client.patch(url, json={"consumer": {"secret": "mine"}}, headers=as_admin)
    assert r.status_code == 400
    assert client.patch(url, json={"consumer": {"description": "b"}}, headers=as_admin).json()[
        "consumer"]["description"] == "b"
    assert consumer["id"] in {c["id"] for c in client.get(f"{V3}/OS-OAUTH1/consumers",
                                                          headers=as_admin).json()["consumers"]}
    assert client.delete(url, headers=as_admin).status_code == 204
    r = client.get(url, headers=as_admin)
    assert r.status_code == 404 and r.json()["error"]["message"] == f"Could not find Consumer: {consumer['id']}."


def test_trust_scoped_tokens_carry_only_the_trusts_roles(client: TestClient, as_admin: dict) -> None:
    project, trustor, trustor_token = user_in_project(client, as_admin, "trustor", "member")
    auditor = create(client, as_admin, "role", name="auditor")
    grant(client, as_admin, project["id"], trustor["id"], "auditor")
    trustee = create(client, as_admin, "user", name="trustee", password="trustee-pw")
    as_trustor = {"X-Auth-Token": trustor_token}
    body = {"trustor_user_id": trustor["id"], "trustee_user_id": trustee["id"], "project_id": project["id"],
            "impersonation": False, "roles": [{"name": "auditor"}], "remaining_uses": 2}
    # Only the trustor makes it, with roles it holds, an expiry that is a timestamp.
    assert client.post(f"{V3}/OS-TRUST/trusts", json={"trust": body}, headers=as_admin).status_code == 403
    r = client.post(f"{V3}/OS-TRUST/trusts", json={"trust": {**body, "roles": [{"name": "admin"}]}},
                    headers=as_trustor)
    assert r.status_code == 404
    r = client.post(f"{V3}/OS-TRUST/trusts", json={"trust": {**body, "expires_at": "bad.123Z"}},
                    headers=as_trustor)
    assert r.status_code == 400
    r = client.post(f"{V3}/OS-TRUST/trusts", json={"trust": body}, headers=as_trustor)
    assert r.status_code == 201, r.text
    trust = r.json()["trust"]
    assert [x["id"] for x in trust["roles"]] == [auditor["id"]] and trust["remaining_uses"] == 2
    listed = client.get(f"{V3}/OS-TRUST/trusts/", params={"trustor_user_id": trustor["id"]},
                        headers=as_trustor).json()["trusts"]
    assert [t["id"] for t in listed] == [trust["id"]]
    assert client.head(f"{V3}/OS-TRUST/trusts/{trust['id']}/roles/{auditor['id']}",
                       headers=as_trustor).status_code == 200
    member = role_id(client, as_admin, "member")
    assert client.get(f"{V3}/OS-TRUST/trusts/{trust['id']}/roles/{member}", headers=as_trustor).status_code == 404

    auth = {"identity": _password("trustee", "trustee-pw"), "scope": {"OS-TRUST:trust": {"id": trust["id"]}}}
    r = _token(client, auth)
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    assert [x["name"] for x in token["roles"]] == ["auditor"]  # not the trustor's member role
    assert token["user"]["id"] == trustee["id"] and token["project"]["id"] == project["id"]
    assert token["OS-TRUST:trust"] == {"id": trust["id"], "impersonation": False,
                                       "trustor_user": {"id": trustor["id"]}, "trustee_user": {"id": trustee["id"]}}
    trust_token = r.headers["X-Subject-Token"]
    # The trustor is no trustee; a trust-scoped token is not rescoped.
    assert _token(client, {**auth, "identity": _password("trustor", "trustor-pw")}).status_code == 403
    rescope = {"identity": {"methods": ["token"], "token": {"id": trust_token}},
               "scope": {"project": {"id": project["id"]}}}
    assert _token(client, rescope).status_code == 403
    assert _token(client, auth).status_code == 201  # the second and last use
    assert _token(client, auth).status_code == 403
    assert client.get(f"{V3}/auth/catalog", headers={"X-Auth-Token": trust_token}).status_code == 200
    # Revoking the delegated role from the trustor ends the trust's tokens.
    r = client.delete(f"{V3}/projects/{project['id']}/users/{trustor['id']}/roles/{auditor['id']}",
                      headers=as_admin)
    assert r.status_code == 204
    assert client.get(f"{V3}/auth/catalog", headers={"X-Auth-Token": trust_token}).status_code == 401


def test_impersonating_trust_and_delete(client: TestClient, as_admin: dict) -> None:
    project, trustor, trustor_token = user_in_project(client, as_admin, "boss", "member")
    trustee = create(client, as_admin, "user", name="deputy", password="deputy-pw")
    as_trustor = {"X-Auth-Token": trustor_token}
    r = client.post(f"{V3}/OS-TRUST/trusts", headers=as_trustor, json={"trust": {
        "trustor_user_id": trustor["id"], "trustee_user_id": trustee["id"], "project_id": project["id"],
        "impersonation": True, "roles": [{"name": "member"}], "expires_at": "2999-01-01T00:00:00Z"}})
    assert r.status_code == 201, r.text
    trust = r.json()["trust"]
    assert trust["expires_at"] == "2999-01-01T00:00:00.000000Z"
    r = _token(client, {"identity": _password("deputy", "deputy-pw"),
                        "scope": {"OS-TRUST:trust": {"id": trust["id"]}}})
    assert r.status_code == 201
    assert r.json()["token"]["user"]["id"] == trustor["id"]  # impersonation: the token is the trustor's
    assert {x["name"] for x in r.json()["token"]["roles"]} == {"member", "reader"}
    token = r.headers["X-Subject-Token"]
    assert trust["id"] in {t["id"] for t in client.get(f"{V3}/OS-TRUST/trusts", headers=as_admin).json()["trusts"]}
    assert client.get(f"{V3}/OS-TRUST/trusts", headers=as_trustor).status_code == 403  # unfiltered: operators
    assert client.delete(f"{V3}/OS-TRUST/trusts/{trust['id']}", headers=as_trustor).status_code == 204
    assert client.get(f"{V3}/OS-TRUST/trusts/{trust['id']}", headers=as_trustor).status_code == 404
    assert client.get(f"{V3}/auth/catalog", headers={"X-Auth-Token": token}).status_code == 401


def test_trust_redelegation(client: TestClient, as_admin: dict) -> None:
    """A trust allowing redelegation lets its trustee make a trust from a trust-scoped token: one level less,
    at most its roles; the chain's tokens carry the first trustor's roles; deleting the first ends them all."""
    project, trustor, trustor_token = user_in_project(client, as_admin, "chief", "member")
    middle = create(client, as_admin, "user", name="middle", password="middle-pw")
    last = create(client, as_admin, "user", name="last", password="last-pw")
    trust_body = {"trustor_user_id": trustor["id"], "trustee_user_id": middle["id"], "project_id": project["id"],
                  "impersonation": False, "roles": [{"name": "member"}], "allow_redelegation": True}
    refused = client.post(f"{V3}/OS-TRUST/trusts", headers={"X-Auth-Token": trustor_token},
                          json={"trust": {**trust_body, "remaining_uses": 1}})
    assert refused.status_code == 400
    r = client.post(f"{V3}/OS-TRUST/trusts", headers={"X-Auth-Token": trustor_token}, json={"trust": trust_body})
    assert r.status_code == 201 and r.json()["trust"]["redelegation_count"] == 3
    first = r.json()["trust"]
    scoped = _token(client, {"identity": _password("middle", "middle-pw"),
                             "scope": {"OS-TRUST:trust": {"id": first["id"]}}})
    as_middle = {"X-Auth-Token": scoped.headers["X-Subject-Token"]}
    second_body = {**trust_body, "trustor_user_id": middle["id"], "trustee_user_id": last["id"]}
    del second_body["allow_redelegation"]
    bad = client.post(f"{V3}/OS-TRUST/trusts", headers=as_middle,
                      json={"trust": {**second_body, "roles": [{"name": "reader"}]}})
    assert bad.status_code == 403
    r = client.post(f"{V3}/OS-TRUST/trusts", headers=as_middle, json={"trust": second_body})
    assert r.status_code == 201, r.text
    second = r.json()["trust"]
    assert second["redelegated_trust_id"] == first["id"] and second["redelegation_count"] == 0
    r = _token(client, {"identity": _password("last", "last-pw"), "scope": {"OS-TRUST:trust": {"id": second["id"]}}})
    assert r.status_code == 201 and [x["name"] for x in r.json()["token"]["roles"]] == ["member", "reader"]
    last_token = {"X-Auth-Token": r.headers["X-Subject-Token"]}
    # Not redelegatable any further.
    third = client.post(f"{V3}/OS-TRUST/trusts", headers=last_token, json={"trust": {
        **second_body, "trustor_user_id": last["id"], "trustee_user_id": middle["id"]}})
    assert third.status_code == 403
    assert client.delete(f"{V3}/OS-TRUST/trusts/{first['id']}", headers={"X-Auth-Token": trustor_token}) \
        .status_code == 204
    assert client.get(f"{V3}/OS-TRUST/trusts/{second['id']}", headers=as_admin).status_code == 404
    assert client.get(f"{V3}/auth/catalog", headers=last_token).status_code == 401
