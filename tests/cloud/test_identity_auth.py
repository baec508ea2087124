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
    assert {role["name"] for role in r.json()["token"]["roles"]} == {"admin", "manager", "member", "reader"}


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
    """Tokens expire by real time: a token whose expiry has passed (its row written so, no waiting) is 401 on
    every service and 404 on validation, with Keystone's body, and changes nothing."""
    from datetime import timedelta

    from sqlalchemy import update

    from lab.cloud.identity.models import Token
    from lab.cloud.identity.service import token_hash

    admin = get_token(client, "admin", ADMIN_PASSWORD, "admin")
    token = get_token(client, "demo", "demo", "demo")
    with cloud.db.write() as db:
        db.execute(update(Token).where(Token.id_hash == token_hash(token))
                   .values(expires_at=cloud.clock.real_now() - timedelta(seconds=1)))
    unauthorized = {"error": {"code": 401, "title": "Unauthorized",
                              "message": "The request you have made requires authentication."}}
    r = client.get("/identity/v3/auth/catalog", headers={"X-Auth-Token": token})
    assert (r.status_code, r.json()) == (401, unauthorized)
    for path in ("/compute/v2.1/servers", "/network/v2.0/networks", "/image/v2/images"):
        r = client.get(path, headers={"X-Auth-Token": token})
        assert r.status_code == 401 and unauthorized["error"]["message"] in r.text, (path, r.text)
    r = client.get("/identity/v3/auth/tokens", headers={"X-Auth-Token": admin, "X-Subject-Token": token})
    assert r.status_code == 404 and r.json()["error"]["message"].startswith("Could not find token")
    r = client.post("/compute/v2.1/os-keypairs", headers={"X-Auth-Token": token}, json={"keypair": {"name": "k"}})
    assert r.status_code == 401
    assert client.get("/compute/v2.1/os-keypairs", headers={"X-Auth-Token": admin}).json()["keypairs"] == []


def test_advancing_the_lab_clock_keeps_tokens_valid(client: TestClient, cloud) -> None:
    """`stacklab clock advance 30d` moves the lab clock, not token expiry: the admin who advanced it (and
    everyone else) stays logged in, and expires_at stays on real time (what clients compare it with)."""
    from datetime import datetime, timedelta

    admin = get_token(client, "admin", ADMIN_PASSWORD, "admin")
    demo = get_token(client, "demo", "demo", "demo")
    r = client.post("/lab/v1/clock/advance", headers={"X-Auth-Token": admin}, json={"by": "30d"})
    assert r.status_code == 200, r.text
    assert cloud.clock.offset >= timedelta(days=30)
    for token in (admin, demo):
        assert client.get("/identity/v3/auth/catalog", headers={"X-Auth-Token": token}).status_code == 200
    r = client.post("/identity/v3/auth/tokens", json=password_auth(
        "demo", "demo", {"project": {"name": "demo", "domain": {"name": "Default"}}}))
    body = r.json()["token"]
    expires = datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    issued = datetime.strptime(body["issued_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    real = cloud.clock.real_now()
    assert abs((issued - real).total_seconds()) < 60
    assert abs((expires - issued).total_seconds() - cloud.settings.token_ttl_seconds) < 1
    # Lab timestamps still follow the lab clock.
    r = client.post("/compute/v2.1/os-keypairs", headers={"X-Auth-Token": demo}, json={"keypair": {"name": "k"}})
    assert r.status_code == 200, r.text
    shown = client.get("/compute/v2.1/os-keypairs/k", headers={"X-Auth-Token": demo}).json()["keypair"]
    assert shown["created_at"][:10] == cloud.clock.now().strftime("%Y-%m-%d")


def test_every_response_has_a_request_id(client: TestClient) -> None:
    assert client.get("/identity").headers["x-openstack-request-id"].startswith("req-")


def test_unknown_route_is_404_in_service_style(client: TestClient) -> None:
    r = client.get("/identity/v3/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == 404
