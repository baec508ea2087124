"""Form POST (Swift's formpost middleware) through the HTTP API in process: a signed HTML form uploads files
with no token; its limits, expiry on the lab clock, bad signatures and bad bodies answered as Swift answers."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import httpx
import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.object.schemas import epoch
from tests.cloud.identity_helpers import user_in_project
from tests.cloud.object_support import Swift, account_path

BOUNDARY = "----stacklab-form"


@pytest.fixture
def demo(client: TestClient, demo_token: str) -> Swift:
    swift = Swift(client, account_path(client, demo_token), demo_token)
    swift("POST", headers={"X-Account-Meta-Temp-URL-Key": "formkey"})
    swift("PUT", "/inbox")
    return swift


def form(path: str, expires: int, *, key: str = "formkey", redirect: str = "", max_file_size: int = 1000,
         max_file_count: int = 2, files: tuple[tuple[str, bytes], ...] = (("a.txt", b"hello form"),),
         extra: dict[str, str] | None = None) -> bytes:
    """A browser's multipart body, its signature made as Swift's docs make it (HMAC-SHA1 of the fields)."""
    signed = f"{path}\n{redirect}\n{max_file_size}\n{max_file_count}\n{expires}"
    fields = {"redirect": redirect, "max_file_size": str(max_file_size), "max_file_count": str(max_file_count),
              "expires": str(expires), "signature": hmac.new(key.encode(), signed.encode(), hashlib.sha1).hexdigest(),
              **(extra or {})}
    out = b""
    for name, value in fields.items():
        out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for i, (filename, data) in enumerate(files):
        out += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file{i}"; filename="{filename}"\r\n'
                "Content-Type: text/plain\r\n\r\n").encode() + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def post(client: TestClient, url: str, body: bytes) -> httpx.Response:
    return client.post(url, content=body, headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
                       follow_redirects=False)


def test_form_uploads_files_without_a_token(client: TestClient, demo: Swift, cloud: Cloud) -> None:
    expires = int(epoch(cloud.clock.now())) + 600
    path = demo.account.removeprefix("/object") + "/inbox/up/"
    big = bytes(range(256)) * 3  # several chunks of the parser's buffer, binary
    r = post(client, f"{demo.account}/inbox/up/", form(path, expires, files=(("a.txt", b"hello form"),
                                                                                ("b.bin", big))))
    assert (r.status_code, r.text) == (201, "201 Created") and r.headers["content-type"] == "text/plain"
    assert demo("GET", "/inbox/up/a.txt").content == b"hello form"
    got = demo("GET", "/inbox/up/b.bin")
    assert got.content == big and got.headers["content-type"] == "text/plain"
    # The whole endpoint path may be signed too (what tempest does), and a redirect gets the status.
    full = demo.account + "/inbox"
    r = post(client, full, form(full, expires, redirect="https://example.com/done",
                                files=(("c.txt", b"c"),), extra={"x_delete_after": "60"}))
    assert r.status_code == 303 and r.headers["location"] == "https://example.com/done?status=201&message="
    assert demo("HEAD", "/inbox/c.txt").headers["x-delete-at"] == str(expires - 600 + 60)


def test_another_accounts_key_signs_nothing_here(client: TestClient, demo: Swift, cloud: Cloud,
                                                 as_admin: dict[str, str]) -> None:
    """A form signed with another project's own key (or posted to the account) stores nothing in demo's."""
    token = user_in_project(client, as_admin, "formother", "member")[2]
    other = Swift(client, account_path(client, token), token)
    other("POST", headers={"X-Account-Meta-Temp-URL-Key": "theirs"})
    expires = int(epoch(cloud.clock.now())) + 600
    path = demo.account.removeprefix("/object") + "/inbox"
    r = post(client, f"{demo.account}/inbox", form(path, expires, key="theirs"))
    assert (r.status_code, r.text) == (401, "FormPost: Invalid Signature")
    r = post(client, demo.account, form(demo.account.removeprefix("/object"), expires))
    assert (r.status_code, r.text) == (401, "FormPost: Invalid Signature")  # no container: no key applies
    assert demo("GET", "/inbox").status_code == 204  # still empty


def test_form_refusals(client: TestClient, demo: Swift, cloud: Cloud) -> None:
    now = int(epoch(cloud.clock.now()))
    path = demo.account.removeprefix("/object") + "/inbox"
    url = f"{demo.account}/inbox"
    r = post(client, url, form(path, now + 600, key="wrong"))
    assert (r.status_code, r.text) == (401, "FormPost: Invalid Signature")
    assert post(client, url, form(path, now + 60, files=(("x", b"1"),))).status_code == 201
    cloud.clock.advance(timedelta(seconds=61))
    r = post(client, url, form(path, now + 60))
    assert (r.status_code, r.text) == (401, "FormPost: Form Expired")
    now = int(epoch(cloud.clock.now()))
    r = post(client, url, form(path, now + 600, max_file_size=5))
    assert (r.status_code, r.text) == (400, "FormPost: max_file_size exceeded")
    r = post(client, url, form(path, now + 600, max_file_count=1, files=(("y", b"1"), ("z", b"2"))))
    assert (r.status_code, r.text) == (400, "400 Bad Request\r\nFormPost: Max File Count Exceeded")
    r = post(client, url, form(path, now + 600, files=()))
    assert (r.status_code, r.text) == (400, "400 Bad Request\r\nFormPost: No Files To Process")
    r = post(client, url, b"no boundary here")
    assert (r.status_code, r.text) == (400, "FormPost: invalid starting boundary")
    r = post(client, url, form(path, now + 600, extra={"max_file_size": "big"}))
    assert r.status_code == 400 and r.text == "FormPost: max_file_size not an integer"
    listing = demo("GET", "/inbox").text.split()
    assert listing == ["x", "y"]  # y: the first file of the over-counted form; nothing of the refused ones
    # A container that does not exist: the PUT's 404.
    r = post(client, f"{demo.account}/nowhere", form(path.replace("inbox", "nowhere"), now + 600))
    assert (r.status_code, r.text) == (404, "404 Not Found")


@pytest.mark.parametrize("chunk", [1, 7, 64, 100_000])
def test_multipart_reader_across_chunk_boundaries(chunk: int) -> None:
    """However the body arrives (a boundary split across reads, CRLFs in the data), each part is whole."""
    import asyncio

    from lab.cloud.object import mime

    data = b"line\r\n--almost-the-boundary\r\n" + bytes(range(256)) * 4
    body = form("/v1/AUTH_x/c", 1, files=(("one", data), ("two", b"")), extra={"note": "caf\u00e9"})

    async def stream():  # type: ignore[no-untyped-def]
        for i in range(0, len(body), chunk):
            yield body[i:i + chunk]

    async def read() -> list[tuple[dict[str, str], bytes]]:
        return [(p.headers, b"".join([c async for c in p.chunks()])) async for p in mime.parts(stream(), BOUNDARY)]

    parts = asyncio.run(read())
    fields = {mime.parse_disposition(h["content-disposition"])[1]["name"]: v for h, v in parts}
    assert fields["file0"] == data and fields["file1"] == b"" and fields["note"] == "café".encode()
    assert fields["max_file_count"] == b"2" and len(parts) == 8
