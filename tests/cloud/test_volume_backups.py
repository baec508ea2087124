"""Backups through the API: create (full, incremental, in-use with force, of a snapshot), the bytes kept in a file
outside the backend, restore to the same or a new volume, the rules Cinder enforces, quotas, reset-status and a
student reset; every body checked against tempest's backup schemas (3.0 and 3.64)."""

from __future__ import annotations

import base64
import json

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.events import Event
from lab.cloud.plugin import Purge
from tests.api_schemas import assert_schema
from tests.cloud.volume_support import (
    create_snapshot,
    create_volume,
    file_of,
    project_of,
    read_guest,
    show_volume,
    url,
    write_guest,
)

SERVER = "11111111-2222-3333-4444-555555555555"


def at(headers: dict[str, str], version: str) -> dict[str, str]:
    return {**headers, "OpenStack-API-Version": f"volume {version}"}


def backup(client: TestClient, cloud: Cloud, headers: dict, volume_id: str, **fields: object) -> dict:
    r = client.post(url(cloud, headers, "backups"), headers=headers, json={"backup": {"volume_id": volume_id,
                                                                                      **fields}})
    assert r.status_code == 202, r.text
    assert_schema("volume.backups", "create_backup", r)
    cloud.worker.run_due()
    return client.get(url(cloud, headers, f"backups/{r.json()['backup']['id']}"), headers=headers).json()["backup"]


def test_backup_restore_to_a_new_volume_after_the_volume_is_deleted(client: TestClient, cloud: Cloud,
                                                                     as_demo: dict) -> None:
    """creating -> available with the volume's bytes in a file; the volume goes; restore makes a new volume
    holding the same bytes."""
    volume = create_volume(client, cloud, as_demo)
    write_guest(file_of(cloud, volume["id"]), b"precious data")
    r = client.post(url(cloud, as_demo, "backups"), headers=as_demo,
                    json={"backup": {"volume_id": volume["id"], "name": "b1"}})
    backup_id = r.json()["backup"]["id"]
    shown = client.get(url(cloud, as_demo, f"backups/{backup_id}"), headers=as_demo)
    assert shown.json()["backup"]["status"] == "creating"
    assert show_volume(client, cloud, as_demo, volume["id"])["status"] == "backing-up"
    cloud.worker.run_due()
    shown = client.get(url(cloud, as_demo, f"backups/{backup_id}"), headers=as_demo)
    assert_schema("volume.backups", "show_backup", shown)
    assert (shown.json()["backup"]["status"], shown.json()["backup"]["size"]) == ("available", 1)
    assert show_volume(client, cloud, as_demo, volume["id"])["status"] == "available"
    assert read_guest(cloud.volume.backups.path(backup_id), 13) == b"precious data"

    assert client.delete(url(cloud, as_demo, f"volumes/{volume['id']}"), headers=as_demo).status_code == 202
    cloud.worker.run_due()
    r = client.post(url(cloud, as_demo, f"backups/{backup_id}/restore"), headers=as_demo,
                    json={"restore": {"name": "back"}})
    assert_schema("volume.backups", "restore_backup", r)
    restored_id = r.json()["restore"]["volume_id"]
    assert client.get(url(cloud, as_demo, f"backups/{backup_id}"), headers=as_demo).json()["backup"]["status"] == (
        "restoring")
    assert show_volume(client, cloud, as_demo, restored_id)["status"] == "restoring-backup"
    cloud.worker.run_due()
    restored = show_volume(client, cloud, as_demo, restored_id)
    assert (restored["status"], restored["name"], restored["size"]) == ("available", "back", 1)
    assert read_guest(file_of(cloud, restored_id), 13) == b"precious data"
    for path in ("backups", "backups/detail"):
        assert_schema("volume.backups", "list_backups_no_detail" if path == "backups" else "list_backups_with_detail",
                      client.get(url(cloud, as_demo, path), headers=as_demo))
    assert_schema("volume.v3_64.backups", "show_backup",
                  client.get(url(cloud, as_demo, f"backups/{backup_id}"), headers=at(as_demo, "3.64")))
    r = client.delete(url(cloud, as_demo, f"backups/{backup_id}"), headers=as_demo)
    assert_schema("volume.backups", "delete_backup", r)
    cloud.worker.run_due()
    assert not cloud.volume.backups.path(backup_id).exists()
    assert client.get(url(cloud, as_demo, f"backups/{backup_id}"), headers=as_demo).status_code == 404


def test_restore_into_an_existing_volume(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """The target must be available and at least as large; its bytes are replaced."""
    volume = create_volume(client, cloud, as_demo)
    write_guest(file_of(cloud, volume["id"]), b"version one")
    b = backup(client, cloud, as_demo, volume["id"])
    write_guest(file_of(cloud, volume["id"]), b"version two")
    r = client.post(url(cloud, as_demo, f"backups/{b['id']}/restore"), headers=as_demo,
                    json={"restore": {"volume_id": volume["id"]}})
    assert r.status_code == 202 and r.json()["restore"]["volume_id"] == volume["id"]
    cloud.worker.run_due()
    assert read_guest(file_of(cloud, volume["id"]), 11) == b"version one"


def test_in_use_needs_force_and_incremental_needs_a_full(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """Cinder's 400s: an in-use volume without force, an incremental with nothing to build on, deleting a backup
    an incremental depends on; the incremental names its parent."""
    volume = create_volume(client, cloud, as_demo)
    backups = url(cloud, as_demo, "backups")
    r = client.post(backups, headers=as_demo, json={"backup": {"volume_id": volume["id"], "incremental": True}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid backup: No backups available to do an incremental backup.")
    client.post(url(cloud, as_demo, f"volumes/{volume['id']}/action"), headers=as_demo,
                json={"os-attach": {"instance_uuid": SERVER, "mountpoint": "/dev/vdb"}})
    r = client.post(backups, headers=as_demo, json={"backup": {"volume_id": volume["id"]}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid volume: Backing up an in-use volume must use the force flag.")
    full = backup(client, cloud, as_demo, volume["id"], force=True)
    assert show_volume(client, cloud, as_demo, volume["id"])["status"] == "in-use"
    incremental = backup(client, cloud, as_demo, volume["id"], force=True, incremental=True)
    assert incremental["is_incremental"] is True
    full = client.get(url(cloud, as_demo, f"backups/{full['id']}"), headers=as_demo).json()["backup"]
    assert full["has_dependent_backups"] is True
    r = client.delete(url(cloud, as_demo, f"backups/{full['id']}"), headers=as_demo)
    assert r.status_code == 400 and "Incremental backups exist" in r.json()["badRequest"]["message"]


def test_backup_of_a_snapshot_and_volume_from_backup(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """--snapshot backs up the snapshot's bytes; 3.47 creates a volume from a backup."""
    volume = create_volume(client, cloud, as_demo)
    write_guest(file_of(cloud, volume["id"]), b"at snapshot time")
    snap = create_snapshot(client, cloud, as_demo, volume["id"])
    write_guest(file_of(cloud, volume["id"]), b"later")
    b = backup(client, cloud, as_demo, volume["id"], snapshot_id=snap["id"])
    assert b["snapshot_id"] == snap["id"]
    r = client.post(url(cloud, as_demo, "volumes"), headers=at(as_demo, "3.47"),
                    json={"volume": {"backup_id": b["id"], "name": "from-backup"}})
    assert r.status_code == 202, r.text
    cloud.worker.run_due()
    assert read_guest(file_of(cloud, r.json()["volume"]["id"]), 16) == b"at snapshot time"


def test_backup_quotas_limits_and_reset_status(client: TestClient, cloud: Cloud, as_demo: dict,
                                               as_admin: dict) -> None:
    """backups and backup_gigabytes in use show in quotas and limits; over the quota is 413; an admin resets a
    stuck backup; a member may not."""
    volume = create_volume(client, cloud, as_demo)
    b = backup(client, cloud, as_demo, volume["id"])
    demo = project_of(cloud, as_demo)
    usage = client.get(url(cloud, as_demo, f"os-quota-sets/{demo}?usage=True"), headers=as_demo).json()["quota_set"]
    assert (usage["backups"]["in_use"], usage["backup_gigabytes"]["in_use"]) == (1, 1)
    limits = client.get(url(cloud, as_demo, "limits"), headers=as_demo).json()["limits"]["absolute"]
    assert (limits["totalBackupsUsed"], limits["totalBackupGigabytesUsed"]) == (1, 1)
    client.put(url(cloud, as_admin, f"os-quota-sets/{demo}"), headers=as_admin, json={"quota_set": {"backups": 1}})
    r = client.post(url(cloud, as_demo, "backups"), headers=as_demo, json={"backup": {"volume_id": volume["id"]}})
    assert r.status_code == 413 and "BackupLimitExceeded" in r.json()["overLimit"]["message"]
    action = {"os-reset_status": {"status": "error"}}
    assert client.post(url(cloud, as_demo, f"backups/{b['id']}/action"), headers=as_demo,
                       json=action).status_code == 403
    r = client.post(f"/volume/v3/{project_of(cloud, as_admin)}/backups/{b['id']}/action", headers=as_admin,
                    json=action)
    assert_schema("volume.backups", "reset_backup_status", r)
    assert client.get(url(cloud, as_demo, f"backups/{b['id']}"), headers=as_demo).json()["backup"]["status"] == (
        "error")


def test_student_reset_purges_backups(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """purge_project removes the project's backups and their files, with a delete event each."""
    volume = create_volume(client, cloud, as_demo)
    b = backup(client, cloud, as_demo, volume["id"])
    demo = project_of(cloud, as_demo)
    with cloud.db.write() as db:
        purge = Purge(db, cloud.clock.now(), demo, [])
        cloud.volume.purge_project(purge)  # type: ignore[attr-defined]
        leftovers = purge.leftovers["volume"]
    cloud.volume.after_purge(leftovers)  # type: ignore[attr-defined]
    assert purge.removed["volume_backups"] == 1 and not cloud.volume.backups.path(b["id"]).exists()
    with cloud.db.read() as db:
        assert cloud.volume.holdings(db, demo, [])["volume_backups"] == 0  # type: ignore[attr-defined]
        deletes = [e for e in db.query(Event).filter(Event.resource_id == b["id"], Event.action == "delete")]
    assert len(deletes) == 1


def test_restore_gives_the_volume_metadata_back(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """The volume's metadata is kept with the backup (Cinder's metadata object); a restore merges it into the
    target and, on a volume the restore named itself, gives back the source's name and description."""
    volume = create_volume(client, cloud, as_demo, name="src", description="the source",
                           metadata={"vol-meta1": "value1", "vol-meta2": "value2"})
    made = backup(client, cloud, as_demo, volume["id"])
    r = client.post(url(cloud, as_demo, f"backups/{made['id']}/restore"), headers=as_demo, json={"restore": {}})
    assert_schema("volume.backups", "restore_backup", r)
    cloud.worker.run_due()
    restored = show_volume(client, cloud, as_demo, r.json()["restore"]["volume_id"])
    assert restored["metadata"] == {"vol-meta1": "value1", "vol-meta2": "value2", "src_backup_id": made["id"]}
    assert (restored["name"], restored["description"]) == ("src", "the source")
    target = create_volume(client, cloud, as_demo, name="kept", metadata={"own": "x", "vol-meta1": "old"})
    client.post(url(cloud, as_demo, f"backups/{made['id']}/restore"), headers=as_demo,
                json={"restore": {"volume_id": target["id"]}})
    cloud.worker.run_due()
    shown = show_volume(client, cloud, as_demo, target["id"])
    assert shown["name"] == "kept" and shown["metadata"] == {"own": "x", "vol-meta1": "value1",
                                                             "vol-meta2": "value2", "src_backup_id": made["id"]}


def test_backup_record_export_and_import(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """An admin exports a backup's record and imports it under another id: the import is available with its
    own copy of the data (deleting the original leaves it restorable); an existing id, a record that does not
    decode or has no id are 400; another backup driver's record is imported in error; members are refused."""
    volume = create_volume(client, cloud, as_demo, metadata={"k": "v"})
    write_guest(file_of(cloud, volume["id"]), b"exported bytes")
    made = backup(client, cloud, as_demo, volume["id"], name="exp")
    admin = f"/volume/v3/{project_of(cloud, as_admin)}"
    assert client.get(url(cloud, as_demo, f"backups/{made['id']}/export_record"),
                      headers=as_demo).status_code == 403
    r = client.get(f"{admin}/backups/{made['id']}/export_record", headers=as_admin)
    assert_schema("volume.backups", "export_backup", r)
    exported = r.json()["backup-record"]
    assert exported["backup_service"].startswith("cinder.backup.drivers")
    record = json.loads(base64.b64decode(exported["backup_url"]))
    assert (record["id"], record["display_name"], record["size"]) == (made["id"], "exp", 1)

    def import_(url_: str, service: str = exported["backup_service"], headers: dict = as_admin) -> object:
        return client.post(f"{admin}/backups/import_record", headers=headers,
                           json={"backup-record": {"backup_service": service, "backup_url": url_}})

    def encoded(**changes: object) -> str:
        return base64.b64encode(json.dumps({**record, **changes}).encode()).decode()

    assert import_(exported["backup_url"]).status_code == 400  # that id exists
    assert import_("not base64!").status_code == 400
    assert import_(base64.b64encode(json.dumps({"size": 1}).encode()).decode()).status_code == 400
    assert import_(encoded(id="0f6e7c1a-0000-4000-8000-000000000001"), headers=as_demo).status_code == 403
    assert client.post(f"{admin}/backups/import_record", headers=as_admin,
                       json={"backup-record": {"backup_url": "x"}}).status_code == 400
    new_id = "0f6e7c1a-0000-4000-8000-000000000002"
    r = import_(encoded(id=new_id))
    assert_schema("volume.backups", "import_backup", r)
    assert r.json()["backup"]["id"] == new_id
    shown = client.get(f"{admin}/backups/{new_id}", headers=as_admin).json()["backup"]
    assert (shown["status"], shown["name"], shown["volume_id"]) == ("available", "exp", volume["id"])
    assert client.delete(url(cloud, as_demo, f"backups/{made['id']}"), headers=as_demo).status_code == 202
    cloud.worker.run_due()
    r = client.post(f"{admin}/backups/{new_id}/restore", headers=as_admin, json={"restore": {}})
    assert r.status_code == 202
    cloud.worker.run_due()
    restored = client.get(f"{admin}/volumes/{r.json()['restore']['volume_id']}", headers=as_admin).json()["volume"]
    assert restored["status"] == "available" and restored["metadata"]["k"] == "v"
    assert read_guest(file_of(cloud, restored["id"]), 14) == b"exported bytes"
    other = "0f6e7c1a-0000-4000-8000-000000000003"
    assert import_(encoded(id=other), service="cinder.backup.drivers.swift.SwiftBackupDriver").status_code == 201
    failed = client.get(f"{admin}/backups/{other}", headers=as_admin).json()["backup"]
    assert failed["status"] == "error" and "cannot find backup service" in failed["fail_reason"]
