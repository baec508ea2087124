"""Block storage's admin actions and assisted snapshots, through the API: os-force_delete of volumes and
snapshots in any status, os-force_detach, os-update_snapshot_status (what Nova sends while it takes an assisted
snapshot) and the os-services host filter with Cinder's host names; bodies checked against tempest's schemas."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.volume.models import Volume
from tests.api_schemas import assert_schema
from tests.cloud.volume_support import create_snapshot, create_volume, project_of, show_volume, url


def admin_url(cloud: Cloud, as_admin: dict, path: str) -> str:
    return f"/volume/v3/{project_of(cloud, as_admin)}/{path}"


def test_force_delete_volume_in_any_status(client: TestClient, cloud: Cloud, as_demo: dict,
                                           as_admin: dict) -> None:
    """A volume stuck in creating, attaching, maintenance or error goes with os-force_delete (admin only); a
    plain delete of it is 400; an attached volume or one with snapshots is refused even forced."""
    for status in ("creating", "attaching", "maintenance", "error"):
        volume = create_volume(client, cloud, as_demo)
        action = admin_url(cloud, as_admin, f"volumes/{volume['id']}/action")
        assert client.post(action, headers=as_admin,
                           json={"os-reset_status": {"status": status}}).status_code == 202
        if status != "error":
            assert client.delete(url(cloud, as_demo, f"volumes/{volume['id']}"), headers=as_demo).status_code == 400
        r = client.post(url(cloud, as_demo, f"volumes/{volume['id']}/action"), headers=as_demo,
                        json={"os-force_delete": {}})
        assert r.status_code == 403
        r = client.post(action, headers=as_admin, json={"os-force_delete": {}})
        assert_schema("volume.volumes", "force_delete_volume", r)
        assert show_volume(client, cloud, as_demo, volume["id"])["status"] == "deleting"
        cloud.worker.run_due()
        assert client.get(url(cloud, as_demo, f"volumes/{volume['id']}"), headers=as_demo).status_code == 404
    kept = create_volume(client, cloud, as_demo)
    create_snapshot(client, cloud, as_demo, kept["id"])
    r = client.post(admin_url(cloud, as_admin, f"volumes/{kept['id']}/action"), headers=as_admin,
                    json={"os-force_delete": {}})
    assert r.status_code == 400 and "have snapshots" in r.json()["badRequest"]["message"]
    assert client.post(admin_url(cloud, as_admin, "volumes/nope/action"), headers=as_admin,
                       json={"os-force_delete": {}}).status_code == 404


def test_force_detach_forgets_the_attachment(client: TestClient, cloud: Cloud, as_demo: dict,
                                             as_admin: dict) -> None:
    """os-attach records an attachment; with the volume in error, os-force_detach (admin) forgets it and the
    volume is available and detached; a wrong attachment id is 400; a member is refused."""
    volume = create_volume(client, cloud, as_demo)
    action = url(cloud, as_demo, f"volumes/{volume['id']}/action")
    server_id = "0" * 8 + "-0000-0000-0000-" + "0" * 12
    assert client.post(action, headers=as_demo, json={"os-attach": {"instance_uuid": server_id,
                                                                    "mountpoint": "/dev/vdb"}}).status_code == 202
    attachment = show_volume(client, cloud, as_demo, volume["id"])["attachments"][0]
    admin_action = admin_url(cloud, as_admin, f"volumes/{volume['id']}/action")
    client.post(admin_action, headers=as_admin, json={"os-reset_status": {"status": "error"}})
    assert client.post(action, headers=as_demo, json={"os-force_detach": {}}).status_code == 403
    r = client.post(admin_action, headers=as_admin, json={"os-force_detach": {"attachment_id": "other"}})
    assert r.status_code == 400 and "VolumeAttachmentNotFound" in r.json()["badRequest"]["message"]
    r = client.post(admin_action, headers=as_admin, json={"os-force_detach": {"connector": None, "bogus": 1}})
    assert r.status_code == 400
    r = client.post(admin_action, headers=as_admin,
                    json={"os-force_detach": {"connector": None, "attachment_id": attachment["attachment_id"]}})
    assert_schema("volume.volumes", "force_detach_volume", r)
    shown = show_volume(client, cloud, as_demo, volume["id"])
    assert (shown["status"], shown["attachments"]) == ("available", [])
    # the caller's clean-up os-detach of a volume no longer attached: Cinder's manager makes it available
    assert client.post(action, headers=as_demo, json={"os-detach": {}}).status_code == 202
    assert show_volume(client, cloud, as_demo, volume["id"])["status"] == "available"
    assert client.delete(url(cloud, as_demo, f"volumes/{volume['id']}"), headers=as_demo).status_code == 202


def test_force_delete_snapshot_in_any_status(client: TestClient, cloud: Cloud, as_demo: dict,
                                             as_admin: dict) -> None:
    volume = create_volume(client, cloud, as_demo)
    for status in ("creating", "deleting", "error_deleting", "error"):
        snap = create_snapshot(client, cloud, as_demo, volume["id"])
        action = admin_url(cloud, as_admin, f"snapshots/{snap['id']}/action")
        client.post(action, headers=as_admin, json={"os-reset_status": {"status": status}})
        if status != "error":
            assert client.delete(url(cloud, as_demo, f"snapshots/{snap['id']}"), headers=as_demo).status_code == 400
        assert client.post(url(cloud, as_demo, f"snapshots/{snap['id']}/action"), headers=as_demo,
                           json={"os-force_delete": {}}).status_code == 403
        r = client.post(action, headers=as_admin, json={"os-force_delete": {}})
        assert_schema("volume.snapshots", "force_delete_snapshot", r)
        cloud.worker.run_due()
        assert client.get(url(cloud, as_demo, f"snapshots/{snap['id']}"), headers=as_demo).status_code == 404


def test_update_snapshot_status(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """The owner moves a creating snapshot to error at 80% (Nova's assisted snapshot); Cinder's 400s for a
    status it may not move from or to, a bad progress, a missing status."""
    volume = create_volume(client, cloud, as_demo)
    snap = create_snapshot(client, cloud, as_demo, volume["id"])
    action = url(cloud, as_demo, f"snapshots/{snap['id']}/action")

    def update(**arguments: object) -> object:
        return client.post(action, headers=as_demo, json={"os-update_snapshot_status": arguments})

    r = update(status="error")
    assert r.status_code == 400 and "not allowed for update_snapshot_status" in r.json()["badRequest"]["message"]
    client.post(admin_url(cloud, as_admin, f"snapshots/{snap['id']}/action"), headers=as_admin,
                json={"os-reset_status": {"status": "creating"}})
    assert update(status="error_deleting").status_code == 400
    assert update(status="error", progress="80").status_code == 400
    assert update(status="error", progress="101%").status_code == 400
    assert update(progress="80%").status_code == 400
    assert update(status="bogus").status_code == 400
    assert update(status="error", progress="80%", other=1).status_code == 400
    r = update(status="error", progress="80%")
    assert_schema("volume.snapshots", "update_snapshot_status", r)
    shown = client.get(admin_url(cloud, as_admin, f"snapshots/{snap['id']}"), headers=as_admin).json()["snapshot"]
    assert (shown["status"], shown["os-extended-snapshot-attributes:progress"]) == ("error", "80%")


def test_service_list_by_host_name(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """?host= matches as Cinder's: the host finds every service on it (the volume service is `host@backend`),
    `host@backend` finds the volume service, a volume's `host@backend#pool` the backend's, nothing else."""
    def hosts(query: str) -> list[tuple[str, str]]:
        r = client.get(admin_url(cloud, as_admin, f"os-services?{query}"), headers=as_admin)
        assert_schema("volume.services", "list_services", r)
        return sorted((s["binary"], s["host"]) for s in r.json()["services"])

    assert hosts("host=stacklab") == [("cinder-backup", "stacklab"), ("cinder-scheduler", "stacklab"),
                                      ("cinder-volume", "stacklab@file")]
    assert hosts("host=stacklab@file") == [("cinder-volume", "stacklab@file")]
    assert hosts("host=stacklab&binary=cinder-volume") == [("cinder-volume", "stacklab@file")]
    assert hosts("host=stacklab@file%23file") == []
    assert hosts("host=stack") == []
    volume = create_volume(client, cloud, as_demo)
    host = client.get(admin_url(cloud, as_admin, f"volumes/{volume['id']}"), headers=as_admin).json()[
        "volume"]["os-vol-host-attr:host"]
    assert hosts(f"host={host.split('@')[0]}&binary=cinder-volume") == [("cinder-volume", "stacklab@file")]


def at(headers: dict[str, str], version: str) -> dict[str, str]:
    return {**headers, "OpenStack-API-Version": f"volume {version}"}


def test_os_hosts(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """GET /os-hosts (admin): the enabled services by host; /os-hosts/{host@backend}: the volume usage on it, in
    total and per project, as strings; 404 for a host without cinder-volume, or a disabled one."""
    r = client.get(admin_url(cloud, as_admin, "os-hosts"), headers=as_admin)
    assert_schema("volume.hosts", "list_hosts", r)
    assert sorted((h["service"], h["host_name"]) for h in r.json()["hosts"]) == [
        ("cinder-backup", "stacklab"), ("cinder-scheduler", "stacklab"), ("cinder-volume", "stacklab@file")]
    assert client.get(url(cloud, as_demo, "os-hosts"), headers=as_demo).status_code == 403
    volume = create_volume(client, cloud, as_demo, size=2)
    create_snapshot(client, cloud, as_demo, volume["id"])
    r = client.get(admin_url(cloud, as_admin, "os-hosts/stacklab@file"), headers=as_admin)
    assert_schema("volume.hosts", "show_host", r)
    rows = {row["resource"]["project"]: row["resource"] for row in r.json()["host"]}
    demo = project_of(cloud, as_demo)
    assert (rows["(total)"]["volume_count"], rows["(total)"]["total_volume_gb"]) == ("1", "2")
    assert (rows[demo]["snapshot_count"], rows[demo]["total_snapshot_gb"]) == ("1", "2")
    assert client.get(admin_url(cloud, as_admin, "os-hosts/elsewhere"), headers=as_admin).status_code == 404
    client.put(admin_url(cloud, as_admin, "os-services/disable"), headers=as_admin,
               json={"host": "stacklab@file", "binary": "cinder-volume"})
    listed = client.get(admin_url(cloud, as_admin, "os-hosts"), headers=as_admin).json()["hosts"]
    assert "cinder-volume" not in {h["service"] for h in listed}
    assert client.get(admin_url(cloud, as_admin, "os-hosts/stacklab@file"), headers=as_admin).status_code == 404


def test_user_message_of_a_volume_no_backend_takes(client: TestClient, cloud: Cloud, as_demo: dict,
                                                   as_admin: dict) -> None:
    """A type asking for capabilities the backend lacks: the volume is accepted, then in error, and the project
    has Cinder's user message for it (3.3): listed, shown, deleted; 404 below 3.3 and for another project."""
    r = client.post(admin_url(cloud, as_admin, "types"), headers=as_admin, json={"volume_type": {
        "name": "bogus", "extra_specs": {"storage_protocol": "fibre", "vendor_name": "Nobody"}}})
    assert r.status_code == 200
    good = client.post(admin_url(cloud, as_admin, "types"), headers=as_admin, json={"volume_type": {
        "name": "good", "extra_specs": {"storage_protocol": "file", "capabilities:vendor_name": "StackLab",
                                        "qos:iops": "100", "tier": "gold"}}})
    assert create_volume(client, cloud, as_demo, volume_type=good.json()["volume_type"]["id"])["status"] == "available"
    volume = create_volume(client, cloud, as_demo, volume_type="bogus")
    assert volume["status"] == "error"
    messages = url(cloud, as_demo, "messages")
    assert client.get(messages, headers=as_demo).status_code == 404  # 3.0
    r = client.get(messages, headers=at(as_demo, "3.3"))
    assert_schema("volume.messages", "list_messages", r)
    (message,) = [m for m in r.json()["messages"] if m.get("resource_uuid") == volume["id"]]
    assert (message["event_id"], message["resource_type"], message["user_message"]) == (
        "VOLUME_VOLUME_001_003", "VOLUME",
        "schedule allocate volume: Could not find any available weighted backend.")
    assert message["request_id"].startswith("req-")
    shown = client.get(f"{messages}/{message['id']}", headers=at(as_demo, "3.5"))
    assert_schema("volume.messages", "show_message", shown)
    filtered = client.get(f"{messages}?resource_uuid=other", headers=at(as_demo, "3.5")).json()["messages"]
    assert filtered == []
    other = admin_url(cloud, as_admin, f"messages/{message['id']}")
    assert client.get(other, headers=at(as_admin, "3.3")).status_code == 200  # an admin sees every project's
    r = client.delete(f"{messages}/{message['id']}", headers=at(as_demo, "3.3"))
    assert_schema("volume.messages", "delete_message", r)
    assert client.get(f"{messages}/{message['id']}", headers=at(as_demo, "3.3")).status_code == 404


def test_volume_type_encryption_spec(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """Admin only: {} before; create (200, with encryption_id), show, one key, update, delete (202); refused
    (400) while volumes use the type; Cinder's 400s for bad fields."""
    vtype = client.post(admin_url(cloud, as_admin, "types"), headers=as_admin,
                        json={"volume_type": {"name": "luks"}}).json()["volume_type"]
    base = admin_url(cloud, as_admin, f"types/{vtype['id']}/encryption")
    assert client.get(base, headers=as_admin).json() == {}
    assert client.get(url(cloud, as_demo, f"types/{vtype['id']}/encryption"), headers=as_demo).status_code == 403
    spec = {"provider": "LuksEncryptor", "key_size": 256, "cipher": "aes-xts-plain64",
            "control_location": "front-end"}
    for bad in ({"cipher": "x"}, {**spec, "control_location": "middle"}, {**spec, "key_size": "big"},
                {**spec, "other": 1}):
        assert client.post(base, headers=as_admin, json={"encryption": bad}).status_code == 400
    r = client.post(base, headers=as_admin, json={"encryption": spec})
    assert_schema("volume.encryption_types", "create_encryption_type", r)
    created = r.json()["encryption"]
    assert {k: created[k] for k in spec} == spec and created["volume_type_id"] == vtype["id"]
    assert client.post(base, headers=as_admin, json={"encryption": spec}).status_code == 400
    shown = client.get(base, headers=as_admin)
    assert_schema("volume.encryption_types", "show_encryption_type", shown)
    r = client.put(f"{base}/{created['encryption_id']}", headers=as_admin,
                   json={"encryption": {"key_size": 128, "control_location": "back-end"}})
    assert_schema("volume.encryption_types", "update_encryption_type", r)
    item = client.get(f"{base}/cipher", headers=as_admin)
    assert_schema("volume.encryption_types", "show_encryption_specs_item", item)
    assert item.json() == {"cipher": "aes-xts-plain64"}
    assert client.get(f"{base}/key_size", headers=as_admin).json() == {"key_size": 128}
    create_volume(client, cloud, as_demo, volume_type="luks")
    r = client.delete(f"{base}/{created['encryption_id']}", headers=as_admin)
    assert r.status_code == 400 and "in use" in r.json()["badRequest"]["message"]
    with cloud.db.write() as db:  # the volume goes behind the API's back, to free the type
        for row in db.query(Volume).all():
            db.delete(row)
    assert_schema("volume.encryption_types", "delete_encryption_type",
                  client.delete(f"{base}/{created['encryption_id']}", headers=as_admin))
    assert client.get(base, headers=as_admin).json() == {}
    assert client.get(f"{base}/cipher", headers=as_admin).status_code == 404
