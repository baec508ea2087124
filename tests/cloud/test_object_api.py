"""Object storage (Swift v1) through the HTTP API in process: containers, objects, listings, ranges,
conditions, metadata, ACLs, quotas, versioning, expiry, copies, large objects, bulk delete and the bad input
of each, answered as Swift answers (plain text or HTML bodies, Swift's status codes)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.events import Event
from tests.cloud.identity_helpers import user_in_project
from tests.cloud.object_support import Swift, account_path


@pytest.fixture
def demo(client: TestClient, demo_token: str) -> Swift:
    return Swift(client, account_path(client, demo_token), demo_token)


def files(cloud: Cloud) -> list[Path]:
    return [p for p in (cloud.settings.data_dir / "objects").rglob("*") if p.is_file()]


def test_catalog_and_info(client: TestClient, demo: Swift) -> None:
    assert demo.account.startswith("/object/v1/AUTH_")
    info = client.get("/object/info")
    assert info.status_code == 200
    body = info.json()
    assert body["swift"]["max_file_size"] == 5 * 1024**3 + 2 and body["swift"]["policies"][0]["name"] == "Policy-0"
    assert {"bulk_delete", "dlo", "versioned_writes", "container_quotas", "account_quotas"} <= set(body)
    assert {"slo", "tempurl", "formpost", "staticweb", "bulk_upload"} <= set(body)
    assert "container_sync" not in body  # only what is implemented
    policy = client.get("/object/crossdomain.xml")
    assert policy.status_code == 200 and policy.text.endswith("</cross-domain-policy>")
    assert '<allow-access-from domain="*" secure="false" />' in policy.text


def test_container_and_object_lifecycle(demo: Swift, cloud: Cloud) -> None:
    assert demo("GET").status_code == 204  # an account with nothing yet: empty plain listing
    r = demo("PUT", "/photos", headers={"X-Container-Meta-Colour": "blue"})
    assert r.status_code == 201 and r.content == b""
    r = demo("PUT", "/photos")
    assert r.status_code == 202 and b"<h1>Accepted</h1>" in r.content
    data = b"hello swift" * 1000
    r = demo("PUT", "/photos/2024/cat.jpg", content=data, headers={"X-Object-Meta-Who": "tom"})
    assert r.status_code == 201 and r.headers["etag"] == hashlib.md5(data).hexdigest()
    r = demo("GET", "/photos/2024/cat.jpg")
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-type"] == "image/jpeg"  # guessed from the name, as Swift does
    assert r.headers["x-object-meta-who"] == "tom" and r.headers["content-length"] == str(len(data))
    assert r.headers["x-trans-id"].startswith("tx")
    head = demo("HEAD", "/photos")
    assert head.status_code == 204 and head.headers["x-container-object-count"] == "1"
    assert head.headers["x-container-bytes-used"] == str(len(data))
    assert head.headers["x-container-meta-colour"] == "blue"
    account = demo("HEAD")
    assert account.headers["x-account-container-count"] == "1"
    assert account.headers["x-account-bytes-used"] == str(len(data))
    (stored,) = files(cloud)
    assert stored.read_bytes() == data and "cat" not in str(stored)  # named by id, not by the object name

    r = demo("DELETE", "/photos")
    assert r.status_code == 409 and r.content == (b"<html><h1>Conflict</h1><p>There was a conflict when trying to "
                                                  b"complete your request.</p></html>")
    assert demo("DELETE", "/photos/2024/cat.jpg").status_code == 204
    assert files(cloud) == []
    r = demo("GET", "/photos/2024/cat.jpg")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert r.text == "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>"
    assert demo("DELETE", "/photos").status_code == 204
    assert demo("HEAD", "/photos").status_code == 404


def test_overwrite_replaces_the_file(demo: Swift, cloud: Cloud) -> None:
    demo("PUT", "/c")
    demo("PUT", "/c/o", content=b"one")
    demo("PUT", "/c/o", content=b"two!")
    assert demo("GET", "/c/o").content == b"two!"
    assert [p.read_bytes() for p in files(cloud)] == [b"two!"]
    assert demo("HEAD", "/c").headers["x-container-bytes-used"] == "4"


def test_listings_text_json_xml_and_paging(demo: Swift) -> None:
    demo("PUT", "/docs")
    names = ["a.txt", "b/1.txt", "b/2.txt", "c/x/y.txt", "d.txt", "é.txt"]
    for name in names:
        assert demo("PUT", f"/docs/{name}", content=name.encode()).status_code == 201
    assert demo("GET", "/docs").text.splitlines() == names
    listing = demo("GET", "/docs?format=json").json()
    assert [o["name"] for o in listing] == names
    assert listing[0] == {"name": "a.txt", "bytes": 5, "hash": hashlib.md5(b"a.txt").hexdigest(),
                          "content_type": "text/plain", "last_modified": listing[0]["last_modified"]}
    assert demo("GET", "/docs", headers={"Accept": "application/json"}).json() == listing
    assert demo("GET", "/docs?delimiter=/").text.splitlines() == ["a.txt", "b/", "c/", "d.txt", "é.txt"]
    assert demo("GET", "/docs?delimiter=/&format=json").json()[1] == {"subdir": "b/"}
    assert demo("GET", "/docs?prefix=b/").text.splitlines() == ["b/1.txt", "b/2.txt"]
    assert demo("GET", "/docs?prefix=c/&delimiter=/").text.splitlines() == ["c/x/"]
    assert demo("GET", "/docs?marker=b/1.txt&limit=2").text.splitlines() == ["b/2.txt", "c/x/y.txt"]
    assert demo("GET", "/docs?end_marker=b/2.txt").text.splitlines() == ["a.txt", "b/1.txt"]
    assert demo("GET", "/docs?reverse=true&limit=2").text.splitlines() == ["é.txt", "d.txt"]
    xml = ElementTree.fromstring(demo("GET", "/docs?format=xml&limit=1").content)
    assert xml.tag == "container" and xml.attrib["name"] == "docs"
    assert xml.find("object/name").text == "a.txt" and xml.find("object/bytes").text == "5"  # type: ignore[union-attr]
    demo("PUT", "/empty")
    assert demo("GET", "/empty?format=json").json() == []
    assert demo("GET", "/empty").status_code == 204
    accounts = demo("GET", "?format=json").json()
    assert [c["name"] for c in accounts] == ["docs", "empty"] and accounts[0]["count"] == len(names)
    r = demo("GET", "/docs?limit=10001")
    assert r.status_code == 412 and r.text == "Maximum limit is 10000"


def test_ranges_and_conditions(demo: Swift) -> None:
    demo("PUT", "/r")
    data = bytes(range(256)) * 4
    etag = demo("PUT", "/r/blob", content=data).headers["etag"]
    r = demo("GET", "/r/blob", headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.content == data[10:20]
    assert r.headers["content-range"] == f"bytes 10-19/{len(data)}"
    assert demo("GET", "/r/blob", headers={"Range": "bytes=-5"}).content == data[-5:]
    assert demo("GET", "/r/blob", headers={"Range": "bytes=1000-"}).content == data[1000:]
    multi = demo("GET", "/r/blob", headers={"Range": "bytes=0-1,4-5"})
    assert multi.status_code == 206 and multi.headers["content-type"].startswith("multipart/byteranges")
    assert int(multi.headers["content-length"]) == len(multi.content) and b"bytes 4-5/1024" in multi.content
    r = demo("GET", "/r/blob", headers={"Range": "bytes=5000-"})
    assert r.status_code == 416 and r.headers["content-range"] == "bytes */1024"
    assert demo("GET", "/r/blob", headers={"Range": "bytes=x-y"}).content == data  # ignored, as swob does
    assert demo("GET", "/r/blob", headers={"If-None-Match": etag}).status_code == 304
    assert demo("GET", "/r/blob", headers={"If-Match": "nope"}).status_code == 412
    assert demo("GET", "/r/blob", headers={"If-Match": etag}).status_code == 200
    last = demo("HEAD", "/r/blob").headers["last-modified"]
    assert demo("GET", "/r/blob", headers={"If-Modified-Since": last}).status_code == 304
    assert demo("GET", "/r/blob", headers={"If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}).status_code == 412
    head = demo("HEAD", "/r/blob")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == "1024"


def test_bad_uploads_change_nothing(demo: Swift, cloud: Cloud) -> None:
    demo("PUT", "/u")
    r = demo("PUT", "/u/o", content=b"data", headers={"ETag": "0" * 32})
    assert r.status_code == 422 and b"Unprocessable Entity" in r.content
    assert demo("PUT", "/nope/o", content=b"x").status_code == 404
    r = demo("PUT", "/u/" + "n" * 1025, content=b"x")
    assert r.status_code == 400 and r.text == "Object name length of 1025 longer than 1024"
    r = demo("PUT", "/" + "c" * 257)
    assert r.status_code == 400 and r.text == "Container name length of 257 longer than 256"
    r = demo("PUT", "/u/o", content=b"x", headers={"X-Object-Meta-" + "k" * 129: "v"})
    assert r.status_code == 400 and r.text.startswith("Metadata name too long")
    r = demo("PUT", "/u/o", content=b"x", headers={"X-Object-Meta-K": "v" * 257})
    assert r.status_code == 400 and r.text.startswith("Metadata value longer than 256")
    r = demo("PUT", "/u/o", content=b"x", headers={"X-Delete-At": "1"})
    assert r.status_code == 400 and r.text == "X-Delete-At in past"
    r = demo("PUT", "/u/o", content=b"x", headers={"X-Delete-After": "soon"})
    assert r.status_code == 400 and r.text == "Non-integer X-Delete-After"
    r = demo("PUT", "/u", headers={"X-Container-Read": ".x:y"})
    assert r.status_code == 400 and "Unknown designator" in r.text
    r = demo("POST", "/u", headers={"X-Container-Write": ".r:*"})
    assert r.status_code == 400 and r.text == "Referrers not allowed in write ACL: '.r:*'"
    r = demo("PATCH", "/u/o")
    assert r.status_code == 405 and b"Method Not Allowed" in r.content
    r = demo("GET", "/u", params={"limit": "-1"})
    assert r.status_code == 412
    assert demo("GET", "/u?format=json").json() == [] and files(cloud) == []
    assert demo.client.get("/object/v2/foo").status_code == 404


def test_names_with_slashes_dots_and_unicode_stay_inside_the_store(demo: Swift, cloud: Cloud) -> None:
    demo("PUT", "/n")
    # Dots percent-encoded, as a client sends them so that its URL library does not resolve them away.
    for name in ("%2E%2E/%2E%2E/%2E%2E/etc/passwd", "a/%2E%2E/%2E%2E/b", "日本/語.txt", "%2E%2E"):
        assert demo("PUT", f"/n/{name}", content=name.encode()).status_code == 201
    listed = demo("GET", "/n").text.splitlines()
    assert listed == ["..", "../../../etc/passwd", "a/../../b", "日本/語.txt"]
    root = (cloud.settings.data_dir / "objects").resolve()
    assert all(p.resolve().is_relative_to(root) for p in files(cloud)) and len(files(cloud)) == 4
    assert demo("GET", "/n/日本/語.txt").content == "日本/語.txt".encode()
    assert not (cloud.settings.data_dir.parent / "etc").exists()


def test_metadata_post_and_account_meta(demo: Swift) -> None:
    demo("PUT", "/m")
    demo("PUT", "/m/o", content=b"x", headers={"X-Object-Meta-A": "1", "X-Object-Meta-B": "2"})
    assert demo("POST", "/m/o", headers={"X-Object-Meta-C": "3", "Content-Type": "text/csv"}).status_code == 202
    head = demo("HEAD", "/m/o").headers
    assert head["x-object-meta-c"] == "3" and "x-object-meta-a" not in head  # a POST replaces them
    assert head["content-type"] == "text/csv"
    assert demo("POST", "/m", headers={"X-Container-Meta-Owner": "me"}).status_code == 204
    assert demo("POST", "/m", headers={"X-Remove-Container-Meta-Owner": "x"}).status_code == 204
    assert "x-container-meta-owner" not in demo("HEAD", "/m").headers
    assert demo("POST", "", headers={"X-Account-Meta-Project": "lab"}).status_code == 204
    assert demo("HEAD").headers["x-account-meta-project"] == "lab"
    assert demo("POST", "/m/missing", headers={"X-Object-Meta-A": "1"}).status_code == 404


def test_copy_and_server_side_copy(demo: Swift, cloud: Cloud) -> None:
    demo("PUT", "/src")
    demo("PUT", "/dst")
    demo("PUT", "/src/o", content=b"copy me", headers={"X-Object-Meta-K": "v"})
    r = demo("PUT", "/dst/o2", headers={"X-Copy-From": "/src/o", "Content-Length": "0"})
    assert r.status_code == 201 and r.headers["x-copied-from"] == "src/o"
    assert demo("GET", "/dst/o2").content == b"copy me" and demo("HEAD", "/dst/o2").headers["x-object-meta-k"] == "v"
    r = demo("COPY", "/src/o", headers={"Destination": "dst/o3"})
    assert r.status_code == 201 and demo("GET", "/dst/o3").content == b"copy me"
    demo("DELETE", "/src/o")
    assert demo("GET", "/dst/o3").content == b"copy me"  # each copy has its own file
    assert demo("PUT", "/dst/x", headers={"X-Copy-From": "/src/gone", "Content-Length": "0"}).status_code == 404
    assert len(files(cloud)) == 2


def test_acls_between_projects_and_anonymous(client: TestClient, as_admin: dict[str, str], demo: Swift) -> None:
    project, user, token = user_in_project(client, as_admin, "bob", "member")
    bob_own = Swift(client, account_path(client, token), token)
    bob = Swift(client, demo.account, token)  # bob at demo's account
    anon = Swift(client, demo.account, None)
    demo("PUT", "/private")
    demo("PUT", "/private/secret", content=b"s3cret")
    for method, path in (("GET", ""), ("GET", "/private"), ("GET", "/private/secret"), ("HEAD", "/private"),
                         ("PUT", "/new"), ("DELETE", "/private/secret"), ("POST", "/private"),
                         ("GET", "/no-such-container")):
        r = bob(method, path, content=b"x" if method == "PUT" else None)
        assert r.status_code == 403, (method, path, r.status_code)
        assert anon(method, path).status_code == 401, (method, path)
    assert demo("GET", "/private/secret").content == b"s3cret"  # nothing changed
    assert bob_own("GET").status_code == 204  # bob's own account is empty

    demo("POST", "/private", headers={"X-Container-Read": ".r:*"})
    assert anon("GET", "/private/secret").content == b"s3cret"  # a public container, no token needed
    assert anon("GET", "/private").status_code == 401  # but no listing without .rlistings
    demo("POST", "/private", headers={"X-Container-Read": ".r:*,.rlistings"})
    assert anon("GET", "/private").text == "secret\n"
    assert anon("PUT", "/private/x", content=b"x").status_code == 401
    assert bob("DELETE", "/private/secret").status_code == 403

    demo("POST", "/private", headers={"X-Container-Read": "", "X-Container-Write": f"{project['id']}:{user['id']}"})
    assert anon("GET", "/private/secret").status_code == 401
    assert bob("PUT", "/private/from-bob", content=b"hi").status_code == 201
    assert bob("GET", "/private/secret").status_code == 403  # write does not grant read
    demo("POST", "/private", headers={"X-Container-Read": "bob-project:*"})  # names work too
    assert bob("GET", "/private/from-bob").content == b"hi"
    assert bob("POST", "/private", headers={"X-Container-Read": ".r:*"}).status_code == 403  # ACLs are the owner's


def test_reader_reads_but_does_not_write(client: TestClient, as_admin: dict[str, str], demo: Swift) -> None:
    demo_project = client.get("/identity/v3/projects?name=demo", headers=as_admin).json()["projects"][0]
    _, _, token = user_in_project(client, as_admin, "rita", "reader", demo_project)
    rita = Swift(client, demo.account, token)
    demo("PUT", "/c")
    demo("PUT", "/c/o", content=b"x")
    assert rita("GET", "/c/o").content == b"x" and rita("GET", "?format=json").json()[0]["name"] == "c"
    assert rita("PUT", "/c/p", content=b"y").status_code == 403
    assert rita("DELETE", "/c/o").status_code == 403


def test_quotas(client: TestClient, as_admin: dict[str, str], demo: Swift, cloud: Cloud) -> None:
    demo("PUT", "/q", headers={"X-Container-Meta-Quota-Bytes": "10", "X-Container-Meta-Quota-Count": "2"})
    assert demo("PUT", "/q/a", content=b"12345").status_code == 201
    r = demo("PUT", "/q/b", content=b"1234567")
    assert r.status_code == 413 and r.text == "Upload exceeds quota."
    assert demo("PUT", "/q/b", content=b"1").status_code == 201
    assert demo("PUT", "/q/c", content=b"1").status_code == 413  # the count
    assert demo("PUT", "/q/a", content=b"123").status_code == 201  # an overwrite adds no object
    r = demo("POST", "", headers={"X-Account-Meta-Quota-Bytes": "100"})
    assert r.status_code == 403  # only the reseller admin sets the account quota
    admin = Swift(client, demo.account, as_admin["X-Auth-Token"])
    assert admin("POST", "", headers={"X-Account-Meta-Quota-Bytes": "6"}).status_code == 204
    assert demo("HEAD").headers["x-account-meta-quota-bytes"] == "6"
    demo("PUT", "/big")
    assert demo("PUT", "/big/o", content=b"123").status_code == 413  # 4 stored + 3 > 6
    assert admin("POST", "", headers={"X-Remove-Account-Meta-Quota-Bytes": "x"}).status_code == 204
    assert demo("PUT", "/big/o", content=b"123").status_code == 201
    with cloud.db.write() as db:
        cloud.quotas.set_limits(db, "object", demo.account.removeprefix("/object/v1/AUTH_"), {"containers": 2})
    r = demo("PUT", "/third")
    assert r.status_code == 403 and r.text == "Reached container limit of 2"


def test_versioning_stack_and_history(demo: Swift) -> None:
    demo("PUT", "/archive")
    demo("PUT", "/docs", headers={"X-Versions-Location": "archive"})
    assert demo("HEAD", "/docs").headers["x-versions-location"] == "archive"
    for text in (b"v1", b"v2", b"v3"):
        demo("PUT", "/docs/report.txt", content=text)
    assert demo("GET", "/docs/report.txt").content == b"v3"
    assert len(demo("GET", "/archive?format=json").json()) == 2
    assert demo("DELETE", "/docs/report.txt").status_code == 204
    assert demo("GET", "/docs/report.txt").content == b"v2"  # the previous version comes back
    demo("DELETE", "/docs/report.txt")
    demo("DELETE", "/docs/report.txt")
    assert demo("GET", "/docs/report.txt").status_code == 404

    demo("PUT", "/hist")
    demo("PUT", "/notes", headers={"X-History-Location": "hist"})
    demo("PUT", "/notes/n", content=b"first")
    demo("PUT", "/notes/n", content=b"second")
    demo("DELETE", "/notes/n")
    assert demo("GET", "/notes/n").status_code == 404
    kept = [o["name"] for o in demo("GET", "/hist?format=json").json()]
    assert len(kept) == 2 and all(k.startswith("001n/") for k in kept)
    assert sorted(demo("GET", f"/hist/{k}").content for k in kept) == [b"first", b"second"]


def test_expiry_on_the_lab_clock(demo: Swift, cloud: Cloud) -> None:
    demo("PUT", "/tmp")
    assert demo("PUT", "/tmp/soon", content=b"x", headers={"X-Delete-After": "60"}).status_code == 201
    assert "x-delete-at" in demo("HEAD", "/tmp/soon").headers
    cloud.worker.run_due()
    assert demo("GET", "/tmp/soon").status_code == 200
    cloud.clock.advance(timedelta(seconds=61))
    assert demo("GET", "/tmp/soon").status_code == 404  # gone for readers at once
    cloud.worker.run_due()  # and the expirer removes it
    assert demo("GET", "/tmp?format=json").json() == [] and files(cloud) == []
    with cloud.db.read() as db:  # the event log says what the expirer removed (not a user: lab 3.10 checks it)
        expired = [e for e in db.scalars(select(Event).where(Event.resource_type == "container"))
                   if e.attributes.get("expired")]
    assert [(e.attributes["expired"], e.user_id) for e in expired] == [("soon", None)]


def test_dynamic_large_object(demo: Swift) -> None:
    demo("PUT", "/segs")
    demo("PUT", "/big")
    parts = [b"a" * 1000, b"b" * 1000, b"c" * 10]
    for i, part in enumerate(parts):
        demo("PUT", f"/segs/file/{i:08d}", content=part)
    r = demo("PUT", "/big/file", content=b"", headers={"X-Object-Manifest": "segs/file/"})
    assert r.status_code == 201
    whole = demo("GET", "/big/file")
    assert whole.content == b"".join(parts) and whole.headers["x-object-manifest"] == "segs/file/"
    expected = hashlib.md5("".join(hashlib.md5(p).hexdigest() for p in parts).encode()).hexdigest()
    assert whole.headers["etag"] == f'"{expected}"'
    assert demo("GET", "/big/file", headers={"Range": "bytes=990-1009"}).content == b"a" * 10 + b"b" * 10
    assert demo("GET", "/big/file?multipart-manifest=get").content == b""


def test_bulk_delete(demo: Swift) -> None:
    demo("PUT", "/b")
    for name in ("x", "y"):
        demo("PUT", f"/b/{name}", content=b"1")
    r = demo("POST", "?bulk-delete", content=b"/b/x\n/b/y\n/b/nope\n/b\n",
             headers={"Accept": "application/json", "Content-Type": "text/plain"})
    assert r.status_code == 200
    assert json.loads(r.content) == {"Number Deleted": 3, "Number Not Found": 1, "Response Body": "",
                                     "Response Status": "200 OK", "Errors": []}
    assert demo("HEAD", "/b").status_code == 404


def test_container_events_carry_the_stored_bytes(demo: Swift, cloud: Cloud) -> None:
    """What billing meters: a create, an upload per change with the container's bytes, and a delete."""
    demo("PUT", "/bill")
    demo("PUT", "/bill/a", content=b"x" * 100)
    demo("PUT", "/bill/b", content=b"x" * 50)
    demo("DELETE", "/bill/a")
    demo("DELETE", "/bill/b")
    demo("DELETE", "/bill")
    with cloud.db.read() as db:
        events = list(db.scalars(select(Event).where(Event.resource_type == "container").order_by(Event.id)))
    assert [(e.action, e.attributes["size"]) for e in events] == [
        ("create", 0), ("upload", 100), ("upload", 150), ("upload", 50), ("upload", 0), ("delete", 0)]
    assert {e.attributes["name"] for e in events} == {"bill"} and len({e.resource_id for e in events}) == 1


def test_unreferenced_files_are_swept_at_start(demo: Swift, cloud: Cloud) -> None:
    demo("PUT", "/s")
    demo("PUT", "/s/kept", content=b"keep")
    stray = cloud.settings.data_dir / "objects" / "ab" / "abandoned"
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"half")
    (cloud.settings.data_dir / "objects" / ".part" / "x").write_bytes(b"partial")
    cloud.bootstrap()
    assert [p.read_bytes() for p in files(cloud)] == [b"keep"]
