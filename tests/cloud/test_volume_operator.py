"""Block storage as an operator meets it, through the API: volume transfers between two projects, the service
list, snapshot reset-status, private types with access lists, QoS specs, retype, and upload to an image; bodies
checked against tempest's schemas where it has one."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.events import Event
from tests.api_schemas import assert_schema
from tests.cloud.image_helpers import add_user
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


def at(headers: dict[str, str], version: str) -> dict[str, str]:
    return {**headers, "OpenStack-API-Version": f"volume {version}"}


def admin_url(cloud: Cloud, as_admin: dict, path: str) -> str:
    return f"/volume/v3/{project_of(cloud, as_admin)}/{path}"


def test_transfer_between_two_projects(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """The giver offers (awaiting-transfer, the key shown once); a wrong key is 400; the receiver accepts with
    the key and owns the volume and its snapshot; the giver no longer sees it; billing moves with it."""
    other = add_user(cloud, client, "other", "bob")
    volume = create_volume(client, cloud, as_demo, name="gift")
    snap = create_snapshot(client, cloud, as_demo, volume["id"])
    r = client.post(url(cloud, as_demo, "os-volume-transfer"), headers=as_demo,
                    json={"transfer": {"volume_id": volume["id"], "name": "t1"}})
    assert_schema("volume.transfers", "create_volume_transfer", r)
    transfer, key = r.json()["transfer"], r.json()["transfer"]["auth_key"]
    assert show_volume(client, cloud, as_demo, volume["id"])["status"] == "awaiting-transfer"
    assert_schema("volume.transfers", "show_volume_transfer",
                  client.get(url(cloud, as_demo, f"os-volume-transfer/{transfer['id']}"), headers=as_demo))
    assert_schema("volume.v3_57.transfers", "list_volume_transfers_with_detail",
                  client.get(url(cloud, as_demo, "volume-transfers/detail"), headers=at(as_demo, "3.57")))
    assert client.get(url(cloud, as_demo, "volume-transfers"), headers=at(as_demo, "3.54")).status_code == 404
    accept = url(cloud, other, f"os-volume-transfer/{transfer['id']}/accept")
    r = client.post(accept, headers=other, json={"accept": {"auth_key": "wrong"}})
    assert r.status_code == 400 and "invalid auth key" in r.json()["badRequest"]["message"]
    r = client.post(accept, headers=other, json={"accept": {"auth_key": key}})
    assert_schema("volume.transfers", "accept_volume_transfer", r)
    received = show_volume(client, cloud, other, volume["id"])
    assert received["status"] == "available" and received["os-vol-tenant-attr:tenant_id"] == project_of(cloud, other)
    assert client.get(url(cloud, other, f"snapshots/{snap['id']}"), headers=other).status_code == 200
    assert client.get(url(cloud, as_demo, f"volumes/{volume['id']}"), headers=as_demo).status_code == 404
    with cloud.db.read() as db:
        moved = db.query(Event).filter(Event.resource_id == volume["id"], Event.action == "transfer").one()
    assert moved.attributes["to_project_id"] == project_of(cloud, other)


def test_transfer_rules(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """Only an available volume can be offered; deleting the offer makes it available again; an unknown
    transfer is 404."""
    volume = create_volume(client, cloud, as_demo)
    transfers = url(cloud, as_demo, "volume-transfers")
    r = client.post(transfers, headers=at(as_demo, "3.55"), json={"transfer": {"volume_id": volume["id"],
                                                                              "no_snapshots": True}})
    assert_schema("volume.v3_55.transfers", "create_volume_transfer", r)
    again = client.post(transfers, headers=at(as_demo, "3.55"), json={"transfer": {"volume_id": volume["id"]}})
    assert again.status_code == 400
    r = client.delete(f"{transfers}/{r.json()['transfer']['id']}", headers=at(as_demo, "3.55"))
    assert_schema("volume.transfers", "delete_volume_transfer", r)
    assert show_volume(client, cloud, as_demo, volume["id"])["status"] == "available"
    r = client.post(url(cloud, as_demo, "os-volume-transfer/nothing/accept"), headers=as_demo,
                    json={"accept": {"auth_key": "x"}})
    assert r.status_code == 404


def test_service_list_is_admin_only(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """cinder-scheduler, cinder-volume@file and cinder-backup, up; 403 for a member."""
    r = client.get(admin_url(cloud, as_admin, "os-services"), headers=as_admin)
    assert_schema("volume.services", "list_services", r)
    assert {(s["binary"], s["host"], s["state"]) for s in r.json()["services"]} == {
        ("cinder-scheduler", "stacklab", "up"), ("cinder-volume", "stacklab@file", "up"),
        ("cinder-backup", "stacklab", "up")}
    assert_schema("volume.v3_7.services", "list_services",
                  client.get(admin_url(cloud, as_admin, "os-services?binary=cinder-volume"),
                             headers=at(as_admin, "3.7")))
    assert client.get(url(cloud, as_demo, "os-services"), headers=as_demo).status_code == 403


def test_service_update_refusals(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """PUT /os-services/{action}: Cinder's answer without a wrapping key; 400 for an unknown action, a missing
    host or binary, an empty reason; 404 for a service the lab does not run; 403 for a member; thaw of a host
    not frozen is 400."""
    def put(action: str, body: object, headers: dict = as_admin) -> object:
        return client.put(admin_url(cloud, as_admin, f"os-services/{action}"), headers=headers, json=body)

    r = put("disable-log-reason", {"host": "stacklab", "binary": "cinder-backup", "disabled_reason": "tape"})
    assert r.status_code == 200 and r.json() == {"disabled": True, "host": "stacklab", "binary": "cinder-backup",
                                                 "service": "", "status": "disabled", "disabled_reason": "tape"}
    listed = client.get(admin_url(cloud, as_admin, "os-services?binary=cinder-backup"), headers=as_admin)
    assert_schema("volume.services", "list_services", listed)
    assert [(s["status"], s["disabled_reason"]) for s in listed.json()["services"]] == [("disabled", "tape")]
    assert put("enable", {"host": "stacklab", "binary": "cinder-backup"}).json()["status"] == "enabled"
    assert put("reboot", {"host": "stacklab", "binary": "cinder-backup"}).status_code == 400
    assert put("disable", {"binary": "cinder-backup"}).status_code == 400
    assert put("disable", {"host": "stacklab"}).status_code == 400
    assert put("disable-log-reason", {"host": "stacklab", "binary": "cinder-backup",
                                      "disabled_reason": ""}).status_code == 400
    assert put("disable", {"host": "elsewhere", "binary": "cinder-volume"}).status_code == 404
    assert put("disable", {"host": "stacklab", "binary": "cinder-backup"}, headers=as_demo).status_code == 403
    assert put("thaw", {"host": "stacklab@file"}).status_code == 400


def test_snapshot_reset_status(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    volume = create_volume(client, cloud, as_demo)
    snap = create_snapshot(client, cloud, as_demo, volume["id"])
    body = {"os-reset_status": {"status": "error"}}
    assert client.post(url(cloud, as_demo, f"snapshots/{snap['id']}/action"), headers=as_demo,
                       json=body).status_code == 403
    r = client.post(admin_url(cloud, as_admin, f"snapshots/{snap['id']}/action"), headers=as_admin, json=body)
    assert_schema("volume.snapshots", "reset_snapshot_status", r)
    assert client.get(url(cloud, as_demo, f"snapshots/{snap['id']}"), headers=as_demo).json()["snapshot"][
        "status"] == "error"


def test_private_type_access_list(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """A private type is invisible to a project until an admin adds it to the access list; update renames."""
    types = admin_url(cloud, as_admin, "types")
    vtype = client.post(types, headers=as_admin, json={"volume_type": {
        "name": "gold", "os-volume-type-access:is_public": False}}).json()["volume_type"]
    assert client.get(url(cloud, as_demo, f"types/{vtype['id']}"), headers=as_demo).status_code == 404
    demo = project_of(cloud, as_demo)
    r = client.post(f"{types}/{vtype['id']}/action", headers=as_admin, json={"addProjectAccess": {"project": demo}})
    assert_schema("volume.volume_types", "add_type_access", r)
    r = client.get(f"{types}/{vtype['id']}/os-volume-type-access", headers=as_admin)
    assert_schema("volume.volume_types", "list_type_access", r)
    assert r.json()["volume_type_access"] == [{"volume_type_id": vtype["id"], "project_id": demo}]
    assert "gold" in [t["name"] for t in client.get(url(cloud, as_demo, "types"), headers=as_demo).json()[
        "volume_types"]]
    assert create_volume(client, cloud, as_demo, volume_type="gold")["volume_type"] == "gold"
    r = client.put(f"{types}/{vtype['id']}", headers=as_admin, json={"volume_type": {"description": "fast"}})
    assert_schema("volume.volume_types", "update_volume_types", r)
    r = client.post(f"{types}/{vtype['id']}/action", headers=as_admin,
                    json={"removeProjectAccess": {"project": demo}})
    assert_schema("volume.volume_types", "remove_type_access", r)
    assert client.get(url(cloud, as_demo, f"types/{vtype['id']}"), headers=as_demo).status_code == 404


def test_qos_specs_and_association(client: TestClient, cloud: Cloud, as_admin: dict) -> None:
    """create, set keys, associate with a type (its qos_specs_id), list associations, refuse a delete while
    associated, disassociate, delete."""
    qos_url = admin_url(cloud, as_admin, "qos-specs")
    r = client.post(qos_url, headers=as_admin, json={"qos_specs": {"name": "slow", "consumer": "front-end",
                                                                   "read_iops_sec": "100"}})
    assert_schema("volume.qos", "show_qos", r)
    qos = r.json()["qos_specs"]
    assert qos["specs"] == {"read_iops_sec": "100"}
    assert_schema("volume.qos", "set_qos_key", client.put(f"{qos_url}/{qos['id']}", headers=as_admin,
                                                          json={"qos_specs": {"write_iops_sec": "50"}}))
    vtype = client.post(admin_url(cloud, as_admin, "types"), headers=as_admin,
                        json={"volume_type": {"name": "bronze"}}).json()["volume_type"]
    r = client.get(f"{qos_url}/{qos['id']}/associate?vol_type_id={vtype['id']}", headers=as_admin)
    assert_schema("volume.qos", "associate_qos", r)
    assert_schema("volume.qos", "show_association_qos", client.get(f"{qos_url}/{qos['id']}/associations",
                                                                   headers=as_admin))
    shown = client.get(admin_url(cloud, as_admin, f"types/{vtype['id']}"), headers=as_admin).json()["volume_type"]
    assert shown["qos_specs_id"] == qos["id"]
    assert client.delete(f"{qos_url}/{qos['id']}", headers=as_admin).status_code == 400
    assert_schema("volume.qos", "disassociate_qos", client.get(
        f"{qos_url}/{qos['id']}/disassociate?vol_type_id={vtype['id']}", headers=as_admin))
    assert_schema("volume.qos", "show_qos", client.get(f"{qos_url}/{qos['id']}", headers=as_admin))
    assert_schema("volume.qos", "list_qos", client.get(qos_url, headers=as_admin))
    assert_schema("volume.qos", "delete_qos", client.delete(f"{qos_url}/{qos['id']}", headers=as_admin))


def test_retype(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """os-retype moves the volume to another type at once; the same type is 400; per-type quotas apply."""
    client.post(admin_url(cloud, as_admin, "types"), headers=as_admin, json={"volume_type": {"name": "silver"}})
    volume = create_volume(client, cloud, as_demo)
    action = url(cloud, as_demo, f"volumes/{volume['id']}/action")
    r = client.post(action, headers=as_demo, json={"os-retype": {"new_type": "silver", "migration_policy": "never"}})
    assert_schema("volume.volumes", "retype_volume", r)
    assert show_volume(client, cloud, as_demo, volume["id"])["volume_type"] == "silver"
    r = client.post(action, headers=as_demo, json={"os-retype": {"new_type": "silver"}})
    assert r.status_code == 400
    demo = project_of(cloud, as_demo)
    client.put(admin_url(cloud, as_admin, f"os-quota-sets/{demo}"), headers=as_admin,
               json={"quota_set": {"volumes___DEFAULT__": 0}})
    r = client.post(action, headers=as_demo, json={"os-retype": {"new_type": "__DEFAULT__"}})
    assert r.status_code == 413


def test_upload_to_image(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """os-volume_upload_image: the volume is uploading, then available; the image is active with the volume's
    bytes and belongs to the caller's project."""
    volume = create_volume(client, cloud, as_demo)
    write_guest(file_of(cloud, volume["id"]), b"bootable bytes")
    r = client.post(url(cloud, as_demo, f"volumes/{volume['id']}/action"), headers=at(as_demo, "3.1"),
                    json={"os-volume_upload_image": {"image_name": "from-volume", "disk_format": "raw",
                                                     "container_format": "bare", "force": False}})
    assert r.status_code == 202, r.text
    answer = r.json()["os-volume_upload_image"]
    assert (answer["status"], answer["image_name"], answer["disk_format"]) == ("uploading", "from-volume", "raw")
    assert show_volume(client, cloud, as_demo, volume["id"])["status"] == "uploading"
    cloud.worker.run_due()
    assert show_volume(client, cloud, as_demo, volume["id"])["status"] == "available"
    image = client.get(f"/image/v2/images/{answer['image_id']}", headers=as_demo).json()
    assert (image["status"], image["owner"], image["size"]) == ("active", project_of(cloud, as_demo), 1024**3)
    data = client.get(f"/image/v2/images/{answer['image_id']}/file", headers=as_demo)
    assert data.content[:14] == b"bootable bytes"
    assert read_guest(file_of(cloud, volume["id"]), 14) == b"bootable bytes"
