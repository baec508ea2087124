"""The everyday Nova actions a student types, through the real `openstack` CLI against a live lab: lock,
pause, suspend, shelve, rebuild, rescue, `server image create` (and booting the snapshot), `server event
list/show`, `server set --state/--password`, migrations on one host, and the operator views (`compute service
list/set`, `hypervisor show`, quota classes, `image set --deactivate`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import LiveCloud

pytestmark = pytest.mark.e2e


def cli_json(live: LiveCloud, *args: str, user: str = "demo") -> Any:
    return json.loads(live.openstack(*args, "-f", "json", user=user).stdout)


def status(live: LiveCloud, name: str) -> str:
    return str(cli_json(live, "server", "show", name)["status"])


@pytest.fixture
def server(live_cloud: LiveCloud, unique: Callable[[str], str]) -> Any:
    name = unique("act")
    cli_json(live_cloud, "server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--wait", name)
    yield name
    live_cloud.openstack("server", "unlock", name, user="admin", check=False)
    live_cloud.openstack("server", "delete", "--wait", name, user="demo", check=False)


def test_lock_pause_suspend_rescue(live_cloud: LiveCloud, server: str) -> None:
    live = live_cloud
    live.openstack("server", "lock", server, user="demo")
    refused = live.openstack("server", "stop", server, user="demo", check=False)
    assert refused.returncode == 1 and "is locked" in refused.stderr
    live.openstack("server", "unlock", server, user="demo")
    live.openstack("server", "pause", server, user="demo")
    assert status(live, server) == "PAUSED"
    wrong = live.openstack("server", "suspend", server, user="demo", check=False)
    assert wrong.returncode == 1 and "while it is in vm_state paused" in wrong.stderr
    live.openstack("server", "unpause", server, user="demo")
    live.openstack("server", "suspend", server, user="demo")
    assert status(live, server) == "SUSPENDED"
    live.openstack("server", "resume", server, user="demo")
    live.openstack("server", "rescue", "--password", "rescue-pw", server, user="demo")
    assert status(live, server) == "RESCUE"
    live.openstack("server", "unrescue", server, user="demo")
    assert status(live, server) == "ACTIVE"
    live.openstack("server", "set", "--password", "n3w-pw", server, user="demo")
    events = [e["Action"] for e in cli_json(live, "server", "event", "list", server)]
    assert events[:9] == ["changePassword", "unrescue", "rescue", "resume", "suspend", "unpause", "pause",
                          "unlock", "lock"]
    request_id = cli_json(live, "server", "event", "list", server)[0]["Request ID"]
    shown = cli_json(live, "server", "event", "show", server, request_id)
    assert shown["action"] == "changePassword"


def test_shelve_unshelve_and_rebuild(live_cloud: LiveCloud, server: str) -> None:
    live = live_cloud
    live.openstack("server", "shelve", "--wait", server, user="demo")
    assert status(live, server) == "SHELVED_OFFLOADED"
    assert cli_json(live, "image", "list", "--name", f"{server}-shelved")[0]["Status"] == "active"
    live.openstack("server", "unshelve", "--wait", server, user="demo")
    assert status(live, server) == "ACTIVE"
    rebuilt = f"{server}-r"
    live.openstack("server", "rebuild", "--image", "cirros", "--name", rebuilt, "--property", "v=2", "--wait",
                   server, user="demo")
    shown = cli_json(live, "server", "show", rebuilt)
    assert shown["status"] == "ACTIVE" and shown["properties"] == {"v": "2"}
    live.openstack("server", "delete", "--wait", rebuilt, user="demo")


def test_server_image_create_boots(live_cloud: LiveCloud, server: str, unique: Callable[[str], str]) -> None:
    """`server image create --wait` makes an active snapshot image with Nova's properties; a server boots
    from it; `image set --deactivate/--activate` work on it (admin)."""
    live = live_cloud
    snap = unique("snap")
    created = cli_json(live, "server", "image", "create", "--name", snap, "--wait", server)
    assert created["name"] == snap
    image = cli_json(live, "image", "show", snap)
    assert image["status"] == "active" and image["properties"]["image_type"] == "snapshot"
    assert image["properties"]["instance_uuid"] == cli_json(live, "server", "show", server)["id"]
    clone = unique("clone")
    booted = cli_json(live, "server", "create", "--flavor", "m1.tiny", "--image", snap, "--wait", clone)
    assert booted["status"] == "ACTIVE"
    live.openstack("server", "delete", "--wait", clone, user="demo")
    live.openstack("image", "set", "--deactivate", snap, user="admin")
    assert cli_json(live, "image", "show", snap)["status"] == "deactivated"
    live.openstack("image", "set", "--activate", snap, user="admin")
    live.openstack("image", "delete", snap, user="demo")


def test_operator_views_and_one_host_migrations(live_cloud: LiveCloud, server: str,
                                                unique: Callable[[str], str]) -> None:
    live = live_cloud
    services = {s["Binary"]: s for s in cli_json(live, "compute", "service", "list", user="admin")}
    assert set(services) == {"nova-compute", "nova-scheduler", "nova-conductor"}
    host = services["nova-compute"]["Host"]
    server_id = cli_json(live, "server", "show", server)["id"]  # the admin names another project's server by id
    migrate = live.openstack("server", "migrate", server_id, user="admin", check=False)
    assert migrate.returncode == 1 and "No valid host was found" in migrate.stderr
    live.openstack("server", "set", "--auto-approve", "--state", "error", server_id, user="admin")
    assert status(live, server) == "ERROR"
    live.openstack("server", "set", "--auto-approve", "--state", "active", server_id, user="admin")
    hypervisor = cli_json(live, "hypervisor", "show", "1", user="admin")
    assert "uptime" in hypervisor and hypervisor["state"] == "up"
    live.openstack("compute", "service", "set", "--disable", "--disable-reason", "lesson", host, "nova-compute",
                   user="admin")
    try:
        failed = live.openstack("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--wait",
                                unique("nohost"), user="demo", check=False)
        assert failed.returncode == 1
        disabled = {s["Binary"]: s for s in cli_json(live, "compute", "service", "list", user="admin")}
        assert disabled["nova-compute"]["Status"] == "disabled"
    finally:
        live.openstack("compute", "service", "set", "--enable", host, "nova-compute", user="admin")
    errored = [s for s in cli_json(live, "server", "list") if s["Status"] == "ERROR"]
    assert any(s["Name"].startswith("nohost") for s in errored)
    for s in errored:
        live.openstack("server", "delete", s["ID"], user="demo")
    live.openstack("quota", "set", "--class", "--key-pairs", "99", "default", user="admin")
    try:
        defaults = {r["Resource"]: r["Limit"] for r in cli_json(live, "quota", "show", "--default", "--compute",
                                                                user="admin")}
        assert defaults["key-pairs"] == 99
    finally:
        live.openstack("quota", "set", "--class", "--key-pairs", "100", "default", user="admin")


def test_server_groups_interfaces_and_console_url(live_cloud: LiveCloud, server: str,
                                                  unique: Callable[[str], str]) -> None:
    """`server group create --policy anti-affinity`, members booted with `--hint group=`: the second has no
    valid host; `server add/remove network` and `port list --server`; `console url show` opens the console."""
    import urllib.request

    live = live_cloud
    group = cli_json(live, "server", "group", "create", "--policy", "anti-affinity", unique("grp"))
    first, second = unique("g1"), unique("g2")
    for name in (first, second):
        live.openstack("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--hint",
                       f"group={group['id']}", "--wait", name, user="demo", check=False)
    assert (status(live, first), status(live, second)) == ("ACTIVE", "ERROR")
    fault = cli_json(live, "server", "show", second)["fault"]
    assert "No valid host was found" in str(fault)
    members = cli_json(live, "server", "group", "show", group["id"])["members"]
    assert len(members) == 2
    for name in (first, second):
        live.openstack("server", "delete", "--wait", name, user="demo")
    live.openstack("server", "group", "delete", group["id"], user="demo")

    net = unique("net")
    live.openstack("network", "create", net, user="demo")
    live.openstack("subnet", "create", "--network", net, "--subnet-range", "10.91.0.0/24", unique("sub"),
                   user="demo")
    live.openstack("server", "add", "network", server, net, user="demo")
    ports = cli_json(live, "port", "list", "--server", server)
    assert len(ports) == 2 and any(str(p["Fixed IP Addresses"]).count("10.91.0.") for p in ports)
    live.openstack("server", "remove", "network", server, net, user="demo")
    assert len(cli_json(live, "port", "list", "--server", server)) == 1
    live.openstack("network", "delete", net, user="demo")

    url = cli_json(live, "console", "url", "show", server)["url"]
    assert url.startswith(live.url + "/compute/console?token=")
    with urllib.request.urlopen(url, timeout=30) as page:  # noqa: S310 - the lab's own http URL
        assert "login:" in page.read().decode()
