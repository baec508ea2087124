"""Tokens an attacker or a changed lab hands the cloud: expired, revoked, another user's, of a disabled user,
project or domain, of a deleted user, after a role is removed, unscoped and domain-scoped, and forged
keystonemiddleware headers. Each is refused with Keystone's 401/403 body, or limited to what it may do."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.identity_helpers import V3, create, role_id, user_in_project
from tests.conftest import get_token

WRITE = ("/network/v2.0/networks", {"network": {"name": "probe"}})


def _auth(user: dict[str, Any], password: str, scope: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"identity": {"methods": ["password"],
                                         "password": {"user": {"id": user["id"], "password": password}}}}
    if scope is not None:
        body["scope"] = scope
    return {"auth": body}


def _keystone_error(r: Any, code: int) -> str:
    assert r.status_code == code, r.text
    body = r.json()["error"]
    assert body["code"] == code and body["title"]
    return str(body["message"])


def _can_write(client: TestClient, token: str) -> int:
    """The status of a member's write (creating a network) with `token`."""
    path, body = WRITE
    return client.post(path, json=body, headers={"X-Auth-Token": token}).status_code


def test_expired_token_is_401(cloud: Cloud, client: TestClient) -> None:
    """A token past its lifetime is refused (real time: lab clock jumps do not expire tokens)."""
    cloud.settings.token_ttl_seconds = 1
    token = get_token(client, "demo", "demo", "demo")
    assert _can_write(client, token) == 201  # cached as a valid context
    time.sleep(1.5)
    _keystone_error(client.get(f"{V3}/auth/projects", headers={"X-Auth-Token": token}), 401)
    assert _can_write(client, token) == 401


def test_revoked_token_is_401(client: TestClient, as_demo: dict[str, str]) -> None:
    """DELETE /v3/auth/tokens of one's own token ends it at once, cached or not."""
    token = as_demo["X-Auth-Token"]
    assert _can_write(client, token) == 201
    r = client.delete(f"{V3}/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token})
    assert r.status_code == 204, r.text
    assert _can_write(client, token) == 401


def test_another_users_token_cannot_be_validated_or_revoked(client: TestClient, as_admin: dict[str, str],
                                                            as_demo: dict[str, str]) -> None:
    """A member validating or revoking someone else's token gets 403 and the token lives; its owner and the
    admin may."""
    _project, _user, other = user_in_project(client, as_admin, "mallory", "member")
    victim = as_demo["X-Auth-Token"]
    mallory = {"X-Auth-Token": other, "X-Subject-Token": victim}
    assert "identity:validate_token" in _keystone_error(client.get(f"{V3}/auth/tokens", headers=mallory), 403)
    assert client.head(f"{V3}/auth/tokens", headers=mallory).status_code == 403
    assert "identity:revoke_token" in _keystone_error(client.delete(f"{V3}/auth/tokens", headers=mallory), 403)
    assert _can_write(client, victim) == 201
    own = client.get(f"{V3}/auth/tokens", headers={"X-Auth-Token": victim, "X-Subject-Token": victim})
    assert own.status_code == 200 and own.json()["token"]["user"]["name"] == "demo"
    by_admin = client.get(f"{V3}/auth/tokens", headers={**as_admin, "X-Subject-Token": victim})
    assert by_admin.status_code == 200 and by_admin.json()["token"]["user"]["name"] == "demo"


def test_disabled_user_project_and_domain(client: TestClient, as_admin: dict[str, str]) -> None:
    """Disabling the user, its project or its domain ends its tokens and refuses a new password login, even
    by ids; the tokens stay revoked after the domain is enabled again (as Keystone revokes them)."""
    domain = create(client, as_admin, "domain", name="school")
    for what in ("user", "project", "domain"):
        project = create(client, as_admin, "project", name=f"p-{what}", domain_id=domain["id"])
        user = create(client, as_admin, "user", name=f"u-{what}", password="pw", domain_id=domain["id"])
        r = client.put(f"{V3}/projects/{project['id']}/users/{user['id']}/roles/"
                       f"{role_id(client, as_admin, 'member')}", headers=as_admin)
        assert r.status_code == 204, r.text
        scope = {"project": {"id": project["id"]}}
        r = client.post(f"{V3}/auth/tokens", json=_auth(user, "pw", scope))
        assert r.status_code == 201, r.text
        token = r.headers["x-subject-token"]
        assert _can_write(client, token) == 201
        target = {"user": f"users/{user['id']}", "project": f"projects/{project['id']}",
                  "domain": f"domains/{domain['id']}"}[what]
        key = target.split("/")[0].rstrip("s")
        r = client.patch(f"{V3}/{target}", json={key: {"enabled": False}}, headers=as_admin)
        assert r.status_code == 200, r.text
        assert _can_write(client, token) == 401, what
        _keystone_error(client.post(f"{V3}/auth/tokens", json=_auth(user, "pw", scope)), 401)
        r = client.patch(f"{V3}/{target}", json={key: {"enabled": True}}, headers=as_admin)
        assert r.status_code == 200, r.text
        assert _can_write(client, token) == 401, what
        assert client.post(f"{V3}/auth/tokens", json=_auth(user, "pw", scope)).status_code == 201


def test_deleted_user_and_removed_role(client: TestClient, as_admin: dict[str, str]) -> None:
    """A deleted user's token is 401; a token whose only role on its project was removed is 401."""
    _p1, gone, gone_token = user_in_project(client, as_admin, "gone", "member")
    project, kept, kept_token = user_in_project(client, as_admin, "demoted", "member")
    assert client.delete(f"{V3}/users/{gone['id']}", headers=as_admin).status_code == 204
    assert _can_write(client, gone_token) == 401
    r = client.delete(f"{V3}/projects/{project['id']}/users/{kept['id']}/roles/"
                      f"{role_id(client, as_admin, 'member')}", headers=as_admin)
    assert r.status_code == 204, r.text
    assert _can_write(client, kept_token) == 401


def test_unscoped_token_reaches_no_project(client: TestClient, as_admin: dict[str, str]) -> None:
    """An unscoped token (a user with no default project) lists its projects but creates nothing anywhere."""
    user = create(client, as_admin, "user", name="drifter", password="pw")
    r = client.post(f"{V3}/auth/tokens", json=_auth(user, "pw"))
    assert r.status_code == 201, r.text
    assert "project" not in r.json()["token"] and "catalog" not in r.json()["token"]
    token = r.headers["x-subject-token"]
    assert client.get(f"{V3}/auth/projects", headers={"X-Auth-Token": token}).status_code == 200
    assert _can_write(client, token) in (400, 403)
    r = client.post("/compute/v2.1/servers", json={"server": {"name": "x", "flavorRef": "1", "imageRef": "x"}},
                    headers={"X-Auth-Token": token})
    assert r.status_code == 403 and r.json()["forbidden"]["code"] == 403


@pytest.mark.parametrize("path, body, style", [
    ("/compute/v2.1/servers", {"server": {"name": "x", "flavorRef": "1", "imageRef": "x"}}, "forbidden"),
    ("/lab/v1/progress", {"lab_id": "1.1", "passed": 1, "total": 1}, "error"),
    ("/network/v2.0/networks", {"network": {"name": "x"}}, "NeutronError"),
    ("/volume/v3/default/volumes", {"volume": {"size": 1}}, None),
])
def test_domain_scoped_member_token_creates_nothing(client: TestClient, as_admin: dict[str, str],
                                                    path: str, body: dict[str, Any], style: str | None) -> None:
    """A member of a domain (no project) gets a 4xx with the service's error body on project resources."""
    user = create(client, as_admin, "user", name="domainer", password="pw")
    r = client.put(f"{V3}/domains/default/users/{user['id']}/roles/{role_id(client, as_admin, 'member')}",
                   headers=as_admin)
    assert r.status_code == 204, r.text
    r = client.post(f"{V3}/auth/tokens", json=_auth(user, "pw", {"domain": {"id": "default"}}))
    assert r.status_code == 201, r.text
    assert r.json()["token"]["domain"]["id"] == "default"
    r = client.post(path, json=body, headers={"X-Auth-Token": r.headers["x-subject-token"]})
    assert 400 <= r.status_code < 500, r.text
    if style is not None:
        assert style in r.json(), r.text


def test_forged_headers_are_ignored(client: TestClient, as_demo: dict[str, str]) -> None:
    """keystonemiddleware's headers (X-Roles, X-Project-Id, X-Identity-Status...) and a stored token hash
    grant nothing: only a real X-Auth-Token counts."""
    forged = {"X-Roles": "admin", "X-Project-Id": "admin", "X-User-Id": "admin", "X-Identity-Status": "Confirmed",
              "X-Service-Roles": "admin", "X-Is-Admin-Project": "True"}
    _keystone_error(client.get(f"{V3}/projects", headers=forged), 401)
    _keystone_error(client.get(f"{V3}/projects", headers={**as_demo, **forged}), 403)
    stored_id = hashlib.sha256(as_demo["X-Auth-Token"].encode()).hexdigest()
    _keystone_error(client.get(f"{V3}/auth/projects", headers={"X-Auth-Token": stored_id}), 401)
    _keystone_error(client.get(f"{V3}/auth/projects", headers={"X-Auth-Token": "x" * 10_000}), 401)


@pytest.mark.parametrize("user", [
    {"name": ["admin"], "password": "x", "domain": {"name": "Default"}},
    {"name": {"a": 1}, "password": "x", "domain": {"name": "Default"}},
    {"name": "admin", "password": "x", "domain": {"name": ["Default"]}},
    {"name": "admin", "password": "x", "domain": {"id": {"$ne": 1}}},
    {"id": 7, "password": "x"},
    {"name": "admin", "password": ["x"], "domain": {"name": "Default"}},
])
def test_auth_with_wrong_types_is_400(client: TestClient, user: dict[str, Any]) -> None:
    """Lists and objects where Keystone's schema wants a string are its 400, naming the field."""
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}}}
    assert "is not of type" in _keystone_error(client.post(f"{V3}/auth/tokens", json=body), 400)
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "password": "x", "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": ["admin"], "domain": {"name": "Default"}}}}}
    assert "scope/project/name" in _keystone_error(client.post(f"{V3}/auth/tokens", json=body), 400)


def test_cached_token_of_a_deleted_project_is_401(client: TestClient, as_admin: dict[str, str]) -> None:
    """A token resolved (and cached) before its project was deleted is refused right after the delete."""
    project, _user, token = user_in_project(client, as_admin, "evicted", "member")
    assert _can_write(client, token) == 201  # resolved once: now answered from the cache
    assert _can_write(client, token) == 201
    assert client.delete(f"{V3}/projects/{project['id']}", headers=as_admin).status_code == 204
    assert _can_write(client, token) == 401
    _keystone_error(client.get(f"{V3}/auth/projects", headers={"X-Auth-Token": token}), 401)


def test_cached_token_is_refused_right_after_each_revocation(client: TestClient, as_admin: dict[str, str]) -> None:
    """The cache of resolved tokens (keyed by the token's hash) forgets a token the moment it is revoked, its
    user disabled or its project deleted: each token is used twice first, so the refusal is the cache's."""
    revoked_project, _u1, revoked = user_in_project(client, as_admin, "revoked", "member")
    _p2, disabled_user, disabled = user_in_project(client, as_admin, "disabled", "member")
    deleted_project, _u3, deleted = user_in_project(client, as_admin, "deleted", "member")
    for token in (revoked, disabled, deleted):
        assert _can_write(client, token) == 201
        assert _can_write(client, token) == 201
    r = client.delete(f"{V3}/auth/tokens", headers={**as_admin, "X-Subject-Token": revoked})
    assert r.status_code == 204, r.text
    assert _can_write(client, revoked) == 401
    assert _can_write(client, disabled) == 201 and _can_write(client, deleted) == 201  # the others live on
    r = client.patch(f"{V3}/users/{disabled_user['id']}", json={"user": {"enabled": False}}, headers=as_admin)
    assert r.status_code == 200, r.text
    assert _can_write(client, disabled) == 401
    assert client.delete(f"{V3}/projects/{deleted_project['id']}", headers=as_admin).status_code == 204
    assert _can_write(client, deleted) == 401
    assert revoked_project["id"] != deleted_project["id"]


def test_a_revocation_racing_a_token_lookup_is_not_undone(client: TestClient, cloud: Cloud, as_admin: dict[str, str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A request that read the token before another request revoked it must not put the old state back in
    the cache once the revocation has forgotten it: the next request with the token is refused."""
    _project, _user, token = user_in_project(client, as_admin, "raced", "member")
    core = cloud.identity.core  # type: ignore[attr-defined]
    roles_of = core.effective_roles
    raced: list[int] = []

    def revoke_meanwhile(*args: Any, **kwargs: Any) -> Any:
        found = roles_of(*args, **kwargs)
        if not raced:  # the lookup has read the token: revoke it now, from another request's transaction
            raced.append(1)
            r = client.delete(f"{V3}/auth/tokens", headers={"X-Auth-Token": token, "X-Subject-Token": token})
            assert r.status_code == 204, r.text
        return found

    monkeypatch.setattr(core, "effective_roles", revoke_meanwhile)
    ctx = cloud.identity.context_for_token(token)  # resolved from what it read before the revocation
    assert ctx.user_name == "raced"
    assert raced
    monkeypatch.setattr(core, "effective_roles", roles_of)
    assert _can_write(client, token) == 401
