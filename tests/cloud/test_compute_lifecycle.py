"""Server actions beyond power and resize, through the API with the fake driver: lock/unlock, pause/unpause,
suspend/resume, shelve/offload/unshelve, rebuild, rescue/unrescue, createImage, changePassword, os-resetState,
migrations on a one-host cloud, with Nova's states, 409s, history (os-instance-actions) and billing events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.billing.metering import segments_from_events
from lab.cloud.events import Event
from tests.cloud.compute_support import API, create_server, image_id


def act(client: TestClient, headers: dict, server_id: str, body: dict) -> Any:
    return client.post(f"{API}/servers/{server_id}/action", headers=headers, json=body)


def shown(client: TestClient, headers: dict, server_id: str) -> dict[str, Any]:
    r = client.get(f"{API}/servers/{server_id}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["server"]  # type: ignore[no-any-return]


def states(server: dict[str, Any]) -> tuple[str, str, str | None, int]:
    return (server["status"], server["OS-EXT-STS:vm_state"], server["OS-EXT-STS:task_state"],
            server["OS-EXT-STS:power_state"])


def history(client: TestClient, headers: dict, server_id: str) -> list[str]:
    r = client.get(f"{API}/servers/{server_id}/os-instance-actions", headers=headers)
    assert r.status_code == 200, r.text
    return [a["action"] for a in reversed(r.json()["instanceActions"])]


def test_lock_refuses_actions_to_non_admins(client: TestClient, cloud: Cloud, as_demo: dict,
                                           as_admin: dict) -> None:
    """A locked server answers Nova's 409 to its project's actions (stop, delete, metadata); an admin still
    acts; unlock lifts it; an admin's lock cannot be lifted by the project (403)."""
    server = create_server(client, cloud, as_demo)
    assert act(client, as_demo, server["id"], {"lock": None}).status_code == 202
    locked = f"Instance {server['id']} is locked"
    for r in (act(client, as_demo, server["id"], {"os-stop": None}),
              client.delete(f"{API}/servers/{server['id']}", headers=as_demo),
              client.post(f"{API}/servers/{server['id']}/metadata", headers=as_demo, json={"metadata": {"a": "1"}})):
        assert r.status_code == 409, r.text
        assert r.json() == {"conflictingRequest": {"code": 409, "message": locked}}
    assert shown(client, as_demo, server["id"])["status"] == "ACTIVE"
    assert act(client, as_admin, server["id"], {"reboot": {"type": "SOFT"}}).status_code == 202
    assert act(client, as_demo, server["id"], {"unlock": None}).status_code == 202
    assert act(client, as_demo, server["id"], {"os-stop": None}).status_code == 202

    assert act(client, as_admin, server["id"], {"lock": {"locked_reason": "maintenance"}}).status_code == 202
    r = act(client, as_demo, server["id"], {"unlock": None})
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == (
        "Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed.")
    assert act(client, as_admin, server["id"], {"unlock": None}).status_code == 202
    assert history(client, as_demo, server["id"])[-5:] == ["reboot", "unlock", "stop", "lock", "unlock"]


def test_pause_unpause_suspend_resume(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """Nova's states and power states, the wrong-state 409, and the guest's own state in the driver."""
    server = create_server(client, cloud, as_demo)
    sid = server["id"]
    assert act(client, as_demo, sid, {"pause": None}).status_code == 202
    assert states(shown(client, as_demo, sid)) == ("PAUSED", "paused", None, 3)
    assert cloud.compute_driver.get_info(sid).power_state.name == "PAUSED"
    r = act(client, as_demo, sid, {"suspend": None})
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == (
        f"Cannot 'suspend' instance {sid} while it is in vm_state paused")
    assert act(client, as_demo, sid, {"unpause": None}).status_code == 202
    assert states(shown(client, as_demo, sid)) == ("ACTIVE", "active", None, 1)
    assert act(client, as_demo, sid, {"suspend": None}).status_code == 202
    assert states(shown(client, as_demo, sid)) == ("SUSPENDED", "suspended", None, 4)
    assert act(client, as_demo, sid, {"unpause": None}).status_code == 409
    assert act(client, as_demo, sid, {"resume": None}).status_code == 202
    assert states(shown(client, as_demo, sid)) == ("ACTIVE", "active", None, 1)
    assert history(client, as_demo, sid) == ["create", "pause", "unpause", "suspend", "resume"]
    listed = client.get(f"{API}/servers?status=ACTIVE", headers=as_demo).json()["servers"]
    assert sid in {s["id"] for s in listed}


def test_shelve_offloads_and_unshelve_boots_from_the_shelved_image(client: TestClient, cloud: Cloud,
                                                                  as_demo: dict, as_admin: dict) -> None:
    """shelve -> SHELVED_OFFLOADED at once (Nova's shelved_offload_time 0): the guest leaves the host (the
    hypervisor counts nothing), a `<name>-shelved` snapshot image exists; unshelve boots it again and deletes
    the image; billing charges nothing for the flavor while offloaded."""
    server = create_server(client, cloud, as_demo, name="keeper")
    sid = server["id"]
    before = client.get(f"{API}/os-hypervisors/detail", headers=as_admin).json()["hypervisors"][0]
    assert act(client, as_demo, sid, {"shelve": None}).status_code == 202
    assert shown(client, as_demo, sid)["status"] == "ACTIVE"  # task shelving: the worker does it
    assert shown(client, as_demo, sid)["OS-EXT-STS:task_state"] == "shelving"
    cloud.worker.run_due()
    assert states(shown(client, as_demo, sid)) == ("SHELVED_OFFLOADED", "shelved_offloaded", None, 0)
    assert sid not in cloud.compute_driver.list_guests()
    after = client.get(f"{API}/os-hypervisors/detail", headers=as_admin).json()["hypervisors"][0]
    assert after["running_vms"] == before["running_vms"] - 1 and after["vcpus_used"] == before["vcpus_used"] - 1
    images = client.get("/image/v2/images?name=keeper-shelved", headers=as_demo).json()["images"]
    assert len(images) == 1 and images[0]["image_type"] == "snapshot" and images[0]["instance_uuid"] == sid
    assert images[0]["status"] == "active"
    assert act(client, as_demo, sid, {"shelve": None}).status_code == 409

    offloaded_at = cloud.clock.now()
    cloud.clock.advance(timedelta(hours=5))
    assert act(client, as_demo, sid, {"unshelve": None}).status_code == 202
    cloud.worker.run_due()
    assert states(shown(client, as_demo, sid)) == ("ACTIVE", "active", None, 1)
    assert sid in cloud.compute_driver.list_guests()
    assert client.get("/image/v2/images?name=keeper-shelved", headers=as_demo).json()["images"] == []
    assert history(client, as_demo, sid) == ["create", "shelve", "shelveOffload", "unshelve"]

    with cloud.db.read() as db:
        rows = list(db.scalars(select(Event).where(Event.resource_id == sid).order_by(Event.time, Event.id)))
    # Nothing is metered for the flavor in the five offloaded hours.
    offloaded = [s for s in segments_from_events(rows, cloud.billing.common.meters)
                 if s.end is None or s.end > offloaded_at]
    assert [s.state.meter for s in offloaded] == ["server"]
    assert offloaded[0].start >= offloaded_at + timedelta(hours=5)


def test_shelve_without_offload_then_offload(client: TestClient, cloud: Cloud, as_demo: dict,
                                             as_admin: dict) -> None:
    """With shelved_offload_time -1 a shelved server stays SHELVED (stopped rate) until shelveOffload, an
    operator's action."""
    cloud.settings.shelved_offload_time = -1
    server = create_server(client, cloud, as_demo)
    sid = server["id"]
    act(client, as_demo, sid, {"shelve": None})
    cloud.worker.run_due()
    assert states(shown(client, as_demo, sid)) == ("SHELVED", "shelved", None, 4)
    r = act(client, as_demo, sid, {"shelveOffload": None})
    assert r.status_code == 403
    assert act(client, as_admin, sid, {"shelveOffload": None}).status_code == 202
    assert shown(client, as_demo, sid)["status"] == "SHELVED_OFFLOADED"
    with cloud.db.read() as db:
        rows = list(db.scalars(select(Event).where(Event.resource_id == sid).order_by(Event.time, Event.id)))
    segments = segments_from_events(rows, cloud.billing.common.meters)
    assert segments[-1].state.meter == "server.stopped" and segments[-1].end is not None  # shelved: stopped rate


def test_rebuild_keeps_id_and_ports_with_a_new_image_and_name(client: TestClient, cloud: Cloud,
                                                              as_demo: dict) -> None:
    """rebuild answers 202 with the server (REBUILD, adminPass); the worker rebuilds it: same id and
    addresses, the new name and metadata; a stopped server stays stopped."""
    server = create_server(client, cloud, as_demo)
    sid = server["id"]
    r = act(client, as_demo, sid, {"rebuild": {"imageRef": image_id(client, cloud, as_demo), "name": "rebuilt",
                                               "metadata": {"v": "2"}, "adminPass": "s3cret"}})
    assert r.status_code == 202, r.text
    body = r.json()["server"]
    assert (body["id"], body["status"], body["name"], body["adminPass"]) == (sid, "REBUILD", "rebuilt", "s3cret")
    cloud.worker.run_due()
    after = shown(client, as_demo, sid)
    assert (after["status"], after["name"], after["metadata"]) == ("ACTIVE", "rebuilt", {"v": "2"})
    assert after["addresses"] == server["addresses"]
    assert "rebuilt login:" in act(client, as_demo, sid, {"os-getConsoleOutput": {}}).json()["output"]

    act(client, as_demo, sid, {"os-stop": None})
    act(client, as_demo, sid, {"rebuild": {"imageRef": image_id(client, cloud, as_demo)}})
    cloud.worker.run_due()
    assert states(shown(client, as_demo, sid))[:2] == ("SHUTOFF", "stopped")
    bad = act(client, as_demo, sid, {"rebuild": {"imageRef": "00000000-0000-0000-0000-000000000000"}})
    assert bad.status_code == 400
    missing = act(client, as_demo, sid, {"rebuild": {}})
    assert missing.status_code == 400
    assert history(client, as_demo, sid)[-3:] == ["rebuild", "stop", "rebuild"]


def test_rescue_and_unrescue(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo)
    sid = server["id"]
    r = act(client, as_demo, sid, {"rescue": {"adminPass": "rescue-me"}})
    assert r.status_code == 200 and r.json() == {"adminPass": "rescue-me"}
    assert states(shown(client, as_demo, sid)) == ("RESCUE", "rescued", None, 1)
    assert act(client, as_demo, sid, {"os-stop": None}).status_code == 409
    assert act(client, as_demo, sid, {"unrescue": None}).status_code == 202
    assert states(shown(client, as_demo, sid)) == ("ACTIVE", "active", None, 1)
    assert len(act(client, as_demo, sid, {"rescue": None}).json()["adminPass"]) >= 8


def test_create_image_makes_a_bootable_snapshot(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """createImage: 202 with the image in Location; the worker copies the disk (the base image's bytes under
    the fake driver); the image has Nova's snapshot properties and a new server boots from it."""
    server = create_server(client, cloud, as_demo, name="src")
    sid = server["id"]
    base = image_id(client, cloud, as_demo)
    r = act(client, as_demo, sid, {"createImage": {"name": "src-snap", "metadata": {"purpose": "lab"}}})
    assert r.status_code == 202 and r.content == b""
    new_id = r.headers["Location"].rsplit("/", 1)[1]
    queued = client.get(f"/image/v2/images/{new_id}", headers=as_demo).json()
    assert queued["status"] == "queued"
    cloud.worker.run_due()
    image = client.get(f"/image/v2/images/{new_id}", headers=as_demo).json()
    assert image["status"] == "active" and image["visibility"] == "private"
    assert (image["image_type"], image["instance_uuid"], image["base_image_ref"], image["purpose"]) == (
        "snapshot", sid, base, "lab")
    original = client.get(f"/image/v2/images/{base}", headers=as_demo).json()
    assert image["checksum"] == original["checksum"] and image["size"] == original["size"]
    assert shown(client, as_demo, sid)["OS-EXT-STS:task_state"] is None
    booted = create_server(client, cloud, as_demo, name="from-snap", imageRef=new_id)
    assert booted["status"] == "ACTIVE" and booted["image"]["id"] == new_id
    assert history(client, as_demo, sid) == ["create", "createImage"]
    missing = act(client, as_demo, sid, {"createImage": {}})
    assert missing.status_code == 400


def test_failed_snapshot_keeps_the_server_and_records_the_fault(client: TestClient, cloud: Cloud,
                                                                as_demo: dict) -> None:
    """A driver failure during createImage deletes the image, leaves the server ACTIVE, and the history shows
    the action as Error with the fault in its event."""
    server = create_server(client, cloud, as_demo, metadata={"stacklab:fake_fail": "snapshot"})
    sid = server["id"]
    r = act(client, as_demo, sid, {"createImage": {"name": "broken"}})
    new_id = r.headers["Location"].rsplit("/", 1)[1]
    cloud.worker.run_due()
    assert shown(client, as_demo, sid)["status"] == "ACTIVE"
    assert client.get(f"/image/v2/images/{new_id}", headers=as_demo).status_code == 404
    actions = client.get(f"{API}/servers/{sid}/os-instance-actions", headers=as_demo).json()["instanceActions"]
    assert (actions[0]["action"], actions[0]["message"]) == ("createImage", "Error")
    detail = client.get(f"{API}/servers/{sid}/os-instance-actions/{actions[0]['request_id']}",
                        headers=as_demo).json()["instanceAction"]
    (event,) = detail["events"]
    assert event["result"] == "Error" and "Simulated failure of snapshot" in event["traceback"]


def test_instance_actions_carry_the_request_id_and_user(client: TestClient, cloud: Cloud, as_demo: dict,
                                                        as_admin: dict) -> None:
    """The action of a request has that request's id (x-openstack-request-id) and the user who asked."""
    server = create_server(client, cloud, as_demo)
    r = act(client, as_admin, server["id"], {"pause": None})
    request_id = r.headers["x-openstack-request-id"]
    actions = client.get(f"{API}/servers/{server['id']}/os-instance-actions", headers=as_demo).json()
    latest = actions["instanceActions"][0]
    admin_id = client.get("/identity/v3/auth/tokens", headers={**as_admin, "X-Subject-Token":
                                                                as_admin["X-Auth-Token"]}).json()["token"]["user"]["id"]
    assert (latest["action"], latest["request_id"], latest["user_id"]) == ("pause", request_id, admin_id)
    one = client.get(f"{API}/servers/{server['id']}/os-instance-actions/{request_id}", headers=as_demo)
    assert one.status_code == 200 and one.json()["instanceAction"]["events"][0]["event"] == "compute_pause_instance"


def test_change_password_reset_state_and_migrations(client: TestClient, cloud: Cloud, as_demo: dict,
                                                    as_admin: dict) -> None:
    server = create_server(client, cloud, as_demo)
    sid = server["id"]
    assert act(client, as_demo, sid, {"changePassword": {"adminPass": "n3w-pass"}}).status_code == 202
    assert "password of the admin user changed" in act(client, as_demo, sid,
                                                       {"os-getConsoleOutput": {}}).json()["output"]
    assert act(client, as_demo, sid, {"changePassword": {}}).status_code == 400

    assert act(client, as_demo, sid, {"os-resetState": {"state": "error"}}).status_code == 403
    assert act(client, as_admin, sid, {"os-resetState": {"state": "error"}}).status_code == 202
    assert shown(client, as_demo, sid)["status"] == "ERROR"
    assert act(client, as_admin, sid, {"os-resetState": {"state": "sleeping"}}).status_code == 400
    assert act(client, as_admin, sid, {"os-resetState": {"state": "active"}}).status_code == 202
    assert shown(client, as_demo, sid)["status"] == "ACTIVE"

    cold = act(client, as_admin, sid, {"migrate": None})
    assert cold.status_code == 400
    assert cold.json()["badRequest"]["message"] == "No valid host was found. No valid host found for cold migrate"
    live = act(client, as_admin, sid, {"os-migrateLive": {"host": None, "block_migration": "auto",
                                                          "disk_over_commit": False}})
    assert live.status_code == 400
    assert live.json()["badRequest"]["message"] == "No valid host was found. There are not enough hosts available."
    assert act(client, as_demo, sid, {"migrate": None}).status_code == 403
    assert act(client, as_admin, sid, {"injectNetworkInfo": None}).status_code == 202
    host = shown(client, as_admin, sid)["OS-EXT-SRV-ATTR:host"]
    on_host = client.get(f"{API}/servers?all_tenants=1&host={host}", headers=as_admin).json()["servers"]
    elsewhere = client.get(f"{API}/servers?all_tenants=1&host=nowhere", headers=as_admin).json()["servers"]
    assert sid in {s["id"] for s in on_host} and elsewhere == []
    assert shown(client, as_demo, sid)["status"] == "ACTIVE"
    actions = client.get(f"{API}/servers/{sid}/os-instance-actions", headers=as_demo).json()["instanceActions"]
    assert [(a["action"], a["message"]) for a in actions[:2]] == [("live-migration", "Error"), ("migrate", "Error")]


def test_volumes_of_a_shelved_offloaded_server(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """From 2.20 a volume attaches to and detaches from a SHELVED_OFFLOADED server (no guest: the volume is
    in-use and mapped, and the unshelve boots the guest with it); before 2.20 both are Nova's 409 (issue 26 #2,
    AttachVolumeShelveTestJSON). Each is in the server's history as Nova's attach_volume / detach_volume."""
    from tests.cloud.volume_support import create_volume

    sid = create_server(client, cloud, as_demo, name="parked")["id"]
    kept, dropped = create_volume(client, cloud, as_demo), create_volume(client, cloud, as_demo)
    act(client, as_demo, sid, {"shelve": None})
    cloud.worker.run_due()
    assert states(shown(client, as_demo, sid))[0] == "SHELVED_OFFLOADED"
    attachments = f"{API}/servers/{sid}/os-volume_attachments"
    old = {**as_demo, "OpenStack-API-Version": "compute 2.19"}
    new = {**as_demo, "OpenStack-API-Version": "compute 2.20"}
    r = client.post(attachments, headers=old, json={"volumeAttachment": {"volumeId": kept["id"]}})
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == (
        f"Cannot 'attach_volume' instance {sid} while it is in vm_state shelved_offloaded")
    for volume in (kept, dropped):
        r = client.post(attachments, headers=new, json={"volumeAttachment": {"volumeId": volume["id"]}})
        assert r.status_code == 200, r.text
    assert client.get(f"/volume/v3/{shown(client, as_demo, sid)['tenant_id']}/volumes/{kept['id']}",
                      headers=as_demo).json()["volume"]["status"] == "in-use"
    assert client.delete(f"{attachments}/{dropped['id']}", headers=old).status_code == 409
    assert client.delete(f"{attachments}/{dropped['id']}", headers=new).status_code == 202
    listed = client.get(attachments, headers=new).json()["volumeAttachments"]
    assert [a["volumeId"] for a in listed] == [kept["id"]]
    assert act(client, as_demo, sid, {"unshelve": None}).status_code == 202
    cloud.worker.run_due()
    assert states(shown(client, as_demo, sid))[0] == "ACTIVE"
    guest = cloud.compute_driver._load(sid)  # type: ignore[attr-defined]
    assert list(guest["disks"]) == [kept["id"]]
    # Nova's attach_volume / detach_volume actions (`openstack server event list`), the refused ones left out
    assert history(client, as_demo, sid) == ["create", "shelve", "shelveOffload", "attach_volume", "attach_volume",
                                             "detach_volume", "unshelve"]
    assert guest["disks"][kept["id"]]["device"] == listed[0]["device"].removeprefix("/dev/")
