"""The compute driver contract (lab/cloud/drivers/base.py), checked over every driver that is importable:
`fake` (when lab.cloud.drivers.fake exists) and `libvirt` on libvirt's test driver (a fresh node per test).
Each test is one post-condition from base.py's docstrings; `capabilities` say where a driver may differ."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lab.cloud.drivers.base import (
    DiskSpec,
    GuestNotFound,
    GuestSpec,
    GuestStats,
    ImageSpec,
    NicSpec,
    PowerState,
    SerialSession,
)


def _drivers() -> list[str]:
    names = ["libvirt"]  # always: scripts/setup.sh installs libvirt-python, so an import error must fail
    if importlib.util.find_spec("lab.cloud.drivers.fake") is not None:
        names.insert(0, "fake")
    return names


@pytest.fixture(params=_drivers())
def driver(request: pytest.FixtureRequest, make_driver: Callable[..., Any]) -> Any:
    return make_driver(request.param)


def spec(server_id: str = "6f1c1b32-0d7e-4c1e-9d54-1e0f8a0b0001", **changes: Any) -> GuestSpec:
    values: dict[str, Any] = dict(
        server_id=server_id, name="vm1", hostname="vm1", vcpus=1, ram_mb=128, disk_gb=1,
        image=ImageSpec(id="img-1", name="tiny", path=None, properties={}),
        nics=(NicSpec(port_id="port-1", mac_address="fa:16:3e:00:00:01", ip_addresses=("10.0.0.5",)),))
    values.update(changes)
    return GuestSpec(**values)


def volume(volume_id: str = "0d5e6f1a-2b3c-4d5e-8f90-aabbccddeeff", device: str = "vdb") -> DiskSpec:
    return DiskSpec(volume_id=volume_id, path=Path("/nonexistent/volumes") / volume_id, device=device)


def wait_ready(driver: Any, server_id: str) -> bool:
    """Bounded wait for is_ready (drivers may take a moment to boot)."""
    for _ in range(100):
        if driver.is_ready(server_id):
            return True
        time.sleep(0.05)
    return False


def state(driver: Any, server_id: str) -> PowerState:
    return driver.get_info(server_id).power_state  # type: ignore[no-any-return]


def test_spawn_runs_the_guest_with_its_size(driver: Any) -> None:
    """spawn makes a RUNNING guest with the flavor's vCPUs and RAM, and it becomes ready."""
    driver.spawn(spec(vcpus=2, ram_mb=256))
    info = driver.get_info(spec().server_id)
    assert (info.power_state, info.vcpus, info.ram_mb) == (PowerState.RUNNING, 2, 256)
    assert wait_ready(driver, spec().server_id)


def test_spawn_is_idempotent(driver: Any) -> None:
    """A second spawn of the same guest leaves it as it is and running; there is still one guest."""
    driver.spawn(spec())
    driver.spawn(spec())
    assert driver.list_guests() == [spec().server_id]
    assert state(driver, spec().server_id) is PowerState.RUNNING


def test_spawn_of_a_stopped_guest_powers_it_on(driver: Any) -> None:
    """spawn of a guest that exists but is off powers it on."""
    driver.spawn(spec())
    driver.power_off(spec().server_id)
    driver.spawn(spec())
    assert state(driver, spec().server_id) is PowerState.RUNNING


def test_destroy_removes_the_guest(driver: Any) -> None:
    """After destroy the guest is unknown and no longer listed."""
    driver.spawn(spec())
    driver.destroy(spec().server_id)
    assert driver.list_guests() == []
    with pytest.raises(GuestNotFound):
        driver.get_info(spec().server_id)


def test_destroy_of_an_unknown_guest_succeeds(driver: Any) -> None:
    """destroy succeeds for a guest that does not exist, and twice in a row."""
    driver.destroy("7a0c4e55-5f7b-4a4e-b0c2-000000000000")
    driver.spawn(spec())
    driver.destroy(spec().server_id)
    driver.destroy(spec().server_id)
    assert driver.list_guests() == []


def test_destroy_of_a_stopped_guest(driver: Any) -> None:
    """A guest that is off is destroyed too."""
    driver.spawn(spec())
    driver.power_off(spec().server_id)
    driver.destroy(spec().server_id)
    assert driver.list_guests() == []


def test_power_off_and_on(driver: Any) -> None:
    """power_off -> SHUTDOWN (twice is fine); power_on -> RUNNING (twice is fine)."""
    driver.spawn(spec())
    driver.power_off(spec().server_id)
    assert state(driver, spec().server_id) is PowerState.SHUTDOWN
    assert not driver.is_ready(spec().server_id)
    driver.power_off(spec().server_id)
    assert state(driver, spec().server_id) is PowerState.SHUTDOWN
    driver.power_on(spec().server_id)
    assert state(driver, spec().server_id) is PowerState.RUNNING
    driver.power_on(spec().server_id)
    assert state(driver, spec().server_id) is PowerState.RUNNING
    assert wait_ready(driver, spec().server_id)


@pytest.mark.parametrize("hard", [False, True])
def test_reboot_leaves_the_guest_running(driver: Any, hard: bool) -> None:
    """Soft and hard reboot end RUNNING and ready."""
    driver.spawn(spec())
    driver.reboot(spec().server_id, hard=hard)
    assert state(driver, spec().server_id) is PowerState.RUNNING
    assert wait_ready(driver, spec().server_id)


def test_reboot_of_a_stopped_guest_starts_it(driver: Any) -> None:
    """A hard reboot of a guest that is off leaves it RUNNING (Nova allows it for SHUTOFF servers)."""
    driver.spawn(spec())
    driver.power_off(spec().server_id)
    driver.reboot(spec().server_id, hard=True)
    assert state(driver, spec().server_id) is PowerState.RUNNING


def test_console_output_is_text_and_length_limits_lines(driver: Any) -> None:
    """console_output returns text; with `length` at most that many lines."""
    driver.spawn(spec())
    wait_ready(driver, spec().server_id)
    full = driver.console_output(spec().server_id)
    assert isinstance(full, str)
    last = driver.console_output(spec().server_id, length=1)
    assert len(last.splitlines()) <= 1
    assert full.rstrip("\n").endswith(last.rstrip("\n"))


def test_open_serial_is_a_session_or_none(driver: Any) -> None:
    """open_serial gives an interactive session (its greeting is text, feeding it answers text) or None."""
    driver.spawn(spec())
    wait_ready(driver, spec().server_id)
    session = driver.open_serial(spec().server_id)
    if session is not None:
        assert isinstance(session, SerialSession)
        assert isinstance(session.greeting(), str) and isinstance(session.feed("x"), str)
        if session.streaming:
            assert isinstance(session.read(0.1), str | None)
        session.close()
        session.close()  # idempotent


def test_vnc_address_is_a_loopback_port_or_none(driver: Any) -> None:
    """vnc_address is None (no display: the page stays the serial terminal) or a (host, port) to relay."""
    driver.spawn(spec())
    wait_ready(driver, spec().server_id)
    address = driver.vnc_address(spec().server_id)
    if address is not None:
        host, port = address
        assert isinstance(host, str) and 0 < port < 65536


def test_list_guests_lists_every_guest_made(driver: Any) -> None:
    """list_guests returns exactly the server ids of the guests this driver made."""
    ids = ["6f1c1b32-0d7e-4c1e-9d54-1e0f8a0b0002", "6f1c1b32-0d7e-4c1e-9d54-1e0f8a0b0003"]
    assert driver.list_guests() == []
    for server_id in ids:
        driver.spawn(spec(server_id, name=server_id[-4:], hostname=server_id[-4:]))
    assert sorted(driver.list_guests()) == ids


def test_attach_and_detach_a_disk(driver: Any) -> None:
    """attach_disk then detach_disk; both are repeatable; a driver that lists volumes shows the change."""
    driver.spawn(spec())
    sid, vol = spec().server_id, volume()
    driver.attach_disk(sid, vol)
    driver.attach_disk(sid, vol)
    if hasattr(driver, "attached_volumes"):
        assert list(driver.attached_volumes(sid)) == [vol.volume_id]
    driver.detach_disk(sid, vol.volume_id)
    driver.detach_disk(sid, vol.volume_id)
    if hasattr(driver, "attached_volumes"):
        assert driver.attached_volumes(sid) == {}
    assert state(driver, sid) is PowerState.RUNNING


def test_detach_of_a_disk_never_attached_succeeds(driver: Any) -> None:
    """detach_disk succeeds when the volume is not attached."""
    driver.spawn(spec())
    driver.detach_disk(spec().server_id, "0d5e6f1a-2b3c-4d5e-8f90-000000000000")
    assert state(driver, spec().server_id) is PowerState.RUNNING


def test_attach_to_a_stopped_guest(driver: Any) -> None:
    """A disk attached while the guest is off is there after power_on."""
    driver.spawn(spec())
    driver.power_off(spec().server_id)
    driver.attach_disk(spec().server_id, volume())
    driver.power_on(spec().server_id)
    if hasattr(driver, "attached_volumes"):
        assert list(driver.attached_volumes(spec().server_id)) == [volume().volume_id]
    assert state(driver, spec().server_id) is PowerState.RUNNING


def test_spawn_with_disks(driver: Any) -> None:
    """Disks in the spec are attached from the start."""
    driver.spawn(spec(disks=(volume(),)))
    if hasattr(driver, "attached_volumes"):
        assert list(driver.attached_volumes(spec().server_id)) == [volume().volume_id]
    assert state(driver, spec().server_id) is PowerState.RUNNING


def test_resize_cold(driver: Any) -> None:
    """Power off, resize, power on: the guest has the new vCPUs and RAM."""
    if not driver.capabilities.get("resize", True):
        pytest.skip(f"{driver.name} declares it cannot resize")
    driver.spawn(spec())
    driver.power_off(spec().server_id)
    driver.resize(spec().server_id, 2, 256, 2)
    driver.power_on(spec().server_id)
    info = driver.get_info(spec().server_id)
    assert (info.power_state, info.vcpus, info.ram_mb) == (PowerState.RUNNING, 2, 256)


def test_guest_stats(driver: Any) -> None:
    """guest_stats returns counters (never negative)."""
    driver.spawn(spec())
    stats = driver.guest_stats(spec().server_id)
    assert isinstance(stats, GuestStats)
    assert min(vars(stats).values()) >= 0


UNKNOWN = "9b1d2c3e-0000-4000-8000-000000000000"
CALLS: dict[str, Callable[[Any], Any]] = {
    "get_info": lambda d: d.get_info(UNKNOWN),
    "is_ready": lambda d: d.is_ready(UNKNOWN),
    "power_off": lambda d: d.power_off(UNKNOWN),
    "power_on": lambda d: d.power_on(UNKNOWN),
    "reboot": lambda d: d.reboot(UNKNOWN),
    "reboot_hard": lambda d: d.reboot(UNKNOWN, hard=True),
    "console_output": lambda d: d.console_output(UNKNOWN),
    "open_serial": lambda d: d.open_serial(UNKNOWN),
    "vnc_address": lambda d: d.vnc_address(UNKNOWN),
    "attach_disk": lambda d: d.attach_disk(UNKNOWN, volume()),
    "detach_disk": lambda d: d.detach_disk(UNKNOWN, volume().volume_id),
    "resize": lambda d: d.resize(UNKNOWN, 1, 128, 1),
    "guest_stats": lambda d: d.guest_stats(UNKNOWN),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_unknown_guest_raises_guest_not_found(driver: Any, call: str) -> None:
    """Every method but spawn/destroy/list raises GuestNotFound for an unknown id, and nothing is created."""
    driver.spawn(spec())
    with pytest.raises(GuestNotFound):
        CALLS[call](driver)
    assert driver.list_guests() == [spec().server_id]


# ---------------------------------------------------------------------------------------------- optional methods
def _needs(driver: Any, capability: str) -> None:
    """A capability the driver does not declare is the service's 409, not a contract breach."""
    if not driver.supports(capability):
        pytest.skip(f"{driver.name} declares no {capability} capability")


def test_pause_then_unpause(driver: Any) -> None:
    """pause: PAUSED; unpause: RUNNING again."""
    _needs(driver, "pause")
    driver.spawn(spec())
    driver.pause(spec().server_id)
    assert state(driver, spec().server_id) is PowerState.PAUSED
    driver.unpause(spec().server_id)
    assert state(driver, spec().server_id) is PowerState.RUNNING


def test_suspend_then_resume(driver: Any) -> None:
    """suspend: the guest no longer runs (SUSPENDED or SHUTDOWN); resume: RUNNING."""
    _needs(driver, "suspend")
    driver.spawn(spec())
    driver.suspend(spec().server_id)
    assert state(driver, spec().server_id) in (PowerState.SUSPENDED, PowerState.SHUTDOWN)
    driver.resume(spec().server_id)
    assert state(driver, spec().server_id) is PowerState.RUNNING


def test_snapshot_writes_a_copy_and_keeps_the_guest(driver: Any, tmp_path: Path) -> None:
    """snapshot writes a file at `dest` (here: the base image's bytes stand in for a disk of its own) and
    returns its format; the guest keeps running."""
    _needs(driver, "snapshot")
    base = tmp_path / "base.img"
    base.write_bytes(b"\x00" * 4096 + b"cirros")
    driver.spawn(spec(image=ImageSpec(id="img-1", name="tiny", path=base, properties={})))
    dest = tmp_path / "snap.img"
    fmt = driver.snapshot(spec().server_id, ImageSpec(id="img-1", name="tiny", path=base), dest)
    assert fmt in ("raw", "qcow2") and dest.is_file() and dest.stat().st_size > 0
    assert state(driver, spec().server_id) is PowerState.RUNNING


def test_undeclared_capabilities_raise_not_supported(driver: Any) -> None:
    """Every optional method a driver does not declare raises NotSupported and changes nothing."""
    from lab.cloud.drivers.base import NotSupported

    driver.spawn(spec())
    calls = {"pause": lambda: driver.pause(spec().server_id), "suspend": lambda: driver.suspend(spec().server_id),
             "rebuild": lambda: driver.rebuild(spec()),
             "rescue": lambda: driver.rescue(spec().server_id, None, "pw"),
             "set_admin_password": lambda: driver.set_admin_password(spec().server_id, "pw")}
    for capability, call in calls.items():
        if not driver.supports(capability):
            with pytest.raises(NotSupported):
                call()
    assert state(driver, spec().server_id) is PowerState.RUNNING


def test_snapshot_of_an_unknown_guest_raises(driver: Any, tmp_path: Path) -> None:
    _needs(driver, "snapshot")
    with pytest.raises(GuestNotFound):
        driver.snapshot("6f1c1b32-0d7e-4c1e-9d54-1e0f8a0b9999", None, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_diagnostics(driver: Any) -> None:
    """diagnostics: one CPU time per vCPU, the flavor's memory, counters never negative; a NIC is known by its
    MAC when the driver reports NICs."""
    from lab.cloud.drivers.base import GuestDiagnostics

    driver.spawn(spec(vcpus=2, ram_mb=256))
    assert wait_ready(driver, spec().server_id)
    diags = driver.diagnostics(spec().server_id)
    assert isinstance(diags, GuestDiagnostics)
    assert diags.power_state == PowerState.RUNNING
    assert len(diags.vcpu_times_ns) == 2 and min(diags.vcpu_times_ns) >= 0
    assert diags.memory_max_mb == 256
    counters = [v for d in (*diags.disks, *diags.nics) for v in vars(d).values() if isinstance(v, int)]
    assert min(counters, default=0) >= 0
    assert {n.mac_address for n in diags.nics} <= {"fa:16:3e:00:00:01"}
    with pytest.raises(GuestNotFound):
        driver.diagnostics(UNKNOWN)
