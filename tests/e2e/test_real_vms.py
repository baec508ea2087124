"""Real VMs through the whole cloud: `stacklab up --compute libvirt` (its own private libvirtd, QEMU under TCG
here) with the tiny guest registered as `cirros`, driven by the real `openstack` CLI: boot to ACTIVE only once
the guest is up, its real serial console, a volume hot-plugged and reported by the guest, unplugged, and a
delete that leaves no domain and no instance files.

Needs root (the private libvirtd) and Debian's libvirt-daemon + qemu-system-x86 + qemu-utils, which
scripts/setup.sh installs; the tiny guest is built once into pytest's cache (shared with test_real_boot.py).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import libvirt
import pytest

from lab.cloud import guest_image
from lab.cloud.compute import consoles
from lab.cloud.drivers import libvirt_xml
from tests.conftest import LiveCloud, start_live_cloud

pytestmark = [pytest.mark.e2e, pytest.mark.root]

MISSING = [tool for tool in ("libvirtd", "qemu-system-x86_64", "qemu-img", "apt-get", "dpkg-deb")
           if shutil.which(tool) is None]
GUEST_TIMEOUT = 120.0  # a console line the guest prints after an attach or detach


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


@pytest.fixture(scope="module")
def tiny(request: pytest.FixtureRequest) -> guest_image.TinyGuest:
    if os.geteuid() != 0:
        pytest.skip("needs root: the cloud starts a private libvirtd")
    if MISSING:
        pytest.skip(f"not installed: {', '.join(MISSING)} (scripts/setup.sh installs them as root)")
    return guest_image.build_tiny_guest(request.config.cache.mkdir("stacklab-tiny-guest"))


@pytest.fixture(scope="module")
def vm_cloud(tiny: guest_image.TinyGuest) -> Iterator[LiveCloud]:
    """`stacklab up --compute libvirt` in a short temporary directory (unix socket paths are short), with the
    tiny guest already built under its data directory, as `stacklab image build-tiny` leaves it."""
    base = Path(tempfile.mkdtemp(prefix="sl-"))
    data_dir = base / "lab"
    shutil.copytree(tiny.kernel.parent, guest_image.default_cache_dir(data_dir) / tiny.kernel.parent.name)
    lab = start_live_cloud(data_dir, extra_env={
        "STACKLAB_COMPUTE_DRIVER": "libvirt", "STACKLAB_LIBVIRT_URI": "qemu:///system",
        "STACKLAB_BOOT_SECONDS": "0", "STACKLAB_BOOT_TIMEOUT": "240"})
    try:
        yield lab
    finally:
        lab.stop()
        shutil.rmtree(base, ignore_errors=True)


def hypervisor(lab: LiveCloud) -> libvirt.virConnect:
    """A connection to the libvirtd the cloud uses (its private one when it started one)."""
    sock = lab.data_dir / "compute-libvirt" / "libvirtd" / "run" / "libvirt-sock"
    return libvirt.open(f"qemu:///system?socket={sock}" if sock.exists() else "qemu:///system")


def test_boot_console_volume_and_delete_through_the_cloud(vm_cloud: LiveCloud, unique: Callable[[str], str],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    lab = vm_cloud
    log = (lab.data_dir.parent / f"stacklab-{lab.url.rsplit(':', 1)[1]}.log").read_text()
    assert "Compute: libvirt at qemu:///system:" in log
    assert "Images: cirros boots the tiny guest" in log

    def cli(*args: str) -> str:
        return lab.openstack(*args, user="demo").stdout

    name = unique("vm")
    started = time.monotonic()
    server = json.loads(cli("server", "create", "--image", "cirros", "--flavor", "m1.nano", "--wait",
                            "-f", "json", name))
    boot_seconds = time.monotonic() - started
    with capsys.disabled():
        print(f"\nboot to ACTIVE through the cloud (server create --wait): {boot_seconds:.1f} s")
    server_id = server["id"]
    assert server["status"] == "ACTIVE", server
    console = cli("console", "log", "show", server_id)
    assert f"{guest_image.READY_MARKER} hostname=" in console, console

    conn = hypervisor(lab)
    try:
        assert conn.lookupByName(libvirt_xml.domain_name(server_id)).isActive()
        instance_dir = lab.data_dir / "compute-libvirt" / "instances" / server_id
        assert instance_dir.is_dir()

        volume = json.loads(cli("volume", "create", "--size", "1", "-f", "json", unique("vol")))
        volume_id = volume["id"]
        assert wait_for(lambda: cli("volume", "show", "-f", "value", "-c", "status", volume_id).strip()
                        == "available", 60)
        cli("server", "add", "volume", server_id, volume_id)
        added = f"serial={volume_id[:20]}"  # virtio-blk serials hold 20 bytes

        def reported(marker: str) -> bool:
            return any(marker in line and added in line
                       for line in cli("console", "log", "show", server_id).splitlines())

        assert wait_for(lambda: reported(guest_image.DISK_ADDED_MARKER), GUEST_TIMEOUT), \
            cli("console", "log", "show", server_id)
        assert cli("volume", "show", "-f", "value", "-c", "status", volume_id).strip() == "in-use"

        cli("server", "remove", "volume", server_id, volume_id)
        assert wait_for(lambda: guest_image.DISK_REMOVED_MARKER in cli("console", "log", "show", server_id),
                        GUEST_TIMEOUT), cli("console", "log", "show", server_id)
        assert wait_for(lambda: cli("volume", "show", "-f", "value", "-c", "status", volume_id).strip()
                        == "available", 60)

        cli("server", "delete", "--wait", server_id)
        gone = lab.openstack("server", "show", server_id, user="demo", check=False)
        assert gone.returncode != 0 and f"No Server found for {server_id}" in gone.stderr, gone.stderr
        assert wait_for(lambda: libvirt_xml.domain_name(server_id) not in
                        [d.name() for d in conn.listAllDomains()], 60)
        assert not instance_dir.exists()
        cli("volume", "delete", volume_id)
    finally:
        conn.close()


def console_page_url(lab: LiveCloud, server_id: str, kind: str) -> str:
    """What `openstack console url show --<kind>` answers: the console page on the lab's own port."""
    url = str(json.loads(lab.openstack("console", "url", "show", f"--{kind}", "-f", "json", server_id,
                                       user="demo").stdout)["url"])
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == lab.url and parts.path == "/compute/console", url
    return url


def socket_url(page_url: str, name: str) -> str:
    """The websocket the page opens (`name`: ws for the serial terminal, vnc for noVNC), with its token."""
    parts = urlsplit(page_url)
    return f"ws://{parts.netloc}{parts.path}/{name}?{parts.query}"


def test_the_browser_consoles_reach_the_real_guest(vm_cloud: LiveCloud, unique: Callable[[str], str],
                                                    tmp_path: Path) -> None:
    """Through the lab's own port: the serial websocket is the guest's shell (typed keys echo, commands
    answer), and the VNC websocket relays QEMU's own RFB greeting; the novnc page is noVNC's screen."""
    from websockets.sync.client import connect

    lab = vm_cloud
    server = json.loads(lab.openstack("server", "create", "--image", "cirros", "--flavor", "m1.nano", "--wait",
                                      "-f", "json", unique("con"), user="demo").stdout)
    assert server["status"] == "ACTIVE", server
    try:
        with connect(socket_url(console_page_url(lab, server["id"], "serial"), "ws"), open_timeout=30) as ws:
            greeting = ws.recv(timeout=30)
            assert isinstance(greeting, str) and guest_image.READY_MARKER in greeting  # the recent log
            ws.send("echo $((6*7))-through-the-lab\r")
            got = ""
            deadline = time.monotonic() + GUEST_TIMEOUT
            while "42-through-the-lab\r\n" not in got and time.monotonic() < deadline:
                got += str(ws.recv(timeout=GUEST_TIMEOUT))
            assert "echo $((6*7))-through-the-lab\r\n42-through-the-lab\r\n" in got, got
        novnc = console_page_url(lab, server["id"], "novnc")
        with connect(socket_url(novnc, "vnc"), open_timeout=30) as ws:
            assert ws.recv(timeout=30) == b"RFB 003.008\n"  # QEMU's own VNC greeting, relayed as binary
        page = httpx.get(novnc, timeout=30)
        assert page.status_code == 200
        if consoles.novnc_installed():  # vendored by scripts/setup.sh: the page is noVNC's screen
            assert "console/static/novnc/core/rfb.js" in page.text and "console/vnc" in page.text
            in_a_browser(lab, server["id"], tmp_path)
    finally:
        lab.openstack("server", "delete", "--wait", server["id"], user="demo")


def in_a_browser(lab: LiveCloud, server_id: str, tmp_path: Path) -> None:
    """Headless Chromium: noVNC's modules load, its RFB handshake with QEMU completes through the lab's relay
    (noVNC says `connect` only after the server's init message) and it draws the guest's screen; xterm.js on
    the serial page types into the guest's shell."""
    from tests.dashboard.browser import Browser

    browser = Browser(lab.url, tmp_path / "shots")
    try:
        browser.driver.get(console_page_url(lab, server_id, "novnc"))
        status = "return document.getElementById('status').textContent;"
        browser.until(lambda: browser.driver.execute_script(status) == "connected (VNC)", "noVNC's connect")
        canvas = "const c = document.querySelector('#screen canvas'); return c ? [c.width, c.height] : null;"
        width, height = browser.driver.execute_script(canvas)
        assert width >= 640 and height >= 400, (width, height)  # the guest's display size (VGA text mode)

        browser.driver.get(console_page_url(lab, server_id, "serial"))
        rows = "const r = document.querySelector('.xterm-rows'); return r ? r.innerText : '';"
        browser.until(lambda: guest_image.READY_MARKER in browser.driver.execute_script(rows), "the recent log")
        browser.driver.find_element("css selector", ".xterm-helper-textarea").send_keys(
            "echo $((6*7))-in-the-browser\n")
        browser.until(lambda: "\n42-in-the-browser" in browser.driver.execute_script(rows), "the shell's answer")
    finally:
        browser.close()
