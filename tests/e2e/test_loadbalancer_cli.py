"""Load balancing with the real clients against a live cloud: the `openstack loadbalancer ...` story a student
follows (create with --wait, listener, pool, members on two servers, health monitor, the status tree, a stopped
server seen as DEGRADED, cascade delete), isolation between two projects, the quota, and openstacksdk."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveCloud
from tests.e2e.test_compute_cli import sdk_server

pytestmark = pytest.mark.e2e


def cli(lab: LiveCloud, *args: str, user: str = "demo", project: str | None = None, password: str | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    """The real `openstack` CLI as `user` (any user: a password may be given)."""
    openstack = str(Path(sys.executable).with_name("openstack"))
    result = subprocess.run([openstack, *args], env=lab.os_env(user, project, password), capture_output=True,
                            text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"openstack {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def cli_json(lab: LiveCloud, *args: str, **kwargs: Any) -> Any:
    return json.loads(cli(lab, *args, "-f", "json", **kwargs).stdout)


def status_tree(lab: LiveCloud, name: str) -> dict[str, Any]:
    """`loadbalancer status show` prints the tree as JSON whatever the format asked."""
    return json.loads(cli(lab, "loadbalancer", "status", "show", name).stdout)["loadbalancer"]  # type: ignore[no-any-return]


def private_subnet_id(lab: LiveCloud) -> str:
    return str(cli_json(lab, "subnet", "show", "private-subnet")["id"])


def test_load_balancer_user_story(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """create --wait -> ACTIVE with an Octavia VIP port; listener, pool, two members, an HTTP monitor: members
    ONLINE; stopping one server: DEGRADED; delete --cascade --wait removes it and its port."""
    lab, name = live_cloud, unique("lb")
    subnet_id = private_subnet_id(lab)
    lb = cli_json(lab, "loadbalancer", "create", "--name", name, "--vip-subnet-id", subnet_id, "--wait")
    assert lb["provisioning_status"] == "ACTIVE" and lb["vip_subnet_id"] == subnet_id
    ports = cli_json(lab, "port", "list", "--device-owner", "Octavia")
    assert lb["vip_port_id"] in [p["ID"] for p in ports]

    listener = cli_json(lab, "loadbalancer", "listener", "create", "--name", f"{name}-http", "--protocol", "HTTP",
                        "--protocol-port", "80", "--wait", name)
    pool = cli_json(lab, "loadbalancer", "pool", "create", "--name", f"{name}-pool", "--listener", listener["id"],
                    "--protocol", "HTTP", "--lb-algorithm", "ROUND_ROBIN", "--wait")
    conn = lab.sdk("demo")
    try:
        servers = [sdk_server(conn, unique("web")) for _ in range(2)]
        for server in servers:
            address = next(iter(server.addresses.values()))[0]["addr"]
            cli(lab, "loadbalancer", "member", "create", "--subnet-id", subnet_id, "--address", address,
                "--protocol-port", "80", "--wait", pool["id"])
        members = cli_json(lab, "loadbalancer", "member", "list", pool["id"])
        assert {m["operating_status"] for m in members} == {"NO_MONITOR"}
        cli(lab, "loadbalancer", "healthmonitor", "create", "--delay", "5", "--timeout", "3", "--max-retries", "2",
            "--type", "HTTP", "--url-path", "/", "--wait", pool["id"])
        status = status_tree(lab, name)
        tree = status["listeners"][0]["pools"][0]
        assert status["operating_status"] == "ONLINE"
        assert [m["operating_status"] for m in tree["members"]] == ["ONLINE", "ONLINE"]

        cli(lab, "server", "stop", servers[0].id)
        conn.compute.wait_for_server(conn.compute.get_server(servers[0].id), status="SHUTOFF", wait=60)
        status = status_tree(lab, name)
        assert status["operating_status"] == "DEGRADED"
        assert sorted(m["operating_status"] for m in status["listeners"][0]["pools"][0]["members"]) == [
            "ERROR", "ONLINE"]
        shown = conn.load_balancer.get_load_balancer(lb["id"])
        assert shown.operating_status == "DEGRADED"

        # The traffic tool, as a student runs it: the monitor took the stopped server out, the other answers all.
        stacklab = str(Path(sys.executable).with_name("stacklab"))
        sent = subprocess.run([stacklab, "loadbalancer", "traffic", name, "-n", "4", "--cloud", "envvars", "--json"],
                              env=lab.os_env("demo"), capture_output=True, text=True, timeout=300)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        answers = json.loads(sent.stdout)["requests"]
        assert [(a["status"], a["server"]) for a in answers] == [(200, servers[1].name)] * 4
        stats = cli_json(lab, "loadbalancer", "stats", "show", name)
        assert stats["total_connections"] == 4 and stats["request_errors"] == 0

        refused = cli(lab, "loadbalancer", "delete", name, check=False)
        assert refused.returncode != 0 and "it has children" in refused.stderr
        cli(lab, "loadbalancer", "delete", "--cascade", "--wait", name)
        assert name not in [row["name"] for row in cli_json(lab, "loadbalancer", "list")]
        assert lb["vip_port_id"] not in [p["ID"] for p in cli_json(lab, "port", "list", "--device-owner", "Octavia")]
        for server in servers:
            conn.compute.delete_server(server.id)
    finally:
        conn.close()


def test_projects_are_isolated_and_quota_applies(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """A second project's member sees none of demo's load balancers and cannot show them; with a quota of one,
    its second load balancer is refused with Octavia's message."""
    lab, other = live_cloud, unique("stud")
    cli(lab, "project", "create", other, user="admin")
    cli(lab, "user", "create", "--project", other, "--password", "pw-" + other, other, user="admin")
    cli(lab, "role", "add", "--project", other, "--user", other, "member", user="admin")
    as_other = {"user": other, "project": other, "password": "pw-" + other}
    net = cli_json(lab, "network", "create", unique("net"), **as_other)
    subnet = cli_json(lab, "subnet", "create", "--network", net["id"], "--subnet-range", "192.168.60.0/24",
                      unique("sub"), **as_other)
    mine = cli_json(lab, "loadbalancer", "create", "--name", unique("lb"), "--vip-subnet-id", private_subnet_id(lab),
                    "--wait")
    assert mine["id"] not in [row["id"] for row in cli_json(lab, "loadbalancer", "list", **as_other)]
    hidden = cli(lab, "loadbalancer", "show", mine["id"], check=False, **as_other)
    # Octavia looks the load balancer up, then checks its project: another project's is a 403, as on Octavia
    # (listing it is what stays hidden, above).
    assert hidden.returncode != 0 and "HTTP 403" in hidden.stderr and "Policy doesn't allow" in hidden.stderr

    project_id = cli_json(lab, "project", "show", other, user="admin")["id"]
    cli(lab, "loadbalancer", "quota", "set", "--loadbalancer", "1", project_id, user="admin")
    cli(lab, "loadbalancer", "create", "--name", unique("lb"), "--vip-subnet-id", subnet["id"], "--wait", **as_other)
    refused = cli(lab, "loadbalancer", "create", "--name", unique("lb"), "--vip-subnet-id", subnet["id"],
                  check=False, **as_other)
    assert refused.returncode != 0 and "Quota has been met for resources: Load Balancer" in refused.stderr
    assert len(cli_json(lab, "loadbalancer", "list", **as_other)) == 1
    cli(lab, "loadbalancer", "delete", "--wait", mine["id"])
