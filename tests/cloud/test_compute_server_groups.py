"""Server groups: create/list/show/delete with tempest's schemas, members joined at create by the scheduler
hint, anti-affinity on one host (the second member goes to ERROR with Nova's `No valid host` fault and uses no
host), affinity places every member, and the server_groups / server_group_members quotas."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.api_schemas import assert_schema
from tests.cloud.compute_support import API, image_id, project_id

V = "compute.v2_1.server_groups"


def group(client: TestClient, headers: dict, name: str, policy: str) -> Any:
    schema = V
    if policy.startswith("soft-"):  # the soft policies need microversion 2.15 (400 below)
        headers, schema = {**headers, "OpenStack-API-Version": "compute 2.15"}, "compute.v2_13.server_groups"
    r = client.post(f"{API}/os-server-groups", headers=headers,
                    json={"server_group": {"name": name, "policies": [policy]}})
    assert_schema(schema, "create_show_server_group", r)
    return r.json()["server_group"]


def boot(client: TestClient, cloud: Cloud, headers: dict, name: str, group_id: str) -> Any:
    r = client.post(f"{API}/servers", headers=headers, json={
        "server": {"name": name, "flavorRef": "1", "imageRef": image_id(client, cloud, headers)},
        "os:scheduler_hints": {"group": group_id}})
    assert r.status_code == 202, r.text
    cloud.worker.run_due()
    return client.get(f"{API}/servers/{r.json()['server']['id']}", headers=headers).json()["server"]


def test_anti_affinity_second_member_has_no_valid_host(client: TestClient, cloud: Cloud, as_demo: dict,
                                                      as_admin: dict) -> None:
    anti = group(client, as_demo, "web", "anti-affinity")
    first = boot(client, cloud, as_demo, "web-1", anti["id"])
    second = boot(client, cloud, as_demo, "web-2", anti["id"])
    assert first["status"] == "ACTIVE"
    assert second["status"] == "ERROR"
    assert second["fault"]["message"] == "No valid host was found. There are not enough hosts available."
    assert client.get(f"{API}/servers/{second['id']}", headers=as_admin).json()["server"][
        "OS-EXT-SRV-ATTR:host"] is None
    shown = client.get(f"{API}/os-server-groups/{anti['id']}", headers=as_demo)
    assert_schema(V, "create_show_server_group", shown)
    assert shown.json()["server_group"]["members"] == [first["id"], second["id"]]
    # Deleting the first member frees the host for the group: a new member is placed.
    client.delete(f"{API}/servers/{first['id']}", headers=as_demo)
    assert boot(client, cloud, as_demo, "web-3", anti["id"])["status"] == "ACTIVE"


def test_affinity_places_every_member_and_lifecycle(client: TestClient, cloud: Cloud, as_demo: dict,
                                                    as_admin: dict) -> None:
    together = group(client, as_demo, "db", "affinity")
    soft = group(client, as_demo, "cache", "soft-anti-affinity")
    assert [boot(client, cloud, as_demo, f"db-{i}", together["id"])["status"] for i in (1, 2)] == ["ACTIVE"] * 2
    assert [boot(client, cloud, as_demo, f"c-{i}", soft["id"])["status"] for i in (1, 2)] == ["ACTIVE"] * 2
    listed = client.get(f"{API}/os-server-groups", headers=as_demo)
    assert_schema(V, "list_server_groups", listed)
    assert {g["name"] for g in listed.json()["server_groups"]} == {"db", "cache"}
    assert client.get(f"{API}/os-server-groups?all_projects=1", headers=as_admin).status_code == 200
    assert_schema(V, "delete_server_group", client.delete(f"{API}/os-server-groups/{soft['id']}", headers=as_demo))
    missing = client.get(f"{API}/os-server-groups/{soft['id']}", headers=as_demo)
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == f"Instance group {soft['id']} could not be found."
    bad = client.post(f"{API}/os-server-groups", headers=as_demo,
                      json={"server_group": {"name": "x", "policies": ["scatter"]}})
    assert bad.status_code == 400
    unknown = client.post(f"{API}/servers", headers=as_demo, json={
        "server": {"name": "n", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo)},
        "os:scheduler_hints": {"group": "00000000-0000-0000-0000-000000000001"}})
    assert unknown.status_code == 400


def test_server_group_quotas(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    demo = project_id(client, as_demo)
    client.put(f"{API}/os-quota-sets/{demo}", headers=as_admin,
               json={"quota_set": {"server_groups": 1, "server_group_members": 1}})
    only = group(client, as_demo, "one", "affinity")
    over = client.post(f"{API}/os-server-groups", headers=as_demo,
                       json={"server_group": {"name": "two", "policies": ["affinity"]}})
    assert over.status_code == 403 and over.json()["forbidden"]["message"] == "Quota exceeded, too many server groups."
    boot(client, cloud, as_demo, "m1", only["id"])
    r = client.post(f"{API}/servers", headers=as_demo, json={
        "server": {"name": "m2", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo)},
        "os:scheduler_hints": {"group": only["id"]}})
    assert r.status_code == 403 and r.json()["forbidden"]["message"] == "Quota exceeded, too many servers in group"
    limits = client.get(f"{API}/limits", headers=as_demo).json()["limits"]["absolute"]
    assert (limits["totalServerGroupsUsed"], limits["maxServerGroups"]) == (1, 1)
