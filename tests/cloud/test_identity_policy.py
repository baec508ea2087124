"""Identity's decisions are Keystone's named rules: self and ownership checks are data, so a `policy.yaml`
override reaches them, and every rule is declared with a description and the operations it guards."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud, create_app
from lab.cloud.identity.policies import RULES
from lab.config import Settings
from tests.cloud.identity_helpers import V3, user_in_project
from tests.conftest import get_token


def test_every_identity_rule_is_keystones_shape_and_documented() -> None:
    """Each rule is `identity:<action>`, says what it decides and lists the operations it guards."""
    for rule in RULES:
        assert rule.name.startswith("identity:") and rule.description and rule.operations, rule.name
        assert all(path.startswith("/identity/v3/") for _method, path in rule.operations), rule.name


def test_self_check_is_data_an_override_takes_it_away(cloud: Cloud, client: TestClient, as_admin: dict) -> None:
    """A user reads itself under `user_id:%(target.user.id)s`; with `identity:get_user` overridden to operators
    only, the same request is 403 naming the rule, and the admin still reads the user."""
    _, user, token = user_in_project(client, as_admin, "kim", "member")
    mine = {"X-Auth-Token": token}
    assert client.get(f"{V3}/users/{user['id']}", headers=mine).status_code == 200
    cloud.policy.override("identity:get_user", "rule:context_is_admin")
    r = client.get(f"{V3}/users/{user['id']}", headers=mine)
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "Policy doesn't allow identity:get_user to be performed."
    assert client.get(f"{V3}/users/{user['id']}", headers=as_admin).status_code == 200


def test_own_domain_check_is_data(cloud: Cloud, client: TestClient, as_demo: dict) -> None:
    """A member reads its own domain; an override of `identity:get_domain` refuses it."""
    assert client.get(f"{V3}/domains/default", headers=as_demo).status_code == 200
    cloud.policy.override("identity:get_domain", "rule:context_is_admin")
    r = client.get(f"{V3}/domains/default", headers=as_demo)
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "Policy doesn't allow identity:get_domain to be performed."


def test_policy_file_opens_user_listing_to_members(settings: Settings) -> None:
    """A `policy.yaml` in the data directory reaches identity's rules: here members may list users."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "policy.yaml").write_text('"identity:list_users": "rule:project_reader_or_admin"\n')
    cloud = Cloud(settings)
    cloud.bootstrap()
    try:
        app = create_app(settings, cloud=cloud, start_worker=False)
        with TestClient(app, base_url="http://127.0.0.1:8780", raise_server_exceptions=False) as client:
            demo = {"X-Auth-Token": get_token(client, "demo", "demo", "demo")}
            r = client.get(f"{V3}/users", headers=demo)
            assert r.status_code == 200 and "demo" in {u["name"] for u in r.json()["users"]}
            assert client.post(f"{V3}/users", json={"user": {"name": "x"}}, headers=demo).status_code == 403
    finally:
        cloud.close()
