"""Neutron routers: gateway with the SNAT address, interfaces by subnet and by port, `router show`'s ports
lookup, static routes, and the in-use errors on delete and interface removal."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.events import Event
from tests.cloud.network_helpers import N, assert_neutron_error, create, network_with_subnet, public_network


def test_bootstrap_router1_like_devstack(client: TestClient, as_demo: dict) -> None:
    routers = client.get(f"{N}/routers", headers=as_demo).json()["routers"]
    assert [r["name"] for r in routers] == ["router1"]
    gw = routers[0]["external_gateway_info"]
    assert gw["network_id"] == public_network(client, as_demo)["id"] and gw["enable_snat"] is True
    assert gw["external_fixed_ips"][0]["ip_address"].startswith("172.24.4.")
    ports = client.get(f"{N}/ports", params={"device_id": routers[0]["id"]}, headers=as_demo).json()["ports"]
    assert [p["fixed_ips"][0]["ip_address"] for p in ports] == ["10.0.0.1"]


def test_gateway_interfaces_and_cleanup(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """The issue's story: router create, add subnet, set gateway, remove subnet, delete; events recorded."""
    _net, sub = network_with_subnet(client, as_demo, "10.40.0.0/24")
    router = create(client, as_demo, "routers", name="r1")
    assert router["external_gateway_info"] is None and router["routes"] == []
    r = client.put(f"{N}/routers/{router['id']}/add_router_interface", json={"subnet_id": sub["id"]},
                   headers=as_demo)
    assert r.status_code == 200
    info = r.json()
    assert info["id"] == router["id"] and info["subnet_id"] == sub["id"] and info["subnet_ids"] == [sub["id"]]
    port = client.get(f"{N}/ports/{info['port_id']}", headers=as_demo).json()["port"]
    assert port["device_owner"] == "network:router_interface" and port["fixed_ips"][0]["ip_address"] == "10.40.0.1"
    public = public_network(client, as_demo)
    r = client.put(f"{N}/routers/{router['id']}", json={"router": {"external_gateway_info": {
        "network_id": public["id"]}}}, headers=as_demo)
    assert r.status_code == 200
    snat = r.json()["router"]["external_gateway_info"]["external_fixed_ips"][0]["ip_address"]
    assert snat.startswith("172.24.4.")
    r = client.delete(f"{N}/routers/{router['id']}", headers=as_demo)
    assert_neutron_error(r, 409, "RouterInUse", f"Router {router['id']} still has ports")
    r = client.put(f"{N}/routers/{router['id']}/remove_router_interface", json={"subnet_id": sub["id"]},
                   headers=as_demo)
    assert r.status_code == 200 and r.json()["port_id"] == info["port_id"]
    assert client.delete(f"{N}/routers/{router['id']}", headers=as_demo).status_code == 204
    gw_ports = client.get(f"{N}/ports", params={"fixed_ips": f"ip_address={snat}"}, headers=as_demo).json()
    assert gw_ports["ports"] == []
    with cloud.db.read() as db:
        actions = [e.action for e in db.query(Event).filter(Event.resource_id == router["id"]).order_by(Event.id)]
    assert actions == ["create", "delete"]


def test_interface_by_port(client: TestClient, as_demo: dict) -> None:
    net, _sub = network_with_subnet(client, as_demo, "10.41.0.0/24")
    port = create(client, as_demo, "ports", network_id=net["id"])
    router = create(client, as_demo, "routers", name="r")
    r = client.put(f"{N}/routers/{router['id']}/add_router_interface", json={"port_id": port["id"]},
                   headers=as_demo)
    assert r.status_code == 200 and r.json()["port_id"] == port["id"]
    shown = client.get(f"{N}/ports/{port['id']}", headers=as_demo).json()["port"]
    assert shown["device_id"] == router["id"] and shown["device_owner"] == "network:router_interface"
    r = client.put(f"{N}/routers/{router['id']}/remove_router_interface", json={"port_id": port["id"]},
                   headers=as_demo)
    assert r.status_code == 200
    assert_neutron_error(client.get(f"{N}/ports/{port['id']}", headers=as_demo), 404, "PortNotFound")


def test_bad_interface_requests(client: TestClient, as_demo: dict) -> None:
    _net, sub = network_with_subnet(client, as_demo, "10.42.0.0/24")
    _net2, overlap = network_with_subnet(client, as_demo, "10.42.0.0/25", name="net2")
    router = create(client, as_demo, "routers", name="r")
    url = f"{N}/routers/{router['id']}"
    assert_neutron_error(client.put(f"{url}/add_router_interface", json={}, headers=as_demo), 400, "BadRequest",
                         "Bad router request: Either subnet_id or port_id must be specified.")
    client.put(f"{url}/add_router_interface", json={"subnet_id": sub["id"]}, headers=as_demo)
    assert_neutron_error(client.put(f"{url}/add_router_interface", json={"subnet_id": sub["id"]}, headers=as_demo),
                         400, "BadRequest", f"Bad router request: Router already has a port on subnet {sub['id']}.")
    r = client.put(f"{url}/add_router_interface", json={"subnet_id": overlap["id"]}, headers=as_demo)
    assert_neutron_error(r, 400, "BadRequest", f"Bad router request: Cidr 10.42.0.0/25 of subnet {overlap['id']} "
                                               f"overlaps with cidr 10.42.0.0/24 of subnet {sub['id']}.")
    r = client.put(f"{url}/remove_router_interface", json={"subnet_id": overlap["id"]}, headers=as_demo)
    assert_neutron_error(r, 404, "RouterInterfaceNotFoundForSubnet",
                         f"Router {router['id']} has no interface on subnet {overlap['id']}")
    ports = client.get(f"{N}/ports", params={"device_id": router["id"]}, headers=as_demo).json()["ports"]
    assert len(ports) == 1


def test_gateway_on_non_external_network_is_400(client: TestClient, as_demo: dict) -> None:
    net, _sub = network_with_subnet(client, as_demo, "10.43.0.0/24")
    router = create(client, as_demo, "routers", name="r")
    r = client.put(f"{N}/routers/{router['id']}", json={"router": {"external_gateway_info": {
        "network_id": net["id"]}}}, headers=as_demo)
    assert_neutron_error(r, 400, "BadRequest", f"Bad router request: Network {net['id']} is not an external network.")
    shown = client.get(f"{N}/routers/{router['id']}", headers=as_demo).json()["router"]
    assert shown["external_gateway_info"] is None


def test_static_routes(client: TestClient, as_demo: dict) -> None:
    _net, sub = network_with_subnet(client, as_demo, "10.44.0.0/24")
    router = create(client, as_demo, "routers", name="r")
    client.put(f"{N}/routers/{router['id']}/add_router_interface", json={"subnet_id": sub["id"]}, headers=as_demo)
    routes = [{"destination": "10.99.0.0/16", "nexthop": "10.44.0.9"}]
    r = client.put(f"{N}/routers/{router['id']}", json={"router": {"routes": routes}}, headers=as_demo)
    assert r.json()["router"]["routes"] == routes
    r = client.put(f"{N}/routers/{router['id']}", json={"router": {"routes": [
        {"destination": "10.98.0.0/16", "nexthop": "192.168.77.1"}]}}, headers=as_demo)
    assert_neutron_error(r, 400, "InvalidRoutes")
    r = client.put(f"{N}/routers/{router['id']}/remove_router_interface", json={"subnet_id": sub["id"]},
                   headers=as_demo)
    assert_neutron_error(r, 409, "RouterInterfaceInUseByRoute")
    r = client.put(f"{N}/routers/{router['id']}/add_extraroutes", json={"router": {"routes": [
        {"destination": "10.97.0.0/16", "nexthop": "10.44.0.9"}]}}, headers=as_demo)
    assert len(r.json()["router"]["routes"]) == 2
    r = client.put(f"{N}/routers/{router['id']}/remove_extraroutes", json={"router": {"routes": routes}},
                   headers=as_demo)
    assert r.json()["router"]["routes"] == [{"destination": "10.97.0.0/16", "nexthop": "10.44.0.9"}]


def test_other_projects_router_is_404(client: TestClient, as_demo: dict, as_admin: dict) -> None:
    router = create(client, as_admin, "routers", name="admins")
    assert_neutron_error(client.get(f"{N}/routers/{router['id']}", headers=as_demo), 404, "RouterNotFound",
                         f"Router {router['id']} could not be found")


def test_interface_ids_of_the_wrong_type_are_a_400(client: TestClient, as_demo: dict) -> None:
    """A port or subnet id that is an object or a list is Neutron's 400, and changes nothing; a number is looked
    up like any id (404)."""
    router = client.get(f"{N}/routers", params={"name": "router1"}, headers=as_demo).json()["routers"][0]
    for action in ("add_router_interface", "remove_router_interface"):
        for body in ({"port_id": {"a": 1}}, {"subnet_id": ["x"]}, {"port_id": True}):
            r = client.put(f"{N}/routers/{router['id']}/{action}", json=body, headers=as_demo)
            assert_neutron_error(r, 400, "HTTPBadRequest")
        r = client.put(f"{N}/routers/{router['id']}/{action}", json={"port_id": 5}, headers=as_demo)
        assert r.status_code == 404
    after = client.get(f"{N}/routers/{router['id']}", headers=as_demo).json()["router"]
    assert after["revision_number"] == router["revision_number"]
