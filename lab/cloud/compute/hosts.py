"""The host-level views of the one compute host: availability zones, hypervisors (capacity from the driver,
usage counted from the servers as Nova's resource tracker counts it) and os-simple-tenant-usage (hours of
vCPU, RAM and disk of a project's servers). The bodies are rendered in schemas.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from lab.cloud.compute.common import AVAILABILITY_ZONE, ComputePart
from lab.cloud.compute.models import Server
from lab.cloud.context import RequestContext
from lab.cloud.drivers.base import HostInfo
from lab.cloud.errors import NotFound

# Memory the host keeps for itself (Nova's reserved_host_memory_mb default).
RESERVED_HOST_MEMORY_MB = 512


@dataclass(frozen=True)
class Zone:
    """The one availability zone; `host`/`updated_at` are shown only in the detail view."""

    name: str
    host: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Hypervisor:
    """The one hypervisor: the driver's capacity and what the live servers use of it."""

    id: int
    info: HostInfo
    vcpus_used: int
    memory_mb_used: int  # with the host's reserved memory
    local_gb_used: int
    running_vms: int
    current_workload: int  # servers with a task in progress, as Nova counts them


@dataclass(frozen=True)
class ServerUsage:
    server: Server
    hours: float
    uptime: int  # seconds since launch (to deletion, or now)


@dataclass(frozen=True)
class TenantUsage:
    project_id: str
    start: datetime
    stop: datetime
    servers: list[ServerUsage]


class Hosts(ComputePart):
    # ------------------------------------------------------------------ availability zones
    def availability_zones(self, ctx: RequestContext, detail: bool = False) -> list[Zone]:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-availability-zone:detail" if detail
                                  else "os_compute_api:os-availability-zone:list")
        if not detail:
            return [Zone(AVAILABILITY_ZONE)]
        return [Zone(AVAILABILITY_ZONE, self.host, self.cloud.clock.now())]

    # ------------------------------------------------------------------ hypervisors
    def _hypervisors(self) -> list[Hypervisor]:
        info = self.driver.host_info()
        with self.cloud.db.read() as db:
            # A shelved-offloaded server has no host (its guest is gone): it uses nothing here.
            rows = list(db.execute(select(Server.flavor, Server.task_state).where(
                Server.deleted.is_(False), Server.host.is_not(None))))
        return [Hypervisor(
            id=1, info=info, vcpus_used=sum(int(f.get("vcpus", 0)) for f, _ in rows),
            memory_mb_used=sum(int(f.get("ram", 0)) for f, _ in rows) + RESERVED_HOST_MEMORY_MB,
            local_gb_used=sum(int(f.get("disk", 0)) for f, _ in rows), running_vms=len(rows),
            current_workload=sum(task is not None for _, task in rows))]

    def hypervisors(self, ctx: RequestContext, detail: bool = False) -> list[Hypervisor]:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-hypervisors:list-detail" if detail
                                  else "os_compute_api:os-hypervisors:list")
        return self._hypervisors()

    def hypervisor(self, ctx: RequestContext, hypervisor_id: str) -> Hypervisor:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-hypervisors:show")
        for hypervisor in self._hypervisors():
            if str(hypervisor.id) == hypervisor_id:
                return hypervisor
        raise NotFound(f"Hypervisor with ID '{hypervisor_id}' could not be found.")

    def hypervisor_statistics(self, ctx: RequestContext) -> list[Hypervisor]:
        """The hypervisors to sum (schemas.hypervisor_statistics sums them)."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-hypervisors:statistics")
        return self._hypervisors()

    # ------------------------------------------------------------------ os-simple-tenant-usage
    def tenant_usage(self, ctx: RequestContext, project_id: str, start: datetime, end: datetime,
                     listing: bool = False) -> TenantUsage:
        """Usage of one project's servers between `start` and `end` (`listing`: GET /os-simple-tenant-usage,
        which here lists the caller's own project)."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-simple-tenant-usage:list" if listing
                                  else "os_compute_api:os-simple-tenant-usage:show", project_id)
        with self.cloud.db.read() as db:
            servers = list(db.scalars(select(Server).where(
                Server.project_id == project_id, Server.created_at < end,
                or_(Server.deleted_at.is_(None), Server.deleted_at > start))))
        now = self.cloud.clock.now()
        usages = []
        for s in servers:
            launched = s.launched_at or s.created_at
            began = max(launched, start)
            stopped = min(s.terminated_at or now, end)
            usages.append(ServerUsage(s, max(0.0, (stopped - began).total_seconds() / 3600),
                                      int(max(0.0, ((s.terminated_at or now) - launched).total_seconds()))))
        return TenantUsage(project_id, start, end, usages)
