"""Neutron as an operator meets it (issue 16): agents, RBAC sharing between projects, subnet pools and address
scopes, port bindings, network IP availability, and what a student reset removes of them; each response
checked against Neutron's shapes (tests/cloud/network_schemas.py)."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.compute_support import API, create_server, image_id
from tests.cloud.identity_helpers import user_in_project
from tests.cloud.network_helpers import N, assert_neutron_error, create, names, network_with_subnet, public_network
from tests.cloud.network_schemas import assert_network_schema


def auth(token: str) -> dict[str, str]:
    return {"X-Auth-Token": token}


def students(client: TestClient, as_admin: dict, *names_: str) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """A project with one member per name: (project, headers)."""
    out = []
    for name in names_:
        project, _user, token = user_in_project(client, as_admin, name, "member")
        out.append((project, auth(token)))
    return out


def test_agents_list_show_and_disable(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """The logical driver's four agents, alive on one host; a disabled Linux bridge agent leaves ports DOWN."""
    r = client.get(f"{N}/agents", headers=as_admin)
    assert_network_schema("list_agents", r)
    agents = {a["agent_type"]: a for a in r.json()["agents"]}
    assert set(agents) == {"DHCP agent", "L3 agent", "Metadata agent", "Linux bridge agent"}
    assert all(a["alive"] and a["admin_state_up"] for a in agents.values())
    assert len({a["host"] for a in agents.values()}) == 1
    assert agents["DHCP agent"]["binary"] == "neutron-dhcp-agent" and agents["L3 agent"]["topic"] == "l3_agent"
    assert client.get(f"{N}/agents", headers=as_demo).json() == {"agents": []}  # get_agent is the operator's
    private = client.get(f"{N}/networks", params={"name": "private"}, headers=as_admin).json()["networks"][0]
    dhcp = client.get(f"{N}/networks/{private['id']}/dhcp-agents", headers=as_admin)
    assert_network_schema("list_dhcp_agents_hosting_network", dhcp)
    assert [a["id"] for a in dhcp.json()["agents"]] == [agents["DHCP agent"]["id"]]
    router = client.get(f"{N}/routers", params={"name": "router1"}, headers=as_admin).json()["routers"][0]
    l3 = client.get(f"{N}/routers/{router['id']}/l3-agents", headers=as_admin).json()["agents"]
    assert [a["agent_type"] for a in l3] == ["L3 agent"]
    hosted = client.get(f"{N}/agents/{agents['L3 agent']['id']}/l3-routers", headers=as_admin).json()["routers"]
    assert router["id"] in [h["id"] for h in hosted]

    bridge = agents["Linux bridge agent"]["id"]
    r = client.put(f"{N}/agents/{bridge}", headers=as_admin, json={"agent": {"admin_state_up": False,
                                                                             "description": "maintenance"}})
    assert_network_schema("update_agent", r)
    assert r.json()["agent"]["admin_state_up"] is False and r.json()["agent"]["description"] == "maintenance"
    net, _ = network_with_subnet(client, as_demo, "10.70.0.0/24")
    port = create(client, as_demo, "ports", network_id=net["id"], device_id="vm", device_owner="compute:nova")
    assert port["status"] == "DOWN"
    client.put(f"{N}/agents/{bridge}", headers=as_admin, json={"agent": {"admin_state_up": True}})
    assert client.get(f"{N}/ports/{port['id']}", headers=as_demo).json()["port"]["status"] == "ACTIVE"
    l3_id = agents["L3 agent"]["id"]
    client.put(f"{N}/agents/{l3_id}", headers=as_admin, json={"agent": {"admin_state_up": False}})
    assert client.get(f"{N}/routers/{router['id']}/l3-agents", headers=as_admin).json()["agents"] == []
    bad = client.put(f"{N}/agents/{l3_id}", headers=as_admin, json={"agent": {"host": "elsewhere"}})
    assert_neutron_error(bad, 400, "HTTPBadRequest")
    assert_neutron_error(client.get(f"{N}/agents/nope", headers=as_admin), 404, "AgentNotFound")


def test_a_disabled_dhcp_agent_leaves_servers_ports_down(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """The lab stands a disabled DHCP agent in for a dead one: a server's port on a DHCP subnet stays DOWN (a
    provisioning block that never clears), one on a subnet without DHCP does not; enabling it clears the block."""
    dhcp = client.get(f"{N}/agents", params={"agent_type": "DHCP agent"}, headers=as_admin).json()["agents"][0]
    net, _ = network_with_subnet(client, as_demo, "10.71.0.0/24")
    port = create(client, as_demo, "ports", network_id=net["id"], device_id="vm", device_owner="compute:nova")
    assert port["status"] == "ACTIVE"
    client.put(f"{N}/agents/{dhcp['id']}", headers=as_admin, json={"agent": {"admin_state_up": False}})
    try:
        assert client.get(f"{N}/ports/{port['id']}", headers=as_demo).json()["port"]["status"] == "DOWN"
        router_port = create(client, as_demo, "ports", network_id=net["id"], device_id="r", device_owner="network:x")
        assert router_port["status"] == "ACTIVE"  # only a server's port waits for its address
    finally:
        client.put(f"{N}/agents/{dhcp['id']}", headers=as_admin, json={"agent": {"admin_state_up": True}})
    assert client.get(f"{N}/ports/{port['id']}", headers=as_demo).json()["port"]["status"] == "ACTIVE"


def test_availability_zones_of_the_agents(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """`GET /availability_zones` (openstacksdk's `network.availability_zones()`, any member): the DHCP and L3
    agents' zone, per resource; a zone whose only agent of a kind is disabled is `unavailable`."""
    r = client.get(f"{N}/availability_zones", headers=as_demo)
    assert r.status_code == 200
    assert r.json() == {"availability_zones": [{"name": "nova", "resource": "network", "state": "available"},
                                               {"name": "nova", "resource": "router", "state": "available"}]}
    l3 = client.get(f"{N}/agents", params={"agent_type": "L3 agent"}, headers=as_admin).json()["agents"][0]
    client.put(f"{N}/agents/{l3['id']}", headers=as_admin, json={"agent": {"admin_state_up": False}})
    routers = client.get(f"{N}/availability_zones", params={"resource": "router"}, headers=as_demo).json()
    assert routers == {"availability_zones": [{"name": "nova", "resource": "router", "state": "unavailable"}]}
    extensions = [e["alias"] for e in client.get(f"{N}/extensions", headers=as_demo).json()["extensions"]]
    assert "availability_zone" in extensions


def test_rbac_share_a_network_with_one_project(client: TestClient, cloud: Cloud, as_admin: dict) -> None:
    """access_as_shared to one project: it sees and uses the network (a port, a server on it); a third project
    does not; the share cannot be removed while used, and only the owner sees the policy."""
    (_pa, alice), (pb, bob), (_pc, carol) = students(client, as_admin, "alice", "bob", "carol")
    net, sub = network_with_subnet(client, alice, "10.71.0.0/24", name="alice-net")
    r = client.post(f"{N}/rbac-policies", headers=alice, json={"rbac_policy": {
        "object_type": "network", "object_id": net["id"], "action": "access_as_shared",
        "target_tenant": pb["id"]}})
    assert_network_schema("create_rbac_policy", r)
    policy = r.json()["rbac_policy"]
    assert policy["target_tenant"] == pb["id"] and policy["project_id"] == net["project_id"]
    assert "alice-net" in names(client, bob, "networks")
    assert "alice-net" not in names(client, carol, "networks")
    shown = client.get(f"{N}/networks/{net['id']}", headers=bob).json()["network"]
    assert shown["shared"] is True and shown["subnets"] == [sub["id"]]
    assert client.get(f"{N}/networks/{net['id']}", headers=alice).json()["network"]["shared"] is False
    port = create(client, bob, "ports", network_id=net["id"])
    assert port["fixed_ips"][0]["subnet_id"] == sub["id"] and port["project_id"] == pb["id"]
    denied = client.post(f"{N}/ports", headers=carol, json={"port": {"network_id": net["id"]}})
    assert_neutron_error(denied, 404, "NetworkNotFound")
    server = create_server(client, cloud, bob, "bob-vm", networks=[{"uuid": net["id"]}])
    assert list(server["addresses"]) == ["alice-net"]
    refused = client.post(f"{API}/servers", headers=carol, json={"server": {
        "name": "c", "flavorRef": "1", "imageRef": image_id(client, cloud, carol), "networks": [{"uuid": net["id"]}]}})
    assert refused.status_code == 400, refused.text
    client.delete(f"{API}/servers/{server['id']}", headers=bob)
    cloud.worker.run_due()
    assert client.get(f"{N}/rbac-policies", headers=bob).json()["rbac_policies"] == []
    in_use = client.delete(f"{N}/rbac-policies/{policy['id']}", headers=alice)
    assert_neutron_error(in_use, 409, "RbacPolicyInUse")
    client.delete(f"{N}/ports/{port['id']}", headers=bob)
    assert client.delete(f"{N}/rbac-policies/{policy['id']}", headers=alice).status_code == 204
    assert "alice-net" not in names(client, bob, "networks")


def test_rbac_refusals(client: TestClient, as_admin: dict) -> None:
    """A wildcard needs an admin; another's object is refused; a duplicate is 409; a wrong action is 400."""
    (pa, alice), (_pb, bob) = students(client, as_admin, "ann", "ben")
    net = create(client, alice, "networks", name="ann-net")
    body = {"object_type": "network", "object_id": net["id"], "action": "access_as_shared"}
    wildcard = client.post(f"{N}/rbac-policies", headers=alice, json={"rbac_policy": {**body, "target_tenant": "*"}})
    assert_neutron_error(wildcard, 403, "PolicyNotAuthorized")
    theirs = client.post(f"{N}/rbac-policies", headers=bob, json={"rbac_policy": {**body, "target_tenant": pa["id"]}})
    assert_neutron_error(theirs, 400, "InvalidInput")
    group = create(client, alice, "security-groups", name="ann-sg")
    wrong = client.post(f"{N}/rbac-policies", headers=alice, json={"rbac_policy": {
        "object_type": "security_group", "object_id": group["id"], "action": "access_as_external",
        "target_tenant": "x"}})
    assert_neutron_error(wrong, 400, "InvalidActionForType")
    assert client.post(f"{N}/rbac-policies", headers=as_admin,
                       json={"rbac_policy": {**body, "target_tenant": "*"}}).status_code == 201
    again = client.post(f"{N}/rbac-policies", headers=as_admin, json={"rbac_policy": {**body, "target_tenant": "*"}})
    assert_neutron_error(again, 409, "DuplicateRbacPolicy")


def test_rbac_share_a_security_group_and_an_external_network(client: TestClient, as_admin: dict) -> None:
    """A shared group may be given to the target's ports; access_as_external lets it put a router gateway on."""
    (_pa, alice), (pb, bob) = students(client, as_admin, "amy", "bert")
    group = create(client, alice, "security-groups", name="amy-web")
    create(client, alice, "rbac-policies", object_type="security_group", object_id=group["id"],
           action="access_as_shared", target_tenant=pb["id"])
    assert "amy-web" in names(client, bob, "security-groups")
    # `shared` reads as it does for each project (security-groups-shared-filtering), and may be filtered on
    seen = {g["name"]: g["shared"] for g in client.get(f"{N}/security-groups", headers=bob).json()["security_groups"]}
    assert seen == {"amy-web": True, "default": False}
    assert names(client, bob, "security-groups", shared="True") == ["amy-web"]
    assert client.get(f"{N}/security-groups/{group['id']}", headers=alice).json()["security_group"]["shared"] is False
    net, _ = network_with_subnet(client, bob, "10.72.0.0/24", name="bert-net")
    port = create(client, bob, "ports", network_id=net["id"], security_groups=[group["id"]])
    assert port["security_groups"] == [group["id"]]
    ext = create(client, as_admin, "networks", name="ext-for-bert")
    create(client, as_admin, "subnets", network_id=ext["id"], cidr="203.0.113.0/24", ip_version=4)
    create(client, as_admin, "rbac-policies", object_type="network", object_id=ext["id"],
           action="access_as_external", target_tenant=pb["id"])
    seen = client.get(f"{N}/networks/{ext['id']}", headers=bob).json()["network"]
    assert seen["router:external"] is True
    router = create(client, bob, "routers", name="bert-r", external_gateway_info={"network_id": ext["id"]})
    assert router["external_gateway_info"]["external_fixed_ips"][0]["ip_address"].startswith("203.0.113.")


def test_subnet_pools_and_address_scopes(client: TestClient, as_demo: dict, as_admin: dict) -> None:
    """A pool cuts subnets of the asked prefix length, never overlapping; the default pool serves
    use_default_subnetpool; a pool in use is 409; the network shows the pool's address scope."""
    scope = create(client, as_demo, "address-scopes", name="scope4", ip_version=4)
    r = client.post(f"{N}/subnetpools", headers=as_demo, json={"subnetpool": {
        "name": "pool", "prefixes": ["10.90.0.0/16"], "default_prefixlen": 24, "address_scope_id": scope["id"]}})
    assert_network_schema("create_subnetpool", r)
    pool = r.json()["subnetpool"]
    assert (pool["ip_version"], pool["min_prefixlen"], pool["max_prefixlen"]) == (4, 8, 32)
    net = create(client, as_demo, "networks", name="pooled")
    first = create(client, as_demo, "subnets", network_id=net["id"], ip_version=4, subnetpool_id=pool["id"],
                   prefixlen=26)
    second = create(client, as_demo, "subnets", network_id=net["id"], ip_version=4, subnetpool_id=pool["id"])
    assert (first["cidr"], second["cidr"]) == ("10.90.0.0/26", "10.90.1.0/24")
    assert first["subnetpool_id"] == pool["id"]
    shown = client.get(f"{N}/networks/{net['id']}", headers=as_demo).json()["network"]
    assert shown["ipv4_address_scope"] == scope["id"]
    other = create(client, as_demo, "networks", name="pooled2")
    clash = client.post(f"{N}/subnets", headers=as_demo, json={"subnet": {
        "network_id": other["id"], "ip_version": 4, "subnetpool_id": pool["id"], "cidr": "10.90.0.32/27"}})
    assert_neutron_error(clash, 409, "SubnetAllocationError")
    outside = client.post(f"{N}/subnets", headers=as_demo, json={"subnet": {
        "network_id": other["id"], "ip_version": 4, "subnetpool_id": pool["id"], "prefixlen": 4}})
    assert_neutron_error(outside, 400, "IllegalSubnetPoolPrefixBounds")
    assert_neutron_error(client.delete(f"{N}/subnetpools/{pool['id']}", headers=as_demo), 409, "SubnetPoolInUse")
    assert_neutron_error(client.delete(f"{N}/address-scopes/{scope['id']}", headers=as_demo), 409,
                         "AddressScopeInUse")
    no_default = client.post(f"{N}/subnets", headers=as_demo, json={"subnet": {
        "network_id": other["id"], "ip_version": 4, "use_default_subnetpool": True}})
    assert_neutron_error(no_default, 400, "BadRequest")
    denied = client.post(f"{N}/subnetpools", headers=as_demo, json={"subnetpool": {
        "name": "d", "prefixes": ["10.91.0.0/16"], "is_default": True}})
    assert_neutron_error(denied, 403, "PolicyNotAuthorized")
    default = create(client, as_admin, "subnetpools", name="default4", prefixes=["10.92.0.0/16"],
                     default_prefixlen=28, is_default=True, shared=True)
    auto = create(client, as_demo, "subnets", network_id=other["id"], ip_version=4, use_default_subnetpool=True)
    assert auto["cidr"] == "10.92.0.0/28" and auto["subnetpool_id"] == default["id"]
    grown = client.put(f"{N}/subnetpools/{pool['id']}", headers=as_demo,
                       json={"subnetpool": {"prefixes": ["10.90.0.0/16", "10.95.0.0/16"]}})
    assert grown.json()["subnetpool"]["prefixes"] == ["10.90.0.0/16", "10.95.0.0/16"]


def test_port_binding_attributes_for_admins(client: TestClient, cloud: Cloud, as_demo: dict,
                                             as_admin: dict) -> None:
    """Admins read binding:host_id/vif_type/vif_details/profile; members only binding:vnic_type; a device's
    port is bound on the lab's host, a bare one is unbound; only admins set the host."""
    net, _ = network_with_subnet(client, as_demo, "10.73.0.0/24")
    bare = create(client, as_demo, "ports", network_id=net["id"])
    assert bare["binding:vnic_type"] == "normal" and "binding:host_id" not in bare
    seen = client.get(f"{N}/ports/{bare['id']}", headers=as_admin).json()["port"]
    assert (seen["binding:host_id"], seen["binding:vif_type"]) == ("", "unbound")
    host = cloud.network.host
    r = client.put(f"{N}/ports/{bare['id']}", headers=as_admin, json={"port": {"binding:host_id": host}})
    assert_network_schema("update_port", r)
    bound = r.json()["port"]
    assert (bound["binding:host_id"], bound["binding:vif_type"]) == (host, "bridge")
    assert bound["binding:vif_details"] == {"connectivity": "l2", "port_filter": True}
    denied = client.put(f"{N}/ports/{bare['id']}", headers=as_demo, json={"port": {"binding:host_id": "x"}})
    assert_neutron_error(denied, 403, "PolicyNotAuthorized")
    direct = create(client, as_demo, "ports", network_id=net["id"], device_owner="compute:nova", device_id="vm",
                    **{"binding:vnic_type": "direct"})
    seen = client.get(f"{N}/ports/{direct['id']}", headers=as_admin).json()["port"]
    assert seen["binding:vif_type"] == "binding_failed"  # the Linux bridge driver binds normal vNICs only


def test_network_ip_availability(client: TestClient, as_demo: dict, as_admin: dict) -> None:
    """A /28 holds 13 pool addresses; the DHCP port and one more port use two; members may not ask."""
    net, sub = network_with_subnet(client, as_demo, "10.74.0.0/28", name="small")
    create(client, as_demo, "ports", network_id=net["id"])
    r = client.get(f"{N}/network-ip-availabilities/{net['id']}", headers=as_admin)
    assert_network_schema("show_network_ip_availability", r)
    body = r.json()["network_ip_availability"]
    assert (body["total_ips"], body["used_ips"], body["network_name"]) == (13, 2, "small")
    assert body["subnet_ip_availability"][0]["subnet_id"] == sub["id"]
    listed = client.get(f"{N}/network-ip-availabilities", params={"network_name": "small"}, headers=as_admin)
    assert_network_schema("list_network_ip_availabilities", listed)
    assert [n["network_id"] for n in listed.json()["network_ip_availabilities"]] == [net["id"]]
    denied = client.get(f"{N}/network-ip-availabilities", headers=as_demo)
    assert_neutron_error(denied, 403, "PolicyNotAuthorized")


def test_tags_on_subnet_pools(client: TestClient, as_demo: dict) -> None:
    pool = create(client, as_demo, "subnetpools", name="tagged", prefixes=["10.96.0.0/16"])
    assert client.put(f"{N}/subnetpools/{pool['id']}/tags/blue", headers=as_demo).status_code == 201
    listed = client.get(f"{N}/subnetpools", params={"tags": "blue"}, headers=as_demo).json()["subnetpools"]
    assert [p["id"] for p in listed] == [pool["id"]]


def test_reset_purges_rbac_policies_and_pools(client: TestClient, cloud: Cloud, as_admin: dict) -> None:
    """A student reset removes the project's RBAC policies, subnet pools and address scopes, and the ports
    another project put on its shared network."""
    from lab.cloud.plugin import Purge

    (pa, alice), (pb, bob) = students(client, as_admin, "ada", "bo")
    net, _ = network_with_subnet(client, alice, "10.75.0.0/24", name="ada-net")
    create(client, alice, "rbac-policies", object_type="network", object_id=net["id"],
           action="access_as_shared", target_tenant=pb["id"])
    create(client, bob, "ports", network_id=net["id"])
    scope = create(client, alice, "address-scopes", name="ada-scope", ip_version=4)
    create(client, alice, "subnetpools", name="ada-pool", prefixes=["10.76.0.0/16"], address_scope_id=scope["id"])
    with cloud.db.write() as db:
        purge = Purge(db=db, now=cloud.clock.now(), project_id=pa["id"], user_ids=[])
        cloud.network.purge_project(purge)
    assert purge.removed["rbac_policies"] == 0  # went with the network
    assert (purge.removed["subnet_pools"], purge.removed["address_scopes"]) == (1, 1)
    with cloud.db.read() as db:
        assert not any(cloud.network.holdings(db, pa["id"], []).values())
    assert client.get(f"{N}/ports", headers=bob).json()["ports"] == []
    assert public_network(client, bob)["name"] == "public"


def test_schedule_a_network_onto_the_dhcp_agent(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """tempest's test_add_remove_network_from_dhcp_agent: a network without DHCP is added to the DHCP agent by
    hand (201, null body) and removed again (204); twice is Neutron's 409; a member may not."""
    dhcp = client.get(f"{N}/agents", params={"agent_type": "DHCP agent"}, headers=as_admin).json()["agents"][0]
    net = create(client, as_demo, "networks", name="scheduled")
    url = f"{N}/agents/{dhcp['id']}/dhcp-networks"

    def hosted() -> bool:
        return net["id"] in [n["id"] for n in client.get(url, headers=as_admin).json()["networks"]]

    assert not hosted()
    r = client.post(url, headers=as_admin, json={"network_id": net["id"]})
    assert r.status_code == 201 and r.json() is None
    assert hosted()
    hosting = client.get(f"{N}/networks/{net['id']}/dhcp-agents", headers=as_admin).json()["agents"]
    assert [a["id"] for a in hosting] == [dhcp["id"]]
    assert_neutron_error(client.post(url, headers=as_admin, json={"network_id": net["id"]}), 409,
                         "NetworkHostedByDHCPAgent")
    assert_neutron_error(client.post(url, headers=as_demo, json={"network_id": net["id"]}), 403,
                         "PolicyNotAuthorized")
    assert client.delete(f"{url}/{net['id']}", headers=as_admin).status_code == 204
    assert not hosted()
    assert_neutron_error(client.delete(f"{url}/{net['id']}", headers=as_admin), 409, "NetworkNotHostedByDhcpAgent")
    l3 = client.get(f"{N}/agents", params={"agent_type": "L3 agent"}, headers=as_admin).json()["agents"][0]
    wrong = client.post(f"{N}/agents/{l3['id']}/dhcp-networks", headers=as_admin, json={"network_id": net["id"]})
    assert_neutron_error(wrong, 400, "InvalidDHCPAgent")
    assert_neutron_error(client.post(url, headers=as_admin, json={"network_id": "nope"}), 404, "NetworkNotFound")


def test_agent_type_filter_ignores_case(client: TestClient, as_admin: dict) -> None:
    """`?agent_type=DHCP Agent` finds the DHCP agent, as Neutron on MySQL answers it (tempest asks so)."""
    found = client.get(f"{N}/agents", params={"agent_type": "DHCP Agent"}, headers=as_admin).json()["agents"]
    assert [a["agent_type"] for a in found] == ["DHCP agent"]


def test_extra_dhcp_options(client: TestClient, as_demo: dict) -> None:
    """extra_dhcp_opt: kept on create, an update changes, adds and (with a null value) removes options by name
    and IP version; a bad option is Neutron's 400."""
    net, _ = network_with_subnet(client, as_demo, "10.73.0.0/24", name="pxe-net")
    opts = [{"opt_name": "bootfile-name", "opt_value": "pxelinux.0"},
            {"opt_name": "tftp-server", "opt_value": "10.73.0.9", "ip_version": 4}]
    port = create(client, as_demo, "ports", network_id=net["id"], extra_dhcp_opts=opts)
    assert port["extra_dhcp_opts"] == [{"opt_name": "bootfile-name", "opt_value": "pxelinux.0", "ip_version": 4},
                                       {"opt_name": "tftp-server", "opt_value": "10.73.0.9", "ip_version": 4}]
    r = client.put(f"{N}/ports/{port['id']}", headers=as_demo, json={"port": {"extra_dhcp_opts": [
        {"opt_name": "bootfile-name", "opt_value": None}, {"opt_name": "tftp-server", "opt_value": "10.73.0.10"},
        {"opt_name": "router", "opt_value": ""}]}})
    assert r.status_code == 200
    shown = client.get(f"{N}/ports/{port['id']}", headers=as_demo).json()["port"]["extra_dhcp_opts"]
    assert shown == [{"opt_name": "router", "opt_value": "", "ip_version": 4},
                     {"opt_name": "tftp-server", "opt_value": "10.73.0.10", "ip_version": 4}]
    for bad in ([{"opt_name": "tftp-server"}], [{"opt_name": "mtu", "opt_value": ""}],
                [{"opt_name": "mtu", "opt_value": "1400", "ip_version": 5}], "bootfile-name"):
        r = client.put(f"{N}/ports/{port['id']}", json={"port": {"extra_dhcp_opts": bad}}, headers=as_demo)
        assert_neutron_error(r, 400, "HTTPBadRequest")


def test_ports_filtered_by_ip_address_substring(client: TestClient, as_demo: dict) -> None:
    """ip-substring-filtering: `fixed_ips=ip_address_substr=` matches part of an address."""
    net, sub = network_with_subnet(client, as_demo, "10.74.0.0/24", name="substr-net")
    a = create(client, as_demo, "ports", network_id=net["id"], fixed_ips=[{"ip_address": "10.74.0.123"}])
    create(client, as_demo, "ports", network_id=net["id"], fixed_ips=[{"ip_address": "10.74.0.45"}])
    found = client.get(f"{N}/ports", params={"fixed_ips": "ip_address_substr=0.12"}, headers=as_demo).json()
    assert [p["id"] for p in found["ports"]] == [a["id"]]
