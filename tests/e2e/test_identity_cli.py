"""The real `openstack` CLI against a live StackLab: tokens, the catalog, and the identity admin commands."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import LiveCloud

pytestmark = pytest.mark.e2e


def osc(lab: LiveCloud, *args: str, user: str = "admin", project: str | None = None,
        password: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`openstack ARGS` as any user (LiveCloud.openstack only knows the bootstrap passwords)."""
    cli = str(Path(sys.executable).with_name("openstack"))
    result = subprocess.run([cli, *args], env=lab.os_env(user, project, password),
                            capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"openstack {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout)


def test_token_issue_names_the_requested_user_and_project(live_cloud: LiveCloud) -> None:
    token = as_json(live_cloud.openstack("token", "issue", "-f", "json", user="demo", project="demo"))
    assert token["id"] and token["expires"]
    shown = as_json(live_cloud.openstack("project", "show", token["project_id"], "-f", "json"))
    assert shown["name"] == "demo"
    assert as_json(live_cloud.openstack("user", "show", token["user_id"], "-f", "json"))["name"] == "demo"


def test_catalog_service_region_and_endpoint_lists(live_cloud: LiveCloud) -> None:
    catalog = as_json(live_cloud.openstack("catalog", "list", "-f", "json"))
    identity = next(entry for entry in catalog if entry["Type"] == "identity")
    assert f"{live_cloud.url}/identity" in json.dumps(identity["Endpoints"])
    services = as_json(live_cloud.openstack("service", "list", "-f", "json"))
    assert {"type": "identity", "name": "keystone"} in [{"type": s["Type"], "name": s["Name"]} for s in services]
    endpoints = as_json(live_cloud.openstack("endpoint", "list", "--service", "identity", "-f", "json"))
    assert {e["Interface"] for e in endpoints} == {"public", "internal", "admin"}
    assert all(e["Region"] == "RegionOne" and e["URL"] == f"{live_cloud.url}/identity" for e in endpoints)
    regions = as_json(live_cloud.openstack("region", "list", "-f", "json"))
    assert "RegionOne" in [r["Region"] for r in regions]


def test_project_create_list_show_delete(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    name = unique("proj")
    created = as_json(live_cloud.openstack("project", "create", "--description", "a class", name, "-f", "json"))
    assert created["name"] == name and created["description"] == "a class" and created["enabled"] is True
    assert name in [p["Name"] for p in as_json(live_cloud.openstack("project", "list", "-f", "json"))]
    assert as_json(live_cloud.openstack("project", "show", name, "-f", "json"))["id"] == created["id"]
    duplicate = live_cloud.openstack("project", "create", name, check=False)
    # Keystone's words, as the Zed reference cloud answered them (tests/parity/recordings/identity.json)
    assert duplicate.returncode == 1 and ("it is not permitted to have two projects with either the same name or "
                                          "same id in the same domain") in duplicate.stderr
    live_cloud.openstack("project", "delete", name)
    missing = live_cloud.openstack("project", "show", name, check=False)
    assert missing.returncode == 1 and f"No Project found for {name}" in missing.stderr


def test_new_user_role_add_login_and_disable(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """user create + role add lets the user log in as a member; `user set --disable` kills its token."""
    project, name, password = unique("class"), unique("student"), "s3cret-pw"
    live_cloud.openstack("project", "create", project)
    user = as_json(live_cloud.openstack("user", "create", "--password", password, "--project", project,
                                        name, "-f", "json"))
    assert user["name"] == name and user["enabled"] is True
    refused = osc(live_cloud, "token", "issue", user=name, project=project, password=password, check=False)
    assert refused.returncode == 1 and "(HTTP 401)" in refused.stderr

    live_cloud.openstack("role", "add", "--project", project, "--user", name, "member")
    assignments = as_json(live_cloud.openstack("role", "assignment", "list", "--names", "--project", project,
                                               "-f", "json"))
    assert [(a["Role"], a["User"], a["Project"]) for a in assignments] == [
        ("member", f"{name}@Default", f"{project}@Default")]

    token = as_json(osc(live_cloud, "token", "issue", "-f", "json", user=name, project=project,
                        password=password))
    assert token["user_id"] == user["id"]
    headers = {"X-Auth-Token": token["id"]}
    r = httpx.get(f"{live_cloud.url}/identity/v3/auth/projects", headers=headers, timeout=30)
    assert r.status_code == 200 and [p["name"] for p in r.json()["projects"]] == [project]

    live_cloud.openstack("user", "set", "--disable", name)
    r = httpx.get(f"{live_cloud.url}/identity/v3/auth/projects", headers=headers, timeout=30)
    assert r.status_code == 401
    token_env = {k: v for k, v in live_cloud.os_env().items()
                 if k not in ("OS_USERNAME", "OS_PASSWORD", "OS_USER_DOMAIN_NAME")}
    token_env.update(OS_AUTH_TYPE="v3token", OS_TOKEN=token["id"])
    cli = str(Path(sys.executable).with_name("openstack"))
    with_token = subprocess.run([cli, "catalog", "list"], env=token_env, capture_output=True, text=True,
                                timeout=300)
    assert with_token.returncode == 1 and "(HTTP 401)" in with_token.stderr
    again = osc(live_cloud, "token", "issue", user=name, project=project, password=password, check=False)
    assert again.returncode == 1 and "(HTTP 401)" in again.stderr


def test_member_cannot_create_projects_with_the_cli(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    name = unique("nope")
    result = live_cloud.openstack("project", "create", name, user="demo", project="demo", check=False)
    assert result.returncode == 1 and "identity:create_project" in result.stderr
    assert name not in [p["Name"] for p in as_json(live_cloud.openstack("project", "list", "-f", "json"))]
