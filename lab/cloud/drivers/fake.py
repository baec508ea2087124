"""The `fake` compute driver: simulated guests, the embedded default (like Nova's `fake.FakeDriver`).

Every guest is a small JSON file under the driver's directory (`guests/<server id>.json`), so guests survive a
restart of the cloud, and the driver never touches the database. Everything happens at once: `spawn` leaves a
RUNNING guest, `power_off` a SHUTDOWN one. What a student can see of a guest is made plausible:

- the console log reads like a small cloud image booting (kernel lines, cloud-init with the hostname, the
  addresses of its NICs and the fingerprint of the injected key, a login prompt); each power change, reboot
  and resize adds lines to it;
- attached disks are recorded (`disks`), as is the size after a resize;
- pause, suspend (a saved guest reports SUSPENDED), rescue and a password change are recorded and written to
  the console; a snapshot is a copy of the base image's bytes (a simulated guest has no disk of its own), so
  the new image boots like its base;
- the host reports a fixed capacity, as Nova's fake driver does, so os-hypervisors has something to show.

Failure injection (for labs about errors and for tests): a guest whose server metadata has
`stacklab:fake_fail` set to a comma-separated list of operations (`spawn`, `power_on`, `power_off`, `reboot`,
`resize`, `attach_disk`, `pause`, `suspend`, `snapshot`, `rebuild`, `rescue`) raises `DriverError` from those
operations, as a real hypervisor can; `boot` makes a
guest that runs but never finishes booting (`is_ready` stays false, so its build times out).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

from lab.cloud.drivers.base import (
    ComputeDriver,
    DiskCounters,
    DiskSpec,
    DriverError,
    GuestDiagnostics,
    GuestInfo,
    GuestNotFound,
    GuestSpec,
    HostInfo,
    ImageSpec,
    NicCounters,
    NicSpec,
    PowerState,
    SerialSession,
)

FAIL_KEY = "stacklab:fake_fail"


def key_fingerprint(public_key: str) -> str:
    """The MD5 fingerprint of an OpenSSH public key (`aa:bb:...`), as Nova and cloud-init show it."""
    try:
        blob = base64.b64decode(public_key.split()[1], validate=True)
    except (IndexError, ValueError, binascii.Error):
        return "unknown"
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


class FakeComputeDriver(ComputeDriver):
    """Simulated guests kept as JSON files; instant and deterministic."""

    name = "fake"
    capabilities = {"live_attach": True, "real_console": False, "resize": True, "pause": True, "suspend": True,
                    "snapshot": True, "rebuild": True, "rescue": True, "set_admin_password": True,
                    "interface_attach": True}

    # Nova's fake driver reports a large host so scheduling never runs out; these are smaller, believable numbers.
    HOST_VCPUS = 64
    HOST_MEMORY_MB = 262144
    HOST_LOCAL_GB = 2048

    def __init__(self, data_dir: Path, **options: Any):
        super().__init__(data_dir, **options)
        self.guests_dir = data_dir / "guests"
        self.guests_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ state files
    def _path(self, server_id: str) -> Path:
        return self.guests_dir / f"{server_id}.json"

    def _load(self, server_id: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._path(server_id).read_text())
        except FileNotFoundError:
            raise GuestNotFound(f"no guest {server_id}") from None
        return data

    def _save(self, guest: dict[str, Any]) -> None:
        # Write then rename, so a killed process leaves the old file or the new one, never half of one.
        path = self._path(guest["server_id"])
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(guest, indent=1))
        os.replace(tmp, path)

    @staticmethod
    def _maybe_fail(guest: dict[str, Any], operation: str) -> None:
        if operation in guest.get("fail", []):
            raise DriverError(f"Simulated failure of {operation} (metadata {FAIL_KEY}).")

    # ------------------------------------------------------------------ console text
    @staticmethod
    def _stamp(guest: dict[str, Any]) -> str:
        guest["ticks"] = guest.get("ticks", 0) + 1
        seconds = guest["ticks"] * 0.137
        return f"[{seconds:12.6f}]"

    def _boot_lines(self, guest: dict[str, Any]) -> list[str]:
        s = self._stamp
        name = guest["hostname"]
        lines = [
            "SeaBIOS (version 1.16.2-debian-1.16.2-1)",
            "Booting from Hard Disk...",
            f"{s(guest)} Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14)) "
            "#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1",
            f"{s(guest)} Command line: BOOT_IMAGE=/boot/vmlinuz root=LABEL=cloudimg-rootfs ro console=ttyS0",
            f"{s(guest)} Memory: {guest['ram_mb'] * 1024 - 61440}K/{guest['ram_mb'] * 1024}K available",
            f"{s(guest)} smpboot: Allowing {guest['vcpus']} CPUs, 0 hotplug CPUs",
            f"{s(guest)} virtio_blk virtio2: [vda] {guest['disk_gb'] * 2097152} 512-byte logical blocks "
            f"({guest['disk_gb']}.0 GB/{guest['disk_gb']}.0 GiB)",
        ]
        for index, nic in enumerate(guest["nics"]):
            lines.append(f"{s(guest)} virtio_net virtio{index}: eth{index}: link up, mac {nic['mac_address']}")
        lines += [
            f"{s(guest)} EXT4-fs (vda1): mounted filesystem with ordered data mode.",
            f"{s(guest)} Run /sbin/init as init process",
            f"cloud-init[312]: Cloud-init v. 23.4 running 'init' at {guest['image_name']} boot. Up 3.21 seconds.",
            "cloud-init[312]: ci-info: ++++++++++++++++++++++++Net device info++++++++++++++++++++++++",
            "cloud-init[312]: ci-info: | Device |  Up  |   Address    |     Hw-Address    |",
        ]
        lines.append("cloud-init[312]: ci-info: |   lo   | True | 127.0.0.1    |         .         |")
        for index, nic in enumerate(guest["nics"]):
            for address in nic["ip_addresses"] or ["."]:
                lines.append(f"cloud-init[312]: ci-info: |  eth{index}  | True | {address:<12} | "
                             f"{nic['mac_address']} |")
        lines.append(f"cloud-init[312]: Setting hostname to {name}")
        if guest.get("key_fingerprint"):
            lines += [
                "cloud-init[312]: ci-info: ++++++++++Authorized keys from /home/cirros/.ssh/authorized_keys "
                "for user cirros+++++++++++",
                "cloud-init[312]: ci-info: | Keytype |    Fingerprint (md5)    | Options | Comment |",
                f"cloud-init[312]: ci-info: | {guest['key_type']} | {guest['key_fingerprint']} |    -    | "
                f"{guest.get('key_name') or '-'} |",
            ]
        else:
            lines.append("cloud-init[312]: no authorized SSH keys fingerprints found for user cirros.")
        lines += [
            "-----BEGIN SSH HOST KEY FINGERPRINTS-----",
            f"256 SHA256:{hashlib.sha256(guest['server_id'].encode()).hexdigest()[:43]} root@{name} (ED25519)",
            "-----END SSH HOST KEY FINGERPRINTS-----",
            "cloud-init[398]: Cloud-init v. 23.4 finished. Datasource DataSourceOpenStackLocal. Up 6.02 seconds",
            "",
            f"{guest['image_name']} login as 'cirros' user. default password: 'gocubsgo'. use 'sudo' for root.",
            f"{name} login: ",
        ]
        return lines

    def _shutdown_lines(self, guest: dict[str, Any], what: str = "Power down") -> list[str]:
        s = self._stamp
        return [f"{s(guest)} systemd-shutdown[1]: Syncing filesystems and block devices.",
                f"{s(guest)} reboot: {what}"]

    # ------------------------------------------------------------------ the contract
    def spawn(self, spec: GuestSpec) -> None:
        with self._lock:
            try:
                guest = self._load(spec.server_id)
            except GuestNotFound:
                guest = None
            if guest is not None:  # a repeated spawn (after a crash): leave it as it is, powered on
                if guest["power_state"] != PowerState.RUNNING.value:
                    self.power_on(spec.server_id)
                return
            fail = [op.strip() for op in spec.metadata.get(FAIL_KEY, "").split(",") if op.strip()]
            if "spawn" in fail:
                raise DriverError(f"Simulated failure of spawn (metadata {FAIL_KEY}).")
            guest = {
                "server_id": spec.server_id, "name": spec.name, "hostname": spec.hostname,
                "vcpus": spec.vcpus, "ram_mb": spec.ram_mb, "disk_gb": spec.disk_gb,
                "image_id": spec.image.id if spec.image else None,
                "image_name": spec.image.name if spec.image else "cirros",
                "nics": [{"port_id": n.port_id, "mac_address": n.mac_address, "network_id": n.network_id,
                          "ip_addresses": list(n.ip_addresses)} for n in spec.nics],
                "disks": {d.volume_id: {"device": d.device, "path": str(d.path), "format": d.format}
                          for d in spec.disks},
                "key_name": spec.key_name,
                "key_type": spec.public_key.split()[0] if spec.public_key else None,
                "key_fingerprint": key_fingerprint(spec.public_key) if spec.public_key else None,
                "fail": fail, "power_state": PowerState.RUNNING.value, "boots": 1, "cpu_time_ns": 0,
                "console": [],
            }
            guest["console"] = self._boot_lines(guest)
            self._save(guest)

    def is_ready(self, server_id: str) -> bool:
        """Running, unless the failure injection names `boot` (a guest that never finishes booting)."""
        guest = self._load(server_id)
        return guest["power_state"] == PowerState.RUNNING.value and "boot" not in guest.get("fail", [])

    def destroy(self, server_id: str) -> None:
        with self._lock:
            self._path(server_id).unlink(missing_ok=True)

    def power_off(self, server_id: str) -> None:
        with self._lock:
            guest = self._load(server_id)
            self._maybe_fail(guest, "power_off")
            if guest["power_state"] != PowerState.SHUTDOWN.value:
                guest["console"] += self._shutdown_lines(guest)
                guest["power_state"] = PowerState.SHUTDOWN.value
                self._save(guest)

    def power_on(self, server_id: str) -> None:
        with self._lock:
            guest = self._load(server_id)
            self._maybe_fail(guest, "power_on")
            if guest["power_state"] != PowerState.RUNNING.value:
                guest["console"] += self._boot_lines(guest)
                guest["power_state"] = PowerState.RUNNING.value
                guest["boots"] += 1
                self._save(guest)

    def reboot(self, server_id: str, hard: bool = False) -> None:
        with self._lock:
            guest = self._load(server_id)
            self._maybe_fail(guest, "reboot")
            if guest["power_state"] == PowerState.RUNNING.value and not hard:
                guest["console"] += self._shutdown_lines(guest, "Restarting system")
            guest["console"] += self._boot_lines(guest)
            guest["power_state"] = PowerState.RUNNING.value
            guest["boots"] += 1
            self._save(guest)

    def get_info(self, server_id: str) -> GuestInfo:
        guest = self._load(server_id)
        return GuestInfo(power_state=PowerState(guest["power_state"]), vcpus=guest["vcpus"],
                         ram_mb=guest["ram_mb"], cpu_time_ns=guest["boots"] * 1_500_000_000)

    # What one simulated boot costs (a CirrOS-sized guest: the kernel and initramfs read, a little logging, DHCP and
    # the metadata service on each NIC); an attached volume is read once when the guest probes its partitions.
    BOOT_READ = (24_117_248, 1_142)  # bytes, requests
    BOOT_WRITE = (1_261_568, 184)
    PROBE_READ = (266_240, 65)
    BOOT_RX = (14_832, 61)  # bytes, packets
    BOOT_TX = (9_220, 52)

    def diagnostics(self, server_id: str) -> GuestDiagnostics:
        """Counters of the simulation: CPU time, root-disk I/O and NIC traffic grow with each boot (and the
        console's activity), each attached volume was read once; the guest uses a fifth of its memory and
        40 MB more. A guest that is not running has its CPU time and memory use at 0, as libvirt shows them."""
        guest = self._load(server_id)
        running = guest["power_state"] == PowerState.RUNNING.value
        boots, ticks = int(guest["boots"]), int(guest.get("ticks", 0))
        vcpus = max(1, int(guest["vcpus"]))
        cpu = (boots * 1_500_000_000 + ticks * 2_000_000) // vcpus if running else 0
        devices = {str(d["device"]) for d in guest["disks"].values()}
        disks = [] if "vda" in devices else [DiskCounters(
            "vda", boots * self.BOOT_READ[0] + ticks * 4096, boots * self.BOOT_READ[1] + ticks,
            boots * self.BOOT_WRITE[0] + ticks * 512, boots * self.BOOT_WRITE[1] + ticks // 4, 0)]
        for disk in sorted(guest["disks"].values(), key=lambda d: str(d["device"])):
            root = disk["device"] == "vda"
            reads, writes = (self.BOOT_READ, self.BOOT_WRITE) if root else (self.PROBE_READ, (0, 0))
            times = boots if root else 1
            disks.append(DiskCounters(str(disk["device"]), reads[0] * times, reads[1] * times, writes[0] * times,
                                      writes[1] * times, 0))
        nics = [NicCounters(f"tap{str(n['port_id'])[:11]}", str(n["mac_address"]), boots * self.BOOT_RX[0],
                            boots * self.BOOT_RX[1], 0, 0, boots * self.BOOT_TX[0], boots * self.BOOT_TX[1], 0, 0)
                for n in guest["nics"]]
        ram = int(guest["ram_mb"])
        return GuestDiagnostics(PowerState(guest["power_state"]), tuple(cpu for _ in range(vcpus)), ram,
                                ram // 5 + 40 if running else 0, tuple(disks), tuple(nics))

    def console_output(self, server_id: str, length: int | None = None) -> str:
        lines: list[str] = self._load(server_id)["console"]
        if length is not None:
            lines = lines[-length:] if length > 0 else []
        return "\n".join(lines) + ("\n" if lines else "")

    def open_serial(self, server_id: str) -> SerialSession:
        """A simulated serial console: the boot log so far, then a login prompt that echoes what is typed
        (a simulated guest has no accounts, so every login is refused as a real getty would)."""
        guest = self._load(server_id)
        return SimulatedSerial(guest["hostname"], self.console_output(server_id))

    def list_guests(self) -> list[str]:
        return sorted(p.stem for p in self.guests_dir.glob("*.json"))

    def attach_disk(self, server_id: str, disk: DiskSpec) -> None:
        with self._lock:
            guest = self._load(server_id)
            self._maybe_fail(guest, "attach_disk")
            guest["disks"][disk.volume_id] = {"device": disk.device, "path": str(disk.path), "format": disk.format}
            guest["console"].append(f"{self._stamp(guest)} virtio_blk virtio{3 + len(guest['disks'])}: "
                                    f"[{disk.device}] attached (serial {disk.volume_id[:20]})")
            self._save(guest)

    def detach_disk(self, server_id: str, volume_id: str) -> None:
        with self._lock:
            guest = self._load(server_id)  # GuestNotFound for an unknown guest, as the contract says
            if guest["disks"].pop(volume_id, None) is not None:
                self._save(guest)

    def resize(self, server_id: str, vcpus: int, ram_mb: int, disk_gb: int) -> None:
        with self._lock:
            guest = self._load(server_id)
            self._maybe_fail(guest, "resize")
            guest.update(vcpus=vcpus, ram_mb=ram_mb, disk_gb=max(disk_gb, guest["disk_gb"]))
            self._save(guest)

    # ------------------------------------------------------------------ optional life-cycle methods
    def _change_power(self, server_id: str, operation: str, before: PowerState, after: PowerState,
                      line: str) -> None:
        with self._lock:
            guest = self._load(server_id)
            self._maybe_fail(guest, operation)
            if guest["power_state"] == after.value:
                return
            if guest["power_state"] != before.value:
                raise DriverError(f"Cannot {operation} a guest that is {PowerState(guest['power_state']).name}.")
            guest["console"].append(f"{self._stamp(guest)} {line}")
            guest["power_state"] = after.value
            self._save(guest)

    def pause(self, server_id: str) -> None:
        self._change_power(server_id, "pause", PowerState.RUNNING, PowerState.PAUSED, "(vCPUs paused)")

    def unpause(self, server_id: str) -> None:
        self._change_power(server_id, "pause", PowerState.PAUSED, PowerState.RUNNING, "(vCPUs running again)")

    def suspend(self, server_id: str) -> None:
        self._change_power(server_id, "suspend", PowerState.RUNNING, PowerState.SUSPENDED,
                           "PM: suspend entry (memory saved to disk)")

    def resume(self, server_id: str) -> None:
        self._change_power(server_id, "suspend", PowerState.SUSPENDED, PowerState.RUNNING,
                           "PM: resume from saved memory")

    def snapshot(self, server_id: str, base: ImageSpec | None, dest: Path) -> str:
        with self._lock:
            guest = self._load(server_id)
            self._maybe_fail(guest, "snapshot")
        try:
            if base is not None and base.path is not None and base.path.is_file():
                shutil.copyfile(base.path, dest)
                return base.disk_format
            dest.write_bytes(b"")
        except OSError as exc:
            dest.unlink(missing_ok=True)
            raise DriverError(f"Could not write the snapshot: {exc}") from None
        return "raw"

    def rebuild(self, spec: GuestSpec) -> None:
        with self._lock:
            guest = self._load(spec.server_id)
            self._maybe_fail(guest, "rebuild")
            guest.update(name=spec.name, hostname=spec.hostname,
                         image_id=spec.image.id if spec.image else None,
                         image_name=spec.image.name if spec.image else "cirros",
                         power_state=PowerState.RUNNING.value, boots=guest["boots"] + 1, rescue=None)
            guest["console"] = self._boot_lines(guest)  # a new root disk: the log of a first boot
            self._save(guest)

    def rescue(self, server_id: str, image: ImageSpec | None, password: str) -> None:
        with self._lock:
            guest = self._load(server_id)
            self._maybe_fail(guest, "rescue")
            guest["rescue"] = {"image_id": image.id if image else guest["image_id"]}
            guest["console"] += self._shutdown_lines(guest, "Restarting system")
            guest["console"] += [f"{self._stamp(guest)} Booting the rescue image; the root disk is vdb",
                                 f"{guest['hostname']} login: "]
            guest["power_state"] = PowerState.RUNNING.value
            self._save(guest)

    def unrescue(self, server_id: str) -> None:
        with self._lock:
            guest = self._load(server_id)
            guest["rescue"] = None
            guest["console"] += self._boot_lines(guest)
            guest["power_state"] = PowerState.RUNNING.value
            self._save(guest)

    def attach_interface(self, server_id: str, nic: NicSpec) -> None:
        with self._lock:
            guest = self._load(server_id)
            self._maybe_fail(guest, "attach_interface")
            if any(n["port_id"] == nic.port_id for n in guest["nics"]):
                return
            guest["nics"].append({"port_id": nic.port_id, "mac_address": nic.mac_address,
                                  "network_id": nic.network_id, "ip_addresses": list(nic.ip_addresses)})
            index = len(guest["nics"]) - 1
            guest["console"].append(f"{self._stamp(guest)} virtio_net virtio{index}: eth{index}: link up, mac "
                                    f"{nic.mac_address} (hot-plugged)")
            self._save(guest)

    def detach_interface(self, server_id: str, port_id: str) -> None:
        with self._lock:
            guest = self._load(server_id)
            kept = [n for n in guest["nics"] if n["port_id"] != port_id]
            if len(kept) != len(guest["nics"]):
                guest["nics"] = kept
                guest["console"].append(f"{self._stamp(guest)} virtio_net: an interface was unplugged")
                self._save(guest)

    def nics(self, server_id: str) -> list[str]:
        """The port ids of a guest's NICs (for tests and lab checks)."""
        return [str(n["port_id"]) for n in self._load(server_id)["nics"]]

    def set_admin_password(self, server_id: str, password: str) -> None:
        with self._lock:
            guest = self._load(server_id)
            # Only a digest is kept: the password is the student's secret.
            guest["admin_password_sha256"] = hashlib.sha256(password.encode()).hexdigest()
            guest["console"].append(f"{self._stamp(guest)} guest-agent: password of the admin user changed")
            self._save(guest)

    def host_info(self) -> HostInfo:
        return HostInfo(hypervisor_hostname="stacklab", hypervisor_type="fake", hypervisor_version=1000,
                        vcpus=self.HOST_VCPUS, memory_mb=self.HOST_MEMORY_MB, local_gb=self.HOST_LOCAL_GB,
                        cpu_info={"arch": "x86_64", "model": "fake", "vendor": "StackLab",
                                  "topology": {"sockets": 1, "cores": self.HOST_VCPUS, "threads": 1}})

    # ------------------------------------------------------------------ test and lab helpers
    def disks(self, server_id: str) -> dict[str, dict[str, str]]:
        """The disks a guest has attached, by volume id (for tests and lab checks)."""
        disks: dict[str, dict[str, str]] = self._load(server_id)["disks"]
        return disks


class SimulatedSerial(SerialSession):
    """getty on ttyS0 of a simulated guest: echoes typed characters (not the password), handles backspace,
    and answers `login:` / `Password:` / `Login incorrect` like agetty and login(1)."""

    def __init__(self, hostname: str, log: str) -> None:
        self.hostname = hostname
        self.log = log
        self.line = ""
        self.asking_password = False

    def _prompt(self) -> str:
        return f"{self.hostname} login: "

    def greeting(self) -> str:
        lines = self.log.splitlines()
        if lines and lines[-1].rstrip() == self._prompt().rstrip():  # the log's own last prompt: shown below
            lines.pop()
        return "".join(f"{line}\r\n" for line in lines) + "\r\n" + self._prompt()

    def feed(self, data: str) -> str:
        out: list[str] = []
        for char in data:
            if char in "\r\n":
                out.append("\r\n")
                if self.asking_password:
                    self.asking_password = False
                    out.append(f"Login incorrect\r\n\r\n{self._prompt()}")
                elif self.line:
                    self.asking_password = True
                    out.append("Password: ")
                else:
                    out.append(self._prompt())
                self.line = ""
            elif char in "\x7f\b":
                if self.line:
                    self.line = self.line[:-1]
                    if not self.asking_password:
                        out.append("\b \b")
            elif char == "\x03":  # ^C: a fresh prompt
                self.line, self.asking_password = "", False
                out.append(f"^C\r\n{self._prompt()}")
            elif char.isprintable():
                self.line += char
                if not self.asking_password:
                    out.append(char)
        return "".join(out)
