"""The compute service (Nova v2.1 subset): `ComputeService` is assembled from one part per resource
(flavors.py, keypairs.py, servers.py, actions.py, quotas.py, instance_actions.py) and adds the host-level views
(availability zones, hypervisors, simple tenant usage). The worker's compute jobs are registered here.

Jobs: `compute.build` (spawn, then ACTIVE or ERROR), `compute.task` (finish a resize, a revert, or a task a
killed process left behind), `compute.delete` (give volumes back, destroy the guest).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from lab.cloud import contracts
from lab.cloud.compute.actions import ActionsMixin
from lab.cloud.compute.common import AVAILABILITY_ZONE, status_of
from lab.cloud.compute.instance_actions import InstanceActionsMixin
from lab.cloud.compute.keypairs import KeypairsMixin
from lab.cloud.compute.models import KeyPair, Server
from lab.cloud.context import RequestContext
from lab.cloud.db import count
from lab.cloud.errors import NotFound
from lab.cloud.plugin import Purge
from lab.cloud.worker import Jobs, JobSpec, job

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


class ComputeService(ActionsMixin, KeypairsMixin, InstanceActionsMixin):
    def __init__(self, cloud: Cloud):
        super().__init__(cloud)

    def bootstrap(self) -> None:
        """Default flavors on a fresh lab; on every start, finish what a killed process left half-done."""
        with self.cloud.db.write() as db:
            self.bootstrap_flavors(db)
        self.recover()

    # ------------------------------------------------------------------ student reset (lab/cloud/plugin.py)
    def purge_project(self, purge: Purge) -> None:
        """The project's servers are deleted as an API delete does (Nova keeps the soft-deleted row; ports go,
        floating IPs are disassociated, a delete event and a compute.delete job are recorded), and the
        users' key pairs."""
        db, system = purge.db, RequestContext.system()
        guests = []
        for server in db.scalars(select(Server).where(Server.project_id == purge.project_id,
                                                      Server.deleted.is_(False))):
            self._mark_deleted(db, server, purge.now, system.user_id)
            guests.append(server.id)
            purge.removed["servers"] += 1
        purge.removed["keypairs"] += db.execute(  # type: ignore[attr-defined]
            delete(KeyPair).where(KeyPair.user_id.in_(purge.user_ids))).rowcount or 0
        purge.leftovers["compute"] = guests
        db.flush()

    def after_purge(self, leftovers: list[str]) -> None:
        for server_id in leftovers:  # the compute.delete jobs destroyed them already: a no-op then
            self.driver.destroy(server_id)

    def holdings(self, db: Session, project_id: str, user_ids: list[str]) -> dict[str, int]:
        return {"servers": count(db, Server, Server.project_id == project_id, Server.deleted.is_(False)),
                "keypairs": count(db, KeyPair, KeyPair.user_id.in_(user_ids))}

    # ------------------------------------------------------------------ the contract (lab/cloud/contracts.py)
    def server_statuses(self, db: Session, server_ids: list[str]) -> dict[str, str]:
        rows = db.execute(select(Server.id, Server.vm_state, Server.task_state).where(
            Server.id.in_(server_ids), Server.deleted.is_(False)))
        return {server_id: status_of(vm, task) for server_id, vm, task in rows}

    # ------------------------------------------------------------------ availability zones
    def availability_zones(self, ctx: RequestContext, detail: bool = False) -> list[dict[str, Any]]:
        self.cloud.policy.enforce(ctx, "compute:get" if not detail else "compute:hypervisors")
        hosts = None
        if detail:
            now = self.cloud.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f")
            hosts = {self.host: {"nova-compute": {"available": True, "active": True, "updated_at": now}}}
        return [{"zoneName": AVAILABILITY_ZONE, "zoneState": {"available": True}, "hosts": hosts}]

    # ------------------------------------------------------------------ hypervisors
    def _used(self) -> dict[str, int]:
        with self.cloud.db.read() as db:
            rows = list(db.execute(select(Server.flavor, Server.task_state).where(Server.deleted.is_(False))))
        used = {"vcpus": 0, "memory_mb": 0, "local_gb": 0, "running_vms": 0, "workload": 0}
        for flavor, task in rows:
            used["vcpus"] += int(flavor.get("vcpus", 0))
            used["memory_mb"] += int(flavor.get("ram", 0))
            used["local_gb"] += int(flavor.get("disk", 0))
            used["running_vms"] += 1
            used["workload"] += task is not None  # Nova counts servers with a task in progress
        return used

    def hypervisors(self, ctx: RequestContext) -> list[dict[str, Any]]:
        """The one hypervisor, as Nova's os-hypervisors/detail shows it (capacity from the driver, usage from
        the servers, as Nova's resource tracker counts it)."""
        self.cloud.policy.enforce(ctx, "compute:hypervisors")
        info = self.driver.host_info()
        used = self._used()

        return [{
            "id": 1, "hypervisor_hostname": info.hypervisor_hostname, "hypervisor_type": info.hypervisor_type,
            "hypervisor_version": info.hypervisor_version, "state": "up", "status": "enabled",
            "host_ip": info.host_ip, "cpu_info": json.dumps(info.cpu_info),
            "vcpus": info.vcpus, "vcpus_used": used["vcpus"],
            "memory_mb": info.memory_mb, "memory_mb_used": used["memory_mb"] + 512,
            "free_ram_mb": info.memory_mb - used["memory_mb"] - 512,
            "local_gb": info.local_gb, "local_gb_used": used["local_gb"],
            "free_disk_gb": info.local_gb - used["local_gb"], "disk_available_least": info.local_gb - used["local_gb"],
            "current_workload": used["workload"], "running_vms": used["running_vms"],
            "service": {"host": info.hypervisor_hostname, "id": 1, "disabled_reason": None},
        }]

    def hypervisor(self, ctx: RequestContext, hypervisor_id: str) -> dict[str, Any]:
        for hypervisor in self.hypervisors(ctx):
            if str(hypervisor["id"]) == hypervisor_id:
                return hypervisor
        raise NotFound(f"Hypervisor with ID '{hypervisor_id}' could not be found.")

    def hypervisor_statistics(self, ctx: RequestContext) -> dict[str, Any]:
        keys = ("vcpus", "vcpus_used", "memory_mb", "memory_mb_used", "free_ram_mb", "local_gb", "local_gb_used",
                "free_disk_gb", "disk_available_least", "current_workload", "running_vms")
        hypervisors = self.hypervisors(ctx)
        stats = {k: sum(int(h[k]) for h in hypervisors) for k in keys}
        return {"count": len(hypervisors), **stats}

    # ------------------------------------------------------------------ os-simple-tenant-usage
    def tenant_usage(self, ctx: RequestContext, project_id: str, start: datetime, end: datetime) -> dict[str, Any]:
        """Usage of one project's servers between `start` and `end` (hours of vCPU, RAM and disk)."""
        self.cloud.policy.enforce(ctx, "compute:get", project_id)
        with self.cloud.db.read() as db:
            servers = list(db.scalars(select(Server).where(
                Server.project_id == project_id, Server.created_at < end,
                or_(Server.deleted_at.is_(None), Server.deleted_at > start))))
        now = self.cloud.clock.now()
        usages = []
        totals = {"total_vcpus_usage": 0.0, "total_memory_mb_usage": 0.0, "total_local_gb_usage": 0.0,
                  "total_hours": 0.0}
        for s in servers:
            began = max(s.launched_at or s.created_at, start)
            stopped = min(s.terminated_at or now, end)
            hours = max(0.0, (stopped - began).total_seconds() / 3600)
            f = s.flavor
            usages.append({
                "instance_id": s.id, "name": s.name, "hours": hours, "vcpus": f.get("vcpus", 0),
                "memory_mb": f.get("ram", 0), "local_gb": f.get("disk", 0), "flavor": f.get("name"),
                "tenant_id": s.project_id, "state": s.vm_state,
                "started_at": (s.launched_at or s.created_at).strftime("%Y-%m-%dT%H:%M:%S.%f"),
                "ended_at": s.terminated_at.strftime("%Y-%m-%dT%H:%M:%S.%f") if s.terminated_at else None,
                "uptime": int(max(0.0, ((s.terminated_at or now) - (s.launched_at or s.created_at)).total_seconds())),
            })
            totals["total_hours"] += hours
            totals["total_vcpus_usage"] += hours * f.get("vcpus", 0)
            totals["total_memory_mb_usage"] += hours * f.get("ram", 0)
            totals["total_local_gb_usage"] += hours * f.get("disk", 0)
        return {"tenant_id": project_id, "start": start.strftime("%Y-%m-%dT%H:%M:%S.%f"),
                "stop": end.strftime("%Y-%m-%dT%H:%M:%S.%f"), "server_usages": usages, **totals}


# ---------------------------------------------------------------------------------------------- worker jobs
def _service(cloud: Cloud) -> ComputeService:
    service = cloud.compute
    assert isinstance(service, ComputeService)
    return service


def _build_failed(cloud: Cloud, job: JobSpec, detail: str) -> None:
    _service(cloud).set_error(job.resource_id, f"Build of instance {job.resource_id} aborted: {detail}")


def _task_failed(cloud: Cloud, job: JobSpec, detail: str) -> None:
    _service(cloud).set_error(job.resource_id, detail)


JOBS: Jobs = {}  # the worker jobs of this module, listed in the plugin


@job(JOBS, "compute.build", on_failure=_build_failed)
def build_server(cloud: Cloud, job: JobSpec) -> None:
    _service(cloud).build(job.resource_id, int(job.payload.get("polls", 0)))


@job(JOBS, "compute.task", on_failure=_task_failed)
def finish_task(cloud: Cloud, job: JobSpec) -> None:
    _service(cloud).run_task(job.resource_id)


@job(JOBS, "compute.delete")
def destroy_guest(cloud: Cloud, job: JobSpec) -> None:
    _service(cloud).destroy(job.resource_id)


def _fulfils(service: ComputeService) -> contracts.Compute:
    """Checked by mypy: the service is what the other services are promised (lab/cloud/contracts.py)."""
    return service
