"""Remote consoles: os-getVNCConsole / os-getSerialConsole answer a URL on the lab's own port (tempest's schema);
the page it opens shows the server's console; the token is bound to its server, expires, and is useless once
the server is gone; SPICE is Nova's 400."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
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


@pytest.fixture
def rfb_server() -> Iterator[tuple[str, int]]:
    """A tiny RFB server on 127.0.0.1, the edge a libvirt guest's VNC display is: it greets as RFB 3.8 and
    echoes what it receives; b"bye" makes it hang up (the display going away)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def echo(conn: socket.socket) -> None:
        with conn:
            conn.sendall(b"RFB 003.008\n")
            while (data := conn.recv(65536)) and data != b"bye":
                conn.sendall(data)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=echo, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def _vnc_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}/vnc?{parts.query}"


def test_the_vnc_socket_relays_binary_frames_to_the_guests_display(
        client: TestClient, cloud: Cloud, as_demo: dict, rfb_server: tuple[str, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.websockets import WebSocketDisconnect

    server = create_server(client, cloud, as_demo, name="con-vnc")
    asked = []
    monkeypatch.setattr(cloud.compute_driver, "vnc_address", lambda sid: asked.append(sid) or rfb_server)
    url = console_url(client, as_demo, server["id"])
    with client.websocket_connect(_vnc_path(url), subprotocols=["binary"]) as ws:
        assert ws.accepted_subprotocol == "binary"  # what websockify's clients ask for
        assert ws.receive_bytes() == b"RFB 003.008\n"  # the display's own greeting, unchanged
        ws.send_bytes(b"RFB 003.008\n")
        assert ws.receive_bytes() == b"RFB 003.008\n"
        frame = bytes(range(256))  # binary, not text: every byte value passes
        ws.send_bytes(frame)
        got = b""
        while len(got) < len(frame):
            got += ws.receive_bytes()
        assert got == frame
        ws.send_bytes(b"bye")  # the display hangs up: the socket closes normally
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_bytes()
        assert closed.value.code == 1000
    assert asked == [server["id"]]
    with client.websocket_connect(_vnc_path(url)) as ws:  # noVNC asks for no subprotocol
        assert ws.accepted_subprotocol is None and ws.receive_bytes() == b"RFB 003.008\n"


def test_vnc_socket_refusals_and_its_lifetime(client: TestClient, cloud: Cloud, as_demo: dict,
                                              rfb_server: tuple[str, int],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from starlette.websockets import WebSocketDisconnect

    def refused(path: str) -> int:
        with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(path):
            pass
        return closed.value.code

    server = create_server(client, cloud, as_demo, name="con-vnc2")
    novnc = console_url(client, as_demo, server["id"])
    assert refused(_vnc_path(novnc)) == 1008  # the fake driver has no display: the page stays the terminal
    monkeypatch.setattr(cloud.compute_driver, "vnc_address", lambda sid: rfb_server)
    monkeypatch.setattr(consoles, "TOKEN_RECHECK_SECONDS", 0.05)
    assert refused("/compute/console/vnc?token=forged") == 1008
    assert refused("/compute/console/vnc") == 1008
    serial = console_url(client, as_demo, server["id"], "os-getSerialConsole", "serial")
    assert refused(_vnc_path(serial)) == 1008  # a token is for one console type

    with client.websocket_connect(_vnc_path(novnc)) as ws:
        assert ws.receive_bytes() == b"RFB 003.008\n"
        cloud.clock.advance(timedelta(minutes=11))  # the token expires on the lab clock: the socket closes
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_bytes()
        assert closed.value.code == 1008
    assert refused(_vnc_path(novnc)) == 1008

    fresh = console_url(client, as_demo, server["id"])
    with client.websocket_connect(_vnc_path(fresh)) as ws:
        assert ws.receive_bytes() == b"RFB 003.008\n"
        client.delete(f"{API}/servers/{server['id']}", headers=as_demo)  # the server goes: so does its console
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_bytes()
        assert closed.value.code == 1008


def _fake_novnc(root: Path) -> Path:
    (root / "core" / "util").mkdir(parents=True)
    (root / "vendor" / "pako").mkdir(parents=True)
    (root / "core" / "rfb.js").write_text("import * as Log from './util/logging.js';\nexport default class {}")
    (root / "core" / "util" / "logging.js").write_text("export const x = 1;")
    (root / "vendor" / "pako" / "zlib.js").write_text("export default {};")
    (root / "package.json").write_text("{}")
    (root / "core" / "notes.md").write_text("not a module")
    return root


def test_the_page_of_a_guest_with_a_display_is_novnc(client: TestClient, cloud: Cloud, as_demo: dict,
                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = create_server(client, cloud, as_demo, name="con-page")
    novnc = urlsplit(console_url(client, as_demo, server["id"]))
    serial = urlsplit(console_url(client, as_demo, server["id"], "os-getSerialConsole", "serial"))
    monkeypatch.setattr(consoles, "NOVNC_DIR", _fake_novnc(tmp_path / "novnc"))

    page = client.get(f"{novnc.path}?{novnc.query}")  # the fake driver: no display, the serial terminal
    assert page.status_code == 200 and "rfb.js" not in page.text and "console/ws" in page.text

    monkeypatch.setattr(cloud.compute_driver, "vnc_address", lambda sid: ("127.0.0.1", 5900))
    page = client.get(f"{novnc.path}?{novnc.query}")
    assert "import RFB from './console/static/novnc/core/rfb.js'" in page.text
    assert "console/vnc" in page.text and "<script type='module'>" in page.text
    assert "con-page" in page.text and "console/ws" not in page.text
    assert "rfb.js" not in client.get(f"{serial.path}?{serial.query}").text  # a serial token: the terminal

    static = "/compute/console/static/novnc"
    for path in ("core/rfb.js", "core/util/logging.js", "vendor/pako/zlib.js"):
        r = client.get(f"{static}/{path}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript"), path
    assert client.get(f"{static}/core/rfb.js").text.startswith("import * as Log")
    for path in ("package.json", "core/notes.md", "core/../package.json", "core/%2E%2E/%2E%2E/rfb.js",
                 "core//rfb.js", "lib/rfb.js"):
        assert client.get(f"{static}/{path}").status_code == 404, path

    monkeypatch.setattr(consoles, "NOVNC_DIR", tmp_path / "missing")  # not vendored: the terminal again
    assert "rfb.js" not in client.get(f"{novnc.path}?{novnc.query}").text
    assert client.get(f"{static}/core/rfb.js").status_code == 404


def test_the_vendored_novnc_modules_are_all_served(client: TestClient) -> None:
    """When scripts/setup.sh has vendored noVNC, every module its RFB client imports, transitively, is served
    as JavaScript (a browser refuses a module of any other media type); when not, the page falls back."""
    import re
    from posixpath import dirname, normpath

    static = "/compute/console/static/novnc/"
    if not consoles.novnc_installed():
        assert client.get(f"{static}core/rfb.js").status_code == 404
        return
    seen, todo = set(), ["core/rfb.js"]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        r = client.get(static + path)
        assert r.status_code == 200, f"{path} is imported but not served"
        assert r.headers["content-type"].startswith("text/javascript"), path
        for spec in re.findall(r"""(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]""", r.text):
            assert spec.startswith("."), f"{path} imports {spec}: a browser cannot resolve a bare name"
            todo.append(normpath(f"{dirname(path)}/{spec}"))
    assert len(seen) > 10 and any(p.startswith("vendor/") for p in seen), seen
