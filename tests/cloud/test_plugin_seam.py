"""The service seam (lab/cloud/plugin.py): a toy service added as its own package plus one entry in the plugin
list is in the catalog, answers, is quota-limited, is removed by a student reset and is listed by
`stacklab policy list`, without any other file knowing it (issue 12's proof)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from starlette.testclient import TestClient

from lab.cli import main
from lab.cloud.app import PLUGINS, Cloud, create_app
from lab.cloud.plugin import load_plugins
from lab.config import Settings
from tests.camp.test_camp_api import make_class, student_headers
from tests.conftest import get_token

TOY = "tests.cloud.toy"


@pytest.fixture
def toy_cloud(settings: Settings) -> Iterator[Cloud]:
    cloud = Cloud(settings, plugins=(*PLUGINS, TOY))
    cloud.bootstrap()
    yield cloud
    cloud.close()


@pytest.fixture
def toy_client(toy_cloud: Cloud) -> Iterator[TestClient]:
    with TestClient(create_app(toy_cloud.settings, cloud=toy_cloud, start_worker=False),
                    base_url="http://127.0.0.1:8780", raise_server_exceptions=False) as c:
        yield c


def test_a_toy_service_is_in_the_catalog_answers_and_is_quota_limited(toy_client: TestClient,
                                                                       toy_cloud: Cloud) -> None:
    """Its catalog entry is in every token; a member makes toys up to the quota, then gets a 403 in the toy's
    own error body; a bad body is a 400 in the shared validation's Keystone wording."""
    token = get_token(toy_client, "demo", "demo", "demo")
    r = toy_client.get("/identity/v3/auth/catalog", headers={"X-Auth-Token": token})
    toy = [s for s in r.json()["catalog"] if s["type"] == "toy"]
    assert toy and toy[0]["endpoints"][0]["url"].endswith("/toy/v1")
    headers = {"X-Auth-Token": token}
    for name in ("a", "b"):
        assert toy_client.post("/toy/v1/toys", headers=headers, json={"toy": {"name": name}}).status_code == 201
    over = toy_client.post("/toy/v1/toys", headers=headers, json={"toy": {"name": "c"}})
    assert over.status_code == 403 and "toys: requested 1, used 2 of 2" in over.json()["error"]["message"]
    assert over.json()["service"] == "toy"
    bad = toy_client.post("/toy/v1/toys", headers=headers, json={"toy": {"name": 5}})
    assert bad.status_code == 400 and bad.json() == {"error": {
        "code": 400, "title": "Bad Request", "message": "Invalid input for field 'name': 5 is not of type 'string'"},
        "service": "toy"}
    assert [t["name"] for t in toy_client.get("/toy/v1/toys", headers=headers).json()["toys"]] == ["a", "b"]


def test_a_toy_rule_is_enforced_and_overridable(toy_client: TestClient, toy_cloud: Cloud) -> None:
    """Its rule is in the one table: a policy override reaches it."""
    headers = {"X-Auth-Token": get_token(toy_client, "demo", "demo", "demo")}
    toy_cloud.policy.override("toy:create_toy", "rule:admin_api")
    r = toy_client.post("/toy/v1/toys", headers=headers, json={"toy": {"name": "a"}})
    assert r.status_code == 403 and r.json()["error"]["message"] == \
        "Policy doesn't allow toy:create_toy to be performed."


def test_a_student_reset_removes_the_toys_and_the_class_quota_applies(toy_client: TestClient,
                                                                      toy_cloud: Cloud) -> None:
    """A class quota names the toy's resource; a reset runs the toy's purge hook in the reset's transaction."""
    admin = {"X-Auth-Token": get_token(toy_client, "admin", "secret-admin", "admin")}
    student = make_class(toy_client, admin, students=1, quota="toys=1")[0]
    headers = student_headers(toy_client, student)
    assert toy_client.post("/toy/v1/toys", headers=headers, json={"toy": {"name": "a"}}).status_code == 201
    assert toy_client.post("/toy/v1/toys", headers=headers, json={"toy": {"name": "b"}}).status_code == 403
    r = toy_client.post(f"/lab/v1/students/{student['name']}/reset", headers=admin)
    assert r.status_code == 200 and r.json()["reset"]["removed"]["toys"] == 1
    assert toy_client.get("/toy/v1/toys", headers=headers).json()["toys"] == []


def test_policy_list_prints_every_rule_of_every_plugin(tmp_path: Path) -> None:
    """`stacklab policy list` prints each rule with its check and description; overrides are marked."""
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump({"os_compute_api:servers:create": "rule:admin_api"}))
    result = CliRunner().invoke(main, ["policy", "list", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for plugin in load_plugins(PLUGINS):
        for rule in plugin.policies:
            assert rule.name in result.output and rule.description in result.output
    as_yaml = yaml.safe_load(CliRunner().invoke(main, ["policy", "list", "--data-dir", str(tmp_path),
                                                       "--format", "yaml"]).output)
    assert set(as_yaml) >= {r.name for p in load_plugins(PLUGINS) for r in p.policies}


def test_every_rule_is_documented(tmp_path: Path) -> None:
    """Every rule has a description, and the reference page (course/reference/policy.md) is what
    `stacklab policy list --format markdown` prints."""
    from lab.cloud.policy import BASE_RULES
    for rule in [*BASE_RULES, *(r for p in load_plugins(PLUGINS) for r in p.policies)]:
        assert rule.description.strip(), f"policy rule {rule.name} has no description"
    page = Path(__file__).resolve().parents[2] / "course" / "reference" / "policy.md"
    printed = CliRunner().invoke(main, ["policy", "list", "--format", "markdown", "--data-dir",
                                        str(tmp_path)]).output
    assert page.read_text() == printed, "course/reference/policy.md is stale: regenerate it with " \
        "`stacklab policy list --format markdown > course/reference/policy.md`"
