"""Servers: create (202 + BUILD -> ACTIVE), list/detail with filters and paging, show, update, delete in any
state, metadata, and the negative cases with Nova's bodies."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.events import Event
from tests.cloud.compute_support import (
    API,
    SERVER_ALLOWED,
    SERVER_REQUIRED,
    SERVER_UPDATE_ALLOWED,
    create_server,
    image_id,
    other_headers,
    project_id,
    reader_headers,
)


def server_count(client: TestClient, headers: dict) -> int:
    return len(client.get(f"{API}/servers", headers=headers).json()["servers"])


def test_create_is_202_build_then_active(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """POST answers 202 with only tempest's create keys; the server is BUILD until the worker runs."""
    body = {"server": {"name": "vm1", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo),
                       "min_count": 1, "max_count": 1, "accessIPv4": "10.1.2.3"}}
    r = client.post(f"{API}/servers", headers=as_demo, json=body)
    assert r.status_code == 202
    created = r.json()["server"]
    assert set(created) <= {"id", "links", "OS-DCF:diskConfig", "security_groups", "adminPass"}
    shown = client.get(f"{API}/servers/{created['id']}", headers=as_demo).json()["server"]
    assert shown["status"] == "BUILD" and shown["OS-EXT-STS:vm_state"] == "building"
    assert cloud.worker.run_due() >= 1
    shown = client.get(f"{API}/servers/{created['id']}", headers=as_demo).json()["server"]
    assert shown["status"] == "ACTIVE" and shown["OS-EXT-STS:power_state"] == 1
    assert shown["accessIPv4"] == "10.1.2.3"
    assert shown["OS-SRV-USG:launched_at"] is not None


def test_server_body_has_tempests_keys(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """Every required 2.1 key and nothing else; OS-EXT-SRV-ATTR only for admins."""
    server = create_server(client, cloud, as_demo, key_name=None)
    assert SERVER_REQUIRED <= set(server) <= SERVER_ALLOWED
    assert not any(k.startswith("OS-EXT-SRV-ATTR") for k in server)
    assert server["OS-EXT-AZ:availability_zone"] == "nova" and server["config_drive"] == ""
    assert server["flavor"]["id"] == "1" and server["image"]["id"] == image_id(client, cloud, as_demo)
    assert server["os-extended-volumes:volumes_attached"] == []
    admin_view = client.get(f"{API}/servers/{server['id']}", headers=as_admin).json()["server"]
    assert admin_view["OS-EXT-SRV-ATTR:instance_name"].startswith("instance-")
    assert SERVER_REQUIRED <= set(admin_view) <= SERVER_ALLOWED


def test_osc_create_body_with_bdm_is_an_image_boot(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """OSC repeats the image as a block_device_mapping_v2 entry and sends security groups by name."""
    image = image_id(client, cloud, as_demo)
    body = {"server": {"name": "osc", "imageRef": image, "flavorRef": "1", "min_count": 1, "max_count": 1,
                       "security_groups": [{"name": "default"}],
                       "block_device_mapping_v2": [{"uuid": image, "boot_index": 0, "source_type": "image",
                                                    "destination_type": "local", "delete_on_termination": True}]}}
    r = client.post(f"{API}/servers", headers=as_demo, json=body)
    assert r.status_code == 202, r.text
    cloud.worker.run_due()
    shown = client.get(f"{API}/servers/{r.json()['server']['id']}", headers=as_demo).json()["server"]
    assert shown["status"] == "ACTIVE" and shown["image"]["id"] == image


def test_metadata_user_data_and_key_name(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    client.post(f"{API}/os-keypairs", headers=as_demo, json={"keypair": {"name": "k1"}})
    server = create_server(client, cloud, as_demo, key_name="k1", metadata={"role": "web"},
                           user_data="I2Nsb3VkLWNvbmZpZwo=")
    assert server["key_name"] == "k1" and server["metadata"] == {"role": "web"}


def test_bad_flavor_image_key_and_name_are_400(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """Unknown flavor or key pair, a name too long, malformed JSON: Nova's 400 bodies, and nothing created."""
    image = image_id(client, cloud, as_demo)
    cases = [
        ({"name": "x", "flavorRef": "99", "imageRef": image}, "Flavor 99 could not be found."),
        ({"name": "x", "flavorRef": "1", "imageRef": image, "key_name": "nope"}, "Invalid key_name provided."),
        ({"name": "x" * 256, "flavorRef": "1", "imageRef": image}, None),
        ({"name": "x", "flavorRef": "1", "imageRef": image, "accessIPv4": "not-an-ip"}, None),
        ({"name": "x", "flavorRef": "1", "imageRef": image, "user_data": "%%%"},
         "User data needs to be valid base 64."),
        ({"name": "x", "flavorRef": "1", "imageRef": image, "availability_zone": "mars"},
         "The requested availability zone is not available"),
        ({"flavorRef": "1", "imageRef": image}, None),
    ]
    for server, message in cases:
        r = client.post(f"{API}/servers", headers=as_demo, json={"server": server})
        assert r.status_code == 400, (server, r.text)
        assert r.json()["badRequest"]["code"] == 400
        if message:
            assert r.json()["badRequest"]["message"] == message
    r = client.post(f"{API}/servers", headers={**as_demo, "Content-Type": "application/json"}, content=b"{nope")
    assert r.status_code == 400 and r.json()["badRequest"]["message"].startswith("Malformed request body")
    too_long = client.post(f"{API}/servers", headers=as_demo, json={"server": {
        "name": "x" * 256, "flavorRef": "1", "imageRef": image}})
    assert too_long.json()["badRequest"]["message"].startswith("Invalid input for field/attribute name.")
    assert server_count(client, as_demo) == 0
    with cloud.db.read() as db:
        assert db.scalars(select(Event).where(Event.resource_type == "server")).all() == []


def test_unknown_server_is_404(client: TestClient, as_demo: dict) -> None:
    for method, path in (("GET", "/servers/nope"), ("DELETE", "/servers/nope"), ("PUT", "/servers/nope")):
        r = client.request(method, f"{API}{path}", headers=as_demo, json={"server": {"name": "a"}})
        assert r.status_code == 404, (method, r.text)
        assert r.json() == {"itemNotFound": {"code": 404, "message": "Instance nope could not be found."}}


def test_another_projects_server_is_404(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    as_other = other_headers(client, cloud)
    server = create_server(client, cloud, as_demo)
    for method in ("GET", "DELETE"):
        r = client.request(method, f"{API}/servers/{server['id']}", headers=as_other)
        assert r.status_code == 404
        assert r.json()["itemNotFound"]["message"] == f"Instance {server['id']} could not be found."
    r = client.post(f"{API}/servers/{server['id']}/action", headers=as_other, json={"os-stop": None})
    assert r.status_code == 404
    assert server_count(client, as_other) == 0
    assert client.get(f"{API}/servers/{server['id']}", headers=as_demo).json()["server"]["status"] == "ACTIVE"


def test_reader_can_read_but_not_write(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    as_reader = reader_headers(client, cloud)
    server = create_server(client, cloud, as_demo)
    assert client.get(f"{API}/servers/{server['id']}", headers=as_reader).status_code == 200
    r = client.post(f"{API}/servers", headers=as_reader, json={"server": {
        "name": "r", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo)}})
    assert r.status_code == 403
    assert r.json() == {"forbidden": {
        "code": 403, "message": "Policy doesn't allow os_compute_api:servers:create to be performed."}}
    r = client.delete(f"{API}/servers/{server['id']}", headers=as_reader)
    assert r.status_code == 403
    assert server_count(client, as_demo) == 1


def test_list_is_brief_and_detail_is_full(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    create_server(client, cloud, as_demo, name="a")
    brief = client.get(f"{API}/servers", headers=as_demo).json()
    assert set(brief) == {"servers"} and set(brief["servers"][0]) == {"id", "name", "links"}
    detail = client.get(f"{API}/servers/detail?deleted=False", headers=as_demo).json()["servers"]
    assert SERVER_REQUIRED <= set(detail[0]) <= SERVER_ALLOWED


def test_list_filters(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """name is a regex (as in Nova), status, flavor and image filter exactly."""
    a = create_server(client, cloud, as_demo, name="web-1")
    create_server(client, cloud, as_demo, name="web-2", flavor="2")
    create_server(client, cloud, as_demo, name="db-1")
    client.post(f"{API}/servers/{a['id']}/action", headers=as_demo, json={"os-stop": None})

    def names(query: str) -> set[str]:
        r = client.get(f"{API}/servers/detail?{query}", headers=as_demo)
        assert r.status_code == 200, r.text
        return {s["name"] for s in r.json()["servers"]}

    assert names("name=web") == {"web-1", "web-2"}
    assert names("name=^db-1$") == {"db-1"}
    assert names("status=SHUTOFF") == {"web-1"}
    assert names("status=ACTIVE") == {"web-2", "db-1"}
    assert names("status=NOSUCH") == set()
    assert names("flavor=2") == {"web-2"}
    assert names(f"image={image_id(client, cloud, as_demo)}") == {"web-1", "web-2", "db-1"}
    assert names("image=other") == set()


def test_pagination_with_servers_links(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """limit/marker pages newest first; following servers_links visits every server once."""
    for i in range(5):
        create_server(client, cloud, as_demo, name=f"s{i}", run=False)
    seen: list[str] = []
    url = f"{API}/servers/detail?limit=2"
    for _ in range(10):
        page = client.get(url, headers=as_demo).json()
        seen += [s["name"] for s in page["servers"]]
        links = page.get("servers_links")
        if not links:
            break
        url = links[0]["href"].replace("http://127.0.0.1:8780", "")
    assert sorted(seen) == [f"s{i}" for i in range(5)] and len(seen) == 5
    r = client.get(f"{API}/servers?marker=nope", headers=as_demo)
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == "marker [nope] not found"


def test_changes_since_shows_recent_and_deleted(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    old = create_server(client, cloud, as_demo, name="old")
    cloud.clock.advance(timedelta(hours=1))
    mark = cloud.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    create_server(client, cloud, as_demo, name="new")
    gone = create_server(client, cloud, as_demo, name="gone")
    client.delete(f"{API}/servers/{gone['id']}", headers=as_demo)
    servers = client.get(f"{API}/servers/detail?changes-since={mark}", headers=as_demo).json()["servers"]
    assert {s["name"]: s["status"] for s in servers} == {"new": "ACTIVE", "gone": "DELETED"}
    assert old["name"] not in {s["name"] for s in servers}
    bad = client.get(f"{API}/servers?changes-since=yesterday", headers=as_demo)
    assert bad.status_code == 400


def test_changes_before_at_2_66_with_changes_since_is_a_window(client: TestClient, cloud: Cloud,
                                                               as_demo: dict) -> None:
    """`server list --changes-before` (2.66): servers updated at or before the moment, deleted ones too; with
    changes-since a window, and Nova's 400 when it is upside down. Before 2.66 the filter is ignored."""
    create_server(client, cloud, as_demo, name="early")
    cloud.clock.advance(timedelta(hours=1))
    mark = cloud.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    cloud.clock.advance(timedelta(hours=1))
    create_server(client, cloud, as_demo, name="late")
    v266 = {**as_demo, "OpenStack-API-Version": "compute 2.66"}
    names = {s["name"] for s in client.get(f"{API}/servers?changes-before={mark}", headers=v266).json()["servers"]}
    assert names == {"early"}
    ignored = client.get(f"{API}/servers?changes-before={mark}", headers=as_demo).json()["servers"]
    assert {s["name"] for s in ignored} == {"early", "late"}
    start = (cloud.clock.now() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    window = client.get(f"{API}/servers?changes-since={start}&changes-before={mark}", headers=v266).json()
    assert {s["name"] for s in window["servers"]} == {"early"}
    upside = client.get(f"{API}/servers?changes-since={mark}&changes-before={start}", headers=v266)
    assert upside.status_code == 400
    assert upside.json()["badRequest"]["message"] == \
        "The value of changes-since must be less than or equal to changes-before."


def test_all_tenants_for_admins_only(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    create_server(client, cloud, as_demo, name="demo-vm")
    create_server(client, cloud, as_admin, name="admin-vm")
    mine = {s["name"] for s in client.get(f"{API}/servers", headers=as_admin).json()["servers"]}
    everyone = {s["name"] for s in client.get(f"{API}/servers?all_tenants=True", headers=as_admin).json()["servers"]}
    assert mine == {"admin-vm"} and everyone == {"demo-vm", "admin-vm"}
    r = client.get(f"{API}/servers?all_tenants=True", headers=as_demo)
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == (
        "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed.")


def test_all_tenants_blank_and_tenant_filter(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """Nova's is_all_tenants, as tempest's ServersAdminTestJSON sends it: `all_tenants=` (blank) lists every
    project's servers; `tenant_id` narrows that to one project and is ignored without all_tenants."""
    create_server(client, cloud, as_demo, name="demo-vm")
    demo = project_id(client, as_demo)
    admin = project_id(client, as_admin)

    def names(query: str) -> set[str]:
        r = client.get(f"{API}/servers/detail?{query}", headers=as_admin)
        assert r.status_code == 200, r.text
        return {s["name"] for s in r.json()["servers"]}

    assert names("all_tenants=") == {"demo-vm"}
    assert names("all_tenants") == {"demo-vm"}
    assert names(f"tenant_id={demo}") == set()  # without all_tenants: the admin's own project
    assert names(f"all_tenants=&tenant_id={demo}") == {"demo-vm"}
    assert names(f"all_tenants=&tenant_id={admin}") == set()
    assert names(f"all_tenants=&project_id={demo}") == {"demo-vm"}
    assert names("all_tenants=false") == set()


def test_update_name_and_access_ips(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """PUT renames and answers the 2.1 update shape (no extension attributes)."""
    server = create_server(client, cloud, as_demo)
    r = client.put(f"{API}/servers/{server['id']}", headers=as_demo,
                   json={"server": {"name": "renamed", "accessIPv6": "2001:db8::1"}})
    assert r.status_code == 200
    body = r.json()["server"]
    assert body["name"] == "renamed" and body["accessIPv6"] == "2001:db8::1"
    assert SERVER_REQUIRED <= set(body) <= SERVER_UPDATE_ALLOWED
    bad = client.put(f"{API}/servers/{server['id']}", headers=as_demo, json={"server": {"flavor": "2"}})
    assert bad.status_code == 400
    assert client.get(f"{API}/servers/{server['id']}", headers=as_demo).json()["server"]["name"] == "renamed"


def test_delete_in_any_state_is_204_and_gone(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """A server still in BUILD is deleted at once; its build never makes a guest, and nothing stays behind."""
    building = create_server(client, cloud, as_demo, run=False)
    assert building["status"] == "BUILD"
    active = create_server(client, cloud, as_demo, name="vm2")
    for server in (building, active):
        assert client.delete(f"{API}/servers/{server['id']}", headers=as_demo).status_code == 204
        r = client.get(f"{API}/servers/{server['id']}", headers=as_demo)
        assert r.status_code == 404
    cloud.worker.run_due()
    assert cloud.compute_driver.list_guests() == []
    assert server_count(client, as_demo) == 0


def test_events_record_what_billing_needs(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo, flavor="2")
    client.delete(f"{API}/servers/{server['id']}", headers=as_demo)
    with cloud.db.read() as db:
        events = db.scalars(select(Event).where(Event.resource_id == server["id"]).order_by(Event.id)).all()
    assert [(e.action, e.attributes.get("status")) for e in events] == [
        ("create", None), ("status", "ACTIVE"), ("delete", None)]
    assert {k: events[0].attributes[k] for k in ("flavor_id", "flavor_name", "vcpus", "ram", "disk")} == {
        "flavor_id": "2", "flavor_name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20}
    assert events[-1].project_id == server["tenant_id"]


def test_server_metadata_api(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo, metadata={"a": "1"})
    url = f"{API}/servers/{server['id']}/metadata"
    assert client.get(url, headers=as_demo).json() == {"metadata": {"a": "1"}}
    assert client.post(url, headers=as_demo, json={"metadata": {"b": "2"}}).json() == {
        "metadata": {"a": "1", "b": "2"}}
    assert client.put(url, headers=as_demo, json={"metadata": {"c": "3"}}).json() == {"metadata": {"c": "3"}}
    assert client.put(f"{url}/d", headers=as_demo, json={"meta": {"d": "4"}}).json() == {"meta": {"d": "4"}}
    assert client.get(f"{url}/d", headers=as_demo).json() == {"meta": {"d": "4"}}
    mismatch = client.put(f"{url}/e", headers=as_demo, json={"meta": {"d": "5"}})
    assert mismatch.status_code == 400
    assert mismatch.json()["badRequest"]["message"] == "Request body and URI mismatch"
    assert client.delete(f"{url}/d", headers=as_demo).status_code == 204
    missing = client.get(f"{url}/d", headers=as_demo)
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == "Metadata item was not found"
    assert client.get(url, headers=as_demo).json() == {"metadata": {"c": "3"}}


def test_empty_networks_list_is_like_an_absent_key(client: TestClient, cloud: Cloud, as_demo: dict,
                                                   as_admin: dict) -> None:
    """`networks: []` (what `openstack server create` sends without --network) gets the project's one network,
    as an absent key does; several networks are 409 with Nova's message and create nothing; none gives no NIC."""
    empty = create_server(client, cloud, as_demo, name="empty", networks=[])
    absent = create_server(client, cloud, as_demo, name="absent")
    assert list(empty["addresses"]) == list(absent["addresses"]) == ["private"]
    assert create_server(client, cloud, as_admin, name="admin-vm", networks=[])["addresses"] == {}
    r = client.post("/network/v2.0/networks", json={"network": {"name": "second"}}, headers=as_demo)
    assert r.status_code == 201, r.text
    before = server_count(client, as_demo)
    for extra in ({"networks": []}, {}):
        body = {"server": {"name": "ambiguous", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo),
                           **extra}}
        r = client.post(f"{API}/servers", json=body, headers=as_demo)
        assert r.status_code == 409, r.text
        assert r.json() == {"conflictingRequest": {"code": 409, "message": (
            "Multiple possible networks found, use a Network ID to be more specific.")}}
    assert server_count(client, as_demo) == before


def test_multiple_create_returns_its_reservation_id(client: TestClient, cloud: Cloud, as_demo: dict,
                                                    as_admin: dict) -> None:
    """return_reservation_id (tempest's test_multiple_create_with_reservation_return): the 202 is Nova's
    {"reservation_id": "r-..."} alone; the servers of that request share it (2.3's OS-EXT-SRV-ATTR, each with
    its launch_index) and the list's reservation_id filter finds them."""
    body = {"server": {"name": "many", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo),
                       "min_count": 1, "max_count": 2, "return_reservation_id": True}}
    r = client.post(f"{API}/servers", headers=as_demo, json=body)
    assert r.status_code == 202, r.text
    assert set(r.json()) == {"reservation_id"} and "location" not in r.headers
    reservation = r.json()["reservation_id"]
    assert len(reservation) == 10 and reservation.startswith("r-")
    cloud.worker.run_due()
    one = create_server(client, cloud, as_demo, name="single")
    found = client.get(f"{API}/servers?reservation_id={reservation}", headers=as_demo).json()["servers"]
    assert sorted(s["name"] for s in found) == ["many-1", "many-2"]
    assert client.get(f"{API}/servers?reservation_id=r-00000000", headers=as_demo).json()["servers"] == []
    v23 = {**as_admin, "OpenStack-API-Version": "compute 2.3"}
    shown = {s["name"]: s for s in client.get(f"{API}/servers/detail?all_tenants=1", headers=v23).json()["servers"]}
    assert [shown[n]["OS-EXT-SRV-ATTR:reservation_id"] for n in ("many-1", "many-2")] == [reservation] * 2
    assert [shown[n]["OS-EXT-SRV-ATTR:launch_index"] for n in ("many-1", "many-2")] == [0, 1]
    assert shown["single"]["OS-EXT-SRV-ATTR:reservation_id"] not in ("", reservation)
    assert shown["single"]["id"] == one["id"]
    # without it (or with false) the create answers the first server, as before
    plain = client.post(f"{API}/servers", headers=as_demo, json={"server": {
        **body["server"], "name": "plain", "max_count": 1, "return_reservation_id": "False"}})
    assert plain.status_code == 202 and "server" in plain.json()
    bad = client.post(f"{API}/servers", headers=as_demo, json={"server": {
        **body["server"], "return_reservation_id": "maybe"}})
    assert bad.status_code == 400, bad.text
