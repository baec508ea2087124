"""The operator's identity commands with the real `openstack` CLI against a live StackLab: groups and roles
through groups, application credentials in a clouds.yaml, disabled domains, project hierarchy, implied roles,
domain-specific roles, a second region (and the `regions:` of the lab's clouds.yaml), inherited roles, trusts,
endpoint groups and the policy store."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import LiveCloud
from tests.e2e.test_identity_cli import as_json, osc

pytestmark = pytest.mark.e2e


def test_roles_through_a_group(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """group create / add user / contains user, role add --group, role assignment list --effective --names,
    and the member's own token on the project."""
    group, user, project = unique("grp"), unique("usr"), unique("prj")
    live_cloud.openstack("project", "create", project)
    live_cloud.openstack("user", "create", "--password", "pw-1", user)
    live_cloud.openstack("group", "create", group)
    live_cloud.openstack("group", "add", "user", group, user)
    contains = live_cloud.openstack("group", "contains", "user", group, user)
    assert f"{user} in group {group}" in contains.stdout
    live_cloud.openstack("role", "add", "--group", group, "--project", project, "member")
    rows = as_json(live_cloud.openstack("role", "assignment", "list", "--effective", "--names", "--project",
                                        project, "-f", "json"))
    assert {(r["Role"], r["User"]) for r in rows} == {("member", f"{user}@Default"), ("reader", f"{user}@Default")}
    direct = as_json(live_cloud.openstack("role", "assignment", "list", "--names", "--project", project, "-f", "json"))
    assert [(r["Role"], r["Group"]) for r in direct] == [("member", f"{group}@Default")]
    token = as_json(osc(live_cloud, "token", "issue", "-f", "json", user=user, project=project, password="pw-1"))
    assert token["project_id"]
    live_cloud.openstack("group", "remove", "user", group, user)
    refused = osc(live_cloud, "token", "issue", user=user, project=project, password="pw-1", check=False)
    assert refused.returncode != 0


def test_application_credential_in_clouds_yaml(live_cloud: LiveCloud, unique: Callable[[str], str],
                                               tmp_path: Path) -> None:
    """`application credential create` as the demo user, then a clouds.yaml entry with
    `auth_type: v3applicationcredential` runs commands; deleted, it runs none."""
    name = unique("appcred")
    cred = as_json(live_cloud.openstack("application", "credential", "create", "--role", "member", name,
                                        "-f", "json", user="demo", project="demo"))
    assert cred["Secret"] and cred["Project ID"]
    clouds = {"clouds": {"ci": {"auth_type": "v3applicationcredential", "region_name": "RegionOne",
                                "interface": "public", "identity_api_version": 3,
                                "auth": {"auth_url": f"{live_cloud.url}/identity",
                                         "application_credential_id": cred["ID"],
                                         "application_credential_secret": cred["Secret"]}}}}
    config = tmp_path / "clouds.yaml"
    config.write_text(yaml.safe_dump(clouds))
    config.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(OS_CLIENT_CONFIG_FILE=str(config), OS_CLOUD="ci")
    cli = str(Path(sys.executable).with_name("openstack"))
    token = subprocess.run([cli, "token", "issue", "-f", "json"], env=env, capture_output=True, text=True,
                           timeout=300)
    assert token.returncode == 0, token.stderr
    assert as_json(token)["project_id"] == cred["Project ID"]
    servers = subprocess.run([cli, "server", "list"], env=env, capture_output=True, text=True, timeout=300)
    assert servers.returncode == 0, servers.stderr
    listed = as_json(live_cloud.openstack("application", "credential", "list", "-f", "json", user="demo",
                                          project="demo"))
    assert name in {c["Name"] for c in listed}
    live_cloud.openstack("application", "credential", "delete", name, user="demo", project="demo")
    after = subprocess.run([cli, "token", "issue"], env=env, capture_output=True, text=True, timeout=300)
    assert after.returncode != 0


def test_disabled_domain_refuses_its_user(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """`domain set --disable`: the domain's user gets no token; `--enable` gives access back."""
    domain, user, project = unique("dom"), unique("dusr"), unique("dprj")
    live_cloud.openstack("domain", "create", domain)
    live_cloud.openstack("project", "create", "--domain", domain, project)
    live_cloud.openstack("user", "create", "--domain", domain, "--password", "pw-2", user)
    live_cloud.openstack("role", "add", "--user", user, "--user-domain", domain, "--project", project,
                         "--project-domain", domain, "member")
    env_args = ("--os-user-domain-name", domain, "--os-project-domain-name", domain)
    assert osc(live_cloud, *env_args, "token", "issue", user=user, project=project, password="pw-2").returncode == 0
    live_cloud.openstack("domain", "set", "--disable", domain)
    refused = osc(live_cloud, *env_args, "token", "issue", user=user, project=project, password="pw-2",
                  check=False)
    assert refused.returncode != 0
    live_cloud.openstack("domain", "set", "--enable", domain)
    assert osc(live_cloud, *env_args, "token", "issue", user=user, project=project, password="pw-2").returncode == 0


def test_project_hierarchy(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """`project create --parent` and `project show --parents --children` (issue 27 #8: the CLI asks for the
    hierarchy as nested id maps)."""
    root, child = unique("root"), unique("child")
    root_id = as_json(live_cloud.openstack("project", "create", root, "-f", "json"))["id"]
    child_id = as_json(live_cloud.openstack("project", "create", "--parent", root, child, "-f", "json"))["id"]
    shown = as_json(live_cloud.openstack("project", "show", "--parents", "--children", root, "-f", "json"))
    # Keystone's chain of parents ends at the project acting as the domain (`default`).
    assert shown["subtree"] == {child_id: None} and shown["parents"] == {"default": None}
    shown = as_json(live_cloud.openstack("project", "show", "--parents", child, "-f", "json"))
    assert shown["parent_id"] == root_id and shown["parents"] == {root_id: {"default": None}}


def test_implied_and_domain_roles(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """`implied role create/list`, and `role create --domain` with one name in two domains (issue 27 #6)."""
    prior = unique("auditor")
    live_cloud.openstack("role", "create", prior)
    live_cloud.openstack("implied", "role", "create", "--implied-role", "reader", prior)
    rows = as_json(live_cloud.openstack("implied", "role", "list", "-f", "json"))
    assert {(r["Prior Role Name"], r["Implied Role Name"]) for r in rows} >= {
        (prior, "reader"), ("admin", "manager"), ("manager", "member"), ("member", "reader")}
    one, two, name = unique("rd1"), unique("rd2"), unique("ops")
    live_cloud.openstack("domain", "create", one)
    live_cloud.openstack("domain", "create", two)
    a = as_json(live_cloud.openstack("role", "create", "--domain", one, name, "-f", "json"))
    b = as_json(live_cloud.openstack("role", "create", "--domain", two, name, "-f", "json"))
    assert a["id"] != b["id"]


def test_a_second_region_selected_by_os_region_name(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """An admin adds RegionTwo with a compute endpoint served by the same process; `--os-region-name
    RegionTwo` reaches compute there, and an unknown region finds no endpoint."""
    region = unique("RegionTwo")
    live_cloud.openstack("region", "create", region)
    url = f"{live_cloud.url}/compute/v2.1"
    endpoint = as_json(live_cloud.openstack("endpoint", "create", "--region", region, "compute", "public", url,
                                            "-f", "json"))
    cli = str(Path(sys.executable).with_name("openstack"))
    env = {k: v for k, v in live_cloud.os_env().items() if k != "OS_REGION_NAME"}

    def in_region(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([cli, "--os-region-name", name, "flavor", "list", "-f", "json"], env=env,
                              capture_output=True, text=True, timeout=300)

    try:
        shown = as_json(live_cloud.openstack("region", "show", region, "-f", "json"))
        assert region in shown.values(), shown
        flavors = in_region(region)
        assert flavors.returncode == 0, flavors.stderr
        assert as_json(flavors)
        assert in_region(unique("Nowhere")).returncode != 0
    finally:
        live_cloud.openstack("endpoint", "delete", endpoint["id"])
        live_cloud.openstack("region", "delete", region)


def test_the_lab_clouds_yaml_lists_every_region(live_cloud: LiveCloud, unique: Callable[[str], str],
                                                 tmp_path: Path) -> None:
    """`stacklab clouds-yaml --write` lists the catalog's regions under `regions:`, so openstacksdk takes
    `--os-region-name` for a second region; an entry pinned to `region_name: RegionOne` alone refuses it."""
    region = unique("RegionTwo")
    live_cloud.openstack("region", "create", region)
    endpoint = as_json(live_cloud.openstack("endpoint", "create", "--region", region, "compute", "public",
                                            f"{live_cloud.url}/compute/v2.1", "-f", "json"))
    config = tmp_path / "clouds.yaml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(OS_CLIENT_CONFIG_FILE=str(config), STACKLAB_ADMIN_PASSWORD=live_cloud.env["STACKLAB_ADMIN_PASSWORD"])
    port = live_cloud.url.rsplit(":", 1)[1]
    cli = str(Path(sys.executable).with_name("openstack"))
    try:
        written = subprocess.run([sys.executable, "-m", "lab.cli", "clouds-yaml", "--write", "--data-dir",
                                  str(live_cloud.data_dir), "--port", port], env=env, capture_output=True,
                                 text=True, timeout=300)
        assert written.returncode == 0, written.stderr
        entry = yaml.safe_load(config.read_text())["clouds"]["stacklab"]
        assert entry["regions"][0] == "RegionOne" and region in entry["regions"]
        flavors = subprocess.run([cli, "--os-cloud", "stacklab", "--os-region-name", region, "flavor", "list",
                                  "-f", "json"], env=env, capture_output=True, text=True, timeout=300)
        assert flavors.returncode == 0, flavors.stderr
        assert as_json(flavors)
        default = subprocess.run([cli, "--os-cloud", "stacklab", "catalog", "list", "-f", "json"], env=env,
                                 capture_output=True, text=True, timeout=300)
        assert default.returncode == 0, default.stderr
        del entry["regions"]  # as the lab wrote it before: RegionOne only
        config.write_text(yaml.safe_dump({"clouds": {"stacklab": entry}}))
        refused = subprocess.run([cli, "--os-cloud", "stacklab", "--os-region-name", region, "flavor", "list"],
                                 env=env, capture_output=True, text=True, timeout=300)
        assert refused.returncode != 0 and "region" in refused.stderr.lower()
    finally:
        live_cloud.openstack("endpoint", "delete", endpoint["id"])
        live_cloud.openstack("region", "delete", region)


def test_inherited_role_on_a_domain(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """`role add --inherited --domain`: the user gets tokens on the domain's projects (not on the domain),
    `role assignment list --inherited` shows it, `role remove --inherited` takes it back."""
    domain, project, user = unique("idom"), unique("iprj"), unique("iusr")
    live_cloud.openstack("domain", "create", domain)
    live_cloud.openstack("project", "create", "--domain", domain, project)
    live_cloud.openstack("user", "create", "--domain", domain, "--password", "pw-i", user)
    env = {**live_cloud.os_env(user, project, "pw-i"), "OS_USER_DOMAIN_NAME": domain,
           "OS_PROJECT_DOMAIN_NAME": domain}
    cli = str(Path(sys.executable).with_name("openstack"))

    def token() -> subprocess.CompletedProcess[str]:
        return subprocess.run([cli, "token", "issue", "-f", "json"], env=env, capture_output=True, text=True,
                              timeout=300)

    assert token().returncode != 0
    live_cloud.openstack("role", "add", "--inherited", "--domain", domain, "--user", user, "--user-domain", domain,
                         "member")
    rows = as_json(live_cloud.openstack("role", "assignment", "list", "--inherited", "--names", "--user", user,
                                        "--user-domain", domain, "-f", "json"))
    assert [(r["Role"], r["Domain"], r["Inherited"]) for r in rows] == [("member", domain, True)]
    issued = token()
    assert issued.returncode == 0, issued.stderr
    effective = as_json(live_cloud.openstack("role", "assignment", "list", "--effective", "--names", "--user", user,
                                             "--user-domain", domain, "-f", "json"))
    assert {(r["Role"], r["Project"]) for r in effective} == {("member", f"{project}@{domain}"),
                                                              ("reader", f"{project}@{domain}")}
    live_cloud.openstack("role", "remove", "--inherited", "--domain", domain, "--user", user, "--user-domain",
                         domain, "member")
    assert token().returncode != 0


def test_trust_create_use_and_delete(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """`trust create` (the admin delegates member on its project), `trust list/show`, a trust-scoped token
    (`--os-trust-id`) for the trustee, `trust delete`."""
    trustee = unique("trustee")
    live_cloud.openstack("user", "create", "--password", "pw-t", trustee)
    trust = as_json(live_cloud.openstack("trust", "create", "--project", "admin", "--role", "member", "admin",
                                         trustee, "-f", "json"))
    assert [r["name"] for r in trust["roles"]] == ["member"] and trust["is_impersonation"] is False
    assert trust["id"] in {t["ID"] for t in as_json(live_cloud.openstack("trust", "list", "-f", "json"))}
    assert as_json(live_cloud.openstack("trust", "show", trust["id"], "-f", "json"))["id"] == trust["id"]
    env = {k: v for k, v in live_cloud.os_env(trustee, None, "pw-t").items()
           if k not in ("OS_PROJECT_NAME", "OS_PROJECT_DOMAIN_NAME")}
    cli = str(Path(sys.executable).with_name("openstack"))
    scoped = subprocess.run([cli, "--os-trust-id", trust["id"], "token", "issue", "-f", "json"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert scoped.returncode == 0, scoped.stderr
    assert as_json(scoped)["project_id"] == trust["project_id"]
    live_cloud.openstack("trust", "delete", trust["id"])
    assert live_cloud.openstack("trust", "show", trust["id"], check=False).returncode != 0
    gone = subprocess.run([cli, "--os-trust-id", trust["id"], "token", "issue"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert gone.returncode != 0


def test_endpoint_group_filters_a_projects_catalog(live_cloud: LiveCloud, unique: Callable[[str], str],
                                                   tmp_path: Path) -> None:
    """`endpoint group create` from a filters file, `endpoint group add project`: the project's catalog holds
    only the group's endpoints until `endpoint group remove project`; `endpoint add project` likewise."""
    group, project, user = unique("egrp"), unique("eprj"), unique("eusr")
    live_cloud.openstack("project", "create", project)
    live_cloud.openstack("user", "create", "--password", "pw-e", "--project", project, user)
    live_cloud.openstack("role", "add", "--user", user, "--project", project, "member")
    compute = as_json(live_cloud.openstack("service", "show", "compute", "-f", "json"))["id"]
    filters = tmp_path / "filters.json"
    filters.write_text(f'{{"service_id": "{compute}"}}')
    created = as_json(live_cloud.openstack("endpoint", "group", "create", "--description", "nova only", group,
                                           str(filters), "-f", "json"))
    assert created["filters"] == {"service_id": compute}

    def types() -> set[str]:
        return {c["Type"] for c in as_json(osc(live_cloud, "catalog", "list", "-f", "json", user=user,
                                               project=project, password="pw-e"))}

    try:
        assert len(types()) > 1
        live_cloud.openstack("endpoint", "group", "add", "project", group, project)
        assert types() == {"compute"}
        listed = as_json(live_cloud.openstack("endpoint", "group", "list", "--project", project, "-f", "json"))
        assert [g["Name"] for g in listed] == [group]
        live_cloud.openstack("endpoint", "group", "remove", "project", group, project)
        identity = as_json(live_cloud.openstack("endpoint", "list", "--service", "identity", "--interface",
                                                "public", "-f", "json"))[0]["ID"]
        live_cloud.openstack("endpoint", "add", "project", identity, project)
        assert types() == {"identity"}
        live_cloud.openstack("endpoint", "remove", "project", identity, project)
        assert len(types()) > 1
    finally:
        live_cloud.openstack("endpoint", "group", "delete", group)
    assert live_cloud.openstack("endpoint", "group", "show", group, check=False).returncode != 0


def test_policy_blob_store(live_cloud: LiveCloud, tmp_path: Path) -> None:
    """`policy create/show/set/list/delete`: Keystone's store of policy documents."""
    rules = tmp_path / "policy.json"
    rules.write_text('{"compute:get": ""}')
    policy = as_json(live_cloud.openstack("policy", "create", "--type", "application/json", str(rules), "-f",
                                          "json"))
    assert policy["type"] == "application/json" and "compute:get" in policy["rules"]
    live_cloud.openstack("policy", "set", "--type", "text/plain", policy["id"])
    assert as_json(live_cloud.openstack("policy", "show", policy["id"], "-f", "json"))["type"] == "text/plain"
    assert policy["id"] in {p["ID"] for p in as_json(live_cloud.openstack("policy", "list", "-f", "json"))}
    live_cloud.openstack("policy", "delete", policy["id"])
    assert live_cloud.openstack("policy", "show", policy["id"], check=False).returncode != 0
