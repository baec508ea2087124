"""Limits and quota sets, and quotas enforced at create with Nova's 403 body."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.compute_support import API, create_server, image_id, project_id

QUOTA_KEYS = {"instances", "cores", "ram", "floating_ips", "fixed_ips", "metadata_items", "key_pairs",
              "security_groups", "security_group_rules", "injected_files", "injected_file_content_bytes",
              "injected_file_path_bytes", "server_groups", "server_group_members"}
ABSOLUTE_KEYS = {"maxImageMeta", "maxPersonality", "maxPersonalitySize", "maxSecurityGroupRules", "maxSecurityGroups",
                 "maxServerMeta", "maxTotalCores", "maxTotalFloatingIps", "maxTotalInstances", "maxTotalKeypairs",
                 "maxTotalRAMSize", "totalCoresUsed", "totalFloatingIpsUsed", "totalInstancesUsed", "totalRAMUsed",
                 "totalSecurityGroupsUsed", "maxServerGroupMembers", "maxServerGroups", "totalServerGroupsUsed"}


def test_limits_show_quota_and_usage(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    create_server(client, cloud, as_demo, flavor="3")
    r = client.get(f"{API}/limits", headers=as_demo)
    assert r.status_code == 200
    limits = r.json()["limits"]
    assert limits["rate"] == [] and set(limits["absolute"]) == ABSOLUTE_KEYS
    absolute = limits["absolute"]
    assert (absolute["maxTotalInstances"], absolute["maxTotalCores"], absolute["maxTotalRAMSize"]) == (10, 20, 51200)
    assert (absolute["totalInstancesUsed"], absolute["totalCoresUsed"], absolute["totalRAMUsed"]) == (1, 2, 4096)


def test_quota_set_show_defaults_and_detail(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    demo = project_id(client, as_demo)
    create_server(client, cloud, as_demo)
    shown = client.get(f"{API}/os-quota-sets/{demo}", headers=as_demo).json()["quota_set"]
    assert set(shown) == QUOTA_KEYS | {"id"} and shown["id"] == demo and shown["instances"] == 10
    defaults = client.get(f"{API}/os-quota-sets/{demo}/defaults", headers=as_demo).json()["quota_set"]
    assert defaults["cores"] == 20 and set(defaults) == QUOTA_KEYS | {"id"}
    detail = client.get(f"{API}/os-quota-sets/{demo}/detail", headers=as_demo).json()["quota_set"]
    assert detail["instances"] == {"limit": 10, "in_use": 1, "reserved": 0}
    assert detail["ram"]["in_use"] == 512


def test_admin_updates_and_resets_quotas(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    demo = project_id(client, as_demo)
    r = client.put(f"{API}/os-quota-sets/{demo}", headers=as_admin, json={"quota_set": {"cores": 4, "ram": -1}})
    assert r.status_code == 200
    body = r.json()["quota_set"]
    assert set(body) == QUOTA_KEYS and (body["cores"], body["ram"]) == (4, -1)
    assert client.get(f"{API}/os-quota-sets/{demo}", headers=as_demo).json()["quota_set"]["cores"] == 4
    assert client.delete(f"{API}/os-quota-sets/{demo}", headers=as_admin).status_code == 202
    assert client.get(f"{API}/os-quota-sets/{demo}", headers=as_demo).json()["quota_set"]["cores"] == 20


def test_member_cannot_update_or_see_other_projects_quotas(client: TestClient, as_admin: dict,
                                                           as_demo: dict) -> None:
    demo, admin = project_id(client, as_demo), project_id(client, as_admin)
    r = client.put(f"{API}/os-quota-sets/{demo}", headers=as_demo, json={"quota_set": {"cores": 100}})
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == (
        "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.")
    assert client.get(f"{API}/os-quota-sets/{admin}", headers=as_demo).status_code == 403
    assert client.get(f"{API}/os-quota-sets/{demo}", headers=as_demo).json()["quota_set"]["cores"] == 20


def test_bad_quota_values_are_400(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    demo = project_id(client, as_demo)
    for body in ({"quota_set": {"cores": "many"}}, {"quota_set": {"cores": -2}}, {"quota_set": {"bogus": 1}}):
        r = client.put(f"{API}/os-quota-sets/{demo}", headers=as_admin, json=body)
        assert r.status_code == 400, body
        assert r.json()["badRequest"]["code"] == 400
    assert client.get(f"{API}/os-quota-sets/{demo}", headers=as_demo).json()["quota_set"]["cores"] == 20


def test_cores_quota_is_enforced_with_novas_body(client: TestClient, cloud: Cloud, as_admin: dict,
                                                as_demo: dict) -> None:
    """Creating past a quota is 403 'Quota exceeded for cores: Requested 4, but already used 2 of 4 cores'."""
    demo = project_id(client, as_demo)
    client.put(f"{API}/os-quota-sets/{demo}", headers=as_admin, json={"quota_set": {"cores": 4}})
    create_server(client, cloud, as_demo, flavor="3")  # 2 vCPUs
    r = client.post(f"{API}/servers", headers=as_demo, json={"server": {
        "name": "big", "flavorRef": "4", "imageRef": image_id(client, cloud, as_demo)}})
    assert r.status_code == 403
    assert r.json() == {"forbidden": {"code": 403, "message": "Quota exceeded for cores: Requested 4, but already "
                                                              "used 2 of 4 cores"}}
    assert len(client.get(f"{API}/servers", headers=as_demo).json()["servers"]) == 1


def test_instances_quota_counts_every_live_server(client: TestClient, cloud: Cloud, as_admin: dict,
                                                  as_demo: dict) -> None:
    demo = project_id(client, as_demo)
    client.put(f"{API}/os-quota-sets/{demo}", headers=as_admin, json={"quota_set": {"instances": 2}})
    first = create_server(client, cloud, as_demo, name="a", run=False)
    create_server(client, cloud, as_demo, name="b", run=False)
    r = client.post(f"{API}/servers", headers=as_demo, json={"server": {
        "name": "c", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo)}})
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == (
        "Quota exceeded for instances: Requested 1, but already used 2 of 2 instances")
    client.delete(f"{API}/servers/{first['id']}", headers=as_demo)
    create_server(client, cloud, as_demo, name="c")  # a deleted server frees its place at once


def test_metadata_items_quota(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict) -> None:
    demo = project_id(client, as_demo)
    client.put(f"{API}/os-quota-sets/{demo}", headers=as_admin, json={"quota_set": {"metadata_items": 1}})
    r = client.post(f"{API}/servers", headers=as_demo, json={"server": {
        "name": "m", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo), "metadata": {"a": "1", "b": "2"}}})
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"].startswith("Quota exceeded for metadata_items")
    assert client.get(f"{API}/servers", headers=as_demo).json()["servers"] == []


def test_resize_is_quota_checked(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict) -> None:
    demo = project_id(client, as_demo)
    client.put(f"{API}/os-quota-sets/{demo}", headers=as_admin, json={"quota_set": {"ram": 1024}})
    server = create_server(client, cloud, as_demo)
    r = client.post(f"{API}/servers/{server['id']}/action", headers=as_demo, json={"resize": {"flavorRef": "2"}})
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == (
        "Quota exceeded for ram: Requested 1536, but already used 512 of 1024 ram")
