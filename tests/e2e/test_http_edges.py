"""HTTP at its edges against a live `stacklab up`: idle keep-alive connections stay usable past a client's poll
interval, oversized bodies are refused with 413 before they are read, and stray header bytes or odd path bytes
get OpenStack's 4xx on a connection that stays open."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import ADMIN_PASSWORD, LiveCloud

pytestmark = pytest.mark.e2e


@pytest.fixture
def conn(live_cloud: LiveCloud) -> Iterator[http.client.HTTPConnection]:
    url = urlsplit(live_cloud.url)
    c = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    yield c
    c.close()


def _request(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None,
             headers: dict[str, Any] | None = None) -> tuple[int, dict[str, str], Any]:
    """One request on `conn` (header values may be bytes, sent as they are); (status, headers, JSON or None)."""
    conn.putrequest(method, path, skip_accept_encoding=True)
    for key, value in (headers or {}).items():
        conn.putheader(key, value)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = conn.getresponse()
    raw = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(raw) if raw else None


def _admin_token(conn: http.client.HTTPConnection) -> str:
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "password": ADMIN_PASSWORD, "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
    status, headers, _ = _request(conn, "POST", "/identity/v3/auth/tokens", json.dumps(body).encode(),
                                  {"Content-Type": "application/json"})
    assert status == 201
    return headers["x-subject-token"]


def test_idle_keep_alive_connection_is_reused(conn: http.client.HTTPConnection) -> None:
    """A connection left idle longer than the CLI's 5 s `--wait` poll is still open for the next request."""
    assert _request(conn, "GET", "/identity/v3")[0] == 200
    sock = conn.sock
    assert sock is not None
    time.sleep(6)
    assert _request(conn, "GET", "/identity/v3")[0] == 200
    assert conn.sock is sock  # the same socket: http.client would have failed, not reconnected, had it closed


def test_oversized_declared_body_is_413_before_it_is_sent(live_cloud: LiveCloud) -> None:
    """A 50 MB Content-Length on the token API is answered 413 with Keystone's body while the client has sent
    only the headers: the body is never read."""
    url = urlsplit(live_cloud.url)
    with socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=30) as s:
        s.sendall(b"POST /identity/v3/auth/tokens HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 52428800\r\n\r\n{")
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), reply[:200]
    assert json.loads(body) == {"error": {"code": 413, "title": "Request Entity Too Large",
                                          "message": "Request is too large."}}


def test_oversized_chunked_body_is_413_in_the_services_style(conn: http.client.HTTPConnection) -> None:
    """A body with no Content-Length (chunked) is counted as it arrives: past 114,688 bytes it is Neutron's
    or Nova's 413, and nothing is created."""
    token = _admin_token(conn)
    name = "x" * 200_000
    for path, key, check in [
        ("/network/v2.0/networks", "network", lambda b: b["NeutronError"]["message"] == "Request is too large."),
        ("/compute/v2.1/os-keypairs", "keypair", lambda b: b["overLimit"]["code"] == 413),
    ]:
        payload = json.dumps({key: {"name": name}}).encode()
        conn.putrequest("POST", path)
        conn.putheader("X-Auth-Token", token)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for start in range(0, len(payload), 16384):
            part = payload[start:start + 16384]
            conn.send(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        conn.send(b"0\r\n\r\n")
        response = conn.getresponse()
        body = json.loads(response.read())
        assert response.status == 413 and check(body), body
        conn.close()
    status, _, listing = _request(conn, "GET", "/network/v2.0/networks", headers={"X-Auth-Token": token})
    assert status == 200 and all(n["name"] != name for n in listing["networks"])


def test_non_utf8_header_bytes_are_4xx_and_the_connection_stays(conn: http.client.HTTPConnection) -> None:
    """A 0xff byte in the microversion header is Nova's 400; in any other header it is ignored; the same
    connection then answers the next request."""
    token = _admin_token(conn)
    status, _, body = _request(conn, "GET", "/compute/v2.1/servers",
                               headers={"X-Auth-Token": token, "OpenStack-API-Version": b"compute \xff\xfe"})
    assert status == 400 and body["badRequest"]["code"] == 400, body
    status, _, body = _request(conn, "GET", "/volume/v3/", headers={"X-Auth-Token": token, "X-Junk": b"\xc3\x28"})
    assert status < 500, body
    assert _request(conn, "GET", "/compute/v2.1/servers", headers={"X-Auth-Token": token})[0] == 200


@pytest.mark.parametrize("tag", ["%00", "%20", "%C3%A9t%C3%A9", "a%09b"])
def test_odd_project_tags_are_stored_and_the_connection_stays(conn: http.client.HTTPConnection, tag: str) -> None:
    """NUL, a lone space, unicode and a tab as a project tag: 201 with an ASCII Location, and the connection
    answers the next request."""
    token = _admin_token(conn)
    status, _, body = _request(conn, "GET", "/identity/v3/projects?name=demo", headers={"X-Auth-Token": token})
    project = body["projects"][0]["id"]
    status, headers, _ = _request(conn, "PUT", f"/identity/v3/projects/{project}/tags/{tag}",
                                  headers={"X-Auth-Token": token})
    assert status == 201
    assert headers["location"].isascii() and headers["location"].endswith(f"/tags/{tag}")
    status, _, _ = _request(conn, "GET", f"/identity/v3/projects/{project}/tags/{tag}",
                            headers={"X-Auth-Token": token})
    assert status == 204
    assert _request(conn, "DELETE", f"/identity/v3/projects/{project}/tags/{tag}",
                    headers={"X-Auth-Token": token})[0] == 204
