"""Keystone's catalog resources: regions, services and endpoints, and the token catalog built from them."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.cloud.identity_helpers import V3, create
from tests.conftest import get_token


def test_bootstrap_catalog_is_listed(client: TestClient, as_admin: dict) -> None:
    """The identity service and its three endpoints exist, with absolute URLs, in RegionOne."""
    services = client.get(f"{V3}/services", headers=as_admin).json()["services"]
    identity = next(s for s in services if s["type"] == "identity")
    assert identity["name"] == "keystone" and identity["enabled"] is True
    r = client.get(f"{V3}/endpoints", params={"service_id": identity["id"]}, headers=as_admin)
    endpoints = r.json()["endpoints"]
    assert {e["interface"] for e in endpoints} == {"public", "internal", "admin"}
    assert all(e["url"] == "http://127.0.0.1:8780/identity" and e["region_id"] == "RegionOne" for e in endpoints)
    regions = client.get(f"{V3}/regions", headers=as_admin).json()["regions"]
    assert [r["id"] for r in regions] == ["RegionOne"]


def test_service_and_endpoint_lifecycle_shows_in_new_tokens(client: TestClient, as_admin: dict) -> None:
    # A service the lab does not serve itself (Barbican's secrets), registered by an operator.
    service = create(client, as_admin, "service", type="key-manager", name="barbican", description="secrets")
    endpoint = create(client, as_admin, "endpoint", service_id=service["id"], interface="public",
                      url="http://127.0.0.1:9999/v1/$(project_id)s", region_id="RegionOne")
    assert endpoint["links"]["self"].endswith(f"/endpoints/{endpoint['id']}")
    token = client.post(f"{V3}/auth/tokens", json={"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"name": "demo", "password": "demo", "domain": {"id": "default"}}}}}}).json()["token"]
    secrets = next(s for s in token["catalog"] if s["type"] == "key-manager")
    assert secrets["endpoints"][0]["url"] == f"http://127.0.0.1:9999/v1/{token['project']['id']}"
    r = client.patch(f"{V3}/endpoints/{endpoint['id']}", json={"endpoint": {"enabled": False}}, headers=as_admin)
    assert r.status_code == 200 and r.json()["endpoint"]["enabled"] is False
    assert client.delete(f"{V3}/services/{service['id']}", headers=as_admin).status_code == 204
    r = client.get(f"{V3}/endpoints/{endpoint['id']}", headers=as_admin)
    assert r.status_code == 404 and r.json()["error"]["message"] == f"Could not find endpoint: {endpoint['id']}."


def test_endpoint_validation(client: TestClient, as_admin: dict) -> None:
    before = len(client.get(f"{V3}/endpoints", headers=as_admin).json()["endpoints"])
    service = client.get(f"{V3}/services", params={"type": "identity"}, headers=as_admin).json()["services"][0]
    for body in ({"service_id": service["id"], "interface": "sideways", "url": "http://x"},
                 {"service_id": service["id"], "interface": "public"},
                 {"service_id": "nope", "interface": "public", "url": "http://x"}):
        r = client.post(f"{V3}/endpoints", json={"endpoint": body}, headers=as_admin)
        assert r.status_code == 400, body
        assert r.json()["error"]["code"] == 400
    assert len(client.get(f"{V3}/endpoints", headers=as_admin).json()["endpoints"]) == before


def test_regions(client: TestClient, as_admin: dict) -> None:
    """Regions: create with a chosen id (PUT) or a new one (POST), duplicates 409, unknown parent 404."""
    r = client.put(f"{V3}/regions/RegionTwo", json={"region": {"description": "second"}}, headers=as_admin)
    assert r.status_code == 201 and r.json()["region"]["id"] == "RegionTwo"
    child = create(client, as_admin, "region", parent_region_id="RegionTwo")
    assert child["parent_region_id"] == "RegionTwo"
    r = client.get(f"{V3}/regions", params={"parent_region_id": "RegionTwo"}, headers=as_admin)
    assert [x["id"] for x in r.json()["regions"]] == [child["id"]]
    r = client.post(f"{V3}/regions", json={"region": {"id": "RegionTwo"}}, headers=as_admin)
    assert r.status_code == 409
    r = client.post(f"{V3}/regions", json={"region": {"id": "R3", "parent_region_id": "nope"}}, headers=as_admin)
    assert r.status_code == 404 and r.json()["error"]["message"] == "Could not find region: nope."
    assert client.get(f"{V3}/regions/R3", headers=as_admin).status_code == 404


def test_catalog_admin_is_forbidden_to_members(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """Members may list regions (anyone may) but not services or endpoints, and create nothing."""
    assert client.get(f"{V3}/regions", headers=as_demo).status_code == 200
    for path in ("services", "endpoints"):
        r = client.get(f"{V3}/{path}", headers=as_demo)
        assert r.status_code == 403 and r.json()["error"]["title"] == "Forbidden"
    r = client.post(f"{V3}/services", json={"service": {"type": "x"}}, headers=as_demo)
    assert r.status_code == 403
    assert len(client.get(f"{V3}/services", headers=as_admin).json()["services"]) == len(
        client.get(f"{V3}/services", headers=as_admin).json()["services"])
    assert get_token(client, "demo", "demo", "demo")


def test_region_delete_takes_children_but_not_while_endpoints_use_it(client: TestClient, as_admin: dict) -> None:
    create(client, as_admin, "region", id="top")
    create(client, as_admin, "region", id="leaf", parent_region_id="top")
    r = client.delete(f"{V3}/regions/RegionOne", headers=as_admin)
    assert r.status_code == 403
    assert r.json()["error"]["message"] == ("Unable to delete region RegionOne because it or its child regions "
                                            "have associated endpoints.")
    assert client.get(f"{V3}/regions/RegionOne", headers=as_admin).status_code == 200
    assert client.delete(f"{V3}/regions/top", headers=as_admin).status_code == 204
    assert client.get(f"{V3}/regions/leaf", headers=as_admin).status_code == 404
