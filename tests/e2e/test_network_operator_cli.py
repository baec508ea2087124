"""Neutron's operator commands with the real `openstack` CLI against a live cloud: agents, RBAC sharing between
two students (a third sees nothing), subnet pools, IP availability and port bindings."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import LiveCloud

pytestmark = pytest.mark.e2e


def cli(live: LiveCloud, *args: str, user: str = "admin", project: str | None = None) -> Any:
    out = live.openstack(*args, "-f", "json", user=user, project=project).stdout
    return json.loads(out) if out.strip() else None


def student(live: LiveCloud, name: str) -> str:
    """A project of its own with a member (password `demo`, as LiveCloud logs non-admins in); its id."""
    project = cli(live, "project", "create", f"{name}-project")["id"]
    live.openstack("user", "create", "--password", "demo", "--project", project, name)
    live.openstack("role", "add", "--user", name, "--project", project, "member")
    return str(project)


def test_network_agent_list_show_set(live_cloud: LiveCloud) -> None:
    """`network agent list` shows the four agents alive on one host; --network/--router filter; set --disable."""
    agents = cli(live_cloud, "network", "agent", "list")
    by_type = {a["Agent Type"]: a for a in agents}
    assert set(by_type) == {"DHCP agent", "L3 agent", "Metadata agent", "Linux bridge agent"}
    assert all(a["Alive"] in (True, ":-)") and a["State"] in (True, "UP") for a in agents)
    dhcp = cli(live_cloud, "network", "agent", "list", "--network", "private")
    assert [a["ID"] for a in dhcp] == [by_type["DHCP agent"]["ID"]]
    l3 = cli(live_cloud, "network", "agent", "list", "--router", "router1")
    assert [a["ID"] for a in l3] == [by_type["L3 agent"]["ID"]]
    agent_id = by_type["L3 agent"]["ID"]
    live_cloud.openstack("network", "agent", "set", "--disable", "--description", "drain", agent_id)
    shown = cli(live_cloud, "network", "agent", "show", agent_id)
    assert shown["admin_state_up"] in (False, "DOWN") and shown["description"] == "drain"
    assert cli(live_cloud, "network", "agent", "list", "--router", "router1") == []
    live_cloud.openstack("network", "agent", "set", "--enable", agent_id)


def test_network_agent_add_remove_router(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """`network agent remove router --l3` takes a router off the L3 agent (no agent hosts it, the agent no
    longer lists it), `add router --l3` puts it back; removing twice is Neutron's 409, a DHCP agent is no L3
    agent (404)."""
    agents = {a["Agent Type"]: a["ID"] for a in cli(live_cloud, "network", "agent", "list")}
    l3, dhcp = agents["L3 agent"], agents["DHCP agent"]
    router = cli(live_cloud, "router", "create", unique("sched-router"))["id"]
    assert [a["ID"] for a in cli(live_cloud, "network", "agent", "list", "--router", router)] == [l3]
    live_cloud.openstack("network", "agent", "remove", "router", "--l3", l3, router)
    assert cli(live_cloud, "network", "agent", "list", "--router", router) == []
    assert router not in {r["ID"] for r in cli(live_cloud, "router", "list", "--agent", l3)}
    # the CLI does not report these errors (openstacksdk ignores the answer), so they are asked for directly
    network = live_cloud.sdk().network
    again = network.delete(f"/agents/{l3}/l3-routers/{router}", raise_exc=False)
    assert again.status_code == 409 and again.json()["NeutronError"]["type"] == "RouterNotHostedByL3Agent"
    wrong = network.post(f"/agents/{dhcp}/l3-routers", json={"router_id": router}, raise_exc=False)
    assert wrong.status_code == 404 and wrong.json()["NeutronError"]["type"] == "InvalidL3Agent"
    live_cloud.openstack("network", "agent", "add", "router", "--l3", l3, router)
    assert [a["ID"] for a in cli(live_cloud, "network", "agent", "list", "--router", router)] == [l3]
    assert router in {r["ID"] for r in cli(live_cloud, "router", "list", "--agent", l3)}


def test_rbac_share_between_two_students(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """access_as_shared to one student: the second sees and uses the network, a third does not."""
    first, second, third = unique("ana"), unique("bea"), unique("cid")
    student(live_cloud, first)
    second_project = student(live_cloud, second)
    student(live_cloud, third)
    net = unique("shared-net")
    cli(live_cloud, "network", "create", net, user=first, project=f"{first}-project")
    cli(live_cloud, "subnet", "create", "--network", net, "--subnet-range", "10.140.0.0/24", f"{net}-sub",
        user=first, project=f"{first}-project")
    policy = cli(live_cloud, "network", "rbac", "create", "--target-project", second_project,
                 "--action", "access_as_shared", "--type", "network", net, user=first, project=f"{first}-project")
    assert policy["target_project_id"] == second_project and policy["action"] == "access_as_shared"
    listed = cli(live_cloud, "network", "rbac", "list", user=first, project=f"{first}-project")
    assert [p["ID"] for p in listed] == [policy["id"]]
    assert net in [n["Name"] for n in cli(live_cloud, "network", "list", user=second, project=f"{second}-project")]
    assert net not in [n["Name"] for n in cli(live_cloud, "network", "list", user=third, project=f"{third}-project")]
    network_id = cli(live_cloud, "network", "show", net, user=first, project=f"{first}-project")["id"]
    port = cli(live_cloud, "port", "create", "--network", network_id, unique("bea-port"), user=second,
               project=f"{second}-project")
    assert port["fixed_ips"][0]["ip_address"].startswith("10.140.0.")
    refused = live_cloud.openstack("port", "create", "--network", network_id, unique("cid-port"), user=third,
                                   project=f"{third}-project", check=False)
    assert refused.returncode == 1
    live_cloud.openstack("port", "delete", port["id"], user=second, project=f"{second}-project")
    live_cloud.openstack("network", "rbac", "delete", policy["id"], user=first, project=f"{first}-project")
    assert net not in [n["Name"] for n in cli(live_cloud, "network", "list", user=second, project=f"{second}-project")]


def test_subnet_pool_ip_availability_and_binding(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """`subnet pool create` + `subnet create --subnet-pool --prefix-length`, `ip availability show`, and
    `port show` with binding attributes as the admin."""
    pool, net = unique("pool"), unique("pooled")
    created = cli(live_cloud, "subnet", "pool", "create", "--pool-prefix", "10.150.0.0/16",
                  "--default-prefix-length", "24", pool, user="demo", project="demo")
    assert created["prefixes"] == ["10.150.0.0/16"] or created["prefixes"] == "10.150.0.0/16"
    cli(live_cloud, "network", "create", net, user="demo", project="demo")
    subnet = cli(live_cloud, "subnet", "create", "--network", net, "--subnet-pool", pool, "--prefix-length", "28",
                 f"{net}-sub", user="demo", project="demo")
    assert subnet["cidr"] == "10.150.0.0/28" and subnet["subnetpool_id"] == created["id"]
    availability = cli(live_cloud, "ip", "availability", "show", net)
    assert availability["total_ips"] == 13 and availability["used_ips"] == 1  # the DHCP port
    port = cli(live_cloud, "port", "create", "--network", net, unique("p"), user="demo", project="demo")
    live_cloud.openstack("port", "set", "--host", "lab-host", port["id"])
    shown = cli(live_cloud, "port", "show", port["id"])
    assert shown["binding_host_id"] == "lab-host" and shown["binding_vif_type"] == "bridge"
    assert shown["binding_vnic_type"] == "normal"


def test_quota_set_networks_check_limit_and_force(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """`openstack quota set --networks N` sends Neutron's `check_limit` (`--force`: `force`): a limit at or above
    the usage is set, one below it is refused with Neutron's message unless forced; `quota show` lists the RBAC
    policy and subnet pool quotas."""
    name = unique("quota")
    project = student(live_cloud, name)
    cli(live_cloud, "network", "create", unique("q-net"), user=name, project=f"{name}-project")
    cli(live_cloud, "network", "create", unique("q-net"), user=name, project=f"{name}-project")
    live_cloud.openstack("quota", "set", "--networks", "20", "--ports", "-1", project)
    shown = {row["Resource"]: row["Limit"] for row in cli(live_cloud, "quota", "show", "--network", project)}
    assert shown["networks"] == 20 and shown["ports"] == -1
    assert shown["rbac_policies"] == 10 and shown["subnet_pools"] == -1
    refused = live_cloud.openstack("quota", "set", "--networks", "1", project, check=False)
    assert refused.returncode == 1
    assert "Quota limit 1 for network must be greater than or equal to already used 2" in refused.stderr
    shown = {row["Resource"]: row["Limit"] for row in cli(live_cloud, "quota", "show", "--network", project)}
    assert shown["networks"] == 20
    live_cloud.openstack("quota", "set", "--networks", "1", "--force", project)
    shown = {row["Resource"]: row["Limit"] for row in cli(live_cloud, "quota", "show", "--network", project)}
    assert shown["networks"] == 1


def test_port_set_and_unset_host(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """`port create --host` binds a port (bridge, as the Linux bridge agent does); `port unset --host` sends
    a null host, which unbinds it as ML2 does; a non-admin sees only the vNIC type."""
    net = unique("bind-net")
    cli(live_cloud, "network", "create", net, user="demo", project="demo")
    cli(live_cloud, "subnet", "create", "--network", net, "--subnet-range", "10.151.0.0/24", f"{net}-sub",
        user="demo", project="demo")
    port = cli(live_cloud, "port", "create", "--network", net, "--host", "lab-host", "--project", "demo",
               unique("bound"))
    assert port["binding_host_id"] == "lab-host" and port["binding_vif_type"] == "bridge"
    live_cloud.openstack("port", "unset", "--host", port["id"])
    shown = cli(live_cloud, "port", "show", port["id"])
    assert shown["binding_host_id"] == "" and shown["binding_vif_type"] == "unbound"
    raw = live_cloud.sdk(user="demo", project="demo").network.get(f"/ports/{port['id']}").json()["port"]
    assert raw["binding:vnic_type"] == "normal" and "binding:host_id" not in raw


def test_rbac_shared_security_group_and_qos_policy(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """access_as_shared on a security group (by its owner) and on a QoS policy (by the admin): the second student
    lists both (Shared True, `--share` filters), gives them to a port; a third sees neither."""
    first, second, third = unique("sgown"), unique("sguse"), unique("sgnot")
    student(live_cloud, first)
    second_project = student(live_cloud, second)
    student(live_cloud, third)
    as_first, as_second = {"user": first, "project": f"{first}-project"}, {"user": second,
                                                                          "project": f"{second}-project"}
    group = cli(live_cloud, "security", "group", "create", unique("web"), **as_first)
    cli(live_cloud, "network", "rbac", "create", "--target-project", second_project, "--action",
        "access_as_shared", "--type", "security_group", group["id"], **as_first)
    listed = {g["Name"]: g["Shared"] for g in cli(live_cloud, "security", "group", "list", **as_second)}
    assert listed == {group["name"]: True, "default": False}
    assert [g["ID"] for g in cli(live_cloud, "security", "group", "list", "--share", **as_second)] == [group["id"]]
    third_sees = [g["ID"] for g in cli(live_cloud, "security", "group", "list", user=third,
                                       project=f"{third}-project")]
    assert group["id"] not in third_sees
    policy = cli(live_cloud, "network", "qos", "policy", "create", unique("limit"))
    cli(live_cloud, "network", "qos", "rule", "create", "--type", "bandwidth-limit", "--max-kbps", "2000",
        "--max-burst-kbits", "200", "--egress", policy["id"])
    cli(live_cloud, "network", "rbac", "create", "--target-project", second_project, "--action",
        "access_as_shared", "--type", "qos_policy", policy["id"])
    seen = {p["ID"]: p["Shared"] for p in cli(live_cloud, "network", "qos", "policy", "list", **as_second)}
    assert seen == {policy["id"]: True}
    net = unique("sg-net")
    cli(live_cloud, "network", "create", net, **as_second)
    cli(live_cloud, "subnet", "create", "--network", net, "--subnet-range", "10.152.0.0/24", f"{net}-sub",
        **as_second)
    port = cli(live_cloud, "port", "create", "--network", net, "--security-group", group["id"], "--qos-policy",
               policy["id"], "--extra-dhcp-option", "name=tftp-server,value=10.152.0.9", unique("p"), **as_second)
    assert port["security_group_ids"] == [group["id"]] and port["qos_policy_id"] == policy["id"]
    assert port["extra_dhcp_opts"] == [{"opt_name": "tftp-server", "opt_value": "10.152.0.9", "ip_version": 4}]


def test_routes_tags_long_listing_and_extensions(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """`router set/unset --route`, `--tag` on create and `set --tag` with `list --tags`/`--not-tags`,
    `network list --long`, `ip availability list`, `network rbac create --action access_as_external`, and
    `extension list --network` showing exactly the extensions the lab implements."""
    from lab.cloud.network.extensions import EXTENSIONS

    demo = {"user": "demo", "project": "demo"}
    net, router = unique("rt-net"), unique("rt-router")
    cli(live_cloud, "network", "create", "--tag", "blue", "--tag", "lab", net, **demo)
    cli(live_cloud, "subnet", "create", "--network", net, "--subnet-range", "10.153.0.0/24", "--tag", "blue",
        f"{net}-sub", **demo)
    cli(live_cloud, "router", "create", "--tag", "blue", router, **demo)
    live_cloud.openstack("router", "add", "subnet", router, f"{net}-sub", **demo)
    live_cloud.openstack("router", "set", "--route", "destination=192.168.77.0/24,gateway=10.153.0.77",
                         "--route", "destination=192.168.78.0/24,gateway=10.153.0.78", router, **demo)
    routes = cli(live_cloud, "router", "show", router, **demo)["routes"]
    assert sorted(r["destination"] for r in routes) == ["192.168.77.0/24", "192.168.78.0/24"]
    live_cloud.openstack("router", "unset", "--route", "destination=192.168.77.0/24,gateway=10.153.0.77", router,
                         **demo)
    assert cli(live_cloud, "router", "show", router, **demo)["routes"] == [
        {"destination": "192.168.78.0/24", "nexthop": "10.153.0.78"}]
    off_link = live_cloud.openstack("router", "set", "--route", "destination=10.9.0.0/16,gateway=10.99.0.1",
                                    router, check=False, **demo)
    assert off_link.returncode == 1 and "the nexthop is not connected with router" in off_link.stderr
    live_cloud.openstack("network", "set", "--tag", "green", net, **demo)
    assert [n["Name"] for n in cli(live_cloud, "network", "list", "--tags", "blue,green", **demo)] == [net]
    assert net not in [n["Name"] for n in cli(live_cloud, "network", "list", "--not-tags", "lab", **demo)]
    assert [s["Name"] for s in cli(live_cloud, "subnet", "list", "--tags", "blue", **demo)] == [f"{net}-sub"]
    assert [r["Name"] for r in cli(live_cloud, "router", "list", "--tags", "blue", **demo)] == [router]
    long = {n["Name"]: n for n in cli(live_cloud, "network", "list", "--long")}
    assert sorted(long[net]["Tags"]) == ["blue", "green", "lab"] and long[net]["Network Type"] == "vxlan"
    assert long["public"]["Router Type"] in (True, "External")
    availability = {a["Network Name"]: a for a in cli(live_cloud, "ip", "availability", "list")}
    assert availability[net]["Total IPs"] == 253 and availability[net]["Used IPs"] == 2  # DHCP, router port
    project = cli(live_cloud, "project", "show", "demo")["id"]
    ext = unique("ext")
    cli(live_cloud, "network", "create", ext)
    cli(live_cloud, "network", "rbac", "create", "--type", "network", "--action", "access_as_external",
        "--target-project", project, ext)
    assert cli(live_cloud, "network", "show", ext, **demo)["router:external"] in (True, "External")
    live_cloud.openstack("network", "delete", ext)  # the live cloud is shared: other tests count demo's externals
    aliases = {e["Alias"] for e in cli(live_cloud, "extension", "list", "--network")}
    assert aliases == {alias for alias, _name, _description in EXTENSIONS}
    assert {"quota-check-limit", "extra_dhcp_opt", "security-groups-shared-filtering"} <= aliases
