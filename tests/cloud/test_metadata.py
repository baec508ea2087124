"""Nova's metadata API as the network driver's metadata agent asks it (`Cloud.network_driver.metadata`): the
server on an address of a subnet, in the OpenStack and EC2 formats. The path from a guest through a router's
proxy is tested as root in tests/drivers/test_linux_network.py and test_linux_real_guest.py; here the
documents, fast, with the default drivers."""

from __future__ import annotations

import base64
import json

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.compute_support import create_server
from tests.cloud.network_helpers import N, create, network_with_subnet


def test_documents_of_the_server_on_an_address(cloud: Cloud, client: TestClient, as_demo: dict,
                                               as_admin: dict) -> None:
    key = client.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": "k1"}}, headers=as_demo).json()
    server = create_server(client, cloud, as_demo, name="Web Server 1", key_name="k1",
                           metadata={"role": "web"}, user_data=base64.b64encode(b"#cloud-config\n").decode())
    port = client.get(f"{N}/ports", params={"device_id": server["id"]}, headers=as_demo).json()["ports"][0]
    ip, subnet_id = port["fixed_ips"][0]["ip_address"], port["fixed_ips"][0]["subnet_id"]
    ask = cloud.network_driver.metadata
    assert ask is not None

    def get(path: str, address: str = ip, subnet: str | None = subnet_id) -> tuple[int, str]:
        status, _ctype, body = ask(address, subnet, path)
        return status, body.decode()

    status, body = get("/openstack/latest/meta_data.json")
    doc = json.loads(body)
    assert status == 200 and doc["uuid"] == server["id"] and doc["name"] == "Web Server 1"
    assert doc["hostname"] == "web-server-1.novalocal"  # Nova's hostname from the display name
    assert doc["public_keys"] == {"k1": key["keypair"]["public_key"]} and doc["meta"] == {"role": "web"}
    assert doc["keys"] == [{"name": "k1", "type": "ssh", "data": key["keypair"]["public_key"]}]
    assert get("/openstack/latest")[1].split("\n")[-1] == "user_data"
    assert get("/openstack/2012-08-10/user_data") == (200, "#cloud-config\n")
    net = json.loads(get("/openstack/latest/network_data.json")[1])
    assert net["links"][0]["ethernet_mac_address"] == port["mac_address"]
    assert net["networks"][0] == {"id": "network0", "type": "ipv4_dhcp", "link": f"tap{port['id'][:11]}",
                                  "network_id": port["network_id"]}

    # EC2: the versions, the keys, a key by index, the instance's addresses
    assert get("/")[1].split("\n")[-1] == "latest"
    listing = get("/latest/meta-data/")[1].split("\n")
    assert {"instance-id", "hostname", "local-ipv4", "public-keys/", "placement/"} <= set(listing)
    assert get("/latest/meta-data/public-keys") == (200, "0=k1")
    assert get("/2009-04-04/meta-data/public-keys/0/openssh-key") == (200, key["keypair"]["public_key"])
    assert get("/latest/meta-data/local-ipv4") == (200, ip)
    assert get("/latest/meta-data/placement/availability-zone") == (200, "nova")
    assert get("/latest/meta-data/instance-id")[1].startswith("i-")
    assert get("/latest/user-data") == (200, "#cloud-config\n")

    # Nova's 404s: an unknown path, an address no server holds, the same address on another project's subnet
    assert get("/latest/meta-data/nothing")[0] == 404 and get("/openstack/latest/secrets")[0] == 404
    assert get("/latest/meta-data/hostname", address="10.0.0.250")[0] == 404
    _net, other = network_with_subnet(client, as_admin, "10.0.0.0/26", name="same-range")
    assert get("/latest/meta-data/hostname", subnet=other["id"])[0] == 404
    create(client, as_admin, "ports", network_id=_net["id"], fixed_ips=[{"ip_address": ip}])
    assert get("/latest/meta-data/hostname", subnet=other["id"])[0] == 404  # a port, but no server's
