"""Attaching volumes through Nova's os-volume_attachments (served by the volume package): device allocation,
in-use rules, detach, and the contract compute uses (server_volumes, detach_all_for_server).

The compute service is another branch's work; these tests put a stand-in at `cloud.compute` that implements
the agreed contract (attach_disk/detach_disk, 404 for an unknown server) and records the calls."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.volume_support import ComputeStandIn, create_snapshot, create_volume, file_of, show_volume, url

SERVER = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def compute(cloud: Cloud) -> ComputeStandIn:
    stand_in = ComputeStandIn(SERVER)
    cloud.compute = stand_in  # type: ignore[assignment]
    return stand_in


def attachments_url(server_id: str = SERVER) -> str:
    return f"/compute/v2.1/servers/{server_id}/os-volume_attachments"


def attach(client: TestClient, headers: dict, volume_id: str, device: str | None = None, server_id: str = SERVER):
    return client.post(attachments_url(server_id), headers=headers,
                       json={"volumeAttachment": {"volumeId": volume_id, "device": device}})


def test_attach_allocates_vdb_then_vdc_and_volume_is_in_use(client: TestClient, cloud: Cloud, as_demo: dict,
                                                           compute: ComputeStandIn) -> None:
    """Nova's 200 body; the volume is in-use with Cinder's attachment entry; the compute driver got the file."""
    v1 = create_volume(client, cloud, as_demo)
    v2 = create_volume(client, cloud, as_demo)
    r = attach(client, as_demo, v1["id"])
    assert r.status_code == 200
    assert r.json() == {"volumeAttachment": {"id": v1["id"], "volumeId": v1["id"], "serverId": SERVER,
                                             "device": "/dev/vdb"}}
    assert attach(client, as_demo, v2["id"]).json()["volumeAttachment"]["device"] == "/dev/vdc"
    shown = show_volume(client, cloud, as_demo, v1["id"])
    assert shown["status"] == "in-use"
    (entry,) = shown["attachments"]
    assert set(entry) == {"server_id", "attachment_id", "device", "volume_id", "id", "host_name", "attached_at"}
    assert (entry["server_id"], entry["device"], entry["volume_id"], entry["id"]) == (
        SERVER, "/dev/vdb", v1["id"], v1["id"])
    (kind, server_id, disk) = compute.calls[0]
    assert (kind, server_id, disk.volume_id, disk.device, disk.path) == (
        "attach", SERVER, v1["id"], "vdb", file_of(cloud, v1["id"]))
    listed = client.get(attachments_url(), headers=as_demo).json()["volumeAttachments"]
    assert [a["device"] for a in listed] == ["/dev/vdb", "/dev/vdc"]
    one = client.get(f"{attachments_url()}/{v2['id']}", headers=as_demo).json()["volumeAttachment"]
    assert one["volumeId"] == v2["id"]
    with cloud.db.read() as db:
        assert cloud.volume.server_volumes(db, [SERVER, "other"]) == {SERVER: [v1["id"], v2["id"]], "other": []}


def test_attach_in_use_volume_is_400_and_changes_nothing(client: TestClient, cloud: Cloud, as_demo: dict,
                                                         compute: ComputeStandIn) -> None:
    vol = create_volume(client, cloud, as_demo)
    attach(client, as_demo, vol["id"])
    compute.servers.add("other-server")
    r = attach(client, as_demo, vol["id"], server_id="other-server")
    assert r.status_code == 400
    assert r.json() == {"badRequest": {"code": 400, "message": f"Invalid volume: volume {vol['id']} already attached"}}
    assert len(compute.calls) == 1
    assert [a["server_id"] for a in show_volume(client, cloud, as_demo, vol["id"])["attachments"]] == [SERVER]


def test_attach_to_unknown_server_undoes_the_reservation(client: TestClient, cloud: Cloud, as_demo: dict,
                                                         compute: ComputeStandIn) -> None:
    vol = create_volume(client, cloud, as_demo)
    r = attach(client, as_demo, vol["id"], server_id="no-such-server")
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == "Instance no-such-server could not be found."
    shown = show_volume(client, cloud, as_demo, vol["id"])
    assert (shown["status"], shown["attachments"]) == ("available", [])
    assert attach(client, as_demo, vol["id"]).json()["volumeAttachment"]["device"] == "/dev/vdb"


def test_attach_bad_inputs(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict,
                           compute: ComputeStandIn) -> None:
    """Unknown or foreign volume 404; a device in use or malformed 400; a missing volumeId 400."""
    foreign = create_volume(client, cloud, as_admin)
    r = attach(client, as_demo, foreign["id"])
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == f"Volume {foreign['id']} could not be found."
    mine = create_volume(client, cloud, as_demo)
    other = create_volume(client, cloud, as_demo)
    attach(client, as_demo, mine["id"], device="/dev/vdc")
    r = attach(client, as_demo, other["id"], device="/dev/vdc")
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == "The supplied device path (/dev/vdc) is in use."
    r = attach(client, as_demo, other["id"], device="sda")
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == "The supplied device path (sda) is invalid."
    r = client.post(attachments_url(), headers=as_demo, json={"volumeAttachment": {}})
    assert r.status_code == 400 and "'volumeId' is a required property" in r.json()["badRequest"]["message"]
    assert show_volume(client, cloud, as_demo, other["id"])["status"] == "available"
    assert attach(client, as_demo, other["id"]).json()["volumeAttachment"]["device"] == "/dev/vdb"


def test_attached_volume_cannot_be_deleted_or_extended(client: TestClient, cloud: Cloud, as_demo: dict,
                                                       compute: ComputeStandIn) -> None:
    vol = create_volume(client, cloud, as_demo)
    attach(client, as_demo, vol["id"])
    r = client.delete(url(cloud, as_demo, f"volumes/{vol['id']}"), headers=as_demo)
    assert r.status_code == 400 and r.json()["badRequest"]["message"].startswith(
        "Invalid volume: Volume status must be available or error")
    r = client.post(url(cloud, as_demo, f"volumes/{vol['id']}/action"), headers=as_demo,
                    json={"os-extend": {"new_size": 2}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        f"Invalid volume: Volume {vol['id']} status must be 'available' to extend, currently in-use.")
    assert cloud.worker.run_due() == 0
    assert file_of(cloud, vol["id"]).exists()
    assert show_volume(client, cloud, as_demo, vol["id"])["status"] == "in-use"
    assert create_snapshot(client, cloud, as_demo, vol["id"], force=True)["status"] == "available"


def test_detach_makes_the_volume_available(client: TestClient, cloud: Cloud, as_demo: dict,
                                           compute: ComputeStandIn) -> None:
    vol = create_volume(client, cloud, as_demo)
    attach(client, as_demo, vol["id"])
    r = client.delete(f"{attachments_url()}/{vol['id']}", headers=as_demo)
    assert r.status_code == 202
    assert compute.calls[-1] == ("detach", SERVER, vol["id"])
    shown = show_volume(client, cloud, as_demo, vol["id"])
    assert (shown["status"], shown["attachments"]) == ("available", [])
    r = client.delete(f"{attachments_url()}/{vol['id']}", headers=as_demo)
    assert r.status_code == 404 and r.json()["itemNotFound"]["message"] == f"volume_id not found: {vol['id']}"
    from sqlalchemy import select

    from lab.cloud.events import Event

    with cloud.db.read() as db:
        actions = [e.action for e in db.scalars(select(Event).where(Event.resource_id == vol["id"]))]
    assert actions == ["create", "attach", "detach"]


def test_detach_all_for_server_frees_every_volume(client: TestClient, cloud: Cloud, as_demo: dict,
                                                  compute: ComputeStandIn) -> None:
    """What compute calls when a server is deleted: volumes become available and keep their files."""
    vols = [create_volume(client, cloud, as_demo) for _ in range(2)]
    for vol in vols:
        attach(client, as_demo, vol["id"])
    cloud.volume.detach_all_for_server(SERVER)
    for vol in vols:
        shown = show_volume(client, cloud, as_demo, vol["id"])
        assert (shown["status"], shown["attachments"]) == ("available", [])
        assert file_of(cloud, vol["id"]).exists()
    with cloud.db.read() as db:
        assert cloud.volume.server_volumes(db, [SERVER]) == {SERVER: []}
    assert attach(client, as_demo, vols[1]["id"]).json()["volumeAttachment"]["device"] == "/dev/vdb"


def test_device_names_are_unique_per_server_in_the_database(cloud: Cloud) -> None:
    """The unique constraint behind device allocation: a second row for (server, /dev/vdb) cannot be written."""
    from datetime import datetime

    from sqlalchemy.exc import IntegrityError

    from lab.cloud.volume.models import Volume, VolumeAttachment
    from lab.cloud.volume.types import default_type

    with cloud.db.write() as db:
        type_id = default_type(db).id
        for vid in ("a", "b"):
            db.add(Volume(id=vid, project_id="p", user_id="u", size=1, volume_type_id=type_id,
                          created_at=datetime(2026, 1, 1)))
        db.add(VolumeAttachment(volume_id="a", server_id="s", device="/dev/vdb"))
    with pytest.raises(IntegrityError), cloud.db.write() as db:
        db.add(VolumeAttachment(volume_id="b", server_id="s", device="/dev/vdb"))
