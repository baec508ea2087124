"""Neutron subnets: defaults (gateway, pools, the DHCP port), validation of CIDR, gateway and pools with
Neutron's errors and nothing changed, overlap rules, visibility of the external network's subnets, delete."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.cloud.network_helpers import N, assert_neutron_error, create, names, network_with_subnet, public_network


def test_subnet_defaults_and_dhcp_port(client: TestClient, as_demo: dict) -> None:
    """Gateway = first host, one pool after it, the lists the CLI iterates, and a DHCP port with .2."""
    net, sub = network_with_subnet(client, as_demo, "192.168.5.0/24", dns_nameservers=["8.8.8.8"],
                                   host_routes=[{"destination": "10.9.0.0/16", "nexthop": "192.168.5.254"}])
    assert sub["gateway_ip"] == "192.168.5.1"
    assert sub["allocation_pools"] == [{"start": "192.168.5.2", "end": "192.168.5.254"}]
    assert sub["dns_nameservers"] == ["8.8.8.8"] and sub["enable_dhcp"] is True
    assert sub["host_routes"] == [{"destination": "10.9.0.0/16", "nexthop": "192.168.5.254"}]
    shown_net = client.get(f"{N}/networks/{net['id']}", headers=as_demo).json()["network"]
    assert shown_net["subnets"] == [sub["id"]]
    ports = client.get(f"{N}/ports", params={"network_id": net["id"]}, headers=as_demo).json()["ports"]
    assert [(p["device_owner"], p["fixed_ips"][0]["ip_address"]) for p in ports] == [("network:dhcp", "192.168.5.2")]


def test_no_gateway_and_explicit_pools(client: TestClient, as_demo: dict) -> None:
    net = create(client, as_demo, "networks", name="n")
    sub = create(client, as_demo, "subnets", network_id=net["id"], cidr="10.1.0.0/24", ip_version=4,
                 gateway_ip=None, enable_dhcp=False,
                 allocation_pools=[{"start": "10.1.0.100", "end": "10.1.0.110"}])
    assert sub["gateway_ip"] is None and sub["enable_dhcp"] is False
    assert sub["allocation_pools"] == [{"start": "10.1.0.100", "end": "10.1.0.110"}]
    port = create(client, as_demo, "ports", network_id=net["id"])
    assert port["fixed_ips"][0]["ip_address"] == "10.1.0.100"


def _bad_subnet(client: TestClient, headers: dict, status: int, kind: str, message: str, **attrs: object) -> None:
    net = create(client, headers, "networks", name="bad")
    body = {"network_id": net["id"], "ip_version": 4, **attrs}
    r = client.post(f"{N}/subnets", json={"subnet": body}, headers=headers)
    assert_neutron_error(r, status, kind, message.replace("NET", net["id"]))
    assert client.get(f"{N}/networks/{net['id']}", headers=headers).json()["network"]["subnets"] == []
    assert client.get(f"{N}/ports", params={"network_id": net["id"]}, headers=headers).json()["ports"] == []


def test_invalid_cidr(client: TestClient, as_demo: dict) -> None:
    _bad_subnet(client, as_demo, 400, "HTTPBadRequest",
                "Invalid input for cidr. Reason: '10.0.0.0/33' is not a valid IP subnet.", cidr="10.0.0.0/33")


def test_cidr_in_the_wrong_form(client: TestClient, as_demo: dict) -> None:
    """A bare address is no CIDR; neither is an IPv6 CIDR written other than in its normal form."""
    _bad_subnet(client, as_demo, 400, "HTTPBadRequest",
                "Invalid input for cidr. Reason: '10.0.0.1' isn't a recognized IP subnet cidr, '10.0.0.1/32' is "
                "recommended.", cidr="10.0.0.1")


def test_gateway_on_the_network_address(client: TestClient, as_demo: dict) -> None:
    """Neutron refuses only the network and broadcast addresses of an IPv4 subnet as its gateway."""
    for gateway in ("10.0.0.0", "10.0.0.255"):
        _bad_subnet(client, as_demo, 400, "InvalidInput",
                    "Invalid input for operation: Gateway is not valid on subnet.", cidr="10.0.0.0/24",
                    gateway_ip=gateway)


def test_pool_outside_cidr(client: TestClient, as_demo: dict) -> None:
    _bad_subnet(client, as_demo, 400, "OutOfBoundsAllocationPool",
                "The allocation pool 10.0.0.10-10.0.1.5 spans beyond the subnet cidr 10.0.0.0/24.",
                cidr="10.0.0.0/24", allocation_pools=[{"start": "10.0.0.10", "end": "10.0.1.5"}])


def test_pool_holding_the_gateway(client: TestClient, as_demo: dict) -> None:
    _bad_subnet(client, as_demo, 409, "GatewayConflictWithAllocationPools",
                "Gateway ip 10.0.0.1 conflicts with allocation pool 10.0.0.1-10.0.0.20.",
                cidr="10.0.0.0/24", allocation_pools=[{"start": "10.0.0.1", "end": "10.0.0.20"}])


def test_overlapping_pools_and_reversed_pool(client: TestClient, as_demo: dict) -> None:
    _bad_subnet(client, as_demo, 409, "OverlappingAllocationPools",
                "Found overlapping allocation pools: 10.0.0.10-10.0.0.20 10.0.0.15-10.0.0.30 for subnet 10.0.0.0/24.",
                cidr="10.0.0.0/24", allocation_pools=[{"start": "10.0.0.10", "end": "10.0.0.20"},
                                                      {"start": "10.0.0.15", "end": "10.0.0.30"}])
    _bad_subnet(client, as_demo, 400, "InvalidAllocationPool", "The allocation pool 10.0.0.30-10.0.0.10 is not valid.",
                cidr="10.0.0.0/24", allocation_pools=[{"start": "10.0.0.30", "end": "10.0.0.10"}])


def test_missing_cidr(client: TestClient, as_demo: dict) -> None:
    _bad_subnet(client, as_demo, 400, "HTTPBadRequest",
                "Failed to parse request. Required attribute 'cidr' not specified")


def test_overlapping_subnet_on_one_network_is_refused(client: TestClient, as_demo: dict) -> None:
    net, sub = network_with_subnet(client, as_demo, "10.5.0.0/16")
    r = client.post(f"{N}/subnets", json={"subnet": {"network_id": net["id"], "cidr": "10.5.3.0/24",
                                                     "ip_version": 4}}, headers=as_demo)
    assert_neutron_error(r, 400, "InvalidInput", f"Invalid input for operation: Requested subnet with cidr: "
                                                 f"10.5.3.0/24 for network: {net['id']} overlaps with another subnet.")
    assert client.get(f"{N}/networks/{net['id']}", headers=as_demo).json()["network"]["subnets"] == [sub["id"]]


def test_same_cidr_in_two_projects(client: TestClient, as_demo: dict, as_admin: dict) -> None:
    """Tenant isolation: demo and admin may both use 10.0.0.0/26 (demo's `private` already does)."""
    _net, sub = network_with_subnet(client, as_admin, "10.0.0.0/26")
    assert sub["cidr"] == "10.0.0.0/26"


def test_external_networks_subnets_are_hidden_from_other_projects(client: TestClient, as_demo: dict,
                                                                  as_admin: dict) -> None:
    """tempest test_external_network_visibility: the public network is listed, its subnet is not."""
    public = public_network(client, as_demo)
    assert public["router:external"] is True and public["subnets"]
    assert "public-subnet" not in names(client, as_demo, "subnets")
    r = client.get(f"{N}/subnets/{public['subnets'][0]}", headers=as_demo)
    assert_neutron_error(r, 404, "SubnetNotFound")
    assert "public-subnet" in names(client, as_admin, "subnets")


def test_other_projects_network_subnet_create_is_404(client: TestClient, as_demo: dict, as_admin: dict) -> None:
    net = create(client, as_admin, "networks", name="admins")
    r = client.post(f"{N}/subnets", json={"subnet": {"network_id": net["id"], "cidr": "10.7.0.0/24",
                                                     "ip_version": 4}}, headers=as_demo)
    assert_neutron_error(r, 404, "NetworkNotFound", f"Network {net['id']} could not be found.")


def test_update_subnet(client: TestClient, as_demo: dict) -> None:
    _net, sub = network_with_subnet(client, as_demo, "10.8.0.0/24")
    r = client.put(f"{N}/subnets/{sub['id']}", json={"subnet": {
        "name": "renamed", "dns_nameservers": ["1.1.1.1"], "allocation_pools": [
            {"start": "10.8.0.10", "end": "10.8.0.20"}]}}, headers=as_demo)
    assert r.status_code == 200, r.text
    body = r.json()["subnet"]
    assert body["name"] == "renamed" and body["dns_nameservers"] == ["1.1.1.1"]
    assert body["allocation_pools"] == [{"start": "10.8.0.10", "end": "10.8.0.20"}]
    r = client.put(f"{N}/subnets/{sub['id']}", json={"subnet": {"cidr": "10.9.0.0/24"}}, headers=as_demo)
    assert_neutron_error(r, 400, "HTTPBadRequest", "Cannot update read-only attribute cidr")


def test_delete_subnet_in_use_is_409_then_ok(client: TestClient, as_demo: dict) -> None:
    net, sub = network_with_subnet(client, as_demo, "10.6.0.0/24")
    port = create(client, as_demo, "ports", network_id=net["id"])
    r = client.delete(f"{N}/subnets/{sub['id']}", headers=as_demo)
    assert_neutron_error(r, 409, "SubnetInUse", f"Unable to complete operation on subnet {sub['id']}: One or more "
                                                f"ports have an IP allocation from this subnet.")
    assert client.get(f"{N}/subnets/{sub['id']}", headers=as_demo).status_code == 200
    assert client.delete(f"{N}/ports/{port['id']}", headers=as_demo).status_code == 204
    assert client.delete(f"{N}/subnets/{sub['id']}", headers=as_demo).status_code == 204
    assert client.get(f"{N}/ports", params={"network_id": net["id"]}, headers=as_demo).json()["ports"] == []


def test_ipv6_subnet(client: TestClient, as_demo: dict) -> None:
    net = create(client, as_demo, "networks", name="v6")
    sub = create(client, as_demo, "subnets", network_id=net["id"], cidr="2001:db8::/64", ip_version=6)
    assert sub["gateway_ip"] == "2001:db8::1"
    port = create(client, as_demo, "ports", network_id=net["id"])
    assert port["fixed_ips"][0]["ip_address"] == "2001:db8::3"  # ::2 is the DHCP port's
