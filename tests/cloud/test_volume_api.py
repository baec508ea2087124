"""Cinder v3 volumes through HTTP: discovery, create/show/list/update/extend/delete, their bad inputs with Cinder's
bodies, and the files on disk behind them."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.drivers.base import ImageSpec
from lab.cloud.drivers.files import GIB, virtual_size
from tests.cloud.volume_support import (
    ImageStandIn,
    create_snapshot,
    create_volume,
    file_of,
    project_of,
    show_volume,
    url,
    volume_files,
)

# Cinder 3.0's create response: exactly these keys (tempest's schema has additionalProperties: false).
CREATE_KEYS = {"id", "status", "size", "availability_zone", "created_at", "updated_at", "attachments", "name",
               "description", "volume_type", "snapshot_id", "source_volid", "metadata", "links", "user_id",
               "bootable", "encrypted", "replication_status", "consistencygroup_id", "multiattach"}
OSC_CREATE = {"size": 1, "name": "v1", "description": None, "metadata": None, "availability_zone": None,
              "volume_type": None, "snapshot_id": None, "source_volid": None, "consistencygroup_id": None,
              "backup_id": None, "imageRef": None}


def test_discovery_documents(client: TestClient) -> None:
    """GET /volume is 300 and /volume/v3/ 200, each listing v3.0 from min_version 3.0 to version 3.70 (Zed)."""
    r = client.get("/volume")
    assert r.status_code == 300
    for path in ("/volume/v3/", "/volume/v3"):
        r = client.get(path)
        assert r.status_code == 200
        (entry,) = r.json()["versions"]
        assert (entry["id"], entry["status"], entry["version"], entry["min_version"]) == (
            "v3.0", "CURRENT", "3.70", "3.0")
        assert entry["links"] == [{"rel": "self", "href": "http://127.0.0.1:8780/volume/v3/"}]


def test_catalog_has_block_storage_and_volumev3(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    r = client.get("/identity/v3/auth/catalog", headers=as_demo)
    by_type = {s["type"]: s for s in r.json()["catalog"]}
    project_id = project_of(cloud, as_demo)
    for kind in ("block-storage", "volumev3"):
        assert by_type[kind]["name"] == "cinder"
        assert {e["url"] for e in by_type[kind]["endpoints"]} == {
            f"http://127.0.0.1:8780/volume/v3/{project_id}"}


def test_microversion_headers(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """The negotiated version is echoed: none asked is 3.0, `latest` is 3.70; outside 3.0-3.70 is Cinder's 406."""
    volumes = url(cloud, as_demo, "volumes")
    for asked, served in (("volume 3.0", "3.0"), ("volume 3.65", "3.65"), ("volume latest", "3.70"), (None, "3.0"),
                          ("compute 2.90", "3.0")):
        headers = {**as_demo, **({"OpenStack-API-Version": asked} if asked else {})}
        r = client.get(volumes, headers=headers)
        assert r.status_code == 200 and r.headers["openstack-api-version"] == f"volume {served}", asked
    r = client.get(volumes, headers={**as_demo, "OpenStack-API-Version": "volume 3.71"})
    assert r.status_code == 406 and r.json()["notAcceptable"]["message"] == (
        "Version 3.71 is not supported by the API. Minimum is 3.0 and maximum is 3.70.")
    r = client.get(volumes, headers={**as_demo, "OpenStack-API-Version": "volume three"})
    assert r.status_code == 400


def test_create_with_explicit_nulls_is_202_creating_then_available(client: TestClient, cloud: Cloud,
                                                                   as_demo: dict) -> None:
    """OSC's body with nulls is accepted; the 202 body has Cinder's create keys only; the worker makes the file."""
    r = client.post(url(cloud, as_demo, "volumes"), headers=as_demo, json={"volume": OSC_CREATE})
    assert r.status_code == 202
    body = r.json()["volume"]
    assert set(body) == CREATE_KEYS
    assert (body["status"], body["size"], body["name"], body["bootable"], body["attachments"]) == (
        "creating", 1, "v1", "false", [])
    assert body["volume_type"] == "__DEFAULT__" and body["availability_zone"] == "nova" and body["metadata"] == {}
    assert volume_files(cloud) == []
    cloud.worker.run_due()
    shown = show_volume(client, cloud, as_demo, body["id"])
    assert shown["status"] == "available"
    assert shown["os-vol-tenant-attr:tenant_id"] == project_of(cloud, as_demo)
    assert "os-vol-host-attr:host" not in shown  # admin only
    path = file_of(cloud, body["id"])
    assert volume_files(cloud) == [path] and virtual_size(path) == 1 * GIB


def test_admin_show_has_host_and_migration_keys(client: TestClient, cloud: Cloud, as_admin: dict) -> None:
    vol = create_volume(client, cloud, as_admin)
    assert vol["os-vol-host-attr:host"] == "stacklab@file#file" and vol["migration_status"] is None


def test_bad_sizes_are_400_and_create_nothing(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """size 0, negative, not a number, missing: Cinder's validation messages; no row, no job, no file."""
    cloud.worker.run_due()  # what bootstrap queued (the network driver's sync jobs), so only new jobs count
    cases = {
        0: "Invalid input for field/attribute size. Value: 0. 0 is less than the minimum of 1",
        -1: "Invalid input for field/attribute size. Value: -1. -1 is less than the minimum of 1",
        "abc": "Invalid input for field/attribute size. Value: abc. 'abc' does not match '^[0-9]+$'",
        None: "Invalid input for field/attribute size. Value: None. None is not of type 'integer', 'string'",
    }
    for size, message in cases.items():
        r = client.post(url(cloud, as_demo, "volumes"), headers=as_demo, json={"volume": {"size": size}})
        assert r.status_code == 400
        assert r.json() == {"badRequest": {"code": 400, "message": message}}
    r = client.post(url(cloud, as_demo, "volumes"), headers=as_demo, json={"volume": {"size": 1, "colour": "red"}})
    assert r.status_code == 400 and "('colour' was unexpected)" in r.json()["badRequest"]["message"]
    assert cloud.worker.run_due() == 0
    assert client.get(url(cloud, as_demo, "volumes"), headers=as_demo).json() == {"volumes": []}
    assert volume_files(cloud) == []


def test_unknown_type_and_zone_are_refused(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    r = client.post(url(cloud, as_demo, "volumes"), headers=as_demo,
                    json={"volume": {"size": 1, "volume_type": "gold"}})
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == "Volume type with name gold could not be found."
    r = client.post(url(cloud, as_demo, "volumes"), headers=as_demo,
                    json={"volume": {"size": 1, "availability_zone": "mars"}})
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == "Invalid input received: Availability zone 'mars' is invalid."


def test_another_projects_volume_is_404_everywhere(client: TestClient, cloud: Cloud, as_admin: dict,
                                                   as_demo: dict) -> None:
    """The demo member can neither see, change, extend nor delete the admin project's volume."""
    vol = create_volume(client, cloud, as_admin, name="secret")
    missing = {"itemNotFound": {"code": 404, "message": f"Volume {vol['id']} could not be found."}}
    path = url(cloud, as_demo, f"volumes/{vol['id']}")
    assert client.get(path, headers=as_demo).json() == missing
    for r in (client.get(path, headers=as_demo),
              client.put(path, headers=as_demo, json={"volume": {"name": "mine"}}),
              client.post(f"{path}/action", headers=as_demo, json={"os-extend": {"new_size": 2}}),
              client.delete(path, headers=as_demo)):
        assert r.status_code == 404 and r.json() == missing
    assert client.get(url(cloud, as_demo, "volumes/detail"), headers=as_demo).json()["volumes"] == []
    after = show_volume(client, cloud, as_admin, vol["id"])
    assert (after["name"], after["size"], after["status"]) == ("secret", 1, "available")
    assert file_of(cloud, vol["id"]).exists()


def test_project_in_url_must_be_the_tokens(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict) -> None:
    other = project_of(cloud, as_admin)
    r = client.get(f"/volume/v3/{other}/volumes", headers=as_demo)
    assert r.status_code == 403 and "forbidden" in r.json()


def test_list_filters_sort_and_pagination(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """name/status/metadata filters, sort, and limit/marker with Cinder's volumes_links."""
    ids = [create_volume(client, cloud, as_demo, name=f"v{i}", size=i + 1, metadata={"tier": "a" if i % 2 else "b"})
           ["id"] for i in range(3)]
    detail = client.get(url(cloud, as_demo, "volumes/detail"), headers=as_demo).json()
    assert [v["id"] for v in detail["volumes"]] == ids[::-1] and "volumes_links" not in detail
    assert all(isinstance(v["attachments"], list) for v in detail["volumes"])
    brief = client.get(url(cloud, as_demo, "volumes"), headers=as_demo).json()["volumes"]
    assert set(brief[0]) == {"id", "name", "links"}
    by_name = client.get(url(cloud, as_demo, "volumes/detail?name=v1"), headers=as_demo).json()["volumes"]
    assert [v["id"] for v in by_name] == [ids[1]]
    tagged = client.get(url(cloud, as_demo, "volumes/detail"), headers=as_demo,
                        params={"metadata": "{'tier': 'b'}"}).json()["volumes"]
    assert {v["id"] for v in tagged} == {ids[0], ids[2]}
    assert client.get(url(cloud, as_demo, "volumes?status=error"), headers=as_demo).json()["volumes"] == []
    by_size = client.get(url(cloud, as_demo, "volumes/detail?sort=size:asc"), headers=as_demo).json()["volumes"]
    assert [v["size"] for v in by_size] == [1, 2, 3]
    first = client.get(url(cloud, as_demo, "volumes/detail?limit=2&sort=name:asc"), headers=as_demo).json()
    assert [v["name"] for v in first["volumes"]] == ["v0", "v1"]
    (link,) = first["volumes_links"]
    assert link["rel"] == "next" and f"marker={ids[1]}" in link["href"]
    second = client.get(link["href"], headers=as_demo).json()
    assert [v["name"] for v in second["volumes"]] == ["v2"] and "volumes_links" not in second
    r = client.get(url(cloud, as_demo, "volumes?sort=colour"), headers=as_demo)
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == "Invalid input received: Invalid sort key colour."


def test_admin_all_tenants(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict) -> None:
    mine = create_volume(client, cloud, as_demo)
    own = client.get(url(cloud, as_admin, "volumes"), headers=as_admin).json()["volumes"]
    assert own == []
    every = client.get(url(cloud, as_admin, "volumes/detail?all_tenants=True"), headers=as_admin).json()["volumes"]
    assert [v["id"] for v in every] == [mine["id"]]
    demo_all = client.get(url(cloud, as_demo, "volumes?all_tenants=1"), headers=as_demo).json()["volumes"]
    assert [v["id"] for v in demo_all] == [mine["id"]]  # a member's all_tenants is ignored: own project only


def test_update_name_description_and_metadata(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    vol = create_volume(client, cloud, as_demo, name="old", metadata={"a": "1"})
    path = url(cloud, as_demo, f"volumes/{vol['id']}")
    r = client.put(path, headers=as_demo, json={"volume": {"name": "new", "description": "d",
                                                           "metadata": {"b": "2"}}})
    assert r.status_code == 200
    body = r.json()["volume"]
    assert set(body) == CREATE_KEYS
    assert (body["name"], body["description"], body["metadata"]) == ("new", "d", {"b": "2"})
    assert client.post(f"{path}/metadata", headers=as_demo, json={"metadata": {"c": "3"}}).json() == {
        "metadata": {"b": "2", "c": "3"}}
    assert client.delete(f"{path}/metadata/b", headers=as_demo).status_code == 200
    assert client.get(f"{path}/metadata", headers=as_demo).json() == {"metadata": {"c": "3"}}
    r = client.delete(f"{path}/metadata/zzz", headers=as_demo)
    assert r.status_code == 404 and r.json()["itemNotFound"]["message"] == "Metadata item was not found"


def test_extend_grows_the_file(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """os-extend: 202, extending then available at the new size; the file grows; an event records both sizes."""
    vol = create_volume(client, cloud, as_demo)
    r = client.post(url(cloud, as_demo, f"volumes/{vol['id']}/action"), headers=as_demo,
                    json={"os-extend": {"new_size": 3}})
    assert r.status_code == 202 and r.content == b""
    assert show_volume(client, cloud, as_demo, vol["id"])["status"] == "extending"
    cloud.worker.run_due()
    shown = show_volume(client, cloud, as_demo, vol["id"])
    assert (shown["status"], shown["size"]) == ("available", 3)
    assert virtual_size(file_of(cloud, vol["id"])) == 3 * GIB
    from sqlalchemy import select

    from lab.cloud.events import Event

    with cloud.db.read() as db:
        resize = db.scalar(select(Event).where(Event.resource_id == vol["id"], Event.action == "resize"))
    assert resize is not None and resize.attributes["old_size"] == 1 and resize.attributes["size"] == 3


def test_extend_to_smaller_or_same_size_is_400(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    vol = create_volume(client, cloud, as_demo, size=2)
    for new_size in (1, 2):
        r = client.post(url(cloud, as_demo, f"volumes/{vol['id']}/action"), headers=as_demo,
                        json={"os-extend": {"new_size": new_size}})
        assert r.status_code == 400
        assert r.json()["badRequest"]["message"] == (
            f"Invalid input received: New size for extend must be greater than current size. "
            f"(current: 2, extended: {new_size}).")
    r = client.post(url(cloud, as_demo, f"volumes/{vol['id']}/action"), headers=as_demo,
                    json={"os-extend": {"new_size": 0}})
    assert r.status_code == 400 and "0 is less than the minimum of 1" in r.json()["badRequest"]["message"]
    assert cloud.worker.run_due() == 0
    assert show_volume(client, cloud, as_demo, vol["id"])["size"] == 2
    assert virtual_size(file_of(cloud, vol["id"])) == 2 * GIB


def test_unknown_action_is_400(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    vol = create_volume(client, cloud, as_demo)
    r = client.post(url(cloud, as_demo, f"volumes/{vol['id']}/action"), headers=as_demo, json={"os-fly": {}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == "There is no such action: os-fly"


def test_set_bootable_and_reset_status_admin_only(client: TestClient, cloud: Cloud, as_admin: dict,
                                                  as_demo: dict) -> None:
    vol = create_volume(client, cloud, as_demo)
    action = url(cloud, as_demo, f"volumes/{vol['id']}/action")
    assert client.post(action, headers=as_demo, json={"os-set_bootable": {"bootable": True}}).status_code == 200
    assert show_volume(client, cloud, as_demo, vol["id"])["bootable"] == "true"
    r = client.post(action, headers=as_demo, json={"os-reset_status": {"status": "error"}})
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == (
        "Policy doesn't allow volume_extension:volume_admin_actions:reset_status to be performed.")
    assert show_volume(client, cloud, as_demo, vol["id"])["status"] == "available"
    admin_action = f"/volume/v3/{project_of(cloud, as_admin)}/volumes/{vol['id']}/action"
    assert client.post(admin_action, headers=as_admin, json={"os-reset_status": {"status": "error"}}).status_code == 202
    assert show_volume(client, cloud, as_demo, vol["id"])["status"] == "error"


def test_delete_removes_the_row_and_the_file(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    vol = create_volume(client, cloud, as_demo)
    path = file_of(cloud, vol["id"])
    r = client.delete(url(cloud, as_demo, f"volumes/{vol['id']}"), headers=as_demo)
    assert r.status_code == 202
    assert show_volume(client, cloud, as_demo, vol["id"])["status"] == "deleting"
    cloud.worker.run_due()
    assert client.get(url(cloud, as_demo, f"volumes/{vol['id']}"), headers=as_demo).status_code == 404
    assert not path.exists() and volume_files(cloud) == []


def test_delete_with_snapshots_is_400_unless_cascade(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    vol = create_volume(client, cloud, as_demo)
    snap = create_snapshot(client, cloud, as_demo, vol["id"])
    r = client.delete(url(cloud, as_demo, f"volumes/{vol['id']}"), headers=as_demo)
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"].startswith(
        "Invalid volume: Volume status must be available or error or error_restoring or error_extending or "
        "error_managing and must not be migrating, attached, belong to a group, have snapshots")
    assert show_volume(client, cloud, as_demo, vol["id"])["status"] == "available"
    r = client.delete(url(cloud, as_demo, f"volumes/{vol['id']}?cascade=True"), headers=as_demo)
    assert r.status_code == 202
    cloud.worker.run_due()
    assert client.get(url(cloud, as_demo, f"snapshots/{snap['id']}"), headers=as_demo).status_code == 404
    assert volume_files(cloud) == [] and list(cloud.volume.driver.snapshots_dir.iterdir()) == []


def test_volume_from_snapshot_and_from_source(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """Copies keep the source's bytes; size defaults to the source's; smaller than the source is 400."""
    src = create_volume(client, cloud, as_demo, size=2)
    with file_of(cloud, src["id"]).open("r+b") as f:  # raw or qcow2, the file's first bytes are compared below
        head = f.read(64)
    snap = create_snapshot(client, cloud, as_demo, src["id"])
    from_snap = create_volume(client, cloud, as_demo, size=None, snapshot_id=snap["id"])
    assert (from_snap["status"], from_snap["size"], from_snap["snapshot_id"]) == ("available", 2, snap["id"])
    clone = create_volume(client, cloud, as_demo, size=3, source_volid=src["id"])
    assert (clone["status"], clone["size"], clone["source_volid"]) == ("available", 3, src["id"])
    assert file_of(cloud, from_snap["id"]).open("rb").read(4) == head[:4]
    r = client.post(url(cloud, as_demo, "volumes"), headers=as_demo,
                    json={"volume": {"size": 1, "snapshot_id": snap["id"]}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid input received: Volume size '1'GB cannot be smaller than the snapshot size 2GB. "
        "They must be >= original snapshot size.")
    r = client.post(url(cloud, as_demo, "volumes"), headers=as_demo,
                    json={"volume": {"size": 1, "snapshot_id": "nope"}})
    assert r.status_code == 404 and r.json()["itemNotFound"]["message"] == "Snapshot nope could not be found."


def test_volume_from_unknown_image_is_refused(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """An imageRef the image service does not know is Cinder's 404 (where a boot from it is Nova's 400), and no
    volume is made."""
    missing = "00000000-0000-0000-0000-000000000000"
    r = client.post(url(cloud, as_demo, "volumes"), headers=as_demo, json={"volume": {"size": 1, "imageRef": missing}})
    assert r.status_code == 404 and r.json() == {"itemNotFound": {"code": 404, "message":
                                                                  f"Image {missing} could not be found."}}
    assert client.get(url(cloud, as_demo, "volumes"), headers=as_demo).json()["volumes"] == []


def test_volume_from_image_copies_the_bytes_and_is_bootable(client: TestClient, cloud: Cloud, as_demo: dict,
                                                            tmp_path) -> None:
    """imageRef: the image's bytes start the volume, which is bootable and keeps volume_image_metadata."""
    data = b"\x7fELF pretend kernel" * 1000
    (tmp_path / "cirros.raw").write_bytes(data)
    cloud.image = ImageStandIn(  # type: ignore[misc,assignment]
        {"img-1": ImageSpec("img-1", "cirros", tmp_path / "cirros.raw", "raw")})
    vol = create_volume(client, cloud, as_demo, size=None, imageRef="img-1")
    assert (vol["status"], vol["bootable"], vol["size"]) == ("available", "true", 1)
    assert vol["volume_image_metadata"]["image_id"] == "img-1"
    from lab.cloud.drivers.files import file_format

    path = file_of(cloud, vol["id"])
    if file_format(path) == "raw":
        assert path.read_bytes()[: len(data)] == data
    r = client.post(url(cloud, as_demo, "volumes"), headers=as_demo, json={"volume": {"size": 1, "imageRef": "x"}})
    assert r.status_code == 404 and r.json()["itemNotFound"]["message"] == "Image x could not be found."


def test_backend_capacity_refuses_with_413_and_no_file(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """A volume larger than the free space of the backend is Cinder's 413 overLimit; nothing is created."""
    cloud.volume.driver.capacity_gb = 5
    create_volume(client, cloud, as_demo, size=4)
    r = client.post(url(cloud, as_demo, "volumes"), headers=as_demo, json={"volume": {"size": 2}})
    assert r.status_code == 413
    assert r.json() == {"overLimit": {"code": 413, "retryAfter": "0", "message": (
        "No valid backend was found. Insufficient free space on backend file: requested 2G, free 1G of 5G.")}}
    assert len(volume_files(cloud)) == 1
    assert len(client.get(url(cloud, as_demo, "volumes"), headers=as_demo).json()["volumes"]) == 1


def test_pools_report_capacity_to_admins(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict) -> None:
    create_volume(client, cloud, as_demo, size=3)
    r = client.get(url(cloud, as_admin, "scheduler-stats/get_pools?detail=True"), headers=as_admin)
    (pool,) = r.json()["pools"]
    caps = pool["capabilities"]
    assert (caps["total_capacity_gb"], caps["provisioned_capacity_gb"], caps["free_capacity_gb"]) == (100, 3, 97)
    assert caps["allocated_capacity_gb"] == 3
    assert client.get(url(cloud, as_demo, "scheduler-stats/get_pools"), headers=as_demo).status_code == 403


def test_availability_zones(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    r = client.get(url(cloud, as_demo, "os-availability-zone"), headers=as_demo)
    assert r.json() == {"availabilityZoneInfo": [{"zoneName": "nova", "zoneState": {"available": True}}]}


def test_events_record_create_and_delete_with_size(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    from sqlalchemy import select

    from lab.cloud.events import Event

    vol = create_volume(client, cloud, as_demo, size=2)
    client.delete(url(cloud, as_demo, f"volumes/{vol['id']}"), headers=as_demo)
    with cloud.db.read() as db:
        rows = list(db.scalars(select(Event).where(Event.resource_id == vol["id"]).order_by(Event.id)))
    assert [(e.action, e.attributes["size"]) for e in rows] == [("create", 2), ("delete", 2)]
    assert rows[0].resource_type == "volume" and rows[0].project_id == project_of(cloud, as_demo)


def test_policy_overrides_reach_every_volume_decision(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """An instructor's policy.yaml rule decides, by Cinder's rule names: an admin-only delete refuses the member
    (and the volume stays), quotas:show can be closed, used_limits can hide the usage."""
    vol = create_volume(client, cloud, as_demo)
    cloud.policy.override("volume:delete", "rule:admin_api")
    r = client.delete(url(cloud, as_demo, f"volumes/{vol['id']}"), headers=as_demo)
    assert r.status_code == 403 and r.json() == {"forbidden": {
        "code": 403, "message": "Policy doesn't allow volume:delete to be performed."}}
    assert show_volume(client, cloud, as_demo, vol["id"])["status"] == "available"
    cloud.policy.override("volume_extension:quotas:show", "rule:admin_api")
    r = client.get(url(cloud, as_demo, f"os-quota-sets/{project_of(cloud, as_demo)}"), headers=as_demo)
    assert r.status_code == 403
    absolute = client.get(url(cloud, as_demo, "limits"), headers=as_demo).json()["limits"]["absolute"]
    assert absolute["totalVolumesUsed"] == 1
    cloud.policy.override("limits_extension:used_limits", "!")
    absolute = client.get(url(cloud, as_demo, "limits"), headers=as_demo).json()["limits"]["absolute"]
    assert absolute["maxTotalVolumes"] == 10 and "totalVolumesUsed" not in absolute


def test_capabilities_of_the_volume_host(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict) -> None:
    (service,) = [s for s in client.get(url(cloud, as_admin, "os-services"), headers=as_admin).json()["services"]
                  if s["binary"] == "cinder-volume"]
    r = client.get(url(cloud, as_admin, f"capabilities/{service['host']}"), headers=as_admin)
    assert r.status_code == 200
    body = r.json()
    assert body["namespace"] == f"OS::Storage::Capabilities::{service['host']}"
    assert body["vendor_name"] == "StackLab" and body["properties"] == {}
    assert client.get(url(cloud, as_admin, "capabilities/elsewhere"), headers=as_admin).status_code == 404
    assert client.get(url(cloud, as_demo, f"capabilities/{service['host']}"), headers=as_demo).status_code == 403


def test_resource_filters_from_3_33(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    at = {**as_demo, "OpenStack-API-Version": "volume 3.33"}
    r = client.get(url(cloud, as_demo, "resource_filters"), headers=at)
    assert r.status_code == 200
    filters = {f["resource"]: f["filters"] for f in r.json()["resource_filters"]}
    assert "bootable" in filters["volume"] and filters["backup"] == ["name", "status", "volume_id"]
    r = client.get(url(cloud, as_demo, "resource_filters?resource=snapshot"), headers=at)
    assert [f["resource"] for f in r.json()["resource_filters"]] == ["snapshot"]
    below = {**as_demo, "OpenStack-API-Version": "volume 3.32"}
    assert client.get(url(cloud, as_demo, "resource_filters"), headers=below).status_code == 404


def test_image_metadata_actions(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """os-set_image_metadata merges (the whole metadata back), os-show_image_metadata reads it,
    os-unset_image_metadata removes a key (Cinder's empty 200; its 404 for a key the volume lacks)."""
    vol = create_volume(client, cloud, as_demo, size=1)
    action = url(cloud, as_demo, f"volumes/{vol['id']}/action")
    r = client.post(action, json={"os-set_image_metadata": {"metadata": {"hw_disk_bus": "scsi", "a": "1"}}},
                    headers=as_demo)
    assert (r.status_code, r.json()) == (200, {"metadata": {"hw_disk_bus": "scsi", "a": "1"}})
    r = client.post(action, json={"os-unset_image_metadata": {"key": "a"}}, headers=as_demo)
    assert (r.status_code, r.content) == (200, b"")
    r = client.post(action, json={"os-show_image_metadata": None}, headers=as_demo)
    assert r.json() == {"metadata": {"hw_disk_bus": "scsi"}}
    shown = client.get(url(cloud, as_demo, f"volumes/{vol['id']}"), headers=as_demo).json()["volume"]
    assert shown["volume_image_metadata"] == {"hw_disk_bus": "scsi"}
    assert client.post(action, json={"os-unset_image_metadata": {"key": "a"}}, headers=as_demo).status_code == 404
    assert client.post(action, json={"os-set_image_metadata": {}}, headers=as_demo).status_code == 400
    assert client.post(action, json={"os-set_image_metadata": {"metadata": {"k": 1}}},
                       headers=as_demo).status_code == 400


def test_per_project_default_types(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict) -> None:
    """3.62: an admin gives demo's project its own default; demo's untyped volumes and GET /types/default take
    it; the type cannot be deleted while it is a default; unset, `__DEFAULT__` again."""
    v362 = {"OpenStack-API-Version": "volume 3.62"}
    admin = {**as_admin, **v362}
    vtype = client.post(url(cloud, as_admin, "types"), json={"volume_type": {"name": "lvmdriver-1"}},
                        headers=as_admin).json()["volume_type"]
    demo_project = project_of(cloud, as_demo)
    target = url(cloud, as_admin, f"default-types/{demo_project}")
    assert client.get(target, headers=admin).status_code == 404
    assert client.put(target, json={"default_type": {"volume_type": "lvmdriver-1"}},
                      headers={**as_admin, "OpenStack-API-Version": "volume 3.61"}).status_code == 404
    r = client.put(target, json={"default_type": {"volume_type": "lvmdriver-1"}}, headers=admin)
    assert (r.status_code, r.json()) == (200, {"default_type": {"project_id": demo_project,
                                                                "volume_type_id": vtype["id"]}})
    assert client.get(target, headers=admin).json()["default_type"]["volume_type_id"] == vtype["id"]
    assert [d["project_id"] for d in client.get(url(cloud, as_admin, "default-types"), headers=admin)
            .json()["default_types"]] == [demo_project]
    assert client.put(target, json={"default_type": {"volume_type": "nope"}}, headers=admin).status_code == 404
    assert client.put(target, json={"default_type": {}}, headers=admin).status_code == 400
    assert client.get(url(cloud, as_demo, f"default-types/{demo_project}"),
                      headers={**as_demo, **v362}).status_code == 403
    assert client.get(url(cloud, as_demo, "types/default"), headers=as_demo).json()["volume_type"]["name"] == \
        "lvmdriver-1"
    assert create_volume(client, cloud, as_demo)["volume_type"] == "lvmdriver-1"
    assert client.get(url(cloud, as_admin, "types/default"), headers=as_admin).json()["volume_type"]["name"] == \
        "__DEFAULT__"
    assert client.delete(url(cloud, as_admin, f"types/{vtype['id']}"), headers=as_admin).status_code == 400
    assert client.delete(target, headers=admin).status_code == 204
    assert client.get(url(cloud, as_demo, "types/default"), headers=as_demo).json()["volume_type"]["name"] == \
        "__DEFAULT__"
