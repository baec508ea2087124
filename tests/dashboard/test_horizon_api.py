"""What Horizon asks of the lab's APIs that other clients do not (found by running the real Horizon against the
lab: see course/dashboard.md's gap log). In-process, with the requests Horizon's libraries send."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD

PASSWORD_IDENTITY = {"methods": ["password"], "password": {"user": {
    "name": "admin", "password": ADMIN_PASSWORD, "domain": {"name": "Default"}}}}


def test_explicitly_unscoped_login_is_unscoped(client: TestClient) -> None:
    """keystoneauth's `unscoped=True` (openstack_auth's first step) sends "scope": "unscoped": Keystone then
    issues an unscoped token even for a user with a default project."""
    r = client.post("/identity/v3/auth/tokens", json={"auth": {"identity": PASSWORD_IDENTITY, "scope": "unscoped"}})
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    assert "project" not in token and "catalog" not in token
    assert token["user"]["name"] == "admin"


def test_a_scope_string_other_than_unscoped_is_refused(client: TestClient) -> None:
    r = client.post("/identity/v3/auth/tokens", json={"auth": {"identity": PASSWORD_IDENTITY, "scope": "project"}})
    assert r.status_code == 400
    assert "unscoped" in r.json()["error"]["message"]
