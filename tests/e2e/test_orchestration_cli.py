"""Orchestration with the real clients against a live cloud, as two students of a class: `openstack stack
create -t tmpl.yaml --wait`, list, show, resource list (nested), event list, output show, an update that scales
a ResourceGroup, delete leaving nothing behind, a failed stack and its reason, a bad template's 400, isolation
between students, the stacks quota, a reset, openstacksdk's orchestration proxy, and the stack actions: a wait
condition signalled, suspend / resume / check reaching the server, abandon and adopt, an update cancelled."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from lab.cli import main
from tests.conftest import ADMIN_PASSWORD, LiveCloud, start_live_cloud, user_env

pytestmark = pytest.mark.e2e

TWO_TIER = """\
heat_template_version: 2018-08-31
description: Two web servers and a database server with a volume, on a network of their own.
parameters:
  web_count:
    type: number
    default: 2
    constraints:
      - range: {min: 0, max: 4}
  flavor:
    type: string
    default: m1.nano
    constraints:
      - custom_constraint: nova.flavor
  cidr:
    type: string
    default: 10.40.0.0/24
resources:
  net:
    type: OS::Neutron::Net
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: {get_param: cidr}
  router:
    type: OS::Neutron::Router
    properties:
      external_gateway_info: {network: public}
  iface:
    type: OS::Neutron::RouterInterface
    properties:
      router: {get_resource: router}
      subnet: {get_resource: subnet}
  web_sg:
    type: OS::Neutron::SecurityGroup
    properties:
      rules:
        - {protocol: tcp, port_range_min: 80, port_range_max: 80}
  web:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: web_count}
      resource_def:
        type: OS::Nova::Server
        properties:
          name: {list_join: ["-", [{get_param: "OS::stack_name"}, web, "%index%"]]}
          flavor: {get_param: flavor}
          image: cirros
          networks: [{network: {get_resource: net}}]
          security_groups: [{get_resource: web_sg}]
    depends_on: subnet
  db_port:
    type: OS::Neutron::Port
    properties:
      network: {get_resource: net}
  db:
    type: OS::Nova::Server
    properties:
      name: {str_replace: {template: $STACK-db, params: {$STACK: {get_param: "OS::stack_name"}}}}
      flavor: {get_param: flavor}
      image: cirros
      networks: [{port: {get_resource: db_port}}]
  data:
    type: OS::Cinder::Volume
    properties:
      size: 1
  data_attach:
    type: OS::Cinder::VolumeAttachment
    properties:
      instance_uuid: {get_resource: db}
      volume_id: {get_resource: data}
  db_fip:
    type: OS::Neutron::FloatingIP
    properties:
      floating_network: public
      port_id: {get_resource: db_port}
outputs:
  db_address:
    description: The database server's floating IP.
    value: {get_attr: [db_fip, floating_ip_address]}
  web_names:
    value: {get_attr: [web, name]}
"""

SMALL = """\
heat_template_version: 2016-10-14
resources:
  secret:
    type: OS::Heat::RandomString
    properties: {length: 12}
outputs:
  secret:
    value: {get_attr: [secret, value]}
"""

NET = """\
heat_template_version: 2016-10-14
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: {list_join: ["-", [{get_param: "OS::stack_name"}, net]]}}
"""

ACTIONS = """\
heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.41.0.0/24}
  app:
    type: OS::Nova::Server
    properties:
      flavor: m1.nano
      image: cirros
      networks: [{network: {get_resource: net}}]
  handle:
    type: OS::Heat::WaitConditionHandle
  ready:
    type: OS::Heat::WaitCondition
    depends_on: app
    properties: {handle: {get_resource: handle}, timeout: 600}
outputs:
  server:
    value: {get_resource: app}
  said:
    value: {get_attr: [ready, data]}
"""

SLOW = ACTIONS.replace("outputs:", """\
  slow:
    type: OS::Heat::TestResource
    properties: {wait_secs: 600}
outputs:""")

SOFTWARE = """\
heat_template_version: 2018-08-31
resources:
  config:
    type: OS::Heat::SoftwareConfig
    properties:
      group: script
      config: {get_file: hello.sh}
      inputs: [{name: who}]
  deployment:
    type: OS::Heat::SoftwareDeployment
    properties:
      config: {get_resource: config}
      server: a-server-of-the-class
      input_values: {who: world}
      signal_transport: HEAT_SIGNAL
outputs:
  said:
    value: {get_attr: [deployment, deploy_stdout]}
"""

BROKEN = """\
heat_template_version: 2016-10-14
resources:
  key:
    type: OS::Nova::KeyPair
    properties: {name: broken-key}
  server:
    type: OS::Nova::Server
    properties:
      flavor: m1.nano
      image: no-such-image
      key_name: {get_resource: key}
"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    lab = start_live_cloud(tmp_path_factory.mktemp("heat") / "lab")
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def admin_env(lab: LiveCloud, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("instructor")
    env = user_env(home, STACKLAB_PORT=lab.url.rsplit(":", 1)[1], STACKLAB_DATA_DIR=str(lab.data_dir))
    result = CliRunner().invoke(main, ["clouds-yaml", "--write", "--admin-password", ADMIN_PASSWORD], env=env)
    assert result.exit_code == 0, result.output
    return env


@pytest.fixture(scope="module")
def sheets(admin_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sheets")
    result = stacklab(admin_env, "class", "create", "--students", "2", "--name", "heat", "--prefix", "hs",
                      "--quota", "stacks=3", "--output", str(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("templates")
    for name, text in (("two-tier.yaml", TWO_TIER), ("small.yaml", SMALL), ("broken.yaml", BROKEN), ("net.yaml", NET),
                       ("actions.yaml", ACTIONS), ("slow.yaml", SLOW), ("software.yaml", SOFTWARE),
                       ("hello.sh", "#!/bin/sh\necho hello $who\n")):
        (folder / name).write_text(text)
    return folder


def stacklab(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def student(admin_env: dict[str, str], sheets: Path, name: str) -> dict[str, str]:
    return {**admin_env, "OS_CLIENT_CONFIG_FILE": str(sheets / "clouds" / f"{name}.yaml"), "OS_CLOUD": name}


def openstack(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    cli = str(Path(sys.executable).with_name("openstack"))
    result = subprocess.run([cli, *args], env=env, capture_output=True, text=True, timeout=300)
    if ok:
        assert result.returncode == 0, f"openstack {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def as_json(env: dict[str, str], *args: str) -> Any:
    return json.loads(openstack(env, *args, "-f", "json").stdout)


def test_a_two_tier_stack_from_create_to_delete(admin_env: dict[str, str], sheets: Path, templates: Path) -> None:
    env = student(admin_env, sheets, "hs01")
    servers_before = as_json(env, "server", "list")
    networks_before = {n["Name"] for n in as_json(env, "network", "list")}
    made = openstack(env, "stack", "create", "-t", str(templates / "two-tier.yaml"), "--wait", "--poll", "1",
                     "shop")
    assert "[shop]: CREATE_COMPLETE  Stack CREATE completed successfully" in made.stdout
    listed = as_json(env, "stack", "list")
    assert [(s["Stack Name"], s["Stack Status"]) for s in listed] == [("shop", "CREATE_COMPLETE")]
    shown = as_json(env, "stack", "show", "shop")
    assert shown["stack_status_reason"] == "Stack CREATE completed successfully"
    assert shown["parameters"]["web_count"] == "2" and shown["parameters"]["OS::stack_name"] == "shop"

    # What the stack made is the student's own, visible with the commands of days 1-3.
    servers = {s["Name"]: s for s in as_json(env, "server", "list")}
    assert {"shop-web-0", "shop-web-1", "shop-db"} <= set(servers)
    assert all(s["Status"] == "ACTIVE" for s in servers.values())
    volume = as_json(env, "volume", "list")[0]
    assert volume["Status"] == "in-use" and volume["Size"] == 1
    address = as_json(env, "stack", "output", "show", "shop", "db_address")["output_value"]
    assert address in {f["Floating IP Address"] for f in as_json(env, "floating", "ip", "list")}
    assert address in str(servers["shop-db"]["Networks"])
    assert sorted(as_json(env, "stack", "output", "show", "shop", "web_names")["output_value"]) == [
        "shop-web-0", "shop-web-1"]

    resources = {r["resource_name"]: r for r in as_json(env, "stack", "resource", "list", "shop")}
    assert resources["web"]["resource_type"] == "OS::Heat::ResourceGroup"
    assert resources["db"]["physical_resource_id"] == servers["shop-db"]["ID"]
    assert all(r["resource_status"] == "CREATE_COMPLETE" for r in resources.values())
    nested = as_json(env, "stack", "resource", "list", "shop", "--nested-depth", "1")
    members = [r for r in nested if r["resource_name"] in ("0", "1")]
    assert len(members) == 2 and all(r["resource_type"] == "OS::Nova::Server" for r in members)
    events = openstack(env, "stack", "event", "list", "shop").stdout
    assert "[shop.db]: CREATE_COMPLETE" in events and "[shop]: CREATE_COMPLETE  Stack CREATE completed" in events
    shown_db = as_json(env, "stack", "resource", "show", "shop", "db")
    assert shown_db["attributes"]["name"] == "shop-db"

    # Scaling the web tier is a stack update: one more server, the others untouched.
    openstack(env, "stack", "update", "--existing", "--parameter", "web_count=3", "--wait", "shop")
    assert as_json(env, "stack", "show", "shop")["stack_status"] == "UPDATE_COMPLETE"
    after = {s["Name"]: s["ID"] for s in as_json(env, "server", "list")}
    assert {"shop-web-0", "shop-web-1", "shop-web-2", "shop-db"} <= set(after)
    assert after["shop-web-0"] == servers["shop-web-0"]["ID"] and after["shop-db"] == servers["shop-db"]["ID"]
    openstack(env, "stack", "update", "--existing", "--parameter", "web_count=1", "--wait", "shop")
    assert {s["Name"] for s in as_json(env, "server", "list")} == {"shop-web-0", "shop-db"}

    # Delete goes in reverse order and leaves nothing behind.
    openstack(env, "stack", "delete", "--yes", "--wait", "shop")
    assert as_json(env, "stack", "list") == []
    assert as_json(env, "server", "list") == servers_before
    assert as_json(env, "volume", "list") == []
    assert as_json(env, "floating", "ip", "list") == []
    assert {n["Name"] for n in as_json(env, "network", "list")} == networks_before
    assert as_json(env, "router", "list") == []


def test_a_failed_stack_says_which_resource_and_why(admin_env: dict[str, str], sheets: Path,
                                                     templates: Path) -> None:
    env = student(admin_env, sheets, "hs02")
    made = openstack(env, "stack", "create", "-t", str(templates / "broken.yaml"), "--wait", "--poll", "1",
                     "broken", ok=False)
    assert made.returncode == 1 and "Stack broken CREATE_FAILED" in made.stderr + made.stdout
    shown = as_json(env, "stack", "show", "broken")
    assert shown["stack_status"] == "CREATE_FAILED"
    assert shown["stack_status_reason"] == ("Resource CREATE failed: EntityNotFound: resources.server: "
                                            "Image no-such-image could not be found.")
    resources = {r["resource_name"]: r["resource_status"]
                 for r in as_json(env, "stack", "resource", "list", "broken")}
    assert resources == {"key": "CREATE_COMPLETE", "server": "CREATE_FAILED"}
    events = openstack(env, "stack", "event", "list", "broken").stdout
    assert "[broken.server]: CREATE_FAILED  EntityNotFound: resources.server: Image no-such-image" in events
    assert as_json(env, "keypair", "list")[0]["Name"] == "broken-key"  # made as the student
    openstack(env, "stack", "delete", "--yes", "--wait", "broken")
    assert as_json(env, "keypair", "list") == []


def test_a_bad_template_is_refused_and_changes_nothing(admin_env: dict[str, str], sheets: Path,
                                                       templates: Path, tmp_path: Path) -> None:
    env = student(admin_env, sheets, "hs02")
    bad = openstack(env, "stack", "create", "-t", str(templates / "two-tier.yaml"), "--parameter", "web_count=9",
                    "toomany", ok=False)
    assert bad.returncode == 1
    assert "Parameter 'web_count' is invalid: 9 is out of range (min: 0, max: 4)" in bad.stderr
    flavor = openstack(env, "stack", "create", "-t", str(templates / "two-tier.yaml"), "--parameter",
                       "flavor=m1.huge", "noflavor", ok=False)
    assert "The Flavor (m1.huge) could not be found." in flavor.stderr
    aws = tmp_path / "aws.yaml"
    aws.write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
    refused = openstack(env, "orchestration", "template", "validate", "-t", str(aws), ok=False)
    assert "The template version is invalid" in refused.stderr
    valid = as_json(env, "orchestration", "template", "validate", "-t", str(templates / "two-tier.yaml"))
    assert valid["Parameters"]["web_count"]["Default"] == 2
    assert as_json(env, "stack", "list") == []


def test_students_never_see_each_others_stacks(admin_env: dict[str, str], sheets: Path, templates: Path) -> None:
    one, two = student(admin_env, sheets, "hs01"), student(admin_env, sheets, "hs02")
    openstack(one, "stack", "create", "-t", str(templates / "small.yaml"), "--wait", "--poll", "1", "mine")
    stack_id = as_json(one, "stack", "show", "mine")["id"]
    assert as_json(two, "stack", "list") == []
    for ref in ("mine", stack_id):
        hidden = openstack(two, "stack", "show", ref, ok=False)
        assert hidden.returncode == 1 and "Stack not found" in hidden.stderr
    refused = openstack(two, "stack", "delete", "--yes", stack_id, ok=False)
    assert refused.returncode == 1
    assert as_json(one, "stack", "show", "mine")["stack_status"] == "CREATE_COMPLETE"
    openstack(one, "stack", "delete", "--yes", "--wait", "mine")


def test_the_stacks_quota_and_a_reset(admin_env: dict[str, str], sheets: Path, templates: Path) -> None:
    env = student(admin_env, sheets, "hs02")
    for name in ("q1", "q2", "q3"):
        openstack(env, "stack", "create", "-t", str(templates / "small.yaml"), name)
    over = openstack(env, "stack", "create", "-t", str(templates / "small.yaml"), "q4", ok=False)
    assert "You have reached the maximum stacks per tenant, 3. Please delete some stacks." in over.stderr
    openstack(env, "stack", "update", "-t", str(templates / "net.yaml"), "--wait", "q3")
    assert "q3-net" in {n["Name"] for n in as_json(env, "network", "list")}
    result = stacklab(admin_env, "class", "reset", "hs02", "--yes")
    assert result.exit_code == 0, result.output
    assert as_json(env, "stack", "list") == []
    openstack(env, "stack", "create", "-t", str(templates / "small.yaml"), "--wait", "--poll", "1", "again")
    assert [s["Stack Name"] for s in as_json(env, "stack", "list")] == ["again"]
    assert "q3-net" not in {n["Name"] for n in as_json(env, "network", "list")}


def test_openstacksdk_creates_and_deletes_a_stack(admin_env: dict[str, str], sheets: Path,
                                                  templates: Path) -> None:
    import openstack as sdk
    import openstack.config

    config = openstack.config.OpenStackConfig(config_files=[str(sheets / "clouds" / "hs01.yaml")])
    conn = sdk.connection.Connection(config=config.get_one(cloud="hs01"))
    stack = conn.create_stack("sdk-stack", template_file=str(templates / "small.yaml"), wait=True)
    assert stack["stack_status"] == "CREATE_COMPLETE"
    found = conn.orchestration.find_stack("sdk-stack")
    assert found.id == stack["id"]
    secret = next(o for o in conn.orchestration.get_stack(found).outputs if o["output_key"] == "secret")
    assert len(secret["output_value"]) == 12
    assert conn.delete_stack("sdk-stack", wait=True)
    assert conn.orchestration.find_stack("sdk-stack") is None


def settled(conn: Any, name: str, wanted: str) -> dict[str, Any]:
    """The stack once it is `wanted` (its IN_PROGRESS passed), polled quickly through openstacksdk's session
    (the CLI's own --wait polls every 5 seconds; sdk's find_stack hides ADOPT_COMPLETE stacks)."""
    for _ in range(600):
        stack: dict[str, Any] = conn.orchestration.get(f"/stacks/{name}").json()["stack"]
        if not stack["stack_status"].endswith("IN_PROGRESS"):
            assert stack["stack_status"] == wanted, stack["stack_status_reason"]
            return stack
        time.sleep(0.2)
    raise AssertionError(f"{name} is still {stack['stack_status']}")


def test_signal_suspend_resume_check_abandon_and_adopt(admin_env: dict[str, str], sheets: Path, templates: Path,
                                                       tmp_path: Path) -> None:
    from openstack.config import OpenStackConfig
    from openstack.connection import Connection

    env = student(admin_env, sheets, "hs01")
    config = OpenStackConfig(config_files=[str(sheets / "clouds" / "hs01.yaml")])
    conn = Connection(config=config.get_one(cloud="hs01"))
    openstack(env, "stack", "create", "-t", str(templates / "actions.yaml"), "act")
    openstack(env, "stack", "resource", "signal", "act", "handle", "--data", '{"data": "app is up", "id": "app"}')
    outputs = {o["output_key"]: o["output_value"] for o in settled(conn, "act", "CREATE_COMPLETE")["outputs"]}
    assert json.loads(outputs["said"]) == {"app": "app is up"}
    for verb, server_status in (("suspend", "SUSPENDED"), ("resume", "ACTIVE"), ("check", "ACTIVE")):
        openstack(env, "stack", verb, "act")
        settled(conn, "act", f"{verb.upper()}_COMPLETE")
        assert conn.compute.get_server(outputs["server"]).status == server_status
    saved = tmp_path / "act.json"
    openstack(env, "stack", "abandon", "act", "--output-file", str(saved))
    assert conn.orchestration.find_stack("act") is None
    assert conn.compute.get_server(outputs["server"]).status == "ACTIVE"  # abandoned, not deleted
    openstack(env, "stack", "adopt", "--adopt-file", str(saved), "act2")
    adopted = settled(conn, "act2", "ADOPT_COMPLETE")
    assert {o["output_key"]: o["output_value"] for o in adopted["outputs"]}["server"] == outputs["server"]
    openstack(env, "stack", "update", "-t", str(templates / "slow.yaml"), "act2")  # `slow` waits 10 minutes
    openstack(env, "stack", "cancel", "act2")
    rolled = settled(conn, "act2", "ROLLBACK_COMPLETE")
    assert rolled["stack_status_reason"] == "Stack ROLLBACK completed successfully"
    assert "slow" not in {r["resource_name"] for r in conn.orchestration.get(
        f"/stacks/act2/{adopted['id']}/resources").json()["resources"]}
    openstack(env, "stack", "delete", "--yes", "act2")
    settled(conn, f"act2/{adopted['id']}", "DELETE_COMPLETE")
    assert conn.compute.find_server(outputs["server"]) is None


def test_software_configs_and_a_deployment_signalled(admin_env: dict[str, str], sheets: Path, templates: Path) -> None:
    """`openstack software config create/show/delete`, and a stack's SoftwareDeployment that waits for the
    agent's signal (`stack resource signal`, as the server's agent would) and reports its outputs."""
    from openstack.config import OpenStackConfig
    from openstack.connection import Connection

    env = student(admin_env, sheets, "hs02")
    conn = Connection(config=OpenStackConfig(config_files=[str(sheets / "clouds" / "hs02.yaml")]).get_one(
        cloud="hs02"))
    made = as_json(env, "software", "config", "create", "--config-file", str(templates / "hello.sh"), "--group",
                   "script", "hello")
    assert (made["name"], made["group"], made["config"]) == ("hello", "script", "#!/bin/sh\necho hello $who\n")
    openstack(env, "stack", "create", "-t", str(templates / "software.yaml"), "sw")
    deployment = settled_resource(conn, "sw", "deployment", "CREATE_IN_PROGRESS")
    openstack(env, "stack", "resource", "signal", "sw", "deployment", "--data",
              '{"deploy_stdout": "hello world", "deploy_status_code": 0}')
    done = settled(conn, "sw", "CREATE_COMPLETE")
    assert {o["output_key"]: o["output_value"] for o in done["outputs"]} == {"said": "hello world"}
    said = openstack(env, "software", "deployment", "output", "show", deployment, "deploy_stdout").stdout
    assert "hello world" in said
    openstack(env, "software", "config", "delete", made["id"])
    assert made["id"] not in {c["id"] for c in conn.orchestration.software_configs()}


def settled_resource(conn: Any, stack: str, name: str, wanted: str) -> str:
    """The physical id of a stack's resource once it is `wanted` (bounded wait)."""
    for _ in range(300):
        found = conn.orchestration.find_stack(stack)
        if found is not None:
            for resource in conn.orchestration.resources(found):
                if resource.name == name and resource.status == wanted and resource.physical_resource_id:
                    return str(resource.physical_resource_id)
        time.sleep(0.2)
    raise AssertionError(f"{stack}.{name} never became {wanted}")
