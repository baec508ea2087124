"""Behaviours tempest found missing once the services ran together, each checked here in-process: Nova's
server ips, adminPass, console tail, deferred-delete actions and flavor filters; Neutron's bulk create, address
pairs and port errors; Cinder's attach bookkeeping actions and snapshot lists; Glance's column filters; and no
slash redirects anywhere (OpenStack answers 404 for a stray trailing slash)."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.compute_support import API, create_server
from tests.cloud.network_helpers import N, assert_neutron_error, create, names
from tests.cloud.volume_support import create_snapshot, create_volume, show_volume, url


def act(client: TestClient, headers: dict, server_id: str, body: dict) -> Any:
    return client.post(f"{API}/servers/{server_id}/action", headers=headers, json=body)


# ---------------------------------------------------------------------------------------------- compute
def test_server_ips_by_network(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo)
    addr = server["addresses"]["private"][0]["addr"]
    r = client.get(f"{API}/servers/{server['id']}/ips", headers=as_demo)
    assert r.status_code == 200 and r.json() == {"addresses": {"private": [{"version": 4, "addr": addr}]}}
    r = client.get(f"{API}/servers/{server['id']}/ips/private", headers=as_demo)
    assert r.json() == {"private": [{"version": 4, "addr": addr}]}
    r = client.get(f"{API}/servers/{server['id']}/ips/public", headers=as_demo)
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == "Instance is not a member of specified network"


def test_admin_pass_is_echoed(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    image = client.get("/image/v2/images?name=cirros", headers=as_demo).json()["images"][0]["id"]
    r = client.post(f"{API}/servers", headers=as_demo, json={"server": {
        "name": "vm", "flavorRef": "1", "imageRef": image, "adminPass": "s3cret"}})
    assert r.status_code == 202 and r.json()["server"]["adminPass"] == "s3cret"
    r = client.post(f"{API}/servers", headers=as_demo, json={"server": {
        "name": "vm2", "flavorRef": "1", "imageRef": image}})
    assert len(r.json()["server"]["adminPass"]) >= 8  # generated when none is given


def test_force_delete_restore_and_unsupported_actions(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """forceDelete deletes; restore has nothing to restore (409); Nova's other actions are 400 here, but an
    unknown server is 404 first, as in Nova; a made-up action is 400 whatever the server."""
    server = create_server(client, cloud, as_demo)
    r = act(client, as_demo, server["id"], {"restore": None})
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == (
        f"Cannot 'restore' instance {server['id']} while it is in vm_state active")
    r = act(client, as_demo, server["id"], {"createBackup": {"name": "b", "backup_type": "daily", "rotation": 1}})
    assert (r.status_code, r.json()["badRequest"]["message"]) == (400, "There is no such action: createBackup")
    unknown = "0b0e7c9d-0000-4000-8000-000000000000"
    for action in ("lock", "pause", "shelve", "createBackup", "forceDelete", "restore"):
        r = act(client, as_demo, unknown, {action: None})
        assert r.status_code == 404, action
        assert r.json()["itemNotFound"]["message"] == f"Instance {unknown} could not be found."
    r = act(client, as_demo, unknown, {"fly": None})
    assert (r.status_code, r.json()["badRequest"]["message"]) == (400, "There is no such action: fly")
    assert act(client, as_demo, server["id"], {"forceDelete": None}).status_code == 202
    assert client.get(f"{API}/servers/{server['id']}", headers=as_demo).status_code == 404


def test_flavor_is_public_spellings(client: TestClient, as_admin: dict) -> None:
    for spelled, public in (("f", False), ("no", False), ("0", False), ("t", True), ("YES", True)):
        r = client.get(f"{API}/flavors/detail?is_public={spelled}", headers=as_admin)
        assert r.status_code == 200
        assert all(f["os-flavor-access:is_public"] is public for f in r.json()["flavors"])
    r = client.get(f"{API}/flavors/detail?is_public=maybe", headers=as_admin)
    assert (r.status_code, r.json()["badRequest"]["message"]) == (400, "Invalid is_public filter [maybe]")
    r = client.post(f"{API}/flavors", headers=as_admin, json={"flavor": {
        "name": "priv", "ram": 64, "vcpus": 1, "disk": 1, "os-flavor-access:is_public": "False"}})
    assert r.status_code == 200 and r.json()["flavor"]["os-flavor-access:is_public"] is False
    r = client.post(f"{API}/flavors", headers=as_admin, json={"flavor": {
        "name": "odd", "ram": 64, "vcpus": 1, "disk": 1, "os-flavor-access:is_public": "perhaps"}})
    assert r.status_code == 400
    assert "odd" not in {f["name"] for f in client.get(f"{API}/flavors?is_public=None", headers=as_admin)
                         .json()["flavors"]}


def test_versions_at_the_bare_prefix_with_a_slash(client: TestClient) -> None:
    r = client.get("/compute/")
    assert r.status_code == 200 and [v["id"] for v in r.json()["versions"]] == ["v2.0", "v2.1"]


# ---------------------------------------------------------------------------------------------- slashes
def test_a_stray_trailing_slash_is_404_not_a_redirect(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    r = client.get("/image/v2/images/", headers=as_demo, follow_redirects=False)
    assert r.status_code == 404
    r = client.delete(url(cloud, as_demo, "volumes/"), headers=as_demo, follow_redirects=False)
    assert r.status_code == 404 and r.json()["itemNotFound"]["code"] == 404
    r = client.get(f"{N}/networks/", headers=as_demo, follow_redirects=False)
    assert r.status_code == 404 and r.json()["NeutronError"]["type"] == "HTTPNotFound"


# ---------------------------------------------------------------------------------------------- network
def test_bulk_create_is_all_or_nothing(client: TestClient, as_demo: dict) -> None:
    r = client.post(f"{N}/networks", headers=as_demo, json={"networks": [{"name": "b1"}, {"name": "b2"}]})
    assert r.status_code == 201 and [n["name"] for n in r.json()["networks"]] == ["b1", "b2"]
    r = client.post(f"{N}/networks", headers=as_demo, json={"networks": [{"name": "b3"}, {"name": "b4",
                                                                                            "mtu": "x"}]})
    assert_neutron_error(r, 400, "HTTPBadRequest", "Invalid input for mtu. Reason: 'x' is not an integer.")
    assert "b3" not in names(client, as_demo, "networks")


def test_address_pairs_keep_the_address_as_given(client: TestClient, as_demo: dict) -> None:
    net = create(client, as_demo, "networks", name="n")
    create(client, as_demo, "subnets", network_id=net["id"], cidr="10.77.0.0/24", ip_version=4)
    port = create(client, as_demo, "ports", network_id=net["id"],
                  allowed_address_pairs=[{"ip_address": "10.77.0.50"}, {"ip_address": "10.77.1.0/24"}])
    assert [p["ip_address"] for p in port["allowed_address_pairs"]] == ["10.77.0.50", "10.77.1.0/24"]


def test_rule_port_out_of_range_is_neutrons_message(client: TestClient, as_demo: dict) -> None:
    sg = create(client, as_demo, "security-groups", name="sg")
    for low, high, bad in ((-16, 80, -16), (80, 65536, 65536)):
        r = client.post(f"{N}/security-group-rules", headers=as_demo, json={"security_group_rule": {
            "security_group_id": sg["id"], "direction": "ingress", "protocol": "tcp", "port_range_min": low,
            "port_range_max": high}})
        assert_neutron_error(r, 400, "SecurityGroupInvalidPortValue", f"Invalid value for port {bad}")
    rules = client.get(f"{N}/security-group-rules", params={"security_group_id": sg["id"]}, headers=as_demo)
    assert len(rules.json()["security_group_rules"]) == 2  # the two default egress rules only


# ---------------------------------------------------------------------------------------------- volume
def action(client: TestClient, cloud: Cloud, headers: dict, volume_id: str, body: dict) -> Any:
    return client.post(url(cloud, headers, f"volumes/{volume_id}/action"), headers=headers, json=body)


def test_reserve_attach_detach_bookkeeping(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """Cinder's actions Nova calls: reserve/unreserve, attach/detach (records only), begin/roll detaching."""
    vol = create_volume(client, cloud, as_demo)
    assert action(client, cloud, as_demo, vol["id"], {"os-reserve": {}}).status_code == 202
    assert show_volume(client, cloud, as_demo, vol["id"])["status"] == "attaching"
    r = action(client, cloud, as_demo, vol["id"], {"os-reserve": {}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid volume: Volume status must be available to reserve, but the status is attaching.")
    assert action(client, cloud, as_demo, vol["id"], {"os-unreserve": {}}).status_code == 202
    server = "5c3d0d0e-0000-4000-8000-000000000000"
    r = action(client, cloud, as_demo, vol["id"], {"os-attach": {"instance_uuid": server, "mountpoint": "/dev/vdb"}})
    assert r.status_code == 202
    shown = show_volume(client, cloud, as_demo, vol["id"])
    assert shown["status"] == "in-use"
    assert [(a["server_id"], a["device"], a["id"]) for a in shown["attachments"]] == [(server, "/dev/vdb",
                                                                                      vol["id"])]
    assert action(client, cloud, as_demo, vol["id"], {"os-begin_detaching": {}}).status_code == 202
    assert show_volume(client, cloud, as_demo, vol["id"])["status"] == "detaching"
    assert action(client, cloud, as_demo, vol["id"], {"os-roll_detaching": {}}).status_code == 202
    assert action(client, cloud, as_demo, vol["id"], {"os-detach": {}}).status_code == 202
    shown = show_volume(client, cloud, as_demo, vol["id"])
    assert (shown["status"], shown["attachments"]) == ("available", [])
    assert action(client, cloud, as_demo, vol["id"], {"os-update_readonly_flag": {"readonly": True}}
                  ).status_code == 202
    assert show_volume(client, cloud, as_demo, vol["id"])["metadata"]["readonly"] == "True"
    unknown = "6d4e1e1f-0000-4000-8000-000000000000"
    for body in ({"os-reserve": {}}, {"os-detach": {}}, {"os-attach": {"instance_uuid": server,
                                                                       "mountpoint": "/dev/vdc"}}):
        r = action(client, cloud, as_demo, unknown, body)
        assert r.status_code == 404
        assert r.json()["itemNotFound"]["message"] == f"Volume {unknown} could not be found."


def test_snapshot_list_sort_offset_and_limit_zero(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    vol = create_volume(client, cloud, as_demo)
    snaps = [create_snapshot(client, cloud, as_demo, vol["id"], name=n) for n in ("b", "c", "a")]
    base = url(cloud, as_demo, "snapshots")

    def listed(query: str) -> list[str]:
        r = client.get(f"{base}?{query}", headers=as_demo)
        assert r.status_code == 200, r.text
        return [s["name"] for s in r.json()["snapshots"]]

    assert listed("sort=name:asc") == ["a", "b", "c"]
    assert listed("sort_key=display_name&sort_dir=desc") == ["c", "b", "a"]
    assert listed("sort=name:asc&offset=1") == ["b", "c"]
    assert listed("limit=0") == []
    assert sorted(listed("sort=id:asc")) == sorted(s["name"] for s in snaps)
    r = client.get(f"{base}?sort=colour:asc", headers=as_demo)
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == "Invalid input received: Invalid sort key colour."


def test_snapshot_of_no_volume_is_404(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    r = client.post(url(cloud, as_demo, "snapshots"), headers=as_demo, json={"snapshot": {"volume_id": None}})
    assert r.status_code == 404
    assert r.json() == {"itemNotFound": {"code": 404, "message": "Volume None could not be found."}}


# ---------------------------------------------------------------------------------------------- image
def test_image_list_filters_on_size_and_min_disk(client: TestClient, as_demo: dict) -> None:
    headers = {**as_demo}
    made = client.post("/image/v2/images", headers=headers, json={"name": "sized", "disk_format": "raw",
                                                                   "container_format": "bare", "min_disk": 3})
    image = made.json()
    client.put(f"/image/v2/images/{image['id']}/file", headers={**headers,
               "Content-Type": "application/octet-stream"}, content=b"x" * 1234)
    found = client.get("/image/v2/images?size=1234", headers=headers).json()["images"]
    assert [i["id"] for i in found] == [image["id"]]
    assert client.get("/image/v2/images?size=1235", headers=headers).json()["images"] == []
    assert [i["name"] for i in client.get("/image/v2/images?min_disk=3", headers=headers).json()["images"]] == [
        "sized"]
