"""A real guest through the libvirt driver: StackLab's own libvirtd, the tiny guest built from Debian packages,
QEMU (TCG here), its serial console, a hot-plugged disk the guest reports, and nothing left after delete.

Needs root (the private libvirtd) and Debian's libvirt-daemon + qemu-system-x86 + qemu-utils, which
scripts/setup.sh installs; the tiny guest's packages are cached in pytest's cache directory between runs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lab.cloud import guest_image
from lab.cloud.drivers import load_driver
from lab.cloud.drivers.base import DiskSpec, GuestSpec, ImageSpec, NicSpec, PowerState
from lab.config import Settings

pytestmark = pytest.mark.root

MISSING = [tool for tool in ("libvirtd", "qemu-system-x86_64", "qemu-img", "apt-get", "dpkg-deb")
           if shutil.which(tool) is None]
SERVER_ID = "5e0b5c8e-8f0e-4b7a-9a51-0000000000b1"
VOLUME_ID = "c0ffee00-1234-4abc-8def-0123456789ab"
BOOT_TIMEOUT = 180.0


def qemu_processes(server_id: str) -> list[int]:
    """Pids of QEMU processes running the guest (libvirt names it guest=stacklab-<id> on the command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"qemu-system" in cmdline and f"stacklab-{server_id}".encode() in cmdline:
                found.append(int(entry.name))
    return found


def wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def tiny(request: pytest.FixtureRequest) -> guest_image.TinyGuest:
    """The tiny guest, built once (apt-get download into pytest's cache, so later runs are offline)."""
    if os.geteuid() != 0:
        pytest.skip("needs root: the test starts a private libvirtd")
    if MISSING:
        pytest.skip(f"not installed: {', '.join(MISSING)} (scripts/setup.sh installs them as root)")
    return guest_image.build_tiny_guest(request.config.cache.mkdir("stacklab-tiny-guest"))


@pytest.fixture
def driver(tiny: guest_image.TinyGuest) -> Iterator[Any]:
    """A libvirt driver on its own private libvirtd, in a short temporary directory (unix sockets are short)."""
    data_dir = Path(tempfile.mkdtemp(prefix="sl-"))
    settings = Settings(data_dir=data_dir, libvirt_uri="qemu:///system")
    drv = load_driver("compute", "libvirt", settings, private_libvirtd=True)
    try:
        drv.start()
        yield drv
    finally:
        try:
            drv.destroy(SERVER_ID)
        finally:
            drv.close()
            shutil.rmtree(data_dir, ignore_errors=True)


def test_tiny_guest_boots_reports_a_hot_plugged_disk_and_leaves_nothing(
        driver: Any, tiny: guest_image.TinyGuest, tmp_path: Path) -> None:
    """Boot (TCG), see the marker, hot-plug a volume and see the guest report it, unplug, delete: nothing left."""
    image = ImageSpec(id="tiny", name="tiny", path=None, properties=tiny.properties)
    spec = GuestSpec(server_id=SERVER_ID, name="vm1", hostname="vm1", vcpus=1, ram_mb=tiny.min_ram_mb, disk_gb=0,
                     image=image, nics=(NicSpec(port_id="p1", mac_address="fa:16:3e:12:34:56"),))
    started = time.monotonic()
    driver.spawn(spec)
    assert driver.get_info(SERVER_ID).power_state is PowerState.RUNNING
    assert wait_for(lambda: driver.is_ready(SERVER_ID), BOOT_TIMEOUT), driver.console_output(SERVER_ID)
    print(f"boot to ready: {time.monotonic() - started:.1f} s under {driver.virt_type}")
    console = driver.console_output(SERVER_ID)
    assert f"{guest_image.READY_MARKER} hostname=vm1 addresses=10.0.2.15/24" in console
    assert driver.virt_type in ("qemu", "kvm")
    stats = driver.guest_stats(SERVER_ID)
    assert stats.cpu_time_ns > 0 and stats.memory_used_mb > 0

    vol = tmp_path / "volume.raw"
    subprocess.run(["qemu-img", "create", "-f", "raw", str(vol), "16M"], check=True, capture_output=True)
    driver.attach_disk(SERVER_ID, DiskSpec(volume_id=VOLUME_ID, path=vol, device="vdb"))
    added = f"{guest_image.DISK_ADDED_MARKER} vda serial={VOLUME_ID[:20]}"  # virtio-blk serials are 20 bytes
    assert wait_for(lambda: added in driver.console_output(SERVER_ID), 60), driver.console_output(SERVER_ID)
    assert driver.attached_volumes(SERVER_ID) == {VOLUME_ID: "vdb"}
    assert driver.guest_stats(SERVER_ID).disk_read_bytes > 0  # the guest probed the new disk

    driver.detach_disk(SERVER_ID, VOLUME_ID)
    removed = f"{guest_image.DISK_REMOVED_MARKER} vda"
    assert wait_for(lambda: removed in driver.console_output(SERVER_ID), 60), driver.console_output(SERVER_ID)
    assert driver.attached_volumes(SERVER_ID) == {}

    driver.reboot(SERVER_ID, hard=True)
    assert wait_for(lambda: driver.is_ready(SERVER_ID), BOOT_TIMEOUT), driver.console_output(SERVER_ID)
    assert driver.console_output(SERVER_ID).count(guest_image.READY_MARKER) == 2

    assert qemu_processes(SERVER_ID)
    driver.destroy(SERVER_ID)
    assert driver.list_guests() == []
    assert not (driver.data_dir / "instances" / SERVER_ID).exists()
    assert wait_for(lambda: not qemu_processes(SERVER_ID), 10)
    assert vol.exists()  # volume files are not the driver's to delete


def test_close_stops_the_private_libvirtd_and_its_guests(driver: Any, tiny: guest_image.TinyGuest) -> None:
    """Closing the driver shuts its guests down and stops its own libvirtd: no QEMU, no daemon left."""
    image = ImageSpec(id="tiny", name="tiny", path=None, properties=tiny.properties)
    driver.spawn(GuestSpec(server_id=SERVER_ID, name="vm1", hostname="vm1", vcpus=1, ram_mb=tiny.min_ram_mb,
                           disk_gb=0, image=image))
    daemon = driver.daemon
    assert daemon is not None and daemon.pid() is not None
    assert qemu_processes(SERVER_ID)
    driver.close()
    assert daemon.pid() is None
    assert wait_for(lambda: not qemu_processes(SERVER_ID), 10)


def test_the_serial_console_is_interactive_and_the_vnc_display_answers(
        driver: Any, tiny: guest_image.TinyGuest) -> None:
    """libvirt's console stream on the guest's pty: the guest's shell answers what is typed, the log file still
    gets every line (readiness reads it), a newer console takes the line over; QEMU's VNC display on the
    loopback greets as an RFB 3.8 server."""
    image = ImageSpec(id="tiny", name="tiny", path=None, properties=tiny.properties)
    driver.spawn(GuestSpec(server_id=SERVER_ID, name="vm1", hostname="vm1", vcpus=1, ram_mb=tiny.min_ram_mb,
                           disk_gb=0, image=image))
    assert wait_for(lambda: driver.is_ready(SERVER_ID), BOOT_TIMEOUT), driver.console_output(SERVER_ID)
    session = driver.open_serial(SERVER_ID)
    assert session is not None and session.streaming
    try:
        assert guest_image.READY_MARKER in session.greeting()  # the recent log, as the terminal's first lines
        session.feed("echo $((6*7))-answer\r")
        got = ""
        deadline = time.monotonic() + 60
        while "42-answer\r\n" not in got and time.monotonic() < deadline:
            got += session.read(0.5) or ""
        assert "echo $((6*7))-answer\r\n42-answer\r\n" in got, got  # the shell's echo, then its answer
        assert "42-answer" in driver.console_output(SERVER_ID)  # the log file still records it

        newer = driver.open_serial(SERVER_ID)  # a second browser tab takes the line over
        assert newer is not None
        try:
            ended = None
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                ended = session.read(0.2)
                if ended is None:
                    break
            assert ended is None  # the older console's line is gone
        finally:
            newer.close()
    finally:
        session.close()

    address = driver.vnc_address(SERVER_ID)
    assert address is not None and address[0] == "127.0.0.1" and address[1] >= 5900
    with socket.create_connection(address, timeout=10) as vnc:
        assert vnc.recv(12) == b"RFB 003.008\n"
