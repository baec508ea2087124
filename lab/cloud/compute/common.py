"""What the compute service's modules share: Nova's state vocabulary, the default quotas, the per-request
view of a server, and `ComputePart`, the state every per-resource part of `ComputeService` holds (the cloud,
the other services' contracts, the one host, and the server lookup every part makes)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from lab.cloud import contracts
from lab.cloud.compute.models import Server
from lab.cloud.context import RequestContext
from lab.cloud.drivers.base import ComputeDriver
from lab.cloud.errors import Conflict, NotFound

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

AVAILABILITY_ZONE = "nova"

# Nova's vm_states and task_states (nova/compute/vm_states.py, task_states.py), as far as this cloud uses them.
ACTIVE, BUILDING, STOPPED, RESIZED, ERROR, DELETED = "active", "building", "stopped", "resized", "error", "deleted"
PAUSED, SUSPENDED, RESCUED = "paused", "suspended", "rescued"
SHELVED, SHELVED_OFFLOADED = "shelved", "shelved_offloaded"

# power_state integers as the API shows them (OS-EXT-STS:power_state, nova/compute/power_state.py).
NOSTATE, RUNNING, PAUSED_POWER, SHUTDOWN = 0, 1, 3, 4

# (vm_state, task_state) -> API status, after nova/api/openstack/common.py's _STATE_MAP.
_STATE_MAP: dict[str, dict[str | None, str]] = {
    ACTIVE: {None: "ACTIVE", "rebooting": "REBOOT", "reboot_pending": "REBOOT", "reboot_started": "REBOOT",
             "rebooting_hard": "HARD_REBOOT", "reboot_pending_hard": "HARD_REBOOT",
             "reboot_started_hard": "HARD_REBOOT", "resize_prep": "RESIZE", "resize_migrating": "RESIZE",
             "resize_migrated": "RESIZE", "resize_finish": "RESIZE", "rebuilding": "REBUILD",
             "rebuild_spawning": "REBUILD", "migrating": "MIGRATING", "updating_password": "PASSWORD"},
    BUILDING: {None: "BUILD"},
    STOPPED: {None: "SHUTOFF", "resize_prep": "RESIZE", "resize_migrating": "RESIZE",
              "resize_migrated": "RESIZE", "resize_finish": "RESIZE", "rebooting_hard": "HARD_REBOOT",
              "rebuilding": "REBUILD", "rebuild_spawning": "REBUILD"},
    RESIZED: {None: "VERIFY_RESIZE", "resize_reverting": "REVERT_RESIZE"},
    ERROR: {None: "ERROR", "rebooting_hard": "HARD_REBOOT", "rebuilding": "ERROR"},
    DELETED: {None: "DELETED"},
    PAUSED: {None: "PAUSED", "migrating": "MIGRATING"},
    SUSPENDED: {None: "SUSPENDED"},
    RESCUED: {None: "RESCUE"},
    SHELVED: {None: "SHELVED"},
    SHELVED_OFFLOADED: {None: "SHELVED_OFFLOADED"},
}

# Statuses the server list can be filtered by: status -> (vm_states, task_states or None for any).
STATUS_FILTERS: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    "ACTIVE": ((ACTIVE,), None), "BUILD": ((BUILDING,), None), "SHUTOFF": ((STOPPED,), None),
    "ERROR": ((ERROR,), None), "VERIFY_RESIZE": ((RESIZED,), None), "DELETED": ((DELETED,), None),
    "REBOOT": ((ACTIVE,), ("rebooting", "reboot_pending", "reboot_started")),
    "HARD_REBOOT": ((ACTIVE, STOPPED, ERROR), ("rebooting_hard", "reboot_pending_hard", "reboot_started_hard")),
    "RESIZE": ((ACTIVE, STOPPED), ("resize_prep", "resize_migrating", "resize_migrated", "resize_finish")),
    "REVERT_RESIZE": ((RESIZED,), ("resize_reverting",)),
    "PAUSED": ((PAUSED,), None), "SUSPENDED": ((SUSPENDED,), None), "RESCUE": ((RESCUED,), None),
    "SHELVED": ((SHELVED,), None), "SHELVED_OFFLOADED": ((SHELVED_OFFLOADED,), None),
    "REBUILD": ((ACTIVE, STOPPED), ("rebuilding", "rebuild_spawning")),
}

# Statuses in which Nova shows `progress`.
PROGRESS_STATUSES = ("ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING")


# Built once: constructing a statement costs more than running it from SQLAlchemy's compiled cache.
_LIVE_SERVER = select(Server).where(Server.id == bindparam("server_id"), Server.deleted.is_(False))


def status_of(vm_state: str, task_state: str | None) -> str:
    """The API `status` of a server, as Nova derives it from its vm_state and task_state."""
    states = _STATE_MAP.get(vm_state, {})
    return states.get(task_state) or states.get(None) or "UNKNOWN"


DEFAULT_QUOTAS: dict[str, int] = {
    "instances": 10, "cores": 20, "ram": 51200, "floating_ips": 10, "fixed_ips": -1, "metadata_items": 128,
    "injected_files": 5, "injected_file_content_bytes": 10240, "injected_file_path_bytes": 255,
    "key_pairs": 100, "security_groups": 10, "security_group_rules": 20, "server_groups": 10,
    "server_group_members": 10,
}


def flavor_attrs(flavor: dict[str, Any]) -> dict[str, Any]:
    """What an event records about a server's flavor (what billing prices)."""
    return {"flavor_id": flavor.get("id"), "flavor_name": flavor.get("name"), "vcpus": flavor.get("vcpus", 0),
            "ram": flavor.get("ram", 0), "disk": flavor.get("disk", 0)}


def hostname_for(name: str, server_id: str) -> str:
    """Nova's hostname from a display name: lower case, letters, digits and dashes, at most 63 characters."""
    host = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-.")[:63].strip("-")
    return host or f"server-{server_id[:8]}"


def hostname_of(server: Any) -> str:
    """The server's hostname: the one given at create or update (2.90), else Nova's from its name at create."""
    given = (server.system_metadata or {}).get("hostname")
    return str(given) if given else hostname_for(server.name, server.id)


def server_extra(server: Any, key: str, default: Any = None) -> Any:
    """A value of the newer microversions (description, tags, hostname) kept in system_metadata: the lab's
    tables have no migrations, so new attributes live in that JSON column rather than new columns."""
    return (server.system_metadata or {}).get(key, default)


def reservation_of(server: Any) -> str:
    """The reservation id of the create request that made the server (Nova's `r-` and eight characters, shared
    by the servers of one multiple create); a server recorded before ids were kept shows one from its id."""
    return str(server_extra(server, "reservation_id") or f"r-{server.id[:8]}")


# A server as the views read it: the ORM object, or a row of the same columns (the server list's).
ServerRow = Server | Row[Any]


@dataclass
class ServerView:
    """A server and what other services say about it, ready to render."""

    server: ServerRow
    addresses: dict[str, list[contracts.Address]] = field(default_factory=dict)
    volumes: list[str] = field(default_factory=list)
    security_groups: list[str] = field(default_factory=list)
    deleted_with: list[str] = field(default_factory=list)  # attached volumes with delete_on_termination


class ComputePart:
    """One per-resource part of the compute service (flavors, servers, ...): what every part reads of the cloud.
    Parts are composed by `ComputeService`; a part that needs another is given it when built."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    # The other services, through their contracts (lab/cloud/contracts.py).
    @property
    def network(self) -> contracts.Network:
        return self.cloud.network

    @property
    def volume(self) -> contracts.Volume:
        return self.cloud.volume

    @property
    def image(self) -> contracts.Image:
        return self.cloud.image

    @property
    def driver(self) -> ComputeDriver:
        return self.cloud.compute_driver

    @property
    def host(self) -> str:
        """The one compute host's name (OS-EXT-SRV-ATTR:host, hostId); asked of the driver once."""
        cached: str | None = self.__dict__.get("_host")
        if cached is None:
            cached = str(self.driver.host_info().hypervisor_hostname)
            self.__dict__["_host"] = cached
        return cached

    def is_admin(self, ctx: RequestContext) -> bool:
        """Nova's `context.is_admin`: what the `context_is_admin` rule says of the caller (it widens what the
        database queries see: every project's servers, private flavors, deleted servers)."""
        return self.cloud.policy.allows(ctx, "context_is_admin")

    def visible(self, ctx: RequestContext, project_id: str) -> bool:
        """Whether a resource of `project_id` exists for the caller at all (Nova scopes its queries to the
        caller's project unless it is an admin); others' resources are a 404, not a 403."""
        return ctx.project_id == project_id or self.is_admin(ctx)

    def get_server_row(self, db: Session, ctx: RequestContext, server_id: str) -> Server:
        """The caller's (or, for an admin, anyone's) live server. Raises Nova's 404 otherwise."""
        server = db.scalar(_LIVE_SERVER, {"server_id": server_id})
        if server is None or not self.visible(ctx, server.project_id):
            raise NotFound(f"Instance {server_id} could not be found.")
        return server

    def check_lock(self, ctx: RequestContext, server: Server) -> None:
        """Nova's check_instance_lock: a locked server refuses the actions of anyone but an admin (409)."""
        if server.locked and not self.is_admin(ctx):
            raise Conflict(f"Instance {server.id} is locked")

    @staticmethod
    def invalid_state(action: str, server: Server) -> Conflict:
        """Nova's 409 for an action the server's state does not allow (`action` as Nova names it in the message:
        `start`, `stop`, `reboot`, not the request's `os-start`)."""
        if server.task_state is not None:
            return Conflict(f"Cannot '{action}' instance {server.id} while it is in task_state {server.task_state}")
        return Conflict(f"Cannot '{action}' instance {server.id} while it is in vm_state {server.vm_state}")
