"""Static large objects (?multipart-manifest=put|get|delete) and temp URLs (HMAC-signed, expiring on the lab
clock) through the HTTP API in process, with their bad input answered as Swift answers it."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.object.schemas import epoch
from tests.cloud.identity_helpers import user_in_project
from tests.cloud.object_support import Swift, account_path

PARTS = [b"a" * 1000, b"b" * 1000, b"c" * 10]


@pytest.fixture
def demo(client: TestClient, demo_token: str) -> Swift:
    return Swift(client, account_path(client, demo_token), demo_token)


def _segments(demo: Swift) -> list[dict[str, object]]:
    demo("PUT", "/segs")
    demo("PUT", "/big")
    manifest = []
    for i, part in enumerate(PARTS):
        demo("PUT", f"/segs/s{i}", content=part)
        manifest.append({"path": f"/segs/s{i}", "etag": hashlib.md5(part).hexdigest(), "size_bytes": len(part)})
    return manifest


def test_static_large_object_put_get_delete(demo: Swift) -> None:
    """A manifest PUT checks its segments; GET streams them (ranges too); manifest-get and -delete work."""
    manifest = _segments(demo)
    r = demo("PUT", "/big/file?multipart-manifest=put", content=json.dumps(manifest))
    assert r.status_code == 201, r.text
    slo_etag = hashlib.md5("".join(hashlib.md5(p).hexdigest() for p in PARTS).encode()).hexdigest()
    whole = demo("GET", "/big/file")
    assert whole.content == b"".join(PARTS) and whole.headers["etag"] == f'"{slo_etag}"'
    assert whole.headers["x-static-large-object"] == "True"
    assert whole.headers["content-length"] == "2010"
    assert demo("GET", "/big/file", headers={"Range": "bytes=995-1004"}).content == b"a" * 5 + b"b" * 5
    listing = demo("GET", "/big?format=json").json()
    assert listing[0]["bytes"] == 2010 and listing[0]["hash"] == slo_etag
    raw = demo("GET", "/big/file?multipart-manifest=get")
    assert raw.headers["content-type"].startswith("application/json")
    assert [s["name"] for s in raw.json()] == ["/segs/s0", "/segs/s1", "/segs/s2"]
    assert raw.json()[0]["bytes"] == 1000

    demo("PUT", "/segs/s1", content=b"changed")  # a segment replaced: the object cannot be served whole
    assert demo("GET", "/big/file").status_code == 409
    r = demo("DELETE", "/big/file?multipart-manifest=delete", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["Number Deleted"] == 4
    assert demo("GET", "/segs?format=json").json() == [] and demo("HEAD", "/big/file").status_code == 404


def test_static_large_object_bad_manifests(demo: Swift) -> None:
    """Not JSON, empty, a missing segment or a wrong etag/size: 400 with Swift's reasons, nothing stored."""
    manifest = _segments(demo)
    cases = [("nope", "Manifest must be valid JSON"), ("[]", "at least one segment"),
             (json.dumps([{"etag": None}]), "expected keys to include path"),
             (json.dumps([{"path": "/segs/missing"}]), "/segs/missing, 404 Not Found"),
             (json.dumps([{**manifest[0], "etag": "0" * 32}]), "Etag Mismatch"),
             (json.dumps([{**manifest[0], "size_bytes": 1}]), "Size Mismatch")]
    for body, reason in cases:
        r = demo("PUT", "/big/file?multipart-manifest=put", content=body)
        assert r.status_code == 400 and reason in r.text, (body, r.text)
    assert demo("HEAD", "/big/file").status_code == 404
    r = demo("PUT", "/big/file?multipart-manifest=put", content=json.dumps(manifest), headers={"Etag": "0" * 32})
    assert r.status_code == 422


def _sign(key: str, method: str, expires: int, path: str) -> str:
    return hmac.new(key.encode(), f"{method}\n{expires}\n{path}".encode(), hashlib.sha256).hexdigest()


def test_temp_url_get_put_and_expiry(client: TestClient, demo: Swift, cloud: Cloud) -> None:
    """A signed URL reads (or writes) one object without a token until its expiry on the lab clock."""
    demo("POST", headers={"X-Account-Meta-Temp-URL-Key": "s3cret"})
    demo("PUT", "/docs")
    demo("PUT", "/docs/report.pdf", content=b"%PDF", headers={"X-Object-Meta-Secret": "x"})
    path = demo.account.removeprefix("/object") + "/docs/report.pdf"
    expires = int(epoch(cloud.clock.now())) + 60
    url = f"/object{path}?temp_url_sig={_sign('s3cret', 'GET', expires, path)}&temp_url_expires={expires}"
    r = client.get(url)
    assert r.status_code == 200 and r.content == b"%PDF"
    assert r.headers["content-disposition"] == 'attachment; filename="report.pdf"'
    assert "x-object-meta-secret" not in r.headers
    assert client.head(url).status_code == 200  # a GET signature also allows HEAD
    assert client.put(url, content=b"overwrite").status_code == 401  # but not a PUT
    assert client.get(url.replace("report.pdf", "other.pdf")).status_code == 401
    wrong = url.replace("temp_url_sig=", "temp_url_sig=0")[:-1]
    assert client.get(wrong).text == "401 Unauthorized: Temp URL invalid\n"

    put_path = "/object" + demo.account.removeprefix("/object") + "/docs/upload.txt"  # the whole path, as tempest
    put_url = f"{put_path}?temp_url_sig={_sign('s3cret', 'PUT', expires, put_path)}&temp_url_expires={expires}"
    assert client.put(put_url, content=b"from a form").status_code == 201
    assert demo("GET", "/docs/upload.txt").content == b"from a form"

    cloud.clock.advance(timedelta(seconds=61))
    r = client.get(url)
    assert r.status_code == 401 and "Temp URL invalid" in r.text
    # As Swift's tempurl: a request carrying a signature is judged by it, even with a valid token.
    assert client.get(url, headers={"X-Auth-Token": demo.token or ""}).status_code == 401


def test_temp_url_without_key_or_with_another_accounts_key(client: TestClient, demo: Swift, cloud: Cloud) -> None:
    """No key set, or a signature over another container's object: 401, the object stays private."""
    demo("PUT", "/docs")
    demo("PUT", "/docs/a", content=b"private")
    path = demo.account.removeprefix("/object") + "/docs/a"
    expires = int(epoch(cloud.clock.now())) + 60
    url = f"/object{path}?temp_url_sig={_sign('k', 'GET', expires, path)}&temp_url_expires={expires}"
    assert client.get(url).status_code == 401
    demo("POST", "/docs", headers={"X-Container-Meta-Temp-URL-Key": "k"})  # a container key works too
    assert client.get(url).content == b"private"
    assert client.get(url.replace(f"temp_url_expires={expires}", "temp_url_expires=soon")).status_code == 401


def test_tempest_found_details(client: TestClient, demo: Swift) -> None:
    """Empty object metadata is kept, copies say what they copied, limit=0 lists nothing, /healthcheck is OK."""
    demo("PUT", "/c")
    demo("PUT", "/c/o", content=b"x", headers={"X-Object-Meta-Empty": ""})
    assert demo("HEAD", "/c/o").headers["x-object-meta-empty"] == ""
    r = demo("PUT", "/c/copy", headers={"X-Copy-From": "c/o", "Content-Length": "0"})
    assert r.status_code == 201 and r.headers["x-copied-from"] == "c/o"
    assert r.headers["x-copied-from-last-modified"] == demo("HEAD", "/c/o").headers["last-modified"]
    assert r.headers["x-object-meta-empty"] == ""  # the copy's metadata, as Swift's copy answers
    r = demo("COPY", "/c/o", headers={"Destination": "c/copy2", "X-Object-Meta-New": "1"})
    assert r.status_code == 201 and "x-copied-from-last-modified" in r.headers
    assert r.headers["x-object-meta-new"] == "1"
    assert demo("GET", "?limit=0").status_code == 204 and demo("GET", "/c?limit=0&format=json").json() == []
    r = client.get("/object/healthcheck")
    assert r.status_code == 200 and r.text == "OK"


def test_keys_and_acls_only_for_the_accounts_operators(client: TestClient, as_admin: dict[str, str],
                                                        demo: Swift) -> None:
    """A reader sees the container but not its temp URL key or ACLs (Swift's swift_owner_headers)."""
    demo("POST", headers={"X-Account-Meta-Temp-URL-Key": "k1"})
    demo("PUT", "/c", headers={"X-Container-Meta-Temp-URL-Key": "k2", "X-Container-Read": ".r:*"})
    assert demo("HEAD").headers["x-account-meta-temp-url-key"] == "k1"
    assert demo("HEAD", "/c").headers["x-container-read"] == ".r:*"
    demo_project = client.get("/identity/v3/projects?name=demo", headers=as_admin).json()["projects"][0]
    reader = Swift(client, demo.account, user_in_project(client, as_admin, "rita", "reader", demo_project)[2])
    account, container = reader("HEAD"), reader("HEAD", "/c")
    assert account.status_code == 204 and "x-account-meta-temp-url-key" not in account.headers
    assert container.status_code == 204 and "x-container-meta-temp-url-key" not in container.headers
    assert "x-container-read" not in container.headers
