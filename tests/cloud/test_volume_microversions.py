"""Cinder's microversions 3.0-3.70: the bodies at each version boundary the lab serves, checked against tempest's
per-microversion schemas (`tempest.lib.api_schema.response.volume.v3_*`), and the behaviour that changes
(3.66 snapshots of in-use volumes, 3.67 URLs without a project id, 3.45 counts)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.microversion import Version
from lab.cloud.volume import microversions as mv
from tests.api_schemas import assert_schema
from tests.cloud.volume_support import create_volume, project_of, url

SERVER = "11111111-2222-3333-4444-555555555555"
REFERENCE = Path(__file__).parents[2] / "course" / "reference" / "api-volume.md"


def at(headers: dict[str, str], version: str) -> dict[str, str]:
    return {**headers, "OpenStack-API-Version": f"volume {version}"}


# (microversion, tempest module): each version whose volume schema tempest defines, and the base at 3.0.
VOLUME_SCHEMAS = [("3.0", "volume.volumes"), ("3.61", "volume.v3_61.volumes"), ("3.63", "volume.v3_63.volumes"),
                  ("3.64", "volume.v3_64.volumes"), ("3.65", "volume.v3_65.volumes"),
                  ("3.69", "volume.v3_69.volumes"), ("3.70", "volume.v3_69.volumes")]


@pytest.mark.parametrize(("version", "module"), VOLUME_SCHEMAS)
def test_volume_bodies_per_microversion(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict,
                                        version: str, module: str) -> None:
    """create, show (member and admin), detail list at each boundary match tempest's schema of that version."""
    r = client.post(url(cloud, as_demo, "volumes"), headers=at(as_demo, version), json={"volume": {"size": 1}})
    assert_schema(module, "create_volume", r)
    cloud.worker.run_due()
    volume_id = r.json()["volume"]["id"]
    shown = client.get(url(cloud, as_demo, f"volumes/{volume_id}"), headers=at(as_demo, version))
    assert_schema(module, "show_volume", shown)
    admin = client.get(f"/volume/v3/{project_of(cloud, as_admin)}/volumes/{volume_id}", headers=at(as_admin, version))
    assert_schema(module, "show_volume", admin)
    assert_schema(module, "list_volumes_with_detail",
                  client.get(url(cloud, as_demo, "volumes/detail"), headers=at(as_demo, version)))
    body, served = shown.json()["volume"], Version.parse(version)
    assert ("volume_type_id" in body) == (served >= mv.VOLUME_TYPE_ID_IN_VOL_DETAILS)
    assert ("consumes_quota" in body) == (served >= mv.USE_QUOTA)
    assert ("cluster_name" in admin.json()["volume"]) == (served >= mv.VOLUME_CLUSTER_NAME)


def test_keys_appear_exactly_from_their_version(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """One version below a boundary has none of its keys; the boundary has them (3.48, 3.63, 3.65). An
    unencrypted volume never shows `encryption_key_id` (3.64), as Cinder shows it only for an encrypted one."""
    volume = create_volume(client, cloud, as_demo)
    path = url(cloud, as_demo, f"volumes/{volume['id']}")
    for below, key in (("3.47", "service_uuid"), ("3.62", "volume_type_id"), ("3.64", "consumes_quota")):
        assert key not in client.get(path, headers=at(as_demo, below)).json()["volume"]
        minor = int(below.split(".")[1]) + 1
        assert key in client.get(path, headers=at(as_demo, f"3.{minor}")).json()["volume"]
    assert "encryption_key_id" not in client.get(path, headers=at(as_demo, "3.70")).json()["volume"]


def test_snapshot_of_in_use_volume_from_3_66(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """Before 3.66 an in-use volume needs force; from 3.66 it needs none, force=true is ignored and force=false is
    Cinder's 400."""
    volume = create_volume(client, cloud, as_demo)
    client.post(url(cloud, as_demo, f"volumes/{volume['id']}/action"), headers=as_demo,
                json={"os-attach": {"instance_uuid": SERVER, "mountpoint": "/dev/vdb"}})
    snapshots = url(cloud, as_demo, "snapshots")
    body = {"snapshot": {"volume_id": volume["id"]}}
    r = client.post(snapshots, headers=at(as_demo, "3.65"), json=body)
    assert r.status_code == 400 and "status must be available" in r.json()["badRequest"]["message"]
    r = client.post(snapshots, headers=at(as_demo, "3.66"), json={"snapshot": {**body["snapshot"], "force": False}})
    assert r.status_code == 400 and r.json()["badRequest"]["message"].startswith(
        "Since microversion 3.66 the 'force' flag is invalid for this request.")
    r = client.post(snapshots, headers=at(as_demo, "3.66"), json=body)
    assert r.status_code == 202
    r = client.post(snapshots, headers=at(as_demo, "3.66"), json={"snapshot": {**body["snapshot"], "force": True}})
    assert r.status_code == 202 and r.json()["snapshot"]["consumes_quota"] is True


def test_urls_without_project_id(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """3.67: /volume/v3/volumes is the token's project's /volume/v3/{project_id}/volumes; unknown paths stay
    Cinder's 404, and /volume/v3/{project_id} is still the version document."""
    volume = create_volume(client, cloud, as_demo, name="mine")
    r = client.get("/volume/v3/volumes", headers=at(as_demo, "3.67"))
    assert r.status_code == 200 and [v["id"] for v in r.json()["volumes"]] == [volume["id"]]
    r = client.get(f"/volume/v3/volumes/{volume['id']}", headers=as_demo)
    assert r.status_code == 200 and r.json()["volume"]["name"] == "mine"
    r = client.post("/volume/v3/volumes", headers=as_demo, json={"volume": {"size": 1, "name": "second"}})
    assert r.status_code == 202
    assert client.get("/volume/v3/nothing/here", headers=as_demo).status_code == 404
    assert client.get("/volume/v3/volumes").status_code == 401
    r = client.get(f"/volume/v3/{project_of(cloud, as_demo)}", headers=as_demo)
    assert r.status_code == 200 and r.json()["versions"][0]["version"] == "3.70"
    assert client.delete(url(cloud, as_demo, "volumes"), headers=as_demo).status_code == 405


def test_count_from_3_45(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """with_count=true adds the number of matches across pages, from 3.45 on only."""
    for _ in range(3):
        create_volume(client, cloud, as_demo)
    r = client.get(url(cloud, as_demo, "volumes/detail?limit=1&with_count=true"), headers=at(as_demo, "3.45"))
    assert len(r.json()["volumes"]) == 1 and r.json()["count"] == 3
    r = client.get(url(cloud, as_demo, "volumes?with_count=true"), headers=at(as_demo, "3.44"))
    assert "count" not in r.json()


def test_volume_summary_from_3_12(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """GET /volumes/summary (openstacksdk's `get_volume_summary`): the project's count and size from 3.12, each
    metadata key's values from 3.36, 404 below 3.12; another project's volumes are not counted."""
    create_volume(client, cloud, as_demo, size=2, metadata={"tier": "db"})
    create_volume(client, cloud, as_demo, size=3, metadata={"tier": "web"})
    create_volume(client, cloud, as_admin, size=5)
    path = url(cloud, as_demo, "volumes/summary")
    assert client.get(path, headers=at(as_demo, "3.11")).status_code == 404
    r = client.get(path, headers=at(as_demo, "3.12"))
    assert r.status_code == 200 and r.json() == {"volume-summary": {"total_size": 5, "total_count": 2}}
    assert_schema("volume.volumes", "show_volume_summary", r)
    late = client.get(path, headers=at(as_demo, "3.36")).json()["volume-summary"]
    assert late == {"total_size": 5, "total_count": 2, "metadata": {"tier": ["db", "web"]}}


def test_snapshot_bodies_per_microversion(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    """3.41 `user_id` and 3.65 `consumes_quota` on snapshots; none of them at 3.0 (tempest's schema)."""
    volume = create_volume(client, cloud, as_demo)
    r = client.post(url(cloud, as_demo, "snapshots"), headers=as_demo, json={"snapshot": {"volume_id": volume["id"]}})
    assert_schema("volume.snapshots", "create_snapshot", r)
    cloud.worker.run_due()
    path = url(cloud, as_demo, f"snapshots/{r.json()['snapshot']['id']}")
    assert_schema("volume.snapshots", "show_snapshot", client.get(path, headers=as_demo))
    late = client.get(path, headers=at(as_demo, "3.70")).json()["snapshot"]
    assert late["user_id"] == volume["user_id"] and late["consumes_quota"] is True
    assert "user_id" not in client.get(path, headers=at(as_demo, "3.40")).json()["snapshot"]


def test_every_microversion_is_documented() -> None:
    """microversions.CHANGES names every version of the range, and api-volume.md shows each."""
    assert list(mv.CHANGES) == [f"3.{minor}" for minor in range(mv.MIN.minor, mv.MAX.minor + 1)]
    page = REFERENCE.read_text()
    missing = [v for v in mv.CHANGES if not re.search(rf"^\| {re.escape(v)} \|", page, re.M)]
    assert not missing, f"api-volume.md lacks microversions {missing}"
