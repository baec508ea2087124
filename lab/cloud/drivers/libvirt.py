"""The libvirt compute driver: guests that really boot, under QEMU (TCG, or KVM where it proves to work).

Each server is one persistent libvirt domain (see libvirt_xml.py), with its files (serial console log, root
disk overlay) in `<data_dir>/instances/<server id>/`. A server is ready once its image's marker line appears on
the serial console after the latest (re)start; an image without a marker is ready when running, as is every
guest on libvirt's test driver (`test:///...`), where nothing boots and nothing prints.

Device hot-plug uses libvirt's live attach/detach; the test driver has none, so there the persistent definition
is rewritten instead (`capabilities["live_attach"]` is False). When the URI is `qemu:///system`, no system
libvirtd runs and StackLab is root, the driver starts a private libvirtd (libvirtd.py) and stops it, with its
guests, on close.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt

from lab.cloud.drivers import libvirt_xml as lx
from lab.cloud.drivers.base import (
    ComputeDriver,
    DiskCounters,
    DiskSpec,
    DriverError,
    GuestDiagnostics,
    GuestInfo,
    GuestNotFound,
    GuestSpec,
    GuestStats,
    ImageSpec,
    NicCounters,
    PowerState,
    SerialSession,
)
from lab.cloud.drivers.libvirt_console import StreamSerial
from lab.cloud.drivers.libvirtd import PrivateLibvirtd, system_libvirtd_running

log = logging.getLogger(__name__)

# libvirt prints every error to stderr unless a handler is registered; errors reach us as exceptions anyway.
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

_STATES = {
    libvirt.VIR_DOMAIN_NOSTATE: PowerState.NOSTATE,
    libvirt.VIR_DOMAIN_RUNNING: PowerState.RUNNING,
    libvirt.VIR_DOMAIN_BLOCKED: PowerState.RUNNING,
    libvirt.VIR_DOMAIN_PAUSED: PowerState.PAUSED,
    libvirt.VIR_DOMAIN_SHUTDOWN: PowerState.RUNNING,  # shutting down, still running
    libvirt.VIR_DOMAIN_SHUTOFF: PowerState.SHUTDOWN,
    libvirt.VIR_DOMAIN_CRASHED: PowerState.CRASHED,
    libvirt.VIR_DOMAIN_PMSUSPENDED: PowerState.SUSPENDED,
}
_POLL = 0.1
_PROBE_ID = "kvm-probe"  # the short-lived guest that tests whether KVM really works


class LibvirtComputeDriver(ComputeDriver):
    """Guests as libvirt domains. Options: `uri` (else settings.libvirt_uri), `virt_type` ("auto", "qemu" or
    "kvm"), `private_libvirtd` (None: when qemu:///system has no daemon and we are root; True: always, even if a
    system libvirtd runs), `detach_timeout` and `probe_timeout` in seconds."""

    name = "libvirt"

    def __init__(self, data_dir: Path, settings: Any = None, uri: str | None = None, virt_type: str = "auto",
                 private_libvirtd: bool | None = None, detach_timeout: float = 30.0, probe_timeout: float = 20.0,
                 **options: Any):
        super().__init__(data_dir)
        self.settings = settings
        self.uri = uri or getattr(settings, "libvirt_uri", None) or "qemu:///system"
        self.is_test = self.uri.startswith("test:")
        # Pause, suspend (a managed save) and snapshot are libvirt's own operations; rebuild, rescue and password
        # changes are not done here (the service answers Nova's 409).
        self.capabilities = {"live_attach": not self.is_test, "real_console": not self.is_test, "resize": True,
                             "pause": True, "suspend": True, "snapshot": True,
                             # a guest's root disk is a qcow2 overlay over the image file: the image must stay
                             "image_backed_disks": True}
        self.detach_timeout = detach_timeout
        self.probe_timeout = probe_timeout
        self.private_libvirtd = private_libvirtd
        self._forced_virt_type = None if virt_type == "auto" else virt_type
        self._virt_type: str | None = self._forced_virt_type or ("qemu" if self.is_test else None)
        self._conn: libvirt.virConnect | None = None
        self._lock = threading.RLock()
        self.daemon: PrivateLibvirtd | None = None

    # -- connection --------------------------------------------------------------------------------------

    @property
    def conn(self) -> libvirt.virConnect:
        """The libvirt connection, opened on first use (starting a private libvirtd if that is how)."""
        with self._lock:
            if self._conn is None or not self._conn.isAlive():
                uri = self.uri
                if uri == "qemu:///system" and (self.private_libvirtd or (
                        self.private_libvirtd is None and not system_libvirtd_running() and os.geteuid() == 0)):
                    # QEMU makes a guest's tap in libvirtd's network namespace: the linux network driver's host.
                    netns = (getattr(self.settings, "linux_host_netns", "") or ""
                             if getattr(self.settings, "network_driver", "") == "linux" else "")
                    self.daemon = PrivateLibvirtd(self.data_dir / "libvirtd", netns=netns)
                    uri = self.daemon.start()
                try:
                    self._conn = libvirt.open(uri)
                except libvirt.libvirtError as exc:
                    raise DriverError(f"cannot connect to libvirt at {uri}: {exc}") from exc
            return self._conn

    def start(self) -> None:
        self.conn  # noqa: B018 - connect now, so a misconfiguration shows at start-up
        self._load_virt_type()

    def close(self) -> None:
        """Disconnect. With StackLab's own libvirtd, shut its guests down and stop it (nothing runs on)."""
        with self._lock:
            if self.daemon is not None and self._conn is not None:
                for server_id in self.list_guests():
                    with contextlib.suppress(DriverError):
                        self.power_off(server_id)
            if self._conn is not None:
                with contextlib.suppress(libvirt.libvirtError):
                    self._conn.close()
                self._conn = None
            if self.daemon is not None:
                self.daemon.stop()
                self.daemon = None

    # -- lifecycle ---------------------------------------------------------------------------------------

    def spawn(self, spec: GuestSpec) -> None:
        with self._lock:
            dom = self._find(spec.server_id)
            if dom is None:
                files = self._files(spec.server_id)
                files.root.mkdir(parents=True, exist_ok=True)
                root_disk = self._root_disk(spec, files)
                xml = lx.build_domain(spec, self._domain_type_for(spec), files, root_disk)
                dom = self._call(self.conn.defineXML, xml)
        if not dom.isActive():
            self._boot(spec.server_id, dom)

    def destroy(self, server_id: str) -> None:
        dom = self._find(server_id)
        if dom is not None:
            with contextlib.suppress(libvirt.libvirtError):  # gone already, or shut off: both fine
                if dom.isActive():
                    dom.destroy()
            try:
                dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                                  | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
            except libvirt.libvirtError as exc:
                if exc.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                    raise DriverError(f"could not remove the guest: {exc}") from exc
        shutil.rmtree(self._files(server_id).root, ignore_errors=True)

    def power_off(self, server_id: str) -> None:
        dom = self._get(server_id)
        if dom.isActive():
            self._stop(dom)

    def power_on(self, server_id: str) -> None:
        dom = self._get(server_id)
        if not dom.isActive():
            self._boot(server_id, dom)
        elif dom.info()[0] == libvirt.VIR_DOMAIN_PAUSED:
            self._call(dom.resume)

    def reboot(self, server_id: str, hard: bool = False) -> None:
        """Soft: a clean shutdown within the image's timeout, else (or when hard) a power cut; then start."""
        dom = self._get(server_id)
        if dom.isActive():
            self._stop(dom, graceful=not hard)
        self._boot(server_id, dom)

    def is_ready(self, server_id: str) -> bool:
        dom = self._get(server_id)
        if dom.info()[0] not in (libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_BLOCKED):
            return False
        marker = self._meta(dom).get("ready-marker", "")
        if not marker or not self.capabilities["real_console"]:
            return True
        files = self._files(server_id)
        try:
            offset = int(files.boot_offset.read_text())
        except (OSError, ValueError):
            offset = 0
        with contextlib.suppress(OSError), open(files.console, "rb") as f:
            f.seek(offset)
            return marker.encode() in f.read()
        return False

    def pause(self, server_id: str) -> None:
        dom = self._get(server_id)
        if dom.info()[0] != libvirt.VIR_DOMAIN_PAUSED:
            self._call(dom.suspend)  # libvirt's "suspend" stops the vCPUs: Nova's pause

    def unpause(self, server_id: str) -> None:
        dom = self._get(server_id)
        if dom.info()[0] == libvirt.VIR_DOMAIN_PAUSED:
            self._call(dom.resume)

    def suspend(self, server_id: str) -> None:
        """A managed save: memory to a file libvirt keeps, the domain shut off (as Nova's libvirt driver)."""
        dom = self._get(server_id)
        if dom.isActive():
            self._call(dom.managedSave, 0)

    def resume(self, server_id: str) -> None:
        dom = self._get(server_id)
        if not dom.isActive():
            self._call(dom.create)  # starts from the managed save image when there is one

    def snapshot(self, server_id: str, base: ImageSpec | None, dest: Path) -> str:
        """qemu-img convert of the root disk overlay into a standalone qcow2 (a running guest is paused for
        the copy, so the image is crash-consistent)."""
        dom = self._get(server_id)
        files = self._files(server_id)
        if self.is_test or not files.disk.exists():
            if base is None or base.path is None:
                raise DriverError("The guest has no root disk to snapshot (a kernel-booted image).")
            shutil.copyfile(base.path, dest)  # the test driver has no disk files: the base image stands in
            return base.disk_format
        paused = dom.isActive() and dom.info()[0] != libvirt.VIR_DOMAIN_PAUSED
        if paused:
            self._call(dom.suspend)
        try:
            self._qemu_img("convert", "-O", "qcow2", str(files.disk), str(dest))
        except DriverError:
            dest.unlink(missing_ok=True)
            raise
        finally:
            if paused:
                with contextlib.suppress(DriverError):
                    self._call(dom.resume)
        return "qcow2"

    # -- facts -------------------------------------------------------------------------------------------

    def get_info(self, server_id: str) -> GuestInfo:
        state, max_kib, _mem, vcpus, cpu_time = self._call(self._get(server_id).info)
        return GuestInfo(power_state=_STATES.get(state, PowerState.NOSTATE), vcpus=vcpus, ram_mb=max_kib // 1024,
                         cpu_time_ns=cpu_time)

    def console_output(self, server_id: str, length: int | None = None) -> str:
        self._get(server_id)
        try:
            text = self._files(server_id).console.read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            text = ""
        # Serial consoles end lines with CR LF and may send terminal queries; show plain lines.
        text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text.replace("\r\n", "\n"))
        if length is not None:
            text = "\n".join(text.splitlines()[-length:]) if length > 0 else ""
        return text

    def open_serial(self, server_id: str) -> SerialSession | None:
        """libvirt's console stream on the guest's pty serial line, on a connection of the session's own
        (libvirt_console.py says why). FORCE: a newer console takes the line over from an older one, as a
        second browser tab would expect; the older one's stream ends. None where libvirt has no console
        streams (its test driver) or the guest is not running: the websocket then shows the log."""
        dom = self._get(server_id)
        if self.is_test or not dom.isActive():
            return None
        uri = self.daemon.uri if self.daemon is not None else self.uri
        greeting = self.console_output(server_id, 40).replace("\n", "\r\n")
        try:
            conn = libvirt.open(uri)
        except libvirt.libvirtError as exc:
            raise DriverError(f"cannot connect to libvirt at {uri}: {exc}") from exc
        try:
            stream = conn.newStream(0)
            conn.lookupByName(lx.domain_name(server_id)).openConsole(None, stream,
                                                                     libvirt.VIR_DOMAIN_CONSOLE_FORCE)
        except libvirt.libvirtError as exc:
            with contextlib.suppress(libvirt.libvirtError):
                conn.close()
            if exc.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT:
                return None
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                raise GuestNotFound(str(exc)) from exc
            raise DriverError(f"cannot open the guest's console: {exc}") from exc
        return StreamSerial(stream, conn, greeting)

    def vnc_address(self, server_id: str) -> tuple[str, int] | None:
        """The VNC display QEMU listens on (127.0.0.1, autoport), from the live definition."""
        dom = self._get(server_id)
        if self.is_test or not dom.isActive():
            return None
        return lx.vnc_address(self._call(dom.XMLDesc))

    def list_guests(self) -> list[str]:
        found = []
        for dom in self._call(self.conn.listAllDomains):
            if dom.name().startswith(lx.PREFIX):
                server_id = self._meta(dom).get("server-id")
                if server_id and server_id != _PROBE_ID:
                    found.append(server_id)
        return sorted(found)

    def attached_volumes(self, server_id: str) -> dict[str, str]:
        """{volume id: device} for the volumes in the guest's persistent definition."""
        return lx.volume_disks(self._call(self._get(server_id).XMLDesc, libvirt.VIR_DOMAIN_XML_INACTIVE))

    def guest_stats(self, server_id: str) -> GuestStats:
        dom = self._get(server_id)
        _state, _max, _mem, _vcpus, cpu_time = self._call(dom.info)
        stats: dict[str, int] = {"cpu_time_ns": cpu_time}
        if dom.isActive():
            with contextlib.suppress(libvirt.libvirtError):
                # rss: what the QEMU process really holds on the host (no balloon driver in the guest).
                stats["memory_used_mb"] = dom.memoryStats().get("rss", 0) // 1024
            disks, nics = lx.device_targets(dom.XMLDesc())
            for dev in disks:
                with contextlib.suppress(libvirt.libvirtError):
                    _rr, rd, _wr, wr, _err = dom.blockStats(dev)
                    stats["disk_read_bytes"] = stats.get("disk_read_bytes", 0) + rd
                    stats["disk_write_bytes"] = stats.get("disk_write_bytes", 0) + wr
            for dev in nics:  # user-mode NICs have no host device, so no counters
                with contextlib.suppress(libvirt.libvirtError):
                    counters = dom.interfaceStats(dev)
                    stats["net_rx_bytes"] = stats.get("net_rx_bytes", 0) + counters[0]
                    stats["net_tx_bytes"] = stats.get("net_tx_bytes", 0) + counters[4]
        return GuestStats(**stats)

    def diagnostics(self, server_id: str) -> GuestDiagnostics:
        """As Nova's libvirt driver reads them: vCPU times, blockStats of each disk, interfaceStats of each NIC
        with a host device (a user-mode NIC shows its MAC only); counters libvirt cannot give are None."""
        dom = self._get(server_id)
        state, max_kib, mem_kib, vcpus, cpu_time = self._call(dom.info)
        times: tuple[int, ...] = tuple(cpu_time // max(1, vcpus) for _ in range(max(1, vcpus)))
        disks: list[DiskCounters] = []
        nics: list[NicCounters] = []
        if dom.isActive():
            with contextlib.suppress(libvirt.libvirtError):
                times = tuple(int(v[2]) for v in dom.vcpus()[0])
            root = lx.ET.fromstring(dom.XMLDesc())
            for target in root.findall("devices/disk/target"):
                dev = target.get("dev", "")
                try:
                    rr, rd, wr, wd, errors = dom.blockStats(dev)
                    disks.append(DiskCounters(dev, rd, rr, wd, wr, errors))
                except libvirt.libvirtError:
                    disks.append(DiskCounters(dev))
            for iface in root.findall("devices/interface"):
                mac_element, target_element = iface.find("mac"), iface.find("target")
                mac = mac_element.get("address") if mac_element is not None else None
                dev = target_element.get("dev", "") if target_element is not None else ""
                try:
                    c = dom.interfaceStats(dev) if dev else None
                except libvirt.libvirtError:
                    c = None
                nics.append(NicCounters(dev, mac, *c) if c else NicCounters(dev, mac))
        return GuestDiagnostics(_STATES.get(state, PowerState.NOSTATE), times, max_kib // 1024,
                                mem_kib // 1024 if dom.isActive() else 0, tuple(disks), tuple(nics))

    # -- devices and size --------------------------------------------------------------------------------

    def attach_disk(self, server_id: str, disk: DiskSpec) -> None:
        with self._lock:
            dom = self._get(server_id)
            persistent = self._call(dom.XMLDesc, libvirt.VIR_DOMAIN_XML_INACTIVE)
            if disk.volume_id in lx.volume_disks(persistent):
                return  # attached already: a repeated request changes nothing
            if not self.capabilities["live_attach"]:
                self._call(self.conn.defineXML, lx.with_disk(persistent, disk))
                return
            live = dom.XMLDesc() if dom.isActive() else persistent
            element = lx.disk_element(disk.path, lx.free_device(live, disk.device), disk.format, disk.volume_id)
            flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG | (libvirt.VIR_DOMAIN_AFFECT_LIVE if dom.isActive() else 0)
            self._call(dom.attachDeviceFlags, lx.ET.tostring(element, encoding="unicode"), flags)

    def detach_disk(self, server_id: str, volume_id: str) -> None:
        with self._lock:
            dom = self._get(server_id)
            persistent = self._call(dom.XMLDesc, libvirt.VIR_DOMAIN_XML_INACTIVE)
            if volume_id in lx.volume_disks(persistent):
                self._call(self.conn.defineXML, lx.without_disk(persistent, volume_id))
            if not self.capabilities["live_attach"] or not dom.isActive():
                return
            element = lx.disk_xml_by_serial(dom.XMLDesc(), volume_id)
            if element is None:
                return
            self._call(dom.detachDeviceFlags, element, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        # The guest releases the disk asynchronously (ACPI eject): wait until the live definition drops it.
        for _ in self._poll(self.detach_timeout):
            if not dom.isActive() or lx.disk_xml_by_serial(dom.XMLDesc(), volume_id) is None:
                return
        raise DriverError(f"the guest did not release volume {volume_id} within {self.detach_timeout:.0f} s")

    def resize(self, server_id: str, vcpus: int, ram_mb: int, disk_gb: int) -> None:
        with self._lock:
            dom = self._get(server_id)
            persistent = self._call(dom.XMLDesc, libvirt.VIR_DOMAIN_XML_INACTIVE)
            self._call(self.conn.defineXML, lx.with_size(persistent, vcpus, ram_mb))
            disk = self._files(server_id).disk
            if disk.exists() and disk_gb > 0 and not self.is_test:
                self._qemu_img("resize", "-f", "qcow2", str(disk), f"{disk_gb}G", check=False)

    # -- virtualisation type -----------------------------------------------------------------------------

    @property
    def virt_type(self) -> str:
        """"kvm" once a guest has been seen booting under KVM on this host, else "qemu" (TCG emulation)."""
        return self._virt_type or self._load_virt_type() or "qemu"

    def describe(self) -> str:
        """One line for `stacklab up`."""
        kind = ("KVM hardware virtualisation" if self.virt_type == "kvm"
                else "QEMU software emulation (TCG)")
        return f"libvirt at {self.uri}: {kind}"

    @staticmethod
    def _cache_file() -> Path:
        """A host fact, so one cache per user rather than per lab: a probe costs up to `probe_timeout`."""
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "stacklab" / "virt-type.json"

    def _cache_key(self) -> str:
        return f"{os.uname().release} kvm={os.path.exists('/dev/kvm')}"

    def _load_virt_type(self) -> str | None:
        if self._virt_type is None:
            with contextlib.suppress(OSError, ValueError, KeyError):
                cached = json.loads(self._cache_file().read_text())
                if cached["host"] == self._cache_key():
                    self._virt_type = str(cached["virt_type"])
        return self._virt_type

    def _domain_type_for(self, spec: GuestSpec) -> str:
        """qemu (TCG) unless KVM has been proven by booting a kernel image under it (PLATFORM.md: /dev/kvm can
        exist, and libvirt list kvm, while a real kernel hangs under it). The result is cached per host kernel."""
        if self._load_virt_type() is not None:
            return self._virt_type or "qemu"
        direct = lx.kernel_boot(spec)
        if direct is None or spec.image is None:
            return "qemu"  # nothing to prove KVM with yet; do not cache
        result = self._probe_kvm(spec.image) if os.path.exists("/dev/kvm") else "qemu"
        self._virt_type = result
        with contextlib.suppress(OSError):
            self._cache_file().parent.mkdir(parents=True, exist_ok=True)
            self._cache_file().write_text(json.dumps({"host": self._cache_key(), "virt_type": result}))
        return result

    def _probe_kvm(self, image: ImageSpec) -> str:
        if "<domain type='kvm'" not in self.conn.getCapabilities().replace('"', "'"):
            return "qemu"
        probe_id = _PROBE_ID
        spec = GuestSpec(server_id=probe_id, name=probe_id, hostname=probe_id, vcpus=1, ram_mb=128, disk_gb=0,
                         image=image)
        files = self._files(probe_id)
        shutil.rmtree(files.root, ignore_errors=True)
        files.root.mkdir(parents=True)
        marker = str(image.properties.get("stacklab_ready_marker", "")) or "\n/ #"
        try:
            dom = self.conn.createXML(lx.build_domain(spec, "kvm", files, None), 0)
        except libvirt.libvirtError as exc:
            log.info("KVM probe could not start a guest (%s): using TCG", exc)
            return "qemu"
        try:
            for _ in self._poll(self.probe_timeout):
                with contextlib.suppress(OSError):
                    if marker in files.console.read_text(errors="replace"):
                        return "kvm"
            log.info("KVM probe: no guest output within %.0f s: using TCG", self.probe_timeout)
            return "qemu"
        finally:
            with contextlib.suppress(libvirt.libvirtError):
                dom.destroy()
            shutil.rmtree(files.root, ignore_errors=True)

    # -- helpers -----------------------------------------------------------------------------------------

    def _files(self, server_id: str) -> lx.InstanceFiles:
        if "/" in server_id or server_id in ("", ".", ".."):
            raise GuestNotFound(f"no guest {server_id!r}")
        return lx.InstanceFiles(self.data_dir / "instances" / server_id)

    def _find(self, server_id: str) -> libvirt.virDomain | None:
        """The guest's domain; None if there is none or the domain of that name is not one StackLab made."""
        try:
            dom = self.conn.lookupByName(lx.domain_name(server_id))
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise DriverError(str(exc)) from exc
        return dom if self._meta(dom).get("server-id") == server_id else None

    def _get(self, server_id: str) -> libvirt.virDomain:
        dom = self._find(server_id)
        if dom is None:
            raise GuestNotFound(f"no guest {server_id!r}")
        return dom

    @staticmethod
    def _meta(dom: libvirt.virDomain) -> dict[str, str]:
        try:
            return lx.instance_meta(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        except libvirt.libvirtError:
            return {}

    @staticmethod
    def _call(fn: Any, *args: Any) -> Any:
        """Call libvirt, turning its errors into DriverError (the message becomes the server's fault)."""
        try:
            return fn(*args)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                raise GuestNotFound(str(exc)) from exc
            raise DriverError(str(exc)) from exc

    @staticmethod
    def _poll(seconds: float) -> Iterator[int]:
        """Bounded polling: yields until `seconds` have passed."""
        deadline = time.monotonic() + seconds
        i = 0
        while time.monotonic() < deadline:
            yield i
            i += 1
            time.sleep(_POLL)

    def _boot(self, server_id: str, dom: libvirt.virDomain) -> None:
        files = self._files(server_id)
        files.root.mkdir(parents=True, exist_ok=True)
        size = files.console.stat().st_size if files.console.exists() else 0
        files.boot_offset.write_text(str(size))
        self._call(dom.create)

    def _stop(self, dom: libvirt.virDomain, graceful: bool = True) -> None:
        """Ask the guest to shut down within its image's timeout (0: it cannot), then cut the power."""
        try:
            timeout = float(self._meta(dom).get("shutdown-timeout") or lx.DEFAULT_SHUTDOWN_TIMEOUT)
        except ValueError:
            timeout = lx.DEFAULT_SHUTDOWN_TIMEOUT
        if graceful and timeout > 0:
            with contextlib.suppress(libvirt.libvirtError):
                dom.shutdown()
                for _ in self._poll(timeout):
                    if not dom.isActive():
                        return
        with contextlib.suppress(libvirt.libvirtError):
            if dom.isActive():
                dom.destroy()
        if dom.isActive():
            raise DriverError("the guest could not be powered off")

    def _root_disk(self, spec: GuestSpec, files: lx.InstanceFiles) -> Path | None:
        """A copy-on-write overlay on the image file for disk-booted images; None for direct kernel boot."""
        image = spec.image
        if image is None or image.path is None or lx.kernel_boot(spec):
            return None
        if self.is_test:  # the test driver opens no files
            return files.disk
        if not files.disk.exists():
            args = ["create", "-f", "qcow2", "-F", image.disk_format, "-b", str(image.path), str(files.disk)]
            self._qemu_img(*args, *([f"{spec.disk_gb}G"] if spec.disk_gb > 0 else []))
        return files.disk

    @staticmethod
    def _qemu_img(*args: str, check: bool = True) -> None:
        try:
            result = subprocess.run(["qemu-img", *args], capture_output=True, text=True, timeout=120)
        except FileNotFoundError as exc:
            raise DriverError("qemu-img is not installed (Debian: qemu-utils)") from exc
        if check and result.returncode != 0:
            raise DriverError(f"qemu-img {args[0]} failed: {result.stderr.strip()}")
