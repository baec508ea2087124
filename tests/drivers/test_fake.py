"""The fake compute driver: guests as JSON files that survive a restart, a plausible console, power states,
disks, resize, failure injection, and the contract's idempotency rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from lab.cloud.drivers.base import DiskSpec, DriverError, GuestNotFound, GuestSpec, ImageSpec, NicSpec, PowerState
from lab.cloud.drivers.fake import FakeComputeDriver, key_fingerprint


def public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def spec(server_id: str = "s1", **overrides: object) -> GuestSpec:
    values: dict = dict(server_id=server_id, name="web 1", hostname="web-1", vcpus=2, ram_mb=1024, disk_gb=10,
                        image=ImageSpec(id="img", name="cirros", path=None),
                        nics=(NicSpec(port_id="p1", mac_address="fa:16:3e:00:00:01", ip_addresses=("10.0.0.5",),
                                      network_id="n1"),),
                        key_name="k1", public_key=public_key())
    values.update(overrides)
    return GuestSpec(**values)


@pytest.fixture
def driver(tmp_path: Path) -> FakeComputeDriver:
    d = FakeComputeDriver(tmp_path / "fake")
    d.start()
    return d


def test_spawn_makes_a_running_guest_with_a_plausible_console(driver: FakeComputeDriver) -> None:
    guest = spec()
    driver.spawn(guest)
    info = driver.get_info("s1")
    assert (info.power_state, info.vcpus, info.ram_mb) == (PowerState.RUNNING, 2, 1024)
    assert driver.is_ready("s1")
    console = driver.console_output("s1")
    assert "Linux version" in console and "web-1 login:" in console
    assert "10.0.0.5" in console and "fa:16:3e:00:00:01" in console
    assert key_fingerprint(guest.public_key or "") in console


def test_console_length_gives_the_last_lines(driver: FakeComputeDriver) -> None:
    driver.spawn(spec())
    full = driver.console_output("s1").splitlines()
    assert driver.console_output("s1", 3).splitlines() == full[-3:]
    assert driver.console_output("s1", 0) == ""


def test_guests_survive_a_new_driver_on_the_same_directory(tmp_path: Path) -> None:
    first = FakeComputeDriver(tmp_path / "fake")
    first.spawn(spec())
    first.power_off("s1")
    first.close()
    second = FakeComputeDriver(tmp_path / "fake")
    assert second.list_guests() == ["s1"]
    assert second.get_info("s1").power_state is PowerState.SHUTDOWN


def test_power_cycle_and_reboot(driver: FakeComputeDriver) -> None:
    driver.spawn(spec())
    driver.power_off("s1")
    driver.power_off("s1")  # already off: stays off
    assert driver.get_info("s1").power_state is PowerState.SHUTDOWN
    driver.power_on("s1")
    driver.power_on("s1")
    assert driver.get_info("s1").power_state is PowerState.RUNNING
    before = driver.console_output("s1").count("login:")
    driver.reboot("s1")
    driver.reboot("s1", hard=True)
    assert driver.console_output("s1").count("login:") == before + 2
    assert "reboot: Restarting system" in driver.console_output("s1")


def test_spawn_twice_keeps_the_guest_and_powers_it_on(driver: FakeComputeDriver) -> None:
    driver.spawn(spec())
    driver.power_off("s1")
    driver.spawn(spec())
    assert driver.get_info("s1").power_state is PowerState.RUNNING
    assert driver.list_guests() == ["s1"]


def test_destroy_is_idempotent(driver: FakeComputeDriver) -> None:
    driver.spawn(spec())
    driver.destroy("s1")
    driver.destroy("s1")
    assert driver.list_guests() == []
    with pytest.raises(GuestNotFound):
        driver.get_info("s1")
    with pytest.raises(GuestNotFound):
        driver.console_output("s1")


def test_attach_and_detach_disks(driver: FakeComputeDriver, tmp_path: Path) -> None:
    driver.spawn(spec())
    driver.attach_disk("s1", DiskSpec(volume_id="v1", path=tmp_path / "v1.raw", device="vdb"))
    assert driver.disks("s1") == {"v1": {"device": "vdb", "path": str(tmp_path / "v1.raw"), "format": "raw"}}
    driver.detach_disk("s1", "v1")
    driver.detach_disk("s1", "v1")  # not attached: still fine
    with pytest.raises(GuestNotFound):  # no such guest: the contract's GuestNotFound (compute tolerates it)
        driver.detach_disk("missing", "v1")
    assert driver.disks("s1") == {}


def test_resize_changes_the_size_but_never_shrinks_the_disk(driver: FakeComputeDriver) -> None:
    driver.spawn(spec())
    driver.resize("s1", 4, 4096, 5)
    info = driver.get_info("s1")
    assert (info.vcpus, info.ram_mb) == (4, 4096)
    with pytest.raises(GuestNotFound):
        driver.resize("missing", 1, 1, 1)


def test_failure_injection_through_metadata(driver: FakeComputeDriver) -> None:
    with pytest.raises(DriverError, match="Simulated failure of spawn"):
        driver.spawn(spec("bad", metadata={"stacklab:fake_fail": "spawn"}))
    assert driver.list_guests() == []
    driver.spawn(spec("flaky", metadata={"stacklab:fake_fail": "reboot, power_on"}))
    with pytest.raises(DriverError):
        driver.reboot("flaky")
    driver.power_off("flaky")
    with pytest.raises(DriverError):
        driver.power_on("flaky")


def test_host_info_reports_capacity(driver: FakeComputeDriver) -> None:
    host = driver.host_info()
    assert host.hypervisor_type == "fake" and host.vcpus > 0 and host.memory_mb > 0 and host.local_gb > 0


def test_no_key_says_so_on_the_console(driver: FakeComputeDriver) -> None:
    driver.spawn(spec(key_name=None, public_key=None, nics=()))
    assert "no authorized SSH keys" in driver.console_output("s1")
