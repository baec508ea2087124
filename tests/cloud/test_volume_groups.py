"""Generic volume groups through the API (Cinder 3.11-3.20): group types with group specs, groups with volumes
(create into, add, remove, delete with them), group snapshots, groups from a group or a group snapshot, and
reset-status; every body checked against tempest's schemas at the microversion tempest asks."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.plugin import Purge
from tests.api_schemas import assert_schema
from tests.cloud.volume_support import project_of, url


def at(headers: dict[str, str], version: str) -> dict[str, str]:
    return {**headers, "OpenStack-API-Version": f"volume {version}"}


def admin_url(cloud: Cloud, as_admin: dict, path: str) -> str:
    return f"/volume/v3/{project_of(cloud, as_admin)}/{path}"


def test_group_types_and_specs(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict) -> None:
    """Admin CRUD (202 create, 200 update, 202 delete); private types hidden from members; specs merged,
    shown, set and deleted by key; 404 below 3.11; a member may not create."""
    types = admin_url(cloud, as_admin, "group_types")
    h = at(as_admin, "3.11")
    assert client.get(types, headers=as_admin).status_code == 404
    assert client.post(url(cloud, as_demo, "group_types"), headers=at(as_demo, "3.11"),
                       json={"group_type": {"name": "x"}}).status_code == 403
    r = client.post(types, headers=h, json={"group_type": {
        "name": "gt1", "description": "d", "is_public": True,
        "group_specs": {"consistent_group_snapshot_enabled": "<is> False"}}})
    assert_schema("volume.group_types", "create_group_type", r)
    gt = r.json()["group_type"]
    assert client.post(types, headers=h, json={"group_type": {"name": "gt1"}}).status_code == 400
    private = client.post(types, headers=h, json={"group_type": {"name": "gt2", "is_public": False}}).json()
    listed = client.get(f"{types}?is_public=None&sort=name:desc", headers=h)
    assert_schema("volume.group_types", "list_group_types", listed)
    assert [t["name"] for t in listed.json()["group_types"]][:2] == ["gt2", "gt1"]
    member_view = client.get(url(cloud, as_demo, "group_types"), headers=at(as_demo, "3.11")).json()
    assert [t["name"] for t in member_view["group_types"]] == ["gt1"] and "group_specs" not in member_view[
        "group_types"][0]
    r = client.put(f"{types}/{gt['id']}", headers=h, json={"group_type": {"name": "gt1b", "description": "e"}})
    assert_schema("volume.group_types", "update_group_type", r)
    shown = client.get(f"{types}/{gt['id']}", headers=h)
    assert_schema("volume.group_types", "show_group_type", shown)
    assert (shown.json()["group_type"]["name"], shown.json()["group_type"]["description"]) == ("gt1b", "e")
    specs = f"{types}/{gt['id']}/group_specs"
    r = client.post(specs, headers=h, json={"group_specs": {"key1": "v1", "key2": "v2"}})
    assert_schema("volume.group_types", "create_or_update_group_type_specs", r)
    assert r.json()["group_specs"] == {"key1": "v1", "key2": "v2"}
    r = client.put(f"{specs}/key2", headers=h, json={"key2": "v2b"})
    assert_schema("volume.group_types", "update_group_type_specs_item", r)
    assert client.put(f"{specs}/key2", headers=h, json={"other": "x"}).status_code == 400
    assert_schema("volume.group_types", "show_group_type_specs_item", client.get(f"{specs}/key2", headers=h))
    r = client.get(specs, headers=h)
    assert_schema("volume.group_types", "list_group_type_specs", r)
    assert r.json()["group_specs"] == {"consistent_group_snapshot_enabled": "<is> False", "key1": "v1",
                                       "key2": "v2b"}
    assert client.delete(f"{specs}/key1", headers=h).status_code == 202
    assert client.get(f"{specs}/key1", headers=h).status_code == 404
    assert client.get(f"{types}/default", headers=h).status_code == 404
    assert_schema("volume.group_types", "delete_group_type", client.delete(f"{types}/{private['group_type']['id']}",
                                                                           headers=h))


def test_group_lifecycle_with_volumes_and_snapshots(client: TestClient, cloud: Cloud, as_admin: dict,
                                                    as_demo: dict) -> None:
    h = at(as_admin, "3.14")
    m = at(as_demo, "3.14")
    gt = client.post(admin_url(cloud, as_admin, "group_types"), headers=h,
                     json={"group_type": {"name": "gt"}}).json()["group_type"]
    vt = client.post(admin_url(cloud, as_admin, "types"), headers=as_admin,
                     json={"volume_type": {"name": "vt"}}).json()["volume_type"]
    groups = url(cloud, as_demo, "groups")
    assert client.get(groups, headers=at(as_demo, "3.12")).status_code == 404
    assert client.post(groups, headers=m, json={"group": {"group_type": gt["id"]}}).status_code == 400
    assert client.post(groups, headers=m, json={"group": {"group_type": "nope", "volume_types": [vt["id"]]}}
                       ).status_code == 404
    r = client.post(groups, headers=m, json={"group": {"group_type": gt["id"], "volume_types": [vt["id"]],
                                                       "name": "g1"}})
    assert_schema("volume.groups", "create_group", r)
    group_id = r.json()["group"]["id"]
    assert client.get(f"{groups}/{group_id}", headers=m).json()["group"]["status"] == "creating"
    cloud.worker.run_due()
    shown = client.get(f"{groups}/{group_id}", headers=at(as_demo, "3.13"))
    assert_schema("volume.groups", "show_group", shown)
    assert shown.json()["group"]["status"] == "available"
    # a volume of another type may not join; one of the group's type may, and shows its group
    assert client.post(url(cloud, as_demo, "volumes"), headers=m,
                       json={"volume": {"size": 1, "group_id": group_id}}).status_code == 400
    volumes = []
    for _ in range(2):
        r = client.post(url(cloud, as_demo, "volumes"), headers=m,
                        json={"volume": {"size": 1, "volume_type": vt["id"], "group_id": group_id}})
        assert r.status_code == 202 and r.json()["volume"]["group_id"] == group_id
        volumes.append(r.json()["volume"]["id"])
    cloud.worker.run_due()
    r = client.delete(url(cloud, as_demo, f"volumes/{volumes[0]}"), headers=m)
    assert r.status_code == 400 and "belong to a group" in r.json()["badRequest"]["message"]
    assert client.put(f"{groups}/{group_id}", headers=m, json={"group": {}}).status_code == 400
    r = client.put(f"{groups}/{group_id}", headers=m, json={"group": {"name": "g1b", "remove_volumes": volumes[1]}})
    assert_schema("volume.groups", "update_group", r)
    detail = client.get(url(cloud, as_demo, "volumes/detail"), headers=m).json()["volumes"]
    assert {v["id"]: v["group_id"] for v in detail} == {volumes[0]: group_id, volumes[1]: None}
    client.put(f"{groups}/{group_id}", headers=m, json={"group": {"add_volumes": volumes[1]}})
    listed = client.get(f"{groups}/detail?list_volume=true", headers=at(as_demo, "3.25"))
    assert sorted(listed.json()["groups"][0]["volumes"]) == sorted(volumes)
    assert_schema("volume.groups", "list_groups_no_detail", client.get(groups, headers=m))
    # a group snapshot: one snapshot per volume, that cannot be deleted on its own
    r = client.post(url(cloud, as_demo, "group_snapshots"), headers=m,
                    json={"group_snapshot": {"group_id": group_id, "name": "gs"}})
    assert_schema("volume.group_snapshots", "create_group_snapshot", r)
    gs_id = r.json()["group_snapshot"]["id"]
    cloud.worker.run_due()
    gs = client.get(url(cloud, as_demo, f"group_snapshots/{gs_id}"), headers=m)
    assert_schema("volume.group_snapshots", "show_group_snapshot", gs)
    assert gs.json()["group_snapshot"]["status"] == "available"
    assert_schema("volume.group_snapshots", "list_group_snapshots_with_detail",
                  client.get(url(cloud, as_demo, "group_snapshots/detail"), headers=m))
    snaps = client.get(url(cloud, as_demo, "snapshots/detail"), headers=m).json()["snapshots"]
    assert sorted(s["volume_id"] for s in snaps) == sorted(volumes)
    assert {s["group_snapshot_id"] for s in snaps} == {gs_id} and {s["status"] for s in snaps} == {"available"}
    assert client.delete(url(cloud, as_demo, f"snapshots/{snaps[0]['id']}"), headers=m).status_code == 400
    # groups from the group snapshot and from the group: a volume for each
    for source in ({"group_snapshot_id": gs_id}, {"source_group_id": group_id}):
        r = client.post(url(cloud, as_demo, "groups/action"), headers=m,
                        json={"create-from-src": {"name": "copy", **source}})
        assert_schema("volume.groups", "create_group_from_source", r)
        cloud.worker.run_due()
        copy = client.get(f"{groups}/{r.json()['group']['id']}", headers=m).json()["group"]
        assert copy["status"] == "available"
        members = [v for v in client.get(url(cloud, as_demo, "volumes/detail"), headers=m).json()["volumes"]
                   if v["group_id"] == copy["id"]]
        assert len(members) == 2 and {v["status"] for v in members} == {"available"}
        r = client.post(f"{groups}/{copy['id']}/action", headers=m, json={"delete": {"delete-volumes": True}})
        assert_schema("volume.groups", "delete_group", r)
        cloud.worker.run_due()
    # reset-status (admin, 3.19 / 3.20)
    gs_action = admin_url(cloud, as_admin, f"group_snapshots/{gs_id}/action")
    assert client.post(gs_action, headers=at(as_admin, "3.18"), json={"reset_status": {"status": "error"}}
                       ).status_code == 404
    assert client.post(url(cloud, as_demo, f"group_snapshots/{gs_id}/action"), headers=at(as_demo, "3.19"),
                       json={"reset_status": {"status": "error"}}).status_code == 403
    r = client.post(gs_action, headers=at(as_admin, "3.19"), json={"reset_status": {"status": "error"}})
    assert_schema("volume.group_snapshots", "reset_group_snapshot_status", r)
    assert client.post(gs_action, headers=at(as_admin, "3.19"), json={"reset_status": {"status": "bogus"}}
                       ).status_code == 400
    # the group snapshot goes with its snapshots; then the group with its volumes
    r = client.post(f"{groups}/{group_id}/action", headers=m, json={"delete": {"delete-volumes": True}})
    assert r.status_code == 400  # it has a group snapshot
    r = client.delete(url(cloud, as_demo, f"group_snapshots/{gs_id}"), headers=m)
    assert_schema("volume.group_snapshots", "delete_group_snapshot", r)
    cloud.worker.run_due()
    assert client.get(url(cloud, as_demo, "snapshots"), headers=m).json()["snapshots"] == []
    g_action = admin_url(cloud, as_admin, f"groups/{group_id}/action")
    r = client.post(g_action, headers=at(as_admin, "3.20"), json={"reset_status": {"status": "error"}})
    assert_schema("volume.groups", "reset_group_status", r)
    assert client.post(f"{groups}/{group_id}/action", headers=m, json={"delete": {"delete-volumes": False}}
                       ).status_code == 400
    assert client.post(f"{groups}/{group_id}/action", headers=m, json={"delete": {"delete-volumes": True}}
                       ).status_code == 202
    cloud.worker.run_due()
    assert client.get(f"{groups}/{group_id}", headers=m).status_code == 404
    assert client.get(url(cloud, as_demo, "volumes"), headers=m).json()["volumes"] == []
    assert client.delete(admin_url(cloud, as_admin, f"group_types/{gt['id']}"), headers=h).status_code == 202


def test_groups_quota_and_student_reset(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict) -> None:
    h = at(as_admin, "3.13")
    gt = client.post(admin_url(cloud, as_admin, "group_types"), headers=h,
                     json={"group_type": {"name": "gt"}}).json()["group_type"]
    project_id = project_of(cloud, as_demo)
    client.put(admin_url(cloud, as_admin, f"os-quota-sets/{project_id}"), headers=as_admin,
               json={"quota_set": {"groups": 1}})
    body = {"group": {"group_type": gt["id"], "volume_types": ["__DEFAULT__"]}}
    assert client.post(url(cloud, as_demo, "groups"), headers=at(as_demo, "3.13"), json=body).status_code == 202
    r = client.post(url(cloud, as_demo, "groups"), headers=at(as_demo, "3.13"), json=body)
    assert r.status_code == 413 and "GroupLimitExceeded" in r.json()["overLimit"]["message"]
    cloud.worker.run_due()
    with cloud.db.write() as db:
        purge = Purge(db=db, now=cloud.clock.now(), project_id=project_id, user_ids=[])
        cloud.volume.purge_project(purge)
    assert purge.removed["volume_groups"] == 1
    assert client.get(url(cloud, as_demo, "groups"), headers=at(as_demo, "3.13")).json()["groups"] == []
