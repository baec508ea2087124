"""Object versioning with Swift's newer API (X-Versions-Enabled, version ids, delete markers) through the HTTP
API in process, beside the legacy X-Versions-Location it excludes, with bad input answered as Swift does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.object_support import Swift, account_path


@pytest.fixture
def demo(client: TestClient, demo_token: str) -> Swift:
    return Swift(client, account_path(client, demo_token), demo_token)


def put(demo: Swift, cloud: Cloud, path: str, data: bytes) -> str:
    cloud.clock.advance(timedelta(seconds=1))  # a new X-Timestamp, so a new version id
    r = demo("PUT", path, content=data)
    assert r.status_code == 201, r.text
    return str(r.headers.get("x-object-version-id", ""))


def test_versions_ids_markers_and_restores(demo: Swift, cloud: Cloud) -> None:
    demo("PUT", "/docs")
    put(demo, cloud, "/docs/old.txt", b"before versioning")  # the `null` version
    assert demo("POST", "/docs", headers={"X-Versions-Enabled": "true"}).status_code == 204
    assert demo("HEAD", "/docs").headers["x-versions-enabled"] == "True"
    v1 = put(demo, cloud, "/docs/r.txt", b"one")
    v2 = put(demo, cloud, "/docs/r.txt", b"two")
    assert v1 and v2 and v1 != v2
    got = demo("GET", "/docs/r.txt")
    assert got.content == b"two" and got.headers["x-object-version-id"] == v2
    assert demo("GET", f"/docs/r.txt?version-id={v1}").content == b"one"
    assert demo("HEAD", "/docs/r.txt?version-id=1.00000").status_code == 404
    # The hidden container holds the old versions but is nowhere to be seen or named.
    assert demo("GET").text.split() == ["docs"] and demo("HEAD").headers["x-account-container-count"] == "1"
    assert demo("GET", "/%00versions%00docs").status_code == 412
    assert demo("GET", "/docs").text.split() == ["old.txt", "r.txt"]
    listed = demo("GET", "/docs?versions&format=json").json()
    assert [(v["name"], v["version_id"], v["is_latest"]) for v in listed] == [
        ("old.txt", "null", True), ("r.txt", v2, True), ("r.txt", v1, False)]
    # A delete leaves a marker: 404, its versions kept; deleting the marker brings the newest back.
    cloud.clock.advance(timedelta(seconds=1))
    deleted = demo("DELETE", "/docs/r.txt")
    marker = deleted.headers["x-object-version-id"]
    assert deleted.status_code == 204 and marker not in (v1, v2)
    assert demo("GET", "/docs/r.txt").status_code == 404
    listed = demo("GET", "/docs?versions&format=json&prefix=r").json()
    assert listed[0]["version_id"] == marker and listed[0]["content_type"] == "application/x-deleted;swift_bytes=0"
    assert demo("GET", f"/docs/r.txt?version-id={v2}").content == b"two"
    assert demo("DELETE", f"/docs/r.txt?version-id={marker}").status_code == 204
    got = demo("GET", "/docs/r.txt")  # the marker went: the newest version is current again
    assert got.content == b"two" and got.headers["x-object-version-id"] == v2
    assert demo("GET", f"/docs/r.txt?version-id={v1}").content == b"one"


def test_current_version_delete_promotes_and_container_rules(demo: Swift, cloud: Cloud) -> None:
    demo("PUT", "/c", headers={"X-Versions-Enabled": "true"})
    v1 = put(demo, cloud, "/c/o", b"one")
    v2 = put(demo, cloud, "/c/o", b"two")
    assert demo("DELETE", f"/c/o?version-id={v2}").status_code == 204
    got = demo("GET", "/c/o")
    assert got.content == b"one" and got.headers["x-object-version-id"] == v1
    # Suspended: new writes are the `null` version; kept versions stay.
    demo("POST", "/c", headers={"X-Versions-Enabled": "false"})
    assert demo("HEAD", "/c").headers["x-versions-enabled"] == "False"
    assert put(demo, cloud, "/c/o", b"three") == "null"
    assert demo("GET", f"/c/o?version-id={v1}").content == b"one"
    # The legacy API and this one exclude each other; a container with versions is not deleted.
    demo("PUT", "/arch")
    r = demo("POST", "/c", headers={"X-Versions-Location": "arch"})
    assert r.status_code == 400
    demo("PUT", "/legacy", headers={"X-Versions-Location": "arch"})
    r = demo("POST", "/legacy", headers={"X-Versions-Enabled": "true"})
    assert r.status_code == 400 and "legacy" in r.text
    assert demo("GET", "/legacy/x?version-id=1").status_code == 400
    for vid in ("null", v1):
        demo("DELETE", f"/c/o?version-id={vid}")
    assert demo("GET", "/c?format=json").json() == []
    assert demo("DELETE", "/c").status_code == 204
    assert demo("GET").text.split() == ["arch", "legacy"]
