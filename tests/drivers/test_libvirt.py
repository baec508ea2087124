"""What the libvirt driver adds to the contract: the domain it defines, recognising its own domains, disks by
serial, readiness from the console marker, and errors, on libvirt's test driver (no daemon, no root)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libvirt
import pytest

from lab.cloud.drivers import load_driver
from lab.cloud.drivers.base import DiskSpec, DriverError, GuestNotFound, GuestSpec, ImageSpec, NicSpec, PowerState
from lab.cloud.guest_image import tiny_guest_properties
from lab.config import Settings

SID = "3b8a1f2e-7c6d-4e5f-8a9b-0c1d2e3f4a5b"
VOL = "d2e3f4a5-b6c7-4d8e-9f01-23456789abcd"


@pytest.fixture
def driver(make_driver: Callable[..., Any]) -> Any:
    return make_driver("libvirt")


def tiny_spec(**changes: Any) -> GuestSpec:
    image = ImageSpec(id="img-tiny", name="tiny", path=None,
                      properties=tiny_guest_properties(Path("/k/vmlinux"), Path("/k/initrd.img")))
    values: dict[str, Any] = dict(server_id=SID, name="web 1", hostname="web-1", vcpus=2, ram_mb=192, disk_gb=1,
                                  image=image)
    values.update(changes)
    return GuestSpec(**values)


def domain(driver: Any, server_id: str = SID) -> ET.Element:
    dom = driver.conn.lookupByName(f"stacklab-{server_id}")
    return ET.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))


def test_direct_kernel_boot_domain(driver: Any) -> None:
    """A kernel image boots directly: kernel, initrd, command line with the hostname, TCG, ACPI, a pty serial
    line logged to a file, a VNC display on the loopback only."""
    driver.spawn(tiny_spec())
    root = domain(driver)
    assert root.get("type") == "qemu"
    assert root.findtext("os/kernel") == "/k/vmlinux"
    assert root.findtext("os/initrd") == "/k/initrd.img"
    assert root.findtext("os/cmdline") == "console=ttyS0 quiet panic=-1 stacklab.hostname=web-1"
    assert root.find("features/acpi") is not None
    assert root.findtext("vcpu") == "2"
    assert int(root.findtext("memory") or 0) == 192 * 1024
    serial = root.find("devices/serial")
    assert serial is not None and serial.get("type") == "pty"  # libvirt's console stream needs a pty
    log = serial.find("log")
    assert log is not None and log.get("file") == str(driver.data_dir / "instances" / SID / "console.log")
    graphics = root.find("devices/graphics")
    assert graphics is not None and graphics.get("type") == "vnc" and graphics.get("autoport") == "yes"
    assert graphics.get("listen") == "127.0.0.1"


def test_disk_boot_domain(driver: Any, tmp_path: Path) -> None:
    """An image without kernel properties boots from a copy-on-write root disk (vda) through the BIOS."""
    image = ImageSpec(id="img-1", name="cirros", path=tmp_path / "cirros.qcow2", disk_format="qcow2")
    driver.spawn(tiny_spec(image=image))
    root = domain(driver)
    assert root.find("os/kernel") is None
    disk = root.find("devices/disk")
    assert disk is not None and disk.find("serial") is None
    assert disk.find("source").get("file") == str(driver.data_dir / "instances" / SID / "disk.qcow2")  # type: ignore[union-attr]
    assert disk.find("target").get("dev") == "vda"  # type: ignore[union-attr]


def test_nics_bridge_or_user_mode(driver: Any) -> None:
    """A NIC on a bridge the network driver made plugs a tap into it; one without is user-mode networking."""
    nics = (NicSpec(port_id="a1b2c3d4-0000", mac_address="fa:16:3e:aa:00:01", bridge="brq-net1", mtu=1450),
            NicSpec(port_id="e5f6", mac_address="fa:16:3e:aa:00:02"))
    driver.spawn(tiny_spec(nics=nics))
    bridge, user = domain(driver).findall("devices/interface")
    assert (bridge.get("type"), bridge.find("source").get("bridge")) == ("bridge", "brq-net1")  # type: ignore[union-attr]
    assert bridge.find("mac").get("address") == "fa:16:3e:aa:00:01"  # type: ignore[union-attr]
    assert bridge.find("mtu").get("size") == "1450"  # type: ignore[union-attr]
    assert user.get("type") == "user"
    assert user.find("model").get("type") == "virtio"  # type: ignore[union-attr]


def test_volume_serial_is_the_volume_id(driver: Any) -> None:
    """A volume's disk carries the volume id as its serial, so the guest can tell its disks apart."""
    driver.spawn(tiny_spec(disks=(DiskSpec(volume_id=VOL, path=Path("/v/vol"), device="vdb"),)))
    disk = domain(driver).find("devices/disk")
    assert disk is not None and disk.findtext("serial") == VOL
    assert driver.attached_volumes(SID) == {VOL: "vdb"}


def test_attach_redefines_on_the_test_driver(driver: Any) -> None:
    """Without hot-plug (test driver) attach rewrites the definition; a taken device name moves to the next."""
    assert driver.capabilities["live_attach"] is False
    driver.spawn(tiny_spec(disks=(DiskSpec(volume_id=VOL, path=Path("/v/1"), device="vdb"),)))
    other = "e3f4a5b6-c7d8-4e9f-8012-3456789abcde"
    driver.attach_disk(SID, DiskSpec(volume_id=other, path=Path("/v/2"), device="vdb"))
    assert driver.attached_volumes(SID) == {VOL: "vdb", other: "vdc"}
    assert driver.get_info(SID).power_state is PowerState.RUNNING


def test_list_guests_ignores_domains_stacklab_did_not_make(driver: Any) -> None:
    """A foreign domain, even one named like ours but without StackLab's metadata, is never listed."""
    for name in ("someone-elses-vm", "stacklab-handmade"):
        driver.conn.defineXML(f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
                              "<os><type arch='x86_64'>hvm</type></os></domain>")
    driver.spawn(tiny_spec())
    assert driver.list_guests() == [SID]
    driver.destroy("handmade")
    assert len(driver.conn.listAllDomains()) == 3


def test_destroy_removes_the_instance_files(driver: Any) -> None:
    """destroy removes the guest's directory (console log, overlay)."""
    driver.spawn(tiny_spec())
    files = driver.data_dir / "instances" / SID
    (files / "console.log").write_text("boot\n")
    driver.destroy(SID)
    assert not files.exists()


def test_ready_means_running_on_the_test_driver(driver: Any) -> None:
    """Nothing boots on the test driver, so a guest is ready as soon as it runs, marker or not."""
    driver.spawn(tiny_spec())
    assert driver.is_ready(SID)
    driver.power_off(SID)
    assert not driver.is_ready(SID)


def test_ready_waits_for_a_fresh_marker(driver: Any) -> None:
    """With a real console, ready means the marker appeared after the latest start, not in an earlier boot."""
    driver.capabilities["real_console"] = True  # as on qemu:///system; here we play the guest's console
    driver.spawn(tiny_spec())
    console = driver.data_dir / "instances" / SID / "console.log"
    assert not driver.is_ready(SID)
    console.write_text("Linux version 6.1\r\nSTACKLAB-GUEST-UP hostname=web-1 addresses=10.0.2.15/24\r\n")
    assert driver.is_ready(SID)
    driver.reboot(SID, hard=True)
    assert not driver.is_ready(SID)
    with console.open("a") as f:
        f.write("STACKLAB-GUEST-UP hostname=web-1 addresses=10.0.2.15/24\r\n")
    assert driver.is_ready(SID)


def test_console_output_plain_lines(driver: Any) -> None:
    """console_output turns CR LF into lines, drops terminal escapes, and `length` keeps the last lines."""
    driver.spawn(tiny_spec())
    console = driver.data_dir / "instances" / SID / "console.log"
    console.write_bytes(b"one\r\ntwo\r\n/ # \x1b[6nthree\r\n")
    assert driver.console_output(SID) == "one\ntwo\n/ # three\n"
    assert driver.console_output(SID, length=2) == "two\n/ # three"


def test_virt_type_and_description(driver: Any) -> None:
    """The test driver emulates; `describe` says where and how, for `stacklab up`."""
    assert driver.virt_type == "qemu"
    assert driver.describe() == f"libvirt at {driver.uri}: QEMU software emulation (TCG)"
    assert driver.daemon is None


def test_uri_comes_from_settings(tmp_path: Path) -> None:
    """Without a uri option the driver uses settings.libvirt_uri (default qemu:///system)."""
    assert Settings().libvirt_uri == "qemu:///system"
    node = tmp_path / "n.xml"
    node.write_text("<node/>")
    drv = load_driver("compute", "libvirt", Settings(data_dir=tmp_path / "lab", libvirt_uri=f"test://{node}"))
    assert drv.uri == f"test://{node}"


def test_unreachable_libvirt_is_a_driver_error(tmp_path: Path) -> None:
    """A URI libvirt cannot open fails at start with a DriverError naming the URI."""
    drv = load_driver("compute", "libvirt", Settings(data_dir=tmp_path / "lab"),
                      uri=f"test://{tmp_path}/missing.xml")
    with pytest.raises(DriverError, match="cannot connect to libvirt at test://.*missing.xml"):
        drv.start()


def test_a_bad_definition_is_a_driver_error(driver: Any) -> None:
    """libvirt's refusal (here: zero vCPUs) reaches the caller as a DriverError, and no guest is left."""
    with pytest.raises(DriverError):
        driver.spawn(tiny_spec(vcpus=0))
    assert driver.list_guests() == []


def test_forced_virt_type_is_used(make_driver: Callable[..., Any]) -> None:
    """`virt_type="kvm"` (a host known to have working KVM) skips the probe and defines KVM domains."""
    drv = make_driver("libvirt", virt_type="kvm")
    drv.spawn(tiny_spec())
    assert domain(drv).get("type") == "kvm"
    assert drv.describe().endswith("KVM hardware virtualisation")


def test_no_interactive_console_and_no_vnc_on_the_test_driver(driver: Any) -> None:
    """libvirt's test driver cannot open console streams (virDomainOpenConsole is not supported there) and
    starts no QEMU: open_serial is None (the websocket shows the log read-only), vnc_address None."""
    driver.spawn(tiny_spec())
    with pytest.raises(libvirt.libvirtError, match="not supported"):
        dom = driver.conn.lookupByName(f"stacklab-{SID}")
        dom.openConsole(None, driver.conn.newStream(0), 0)
    assert driver.open_serial(SID) is None
    assert driver.vnc_address(SID) is None
    with pytest.raises(GuestNotFound):
        driver.open_serial("no-such-server")


def test_vnc_address_is_read_from_the_live_definition() -> None:
    from lab.cloud.drivers import libvirt_xml

    live = ("<domain><devices><graphics type='spice' port='5901'/>"
            "<graphics type='vnc' port='5903' autoport='yes' listen='127.0.0.1'/></devices></domain>")
    assert libvirt_xml.vnc_address(live) == ("127.0.0.1", 5903)
    assert libvirt_xml.vnc_address(live.replace("5903", "-1")) is None  # not started: no port yet
    assert libvirt_xml.vnc_address("<domain><devices/></domain>") is None
