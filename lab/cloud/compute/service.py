"""The compute service (Nova v2.1 subset): `ComputeService` is a facade over one part per resource, each in its
own module: `flavors` (flavors.py), `keypairs` (keypairs.py), `quotas` (quotas.py), `servers` (servers.py),
`actions` (actions.py: power, resize and the guest's build and tasks), `lifecycle` (lifecycle.py: lock, pause,
suspend, shelve, rebuild, rescue, createImage, migrations), `instance_actions` (instance_actions.py), `hosts`
(hosts.py: availability zones, services, hypervisors, quota classes, simple tenant usage), `server_groups`
(server_groups.py), `block_devices` (block_devices.py: boot from volume), `interfaces` (interfaces.py:
os-interface), `diagnostics` (diagnostics.py: server diagnostics, os-server-password), `consoles` (consoles.py:
remote consoles), `aggregates` (aggregates.py: host aggregates), `server_tags` (server_tags.py) and
`external_events` and `assisted_snapshots` (external.py: the APIs Neutron and Cinder call).
Routes call the parts; other services call the facade's contract (lab/cloud/contracts.py `Compute`); the cloud
calls its hooks (lab/cloud/plugin.py).

Jobs: `compute.build` (spawn, then ACTIVE or ERROR), `compute.task` (finish a resize, a revert, or a task a
killed process left behind), `compute.delete` (give volumes back, destroy the guest).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud import contracts
from lab.cloud.compute.actions import ServerActions
from lab.cloud.compute.aggregates import Aggregates
from lab.cloud.compute.block_devices import BlockDevices
from lab.cloud.compute.common import ServerView, status_of
from lab.cloud.compute.consoles import Consoles
from lab.cloud.compute.diagnostics import Diagnostics
from lab.cloud.compute.external import AssistedSnapshots, ExternalEvents
from lab.cloud.compute.flavors import Flavors
from lab.cloud.compute.hosts import Hosts
from lab.cloud.compute.instance_actions import InstanceActions
from lab.cloud.compute.interfaces import Interfaces
from lab.cloud.compute.keypairs import Keypairs
from lab.cloud.compute.lifecycle import Lifecycle
from lab.cloud.compute.models import KeyPair, Server
from lab.cloud.compute.quotas import Quotas
from lab.cloud.compute.server_groups import ServerGroups
from lab.cloud.compute.server_tags import ServerTags
from lab.cloud.compute.servers import Servers
from lab.cloud.context import RequestContext
from lab.cloud.db import count
from lab.cloud.drivers.base import DiskSpec
from lab.cloud.plugin import Purge
from lab.cloud.worker import Jobs, JobSpec, job

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


class ComputeService:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.quotas = Quotas(cloud)
        self.flavors = Flavors(cloud)
        self.keypairs = Keypairs(cloud, self.quotas)
        self.servers = Servers(cloud, self.flavors, self.quotas)
        self.actions = ServerActions(cloud, self.servers, self.flavors, self.quotas)
        self.block_devices = BlockDevices(cloud)
        self.servers.block_devices = self.actions.block_devices = self.block_devices
        self.lifecycle = Lifecycle(cloud, self.actions)
        self.migrations = self.actions.migrations
        self.instance_actions = InstanceActions(cloud)
        self.hosts = Hosts(cloud)
        self.server_groups = ServerGroups(cloud, self.quotas)
        self.interfaces = Interfaces(cloud)
        self.consoles = Consoles(cloud)
        self.diagnostics = Diagnostics(cloud)
        self.aggregates = Aggregates(cloud)
        self.server_tags = ServerTags(cloud)
        self.external_events = ExternalEvents(cloud)
        self.assisted_snapshots = AssistedSnapshots(cloud)
        self.servers.groups = self.server_groups
        self.actions.filters.append(lambda server_id: self.hosts.scheduling_refusal())
        self.actions.filters.append(self.server_groups.scheduling_refusal)

    # ------------------------------------------------------------------ hooks (lab/cloud/plugin.py)
    def bootstrap(self) -> None:
        """Default flavors on a fresh lab (a lab whose admin deleted one keeps it deleted) and Nova's services."""
        with self.cloud.db.write() as db:
            self.flavors.bootstrap(db)
            self.hosts.bootstrap(db)

    def recover(self) -> int:
        """At every start, after every service's bootstrap: queue the jobs a killed process left undone (see
        ServerActions.recover); how many were queued."""
        return self.actions.recover()

    def purge_project(self, purge: Purge) -> None:
        """The project's servers are deleted as an API delete does (Nova keeps the soft-deleted row; ports go,
        floating IPs are disassociated, a delete event and a compute.delete job are recorded), and the
        users' key pairs."""
        db, system = purge.db, RequestContext.system()
        guests = []
        for server in db.scalars(select(Server).where(Server.project_id == purge.project_id,
                                                      Server.deleted.is_(False))):
            self.servers.mark_deleted(db, server, purge.now, system.user_id)
            guests.append(server.id)
            purge.removed["servers"] += 1
        purge.removed["server_groups"] += self.server_groups.purge_project(db, purge.project_id)
        purge.removed["keypairs"] += db.execute(  # type: ignore[attr-defined]
            delete(KeyPair).where(KeyPair.user_id.in_(purge.user_ids))).rowcount or 0
        purge.leftovers["compute"] = guests
        db.flush()

    def after_purge(self, leftovers: list[str]) -> None:
        for server_id in leftovers:  # the compute.delete jobs destroyed them already: a no-op then
            self.cloud.compute_driver.destroy(server_id)

    def holdings(self, db: Session, project_id: str, user_ids: list[str]) -> dict[str, int]:
        return {"servers": count(db, Server, Server.project_id == project_id, Server.deleted.is_(False)),
                "keypairs": count(db, KeyPair, KeyPair.user_id.in_(user_ids))}

    # ------------------------------------------------------------------ the contract (lab/cloud/contracts.py)
    def get_server(self, ctx: RequestContext, server_id: str) -> ServerView:
        return self.servers.get_server(ctx, server_id)

    def find_server(self, ctx: RequestContext, server_id: str) -> Server:
        return self.servers.find_server(ctx, server_id)

    def volume_mappings(self, server_id: str) -> dict[str, contracts.VolumeMapping]:
        with self.cloud.db.read() as db:
            return {m.volume_id: contracts.VolumeMapping(m.boot_index == 0, m.delete_on_termination, m.tag)
                    for m in self.block_devices.mappings(db, server_id) if m.volume_id}

    def set_delete_on_termination(self, server_id: str, volume_id: str, value: bool, device: str) -> None:
        self.block_devices.set_delete_on_termination(server_id, volume_id, value, device)

    def server_statuses(self, db: Session, server_ids: list[str]) -> dict[str, str]:
        rows = db.execute(select(Server.id, Server.vm_state, Server.task_state).where(
            Server.id.in_(server_ids), Server.deleted.is_(False)))
        return {server_id: status_of(vm, task) for server_id, vm, task in rows}

    def server_names(self, db: Session, server_ids: list[str]) -> dict[str, str]:
        rows = db.execute(select(Server.id, Server.name).where(
            Server.id.in_(server_ids), Server.deleted.is_(False)))
        return {server_id: name for server_id, name in rows}

    def existing_server_ids(self, db: Session) -> set[str]:
        return set(db.scalars(select(Server.id).where(Server.deleted.is_(False))))

    def metered_servers(self, db: Session, *, active_only: bool = False,
                        skip: set[str] | None = None) -> list[contracts.MeteredServer]:
        query = select(Server).where(Server.deleted.is_(False))
        if active_only:
            query = query.where(Server.vm_state == "active")
        return [contracts.MeteredServer(
            id=s.id, name=s.name, project_id=s.project_id, user_id=s.user_id, image_id=s.image_id, host=s.host,
            created_at=s.created_at, flavor_id=str(s.flavor.get("id", "")), flavor_name=str(s.flavor.get("name", "")),
            ram_mb=int(s.flavor.get("ram", 0) or 0), vcpus=int(s.flavor.get("vcpus", 1) or 1),
            metadata=dict(s.metadata_)) for s in db.scalars(query) if not skip or s.id not in skip]

    def deleted_at(self, db: Session, server_ids: list[str]) -> dict[str, datetime | None]:
        rows = db.execute(select(Server.id, Server.deleted_at).where(Server.id.in_(server_ids),
                                                                      Server.deleted.is_(True)))
        return {server_id: at for server_id, at in rows}

    def stop_server(self, ctx: RequestContext, server_id: str, at: datetime | None = None) -> None:
        self.actions.stop_server(ctx, server_id, at)

    def attach_disk(self, server_id: str, disk: DiskSpec, *, delete_on_termination: bool = False,
                    tag: str | None = None, offloaded: bool = False) -> None:
        self.actions.attach_disk(server_id, disk, offloaded=offloaded)
        self.block_devices.map_attached(server_id, disk.volume_id, disk.device, delete_on_termination, tag)

    def detach_disk(self, server_id: str, volume_id: str, *, offloaded: bool = False) -> None:
        self.actions.detach_disk(server_id, volume_id, offloaded=offloaded)
        self.block_devices.unmap_detached(server_id, volume_id)

    def set_error(self, server_id: str, message: str, code: int = 500) -> None:
        """Put a server in ERROR with a fault (a failed job; tests break a server with it)."""
        self.actions.set_error(server_id, message, code)


# ---------------------------------------------------------------------------------------------- worker jobs
def _service(cloud: Cloud) -> ComputeService:
    service = cloud.compute
    assert isinstance(service, ComputeService)
    return service


def _build_failed(cloud: Cloud, job: JobSpec, detail: str) -> None:
    _service(cloud).actions.set_error(job.resource_id, f"Build of instance {job.resource_id} aborted: {detail}")


def _task_failed(cloud: Cloud, job: JobSpec, detail: str) -> None:
    _service(cloud).actions.set_error(job.resource_id, detail)


JOBS: Jobs = {}  # the worker jobs of this module, listed in the plugin


@job(JOBS, "compute.build", on_failure=_build_failed)
def build_server(cloud: Cloud, job: JobSpec) -> None:
    _service(cloud).actions.build(job.resource_id, int(job.payload.get("polls", 0)))


@job(JOBS, "compute.task", on_failure=_task_failed)
def finish_task(cloud: Cloud, job: JobSpec) -> None:
    _service(cloud).actions.run_task(job.resource_id)


@job(JOBS, "compute.delete")
def destroy_guest(cloud: Cloud, job: JobSpec) -> None:
    _service(cloud).actions.destroy(job.resource_id)


def _fulfils(service: ComputeService) -> contracts.Compute:
    """Checked by mypy: the service is what the other services are promised (lab/cloud/contracts.py)."""
    return service
