"""What the compute host knows of a guest beyond its server record: GET /servers/{id}/diagnostics (the virt
driver's counters per vCPU, disk and NIC; admin) and os-server-password (the password a guest posts to the
metadata service, encrypted with its key pair; this lab's metadata service takes no posts, so it is always the
empty string Nova shows before a guest has set one, and clearing it is a no-op). The bodies are rendered in
operator_schemas.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lab.cloud.compute.common import ComputePart
from lab.cloud.context import RequestContext
from lab.cloud.drivers.base import GuestDiagnostics, GuestNotFound, PowerState
from lab.cloud.errors import Conflict

# nova.compute.power_state.STATE_MAP: what diagnostics call each power state.
STATE_NAMES = {PowerState.NOSTATE: "pending", PowerState.RUNNING: "running", PowerState.PAUSED: "paused",
               PowerState.SHUTDOWN: "shutdown", PowerState.CRASHED: "crashed", PowerState.SUSPENDED: "suspended"}


@dataclass(frozen=True)
class Diagnosis:
    """A running guest's diagnostics and what Nova's compute manager adds from the server."""

    guest: GuestDiagnostics
    hypervisor: str  # the host's hypervisor type, lower case (libvirt's virt_type)
    uptime: int | None  # seconds since the server was launched
    config_drive: bool


class Diagnostics(ComputePart):
    def diagnostics(self, ctx: RequestContext, server_id: str) -> Diagnosis:
        """GET /servers/{id}/diagnostics: Nova's compute manager asks the driver only for a running guest (409
        otherwise, with its power state); a server with no guest yet is Nova's 409 "not ready"."""
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:os-server-diagnostics", server.project_id)
        if server.host is None:
            raise Conflict(f"Instance {server_id} is not ready")
        try:
            guest = self.driver.diagnostics(server_id)
        except GuestNotFound:
            raise Conflict(f"Instance {server_id} is not ready") from None
        if guest.power_state != PowerState.RUNNING:
            raise Conflict(f"Cannot 'get_diagnostics' instance {server_id} while it is in power state "
                           f"{STATE_NAMES.get(guest.power_state, 'pending')}")
        return Diagnosis(guest, self.driver.host_info().hypervisor_type.lower(),
                         _seconds_since(server.launched_at, self.cloud.clock.now()),
                         server.config_drive.lower() == "true")

    def password(self, ctx: RequestContext, server_id: str) -> str:
        """GET /servers/{id}/os-server-password: the encrypted password the guest posted (none here)."""
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:os-server-password:show", server.project_id)
        return ""

    def clear_password(self, ctx: RequestContext, server_id: str) -> None:
        """DELETE /servers/{id}/os-server-password: forget the posted password (the guest's own is unchanged)."""
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:os-server-password:clear", server.project_id)


def _seconds_since(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))
