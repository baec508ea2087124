"""The host-level views of the one compute host: availability zones, Nova's services (os-services: enable,
disable, which the scheduler honours), hypervisors (capacity from the driver, usage counted from the servers as
Nova's resource tracker counts it; uptime, search, servers), quota classes and os-simple-tenant-usage (hours of
vCPU, RAM and disk of a project's servers). The bodies are rendered in schemas.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lab.cloud.compute.common import AVAILABILITY_ZONE, ComputePart
from lab.cloud.compute.models import ComputeServiceRecord, Server
from lab.cloud.context import RequestContext
from lab.cloud.drivers.base import HostInfo
from lab.cloud.errors import BadRequest, NotFound, Unimplemented
from lab.cloud.quotas import CLASS_PREFIX, store_limits, stored_limits

# Memory the host keeps for itself (Nova's reserved_host_memory_mb default).
RESERVED_HOST_MEMORY_MB = 512
# Nova's services on an all-in-one host, and the zone each is listed in (control services are `internal`).
SERVICE_BINARIES = (("nova-scheduler", "internal"), ("nova-conductor", "internal"), ("nova-compute", AVAILABILITY_ZONE))


@dataclass(frozen=True)
class Zone:
    """An availability zone; `host`/`updated_at` and the services (binary, enabled) are shown only in the detail
    view, which also lists Nova's `internal` zone of the control services."""

    name: str
    host: str | None = None
    updated_at: datetime | None = None
    services: tuple[tuple[str, bool], ...] = (("nova-compute", True),)


@dataclass(frozen=True)
class ServiceView:
    id: int
    binary: str
    host: str
    zone: str
    disabled: bool
    disabled_reason: str | None
    updated_at: datetime
    forced_down: bool = False

    @property
    def uuid(self) -> str:
        """The id Nova shows from 2.53 (services by UUID): stable for the host and binary."""
        return service_uuid(self.host, self.binary)


def service_uuid(host: str, binary: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"stacklab:service:{host}:{binary}"))


def hypervisor_uuid(hostname: str) -> str:
    """A hypervisor's id from 2.53: stable for the host."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"stacklab:hypervisor:{hostname}"))


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
    disabled: bool = False  # its nova-compute service is disabled
    disabled_reason: str | None = None
    servers: tuple[tuple[str, str], ...] = ()  # (id, name) of the servers on it
    service_id: int = 1


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
        with self.cloud.db.read() as db:
            views = self._service_views(db)
        now = self.cloud.clock.now()
        # Nova's detail: the zones by name, `internal` (scheduler, conductor) before `nova` (compute).
        return [Zone(zone, self.host, now, tuple((v.binary, not v.disabled) for v in views if v.zone == zone))
                for zone in sorted({v.zone for v in views})]

    # ------------------------------------------------------------------ os-services
    def bootstrap(self, db: Session) -> None:
        """The three services of the one host, enabled (an operator's later changes are kept)."""
        now = self.cloud.clock.now()
        for binary, _ in SERVICE_BINARIES:
            if db.scalar(select(ComputeServiceRecord).where(ComputeServiceRecord.binary == binary)) is None:
                db.add(ComputeServiceRecord(binary=binary, host=self.host, updated_at=now))

    def _service_views(self, db: Session) -> list[ServiceView]:
        zones = dict(SERVICE_BINARIES)
        now = self.cloud.clock.now()  # the services report in all the time: they are up, now
        return [ServiceView(r.id, r.binary, r.host, zones.get(r.binary, "internal"), r.disabled, r.disabled_reason,
                            now, r.forced_down)
                for r in db.scalars(select(ComputeServiceRecord).order_by(ComputeServiceRecord.id))]

    @staticmethod
    def _service_row(db: Session, service_id: str) -> ComputeServiceRecord | None:
        """A service by its 2.1 integer id or its 2.53 UUID."""
        if service_id.isdigit():
            return db.get(ComputeServiceRecord, int(service_id))
        return next((r for r in db.scalars(select(ComputeServiceRecord))
                     if service_uuid(r.host, r.binary) == service_id), None)

    def update_service(self, ctx: RequestContext, service_id: str, status: str | None, reason: str | None,
                       forced_down: bool | None) -> ServiceView:
        """PUT /os-services/{uuid} (2.53): `status` enabled or disabled (with a reason), `forced_down`."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-services:update")
        with self.cloud.db.write() as db:
            row = self._service_row(db, service_id)
            if row is None:
                raise NotFound(f"Service {service_id} not found.")
            if status is not None:
                row.disabled = status == "disabled"
                row.disabled_reason = reason if row.disabled else None
            if forced_down is not None:
                row.forced_down = forced_down
            row.updated_at = self.cloud.clock.now()
            db.flush()
            return next(s for s in self._service_views(db) if s.id == row.id)

    def list_services(self, ctx: RequestContext, binary: str | None = None,
                      host: str | None = None) -> list[ServiceView]:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-services:list")
        with self.cloud.db.read() as db:
            return [s for s in self._service_views(db) if binary in (None, s.binary) and host in (None, s.host)]

    def set_service(self, ctx: RequestContext, host: str, binary: str, disabled: bool,
                    reason: str | None = None) -> ServiceView:
        """PUT /os-services/enable|disable|disable-log-reason (2.1: by host and binary)."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-services:update")
        with self.cloud.db.write() as db:
            row = db.scalar(select(ComputeServiceRecord).where(ComputeServiceRecord.binary == binary,
                                                               ComputeServiceRecord.host == host))
            if row is None:
                raise NotFound(f"Compute host {host} could not be found.")
            row.disabled, row.disabled_reason = disabled, reason if disabled else None
            row.updated_at = self.cloud.clock.now()
            db.flush()
            return next(s for s in self._service_views(db) if s.id == row.id)

    def delete_service(self, ctx: RequestContext, service_id: str) -> None:
        """An all-in-one host's own services cannot be deleted while its servers run on them: Nova's 409 for
        a compute service with instances, 400 for the control services (the lab would not work without)."""
        from lab.cloud.errors import Conflict

        self.cloud.policy.enforce(ctx, "os_compute_api:os-services:delete")
        with self.cloud.db.read() as db:
            row = self._service_row(db, service_id)
            if row is None:
                raise NotFound(f"Service {service_id} not found.")
        if row.binary == "nova-compute":
            raise Conflict("Unable to delete compute service that is hosting instances. Migrate or delete the "
                           "instances first.")
        raise BadRequest(f"Service {service_id} ({row.binary}) is this lab's own control service and cannot be "
                         "deleted.")

    def scheduling_refusal(self) -> str | None:
        """Why the scheduler would find no host for a new server now (None: the host takes it)."""
        with self.cloud.db.read() as db:
            compute = db.scalar(select(ComputeServiceRecord).where(ComputeServiceRecord.binary == "nova-compute"))
        if compute is not None and (compute.disabled or compute.forced_down):
            return "No valid host was found. There are not enough hosts available."
        return None

    # ------------------------------------------------------------------ hypervisors
    def _hypervisors(self) -> list[Hypervisor]:
        info = self.driver.host_info()
        with self.cloud.db.read() as db:
            # A shelved-offloaded server has no host (its guest is gone): it uses nothing here.
            rows = list(db.execute(select(Server.flavor, Server.task_state, Server.id, Server.name).where(
                Server.deleted.is_(False), Server.host.is_not(None)).order_by(Server.created_at)))
            compute = db.scalar(select(ComputeServiceRecord).where(ComputeServiceRecord.binary == "nova-compute"))
        return [Hypervisor(
            id=1, info=info, vcpus_used=sum(int(f.get("vcpus", 0)) for f, *_ in rows),
            memory_mb_used=sum(int(f.get("ram", 0)) for f, *_ in rows) + RESERVED_HOST_MEMORY_MB,
            local_gb_used=sum(int(f.get("disk", 0)) for f, *_ in rows), running_vms=len(rows),
            current_workload=sum(task is not None for _, task, *_ in rows),
            disabled=bool(compute and compute.disabled), disabled_reason=compute.disabled_reason if compute else None,
            servers=tuple((sid, name) for _, _, sid, name in rows), service_id=compute.id if compute else 1)]

    def hypervisor_uptime(self, ctx: RequestContext, hypervisor_id: str) -> tuple[Hypervisor, str]:
        """The hypervisor and the host's `uptime` line, as Nova's libvirt driver reports it."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-hypervisors:uptime")
        hypervisor = self._find(hypervisor_id)
        return hypervisor, _uptime_line(self.cloud.clock.now())

    def search_hypervisors(self, ctx: RequestContext, pattern: str, servers: bool = False) -> list[Hypervisor]:
        """os-hypervisors/{pattern}/search and /servers: hypervisors whose name contains `pattern`."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-hypervisors:servers" if servers
                                  else "os_compute_api:os-hypervisors:search")
        found = [h for h in self._hypervisors() if pattern in h.info.hypervisor_hostname]
        if not found:
            raise NotFound(f"No hypervisor matching '{pattern}' could be found.")
        return found

    def _find(self, hypervisor_id: str) -> Hypervisor:
        for hypervisor in self._hypervisors():
            if hypervisor_id in (str(hypervisor.id), hypervisor_uuid(hypervisor.info.hypervisor_hostname)):
                return hypervisor
        raise NotFound(f"Hypervisor with ID '{hypervisor_id}' could not be found.")

    # ------------------------------------------------------------------ quota classes
    def show_quota_class(self, ctx: RequestContext, class_name: str) -> dict[str, int]:
        """os-quota-class-sets/{name}: the `default` class is the defaults every project starts from (Nova
        uses no other class; another name shows the defaults with its own changes)."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-quota-class-sets:show")
        with self.cloud.db.read() as db:
            return self.quota_class(db, class_name)

    def quota_class(self, db: Session, class_name: str) -> dict[str, int]:
        values = self.cloud.quotas.class_defaults(db, "compute")
        values.update((k, v) for k, v in stored_limits(db, "compute", CLASS_PREFIX + class_name).items()
                      if k in values)
        return values

    def update_quota_class(self, ctx: RequestContext, class_name: str, values: dict[str, int]) -> dict[str, int]:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-quota-class-sets:update")
        with self.cloud.db.write() as db:
            store_limits(db, "compute", CLASS_PREFIX + class_name, values)
            return self.quota_class(db, class_name)

    def check_extensions(self, ctx: RequestContext) -> None:
        """GET /extensions: Nova's extension list is for any user of the cloud."""
        self.cloud.policy.enforce(ctx, "os_compute_api:extensions")

    def floating_ip_pools(self, ctx: RequestContext) -> list[str]:
        """os-floating-ip-pools (Nova's proxy to Neutron): the external networks' names."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-floating-ip-pools")
        with self.cloud.db.read() as db:
            return self.network.floating_ip_pools(db)

    # ------------------------------------------------------------------ os-hosts (2.1-2.42)
    def list_hosts(self, ctx: RequestContext, zone: str | None = None) -> list[dict[str, str]]:
        """GET /os-hosts: each service's host, its binary without `nova-`, its zone. As in Nova (`if zone:`), a
        blank zone (`?zone=`) filters nothing."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-hosts:list")
        with self.cloud.db.read() as db:
            return [{"host_name": s.host, "service": s.binary.removeprefix("nova-"), "zone": s.zone}
                    for s in self._service_views(db) if not zone or zone == s.zone]

    # ------------------------------------------------------------------ os-instance_usage_audit_log
    def instance_usage_audit_log(self, ctx: RequestContext, before: str | None = None) -> dict[str, Any]:
        """GET /os-instance_usage_audit_log[/{before}]: the audit of nova-compute's periodic usage task for the
        last completed month before `before` (`YYYY-MM-DD HH:MM:SS[.ffffff]`, default now). Nova runs that task
        only with instance_usage_audit set, which is off by default and here: no host has run it, so the one
        compute host is "not run"."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-instance-usage-audit-log:"
                                  + ("list" if before is None else "show"))
        moment = self.cloud.clock.now()
        if before is not None:
            try:
                moment = datetime.strptime(before, "%Y-%m-%d %H:%M:%S.%f" if "." in before else "%Y-%m-%d %H:%M:%S")
            except ValueError:
                raise BadRequest(f"Invalid timestamp for date {before}") from None
        begin, end = last_completed_month(moment)
        with self.cloud.db.read() as db:
            hosts = sorted({s.host for s in self._service_views(db) if s.binary == "nova-compute"})
        return {"period_beginning": str(begin), "period_ending": str(end), "num_hosts": len(hosts),
                "num_hosts_done": 0, "num_hosts_running": 0, "num_hosts_not_run": len(hosts),
                "hosts_not_run": hosts, "total_instances": 0, "total_errors": 0,
                "overall_status": f"{'ALL' if not hosts else f'0 of {len(hosts)}'} hosts done. 0 errors.",
                "log": {}}

    def update_host(self, ctx: RequestContext, host: str, status: bool | None,
                    maintenance: bool | None) -> dict[str, str]:
        """PUT /os-hosts/{host} (`status`, `maintenance_mode`: enable/disable), as Nova answers it with the libvirt
        driver: a known compute host is Nova's 501 (libvirt implements neither set_host_enabled nor
        host_maintenance_mode; os-services disables a host); an unknown one is 404; a body naming neither
        changes nothing and answers the host alone, as Nova's does."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-hosts:update")
        if status is None and maintenance is None:
            return {"host": host}
        self._compute_host(host)
        raise Unimplemented("The requested functionality is not supported.")

    def host_power_action(self, ctx: RequestContext, host: str, action: str) -> dict[str, str]:
        """GET /os-hosts/{host}/startup|shutdown|reboot: Nova's 501 with the libvirt driver (it cannot power the
        machine it runs on; nor can this lab), 404 for an unknown host."""
        self.cloud.policy.enforce(ctx, f"os_compute_api:os-hosts:{'start' if action == 'startup' else action}")
        self._compute_host(host)
        raise Unimplemented("The requested functionality is not supported.")

    def _compute_host(self, host: str) -> None:
        """Nova's HostAPI._assert_host_exists: a host with a nova-compute service, else its 404."""
        with self.cloud.db.read() as db:
            if host not in {s.host for s in self._service_views(db) if s.binary == "nova-compute"}:
                raise NotFound(f"Compute host {host} could not be found.")

    def show_host(self, ctx: RequestContext, host: str) -> list[dict[str, Any]]:
        """GET /os-hosts/{host}: Nova's resource rows of a compute host: (total), (used_now), (used_max) and one
        per project with servers on it (404 for a host that is not a compute host)."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-hosts:show")
        with self.cloud.db.read() as db:
            if host not in {s.host for s in self._service_views(db) if s.binary == "nova-compute"}:
                raise NotFound(f"Compute host {host} could not be found.")
            flavors = list(db.execute(select(Server.project_id, Server.flavor).where(
                Server.deleted.is_(False), Server.host.is_not(None))))
        (hv,) = self._hypervisors()

        def row(project: str, cpu: int, memory_mb: int, disk_gb: int) -> dict[str, Any]:
            return {"resource": {"host": host, "project": project, "cpu": cpu, "memory_mb": memory_mb,
                                 "disk_gb": disk_gb}}

        rows = [row("(total)", hv.info.vcpus, hv.info.memory_mb, hv.info.local_gb),
                row("(used_now)", hv.vcpus_used, hv.memory_mb_used, hv.local_gb_used),
                row("(used_max)", hv.vcpus_used, hv.memory_mb_used - RESERVED_HOST_MEMORY_MB, hv.local_gb_used)]
        per_project: dict[str, list[int]] = {}
        for project, flavor in flavors:
            used = per_project.setdefault(project, [0, 0, 0])
            used[0] += int(flavor.get("vcpus", 0))
            used[1] += int(flavor.get("ram", 0))
            used[2] += int(flavor.get("disk", 0))
        rows += [row(project, *used) for project, used in sorted(per_project.items())]
        return rows

    def hypervisors(self, ctx: RequestContext, detail: bool = False) -> list[Hypervisor]:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-hypervisors:list-detail" if detail
                                  else "os_compute_api:os-hypervisors:list")
        return self._hypervisors()

    def hypervisor(self, ctx: RequestContext, hypervisor_id: str) -> Hypervisor:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-hypervisors:show")
        return self._find(hypervisor_id)

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


def _uptime_line(now: datetime) -> str:
    """The host's `uptime` output (Nova's libvirt driver runs the command): real uptime, load averages."""
    import os

    try:
        with open("/proc/uptime") as f:
            seconds = int(float(f.read().split()[0]))
        load = os.getloadavg()
    except (OSError, ValueError, IndexError):
        seconds, load = 0, (0.0, 0.0, 0.0)
    days, rest = divmod(seconds, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    up = f"{days} day{'s' if days != 1 else ''}, {hours:2d}:{minutes:02d}" if days else f"{hours:2d}:{minutes:02d}"
    return (f" {now:%H:%M:%S} up {up},  1 user,  load average: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")


def last_completed_month(now: datetime) -> tuple[datetime, datetime]:
    """Nova's utils.last_completed_audit_period with its default unit, a month: the month that ended last."""
    end = datetime(now.year, now.month, 1)
    if end >= now:
        end = datetime(now.year - 1, 12, 1) if now.month == 1 else datetime(now.year, now.month - 1, 1)
    begin = datetime(end.year - 1, 12, 1) if end.month == 1 else datetime(end.year, end.month - 1, 1)
    return begin, end
