"""The driver contracts: what the cloud asks of the thing that makes a resource real.

The service layer owns everything OpenStack-visible (status strings, quotas, IP allocation, billing); a driver
only makes things real and reports facts (power state, console text, where a disk is). Drivers take and return
the small dataclasses below, never request bodies or database rows, and never import the database layer or
each other. One contract test suite (tests/drivers/) runs over every driver.

Every method states its post-condition. The general rules, as in Nova's virt driver:
- methods are called from the worker thread or a request, outside any database transaction;
- operations are idempotent where a crash could make the cloud repeat them (spawn, destroy, detach);
- an unknown guest raises `GuestNotFound`, except where a method says it succeeds anyway.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class DriverError(Exception):
    """A driver could not do what was asked; the message is shown to the user as the fault."""


class GuestNotFound(DriverError):
    """The driver has no guest with that id."""


class PowerState(enum.Enum):
    """Facts a hypervisor reports. The compute service maps them to OpenStack's status and power_state."""

    NOSTATE = 0
    RUNNING = 1
    PAUSED = 3
    SHUTDOWN = 4
    CRASHED = 6
    SUSPENDED = 7


@dataclass(frozen=True)
class ImageSpec:
    id: str
    name: str
    path: Path | None  # the image file on disk (None when the image has no data)
    disk_format: str = "raw"
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NicSpec:
    port_id: str
    mac_address: str
    ip_addresses: tuple[str, ...] = ()
    network_id: str = ""
    # Set by a network driver that makes ports real (a Linux bridge to plug a tap into); None otherwise.
    bridge: str | None = None
    mtu: int = 1500


@dataclass(frozen=True)
class DiskSpec:
    volume_id: str
    path: Path
    device: str  # the name the cloud promised, e.g. "vdb" (the guest may differ; the serial is the volume id)
    format: str = "raw"  # raw | qcow2


@dataclass(frozen=True)
class GuestSpec:
    """Everything needed to make a guest, derived from a server, its flavor, its image and its ports."""

    server_id: str
    name: str
    hostname: str
    vcpus: int
    ram_mb: int
    disk_gb: int
    image: ImageSpec | None
    nics: tuple[NicSpec, ...] = ()
    disks: tuple[DiskSpec, ...] = ()
    key_name: str | None = None
    public_key: str | None = None
    user_data: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GuestInfo:
    power_state: PowerState
    vcpus: int
    ram_mb: int
    cpu_time_ns: int = 0


@dataclass(frozen=True)
class GuestStats:
    """Usage counters for monitoring; drivers fill what they can measure and leave the rest at 0."""

    cpu_time_ns: int = 0
    memory_used_mb: int = 0
    disk_read_bytes: int = 0
    disk_write_bytes: int = 0
    net_rx_bytes: int = 0
    net_tx_bytes: int = 0


class ComputeDriver(abc.ABC):
    """Makes guests real. `capabilities` says what a driver can do, as data, so the service and the contract
    tests can adapt (e.g. a driver that cannot hot-plug disks)."""

    name: str = ""
    capabilities: dict[str, bool] = {
        "live_attach": True,  # attach/detach a disk to a running guest
        "real_console": False,  # console_output is what a real guest printed
        "resize": True,
    }

    def __init__(self, data_dir: Path, **options: Any):
        """`data_dir` is the driver's own directory (created by the caller); options come from settings."""
        self.data_dir = data_dir

    def start(self) -> None:  # noqa: B027 - optional hook
        """Called once when the cloud starts, before any other call (connect to the hypervisor, ...)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Called once when the cloud stops. Guests keep running unless the driver owns the hypervisor."""

    @abc.abstractmethod
    def spawn(self, spec: GuestSpec) -> None:
        """Create the guest and power it on. Post: `get_info` reports RUNNING (or the guest is booting and
        `is_ready` turns true later). Idempotent: a guest that exists already is left as it is and powered on."""

    def is_ready(self, server_id: str) -> bool:
        """True once the guest has finished booting (a real driver waits for the guest's marker on its
        console). The service moves the server to ACTIVE only then."""
        return self.get_info(server_id).power_state is PowerState.RUNNING

    @abc.abstractmethod
    def destroy(self, server_id: str) -> None:
        """Power off and remove the guest and every file the driver made for it. Succeeds if the guest does not
        exist (a delete after a crash must still finish). Volume files are not the driver's to delete."""

    @abc.abstractmethod
    def power_off(self, server_id: str) -> None:
        """Post: SHUTDOWN. A guest that is already off stays off."""

    @abc.abstractmethod
    def power_on(self, server_id: str) -> None:
        """Post: RUNNING. A running guest keeps running."""

    @abc.abstractmethod
    def reboot(self, server_id: str, hard: bool = False) -> None:
        """Post: RUNNING, having restarted (a soft reboot may fall back to hard)."""

    @abc.abstractmethod
    def get_info(self, server_id: str) -> GuestInfo:
        """The guest's current facts. Raises GuestNotFound."""

    @abc.abstractmethod
    def console_output(self, server_id: str, length: int | None = None) -> str:
        """The guest's serial console text; the last `length` lines when given. Raises GuestNotFound."""

    @abc.abstractmethod
    def list_guests(self) -> list[str]:
        """The server ids of every guest this driver made (used to reconcile after a restart)."""

    @abc.abstractmethod
    def attach_disk(self, server_id: str, disk: DiskSpec) -> None:
        """Attach a volume's file. Post: the guest sees a disk whose serial is the volume id."""

    @abc.abstractmethod
    def detach_disk(self, server_id: str, volume_id: str) -> None:
        """Detach a volume. Succeeds if it is not attached. Post: the guest no longer sees the disk."""

    @abc.abstractmethod
    def resize(self, server_id: str, vcpus: int, ram_mb: int, disk_gb: int) -> None:
        """Change the guest's size (cold: the caller powers it off first and on after)."""

    def host_info(self) -> HostInfo:
        """The host's capacity and identity (os-hypervisors). The default describes this machine."""
        import os
        import socket

        pages = os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else 0
        memory_mb = pages * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024) if pages else 0
        return HostInfo(hypervisor_hostname=socket.gethostname(), hypervisor_type=self.name or "unknown",
                        hypervisor_version=1, vcpus=os.cpu_count() or 1, memory_mb=memory_mb, local_gb=0)

    def guest_stats(self, server_id: str) -> GuestStats:
        """Usage counters. Raises GuestNotFound."""
        info = self.get_info(server_id)
        return GuestStats(cpu_time_ns=info.cpu_time_ns)


@dataclass(frozen=True)
class HostInfo:
    """What the hypervisor host offers, for `os-hypervisors` (the service adds what its servers use)."""

    hypervisor_hostname: str
    hypervisor_type: str
    hypervisor_version: int
    vcpus: int
    memory_mb: int
    local_gb: int
    host_ip: str = "127.0.0.1"
    cpu_info: dict[str, Any] = field(default_factory=dict)
