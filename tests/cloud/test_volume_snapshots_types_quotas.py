"""Cinder v3 snapshots, volume types, quotas and limits through HTTP, with Cinder's error bodies."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.api_schemas import assert_schema
from tests.cloud.volume_support import (
    create_snapshot,
    create_volume,
    project_of,
    show_volume,
    snapshot_files,
    url,
    volume_files,
)

SNAPSHOT_CREATE_KEYS = {"id", "created_at", "updated_at", "name", "description", "volume_id", "status", "size",
                        "metadata"}


def test_snapshot_create_show_list_update_delete(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """202 creating with only tempest's keys; available with its file; show adds progress; delete frees it."""
    vol = create_volume(client, cloud, as_demo, size=2)
    r = client.post(url(cloud, as_demo, "snapshots"), headers=as_demo, json={"snapshot": {
        "volume_id": vol["id"], "name": "s1", "description": None, "metadata": None, "force": False}})
    assert r.status_code == 202
    body = r.json()["snapshot"]
    assert set(body) == SNAPSHOT_CREATE_KEYS and (body["status"], body["size"]) == ("creating", 2)
    cloud.worker.run_due()
    shown = client.get(url(cloud, as_demo, f"snapshots/{body['id']}"), headers=as_demo).json()["snapshot"]
    assert shown["status"] == "available" and shown["os-extended-snapshot-attributes:progress"] == "100%"
    assert [p.name.split(".")[0] for p in snapshot_files(cloud)] == [f"snapshot-{body['id']}"]
    listed = client.get(url(cloud, as_demo, "snapshots/detail"), headers=as_demo).json()["snapshots"]
    assert [s["id"] for s in listed] == [body["id"]]
    r = client.put(url(cloud, as_demo, f"snapshots/{body['id']}"), headers=as_demo,
                   json={"snapshot": {"name": "s2", "description": "x"}})
    assert r.status_code == 200 and (r.json()["snapshot"]["name"], r.json()["snapshot"]["description"]) == ("s2", "x")
    assert client.delete(url(cloud, as_demo, f"snapshots/{body['id']}"), headers=as_demo).status_code == 202
    cloud.worker.run_due()
    assert client.get(url(cloud, as_demo, f"snapshots/{body['id']}"), headers=as_demo).status_code == 404
    assert snapshot_files(cloud) == []
    assert show_volume(client, cloud, as_demo, vol["id"])["status"] == "available"


def test_snapshot_of_in_use_volume_needs_force(client: TestClient, cloud: Cloud, as_admin: dict,
                                               as_demo: dict) -> None:
    """Cinder 3.0: an in-use volume is refused without force=true, and snapshotted with it."""
    vol = create_volume(client, cloud, as_demo)
    admin_action = f"/volume/v3/{project_of(cloud, as_admin)}/volumes/{vol['id']}/action"
    client.post(admin_action, headers=as_admin, json={"os-reset_status": {"status": "in-use"}})
    for force in (False, None, "false"):
        r = client.post(url(cloud, as_demo, "snapshots"), headers=as_demo,
                        json={"snapshot": {"volume_id": vol["id"], "force": force}})
        assert r.status_code == 400
        assert r.json() == {"badRequest": {"code": 400, "message": (
            f"Invalid volume: Volume {vol['id']} status must be available, but current status is: in-use.")}}
    assert client.get(url(cloud, as_demo, "snapshots"), headers=as_demo).json()["snapshots"] == []
    r = client.post(url(cloud, as_demo, "snapshots"), headers=as_demo,
                    json={"snapshot": {"volume_id": vol["id"], "force": "maybe"}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == (
        "Invalid input received: Invalid value 'maybe' for force.")
    snap = create_snapshot(client, cloud, as_demo, vol["id"], force=True)
    assert snap["status"] == "available"


def test_snapshot_of_unknown_or_foreign_volume_is_404(client: TestClient, cloud: Cloud, as_admin: dict,
                                                      as_demo: dict) -> None:
    vol = create_volume(client, cloud, as_admin)
    r = client.post(url(cloud, as_demo, "snapshots"), headers=as_demo, json={"snapshot": {"volume_id": vol["id"]}})
    assert r.status_code == 404 and r.json()["itemNotFound"]["message"] == f"Volume {vol['id']} could not be found."
    assert snapshot_files(cloud) == []


def test_default_type_and_admin_managed_types(client: TestClient, cloud: Cloud, as_admin: dict,
                                              as_demo: dict) -> None:
    """__DEFAULT__ exists; only an admin creates/deletes types; a used or default type cannot be deleted."""
    types = client.get(url(cloud, as_demo, "types"), headers=as_demo).json()["volume_types"]
    assert [t["name"] for t in types] == ["__DEFAULT__"]
    assert set(types[0]) == {"id", "name", "description", "is_public", "os-volume-type-access:is_public",
                             "extra_specs", "qos_specs_id"}
    default = client.get(url(cloud, as_demo, "types/default"), headers=as_demo).json()["volume_type"]
    assert default["id"] == types[0]["id"]
    r = client.post(url(cloud, as_demo, "types"), headers=as_demo, json={"volume_type": {"name": "gold"}})
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == "Policy doesn't allow volume_extension:type_create to be performed."
    r = client.post(url(cloud, as_admin, "types"), headers=as_admin, json={"volume_type": {
        "name": "gold", "description": "fast", "extra_specs": {"volume_backend_name": "file"}}})
    assert r.status_code == 200
    gold = r.json()["volume_type"]
    assert gold["extra_specs"] == {"volume_backend_name": "file"} and gold["is_public"] is True
    r = client.post(url(cloud, as_admin, "types"), headers=as_admin, json={"volume_type": {"name": "gold"}})
    assert r.status_code == 409
    vol = create_volume(client, cloud, as_demo, volume_type="gold")
    assert vol["volume_type"] == "gold"
    r = client.delete(url(cloud, as_admin, f"types/{gold['id']}"), headers=as_admin)
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == "Target volume type is still in use."
    r = client.delete(url(cloud, as_admin, f"types/{default['id']}"), headers=as_admin)
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == "Default volume type can not be deleted"
    client.delete(url(cloud, as_demo, f"volumes/{vol['id']}"), headers=as_demo)
    cloud.worker.run_due()
    assert client.delete(url(cloud, as_admin, f"types/{gold['id']}"), headers=as_admin).status_code == 202
    assert [t["name"] for t in client.get(url(cloud, as_demo, "types"), headers=as_demo).json()["volume_types"]] == [
        "__DEFAULT__"]


def test_quota_show_with_usage_and_defaults(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    project_id = project_of(cloud, as_demo)
    vol = create_volume(client, cloud, as_demo, size=2)
    create_snapshot(client, cloud, as_demo, vol["id"])
    quota = client.get(url(cloud, as_demo, f"os-quota-sets/{project_id}"), headers=as_demo).json()["quota_set"]
    assert (quota["id"], quota["volumes"], quota["gigabytes"], quota["snapshots"]) == (project_id, 10, 1000, 10)
    assert quota["per_volume_gigabytes"] == -1 and quota["volumes___DEFAULT__"] == -1
    used = client.get(url(cloud, as_demo, f"os-quota-sets/{project_id}?usage=True"),
                      headers=as_demo).json()["quota_set"]
    assert used["volumes"] == {"limit": 10, "in_use": 1, "reserved": 0}
    assert used["gigabytes"]["in_use"] == 4 and used["snapshots"]["in_use"] == 1  # snapshots count in gigabytes
    defaults = client.get(url(cloud, as_demo, f"os-quota-sets/{project_id}/defaults"),
                          headers=as_demo).json()["quota_set"]
    assert defaults["volumes"] == 10


def test_volume_count_quota_is_413_and_nothing_is_made(client: TestClient, cloud: Cloud, as_admin: dict,
                                                       as_demo: dict) -> None:
    """After the admin sets volumes=1, a second volume is Cinder's 413 overLimit body; no row, no file."""
    project_id = project_of(cloud, as_demo)
    r = client.put(url(cloud, as_admin, f"os-quota-sets/{project_id}"), headers=as_admin,
                   json={"quota_set": {"volumes": 1}})
    assert r.status_code == 200 and r.json()["quota_set"]["volumes"] == 1
    create_volume(client, cloud, as_demo)
    r = client.post(url(cloud, as_demo, "volumes"), headers=as_demo, json={"volume": {"size": 1}})
    assert r.status_code == 413
    assert r.json() == {"overLimit": {"code": 413, "retryAfter": "0", "message": (
        "VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota 'volumes'.")}}
    assert len(volume_files(cloud)) == 1
    assert len(client.get(url(cloud, as_demo, "volumes"), headers=as_demo).json()["volumes"]) == 1


def test_gigabytes_and_snapshot_quotas(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict) -> None:
    project_id = project_of(cloud, as_demo)
    client.put(url(cloud, as_admin, f"os-quota-sets/{project_id}"), headers=as_admin,
               json={"quota_set": {"gigabytes": 3, "snapshots": 0}})
    vol = create_volume(client, cloud, as_demo, size=2)
    r = client.post(url(cloud, as_demo, "volumes"), headers=as_demo, json={"volume": {"size": 2}})
    assert r.status_code == 413 and r.json()["overLimit"]["message"] == (
        "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. "
        "Requested 2G, quota is 3G and 2G has been consumed.")
    r = client.post(url(cloud, as_demo, f"volumes/{vol['id']}/action"), headers=as_demo,
                    json={"os-extend": {"new_size": 4}})
    assert r.status_code == 413 and show_volume(client, cloud, as_demo, vol["id"])["size"] == 2
    r = client.post(url(cloud, as_demo, "snapshots"), headers=as_demo, json={"snapshot": {"volume_id": vol["id"]}})
    assert r.status_code == 413 and r.json()["overLimit"]["message"] == (
        "SnapshotLimitExceeded: Maximum number of snapshots allowed (0) exceeded for quota 'snapshots'.")
    assert snapshot_files(cloud) == []


def test_quota_update_is_admin_only_and_validated(client: TestClient, cloud: Cloud, as_admin: dict,
                                                  as_demo: dict) -> None:
    project_id = project_of(cloud, as_demo)
    r = client.put(url(cloud, as_demo, f"os-quota-sets/{project_id}"), headers=as_demo,
                   json={"quota_set": {"volumes": 100}})
    assert r.status_code == 403
    r = client.put(url(cloud, as_admin, f"os-quota-sets/{project_id}"), headers=as_admin,
                   json={"quota_set": {"rockets": 1}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"] == "Bad key(s) in quota set: rockets"
    r = client.put(url(cloud, as_admin, f"os-quota-sets/{project_id}"), headers=as_admin,
                   json={"quota_set": {"volumes": -5}})
    assert r.status_code == 400
    quota = client.get(url(cloud, as_demo, f"os-quota-sets/{project_id}"), headers=as_demo).json()["quota_set"]
    assert quota["volumes"] == 10
    other = project_of(cloud, as_admin)
    assert client.get(url(cloud, as_demo, f"os-quota-sets/{other}"), headers=as_demo).status_code == 403


def test_per_type_quota(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict) -> None:
    project_id = project_of(cloud, as_demo)
    client.put(url(cloud, as_admin, f"os-quota-sets/{project_id}"), headers=as_admin,
               json={"quota_set": {"volumes___DEFAULT__": 0}})
    r = client.post(url(cloud, as_demo, "volumes"), headers=as_demo, json={"volume": {"size": 1}})
    assert r.status_code == 413 and r.json()["overLimit"]["message"] == (
        "VolumeLimitExceeded: Maximum number of volumes allowed (0) exceeded for quota 'volumes___DEFAULT__'.")


def test_limits_absolute(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    vol = create_volume(client, cloud, as_demo, size=3)
    create_snapshot(client, cloud, as_demo, vol["id"])
    limits = client.get(url(cloud, as_demo, "limits"), headers=as_demo).json()["limits"]
    assert limits["rate"] == []
    absolute = limits["absolute"]
    assert (absolute["maxTotalVolumes"], absolute["totalVolumesUsed"]) == (10, 1)
    assert (absolute["maxTotalVolumeGigabytes"], absolute["totalGigabytesUsed"]) == (1000, 6)
    assert (absolute["maxTotalSnapshots"], absolute["totalSnapshotsUsed"]) == (10, 1)


def test_quota_class_default_sets_every_projects_defaults(client: TestClient, cloud: Cloud, as_admin: dict,
                                                          as_demo: dict) -> None:
    """os-quota-class-sets/default (admin): shown with its id; a PUT (what `openstack quota set --class` sends)
    changes the defaults of every project, per-type quotas included, and a project's own limits still win;
    unknown keys are ignored as Cinder's; bad values are 400; members are refused."""
    classes = url(cloud, as_admin, "os-quota-class-sets/default")
    r = client.get(classes, headers=as_admin)
    assert_schema("volume.quota_classes", "show_quota_classes", r)
    assert r.json()["quota_class_set"]["id"] == "default" and r.json()["quota_class_set"]["volumes"] == 10
    assert client.get(url(cloud, as_demo, "os-quota-class-sets/default"), headers=as_demo).status_code == 403
    r = client.put(classes, headers=as_admin,
                   json={"quota_class_set": {"volumes": 1, "snapshots___DEFAULT__": 3, "bogus": 5}})
    assert_schema("volume.quota_classes", "update_quota_classes", r)
    updated = r.json()["quota_class_set"]
    assert "id" not in updated and "bogus" not in updated
    assert (updated["volumes"], updated["snapshots___DEFAULT__"]) == (1, 3)
    project_id = project_of(cloud, as_demo)
    defaults = client.get(url(cloud, as_demo, f"os-quota-sets/{project_id}/defaults"), headers=as_demo).json()
    assert (defaults["quota_set"]["volumes"], defaults["quota_set"]["snapshots___DEFAULT__"]) == (1, 3)
    create_volume(client, cloud, as_demo)
    r = client.post(url(cloud, as_demo, "volumes"), headers=as_demo, json={"volume": {"size": 1}})
    assert r.status_code == 413
    client.put(url(cloud, as_admin, f"os-quota-sets/{project_id}"), headers=as_admin,
               json={"quota_set": {"volumes": 5}})
    assert client.post(url(cloud, as_demo, "volumes"), headers=as_demo, json={"volume": {"size": 1}}
                       ).status_code == 202
    for bad in ({"volumes": -2}, {"volumes": "x"}, {"volumes": True}):
        assert client.put(classes, headers=as_admin, json={"quota_class_set": bad}).status_code == 400
    assert client.put(classes, headers=as_admin, json={"quotas": {}}).status_code == 400
    assert client.put(url(cloud, as_demo, "os-quota-class-sets/default"), headers=as_demo,
                      json={"quota_class_set": {"volumes": 3}}).status_code == 403
