"""The networking user story with the real `openstack` CLI and openstacksdk against a live cloud.

The commands that need no server come first; the full story (a server on the network, a floating IP on it,
cleanup refusing while in use) runs over compute and image too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import LiveCloud

pytestmark = pytest.mark.e2e


def run(live: LiveCloud, *args: str, check: bool = True) -> Any:
    result = live.openstack(*args, "-f", "json", user="demo", check=check) if check else \
        live.openstack(*args, user="demo", check=False)
    return json.loads(result.stdout) if check and result.stdout.strip() else result


def fail(live: LiveCloud, *args: str) -> str:
    result = live.openstack(*args, user="demo", check=False)
    assert result.returncode == 1, result.stdout
    return result.stderr


def test_network_subnet_router_security_group_floating_ip(live_cloud: LiveCloud,
                                                          unique: Callable[[str], str]) -> None:
    """network/subnet/router/security group/floating ip/port commands as a member, then cleanup with 409s."""
    net, sub, router, sg = unique("net"), unique("sub"), unique("r"), unique("web")
    created = run(live_cloud, "network", "create", net)
    assert created["status"] == "ACTIVE"
    subnet = run(live_cloud, "subnet", "create", "--network", net, "--subnet-range", "10.123.0.0/24",
                 "--dns-nameserver", "8.8.8.8", sub)
    assert subnet["gateway_ip"] == "10.123.0.1" and subnet["dns_nameservers"] == ["8.8.8.8"]
    shown = run(live_cloud, "subnet", "show", sub)
    assert shown["allocation_pools"] == [{"start": "10.123.0.2", "end": "10.123.0.254"}]
    assert shown["host_routes"] == []
    run(live_cloud, "router", "create", router)
    live_cloud.openstack("router", "add", "subnet", router, sub, user="demo")
    live_cloud.openstack("router", "set", "--external-gateway", "public", router, user="demo")
    shown_router = run(live_cloud, "router", "show", router)
    gateway = shown_router["external_gateway_info"]
    assert gateway["external_fixed_ips"][0]["ip_address"].startswith("172.24.4.")
    assert any(i["subnet_id"] == subnet["id"] for i in shown_router["interfaces_info"])
    run(live_cloud, "security", "group", "create", sg)
    rule = run(live_cloud, "security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22", sg)
    assert rule["port_range_min"] == 22 and rule["direction"] == "ingress"
    rules = run(live_cloud, "security", "group", "rule", "list", sg)
    assert len(rules) == 3
    port = run(live_cloud, "port", "create", "--network", net, "--security-group", sg, unique("port"))
    assert port["fixed_ips"][0]["ip_address"] == "10.123.0.3"
    assert any(p["ID"] == port["id"] for p in run(live_cloud, "port", "list"))
    fip = run(live_cloud, "floating", "ip", "create", "public")
    assert fip["status"] == "DOWN"
    live_cloud.openstack("floating", "ip", "set", "--port", port["id"], fip["floating_ip_address"], user="demo")
    associated = run(live_cloud, "floating", "ip", "show", fip["floating_ip_address"])
    assert associated["port_id"] == port["id"] and associated["status"] == "ACTIVE"
    assert [n["Name"] for n in run(live_cloud, "network", "list", "--external")] == ["public"]
    assert "one or more ports still in use on the network" in fail(live_cloud, "network", "delete", net)
    assert "required by one or more floating IPs" in fail(live_cloud, "router", "remove", "subnet", router, sub)
    live_cloud.openstack("floating", "ip", "delete", fip["floating_ip_address"], user="demo")
    live_cloud.openstack("port", "delete", port["id"], user="demo")
    live_cloud.openstack("router", "remove", "subnet", router, sub, user="demo")
    live_cloud.openstack("router", "delete", router, user="demo")
    live_cloud.openstack("security", "group", "delete", sg, user="demo")
    live_cloud.openstack("subnet", "delete", sub, user="demo")
    live_cloud.openstack("network", "delete", net, user="demo")
    assert not any(n["Name"] == net for n in run(live_cloud, "network", "list"))


def test_quota_show_network_figures(live_cloud: LiveCloud) -> None:
    quota = run(live_cloud, "quota", "show", "--network")
    figures = {row["Resource"]: row["Limit"] for row in quota} if isinstance(quota, list) else quota
    assert figures.get("networks") == 100 and figures.get("floating_ips") == 50


def test_sdk_lists_with_fields_and_pages(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    conn = live_cloud.sdk(user="demo")
    name = unique("sdknet")
    net = conn.network.create_network(name=name)
    conn.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.124.0.0/24", name=name)
    assert [n.name for n in conn.network.networks(name=name)] == [name]
    assert name in [n.name for n in conn.network.networks(limit=1)]  # follows networks_links
    conn.network.delete_network(net.id)


def _catalog_types(live: LiveCloud) -> set[str]:
    env = live.os_env("demo")
    r = httpx.post(f"{live.url}/identity/v3/auth/tokens", json={"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"name": "demo", "password": env["OS_PASSWORD"], "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}}, timeout=10)
    return {s["type"] for s in r.json()["token"]["catalog"]}


def test_server_on_a_tenant_network_user_story(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """The issue's story end to end: a server on net1 with group web, a floating IP, cleanup with 409s."""
    assert {"compute", "image"} <= _catalog_types(live_cloud)
    net, sub, router, sg, vm = unique("net"), unique("sub"), unique("r"), unique("web"), unique("vm")
    run(live_cloud, "network", "create", net)
    run(live_cloud, "subnet", "create", "--network", net, "--subnet-range", "10.125.0.0/24", sub)
    run(live_cloud, "router", "create", router)
    live_cloud.openstack("router", "add", "subnet", router, sub, user="demo")
    live_cloud.openstack("router", "set", "--external-gateway", "public", router, user="demo")
    run(live_cloud, "security", "group", "create", sg)
    run(live_cloud, "security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22", sg)
    image = run(live_cloud, "image", "list")[0]["Name"]
    flavor = sorted(run(live_cloud, "flavor", "list"), key=lambda f: f["RAM"])[0]["Name"]
    server = run(live_cloud, "server", "create", "--flavor", flavor, "--image", image, "--network", net,
                 "--security-group", sg, "--wait", vm)
    assert server["status"] == "ACTIVE"
    listed = run(live_cloud, "server", "list", "--name", vm)
    assert "10.125.0." in json.dumps(listed[0]["Networks"])
    ports = run(live_cloud, "port", "list", "--server", vm)
    assert len(ports) == 1
    fip = run(live_cloud, "floating", "ip", "create", "public")
    live_cloud.openstack("server", "add", "floating", "ip", vm, fip["floating_ip_address"], user="demo")
    shown = run(live_cloud, "server", "show", vm)
    assert fip["floating_ip_address"] in json.dumps(shown["addresses"])
    assert "One or more ports have an IP allocation from this subnet" in fail(live_cloud, "subnet", "delete", sub)
    assert "in use" in fail(live_cloud, "security", "group", "delete", sg)
    live_cloud.openstack("server", "delete", "--wait", vm, user="demo")
    assert run(live_cloud, "port", "list", "--network", net, "--device-owner", "compute:nova") == []
    live_cloud.openstack("floating", "ip", "delete", fip["floating_ip_address"], user="demo")
    live_cloud.openstack("router", "remove", "subnet", router, sub, user="demo")
    live_cloud.openstack("router", "delete", router, user="demo")
    live_cloud.openstack("security", "group", "delete", sg, user="demo")
    live_cloud.openstack("subnet", "delete", sub, user="demo")
    live_cloud.openstack("network", "delete", net, user="demo")
