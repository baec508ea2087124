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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class DriverError(Exception):
    """A driver could not do what was asked; the message is shown to the user as the fault."""


class GuestNotFound(DriverError):
    """The driver has no guest with that id."""


class NotSupported(DriverError):
    """The driver cannot do this at all (its `capabilities` say so too); the service answers Nova's 409."""


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
    container_format: str = "bare"
    checksum: str | None = None  # Glance's MD5 (Cinder copies it into volume_image_metadata)


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


@dataclass(frozen=True)
class DiskCounters:
    """One disk's I/O counters as the hypervisor reports them (libvirt's blockStats); None when unknown."""

    device: str  # the guest's name for it (vda, vdb, ...)
    read_bytes: int | None = None
    read_requests: int | None = None
    write_bytes: int | None = None
    write_requests: int | None = None
    errors: int | None = None


@dataclass(frozen=True)
class NicCounters:
    """One NIC's counters (libvirt's interfaceStats); None when unknown (a NIC with no host device)."""

    device: str  # the host's name for it (tap..., vnet0), or the port's when it has none
    mac_address: str | None
    rx_bytes: int | None = None
    rx_packets: int | None = None
    rx_errors: int | None = None
    rx_drop: int | None = None
    tx_bytes: int | None = None
    tx_packets: int | None = None
    tx_errors: int | None = None
    tx_drop: int | None = None


@dataclass(frozen=True)
class GuestDiagnostics:
    """What Nova's GET /servers/{id}/diagnostics shows of a guest (its virt driver's get_instance_diagnostics)."""

    power_state: PowerState
    vcpu_times_ns: tuple[int, ...]  # CPU time of each vCPU
    memory_max_mb: int
    memory_used_mb: int | None = None
    disks: tuple[DiskCounters, ...] = ()
    nics: tuple[NicCounters, ...] = ()


class SerialSession(abc.ABC):
    """An interactive serial console of one guest, as a console websocket speaks it: text the guest printed
    (`greeting` once, when the session opens) and what it answers to the bytes typed (`feed`). A session
    belongs to one websocket and is closed with it.

    A `streaming` session is a real serial line: the guest writes whenever it likes (boot messages, a shell's
    echo), so the websocket relays `read` as it comes and `feed` answers nothing. A simulated one answers
    each `feed` and never writes on its own."""

    streaming: bool = False

    @abc.abstractmethod
    def greeting(self) -> str:
        """What the console shows on connecting (terminal text, `\\r\\n` line ends)."""

    @abc.abstractmethod
    def feed(self, data: str) -> str:
        """Hand the guest what was typed; return what it writes back (may be empty)."""

    def read(self, timeout: float) -> str | None:
        """For a streaming session: what the guest wrote since the last call, waiting up to `timeout` seconds
        ('' when nothing came); None once the line is gone (the guest stopped, another console took it).
        Blocks: the websocket calls it in a thread."""
        return None

    def close(self) -> None:  # noqa: B027 (a session without resources needs no close)
        """Release what the session holds. Idempotent."""


class ComputeDriver(abc.ABC):
    """Makes guests real. `capabilities` says what a driver can do, as data, so the service and the contract
    tests can adapt (e.g. a driver that cannot hot-plug disks)."""

    name: str = ""
    capabilities: dict[str, bool] = {
        "live_attach": True,  # attach/detach a disk to a running guest
        "real_console": False,  # console_output is what a real guest printed
        "resize": True,
        # The optional life-cycle methods below; False: the method raises NotSupported and the service answers
        # Nova's 409 before changing anything.
        "pause": False,  # pause / unpause
        "suspend": False,  # suspend / resume
        "snapshot": False,  # snapshot (createImage, shelve)
        "rebuild": False,  # rebuild
        "rescue": False,  # rescue / unrescue
        "set_admin_password": False,
        "interface_attach": False,  # attach_interface / detach_interface (hot-plug a NIC)
        # True: a guest's disk reads its image's file for as long as it lives (a copy-on-write overlay), so the
        # cloud must not delete an image it made for one guest (unshelve's) under it.
        "image_backed_disks": False,
    }

    def __init__(self, data_dir: Path, **options: Any):
        """`data_dir` is the driver's own directory (created by the caller); options come from settings."""
        self.data_dir = data_dir

    def supports(self, capability: str) -> bool:
        return bool(self.capabilities.get(capability, False))

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

    def open_serial(self, server_id: str) -> SerialSession | None:
        """An interactive serial console of the guest, or None when this driver offers none (the console
        websocket then shows `console_output` read-only). Raises GuestNotFound."""
        self.console_output(server_id, 0)
        return None

    def vnc_address(self, server_id: str) -> tuple[str, int] | None:
        """(host, port) of the guest's VNC display, a plain TCP RFB server the console websocket relays to the
        browser's noVNC; None when the driver has none (the console page is then the serial terminal).
        Raises GuestNotFound."""
        self.console_output(server_id, 0)
        return None

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

    # ------------------------------------------------------------------ optional life-cycle methods
    # Each raises NotSupported unless the driver's capabilities name it; the service checks first.
    def pause(self, server_id: str) -> None:
        """Pre: RUNNING. Post: PAUSED (the vCPUs stop, memory stays allocated on the host)."""
        raise NotSupported(f"The {self.name} compute driver cannot pause a guest.")

    def unpause(self, server_id: str) -> None:
        """Pre: PAUSED. Post: RUNNING, from where it stopped."""
        raise NotSupported(f"The {self.name} compute driver cannot unpause a guest.")

    def suspend(self, server_id: str) -> None:
        """Pre: RUNNING. Post: the guest's memory is saved to disk and it no longer runs (SUSPENDED or
        SHUTDOWN, as the hypervisor reports a managed save); `resume` continues it."""
        raise NotSupported(f"The {self.name} compute driver cannot suspend a guest.")

    def resume(self, server_id: str) -> None:
        """Pre: suspended. Post: RUNNING from the saved memory (not a boot)."""
        raise NotSupported(f"The {self.name} compute driver cannot resume a guest.")

    def snapshot(self, server_id: str, base: ImageSpec | None, dest: Path) -> str:
        """Write a bootable copy of the guest's root disk to `dest` (a new file) and return its disk format
        (raw | qcow2). The guest keeps its state (a running guest may be paused for the copy and resumed).
        `base` is the image the guest booted from. Raises GuestNotFound; on failure nothing is left at `dest`."""
        raise NotSupported(f"The {self.name} compute driver cannot snapshot a guest.")

    def rebuild(self, spec: GuestSpec) -> None:
        """Replace the guest's root disk with `spec.image` and boot it, keeping the guest's identity, NICs and
        attached volume disks. Post: RUNNING (the caller powers it off after when it was stopped)."""
        raise NotSupported(f"The {self.name} compute driver cannot rebuild a guest.")

    def rescue(self, server_id: str, image: ImageSpec | None, password: str) -> None:
        """Boot the guest from `image` (or its own image) with its own root disk attached as a second disk.
        Post: RUNNING in rescue mode; `unrescue` boots its own disk again."""
        raise NotSupported(f"The {self.name} compute driver cannot rescue a guest.")

    def unrescue(self, server_id: str) -> None:
        """Pre: rescued. Post: RUNNING from its own root disk, the rescue disk gone."""
        raise NotSupported(f"The {self.name} compute driver cannot unrescue a guest.")

    def set_admin_password(self, server_id: str, password: str) -> None:
        """Set the guest's administrator password (a guest agent does it in a real cloud). Pre: RUNNING."""
        raise NotSupported(f"The {self.name} compute driver cannot set a guest's password.")

    def attach_interface(self, server_id: str, nic: NicSpec) -> None:
        """Hot-plug a NIC. Post: the guest sees a new interface with the port's MAC. Idempotent for a port
        already plugged."""
        raise NotSupported(f"The {self.name} compute driver cannot hot-plug an interface.")

    def detach_interface(self, server_id: str, port_id: str) -> None:
        """Unplug a NIC. Succeeds if it is not plugged. Post: the guest no longer sees it."""
        raise NotSupported(f"The {self.name} compute driver cannot unplug an interface.")

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

    def diagnostics(self, server_id: str) -> GuestDiagnostics:
        """The guest's counters per vCPU, disk and NIC (server diagnostics). The default knows only get_info's
        (the CPU time shared evenly by the vCPUs; no device counters). Raises GuestNotFound."""
        info = self.get_info(server_id)
        vcpus = max(1, info.vcpus)
        return GuestDiagnostics(info.power_state, tuple(info.cpu_time_ns // vcpus for _ in range(vcpus)), info.ram_mb)


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


# ------------------------------------------------------------------------------------------------ networking
@dataclass(frozen=True)
class SubnetSpec:
    id: str
    cidr: str
    gateway_ip: str | None
    enable_dhcp: bool
    dns_nameservers: tuple[str, ...] = ()
    host_routes: tuple[tuple[str, str], ...] = ()  # (destination, nexthop)


@dataclass(frozen=True)
class DhcpHost:
    """One address the network's DHCP server hands out: the port's MAC gets this IP."""

    mac_address: str
    ip_address: str
    port_id: str


@dataclass(frozen=True)
class NetworkSpec:
    """A network as the driver must make it: its L2 segment, subnets and the DHCP reservations."""

    id: str
    mtu: int
    network_type: str  # flat | vlan | vxlan
    physical_network: str | None
    segmentation_id: int | None
    external: bool
    admin_state_up: bool = True
    subnets: tuple[SubnetSpec, ...] = ()
    dhcp_hosts: tuple[DhcpHost, ...] = ()
    # The network's DHCP port (Neutron's network:dhcp), one entry per address: where the DHCP server listens.
    dhcp_ports: tuple[DhcpHost, ...] = ()


@dataclass(frozen=True)
class RouterPortSpec:
    port_id: str
    network_id: str
    mac_address: str
    ip_address: str
    cidr: str  # the subnet the address is on, so the interface gets the right prefix
    gateway_ip: str | None = None  # the subnet's gateway: a router's default route goes there via its gateway
    mtu: int = 1500  # the network's: a router interface must not send frames its guests cannot take


@dataclass(frozen=True)
class FloatingIPSpec:
    floating_ip_address: str
    fixed_ip_address: str


@dataclass(frozen=True)
class RouterSpec:
    """A router as the driver must make it: interfaces, gateway (with SNAT or not), static routes, and the
    floating IPs it NATs."""

    id: str
    admin_state_up: bool = True
    interfaces: tuple[RouterPortSpec, ...] = ()
    gateway: RouterPortSpec | None = None
    enable_snat: bool = True
    routes: tuple[tuple[str, str], ...] = ()  # (destination, nexthop)
    floating_ips: tuple[FloatingIPSpec, ...] = ()


@dataclass(frozen=True)
class SecurityRuleSpec:
    direction: str  # ingress | egress
    ethertype: str  # IPv4 | IPv6
    protocol: str | None
    port_range_min: int | None
    port_range_max: int | None
    # Where traffic may come from (ingress) or go to (egress): a CIDR; a remote group is expanded by the
    # service into the CIDRs (/32, /128) of that group's ports.
    remote_cidrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class PortSecuritySpec:
    """What a port's firewall must allow. With `enabled` false the port is not filtered at all."""

    port_id: str
    network_id: str
    mac_address: str
    ip_addresses: tuple[str, ...]
    enabled: bool = True
    rules: tuple[SecurityRuleSpec, ...] = ()
    allowed_address_pairs: tuple[tuple[str, str], ...] = ()  # (ip or cidr, mac)


@dataclass(frozen=True)
class AgentState:
    """One of a driver's agents as its processes are found now: whether it works, and when it last did (seconds
    since the epoch, so a lab restarted meanwhile still knows), with what is wrong when it does not."""

    alive: bool
    last_seen: float
    detail: str = ""


# Nova's metadata API as a network driver's metadata agent reaches it (lab/cloud/compute/metadata.py): (the
# guest's address, the subnet it is on, the path asked) -> (status, content type, body).
MetadataHandler = Callable[[str, str | None, str], tuple[int, str, bytes]]


class NetworkDriver(abc.ABC):
    """Makes the logical network model real (or, for `logical`, only records it).

    The networking service owns everything OpenStack-visible: IDs, IP allocation, MACs, statuses, quotas. It
    calls a driver from the worker, outside any database transaction, with the *whole desired state* of one
    object at a time, so every `ensure_*` is idempotent and converges: calling it twice, or after a crash, or
    after the object changed, leaves exactly the given state. Every `delete_*` succeeds when the object does
    not exist. A driver never imports the database layer.
    """

    name: str = ""
    capabilities: dict[str, bool] = {
        "real_dataplane": False,  # packets actually flow (bridges, namespaces); False: data only
        "dhcp": False,  # guests get their fixed IPs by DHCP
        "nat": False,  # SNAT and floating IPs are real
        "security_groups": False,  # rules are enforced
        "metadata": False,  # guests reach the metadata API at 169.254.169.254
    }
    # Set by the cloud before start(): where a driver with a metadata agent sends the guests' requests.
    metadata: MetadataHandler | None = None

    def __init__(self, data_dir: Path, **options: Any):
        self.data_dir = data_dir

    def start(self) -> None:  # noqa: B027 - optional hook
        """Called once when the cloud starts, before any other call."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Called once when the cloud stops. What the driver made may stay (it is state, like guests)."""

    @abc.abstractmethod
    def ensure_network(self, spec: NetworkSpec) -> None:
        """Post: the network's L2 segment exists with `spec.mtu`; for each subnet with DHCP on, a DHCP server
        answers exactly `spec.dhcp_hosts` (MAC -> IP) with the subnet's gateway, DNS servers and host routes;
        subnets no longer in `spec` are gone from it."""

    @abc.abstractmethod
    def delete_network(self, network_id: str) -> None:
        """Post: nothing of the network remains (segment, DHCP). Succeeds if it does not exist."""

    @abc.abstractmethod
    def ensure_router(self, spec: RouterSpec) -> None:
        """Post: the router forwards between exactly `spec.interfaces` (each with its address), has the
        gateway (SNAT for the interfaces' subnets when `enable_snat`), the static routes, and DNAT/SNAT
        one-to-one for each floating IP; anything not in `spec` is removed."""

    @abc.abstractmethod
    def delete_router(self, router_id: str) -> None:
        """Post: the router and all its NAT rules are gone. Succeeds if it does not exist."""

    @abc.abstractmethod
    def ensure_port_security(self, spec: PortSecuritySpec) -> None:
        """Post: traffic to and from the port is filtered by `spec.rules` (stateful: replies are allowed),
        spoofing is blocked except for the port's addresses and allowed address pairs; no filtering when
        `spec.enabled` is false."""

    @abc.abstractmethod
    def delete_port_security(self, port_id: str) -> None:
        """Post: no rules remain for the port. Succeeds if there are none."""

    def bridge_for(self, network_id: str) -> str | None:
        """The host bridge a guest's NIC joins for this network (goes into NicSpec.bridge); None when the
        driver has no data plane."""
        return None

    def list_networks(self) -> list[str]:
        """The ids of the networks the driver has made (for reconciling after a restart)."""
        return []

    def list_routers(self) -> list[str]:
        return []

    def list_ports(self) -> list[str]:
        """The ids of the ports whose security the driver holds."""
        return []

    def agent_states(self) -> dict[str, AgentState] | None:
        """Neutron's agents the driver runs, by agent type ("DHCP agent", "L3 agent", "Metadata agent", "Linux
        bridge agent"), as its processes are now; None when the driver runs none (the networking service then
        reports them alive on the lab's host)."""
        return None


# ------------------------------------------------------------------------------------------------- volumes
class VolumeNotFound(DriverError):
    """The driver has no volume (or snapshot) with that id."""


class InsufficientCapacity(DriverError):
    """The backend has no room for what was asked (Cinder's scheduler says "No valid backend was found")."""


@dataclass(frozen=True)
class VolumeInfo:
    """Facts about one volume or snapshot file as the backend holds it."""

    id: str
    path: Path
    format: str  # raw | qcow2
    size_gb: int  # the virtual size the guest sees
    allocated_bytes: int  # bytes really used on the backend (files are sparse)


@dataclass(frozen=True)
class BackendStats:
    """What a backend reports to the scheduler (Cinder's get_volume_stats): sizes in GiB, except bytes."""

    backend_name: str
    total_capacity_gb: int
    provisioned_capacity_gb: int  # the sum of the virtual sizes of every volume and snapshot held
    free_capacity_gb: int  # total minus provisioned: the backend never over-commits
    allocated_bytes: int  # what the sparse files really take on disk
    storage_protocol: str = "file"
    thin_provisioning_support: bool = True


class VolumeDriver(abc.ABC):
    """Makes volumes real (Cinder's volume driver, cinder/volume/driver.py, reduced to what a lab needs).

    Cinder itself is a framework over such drivers: the API, quotas, statuses and the scheduler are Cinder's;
    where the bytes live (an LVM logical volume, a Ceph RBD image, a file) is the driver's. The service layer
    here owns the statuses, quotas and capacity accounting; the driver keeps the bytes and reports facts.

    The general rules, as for ComputeDriver: methods are called from the worker thread or a request, outside
    any database transaction; creates and deletes are idempotent (the worker repeats a job after a crash); an
    unknown volume or snapshot raises `VolumeNotFound` except where a method says it succeeds anyway; a
    backend that is full raises `InsufficientCapacity` and leaves nothing behind.
    """

    name: str = ""
    capabilities: dict[str, bool] = {
        "thin_provisioning": True,  # a new volume takes (almost) no space until written
        "online_extend": False,  # extend while attached (Cinder 3.42+; this lab serves 3.0)
    }

    def __init__(self, data_dir: Path, **options: Any):
        """`data_dir` is the driver's own directory (created by the caller); options come from settings."""
        self.data_dir = data_dir

    def start(self) -> None:  # noqa: B027 - optional hook
        """Called once when the cloud starts, before any other call."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Called once when the cloud stops."""

    @abc.abstractmethod
    def create_volume(self, volume_id: str, size_gb: int) -> VolumeInfo:
        """A blank volume of `size_gb` GiB that reads as zeros. Idempotent: an existing volume is returned."""

    @abc.abstractmethod
    def create_volume_from_snapshot(self, volume_id: str, snapshot_id: str, size_gb: int) -> VolumeInfo:
        """A volume holding the snapshot's bytes, grown to `size_gb` (never smaller than the snapshot).
        Independent of the snapshot afterwards: deleting the snapshot leaves the volume intact."""

    @abc.abstractmethod
    def create_cloned_volume(self, volume_id: str, source_volume_id: str, size_gb: int) -> VolumeInfo:
        """A copy of another volume's bytes, grown to `size_gb`; independent of the source afterwards."""

    @abc.abstractmethod
    def copy_image_to_volume(self, volume_id: str, image: ImageSpec, size_gb: int) -> VolumeInfo:
        """A volume holding the image's disk (converted from qcow2 when the driver can), grown to `size_gb`.
        Raises DriverError when the image's disk is larger than `size_gb`."""

    @abc.abstractmethod
    def extend_volume(self, volume_id: str, new_size_gb: int) -> VolumeInfo:
        """Grow the volume to `new_size_gb`; existing bytes are kept. Never shrinks (the caller checks)."""

    @abc.abstractmethod
    def delete_volume(self, volume_id: str) -> None:
        """Remove the volume and free its bytes. Succeeds if the volume does not exist."""

    @abc.abstractmethod
    def create_snapshot(self, snapshot_id: str, volume_id: str) -> VolumeInfo:
        """A point-in-time copy of the volume (the volume may be attached: crash-consistent, as in Cinder with
        force). Idempotent: an existing snapshot is returned."""

    @abc.abstractmethod
    def delete_snapshot(self, snapshot_id: str) -> None:
        """Remove the snapshot and free its bytes. Succeeds if it does not exist."""

    @abc.abstractmethod
    def volume_info(self, volume_id: str) -> VolumeInfo:
        """The facts about one volume. Raises VolumeNotFound."""

    @abc.abstractmethod
    def export_to_file(self, resource_id: str, target: Path, *, snapshot: bool = False) -> None:
        """Write the bytes of a volume (or a snapshot) to `target`, a file outside the backend: what Cinder's
        backup service reads through the volume's connection. `target` appears whole or not at all.
        Raises VolumeNotFound."""

    @abc.abstractmethod
    def import_from_file(self, volume_id: str, source: Path) -> VolumeInfo:
        """Replace the volume's bytes with those of `source` (a file `export_to_file` wrote), keeping the
        volume's size: a backup restore. Raises VolumeNotFound, or DriverError when `source` is larger."""

    @abc.abstractmethod
    def initialize_connection(self, volume_id: str, device: str) -> DiskSpec:
        """What a compute driver needs to attach the volume as `device` (a path and a format).
        Raises VolumeNotFound."""

    @abc.abstractmethod
    def get_volume_stats(self) -> BackendStats:
        """Capacity and usage of the backend, from what it really holds."""

    def total_capacity_gb(self) -> int:
        """The backend's size (`get_volume_stats().total_capacity_gb`), for a driver that knows it without
        walking what it holds."""
        return self.get_volume_stats().total_capacity_gb

    @abc.abstractmethod
    def list_volumes(self) -> list[str]:
        """The ids of every volume the backend holds (used to reconcile after a restart)."""
