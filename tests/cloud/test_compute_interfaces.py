"""os-interface: a port or a network attached to a server and hot-plugged into its guest (the fake driver
records the NIC), listed with tempest's schemas, detached again (a port made for the server is deleted, the
user's own port unbound), and Nova's 409 in a wrong state or while locked."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.api_schemas import assert_schema
from tests.cloud.compute_support import API, create_server
from tests.cloud.network_helpers import N, create, network_with_subnet

V = "compute.v2_1.interfaces"


def test_attach_a_network_and_a_port_then_detach(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo)
    sid = server["id"]
    base = f"{API}/servers/{sid}/os-interface"
    (first,) = client.get(base, headers=as_demo).json()["interfaceAttachments"]
    net, sub = network_with_subnet(client, as_demo, cidr="10.77.0.0/24", name="extra")
    made = client.post(base, headers=as_demo, json={"interfaceAttachment": {
        "net_id": net["id"], "fixed_ips": [{"ip_address": "10.77.0.50"}]}})
    assert_schema(V, "get_create_interfaces", made)
    attached = made.json()["interfaceAttachment"]
    assert attached["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.77.0.50"}]
    port = create(client, as_demo, "ports", network_id=net["id"], name="mine")
    given = client.post(base, headers=as_demo, json={"interfaceAttachment": {"port_id": port["id"]}})
    assert_schema(V, "get_create_interfaces", given)
    listed = client.get(base, headers=as_demo)
    assert_schema(V, "list_interfaces", listed)
    ports = [i["port_id"] for i in listed.json()["interfaceAttachments"]]
    assert ports == [first["port_id"], attached["port_id"], port["id"]]
    assert cloud.compute_driver.nics(sid) == ports  # type: ignore[attr-defined]
    addresses = client.get(f"{API}/servers/{sid}", headers=as_demo).json()["server"]["addresses"]
    assert "10.77.0.50" in {a["addr"] for a in addresses["extra"]}
    assert_schema(V, "get_create_interfaces", client.get(f"{base}/{port['id']}", headers=as_demo))

    assert_schema(V, "delete_interface", client.delete(f"{base}/{attached['port_id']}", headers=as_demo))
    assert_schema(V, "delete_interface", client.delete(f"{base}/{port['id']}", headers=as_demo))
    assert client.get(f"{N}/ports/{attached['port_id']}", headers=as_demo).status_code == 404  # made for it
    kept = client.get(f"{N}/ports/{port['id']}", headers=as_demo).json()["port"]  # the user's: unbound
    assert kept["device_id"] == ""
    assert cloud.compute_driver.nics(sid) == [first["port_id"]]  # type: ignore[attr-defined]
    missing = client.get(f"{base}/{port['id']}", headers=as_demo)
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == f"Port {port['id']} is not attached"


def test_attach_refusals(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo)
    sid = server["id"]
    base = f"{API}/servers/{sid}/os-interface"
    net, _ = network_with_subnet(client, as_demo, cidr="10.78.0.0/24", name="more")
    both = client.post(base, headers=as_demo, json={"interfaceAttachment": {"net_id": net["id"],
                                                                           "port_id": net["id"]}})
    assert both.status_code == 400
    client.post(f"{API}/servers/{sid}/action", headers=as_demo, json={"suspend": None})
    r = client.post(base, headers=as_demo, json={"interfaceAttachment": {"net_id": net["id"]}})
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == (
        f"Cannot 'attach_interface' instance {sid} while it is in vm_state suspended")
    client.post(f"{API}/servers/{sid}/action", headers=as_demo, json={"resume": None})
    client.post(f"{API}/servers/{sid}/action", headers=as_demo, json={"lock": None})
    r = client.post(base, headers=as_demo, json={"interfaceAttachment": {"net_id": net["id"]}})
    assert r.status_code == 409 and r.json()["conflictingRequest"]["message"] == f"Instance {sid} is locked"
    assert len(client.get(base, headers=as_demo).json()["interfaceAttachments"]) == 1
