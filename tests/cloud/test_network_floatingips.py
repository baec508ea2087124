"""Neutron floating IPs: allocation from the external network, association with a port's fixed IP through a
router, status, errors when the port cannot reach the external network, events for billing."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.events import Event
from tests.cloud.network_helpers import N, assert_neutron_error, create, network_with_subnet, public_network


def _private_port(client: TestClient, headers: dict) -> dict:
    private = client.get(f"{N}/networks", params={"name": "private"}, headers=headers).json()["networks"][0]
    return create(client, headers, "ports", network_id=private["id"], device_id="vm", device_owner="compute:nova")


def test_allocate_associate_disassociate_release(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    public = public_network(client, as_demo)
    fip = create(client, as_demo, "floatingips", floating_network_id=public["id"])
    assert fip["status"] == "DOWN" and fip["port_id"] is None and fip["router_id"] is None
    assert fip["floating_ip_address"].startswith("172.24.4.")
    port = _private_port(client, as_demo)
    r = client.put(f"{N}/floatingips/{fip['id']}", json={"floatingip": {"port_id": port["id"]}}, headers=as_demo)
    assert r.status_code == 200, r.text
    body = r.json()["floatingip"]
    router1 = client.get(f"{N}/routers", params={"name": "router1"}, headers=as_demo).json()["routers"][0]
    assert body["status"] == "ACTIVE" and body["port_id"] == port["id"] and body["router_id"] == router1["id"]
    assert body["fixed_ip_address"] == port["fixed_ips"][0]["ip_address"]
    r = client.put(f"{N}/floatingips/{fip['id']}", json={"floatingip": {"port_id": None}}, headers=as_demo)
    body = r.json()["floatingip"]
    assert body["status"] == "DOWN" and body["port_id"] is None and body["fixed_ip_address"] is None
    assert client.delete(f"{N}/floatingips/{fip['id']}", headers=as_demo).status_code == 204
    assert_neutron_error(client.get(f"{N}/floatingips/{fip['id']}", headers=as_demo), 404, "FloatingIPNotFound")
    with cloud.db.read() as db:
        actions = [e.action for e in db.query(Event).filter(Event.resource_id == fip["id"]).order_by(Event.id)]
    assert actions == ["create", "associate", "disassociate", "delete"]


def test_create_with_port_and_lookup_by_address_is_404(client: TestClient, as_demo: dict) -> None:
    public = public_network(client, as_demo)
    port = _private_port(client, as_demo)
    fip = create(client, as_demo, "floatingips", floating_network_id=public["id"], port_id=port["id"])
    assert fip["status"] == "ACTIVE" and fip["fixed_ip_address"] == port["fixed_ips"][0]["ip_address"]
    r = client.get(f"{N}/floatingips/{fip['floating_ip_address']}", headers=as_demo)
    assert_neutron_error(r, 404, "FloatingIPNotFound")  # gotcha 18: the CLI then lists and matches
    r = client.get(f"{N}/floatingips", params={"floating_ip_address": fip["floating_ip_address"]}, headers=as_demo)
    assert [f["id"] for f in r.json()["floatingips"]] == [fip["id"]]


def test_port_without_router_to_external_is_404(client: TestClient, as_demo: dict) -> None:
    public = public_network(client, as_demo)
    net, sub = network_with_subnet(client, as_demo, "10.50.0.0/24")
    port = create(client, as_demo, "ports", network_id=net["id"])
    fip = create(client, as_demo, "floatingips", floating_network_id=public["id"])
    r = client.put(f"{N}/floatingips/{fip['id']}", json={"floatingip": {"port_id": port["id"]}}, headers=as_demo)
    assert_neutron_error(r, 404, "ExternalGatewayForFloatingIPNotFound",
                         f"External network {public['id']} is not reachable from subnet {sub['id']}.  Therefore, "
                         f"cannot associate Port {port['id']} with a Floating IP.")
    shown = client.get(f"{N}/floatingips/{fip['id']}", headers=as_demo).json()["floatingip"]
    assert shown["port_id"] is None and shown["status"] == "DOWN"


def test_non_external_or_unknown_network(client: TestClient, as_demo: dict) -> None:
    net, _sub = network_with_subnet(client, as_demo, "10.51.0.0/24")
    r = client.post(f"{N}/floatingips", json={"floatingip": {"floating_network_id": net["id"]}}, headers=as_demo)
    assert_neutron_error(r, 400, "BadRequest",
                         f"Bad floatingip request: Network {net['id']} is not a valid external network.")
    r = client.post(f"{N}/floatingips", json={"floatingip": {"floating_network_id": "nope"}}, headers=as_demo)
    assert_neutron_error(r, 404, "NetworkNotFound")
    assert client.get(f"{N}/floatingips", headers=as_demo).json()["floatingips"] == []


def test_wrong_fixed_ip_and_router_interface_in_use(client: TestClient, as_demo: dict) -> None:
    public = public_network(client, as_demo)
    port = _private_port(client, as_demo)
    fip = create(client, as_demo, "floatingips", floating_network_id=public["id"])
    r = client.put(f"{N}/floatingips/{fip['id']}", json={"floatingip": {
        "port_id": port["id"], "fixed_ip_address": "10.0.0.60"}}, headers=as_demo)
    assert_neutron_error(r, 400, "BadRequest",
                         f"Bad floatingip request: Port {port['id']} does not have fixed ip 10.0.0.60.")
    client.put(f"{N}/floatingips/{fip['id']}", json={"floatingip": {"port_id": port["id"]}}, headers=as_demo)
    router1 = client.get(f"{N}/routers", params={"name": "router1"}, headers=as_demo).json()["routers"][0]
    sub = port["fixed_ips"][0]["subnet_id"]
    r = client.put(f"{N}/routers/{router1['id']}/remove_router_interface", json={"subnet_id": sub}, headers=as_demo)
    assert_neutron_error(r, 409, "RouterInterfaceInUseByFloatingIP")
    r = client.put(f"{N}/routers/{router1['id']}", json={"router": {"external_gateway_info": {}}}, headers=as_demo)
    assert_neutron_error(r, 409, "RouterExternalGatewayInUseByFloatingIp")


def test_deleting_the_port_disassociates(client: TestClient, as_demo: dict) -> None:
    public = public_network(client, as_demo)
    port = _private_port(client, as_demo)
    fip = create(client, as_demo, "floatingips", floating_network_id=public["id"], port_id=port["id"])
    assert client.delete(f"{N}/ports/{port['id']}", headers=as_demo).status_code == 204
    shown = client.get(f"{N}/floatingips/{fip['id']}", headers=as_demo).json()["floatingip"]
    assert shown["port_id"] is None and shown["status"] == "DOWN" and shown["router_id"] is None
