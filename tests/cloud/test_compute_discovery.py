"""Compute version discovery and microversion negotiation."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_root_lists_v21(client: TestClient) -> None:
    """GET /compute answers Nova's versions list: the legacy v2.0 (SUPPORTED) first, then v2.1, served at
    microversions 2.1-2.93 (Zed's)."""
    r = client.get("/compute")
    assert r.status_code == 200
    legacy, version = r.json()["versions"]
    assert (legacy["id"], legacy["status"], legacy["version"]) == ("v2.0", "SUPPORTED", "")
    assert version["id"] == "v2.1" and version["status"] == "CURRENT"
    assert version["version"] == "2.93" and version["min_version"] == "2.1"
    assert version["links"][0] == {"rel": "self", "href": "http://127.0.0.1:8780/compute/v2.1/"}
    assert set(version) <= {"id", "links", "status", "updated", "version", "min_version", "media-types"}


def test_version_document_with_and_without_slash(client: TestClient) -> None:
    """GET /compute/v2.1 and /compute/v2.1/ give the version document the SDK discovers."""
    for path in ("/compute/v2.1", "/compute/v2.1/"):
        r = client.get(path)
        assert r.status_code == 200
        version = r.json()["version"]
        assert (version["id"], version["status"], version["version"], version["min_version"]) == (
            "v2.1", "CURRENT", "2.93", "2.1")
        assert r.headers["openstack-api-version"] == "compute 2.1"  # no version asked: the minimum
        assert r.headers["x-openstack-nova-api-version"] == "2.1"


def test_unsupported_microversion_is_406(client: TestClient, as_demo: dict) -> None:
    """Asking for compute 2.99 (above Zed's 2.93) is refused with Nova's 406 body."""
    r = client.get("/compute/v2.1/flavors", headers={**as_demo, "OpenStack-API-Version": "compute 2.99"})
    assert r.status_code == 406
    assert r.json() == {"notAcceptable": {"code": 406, "message": "Version 2.99 is not supported by the API. "
                                                                   "Minimum is 2.1 and maximum is 2.93."}}


def test_requests_without_token_are_401(client: TestClient) -> None:
    r = client.get("/compute/v2.1/servers")
    assert r.status_code == 401
    assert r.json()["unauthorized"]["message"] == "The request you have made requires authentication."


def test_unknown_route_is_404_nova_style(client: TestClient, as_demo: dict) -> None:
    r = client.get("/compute/v2.1/os-nothing", headers=as_demo)
    assert r.status_code == 404
    assert r.json() == {"itemNotFound": {"code": 404, "message": "The resource could not be found."}}
