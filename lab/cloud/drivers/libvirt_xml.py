"""Domain XML for the libvirt driver: built from a GuestSpec, and edited (disks, size) for redefinition.

A guest is a libvirt domain named `stacklab-<server id>` carrying a `<stacklab:instance>` metadata element
(server id, name, the readiness marker its image prints, its shutdown timeout), so the driver recognises its own
domains and never touches anyone else's. Direct kernel boot when the image has `stacklab_kernel` and
`stacklab_initrd` properties (the tiny guest), otherwise a copy-on-write root disk on the image file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from lab.cloud.drivers.base import DiskSpec, GuestSpec, NicSpec

NS = "https://stacklab.dev/xmlns/libvirt/instance/1"
PREFIX = "stacklab-"
DEFAULT_SHUTDOWN_TIMEOUT = 60.0  # Nova's default grace before a forced power-off
ET.register_namespace("stacklab", NS)


def domain_name(server_id: str) -> str:
    return PREFIX + server_id


@dataclass(frozen=True)
class InstanceFiles:
    """Where a guest's own files live (under the driver's data directory)."""

    root: Path

    @property
    def console(self) -> Path:
        return self.root / "console.log"

    @property
    def disk(self) -> Path:
        return self.root / "disk.qcow2"

    @property
    def boot_offset(self) -> Path:
        # The console's size when the guest was last (re)started: readiness looks only after it.
        return self.root / "boot-offset"


def kernel_boot(spec: GuestSpec) -> tuple[str, str] | None:
    """(kernel, initrd) when the image is booted directly, else None."""
    props = spec.image.properties if spec.image else {}
    kernel, initrd = props.get("stacklab_kernel"), props.get("stacklab_initrd")
    return (str(kernel), str(initrd)) if kernel and initrd else None


def build_domain(spec: GuestSpec, domain_type: str, files: InstanceFiles, root_disk: Path | None) -> str:
    """The persistent definition of the guest for `spec`."""
    props = spec.image.properties if spec.image else {}
    dom = ET.Element("domain", type=domain_type)
    ET.SubElement(dom, "name").text = domain_name(spec.server_id)
    ET.SubElement(dom, "title").text = spec.name
    meta = ET.SubElement(ET.SubElement(dom, "metadata"), f"{{{NS}}}instance")
    for key, value in (("server-id", spec.server_id), ("name", spec.name), ("hostname", spec.hostname),
                       ("image-id", spec.image.id if spec.image else ""),
                       ("ready-marker", str(props.get("stacklab_ready_marker", ""))),
                       ("shutdown-timeout", str(props.get("os_shutdown_timeout", DEFAULT_SHUTDOWN_TIMEOUT)))):
        ET.SubElement(meta, f"{{{NS}}}{key}").text = value
    ET.SubElement(dom, "memory", unit="MiB").text = str(spec.ram_mb)
    ET.SubElement(dom, "currentMemory", unit="MiB").text = str(spec.ram_mb)
    ET.SubElement(dom, "vcpu").text = str(spec.vcpus)
    os_ = ET.SubElement(dom, "os")
    ET.SubElement(os_, "type", arch="x86_64", machine="pc").text = "hvm"
    direct = kernel_boot(spec)
    if direct:
        ET.SubElement(os_, "kernel").text = direct[0]
        ET.SubElement(os_, "initrd").text = direct[1]
        cmdline = str(props.get("os_command_line", "console=ttyS0"))
        ET.SubElement(os_, "cmdline").text = f"{cmdline} stacklab.hostname={spec.hostname}"
    else:
        ET.SubElement(os_, "boot", dev="hd")
    # ACPI: needed for disk hot-unplug (the guest ejects the PCI device) and for a clean shutdown.
    ET.SubElement(ET.SubElement(dom, "features"), "acpi")
    ET.SubElement(dom, "on_poweroff").text = "destroy"
    ET.SubElement(dom, "on_reboot").text = "restart"
    ET.SubElement(dom, "on_crash").text = "destroy"
    devices = ET.SubElement(dom, "devices")
    if root_disk is not None:
        devices.append(disk_element(root_disk, "vda", "qcow2", serial=None))
    for disk in spec.disks:
        devices.append(disk_element(disk.path, disk.device, disk.format, serial=disk.volume_id))
    for nic in spec.nics:
        devices.append(nic_element(nic))
    # The serial line is a pty, so libvirt's console stream (the interactive browser console) can talk to it,
    # and QEMU also logs everything it carries to the console file (console_output and readiness read that).
    for tag in ("serial", "console"):
        chardev = ET.SubElement(devices, tag, type="pty")
        ET.SubElement(chardev, "log", file=str(files.console), append="on")
        target = ET.SubElement(chardev, "target", port="0")
        if tag == "console":
            target.set("type", "serial")
    # A VNC display on the host's loopback only (the lab relays it to the browser through its own port, with
    # the console token); autoport: QEMU takes a free port, read back from the live definition.
    graphics = ET.SubElement(devices, "graphics", type="vnc", port="-1", autoport="yes", listen="127.0.0.1")
    ET.SubElement(graphics, "listen", type="address", address="127.0.0.1")
    ET.SubElement(devices, "memballoon", model="none")
    return ET.tostring(dom, encoding="unicode")


def vnc_address(xml: str) -> tuple[str, int] | None:
    """(host, port) of the VNC display in a running domain's live XML; None without one or before QEMU has
    taken its port (the inactive definition says -1)."""
    graphics = ET.fromstring(xml).find("devices/graphics[@type='vnc']")
    if graphics is None:
        return None
    try:
        port = int(graphics.get("port", "-1"))
    except ValueError:
        return None
    return (graphics.get("listen") or "127.0.0.1", port) if port > 0 else None


def disk_element(path: Path, device: str, fmt: str, serial: str | None) -> ET.Element:
    """A virtio disk; a volume's id goes in `<serial>` (the guest sees its first 20 characters)."""
    disk = ET.Element("disk", type="file", device="disk")
    ET.SubElement(disk, "driver", name="qemu", type=fmt, cache="none" if fmt == "raw" else "writeback")
    ET.SubElement(disk, "source", file=str(path))
    ET.SubElement(disk, "target", dev=device, bus="virtio")
    if serial:
        ET.SubElement(disk, "serial").text = serial
    return disk


def nic_element(nic: NicSpec) -> ET.Element:
    """A bridge port when the network driver made one, else QEMU's user-mode networking (DHCP 10.0.2.15)."""
    iface = ET.Element("interface", type="bridge" if nic.bridge else "user")
    ET.SubElement(iface, "mac", address=nic.mac_address)
    if nic.bridge:
        ET.SubElement(iface, "source", bridge=nic.bridge)
        ET.SubElement(iface, "target", dev=("tap" + nic.port_id)[:14])  # Nova's tap name, 15 chars max
        ET.SubElement(iface, "mtu", size=str(nic.mtu))
    ET.SubElement(iface, "model", type="virtio")
    return iface


def instance_meta(xml: str) -> dict[str, str]:
    """The `<stacklab:instance>` metadata of a domain's XML ({} for a domain StackLab did not make)."""
    root = ET.fromstring(xml)
    meta = root.find(f"metadata/{{{NS}}}instance")
    if meta is None:
        return {}
    return {child.tag.split("}", 1)[1]: child.text or "" for child in meta}


def volume_disks(xml: str) -> dict[str, str]:
    """{volume id (the disk serial): target device} for the disks in a domain's XML."""
    root = ET.fromstring(xml)
    found = {}
    for disk in root.findall("devices/disk"):
        serial, target = disk.findtext("serial"), disk.find("target")
        if serial and target is not None:
            found[serial] = target.get("dev", "")
    return found


def device_targets(xml: str) -> tuple[list[str], list[str]]:
    """(disk target names, interface host device names) in a domain's (live) XML, for statistics."""
    root = ET.fromstring(xml)
    disks = [t.get("dev", "") for t in root.findall("devices/disk/target")]
    nics = [t.get("dev", "") for t in root.findall("devices/interface/target")]
    return [d for d in disks if d], [n for n in nics if n]


def disk_xml_by_serial(xml: str, volume_id: str) -> str | None:
    """The `<disk>` element whose serial is `volume_id`, as XML, or None."""
    for disk in ET.fromstring(xml).findall("devices/disk"):
        if disk.findtext("serial") == volume_id:
            return ET.tostring(disk, encoding="unicode")
    return None


def free_device(xml: str, wanted: str) -> str:
    """`wanted` if no disk uses that target yet, else the first free vdX after vda."""
    used = {t.get("dev") for t in ET.fromstring(xml).findall("devices/disk/target")}
    if wanted not in used:
        return wanted
    for letter in "bcdefghijklmnopqrstuvwxyz":
        if f"vd{letter}" not in used:
            return f"vd{letter}"
    raise ValueError("no free disk name left")


def with_disk(xml: str, disk: DiskSpec) -> str:
    """The domain XML with `disk` added (for redefinition where hot-plug is not available)."""
    root = ET.fromstring(xml)
    devices = root.find("devices")
    assert devices is not None
    devices.append(disk_element(disk.path, free_device(xml, disk.device), disk.format, disk.volume_id))
    return ET.tostring(root, encoding="unicode")


def without_disk(xml: str, volume_id: str) -> str:
    """The domain XML without the disk whose serial is `volume_id`."""
    root = ET.fromstring(xml)
    devices = root.find("devices")
    assert devices is not None
    for disk in devices.findall("disk"):
        if disk.findtext("serial") == volume_id:
            devices.remove(disk)
    return ET.tostring(root, encoding="unicode")


def with_size(xml: str, vcpus: int, ram_mb: int) -> str:
    """The domain XML with a new vCPU count and memory size."""
    root = ET.fromstring(xml)
    for tag in ("memory", "currentMemory"):
        element = root.find(tag)
        if element is None:
            element = ET.SubElement(root, tag)
        element.attrib = {"unit": "MiB"}
        element.text = str(ram_mb)
    vcpu = root.find("vcpu")
    if vcpu is None:
        vcpu = ET.SubElement(root, "vcpu")
    vcpu.attrib.pop("current", None)
    vcpu.text = str(vcpus)
    return ET.tostring(root, encoding="unicode")
