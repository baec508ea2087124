"""Neutron ports: MACs, fixed IPs requested or allocated, in-use errors, security groups, allowed address
pairs, device owner rules, and race-free IP allocation under concurrent creates."""

from __future__ import annotations

import ipaddress
import re
import threading
from concurrent.futures import ThreadPoolExecutor

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.errors import CloudError
from tests.cloud.network_helpers import N, assert_neutron_error, create, network_with_subnet


def test_port_gets_mac_ip_and_default_group(client: TestClient, as_demo: dict) -> None:
    net, sub = network_with_subnet(client, as_demo, "10.20.0.0/24")
    port = create(client, as_demo, "ports", network_id=net["id"], name="p1")
    assert re.fullmatch(r"fa:16:3e(:[0-9a-f]{2}){3}", port["mac_address"])
    assert port["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.20.0.3"}]
    groups = client.get(f"{N}/security-groups", params={"name": "default"}, headers=as_demo).json()
    assert port["security_groups"] == [groups["security_groups"][0]["id"]]
    assert port["status"] == "DOWN" and port["device_owner"] == "" and port["port_security_enabled"] is True
    assert port["allowed_address_pairs"] == []


def test_requested_fixed_ip_and_in_use(client: TestClient, as_demo: dict) -> None:
    net, sub = network_with_subnet(client, as_demo, "10.21.0.0/24")
    port = create(client, as_demo, "ports", network_id=net["id"], fixed_ips=[{"ip_address": "10.21.0.50"}])
    assert port["fixed_ips"][0] == {"subnet_id": sub["id"], "ip_address": "10.21.0.50"}
    before = client.get(f"{N}/ports", params={"network_id": net["id"]}, headers=as_demo).json()["ports"]
    r = client.post(f"{N}/ports", json={"port": {"network_id": net["id"], "fixed_ips": [
        {"subnet_id": sub["id"], "ip_address": "10.21.0.50"}]}}, headers=as_demo)
    assert_neutron_error(r, 409, "IpAddressAlreadyAllocated",
                         f"IP address 10.21.0.50 already allocated in subnet {sub['id']}")
    r = client.post(f"{N}/ports", json={"port": {"network_id": net["id"], "fixed_ips": [
        {"ip_address": "10.99.0.5"}]}}, headers=as_demo)
    assert_neutron_error(r, 400, "InvalidIpForNetwork", "IP address 10.99.0.5 is not a valid IP for any of the "
                                                        "subnets on the specified network.")
    r = client.post(f"{N}/ports", json={"port": {"network_id": net["id"], "fixed_ips": [
        {"subnet_id": sub["id"], "ip_address": "10.21.0.255"}]}}, headers=as_demo)
    assert_neutron_error(r, 400, "InvalidIpForSubnet", "IP address 10.21.0.255 is not a valid IP for the specified "
                                                       "subnet.")
    r = client.post(f"{N}/ports", json={"port": {"network_id": net["id"], "fixed_ips": [
        {"ip_address": "10.21.0.1"}]}}, headers=as_demo)
    assert_neutron_error(r, 409, "IpAddressInUse")  # the gateway is reserved for the router
    after = client.get(f"{N}/ports", params={"network_id": net["id"]}, headers=as_demo).json()["ports"]
    assert after == before


def test_mac_in_use(client: TestClient, as_demo: dict) -> None:
    net, _sub = network_with_subnet(client, as_demo, "10.22.0.0/24")
    create(client, as_demo, "ports", network_id=net["id"], mac_address="fa:16:3e:00:00:01")
    r = client.post(f"{N}/ports", json={"port": {"network_id": net["id"], "mac_address": "fa:16:3e:00:00:01"}},
                    headers=as_demo)
    assert_neutron_error(r, 409, "MacAddressInUse", f"Unable to complete operation for network {net['id']}. The mac "
                                                    f"address fa:16:3e:00:00:01 is in use.")


def test_port_on_other_projects_network_is_404(client: TestClient, as_demo: dict, as_admin: dict) -> None:
    net, _sub = network_with_subnet(client, as_admin, "10.23.0.0/24")
    r = client.post(f"{N}/ports", json={"port": {"network_id": net["id"]}}, headers=as_demo)
    assert_neutron_error(r, 404, "NetworkNotFound")


def test_update_port_security_groups_and_pairs(client: TestClient, as_demo: dict) -> None:
    net, _sub = network_with_subnet(client, as_demo, "10.24.0.0/24")
    web = create(client, as_demo, "security-groups", name="web")
    port = create(client, as_demo, "ports", network_id=net["id"])
    r = client.put(f"{N}/ports/{port['id']}", json={"port": {
        "security_groups": [web["id"]], "allowed_address_pairs": [{"ip_address": "10.24.0.200"}],
        "device_id": "vm-1", "device_owner": "compute:nova"}}, headers=as_demo)
    assert r.status_code == 200, r.text
    body = r.json()["port"]
    assert body["security_groups"] == [web["id"]] and body["status"] == "ACTIVE"
    assert body["allowed_address_pairs"] == [{"ip_address": "10.24.0.200", "mac_address": port["mac_address"]}]
    listed = client.get(f"{N}/ports", params={"device_id": "vm-1"}, headers=as_demo).json()["ports"]
    assert [p["id"] for p in listed] == [port["id"]]
    r = client.put(f"{N}/ports/{port['id']}", json={"port": {"port_security_enabled": False}}, headers=as_demo)
    assert_neutron_error(r, 409, "PortSecurityPortHasSecurityGroup")


def test_fixed_ips_filter(client: TestClient, as_demo: dict) -> None:
    net, _sub = network_with_subnet(client, as_demo, "10.25.0.0/24")
    port = create(client, as_demo, "ports", network_id=net["id"], fixed_ips=[{"ip_address": "10.25.0.77"}])
    r = client.get(f"{N}/ports", params={"fixed_ips": "ip_address=10.25.0.77"}, headers=as_demo)
    assert [p["id"] for p in r.json()["ports"]] == [port["id"]]


def test_router_interface_port_cannot_be_deleted_directly(client: TestClient, as_demo: dict) -> None:
    _net, sub = network_with_subnet(client, as_demo, "10.26.0.0/24")
    router = create(client, as_demo, "routers", name="r")
    info = client.put(f"{N}/routers/{router['id']}/add_router_interface", json={"subnet_id": sub["id"]},
                      headers=as_demo).json()
    r = client.delete(f"{N}/ports/{info['port_id']}", headers=as_demo)
    assert_neutron_error(r, 409, "L3PortInUse", f"Port {info['port_id']} has owner network:router_interface and "
                                                f"therefore cannot be deleted directly via the port API.")
    assert client.get(f"{N}/ports/{info['port_id']}", headers=as_demo).status_code == 200


def test_concurrent_port_creates_never_share_an_address(cloud: Cloud, client: TestClient, as_demo: dict) -> None:
    """50 threads create ports at once on a /26; every address is different; the pool then runs dry exactly.

    10.30.0.0/26 has 62 host addresses (.1-.62); the gateway takes .1 and the DHCP port .2, so 60 ports fit:
    the 50 concurrent ones, 10 more, and the 61st fails with IpAddressGenerationFailure.
    """
    net, _sub = network_with_subnet(client, as_demo, "10.30.0.0/26")
    ctx = cloud.identity.context_for_token(as_demo["X-Auth-Token"])
    barrier = threading.Barrier(50)

    def make(_i: int) -> str:
        barrier.wait(timeout=30)
        port = cloud.network.create(ctx, "ports", {"port": {"network_id": net["id"]}})
        return str(port["fixed_ips"][0]["ip_address"])

    with ThreadPoolExecutor(max_workers=50) as pool:
        addresses = list(pool.map(make, range(50)))
    assert len(set(addresses)) == 50
    usable = ipaddress.ip_network("10.30.0.0/26").num_addresses - 2  # 62
    capacity = usable - 2  # minus the gateway and the DHCP port: 60
    for _ in range(capacity - 50):
        addresses.append(make_one(cloud, ctx, net["id"]))
    assert len(set(addresses)) == capacity == 60
    assert set(addresses) == {f"10.30.0.{i}" for i in range(3, 63)}
    r = client.post(f"{N}/ports", json={"port": {"network_id": net["id"]}}, headers=as_demo)
    assert_neutron_error(r, 409, "IpAddressGenerationFailure",
                         f"No more IP addresses available on network {net['id']}.")
    ports = client.get(f"{N}/ports", params={"network_id": net["id"]}, headers=as_demo).json()["ports"]
    assert len(ports) == capacity + 1  # and the DHCP port


def make_one(cloud: Cloud, ctx: object, network_id: str) -> str:
    try:
        port = cloud.network.create(ctx, "ports", {"port": {"network_id": network_id}})  # type: ignore[arg-type]
    except CloudError as exc:  # pragma: no cover - shows the error if the pool ran dry too early
        raise AssertionError(exc.message) from exc
    return str(port["fixed_ips"][0]["ip_address"])
