"""Keystone v3 authentication: discovery, tokens, scopes and the catalog."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, get_token


def password_auth(user: str, password: str, scope: dict | None = None) -> dict:
    auth: dict = {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "password": password, "domain": {"name": "Default"}}}}}
    if scope is not None:
        auth["scope"] = scope
    return {"auth": auth}


def test_discovery_lists_v3_with_300(client: TestClient) -> None:
    """GET /identity answers 300 with the v3 entry keystoneauth needs (id, status, links)."""
    r = client.get("/identity")
    assert r.status_code == 300
    version = r.json()["versions"]["values"][0]
    assert version["id"].startswith("v3") and version["status"] == "stable"
    assert version["links"][0]["href"] == "http://127.0.0.1:8780/identity/v3/"


def test_password_token_carries_requested_user_project_and_catalog(client: TestClient) -> None:
    """A project-scoped token names the requested user and project and lists every service's endpoints."""
    r = client.post("/identity/v3/auth/tokens", json=password_auth(
        "demo", "demo", {"project": {"name": "demo", "domain": {"name": "Default"}}}))
    assert r.status_code == 201
    assert r.headers["x-subject-token"]
    token = r.json()["token"]
    assert token["user"]["name"] == "demo" and token["project"]["name"] == "demo"
    assert {role["name"] for role in token["roles"]} == {"member", "reader"}
    identity = next(s for s in token["catalog"] if s["type"] == "identity")
    assert {e["interface"] for e in identity["endpoints"]} == {"public", "internal", "admin"}
    assert all(e["region_id"] == "RegionOne" for e in identity["endpoints"])


def test_admin_role_implies_member_and_reader(client: TestClient) -> None:
    r = client.post("/identity/v3/auth/tokens", json=password_auth(
        "admin", ADMIN_PASSWORD, {"project": {"name": "admin", "domain": {"id": "default"}}}))
    assert {role["name"] for role in r.json()["token"]["roles"]} == {"admin", "member", "reader"}


def test_wrong_password_is_401_with_keystone_body(client: TestClient) -> None:
    r = client.post("/identity/v3/auth/tokens", json=password_auth("demo", "nope"))
    assert r.status_code == 401
    assert r.json() == {"error": {"code": 401, "title": "Unauthorized",
                                  "message": "The request you have made requires authentication."}}


def test_scope_to_a_project_without_a_role_is_401(client: TestClient) -> None:
    r = client.post("/identity/v3/auth/tokens", json=password_auth(
        "demo", "demo", {"project": {"name": "admin", "domain": {"name": "Default"}}}))
    assert r.status_code == 401


def test_malformed_json_is_400_and_no_token_is_made(client: TestClient, cloud) -> None:
    r = client.post("/identity/v3/auth/tokens", content=b"{not json",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == 400


def test_token_validate_and_revoke(client: TestClient, admin_token: str, demo_token: str) -> None:
    """GET/HEAD validate a token; DELETE revokes it, after which it is refused."""
    headers = {"X-Auth-Token": admin_token, "X-Subject-Token": demo_token}
    r = client.get("/identity/v3/auth/tokens", headers=headers)
    assert r.status_code == 200 and r.json()["token"]["user"]["name"] == "demo"
    assert client.head("/identity/v3/auth/tokens", headers=headers).status_code == 200
    assert client.delete("/identity/v3/auth/tokens", headers=headers).status_code == 204
    assert client.get("/identity/v3/auth/tokens", headers=headers).status_code == 404
    assert client.get("/identity/v3/auth/catalog", headers={"X-Auth-Token": demo_token}).status_code == 401


def test_token_method_rescopes(client: TestClient, demo_token: str) -> None:
    r = client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["token"], "token": {"id": demo_token}},
        "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}})
    assert r.status_code == 201 and r.json()["token"]["project"]["name"] == "demo"


def test_expired_token_is_refused(client: TestClient, cloud) -> None:
    """Tokens expire by the lab clock: advancing it past the TTL makes the token invalid."""
    from datetime import timedelta

    token = get_token(client, "demo", "demo", "demo")
    assert client.get("/identity/v3/auth/catalog", headers={"X-Auth-Token": token}).status_code == 200
    cloud.clock.advance(timedelta(seconds=cloud.settings.token_ttl_seconds + 1))
    r = client.get("/identity/v3/auth/catalog", headers={"X-Auth-Token": token})
    assert r.status_code == 401


def test_every_response_has_a_request_id(client: TestClient) -> None:
    assert client.get("/identity").headers["x-openstack-request-id"].startswith("req-")


def test_unknown_route_is_404_in_service_style(client: TestClient) -> None:
    r = client.get("/identity/v3/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == 404
