"""Every body the block storage API renders, checked against tempest's own response schema for it
(`tempest.lib.api_schema.response.volume`, and compute's for Nova's os-volume_attachments): the real API driven
through the `client` fixture, as a student's SDK would call it, each answer validated key for key."""

from __future__ import annotations

import httpx
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.api_schemas import assert_schema
from tests.cloud.volume_support import ComputeStandIn, create_snapshot, create_volume, project_of, url

SERVER = "11111111-2222-3333-4444-555555555555"


def check(name: str, response: httpx.Response, module: str = "volume.volumes") -> httpx.Response:
    assert_schema(module, name, response)
    return response


def test_versions_match_tempest(client: TestClient) -> None:
    check("list_versions", client.get("/volume"), "volume.versions")
    check("volume_api_version_details", client.get("/volume/v3/"), "volume.versions")


def test_volume_bodies_match_tempest(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """create, show (as a member and as an admin, who sees the host and migration keys), list, detail, update,
    the actions, metadata, delete."""
    r = check("create_volume", client.post(url(cloud, as_demo, "volumes"), headers=as_demo,
                                           json={"volume": {"size": 1, "name": "v1", "metadata": {"a": "1"}}}))
    volume_id = r.json()["volume"]["id"]
    cloud.worker.run_due()
    vol = f"volumes/{volume_id}"
    check("show_volume", client.get(url(cloud, as_demo, vol), headers=as_demo))
    admin_view = f"/volume/v3/{project_of(cloud, as_admin)}/{vol}"
    shown = check("show_volume", client.get(admin_view, headers=as_admin)).json()["volume"]
    assert "os-vol-host-attr:host" in shown  # the admin's extension keys are what the schema checked
    check("list_volumes_no_detail", client.get(url(cloud, as_demo, "volumes"), headers=as_demo))
    check("list_volumes_with_detail", client.get(url(cloud, as_demo, "volumes/detail"), headers=as_demo))
    check("list_volumes_with_detail", client.get(f"/volume/v3/{project_of(cloud, as_admin)}/volumes/detail"
                                                 "?all_tenants=1", headers=as_admin))
    check("update_volume", client.put(url(cloud, as_demo, vol), headers=as_demo,
                                      json={"volume": {"name": "v2", "description": "d"}}))

    check("create_volume_metadata", client.post(url(cloud, as_demo, f"{vol}/metadata"), headers=as_demo,
                                                json={"metadata": {"b": "2"}}))
    check("show_volume_metadata", client.get(url(cloud, as_demo, f"{vol}/metadata"), headers=as_demo))
    check("update_volume_metadata", client.put(url(cloud, as_demo, f"{vol}/metadata"), headers=as_demo,
                                               json={"metadata": {"c": "3"}}))
    check("show_volume_metadata_item", client.get(url(cloud, as_demo, f"{vol}/metadata/c"), headers=as_demo))
    check("update_volume_metadata_item", client.put(url(cloud, as_demo, f"{vol}/metadata/c"), headers=as_demo,
                                                    json={"meta": {"c": "4"}}))
    check("delete_volume_metadata_item", client.delete(url(cloud, as_demo, f"{vol}/metadata/c"), headers=as_demo))

    def act(name: str, body: dict, headers: dict = as_demo) -> None:
        check(name, client.post(url(cloud, headers, f"{vol}/action") if headers is as_demo else
                                f"/volume/v3/{project_of(cloud, as_admin)}/{vol}/action", headers=headers, json=body))

    act("set_bootable_volume", {"os-set_bootable": {"bootable": True}})
    act("update_volume_readonly", {"os-update_readonly_flag": {"readonly": True}})
    act("reserve_volume", {"os-reserve": None})
    act("unreserve_volume", {"os-unreserve": None})
    act("attach_volume", {"os-attach": {"instance_uuid": SERVER, "mountpoint": "/dev/vdb"}})
    act("detach_volume", {"os-detach": {}})
    act("extend_volume", {"os-extend": {"new_size": 2}})
    cloud.worker.run_due()
    act("reset_volume_status", {"os-reset_status": {"status": "available"}}, as_admin)
    check("delete_volume", client.delete(url(cloud, as_demo, vol), headers=as_demo))


def test_snapshot_bodies_match_tempest(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    volume = create_volume(client, cloud, as_demo)
    r = check("create_snapshot", client.post(url(cloud, as_demo, "snapshots"), headers=as_demo, json={
        "snapshot": {"volume_id": volume["id"], "name": "s1", "metadata": {"a": "1"}}}), "volume.snapshots")
    cloud.worker.run_due()
    snap = f"snapshots/{r.json()['snapshot']['id']}"
    create_snapshot(client, cloud, as_demo, volume["id"])  # a second one, for the lists

    def call(name: str, method: str, path: str, body: dict | None = None) -> None:
        check(name, client.request(method, url(cloud, as_demo, path), headers=as_demo, json=body), "volume.snapshots")

    call("show_snapshot", "GET", snap)
    call("list_snapshots_no_detail", "GET", "snapshots")
    call("list_snapshots_with_detail", "GET", "snapshots/detail")
    call("update_snapshot", "PUT", snap, {"snapshot": {"name": "s2", "description": "d"}})
    call("create_snapshot_metadata", "POST", f"{snap}/metadata", {"metadata": {"b": "2"}})
    call("show_snapshot_metadata", "GET", f"{snap}/metadata")
    call("update_snapshot_metadata", "PUT", f"{snap}/metadata", {"metadata": {"c": "3"}})
    call("show_snapshot_metadata_item", "GET", f"{snap}/metadata/c")
    call("update_snapshot_metadata_item", "PUT", f"{snap}/metadata/c", {"meta": {"c": "4"}})
    call("delete_snapshot_metadata_item", "DELETE", f"{snap}/metadata/c")
    call("delete_snapshot", "DELETE", snap)


def test_type_bodies_match_tempest(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    def call(name: str, method: str, path: str, body: dict | None = None, headers: dict = as_admin) -> dict:
        r = client.request(method, url(cloud, headers, path), headers=headers, json=body)
        check(name, r, "volume.volume_types")
        return r.json() if r.content else {}

    created = call("create_volume_type", "POST", "types", {"volume_type": {
        "name": "gold", "description": "fast", "extra_specs": {"volume_backend_name": "file"}}})
    type_id = created["volume_type"]["id"]
    call("show_volume_type", "GET", f"types/{type_id}")
    call("show_volume_type", "GET", "types/default", headers=as_demo)
    call("list_volume_types", "GET", "types", headers=as_demo)
    call("list_volume_types", "GET", "types?is_public=None")
    call("create_volume_types_extra_specs", "POST", f"types/{type_id}/extra_specs", {"extra_specs": {"k": "v"}})
    call("list_volume_types_extra_specs", "GET", f"types/{type_id}/extra_specs", headers=as_demo)
    call("delete_volume_types_extra_specs", "DELETE", f"types/{type_id}/extra_specs/k")
    call("delete_volume_type", "DELETE", f"types/{type_id}")


def test_quota_limit_and_pool_bodies_match_tempest(client: TestClient, cloud: Cloud, as_demo: dict,
                                                   as_admin: dict) -> None:
    create_volume(client, cloud, as_demo)
    demo = project_of(cloud, as_demo)
    quotas = url(cloud, as_admin, f"os-quota-sets/{demo}")

    def quota(name: str, method: str, path: str, body: dict | None = None, headers: dict = as_admin) -> None:
        check(name, client.request(method, path, headers=headers, json=body), "volume.quotas")

    quota("show_quota_set", "GET", url(cloud, as_demo, f"os-quota-sets/{demo}"), headers=as_demo)
    quota("show_quota_set", "GET", f"{quotas}/defaults")
    quota("show_quota_set_usage", "GET", f"{quotas}?usage=True")
    quota("update_quota_set", "PUT", quotas, {"quota_set": {"volumes": 5, "gigabytes___DEFAULT__": 20}})
    quota("delete_quota_set", "DELETE", quotas)
    check("show_limits", client.get(url(cloud, as_demo, "limits"), headers=as_demo), "volume.limits")
    pools = url(cloud, as_admin, "scheduler-stats/get_pools")
    check("get_pools_no_detail", client.get(pools, headers=as_admin), "volume.scheduler_stats")
    check("get_pools_with_detail", client.get(f"{pools}?detail=True", headers=as_admin), "volume.scheduler_stats")


def test_nova_volume_attachment_bodies_match_tempest(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """Nova's os-volume_attachments at 2.1 (a stand-in compute at the contract edge holds the server)."""
    cloud.compute = ComputeStandIn(SERVER)  # type: ignore[assignment]
    volume = create_volume(client, cloud, as_demo)
    path = f"/compute/v2.1/servers/{SERVER}/os-volume_attachments"
    servers = "compute.v2_1.servers"
    check("attach_volume", client.post(path, headers=as_demo, json={"volumeAttachment": {"volumeId": volume["id"]}}),
          servers)
    check("list_volume_attachments", client.get(path, headers=as_demo), servers)
    check("show_volume_attachment", client.get(f"{path}/{volume['id']}", headers=as_demo), servers)
    check("detach_volume", client.delete(f"{path}/{volume['id']}", headers=as_demo), servers)
