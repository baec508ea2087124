"""Swift's bulk middleware through the HTTP API in process: extract-archive (a tar, .tar.gz or .tar.bz2 PUT
with ?extract-archive= becomes objects, containers made as needed) and bulk delete by DELETE as by POST,
with the bad input of each answered as Swift answers."""

from __future__ import annotations

import io
import tarfile

import pytest
from starlette.testclient import TestClient

from tests.cloud.identity_helpers import user_in_project
from tests.cloud.object_support import Swift, account_path


@pytest.fixture
def demo(client: TestClient, demo_token: str) -> Swift:
    return Swift(client, account_path(client, demo_token), demo_token)


def archive(files: dict[str, bytes], mode: str = "w") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as tar:  # type: ignore[call-overload]
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        folder = tarfile.TarInfo("photos/empty-dir")
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
    return out.getvalue()


def test_extract_archive_at_account_container_and_prefix(demo: Swift) -> None:
    data = archive({"photos/cat.jpg": b"meow" * 1000, "photos/2024/dog.jpg": b"woof", "docs/a.txt": b"a",
                    "top-level.txt": b"skipped"})
    r = demo("PUT", "?extract-archive=tar", content=data, headers={"Accept": "application/json",
                                                                   "X-Object-Meta-From": "tar"})
    assert r.status_code == 200, r.text
    assert r.json() == {"Number Files Created": 3, "Response Body": "", "Response Status": "201 Created",
                        "Errors": []}
    assert demo("GET").text.split() == ["docs", "photos"]
    assert demo("GET", "/photos").text.split() == ["2024/dog.jpg", "cat.jpg"]
    cat = demo("GET", "/photos/cat.jpg")
    assert cat.content == b"meow" * 1000 and cat.headers["x-object-meta-from"] == "tar"
    assert cat.headers["content-type"] == "image/jpeg"
    # Into a container, under a prefix, compressed; the text summary.
    demo("PUT", "/backup")
    r = demo("PUT", "/backup/2025?extract-archive=tar.gz", content=archive({"x.txt": b"x"}, "w:gz"))
    assert r.status_code == 200 and r.text == ("Number Files Created: 1\nResponse Body: \nResponse Status: "
                                               "201 Created\nErrors:\n")
    assert demo("GET", "/backup/2025/x.txt").content == b"x"
    r = demo("PUT", "/backup?extract-archive=tar.bz2", content=archive({"y.txt": b"y"}, "w:bz2"))
    assert r.status_code == 200 and "Number Files Created: 1" in r.text
    assert demo("GET", "/backup").text.split() == ["2025/x.txt", "y.txt"]


def test_extract_archive_refusals(demo: Swift, client: TestClient, as_admin: dict[str, str]) -> None:
    r = demo("PUT", "?extract-archive=zip", content=b"PK")
    assert (r.status_code, r.text) == (400, "Unsupported archive format")
    r = demo("PUT", "?extract-archive=tar", content=b"not a tar at all" * 100, headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["Response Status"] == "400 Bad Request"
    assert r.json()["Response Body"].startswith("Invalid Tar File")
    r = demo("PUT", "?extract-archive=tar", content=archive({"only-top.txt": b"t"}),
             headers={"Accept": "application/json"})
    assert r.json()["Response Body"] == "Invalid Tar File: No Valid Files"
    # A container quota refuses one file; the others are stored and the refused one is listed.
    demo("PUT", "/small", headers={"X-Container-Meta-Quota-Bytes": "10"})
    r = demo("PUT", "/small?extract-archive=tar", content=archive({"ok.txt": b"12345", "big.txt": b"x" * 50}),
             headers={"Accept": "application/json"})
    body = r.json()
    assert body["Number Files Created"] == 1 and body["Response Status"] == "400 Bad Request"
    assert body["Errors"] == [[f"{demo.account.removeprefix('/object/v1')}/small/big.txt".replace("//", "/"),
                               "413 Request Entity Too Large"]]
    assert demo("GET", "/small").text.split() == ["ok.txt"]
    # Another project's user, and a stranger, upload nothing into demo's account.
    other = Swift(client, demo.account, user_in_project(client, as_admin, "bulkother", "member")[2])
    r = other("PUT", "?extract-archive=tar", content=archive({"c/x": b"x"}), headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["Errors"][0][1] == "403 Forbidden"  # as Swift: per file
    assert Swift(client, demo.account, None)("PUT", "?extract-archive=tar",
                                             content=archive({"c/x": b"x"})).status_code == 401
    assert "c" not in demo("GET").text.split()
    assert demo("PUT", "").status_code == 405  # an account PUT without extract-archive, as Swift refuses it


def test_bulk_delete_by_delete_and_post(demo: Swift) -> None:
    demo("PUT", "?extract-archive=tar", content=archive({"gone/a": b"a", "gone/b": b"b"}))
    r = demo("DELETE", "?bulk-delete", content=b"/gone/a\n/gone/missing\n", headers={"Accept": "application/json"})
    assert r.status_code == 200
    assert (r.json()["Number Deleted"], r.json()["Number Not Found"]) == (1, 1)
    r = demo("POST", "?bulk-delete", content=b"gone/b\ngone", headers={"Accept": "application/json"})
    assert r.json()["Number Deleted"] == 2 and "gone" not in demo("GET").text.split()
    assert demo("DELETE", "").status_code == 405
