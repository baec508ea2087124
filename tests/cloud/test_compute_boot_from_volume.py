"""Boot from volume through the API as OSC sends it (`server create --volume`, `--boot-from-volume SIZE`,
`--snapshot`, `--block-device`): Nova's checks at the API, the volume made in the build with the owner's
credentials, the guest given the root volume as vda, delete_on_termination at the delete, and 2.93's
volume-backed rebuild. Compute reaches the volumes only through the volume contract."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.compute.models import BlockDeviceMapping
from tests.cloud.compute_support import API, image_id
from tests.cloud.volume_support import create_volume, show_volume, url

MV = {"OpenStack-API-Version": "compute 2.93"}


def boot(client: TestClient, headers: dict[str, str], bdm: list[dict[str, Any]], *, name: str = "bfv",
         image: str | None = None, version: dict[str, str] | None = None) -> Any:
    server: dict[str, Any] = {"name": name, "flavorRef": "1", "networks": "none", "block_device_mapping_v2": bdm}
    if image is not None:
        server["imageRef"] = image
    return client.post(f"{API}/servers", json={"server": server}, headers={**headers, **(version or MV)})


def run(cloud: Cloud, times: int = 6) -> None:
    """The worker's jobs, again and again: the build waits (polls) for the volume job."""
    for _ in range(times):
        cloud.clock.advance(timedelta(seconds=2))
        cloud.worker.run_due()


def show(client: TestClient, headers: dict[str, str], server_id: str) -> dict[str, Any]:
    r = client.get(f"{API}/servers/{server_id}", headers={**headers, **MV})
    assert r.status_code == 200, r.text
    return r.json()["server"]  # type: ignore[no-any-return]


def test_boot_from_new_volume_of_an_image_then_delete_on_termination(client: TestClient, cloud: Cloud,
                                                                    as_demo: dict[str, str]) -> None:
    """--boot-from-volume 1 --delete-on-termination: a 1 GiB volume of the image, in-use at /dev/vda, the
    server's image "", the guest's disk the volume's file; deleting the server deletes the volume."""
    image = image_id(client, cloud, as_demo)
    r = boot(client, as_demo, [{"uuid": image, "boot_index": 0, "source_type": "image",
                                "destination_type": "volume", "volume_size": 1, "delete_on_termination": True}])
    assert r.status_code == 202, r.text
    server_id = r.json()["server"]["id"]
    run(cloud)
    server = show(client, as_demo, server_id)
    assert server["status"] == "ACTIVE", server
    assert server["image"] == ""
    (attached,) = server["os-extended-volumes:volumes_attached"]
    assert attached["delete_on_termination"] is True
    volume = show_volume(client, cloud, as_demo, attached["id"])
    assert (volume["status"], volume["size"], volume["bootable"]) == ("in-use", 1, "true")
    assert volume["volume_image_metadata"]["image_id"] == image
    assert [(a["server_id"], a["device"]) for a in volume["attachments"]] == [(server_id, "/dev/vda")]
    disks = cloud.compute_driver.disks(server_id)  # type: ignore[attr-defined]
    assert disks[attached["id"]]["device"] == "vda"
    listed = client.get(f"{API}/servers/{server_id}/os-volume_attachments",
                        headers={**as_demo, "OpenStack-API-Version": "compute 2.79"}).json()
    assert [(a["device"], a["delete_on_termination"]) for a in listed["volumeAttachments"]] == [("/dev/vda", True)]
    root = client.delete(f"{API}/servers/{server_id}/os-volume_attachments/{attached['id']}", headers=as_demo)
    assert root.status_code == 400 and "Can't detach root device volume" in root.text

    # shelve keeps the disk in the volume (no `-shelved` image); unshelve makes the guest again with it
    action = f"{API}/servers/{server_id}/action"
    assert client.post(action, headers=as_demo, json={"shelve": None}).status_code == 202
    run(cloud, 2)
    assert show(client, as_demo, server_id)["status"] == "SHELVED_OFFLOADED"
    assert client.get("/image/v2/images?name=bfv-shelved", headers=as_demo).json()["images"] == []
    assert client.post(action, headers=as_demo, json={"unshelve": None}).status_code == 202
    run(cloud, 2)
    assert show(client, as_demo, server_id)["status"] == "ACTIVE"
    assert cloud.compute_driver.disks(server_id)[attached["id"]]["device"] == "vda"  # type: ignore[attr-defined]

    assert client.delete(f"{API}/servers/{server_id}", headers=as_demo).status_code == 204
    run(cloud, 2)
    assert client.get(url(cloud, as_demo, f"volumes/{attached['id']}"), headers=as_demo).status_code == 404


def test_snapshot_of_a_volume_backed_server_is_a_size_0_image_of_volume_snapshots_that_boots(
        client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """createImage of a volume-backed server (Nova's snapshot_volume_backed): a forced Cinder snapshot of the root
    volume, an active Glance image of size 0 with block_device_mapping (bdm_v2) naming it; booting that image
    makes a new volume from the snapshot, the new server's root disk."""
    image = image_id(client, cloud, as_demo)
    r = boot(client, as_demo, [{"uuid": image, "boot_index": 0, "source_type": "image",
                                "destination_type": "volume", "volume_size": 1, "delete_on_termination": True}])
    server_id = r.json()["server"]["id"]
    run(cloud)
    root_volume = show(client, as_demo, server_id)["os-extended-volumes:volumes_attached"][0]["id"]
    r = client.post(f"{API}/servers/{server_id}/action", headers={**as_demo, **MV},
                    json={"createImage": {"name": "bfv-snap", "metadata": {"course": "1.11"}}})
    assert r.status_code == 202, r.text
    snap_image = r.json()["image_id"]
    got = client.get(f"/image/v2/images/{snap_image}", headers=as_demo).json()
    assert (got["status"], got["size"], got["image_type"], got["instance_uuid"], got["bdm_v2"],
            got["root_device_name"], got["course"]) == ("active", 0, "snapshot", server_id, "True", "/dev/vda", "1.11")
    (bdm,) = json.loads(got["block_device_mapping"])
    assert (bdm["source_type"], bdm["destination_type"], bdm["boot_index"], bdm["device_name"],
            bdm["volume_size"]) == ("snapshot", "volume", 0, "/dev/vda", 1)
    snap = client.get(url(cloud, as_demo, f"snapshots/{bdm['snapshot_id']}"), headers=as_demo).json()["snapshot"]
    assert snap["volume_id"] == root_volume
    run(cloud)
    r = client.post(f"{API}/servers", headers={**as_demo, **MV},
                    json={"server": {"name": "again", "flavorRef": "1", "networks": "none", "imageRef": snap_image}})
    assert r.status_code == 202, r.text
    again = r.json()["server"]["id"]
    run(cloud)
    server = show(client, as_demo, again)
    assert server["status"] == "ACTIVE", server
    (attached,) = server["os-extended-volumes:volumes_attached"]
    assert attached["id"] != root_volume
    volume = show_volume(client, cloud, as_demo, attached["id"])
    assert (volume["status"], volume["snapshot_id"], volume["size"]) == ("in-use", bdm["snapshot_id"], 1)
    assert [a["device"] for a in volume["attachments"]] == ["/dev/vda"]


def test_boot_from_existing_volume_keeps_it_and_it_is_reserved_at_once(client: TestClient, cloud: Cloud,
                                                                       as_demo: dict[str, str]) -> None:
    """--volume V: V is reserved by the create (a second server asking for it is Nova's 400), in-use once the
    server is ACTIVE, and available again (not deleted) after the server goes."""
    image = image_id(client, cloud, as_demo)
    volume = create_volume(client, cloud, as_demo, size=1, imageRef=image)
    bdm = [{"uuid": volume["id"], "boot_index": 0, "source_type": "volume", "destination_type": "volume"}]
    r = boot(client, as_demo, bdm)
    assert r.status_code == 202, r.text
    server_id = r.json()["server"]["id"]
    assert show_volume(client, cloud, as_demo, volume["id"])["status"] == "attaching"
    again = boot(client, as_demo, bdm, name="second")
    assert again.status_code == 400
    assert "Invalid volume" in again.json()["badRequest"]["message"]
    run(cloud)
    server = show(client, as_demo, server_id)
    assert server["status"] == "ACTIVE", server
    assert server["os-extended-volumes:volumes_attached"] == [{"id": volume["id"], "delete_on_termination": False}]
    assert client.delete(f"{API}/servers/{server_id}", headers=as_demo).status_code == 204
    run(cloud, 2)
    assert show_volume(client, cloud, as_demo, volume["id"])["status"] == "available"


def test_bad_mappings_are_novas_400s_and_change_nothing(client: TestClient, cloud: Cloud,
                                                        as_demo: dict[str, str]) -> None:
    image = image_id(client, cloud, as_demo)
    cases = [
        ([{"uuid": image, "boot_index": 0, "source_type": "image", "destination_type": "volume"}],
         "Images with destination_type 'volume' need to have a non-zero size specified"),
        ([{"boot_index": 0, "source_type": "volume", "destination_type": "volume"}], "Missing device UUID"),
        ([{"uuid": "d3b07384-d9a0-4c9b-8a3e-6c1f0e4b8a21", "boot_index": 0, "source_type": "volume",
           "destination_type": "volume"}], "failed to get volume"),
        ([{"boot_index": -1, "source_type": "blank", "destination_type": "local", "volume_size": 1,
           "guest_format": "swap"}], "swap and ephemeral disks"),
        ([{"source_type": "cd", "destination_type": "volume", "uuid": image}], "is not one of"),
    ]
    before = client.get(url(cloud, as_demo, "volumes"), headers=as_demo).json()["volumes"]
    for bdm, message in cases:
        r = boot(client, as_demo, bdm)
        assert r.status_code == 400, (bdm, r.text)
        assert message in r.json()["badRequest"]["message"], (bdm, r.text)
    assert client.get(f"{API}/servers", headers=as_demo).json()["servers"] == []
    assert client.get(url(cloud, as_demo, "volumes"), headers=as_demo).json()["volumes"] == before


def test_a_volume_the_build_cannot_make_puts_the_server_in_error(client: TestClient, cloud: Cloud,
                                                                as_demo: dict[str, str], as_admin: dict[str, str]
                                                                ) -> None:
    """Over the project's gigabytes quota: Cinder refuses in the build, so the server is ERROR with the
    reason as its fault (Nova's API does not check Cinder's quota)."""
    project = client.get("/identity/v3/auth/projects", headers=as_demo).json()["projects"][0]["id"]
    r = client.put(url(cloud, as_admin, f"os-quota-sets/{project}"), headers=as_admin,
                   json={"quota_set": {"gigabytes": 1}})
    assert r.status_code == 200, r.text
    r = boot(client, as_demo, [{"uuid": image_id(client, cloud, as_demo), "boot_index": 0, "source_type": "image",
                                "destination_type": "volume", "volume_size": 2}])
    assert r.status_code == 202, r.text
    run(cloud, 2)
    server = show(client, as_demo, r.json()["server"]["id"])
    assert server["status"] == "ERROR"
    assert "aborted" in server["fault"]["message"] and "gigabytes" in server["fault"]["message"]


def test_volume_backed_rebuild_needs_2_93_to_change_the_image(client: TestClient, cloud: Cloud,
                                                             as_demo: dict[str, str], as_admin: dict[str, str]
                                                             ) -> None:
    """Before 2.93 a volume-backed server rebuilds only with its own image (Nova's 400); at 2.93 the root
    volume is re-imaged (its volume_image_metadata names the new image) and the server is ACTIVE again."""
    image = image_id(client, cloud, as_demo)
    r = client.post("/image/v2/images", headers=as_admin, json={"name": "other", "disk_format": "raw",
                                                                "container_format": "bare", "visibility": "public"})
    other = r.json()["id"]
    assert client.put(f"/image/v2/images/{other}/file", headers={**as_admin, "Content-Type":
                                                                 "application/octet-stream"},
                      content=b"\0" * 4096).status_code == 204
    r = boot(client, as_demo, [{"uuid": image, "boot_index": 0, "source_type": "image",
                                "destination_type": "volume", "volume_size": 1}])
    server_id = r.json()["server"]["id"]
    run(cloud)
    action = f"{API}/servers/{server_id}/action"
    old = client.post(action, headers={**as_demo, "OpenStack-API-Version": "compute 2.92"},
                      json={"rebuild": {"imageRef": other}})
    assert old.status_code == 400, old.text
    assert "Unable to rebuild with a different image for a volume-backed server" in old.text
    new = client.post(action, headers={**as_demo, **MV}, json={"rebuild": {"imageRef": other}})
    assert new.status_code == 202, new.text
    run(cloud, 2)
    server = show(client, as_demo, server_id)
    assert server["status"] == "ACTIVE" and server["image"] == ""
    volume = show_volume(client, cloud, as_demo, server["os-extended-volumes:volumes_attached"][0]["id"])
    assert volume["volume_image_metadata"]["image_id"] == other


def test_a_non_bootable_root_volume_is_refused_unless_an_image_is_given(client: TestClient, cloud: Cloud,
                                                                         as_demo: dict) -> None:
    """Nova reads the boot metadata from the volume (InvalidBDMVolumeNotBootable for a blank one) only when the
    request has no imageRef; with one (OSC's `server create --image I --block-device ...boot_index=0`), the image's."""
    blank = create_volume(client, cloud, as_demo, size=1)
    bdm = [{"source_type": "volume", "destination_type": "volume", "uuid": blank["id"], "boot_index": 0}]
    refused = boot(client, as_demo, bdm)
    assert refused.status_code == 400 and f"Block Device {blank['id']} is not bootable" in refused.text
    assert show_volume(client, cloud, as_demo, blank["id"])["status"] == "available"
    accepted = boot(client, as_demo, bdm, image=image_id(client, cloud, as_demo))
    assert accepted.status_code == 202, accepted.text


def test_attach_keeps_delete_on_termination_and_tag_and_2_85_changes_the_flag(client: TestClient, cloud: Cloud,
                                                                               as_demo: dict[str, str],
                                                                               as_admin: dict[str, str]) -> None:
    """Nova's attach makes a block device mapping: delete_on_termination (2.79) and the tag (2.49, shown from 2.70)
    are kept; 2.85's PUT changes the flag (`server volume update --delete-on-termination`) and refuses a change of
    device or tag; before 2.85 PUT is the swap Cinder calls (admin only, 409: no volume migrates here). The
    volume then goes with the server."""
    image = image_id(client, cloud, as_demo)
    server_id = boot(client, as_demo, [], image=image).json()["server"]["id"]
    run(cloud)
    volume = create_volume(client, cloud, as_demo, size=1)
    attachments = f"{API}/servers/{server_id}/os-volume_attachments"
    v285 = {**as_demo, "OpenStack-API-Version": "compute 2.85"}
    r = client.post(attachments, headers=v285, json={"volumeAttachment": {"volumeId": volume["id"], "tag": "data"}})
    assert r.status_code == 200, r.text
    assert (r.json()["volumeAttachment"]["tag"], r.json()["volumeAttachment"]["delete_on_termination"]) == \
        ("data", False)
    one = f"{attachments}/{volume['id']}"
    change = {"volumeAttachment": {"volumeId": volume["id"], "delete_on_termination": True}}
    old = client.put(one, headers={**as_demo, "OpenStack-API-Version": "compute 2.84"}, json=change)
    assert old.status_code == 400  # before 2.85 only volumeId is taken
    assert client.put(one, headers={**as_demo, "OpenStack-API-Version": "compute 2.84"},
                      json={"volumeAttachment": {"volumeId": volume["id"]}}).status_code == 403  # swap: admin
    swap = client.put(one, headers={**as_admin, "OpenStack-API-Version": "compute 2.84"},
                      json={"volumeAttachment": {"volumeId": volume["id"]}})
    assert swap.status_code == 409 and "is not migrating" in swap.json()["conflictingRequest"]["message"]
    r = client.put(one, headers=v285, json=change)
    assert r.status_code == 202, r.text
    shown = client.get(one, headers=v285).json()["volumeAttachment"]
    assert (shown["delete_on_termination"], shown["tag"], shown["device"]) == (True, "data", "/dev/vdb")
    for key, value in (("device", "/dev/vdc"), ("tag", "other")):
        r = client.put(one, headers=v285, json={"volumeAttachment": {"volumeId": volume["id"], key: value}})
        assert r.status_code == 400 and r.json()["badRequest"]["message"] == f"The {key} property is not mutable"
    same = {"volumeAttachment": {"volumeId": volume["id"], "device": "/dev/vdb", "tag": "data", "serverId": server_id,
                                 "id": volume["id"], "delete_on_termination": "yes"}}
    assert client.put(one, headers=v285, json=same).status_code == 202  # unchanged keys are allowed
    assert show(client, as_demo, server_id)["os-extended-volumes:volumes_attached"] == [
        {"id": volume["id"], "delete_on_termination": True}]
    assert client.delete(f"{API}/servers/{server_id}", headers=as_demo).status_code == 204
    run(cloud, 2)
    assert client.get(url(cloud, as_demo, f"volumes/{volume['id']}"), headers=as_demo).status_code == 404


def test_a_detached_volume_no_longer_goes_with_its_server(client: TestClient, cloud: Cloud,
                                                          as_demo: dict[str, str]) -> None:
    """A volume the server was created with (delete_on_termination true), detached later, is the user's again:
    Nova's detach deletes its mapping, so deleting the server leaves the volume available."""
    image = image_id(client, cloud, as_demo)
    r = boot(client, as_demo, [{"uuid": image, "boot_index": 0, "source_type": "image",
                                "destination_type": "local"},
                               {"source_type": "blank", "destination_type": "volume", "volume_size": 1,
                                "delete_on_termination": True}], image=image)
    assert r.status_code == 202, r.text
    server_id = r.json()["server"]["id"]
    run(cloud)
    (attached,) = show(client, as_demo, server_id)["os-extended-volumes:volumes_attached"]
    assert attached["delete_on_termination"] is True
    detach = client.delete(f"{API}/servers/{server_id}/os-volume_attachments/{attached['id']}", headers=as_demo)
    assert detach.status_code == 202, detach.text
    assert client.delete(f"{API}/servers/{server_id}", headers=as_demo).status_code == 204
    run(cloud, 2)
    assert show_volume(client, cloud, as_demo, attached["id"])["status"] == "available"


def test_2_85_update_maps_a_volume_attached_before_compute_kept_mappings(client: TestClient, cloud: Cloud,
                                                                        as_demo: dict[str, str]) -> None:
    """A data directory from before every attached volume had a block device mapping: 2.85's PUT makes the
    mapping from the attachment's device, so the change is kept and the volume then goes with the server."""
    server_id = boot(client, as_demo, [], image=image_id(client, cloud, as_demo)).json()["server"]["id"]
    run(cloud)
    volume = create_volume(client, cloud, as_demo, size=1)
    attachments = f"{API}/servers/{server_id}/os-volume_attachments"
    v285 = {**as_demo, "OpenStack-API-Version": "compute 2.85"}
    assert client.post(attachments, headers=v285,
                       json={"volumeAttachment": {"volumeId": volume["id"]}}).status_code == 200
    with cloud.db.write() as db:  # what an older lab left: the attachment, no mapping
        db.execute(delete(BlockDeviceMapping).where(BlockDeviceMapping.volume_id == volume["id"]))
    one = f"{attachments}/{volume['id']}"
    r = client.put(one, headers=v285,
                   json={"volumeAttachment": {"volumeId": volume["id"], "delete_on_termination": True}})
    assert r.status_code == 202, r.text
    shown = client.get(one, headers=v285).json()["volumeAttachment"]
    assert (shown["delete_on_termination"], shown["device"]) == (True, "/dev/vdb")
    assert client.delete(f"{API}/servers/{server_id}", headers=as_demo).status_code == 204
    run(cloud, 2)
    assert client.get(url(cloud, as_demo, f"volumes/{volume['id']}"), headers=as_demo).status_code == 404
