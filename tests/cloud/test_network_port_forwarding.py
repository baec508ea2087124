"""Port forwarding on floating IPs (issue 16): one floating IP forwards its external ports to ports of fixed
IPs behind router1, picking up that router; refusals as Neutron's (an address the port lacks, a duplicate, a
network with no router out, associating the floating IP itself); a deleted internal port takes its forwardings
with it. Each answer is checked against Neutron's shapes (tests/cloud/network_schemas.py)."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.cloud.identity_helpers import user_in_project
from tests.cloud.network_helpers import N, assert_neutron_error, create, network_with_subnet, public_network
from tests.cloud.network_schemas import assert_network_schema


def _private_port(client: TestClient, headers: dict[str, str], name: str) -> tuple[dict[str, Any], str]:
    private = client.get(f"{N}/networks", params={"name": "private"}, headers=headers).json()["networks"][0]
    port = create(client, headers, "ports", network_id=private["id"], name=name)
    return port, port["fixed_ips"][0]["ip_address"]


def test_forward_two_ports_of_one_floating_ip(client: TestClient, as_demo: dict, as_admin: dict) -> None:
    """SSH of two servers behind one address: 2222 and 2223 forward to port 22 of each."""
    fip = create(client, as_demo, "floatingips", floating_network_id=public_network(client, as_demo)["id"])
    url = f"{N}/floatingips/{fip['id']}/port_forwardings"
    made = []
    for external, name in ((2222, "web-a"), (2223, "web-b")):
        port, address = _private_port(client, as_demo, name)
        r = client.post(url, headers=as_demo, json={"port_forwarding": {
            "internal_port_id": port["id"], "internal_ip_address": address, "internal_port": 22,
            "external_port": external, "protocol": "tcp", "description": f"ssh to {name}"}})
        assert_network_schema("create_port_forwarding", r)
        made.append((r.json()["port_forwarding"], port))
    router1 = client.get(f"{N}/routers", params={"name": "router1"}, headers=as_demo).json()["routers"][0]
    shown = client.get(f"{N}/floatingips/{fip['id']}", headers=as_demo)
    assert_network_schema("show_floatingip", shown)
    body = shown.json()["floatingip"]
    assert body["router_id"] == router1["id"] and body["port_id"] is None
    assert [(f["external_port"], f["internal_port"]) for f in body["port_forwardings"]] == [(2222, 22), (2223, 22)]
    listed = client.get(url, headers=as_demo)
    assert_network_schema("list_port_forwardings", listed)
    assert len(listed.json()["port_forwardings"]) == 2

    first, first_port = made[0]
    dup = client.post(url, headers=as_demo, json={"port_forwarding": {
        "internal_port_id": made[1][1]["id"], "internal_ip_address": made[1][1]["fixed_ips"][0]["ip_address"],
        "internal_port": 80, "external_port": 2222, "protocol": "tcp"}})
    assert_neutron_error(dup, 400, "BadRequest")
    wrong_ip = client.post(url, headers=as_demo, json={"port_forwarding": {
        "internal_port_id": first_port["id"], "internal_ip_address": "10.0.0.62", "internal_port": 80,
        "external_port": 8080, "protocol": "tcp"}})
    assert_neutron_error(wrong_ip, 400, "BadRequest")
    r = client.put(f"{url}/{first['id']}", headers=as_demo, json={"port_forwarding": {"external_port": 2022}})
    assert_network_schema("update_port_forwarding", r)
    assert r.json()["port_forwarding"]["external_port"] == 2022
    associate = client.put(f"{N}/floatingips/{fip['id']}", headers=as_demo,
                           json={"floatingip": {"port_id": first_port["id"]}})
    assert_neutron_error(associate, 409, "FipInUseByPortForwarding")

    assert client.delete(f"{N}/ports/{first_port['id']}", headers=as_demo).status_code == 204
    assert [f["external_port"] for f in client.get(url, headers=as_demo).json()["port_forwardings"]] == [2223]
    second = made[1][0]
    assert client.delete(f"{url}/{second['id']}", headers=as_demo).status_code == 204
    assert_neutron_error(client.get(f"{url}/{second['id']}", headers=as_demo), 404, "PortForwardingNotFound")
    assert client.get(f"{N}/floatingips/{fip['id']}", headers=as_demo).json()["floatingip"]["router_id"] is None
    aliases = {e["alias"] for e in client.get(f"{N}/extensions", headers=as_demo).json()["extensions"]}
    assert {"floating-ip-port-forwarding", "floating-ip-port-forwarding-description",
            "expose-port-forwarding-in-fip"} <= aliases


def test_refusals(client: TestClient, as_demo: dict, as_admin: dict) -> None:
    """No router to the outside is 404; an associated floating IP is 409; another project sees no
    floating IP to forward; a port range (an extension the lab lacks) is an unknown attribute."""
    public = public_network(client, as_demo)
    net, _sub = network_with_subnet(client, as_demo, "10.82.0.0/24")
    island = create(client, as_demo, "ports", network_id=net["id"])
    fip = create(client, as_demo, "floatingips", floating_network_id=public["id"])
    url = f"{N}/floatingips/{fip['id']}/port_forwardings"
    body = {"internal_port_id": island["id"], "internal_ip_address": island["fixed_ips"][0]["ip_address"],
            "internal_port": 22, "external_port": 2200, "protocol": "tcp"}
    assert_neutron_error(client.post(url, headers=as_demo, json={"port_forwarding": body}), 404,
                         "ExternalGatewayForFloatingIPNotFound")
    port, address = _private_port(client, as_demo, "bound")
    client.put(f"{N}/floatingips/{fip['id']}", headers=as_demo, json={"floatingip": {"port_id": port["id"]}})
    other, other_address = _private_port(client, as_demo, "other")
    busy = {**body, "internal_port_id": other["id"], "internal_ip_address": other_address}
    assert_neutron_error(client.post(url, headers=as_demo, json={"port_forwarding": busy}), 409,
                         "FloatingIPPortAlreadyAssociated")
    ranged = {**busy, "internal_port_range": "22:23"}
    assert_neutron_error(client.post(url, headers=as_demo, json={"port_forwarding": ranged}), 400, "HTTPBadRequest")
    _project, _user, token = user_in_project(client, as_admin, "pfstranger", "member")
    stranger = client.get(url, headers={"X-Auth-Token": token})
    assert_neutron_error(stranger, 404, "FloatingIPNotFound")
