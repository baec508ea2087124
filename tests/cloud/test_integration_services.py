"""The merged cloud as one: compute with the real network, volume and image services behind it, through HTTP.

Each service has its own tests against stand-ins; these check the contracts between them (BRIEF.md) with the
real parts: ports and addresses for servers, volumes attached through Nova's os-volume_attachments, and the
image's min_ram/min_disk against the flavor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.compute.models import Server
from lab.cloud.network.models import Port
from tests.cloud.compute_support import API, create_server, image_id, other_headers
from tests.cloud.network_helpers import N, create, network_with_subnet, public_network
from tests.cloud.volume_support import create_volume, show_volume


def ports_of(client: TestClient, headers: dict[str, str], server_id: str) -> list[dict[str, Any]]:
    r = client.get(f"{N}/ports", params={"device_id": server_id}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["ports"]  # type: ignore[no-any-return]


def counts(cloud: Cloud) -> tuple[int, int]:
    """(servers, ports) in the database: what a refused create must leave unchanged."""
    with cloud.db.read() as db:
        return (int(db.scalar(select(func.count()).select_from(Server)) or 0),
                int(db.scalar(select(func.count()).select_from(Port)) or 0))


# ---------------------------------------------------------------------------------------------- compute + network
def test_no_networks_key_gives_a_port_on_the_only_network(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """At mv 2.1 OSC sends no `networks` key: the server gets a port on demo's `private` network, shown as a
    fixed address in show and in the list; delete frees the port."""
    server = create_server(client, cloud, as_demo)
    (port,) = ports_of(client, as_demo, server["id"])
    assert port["device_owner"] == "compute:nova"
    ip = port["fixed_ips"][0]["ip_address"]
    assert ip.startswith("10.0.0.")
    assert server["addresses"] == {"private": [{"version": 4, "addr": ip, "OS-EXT-IPS:type": "fixed",
                                                "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]}]}
    listed = client.get(f"{API}/servers/detail", headers=as_demo).json()["servers"]
    assert [s["addresses"] for s in listed if s["id"] == server["id"]] == [server["addresses"]]
    assert server["security_groups"] == [{"name": "default"}]
    assert client.delete(f"{API}/servers/{server['id']}", headers=as_demo).status_code == 204
    assert ports_of(client, as_demo, server["id"]) == []
    r = client.get(f"{N}/ports/{port['id']}", headers=as_demo)
    assert r.status_code == 404 and r.json()["NeutronError"]["type"] == "PortNotFound"


def test_several_networks_without_networks_key_is_409_and_creates_nothing(client: TestClient, cloud: Cloud,
                                                                           as_demo: dict) -> None:
    network_with_subnet(client, as_demo)
    before = counts(cloud)
    r = client.post(f"{API}/servers", headers=as_demo, json={"server": {
        "name": "vm", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo)}})
    assert r.status_code == 409
    assert r.json() == {"conflictingRequest": {
        "code": 409, "message": "Multiple possible networks found, use a Network ID to be more specific."}}
    assert counts(cloud) == before


def test_network_port_fixed_ip_and_security_groups_by_name_and_id(client: TestClient, cloud: Cloud,
                                                                  as_demo: dict) -> None:
    """`--network` with a fixed IP, `--port` (a port made first), groups given by name and by id (OSC sends the
    id in `name`); addresses are keyed by network name; delete keeps the given port but unbinds it."""
    net, sub = network_with_subnet(client, as_demo, cidr="192.168.50.0/24", name="net1")
    web = create(client, as_demo, "security-groups", name="web")
    port = create(client, as_demo, "ports", network_id=net["id"], name="given")
    server = create_server(client, cloud, as_demo, networks=[
        {"uuid": net["id"], "fixed_ip": "192.168.50.77"}, {"port": port["id"]}],
        security_groups=[{"name": web["id"]}, {"name": "default"}])
    assert server["status"] == "ACTIVE"
    addrs = sorted(a["addr"] for a in server["addresses"]["net1"])
    assert addrs == sorted(["192.168.50.77", port["fixed_ips"][0]["ip_address"]])
    assert sorted(g["name"] for g in server["security_groups"]) == ["default", "web"]
    guest_nics = cloud.compute_driver._load(server["id"])["nics"]  # what the driver was given to plug in
    assert port["id"] in {nic["port_id"] for nic in guest_nics} and len(guest_nics) == 2
    assert client.delete(f"{API}/servers/{server['id']}", headers=as_demo).status_code == 204
    kept = client.get(f"{N}/ports/{port['id']}", headers=as_demo).json()["port"]
    assert (kept["device_id"], kept["device_owner"]) == ("", "")
    assert [p["id"] for p in client.get(f"{N}/ports", params={"network_id": net["id"]},
                                        headers=as_demo).json()["ports"]
            if p["device_owner"].startswith("compute:")] == []


def test_bad_network_requests_are_novas_400_and_create_nothing(client: TestClient, cloud: Cloud,
                                                               as_demo: dict) -> None:
    net, _sub = network_with_subnet(client, as_demo, cidr="192.168.60.0/24")
    before = counts(cloud)
    cases = [
        ({"networks": [{"uuid": net["id"], "fixed_ip": "10.9.9.9"}]},
         f"Fixed IP 10.9.9.9 is not a valid ip address for network {net['id']}."),
        ({"networks": [{"port": "8a6d1d2e-0000-4000-8000-000000000000"}]},
         "Port id 8a6d1d2e-0000-4000-8000-000000000000 could not be found."),
    ]
    for extra, message in cases:
        r = client.post(f"{API}/servers", headers=as_demo, json={"server": {
            "name": "vm", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo), **extra}})
        assert r.status_code == 400, r.text
        assert r.json() == {"badRequest": {"code": 400, "message": message}}
    assert counts(cloud) == before


def test_floating_ip_shows_as_floating_in_addresses(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo)
    (port,) = ports_of(client, as_demo, server["id"])
    fip = create(client, as_demo, "floatingips", floating_network_id=public_network(client, as_demo)["id"])
    r = client.put(f"{N}/floatingips/{fip['id']}", headers=as_demo, json={"floatingip": {"port_id": port["id"]}})
    assert r.status_code == 200, r.text
    shown = client.get(f"{API}/servers/{server['id']}", headers=as_demo).json()["server"]
    kinds = {a["addr"]: a["OS-EXT-IPS:type"] for a in shown["addresses"]["private"]}
    assert kinds == {port["fixed_ips"][0]["ip_address"]: "fixed", fip["floating_ip_address"]: "floating"}
    client.delete(f"{API}/servers/{server['id']}", headers=as_demo)
    after = client.get(f"{N}/floatingips/{fip['id']}", headers=as_demo).json()["floatingip"]
    assert (after["port_id"], after["fixed_ip_address"], after["status"]) == (None, None, "DOWN")


# ---------------------------------------------------------------------------------------------- compute + volume
def attachments(server_id: str) -> str:
    return f"{API}/servers/{server_id}/os-volume_attachments"


def test_attach_and_detach_through_compute(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """`server add volume`: 200, the guest gets the disk, `volumes_attached` and `volume show` agree;
    `server remove volume`: 202, available again, the guest no longer has it."""
    server = create_server(client, cloud, as_demo)
    vol = create_volume(client, cloud, as_demo)
    r = client.post(attachments(server["id"]), headers=as_demo, json={"volumeAttachment": {
        "volumeId": vol["id"], "device": None}})
    assert r.status_code == 200, r.text
    assert r.json() == {"volumeAttachment": {"id": vol["id"], "volumeId": vol["id"], "serverId": server["id"],
                                             "device": "/dev/vdb"}}
    assert set(cloud.compute_driver.disks(server["id"])) == {vol["id"]}
    shown = client.get(f"{API}/servers/{server['id']}", headers=as_demo).json()["server"]
    assert shown["os-extended-volumes:volumes_attached"] == [{"id": vol["id"]}]
    volume = show_volume(client, cloud, as_demo, vol["id"])
    assert volume["status"] == "in-use"
    assert [(a["server_id"], a["device"]) for a in volume["attachments"]] == [(server["id"], "/dev/vdb")]
    listed = client.get(attachments(server["id"]), headers=as_demo).json()["volumeAttachments"]
    assert [a["volumeId"] for a in listed] == [vol["id"]]
    r = client.delete(f"{attachments(server['id'])}/{vol['id']}", headers=as_demo)
    assert r.status_code == 202
    assert cloud.compute_driver.disks(server["id"]) == {}
    assert show_volume(client, cloud, as_demo, vol["id"])["status"] == "available"
    shown = client.get(f"{API}/servers/{server['id']}", headers=as_demo).json()["server"]
    assert shown["os-extended-volumes:volumes_attached"] == []


def test_another_projects_server_is_404_for_attachments(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """A member of another project cannot attach its volume to demo's server, list or detach its volumes:
    Nova's 404 for the server, and nothing changes."""
    server = create_server(client, cloud, as_demo)
    mine = create_volume(client, cloud, as_demo)
    client.post(attachments(server["id"]), headers=as_demo, json={"volumeAttachment": {"volumeId": mine["id"]}})
    other = other_headers(client, cloud)
    theirs = create_volume(client, cloud, other)
    missing = {"itemNotFound": {"code": 404, "message": f"Instance {server['id']} could not be found."}}
    r = client.post(attachments(server["id"]), headers=other, json={"volumeAttachment": {"volumeId": theirs["id"]}})
    assert (r.status_code, r.json()) == (404, missing)
    r = client.get(attachments(server["id"]), headers=other)
    assert (r.status_code, r.json()) == (404, missing)
    r = client.delete(f"{attachments(server['id'])}/{mine['id']}", headers=other)
    assert (r.status_code, r.json()) == (404, missing)
    assert show_volume(client, cloud, other, theirs["id"])["status"] == "available"
    assert show_volume(client, cloud, as_demo, mine["id"])["status"] == "in-use"
    assert set(cloud.compute_driver.disks(server["id"])) == {mine["id"]}


def test_unknown_server_attachments_are_novas_404(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    unknown = "3f6c2b1a-0000-4000-8000-000000000000"
    vol = create_volume(client, cloud, as_demo)
    missing = {"itemNotFound": {"code": 404, "message": f"Instance {unknown} could not be found."}}
    r = client.get(attachments(unknown), headers=as_demo)
    assert (r.status_code, r.json()) == (404, missing)
    r = client.post(attachments(unknown), headers=as_demo, json={"volumeAttachment": {"volumeId": vol["id"]}})
    assert (r.status_code, r.json()) == (404, missing)
    assert show_volume(client, cloud, as_demo, vol["id"])["status"] == "available"


def test_attach_to_a_building_server_is_409(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    vol = create_volume(client, cloud, as_demo)  # (runs the worker: before the server, which stays BUILD)
    server = create_server(client, cloud, as_demo, run=False)
    r = client.post(attachments(server["id"]), headers=as_demo, json={"volumeAttachment": {"volumeId": vol["id"]}})
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == (
        f"Cannot 'attach_volume' instance {server['id']} while it is in task_state scheduling")
    assert (show_volume(client, cloud, as_demo, vol["id"])["status"]) == "available"


def test_server_delete_gives_its_volumes_back(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """Deleting a server with an attached volume: 204, the volume is available with its data file, the guest
    is destroyed by the worker."""
    server = create_server(client, cloud, as_demo)
    vol = create_volume(client, cloud, as_demo)
    client.post(attachments(server["id"]), headers=as_demo, json={"volumeAttachment": {"volumeId": vol["id"]}})
    assert client.delete(f"{API}/servers/{server['id']}", headers=as_demo).status_code == 204
    volume = show_volume(client, cloud, as_demo, vol["id"])
    assert (volume["status"], volume["attachments"]) == ("available", [])
    cloud.worker.run_due()
    assert server["id"] not in cloud.compute_driver.list_guests()
    assert show_volume(client, cloud, as_demo, vol["id"])["status"] == "available"


# ---------------------------------------------------------------------------------------------- compute + image
def test_image_min_ram_and_min_disk_against_the_flavor(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """Nova's 400s when the flavor is smaller than the image asks; a big enough flavor boots it."""
    image = image_id(client, cloud, as_demo)
    flavors = {f["id"]: f for f in client.get(f"{API}/flavors/detail", headers=as_demo).json()["flavors"]}
    tiny = flavors["1"]
    before = counts(cloud)
    for patch, message in (
            ({"path": "/min_ram", "value": tiny["ram"] + 1}, "Flavor's memory is too small for requested image."),
            ({"path": "/min_disk", "value": tiny["disk"] + 1},
             f"Flavor's disk is too small for requested image. Flavor disk is {tiny['disk'] * 1024**3} bytes, "
             f"minimum required by image is {(tiny['disk'] + 1) * 1024**3} bytes.")):
        r = client.patch(f"/image/v2/images/{image}", headers={**admin_headers(client), "Content-Type":
                         "application/openstack-images-v2.1-json-patch"}, json=[{"op": "replace", **patch}])
        assert r.status_code == 200, r.text
        r = client.post(f"{API}/servers", headers=as_demo, json={"server": {
            "name": "vm", "flavorRef": "1", "imageRef": image}})
        assert r.status_code == 400
        assert r.json() == {"badRequest": {"code": 400, "message": message}}
        client.patch(f"/image/v2/images/{image}", headers={**admin_headers(client), "Content-Type":
                     "application/openstack-images-v2.1-json-patch"}, json=[{"op": "replace", **patch, "value": 0}])
    assert counts(cloud) == before
    assert create_server(client, cloud, as_demo)["status"] == "ACTIVE"


def admin_headers(client: TestClient) -> dict[str, str]:
    from tests.conftest import ADMIN_PASSWORD, get_token

    return {"X-Auth-Token": get_token(client, "admin", ADMIN_PASSWORD, "admin")}
