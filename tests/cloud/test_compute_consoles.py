"""Remote consoles: os-getVNCConsole / os-getSerialConsole answer a URL on the lab's own port (tempest's schema);
the page it opens shows the server's console; the token is bound to its server, expires, and is useless once
the server is gone; SPICE is Nova's 400."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.compute import consoles
from tests.api_schemas import assert_schema
from tests.cloud.compute_support import API, create_server


def console_url(client: TestClient, headers: dict, server_id: str, action: str = "os-getVNCConsole",
                kind: str = "novnc") -> str:
    r = client.post(f"{API}/servers/{server_id}/action", headers=headers, json={action: {"type": kind}})
    assert_schema("compute.v2_1.servers", "get_vnc_console", r)
    return str(r.json()["console"]["url"])


def test_console_url_opens_the_servers_console(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo, name="con-1")
    url = console_url(client, as_demo, server["id"])
    assert url.startswith("http://127.0.0.1:8780/compute/console?token=")
    parts = urlsplit(url)
    page = client.get(f"{parts.path}?{parts.query}")  # no X-Auth-Token: the token in the URL is the credential
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "con-1 login:" in page.text and server["id"] in page.text
    serial = console_url(client, as_demo, server["id"], "os-getSerialConsole", "serial")
    assert client.get(urlsplit(serial).path + "?" + urlsplit(serial).query).status_code == 200

    assert client.get("/compute/console?token=forged").status_code == 401
    cloud.clock.advance(timedelta(minutes=11))
    assert client.get(f"{parts.path}?{parts.query}").status_code == 401  # expired


def test_console_refusals(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo)
    url = console_url(client, as_demo, server["id"])
    spice = client.post(f"{API}/servers/{server['id']}/action", headers=as_demo,
                        json={"os-getSPICEConsole": {"type": "spice-html5"}})
    assert spice.status_code == 400
    assert spice.json()["badRequest"]["message"] == "Unavailable console type spice-html5."
    building = create_server(client, cloud, as_demo, name="b", run=False)
    r = client.post(f"{API}/servers/{building['id']}/action", headers=as_demo,
                    json={"os-getVNCConsole": {"type": "novnc"}})
    assert r.status_code == 409
    client.delete(f"{API}/servers/{server['id']}", headers=as_demo)
    parts = urlsplit(url)
    assert client.get(f"{parts.path}?{parts.query}").status_code == 401  # bound to a server that is gone


def _ws_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}/ws?{parts.query}"


def test_console_websocket_speaks_the_simulated_serial_console(client: TestClient, cloud: Cloud,
                                                                as_demo: dict) -> None:
    server = create_server(client, cloud, as_demo, name="con-ws")
    url = console_url(client, as_demo, server["id"], "os-getSerialConsole", "serial")
    with client.websocket_connect(_ws_path(url)) as ws:  # the token is the credential, no X-Auth-Token
        greeting = ws.receive_text()
        assert "Linux version" in greeting and "\r\n" in greeting
        assert greeting.endswith("con-ws login: ") and greeting.count("con-ws login:") == 1
        # Every message ends with Enter, which always answers: a broken echo fails the comparison (the
        # TestClient's receive has no timeout, so a message that answers nothing would wait forever).
        ws.send_text("root\r")
        assert ws.receive_text() == "root\r\nPassword: "  # echoed, then login(1)'s prompt
        ws.send_text("secret\r")
        assert ws.receive_text() == "\r\nLogin incorrect\r\n\r\ncon-ws login: "  # the password is not echoed
        ws.send_text("ab\x7f\r")
        assert ws.receive_text() == "ab\b \b\r\nPassword: "  # backspace rubs out the b


def test_console_websocket_refusals(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    from starlette.websockets import WebSocketDisconnect

    server = create_server(client, cloud, as_demo)
    url = console_url(client, as_demo, server["id"])
    for path in ("/compute/console/ws?token=forged", "/compute/console/ws"):
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(path):
            pass
        assert refused.value.code == 1008
    cloud.clock.advance(timedelta(minutes=11))
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(_ws_path(url)):
        pass
    assert refused.value.code == 1008  # expired on the lab clock

    fresh = console_url(client, as_demo, server["id"])
    with client.websocket_connect(_ws_path(fresh)) as ws:
        assert ws.receive_text().endswith("login: ")  # a fresh token of the same server opens
    client.delete(f"{API}/servers/{server['id']}", headers=as_demo)
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(_ws_path(fresh)):
        pass
    assert refused.value.code == 1008  # bound to a server that is gone


def test_console_page_is_a_terminal_with_xterm_and_plain_text_without(
        client: TestClient, cloud: Cloud, as_demo: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = create_server(client, cloud, as_demo, name="con-x")
    parts = urlsplit(console_url(client, as_demo, server["id"]))
    page_path = f"{parts.path}?{parts.query}"

    monkeypatch.setattr(consoles, "XTERM_DIR", tmp_path / "missing")
    plain = client.get(page_path)
    assert plain.status_code == 200 and "xterm.js is not installed" in plain.text
    assert "http-equiv='refresh'" in plain.text and "con-x login:" in plain.text
    assert client.get("/compute/console/static/xterm.js").status_code == 404

    (tmp_path / "xterm" / "lib").mkdir(parents=True)
    (tmp_path / "xterm" / "css").mkdir()
    (tmp_path / "xterm" / "lib" / "xterm.js").write_text("/* xterm */")
    (tmp_path / "xterm" / "css" / "xterm.css").write_text(".xterm {}")
    monkeypatch.setattr(consoles, "XTERM_DIR", tmp_path / "xterm")
    terminal = client.get(page_path)
    assert "console/static/xterm.js" in terminal.text and "console/ws" in terminal.text
    assert "http-equiv='refresh'" not in terminal.text
    js = client.get("/compute/console/static/xterm.js")
    assert js.status_code == 200 and js.text == "/* xterm */"
    assert js.headers["content-type"].startswith("text/javascript")
    assert client.get("/compute/console/static/xterm.css").headers["content-type"].startswith("text/css")
    assert client.get("/compute/console/static/..%2Fpackage.json").status_code == 404  # only the two files


def test_a_driver_without_an_interactive_serial_shows_the_log_read_only(
        client: TestClient, cloud: Cloud, as_demo: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from lab.cloud.drivers.base import ComputeDriver

    server = create_server(client, cloud, as_demo, name="con-ro")
    driver = cloud.compute_driver
    monkeypatch.setattr(driver, "open_serial", lambda server_id: ComputeDriver.open_serial(driver, server_id))
    url = console_url(client, as_demo, server["id"], "os-getSerialConsole", "serial")
    with client.websocket_connect(_ws_path(url)) as ws:
        text = ws.receive_text()
        assert "Linux version" in text and text.endswith("offers no interactive serial console]\r\n")
        ws.send_text("root\r")  # ignored: nothing echoes
        ws.send_text("more")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")


def test_an_open_console_closes_when_its_token_expires_or_its_server_goes(
        client: TestClient, cloud: Cloud, as_demo: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.websockets import WebSocketDisconnect

    monkeypatch.setattr(consoles, "TOKEN_RECHECK_SECONDS", 0.05)
    server = create_server(client, cloud, as_demo, name="con-ttl")
    url = console_url(client, as_demo, server["id"], "os-getSerialConsole", "serial")
    with client.websocket_connect(_ws_path(url)) as ws:
        assert ws.receive_text().endswith("con-ttl login: ")
        cloud.clock.advance(timedelta(minutes=11))  # past the TTL on the lab clock
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1008
    fresh = console_url(client, as_demo, server["id"], "os-getSerialConsole", "serial")
    with client.websocket_connect(_ws_path(fresh)) as ws:
        assert ws.receive_text().endswith("login: ")
        client.delete(f"{API}/servers/{server['id']}", headers=as_demo)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1008


def test_a_real_serial_line_is_relayed_both_ways_as_it_comes(
        client: TestClient, cloud: Cloud, as_demo: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """A streaming session (the libvirt driver's, here over a stand-in for libvirt's stream, its only edge):
    what the guest prints reaches the browser without being asked for, typed keys reach the guest, and the
    socket closes normally when the guest's line goes."""
    from starlette.websockets import WebSocketDisconnect

    from lab.cloud.drivers.libvirt_console import StreamSerial
    from tests.drivers.test_libvirt_console import FakeStream

    server = create_server(client, cloud, as_demo, name="con-live")
    stream, opened = FakeStream(), []

    def open_serial(server_id: str) -> StreamSerial:
        opened.append(server_id)
        return StreamSerial(stream, greeting="Linux version 6.1\r\n/ # ")

    monkeypatch.setattr(cloud.compute_driver, "open_serial", open_serial)
    url = console_url(client, as_demo, server["id"], "os-getSerialConsole", "serial")
    with client.websocket_connect(_ws_path(url)) as ws:
        assert ws.receive_text() == "Linux version 6.1\r\n/ # "
        stream.guest_writes(b"[  42.0] eth0: link up\r\n")  # the guest prints on its own
        assert ws.receive_text() == "[  42.0] eth0: link up\r\n"
        ws.send_text("echo hi\r")
        for _ in range(100):  # the key is handed over in a thread: wait (bounded) until it has arrived
            if stream.sent:
                break
            stream.aborted.wait(0.02)
        assert stream.sent == [b"echo hi\r"]
        stream.guest_writes(b"echo hi\r\nhi\r\n/ # ")  # the guest's echo and answer
        assert ws.receive_text() == "echo hi\r\nhi\r\n/ # "
        stream.guest_writes(b"")  # the guest's line ends (powered off, or a newer console took it)
        assert ws.receive_text() == "\r\n[the guest's serial console was closed]\r\n"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1000
    assert opened == [server["id"]]
    assert stream.aborted.is_set()  # the session was closed with its socket
