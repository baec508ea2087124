"""Compute through the real clients against a live cloud: the `openstack` CLI (subprocess) and openstacksdk.

Commands that resolve images (`server create --image`, `server list`, `server show`) need the image service;
they run once `lab/cloud/image/service.py` exists (until then the CLI cannot work at all: it calls GET /image).
Everything else, including stop/start/reboot/console/delete by id, runs now.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import LiveCloud

pytestmark = pytest.mark.e2e


def cli_json(live: LiveCloud, *args: str, user: str = "demo") -> Any:
    return json.loads(live.openstack(*args, "-f", "json", user=user).stdout)


def boot_image_id(conn: Any) -> str:
    return str(conn.image.find_image("cirros", ignore_missing=False).id)


@pytest.fixture(scope="module")
def demo_sdk(live_cloud: LiveCloud) -> Any:
    conn = live_cloud.sdk("demo")
    yield conn
    conn.close()


def sdk_server(conn: Any, name: str, **extra: Any) -> Any:
    flavor = conn.compute.find_flavor("m1.tiny", ignore_missing=False)
    # `networks` is required from microversion 2.37. Not "auto": that is Nova's 409 once another test of the
    # session's shared lab has given demo a second network (the run order decides), so `private` by id.
    if "networks" not in extra:
        extra["networks"] = [{"uuid": conn.network.find_network("private", ignore_missing=False).id}]
    server = conn.compute.create_server(name=name, flavor_id=flavor.id, image_id=boot_image_id(conn), **extra)
    return conn.compute.wait_for_server(server, interval=0.2, wait=60)


def test_flavor_list(live_cloud: LiveCloud) -> None:
    flavors = {f["Name"]: f for f in cli_json(live_cloud, "flavor", "list")}
    assert {"m1.tiny", "m1.small", "m1.medium", "m1.large"} <= set(flavors)
    assert (flavors["m1.tiny"]["RAM"], flavors["m1.tiny"]["VCPUs"], flavors["m1.tiny"]["Disk"]) == (512, 1, 1)


def test_keypair_create_list_delete(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    name = unique("kp")
    created = live_cloud.openstack("keypair", "create", name, user="demo")
    assert "PRIVATE KEY" in created.stdout  # OSC makes the key locally and imports its public half
    listed = {k["Name"]: k for k in cli_json(live_cloud, "keypair", "list")}
    assert name in listed and listed[name]["Fingerprint"].count(":") == 15
    live_cloud.openstack("keypair", "delete", name, user="demo")
    assert name not in {k["Name"] for k in cli_json(live_cloud, "keypair", "list")}
    missing = live_cloud.openstack("keypair", "delete", name, user="demo", check=False)
    assert missing.returncode == 1


def test_quota_show_and_limits(live_cloud: LiveCloud) -> None:
    quota = {row["Resource"]: row["Limit"] for row in cli_json(live_cloud, "quota", "show")}
    assert (quota["instances"], quota["cores"], quota["ram"]) == (10, 20, 51200)
    limits = {row["Name"]: row["Value"] for row in cli_json(live_cloud, "limits", "show", "--absolute")}
    assert (limits["max_total_instances"], limits["total_instances_used"] >= 0) == (10, True)


def test_sdk_create_wait_list_console_delete(live_cloud: LiveCloud, demo_sdk: Any,
                                            unique: Callable[[str], str]) -> None:
    """create_server + wait_for_server reach ACTIVE; servers() lists it; the console shows the hostname;
    delete + wait_for_delete make it disappear."""
    name = unique("sdk")
    server = sdk_server(demo_sdk, name)
    assert server.status == "ACTIVE"
    assert name in {s.name for s in demo_sdk.compute.servers()}
    console = demo_sdk.compute.get_server_console_output(server)["output"]
    assert f"{name.lower()} login:" in console
    demo_sdk.compute.delete_server(server)
    demo_sdk.compute.wait_for_delete(server, interval=0.2, wait=30)
    assert demo_sdk.compute.find_server(server.id) is None


def test_cli_actions_by_id(live_cloud: LiveCloud, demo_sdk: Any, unique: Callable[[str], str]) -> None:
    """console log show, server stop/start/reboot and delete --wait by id through the CLI."""
    server = sdk_server(demo_sdk, unique("act"))
    log = live_cloud.openstack("console", "log", "show", "--lines", "3", server.id, user="demo").stdout
    assert "login:" in log
    live_cloud.openstack("server", "stop", server.id, user="demo")
    assert demo_sdk.compute.get_server(server.id).status == "SHUTOFF"
    again = live_cloud.openstack("server", "stop", server.id, user="demo", check=False)
    assert again.returncode == 1 and "Cannot 'stop' instance" in again.stderr
    live_cloud.openstack("server", "start", server.id, user="demo")
    live_cloud.openstack("server", "reboot", server.id, user="demo")
    assert demo_sdk.compute.get_server(server.id).status == "ACTIVE"
    live_cloud.openstack("server", "delete", "--wait", server.id, user="demo")
    assert demo_sdk.compute.find_server(server.id) is None


def test_cli_server_lifecycle(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """The README's flow: keypair, server create --wait, list, show, console, stop/start/reboot, delete --wait."""
    key, name = unique("k"), unique("vm")
    live_cloud.openstack("keypair", "create", key, user="demo")
    fingerprint = {k["Name"]: k["Fingerprint"] for k in cli_json(live_cloud, "keypair", "list")}[key]
    created = cli_json(live_cloud, "server", "create", "--flavor", "m1.tiny", "--image", "cirros",
                       "--key-name", key, "--wait", name)
    assert created["status"] == "ACTIVE" and created["name"] == name
    listed = {s["Name"]: s for s in cli_json(live_cloud, "server", "list")}
    assert listed[name]["Status"] == "ACTIVE" and listed[name]["Image"] == "cirros"
    assert listed[name]["Flavor"] == "m1.tiny"
    shown = cli_json(live_cloud, "server", "show", name)
    assert shown["status"] == "ACTIVE" and key in shown.values() and "nova" in shown.values()
    console = live_cloud.openstack("console", "log", "show", name, user="demo").stdout
    assert f"{name.lower()} login:" in console and fingerprint in console
    live_cloud.openstack("server", "stop", name, user="demo")
    assert cli_json(live_cloud, "server", "show", name)["status"] == "SHUTOFF"
    live_cloud.openstack("server", "start", name, user="demo")
    live_cloud.openstack("server", "reboot", name, user="demo")
    assert cli_json(live_cloud, "server", "show", name)["status"] == "ACTIVE"
    live_cloud.openstack("server", "delete", "--wait", name, user="demo")
    assert name not in {s["Name"] for s in cli_json(live_cloud, "server", "list")}
    live_cloud.openstack("keypair", "delete", key, user="demo")


def test_cli_bad_flavor_is_reported(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    result = live_cloud.openstack("server", "create", "--flavor", "m9.huge", "--image", "cirros", unique("bad"),
                                  user="demo", check=False)
    assert result.returncode == 1 and "No Flavor found for m9.huge" in result.stderr


def test_cli_create_without_network_uses_the_projects_only_network(live_cloud: LiveCloud,
                                                                   unique: Callable[[str], str]) -> None:
    """`server create` without --network (OSC sends `networks: []`) gets a port on the project's one network;
    with a second network it fails with Nova's 409 and creates nothing."""
    project, user = unique("p"), unique("u")
    live_cloud.openstack("project", "create", project)
    live_cloud.openstack("user", "create", "--password", "demo", user)
    live_cloud.openstack("role", "add", "--project", project, "--user", user, "member")

    def run(*args: str, check: bool = True) -> Any:
        return live_cloud.openstack(*args, user=user, project=project, check=check)

    run("network", "create", "only-net")
    run("subnet", "create", "--network", "only-net", "--subnet-range", "10.42.0.0/24", "only-sub")
    created = json.loads(run("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--wait",
                             "-f", "json", "vm1").stdout)
    assert created["status"] == "ACTIVE"
    addresses = json.loads(run("server", "show", "vm1", "-f", "json").stdout)["addresses"]
    assert "only-net" in addresses and str(addresses["only-net"][0]).startswith("10.42.0.")
    run("network", "create", "second-net")
    result = run("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "vm2", check=False)
    assert result.returncode == 1
    assert "409: Client Error" in result.stderr
    assert "Multiple possible networks found, use a Network ID to be more specific." in result.stderr
    assert [s["Name"] for s in json.loads(run("server", "list", "-f", "json").stdout)] == ["vm1"]
