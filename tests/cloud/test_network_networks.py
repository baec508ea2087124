"""Neutron networks: create/show/list/update/delete, visibility between projects, provider attributes and
segment allocation (the VLAN-range lesson), filters, fields, pagination, tags, extensions and discovery."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud, create_app
from lab.config import Settings
from tests.cloud.network_helpers import N, assert_neutron_error, create, names, network_with_subnet, public_network
from tests.conftest import ADMIN_PASSWORD, get_token


def test_versions_and_resources(client: TestClient) -> None:
    """GET /network lists v2.0; GET /network/v2.0 lists the collections."""
    r = client.get("/network")
    assert r.status_code == 200
    assert r.json()["versions"][0]["id"] == "v2.0"
    r = client.get("/network/v2.0")
    assert {res["collection"] for res in r.json()["resources"]} >= {"networks", "subnets", "ports", "routers"}


def test_catalog_has_network_without_version(client: TestClient) -> None:
    r = client.post("/identity/v3/auth/tokens", json={"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"name": "demo", "password": "demo", "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}})
    network = next(s for s in r.json()["token"]["catalog"] if s["type"] == "network")
    assert {e["url"] for e in network["endpoints"]} == {"http://127.0.0.1:8780/network"}


def test_extensions_list_names_what_is_implemented(client: TestClient, as_demo: dict) -> None:
    r = client.get(f"{N}/extensions", headers=as_demo)
    aliases = {e["alias"] for e in r.json()["extensions"]}
    assert {"external-net", "router", "security-group", "quotas", "extraroute", "allowed-address-pairs",
            "standard-attr-description", "standard-attr-tag"} <= aliases
    assert {"binding", "agent", "dhcp_agent_scheduler", "rbac-policies", "subnet_allocation",
            "network-ip-availability"} <= aliases
    assert not {"trunk", "qos-fip", "qos-pps", "bgp"} & aliases  # not implemented
    assert client.get(f"{N}/extensions/router", headers=as_demo).json()["extension"]["alias"] == "router"
    assert_neutron_error(client.get(f"{N}/extensions/external-gateway-multihoming", headers=as_demo), 404,
                         "HTTPNotFound")


def test_unauthenticated_is_401(client: TestClient) -> None:
    r = client.get(f"{N}/networks")
    assert r.status_code == 401


def test_create_network_defaults(client: TestClient, as_demo: dict) -> None:
    """A member's network: ACTIVE, not shared, not external, vxlan MTU, no provider attributes shown."""
    net = create(client, as_demo, "networks", name="net1")
    assert net["status"] == "ACTIVE" and net["admin_state_up"] is True
    assert net["shared"] is False and net["router:external"] is False
    assert net["mtu"] == 1450 and net["subnets"] == [] and net["tags"] == []
    assert "provider:network_type" not in net
    assert net["project_id"] == net["tenant_id"]
    shown = client.get(f"{N}/networks/{net['id']}", headers=as_demo).json()["network"]
    assert shown == net


def test_unknown_id_or_name_is_404_network_not_found(client: TestClient, as_demo: dict) -> None:
    r = client.get(f"{N}/networks/net1", headers=as_demo)
    assert_neutron_error(r, 404, "NetworkNotFound", "Network net1 could not be found.")


def test_unknown_attribute_is_400_and_nothing_made(client: TestClient, as_demo: dict) -> None:
    before = names(client, as_demo, "networks")
    r = client.post(f"{N}/networks", json={"network": {"name": "x", "bogus": 1}}, headers=as_demo)
    assert_neutron_error(r, 400, "HTTPBadRequest", "Unrecognized attribute(s) 'bogus'")
    assert names(client, as_demo, "networks") == before


def test_other_projects_network_is_404_unless_shared(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """The admin's private network is invisible to demo; a shared one is visible."""
    hidden = create(client, as_admin, "networks", name="admin-only")
    shared = create(client, as_admin, "networks", name="admin-shared", shared=True)
    assert_neutron_error(client.get(f"{N}/networks/{hidden['id']}", headers=as_demo), 404, "NetworkNotFound")
    assert client.get(f"{N}/networks/{shared['id']}", headers=as_demo).status_code == 200
    listed = names(client, as_demo, "networks")
    assert "admin-shared" in listed and "admin-only" not in listed and "public" in listed
    r = client.delete(f"{N}/networks/{hidden['id']}", headers=as_demo)
    assert_neutron_error(r, 404, "NetworkNotFound")
    assert client.get(f"{N}/networks/{hidden['id']}", headers=as_admin).status_code == 200


def test_member_cannot_create_shared_or_provider_network(client: TestClient, as_demo: dict) -> None:
    before = names(client, as_demo, "networks")
    r = client.post(f"{N}/networks", json={"network": {"name": "s", "shared": True}}, headers=as_demo)
    assert_neutron_error(r, 403, "PolicyNotAuthorized")
    r = client.post(f"{N}/networks", json={"network": {"name": "p", "provider:network_type": "vlan"}},
                    headers=as_demo)
    assert_neutron_error(r, 403, "PolicyNotAuthorized")
    assert names(client, as_demo, "networks") == before


def test_admin_sees_provider_attributes_and_tenant_segments_are_unique(client: TestClient, as_admin: dict) -> None:
    a = create(client, as_admin, "networks", name="a")
    b = create(client, as_admin, "networks", name="b")
    assert a["provider:network_type"] == "vxlan" and a["provider:physical_network"] is None
    assert a["provider:segmentation_id"] != b["provider:segmentation_id"]
    public = public_network(client, as_admin)
    assert public["provider:network_type"] == "flat" and public["provider:physical_network"] == "public"
    assert public["provider:segmentation_id"] is None


def test_vlan_in_use_and_flat_in_use_are_409(client: TestClient, as_admin: dict) -> None:
    create(client, as_admin, "networks", name="v", **{"provider:network_type": "vlan",
                                                      "provider:segmentation_id": 42})
    r = client.post(f"{N}/networks", json={"network": {"name": "v2", "provider:network_type": "vlan",
                                                        "provider:segmentation_id": 42}}, headers=as_admin)
    assert_neutron_error(r, 409, "VlanIdInUse",
                         "Unable to create the network. The VLAN 42 on physical network physnet1 is in use.")
    r = client.post(f"{N}/networks", json={"network": {"name": "f", "provider:network_type": "flat",
                                                        "provider:physical_network": "public"}}, headers=as_admin)
    assert_neutron_error(r, 409, "FlatNetworkInUse",
                         "Unable to create the flat network. Physical network public is in use.")
    assert "v2" not in names(client, as_admin, "networks") and "f" not in names(client, as_admin, "networks")


@pytest.fixture
def vlan_client(tmp_path: Path) -> TestClient:
    """A lab whose tenant networks are VLANs from a three-id range."""
    settings = Settings(data_dir=tmp_path / "vlan", admin_password=ADMIN_PASSWORD, boot_seconds=0.0,
                        network_tenant_type="vlan", network_vlan_range="physnet1:100:102")
    cloud = Cloud(settings)
    cloud.bootstrap()  # demo's `private` takes VLAN 100
    with TestClient(create_app(settings, cloud=cloud, start_worker=False), base_url="http://127.0.0.1:8780") as c:
        yield c
    cloud.close()


def test_vlan_range_exhausted_is_neutrons_503(vlan_client: TestClient) -> None:
    """The VLAN lesson: once the range is used up, Neutron answers NoNetworkAvailable."""
    admin = {"X-Auth-Token": get_token(vlan_client, "admin", ADMIN_PASSWORD, "admin")}
    ids = [create(vlan_client, admin, "networks", name=f"n{i}")["provider:segmentation_id"] for i in range(2)]
    assert ids == [101, 102]
    r = vlan_client.post(f"{N}/networks", json={"network": {"name": "one-too-many"}}, headers=admin)
    assert_neutron_error(r, 503, "NoNetworkAvailable",
                         "Unable to create the network. No tenant network is available for allocation.")
    assert "one-too-many" not in names(vlan_client, admin, "networks")
    first = vlan_client.get(f"{N}/networks", params={"name": "n0"}, headers=admin).json()["networks"][0]
    assert vlan_client.delete(f"{N}/networks/{first['id']}", headers=admin).status_code == 204
    assert create(vlan_client, admin, "networks", name="reuses")["provider:segmentation_id"] == 101


def test_update_network(client: TestClient, as_demo: dict) -> None:
    net = create(client, as_demo, "networks", name="old")
    r = client.put(f"{N}/networks/{net['id']}", json={"network": {"name": "new", "description": "d"}},
                   headers=as_demo)
    assert r.status_code == 200
    body = r.json()["network"]
    assert body["name"] == "new" and body["description"] == "d"
    assert body["revision_number"] > net["revision_number"]


def test_delete_network_cascades_subnets(client: TestClient, as_demo: dict) -> None:
    net, sub = network_with_subnet(client, as_demo)
    assert client.delete(f"{N}/networks/{net['id']}", headers=as_demo).status_code == 204
    assert_neutron_error(client.get(f"{N}/subnets/{sub['id']}", headers=as_demo), 404, "SubnetNotFound")
    ports = client.get(f"{N}/ports", params={"network_id": net["id"]}, headers=as_demo).json()["ports"]
    assert ports == []


def test_delete_network_with_ports_is_409_network_in_use(client: TestClient, as_demo: dict) -> None:
    net, _sub = network_with_subnet(client, as_demo)
    create(client, as_demo, "ports", network_id=net["id"])
    r = client.delete(f"{N}/networks/{net['id']}", headers=as_demo)
    assert_neutron_error(r, 409, "NetworkInUse", f"Unable to complete operation on network {net['id']}. There are "
                                                 f"one or more ports still in use on the network.")
    assert client.get(f"{N}/networks/{net['id']}", headers=as_demo).status_code == 200


def test_filters_fields_and_external_filter(client: TestClient, as_demo: dict) -> None:
    create(client, as_demo, "networks", name="f1")
    r = client.get(f"{N}/networks", params={"router:external": "True"}, headers=as_demo)
    assert [n["name"] for n in r.json()["networks"]] == ["public"]
    r = client.get(f"{N}/networks", params=[("name", "f1"), ("fields", "id"), ("fields", "name")], headers=as_demo)
    assert [set(n) for n in r.json()["networks"]] == [{"id", "name"}]
    r = client.get(f"{N}/networks", params={"name": "f1", "admin_state_up": "false"}, headers=as_demo)
    assert r.json()["networks"] == []
    net = r = client.get(f"{N}/networks", params={"name": "f1"}, headers=as_demo).json()["networks"][0]
    shown = client.get(f"{N}/networks/{net['id']}", params={"fields": "name"}, headers=as_demo).json()
    assert shown == {"network": {"name": "f1"}}


def test_pagination_with_links(client: TestClient, as_demo: dict) -> None:
    """limit + marker, with `networks_links` next until the last page (the SDK follows them)."""
    for i in range(3):
        create(client, as_demo, "networks", name=f"page{i}")
    seen: list[str] = []
    url: str | None = f"{N}/networks?limit=2&sort_key=name&sort_dir=asc"
    for _ in range(10):
        if url is None:
            break
        body = client.get(url, headers=as_demo).json()
        seen += [n["name"] for n in body["networks"]]
        links = body.get("networks_links", [])
        url = next((link["href"] for link in links if link["rel"] == "next"), None)
    assert seen == sorted(seen)
    assert {"page0", "page1", "page2", "private", "public"} == set(seen) and len(seen) == 5


def test_tags(client: TestClient, as_demo: dict) -> None:
    net = create(client, as_demo, "networks", name="tagged")
    other = create(client, as_demo, "networks", name="untagged")
    base = f"{N}/networks/{net['id']}/tags"
    assert client.put(base, json={"tags": ["red", "blue"]}, headers=as_demo).json() == {"tags": ["red", "blue"]}
    assert client.put(f"{base}/green", headers=as_demo).status_code == 201
    assert client.get(f"{base}/green", headers=as_demo).status_code == 204
    assert client.delete(f"{base}/red", headers=as_demo).status_code == 204
    assert_neutron_error(client.get(f"{base}/red", headers=as_demo), 404, "TagNotFound")
    assert sorted(client.get(base, headers=as_demo).json()["tags"]) == ["blue", "green"]
    assert names(client, as_demo, "networks", tags="blue") == ["tagged"]
    assert other["name"] in names(client, as_demo, "networks", **{"not-tags": "blue"})
    assert client.delete(base, headers=as_demo).status_code == 204
    assert client.get(base, headers=as_demo).json() == {"tags": []}


def test_reader_cannot_create(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """Write actions need the member role (policy `create_network`)."""
    from dataclasses import replace

    from lab.cloud.errors import Forbidden

    ctx = cloud.identity.context_for_token(as_demo["X-Auth-Token"])
    reader = replace(ctx, roles=("reader",))
    with pytest.raises(Forbidden):
        cloud.network.create(reader, "networks", {"network": {"name": "nope"}})
