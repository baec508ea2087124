"""The browser console against a live lab (uvicorn, the `websockets` package): `openstack console url show`'s
URL, its websocket through a real handshake (a refused token is a 403 handshake), and the page in headless
Chromium typing into xterm.js (only where scripts/setup.sh vendored it: without npm there is no terminal to
drive, and the plain page is tested in tests/cloud/test_compute_consoles.py)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from lab.cloud.compute import consoles
from tests.conftest import LiveCloud

pytestmark = pytest.mark.e2e
WAIT_SECONDS = 30.0  # a bound against a hang on 2 busy cores, not a speed test


def _console_url(live: LiveCloud, name: str) -> str:
    live.openstack("server", "create", "--image", "cirros", "--flavor", "m1.nano", "--network", "private",
                   "--wait", name, user="demo")
    shown = live.openstack("console", "url", "show", "--serial", name, "-f", "json", user="demo")
    return str(json.loads(shown.stdout)["url"])


def test_console_websocket_through_uvicorn(live_cloud: LiveCloud) -> None:
    import websockets

    url = _console_url(live_cloud, "con-live")
    socket_url = url.replace("http://", "ws://").replace("/compute/console?", "/compute/console/ws?")

    async def talk() -> tuple[str, str, str]:
        async with websockets.connect(socket_url) as ws:
            greeting = str(await ws.recv())
            await ws.send("root")
            echo = str(await ws.recv())
            await ws.send("\r")
            return greeting, echo, str(await ws.recv())

    greeting, echo, prompt = asyncio.run(asyncio.wait_for(talk(), WAIT_SECONDS))
    assert greeting.endswith("con-live login: ") and echo == "root" and prompt == "\r\nPassword: "

    async def forged() -> int:
        try:
            async with websockets.connect(socket_url.split("token=")[0] + "token=forged"):
                return 101
        except websockets.InvalidStatus as refused:
            return refused.response.status_code

    assert asyncio.run(asyncio.wait_for(forged(), WAIT_SECONDS)) == 403


def test_console_page_in_a_browser(live_cloud: LiveCloud, tmp_path: Path) -> None:
    if not consoles.xterm_installed():
        pytest.skip(f"xterm.js is not vendored ({consoles.XTERM_DIR}): scripts/setup.sh installs it when npm is there")
    from tests.dashboard.browser import Browser

    url = _console_url(live_cloud, "con-browser")
    browser = Browser(live_cloud.url, tmp_path / "shots")
    try:
        browser.driver.get(url)
        rows = "const r = document.querySelector('.xterm-rows'); return r ? r.innerText : '';"
        browser.until(lambda: "con-browser login:" in browser.driver.execute_script(rows), "the login prompt")
        browser.driver.find_element("css selector", ".xterm-helper-textarea").send_keys("root\n")
        browser.until(lambda: "login: root\nPassword:" in browser.driver.execute_script(rows),
                      "the echo and the password prompt")
    finally:
        browser.close()
