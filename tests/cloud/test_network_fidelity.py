"""Issue 27's networking fidelity bugs, each a request an upstream suite sends (openstacksdk's and OSC's
functional tests, the Ansible collection), answered as Neutron (and, for a server's security groups, Nova)
answers it."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.compute_support import API, create_server, image_id
from tests.cloud.network_helpers import N, assert_neutron_error, create, network_with_subnet, public_network
from tests.cloud.volume_support import project_of


def test_cidr_with_host_bits_is_stored_as_the_network(client: TestClient, as_demo: dict) -> None:
    """SDK compute TestServer's setUp: `cidr: 10.99.99.0/16` is accepted and stored as 10.99.0.0/16."""
    net = create(client, as_demo, "networks", name="sdk-net")
    sub = create(client, as_demo, "subnets", name="sdk-sub", network_id=net["id"], ip_version=4,
                 cidr="10.99.99.0/16")
    assert sub["cidr"] == "10.99.0.0/16" and sub["gateway_ip"] == "10.99.0.1"
    assert sub["allocation_pools"] == [{"start": "10.99.0.2", "end": "10.99.255.254"}]


def test_port_with_security_groups_on_a_network_without_subnets(client: TestClient, as_demo: dict) -> None:
    """OSC test_port_set_sg: a port with groups on a subnet-less network is made (201), with no address."""
    net = create(client, as_demo, "networks", name="bare")
    group = create(client, as_demo, "security-groups", name="sg-bare")
    port = create(client, as_demo, "ports", network_id=net["id"], security_groups=[group["id"]])
    assert port["fixed_ips"] == [] and port["security_groups"] == [group["id"]]
    off = client.post(f"{N}/ports", headers=as_demo, json={"port": {
        "network_id": net["id"], "port_security_enabled": False, "security_groups": [group["id"]]}})
    assert_neutron_error(off, 400, "PortSecurityAndIPRequiredForSecurityGroups")


def test_any_unicast_or_multicast_mac_is_accepted(client: TestClient, as_demo: dict, as_admin: dict) -> None:
    """OSC test_port_set: `mac_address 11:22:33:44:55:66`; only all-zero and broadcast are refused, in use 409."""
    net, _ = network_with_subnet(client, as_demo, "10.61.0.0/24")
    port = create(client, as_demo, "ports", network_id=net["id"])
    r = client.put(f"{N}/ports/{port['id']}", headers=as_admin, json={"port": {"mac_address": "11:22:33:44:55:66"}})
    assert r.status_code == 200, r.text
    assert r.json()["port"]["mac_address"] == "11:22:33:44:55:66"
    for bad in ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "11:22:33"):
        r = client.put(f"{N}/ports/{port['id']}", headers=as_admin, json={"port": {"mac_address": bad}})
        assert_neutron_error(r, 400, "HTTPBadRequest",
                             f"Invalid input for mac_address. Reason: '{bad}' is not a valid MAC address.")
    other = create(client, as_demo, "ports", network_id=net["id"])
    r = client.put(f"{N}/ports/{other['id']}", headers=as_admin, json={"port": {"mac_address": "11:22:33:44:55:66"}})
    assert_neutron_error(r, 409, "MacAddressInUse")


def test_gateway_outside_the_cidr_is_allowed(client: TestClient, as_demo: dict) -> None:
    """`subnet set --gateway` to an address outside the CIDR: Neutron allows it (it only logs a warning)."""
    _, sub = network_with_subnet(client, as_demo, "10.62.0.0/24")
    r = client.put(f"{N}/subnets/{sub['id']}", headers=as_demo, json={"subnet": {"gateway_ip": "10.62.1.1"}})
    assert r.status_code == 200, r.text
    assert r.json()["subnet"]["gateway_ip"] == "10.62.1.1"
    r = client.put(f"{N}/subnets/{sub['id']}", headers=as_demo, json={"subnet": {"gateway_ip": "10.62.0.255"}})
    assert_neutron_error(r, 400, "InvalidInput", "Invalid input for operation: Gateway is not valid on subnet.")


def test_router_gateway_on_an_external_network_without_subnets(client: TestClient, as_admin: dict) -> None:
    """OSC test_router_set_gateway: a gateway on a subnet-less external network is 201, no external_fixed_ips."""
    ext = create(client, as_admin, "networks", name="ext-bare", **{"router:external": True})
    router = create(client, as_admin, "routers", name="r-bare", external_gateway_info={"network_id": ext["id"]})
    assert router["external_gateway_info"] == {"network_id": ext["id"], "enable_snat": True,
                                               "external_fixed_ips": []}


def test_floating_ip_port_details_after_association(client: TestClient, as_demo: dict) -> None:
    """SDK TestFloatingIP: `port_details` names the associated port's attributes; null when unassociated."""
    public = public_network(client, as_demo)
    net, sub = network_with_subnet(client, as_demo, "10.63.0.0/24")
    router = create(client, as_demo, "routers", name="fip-r", external_gateway_info={"network_id": public["id"]})
    client.put(f"{N}/routers/{router['id']}/add_router_interface", headers=as_demo, json={"subnet_id": sub["id"]})
    port = create(client, as_demo, "ports", network_id=net["id"], name="fip-port", device_id="vm-1",
                  device_owner="compute:nova")
    fip = create(client, as_demo, "floatingips", floating_network_id=public["id"])
    assert fip["port_details"] is None
    r = client.put(f"{N}/floatingips/{fip['id']}", headers=as_demo, json={"floatingip": {"port_id": port["id"]}})
    assert r.json()["floatingip"]["port_details"] == {
        "name": "fip-port", "network_id": net["id"], "mac_address": port["mac_address"], "admin_state_up": True,
        "status": "ACTIVE", "device_id": "vm-1", "device_owner": "compute:nova"}


def test_service_providers_answer(client: TestClient, as_demo: dict) -> None:
    """openstacksdk's project_cleanup asks `service-providers?service_type=VPN` first: an empty list, not 404."""
    r = client.get(f"{N}/service-providers", params={"service_type": "VPN"}, headers=as_demo)
    assert r.status_code == 200 and r.json() == {"service_providers": []}


def test_every_collection_project_cleanup_lists_answers(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """openstacksdk's project_cleanup (issue 27 #11) lists these as a project member before deleting anything,
    and aborts at the first error: each answers 200, an empty list where the project has none of that kind."""
    project = project_of(cloud, as_demo)
    probes = {
        f"{API}/servers/detail": "servers", f"{API}/os-server-groups": "server_groups",
        f"/volume/v3/{project}/backups": "backups", f"/volume/v3/{project}/backups/detail": "backups",
        f"/volume/v3/{project}/snapshots": "snapshots", f"/volume/v3/{project}/volumes/detail": "volumes",
        f"{N}/service-providers?service_type=VPN": "service_providers",
        f"{N}/floatingips?project_id={project}": "floatingips",
        f"{N}/security-groups?project_id={project}": "security_groups",
        f"{N}/networks?project_id={project}": "networks", f"{N}/routers?project_id={project}": "routers",
        f"/image/v2/images?owner={project}": "images",
    }
    for url, key in probes.items():
        r = client.get(url, headers=as_demo)
        assert r.status_code == 200, (url, r.text)
        assert isinstance(r.json()[key], list), url
    assert client.get(f"{API}/os-server-groups", headers=as_demo).json()["server_groups"] == []


def test_an_absent_extension_is_404(client: TestClient, as_demo: dict) -> None:
    """Clients decide from the status whether an extension exists: Neutron without it answers 404, not 405."""
    r = client.post(f"{N}/fw/firewall_groups", headers=as_demo, json={"firewall_group": {"name": "fw"}})
    assert_neutron_error(r, 404, "HTTPNotFound")


def test_server_create_answers_the_groups_as_requested(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """OSC test_server_create_with_security_group: one group by id and one by name come back as sent."""
    web = create(client, as_demo, "security-groups", name="web-27")
    body = {"server": {"name": "sg-vm", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo),
                       "security_groups": [{"name": web["id"]}, {"name": "default"}]}}
    r = client.post(f"{API}/servers", json=body, headers=as_demo)
    assert r.status_code == 202, r.text
    assert r.json()["server"]["security_groups"] == [{"name": web["id"]}, {"name": "default"}]
    plain = client.post(f"{API}/servers", headers=as_demo, json={"server": {
        "name": "plain", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo)}})
    assert plain.json()["server"]["security_groups"] == [{"name": "default"}]


def test_server_os_security_groups(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """The Ansible `server` module's re-run: GET /servers/{id}/os-security-groups lists groups with rules."""
    web = create(client, as_demo, "security-groups", name="web-os")
    create(client, as_demo, "security-group-rules", security_group_id=web["id"], direction="ingress",
           protocol="tcp", port_range_min=22, port_range_max=22, remote_ip_prefix="0.0.0.0/0")
    server = create_server(client, cloud, as_demo, "os-sg", security_groups=[{"name": "web-os"}])
    r = client.get(f"{API}/servers/{server['id']}/os-security-groups", headers=as_demo)
    assert r.status_code == 200, r.text
    groups = r.json()["security_groups"]
    assert [(g["name"], g["tenant_id"]) for g in groups] == [("web-os", web["project_id"])]
    assert groups[0]["rules"] == [{"id": groups[0]["rules"][0]["id"], "parent_group_id": web["id"],
                                   "ip_protocol": "tcp", "from_port": 22, "to_port": 22, "group": {},
                                   "ip_range": {"cidr": "0.0.0.0/0"}}]
    missing = client.get(f"{API}/servers/nope/os-security-groups", headers=as_demo)
    assert missing.status_code == 404


def test_external_network_deleted_with_its_floating_ips(client: TestClient, as_admin: dict) -> None:
    """tempest test_delete_external_networks_with_floating_ip: unassociated floating IPs go with the network."""
    ext = create(client, as_admin, "networks", name="ext-gone", **{"router:external": True})
    create(client, as_admin, "subnets", network_id=ext["id"], cidr="198.51.100.0/24", ip_version=4,
           enable_dhcp=False)
    fip = create(client, as_admin, "floatingips", floating_network_id=ext["id"])
    assert client.delete(f"{N}/networks/{ext['id']}", headers=as_admin).status_code == 204
    assert_neutron_error(client.get(f"{N}/floatingips/{fip['id']}", headers=as_admin), 404, "FloatingIPNotFound")
