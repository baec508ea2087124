"""The compute <-> network contract, driven at the service layer the way compute calls it: inside a
`db.write()` transaction, with a server id (compute is built on another branch)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.context import RequestContext
from lab.cloud.db import new_id
from lab.cloud.errors import BadRequest, Conflict
from tests.cloud.network_helpers import N, create, public_network


@pytest.fixture
def demo(cloud: Cloud, as_demo: dict) -> RequestContext:
    return cloud.identity.context_for_token(as_demo["X-Auth-Token"])


def _private(client: TestClient, headers: dict) -> dict:
    return client.get(f"{N}/networks", params={"name": "private"}, headers=headers).json()["networks"][0]


def test_allocate_with_network_and_security_group(cloud: Cloud, client: TestClient, as_demo: dict,
                                                  demo: RequestContext) -> None:
    """A port per requested network, owned by compute:nova, with the named group; addresses and NICs follow."""
    web = create(client, as_demo, "security-groups", name="web")
    private = _private(client, as_demo)
    server = new_id()
    with cloud.db.write() as db:
        cloud.network.allocate_for_server(db, demo, server, [{"uuid": private["id"]}], [web["id"]])
    ports = client.get(f"{N}/ports", params={"device_id": server}, headers=as_demo).json()["ports"]
    assert len(ports) == 1 and ports[0]["device_owner"] == "compute:nova"
    assert ports[0]["security_groups"] == [web["id"]]
    ip = ports[0]["fixed_ips"][0]["ip_address"]
    with cloud.db.read() as db:
        addresses = cloud.network.server_addresses(db, [server])
        nics = cloud.network.server_nics(db, server)
        groups = cloud.network.server_security_groups(db, [server])
    assert addresses == {server: {"private": [{"version": 4, "addr": ip, "OS-EXT-IPS:type": "fixed",
                                               "OS-EXT-IPS-MAC:mac_addr": ports[0]["mac_address"]}]}}
    assert [(n.port_id, n.mac_address, n.ip_addresses) for n in nics] == [(ports[0]["id"], ports[0]["mac_address"],
                                                                           (ip,))]
    assert groups == {server: ["web"]}


def test_no_networks_key_uses_the_only_network_or_409(cloud: Cloud, client: TestClient, as_demo: dict,
                                                      demo: RequestContext) -> None:
    server = new_id()
    with cloud.db.write() as db:
        cloud.network.allocate_for_server(db, demo, server, None, ["default"])
    with cloud.db.read() as db:
        assert list(cloud.network.server_addresses(db, [server])[server]) == ["private"]
        assert cloud.network.server_security_groups(db, [server]) == {server: ["default"]}
    create(client, as_demo, "networks", name="second")
    with pytest.raises(Conflict, match="Multiple possible networks found"), cloud.db.write() as db:
        cloud.network.allocate_for_server(db, demo, new_id(), None, [])


def test_fixed_ip_in_use_and_unknown_group_change_nothing(cloud: Cloud, client: TestClient, as_demo: dict,
                                                          demo: RequestContext) -> None:
    private = _private(client, as_demo)
    before = client.get(f"{N}/ports", headers=as_demo).json()["ports"]
    with pytest.raises(BadRequest, match="Fixed IP address 10.0.0.1 is already in use"), cloud.db.write() as db:
        cloud.network.allocate_for_server(db, demo, new_id(), [{"uuid": private["id"], "fixed_ip": "10.0.0.1"}], [])
    with pytest.raises(BadRequest, match="Security group nope not found"), cloud.db.write() as db:
        cloud.network.allocate_for_server(db, demo, new_id(), [{"uuid": private["id"]}], ["nope"])
    assert client.get(f"{N}/ports", headers=as_demo).json()["ports"] == before


def test_given_port_is_bound_and_only_unbound_on_release(cloud: Cloud, client: TestClient, as_demo: dict,
                                                         demo: RequestContext) -> None:
    """`server create --port`: the user's port survives the server; a port Nova made does not."""
    private = _private(client, as_demo)
    mine = create(client, as_demo, "ports", network_id=private["id"], name="mine")
    server = new_id()
    with cloud.db.write() as db:
        cloud.network.allocate_for_server(db, demo, server, [{"port": mine["id"]}, {"uuid": private["id"]}], [])
    ports = client.get(f"{N}/ports", params={"device_id": server}, headers=as_demo).json()["ports"]
    assert len(ports) == 2
    made = next(p for p in ports if p["id"] != mine["id"])
    public = public_network(client, as_demo)
    fip = create(client, as_demo, "floatingips", floating_network_id=public["id"], port_id=mine["id"])
    with cloud.db.read() as db:
        kinds = [a["OS-EXT-IPS:type"] for a in cloud.network.server_addresses(db, [server])[server]["private"]]
    assert kinds == ["fixed", "floating", "fixed"]
    with pytest.raises(Conflict, match="is still in use"), cloud.db.write() as db:
        cloud.network.allocate_for_server(db, demo, new_id(), [{"port": mine["id"]}], [])
    with cloud.db.write() as db:
        cloud.network.release_for_server(db, server)
    kept = client.get(f"{N}/ports/{mine['id']}", headers=as_demo).json()["port"]
    assert kept["device_id"] == "" and kept["device_owner"] == ""
    assert client.get(f"{N}/ports/{made['id']}", headers=as_demo).status_code == 404
    assert client.get(f"{N}/floatingips/{fip['id']}", headers=as_demo).json()["floatingip"]["port_id"] is None


def test_add_and_remove_server_security_group(cloud: Cloud, client: TestClient, as_demo: dict,
                                              demo: RequestContext) -> None:
    create(client, as_demo, "security-groups", name="db")
    server = new_id()
    with cloud.db.write() as db:
        cloud.network.allocate_for_server(db, demo, server, None, None)
    with cloud.db.write() as db:
        cloud.network.add_server_security_group(db, demo, server, "db")
    with cloud.db.read() as db:
        assert cloud.network.server_security_groups(db, [server]) == {server: ["db", "default"]}
    with pytest.raises(BadRequest, match="already associated"), cloud.db.write() as db:
        cloud.network.add_server_security_group(db, demo, server, "db")
    with cloud.db.write() as db:
        cloud.network.remove_server_security_group(db, demo, server, "default")
    with cloud.db.read() as db:
        assert cloud.network.server_security_groups(db, [server]) == {server: ["db"]}
    with pytest.raises(BadRequest, match="not associated"), cloud.db.write() as db:
        cloud.network.remove_server_security_group(db, demo, server, "default")


def test_external_network_is_refused_for_a_member(cloud: Cloud, client: TestClient, as_demo: dict,
                                                  demo: RequestContext) -> None:
    from lab.cloud.errors import Forbidden

    public = public_network(client, as_demo)
    with pytest.raises(Forbidden, match="external network"), cloud.db.write() as db:
        cloud.network.allocate_for_server(db, demo, new_id(), [{"uuid": public["id"]}], [])
