"""Server actions and the guest's life cycle: build (run by the worker), os-stop / os-start / reboot (done at
once in the request, like a fast hypervisor), resize / confirmResize / revertResize (the resize runs in the
worker, as in Nova), console output, disks for the volume service, and recovery after a restart.

Every change of state follows one pattern: a write transaction checks the state and sets a `task_state`; the
driver is called outside any transaction; a second write transaction records the outcome (and its event). A
process killed in between leaves the task_state behind, and `recover()` queues a job that finishes it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud import events
from lab.cloud.compute.common import (
    ACTIVE,
    BUILDING,
    ERROR,
    PAUSED,
    RESCUED,
    RESIZED,
    RUNNING,
    SHELVED,
    SHELVED_OFFLOADED,
    SHUTDOWN,
    STOPPED,
    SUSPENDED,
    ComputePart,
    flavor_attrs,
    hostname_of,
)
from lab.cloud.compute.flavors import Flavors
from lab.cloud.compute.migrations import Migrations
from lab.cloud.compute.models import Server
from lab.cloud.compute.quotas import Quotas
from lab.cloud.compute.schemas import flavor_snapshot
from lab.cloud.compute.servers import Servers
from lab.cloud.context import RequestContext
from lab.cloud.drivers.base import DiskSpec, DriverError, GuestNotFound, GuestSpec
from lab.cloud.errors import BadRequest, CloudError, Conflict, NotFound
from lab.cloud.worker import Job, enqueue

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.compute.block_devices import BlockDevices

log = logging.getLogger(__name__)

# Tasks done at once in the request (and by a recovery job after a crash) vs. queued for the worker.
INLINE_TASKS = {"powering-off", "powering-on", "rebooting", "rebooting_hard"}
QUEUED_TASKS = {"resize_prep", "resize_reverting"}
# States in which a server has a guest (ERROR may have none: a failed build; SHELVED_OFFLOADED has none).
GUEST_STATES = (ACTIVE, STOPPED, RESIZED, PAUSED, SUSPENDED, RESCUED, SHELVED)
BUILD_POLL_SECONDS = 1.0  # how often the build job asks the driver whether the guest is up (lab time)


@dataclass(frozen=True)
class Task:
    """A task_state another part of the service carries out (lifecycle.py): `run` calls the driver outside
    any transaction; `done`, inside the write transaction that records the outcome, sets the new state and
    returns the event to record (action and attributes) or None. `on_failure`: "error" puts the server in
    ERROR, "fault" only clears the task and keeps the fault, as Nova does for a failed pause or snapshot;
    `cleanup` runs after a failure (remove a half-made image)."""

    event: str
    run: Callable[[Server], None]
    done: Callable[[Server, bool], tuple[str, dict[str, Any]] | None]
    on_failure: str = "fault"
    cleanup: Callable[[Server], None] | None = None


class ServerActions(ComputePart):
    def __init__(self, cloud: Cloud, servers: Servers, flavors: Flavors, quotas: Quotas):
        super().__init__(cloud)
        self.servers = servers
        self.flavors = flavors
        self.quotas = quotas
        self.block_devices: BlockDevices | None = None  # set by ComputeService (volumes made at the build)
        self.migrations = Migrations(cloud)  # what a resize records (os-migrations)
        self.tasks: dict[str, Task] = {}  # task_state -> how to finish it (registered by lifecycle.py)
        # The scheduler's filters, asked before a build: each returns why the host cannot take the server (the
        # fault: Nova's "No valid host was found. ...") or None. Registered by hosts.py, server_groups.py.
        self.filters: list[Callable[[str], str | None]] = []

    # ------------------------------------------------------------------ guests
    def guest_spec(self, server_id: str, image_id: str | None = None) -> GuestSpec | None:
        """What the driver needs to make the guest of a server (`image_id`: boot another image than the
        server's, an unshelve's snapshot); None if the server is gone."""
        with self.cloud.db.read() as db:
            server = db.scalar(select(Server).where(Server.id == server_id, Server.deleted.is_(False)))
            if server is None:
                return None
            nics = tuple(self.network.server_nics(db, server_id))
        image = None
        image_id = image_id or server.image_id
        if image_id is not None:
            try:
                image = self.image.image_for_boot(RequestContext.system(), image_id)
            except CloudError as exc:
                raise DriverError(f"Image {image_id} is not usable: {exc.message}") from None
        elif self.block_devices is not None:  # volume-backed: the root volume's image, for its properties only
            image = self.block_devices.root_image(server_id)
        flavor = server.flavor
        # The attached volumes go with the guest when it is made (a build's volumes, an unshelve's).
        disks = tuple(self.volume.server_disks(server_id))
        return GuestSpec(server_id=server.id, name=server.name, hostname=hostname_of(server),
                         vcpus=int(flavor["vcpus"]), ram_mb=int(flavor["ram"]), disk_gb=int(flavor["disk"]),
                         image=image, nics=nics, disks=disks, key_name=server.key_name,
                         public_key=server.public_key, user_data=server.user_data,
                         metadata=dict(server.metadata_ or {}))

    def build(self, server_id: str, polls: int = 0) -> None:
        """The `compute.build` job: spawn the guest and make the server ACTIVE (or ERROR with a fault)."""
        try:
            spec = self.guest_spec(server_id)
            if spec is None:
                return
            with self.cloud.db.read() as db:
                state = db.scalar(select(Server.vm_state).where(Server.id == server_id))
            if state != BUILDING:
                return  # already finished by an earlier run of this job
            if polls == 0:
                for refuse in self.filters:
                    reason = refuse(server_id)
                    if reason is not None:
                        self.set_error(server_id, reason, unplaced=True)
                        return
            if self.block_devices is not None:  # idempotent: a later poll finds the volumes attached
                waiting = self.block_devices.prepare(server_id)
                if waiting == "wait":  # a volume is still being made: ask again, as for the guest's boot
                    timeout = self.cloud.settings.boot_timeout
                    if polls * BUILD_POLL_SECONDS >= timeout:
                        raise DriverError(f"Build of instance {server_id} aborted: its volumes did not finish "
                                          f"being created within {timeout:g} s.")
                    with self.cloud.db.write() as db:
                        enqueue(db, self.cloud.clock.now(), "compute.build", server_id,
                                delay=BUILD_POLL_SECONDS, polls=polls + 1)
                    return
                if waiting is not None:
                    self.set_error(server_id, waiting)
                    return
                spec = self.guest_spec(server_id)
                if spec is None:
                    return
            self.driver.spawn(spec)
            if not self.driver.is_ready(server_id):
                timeout = self.cloud.settings.boot_timeout
                if polls * BUILD_POLL_SECONDS >= timeout:
                    raise DriverError(f"The guest did not finish booting within {timeout:g} s (no ready marker "
                                      "on its console); see `openstack console log show`.")
                with self.cloud.db.write() as db:
                    enqueue(db, self.cloud.clock.now(), "compute.build", server_id, delay=BUILD_POLL_SECONDS,
                            polls=polls + 1)
                return
        except DriverError as exc:
            self.set_error(server_id, str(exc))
            return
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            server = db.scalar(select(Server).where(Server.id == server_id, Server.deleted.is_(False)))
            if server is None or server.vm_state != BUILDING:
                return  # deleted while it was being built: the delete job destroys the guest
            server.vm_state, server.task_state, server.power_state = ACTIVE, None, RUNNING
            server.launched_at = server.updated_at = now
            events.record(db, now, project_id=server.project_id, user_id=server.user_id, resource_type="server",
                          resource_id=server_id, action="status", status="ACTIVE", **flavor_attrs(server.flavor))

    def set_error(self, server_id: str, message: str, code: int = 500, unplaced: bool = False) -> None:
        """Put a server in ERROR with a fault (a failed build, or a task that failed); `unplaced`: the scheduler
        found no host for it, so it has none (as in Nova) and uses nothing on the host."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            server = db.scalar(select(Server).where(Server.id == server_id, Server.deleted.is_(False)))
            if server is None:
                return
            server.vm_state, server.task_state = ERROR, None
            if unplaced:
                server.host = None
            server.fault = {"code": code, "message": message, "created": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
            server.updated_at = now
            events.record(db, now, project_id=server.project_id, user_id=server.user_id, resource_type="server",
                          resource_id=server_id, action="status", status="ERROR", message=message,
                          **flavor_attrs(server.flavor))

    def destroy(self, server_id: str) -> None:
        """The `compute.delete` job: give the volumes back and destroy the guest (both idempotent)."""
        self.servers.detach_volumes(server_id)
        self.driver.destroy(server_id)
        if self.block_devices is not None:
            with self.cloud.db.write() as db:
                self.block_devices.forget(db, [server_id])

    # ------------------------------------------------------------------ actions
    def begin(self, ctx: RequestContext, server_id: str, action: str, states: tuple[str, ...],
              task: str, rule: str, *, lock: bool = True, capability: str | None = None,
              prepare: Callable[[Session, Server], None] | None = None) -> Server:
        """In one write transaction: the policy, Nova's lock check (`lock`), the state check (409), the
        driver's capability (409), then the task_state set and who asked remembered for the history.
        `prepare` changes the row further in the same transaction (a rebuild's new name and image)."""
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, rule, server.project_id)
            if lock:
                self.check_lock(ctx, server)
            if server.vm_state not in states or server.task_state is not None:
                raise self.invalid_state(action, server)
            if capability is not None and not self.driver.supports(capability):
                raise Conflict(f"Cannot '{action}' instance {server_id}: the {self.driver.name} compute driver "
                               f"does not support it.")
            now = self.cloud.clock.now()
            server.task_state = task
            server.updated_at = now
            server.system_metadata = {**(server.system_metadata or {}), "task_user": ctx.user_id,
                                      "task_request": ctx.request_id, "task_start": now.isoformat()}
            if prepare is not None:
                prepare(db, server)
            return server


    def stop_server(self, ctx: RequestContext, server_id: str, at: datetime | None = None) -> None:
        """os-stop. `at` (billing's prepaid cut-off only) records the power-off at that earlier lab moment, so
        metering stops where the balance reached zero, not where the clock jump ended."""
        self.begin(ctx, server_id, "stop", (ACTIVE, ERROR), "powering-off", "os_compute_api:servers:stop")
        self.run_task(server_id, at)

    def start_server(self, ctx: RequestContext, server_id: str) -> None:
        """os-start. A prepaid project without credit gets billing's 402, as for a create."""
        self.cloud.billing.check_can_create(ctx, "server", verb="start")
        self.begin(ctx, server_id, "start", (STOPPED,), "powering-on", "os_compute_api:servers:start")
        self.run_task(server_id)

    def reboot_server(self, ctx: RequestContext, server_id: str, hard: bool) -> None:
        states = (ACTIVE, STOPPED, ERROR) if hard else (ACTIVE,)
        self.begin(ctx, server_id, "reboot", states, "rebooting_hard" if hard else "rebooting",
                    "os_compute_api:servers:reboot")
        self.run_task(server_id)

    def resize_server(self, ctx: RequestContext, server_id: str, flavor_ref: str) -> None:
        """Queue a cold resize to another flavor; the server goes RESIZE, then VERIFY_RESIZE."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:servers:resize", server.project_id)
            self.check_lock(ctx, server)
            if server.vm_state not in (ACTIVE, STOPPED) or server.task_state is not None:
                raise self.invalid_state("resize", server)
            flavor = self.flavors.find_flavor(db, ctx, flavor_ref)
            if flavor is None:
                raise BadRequest("Unable to locate requested flavor.")
            if flavor.flavorid == server.flavor.get("id"):
                raise BadRequest("When resizing, instances must change flavor!")
            if flavor.root_gb < int(server.flavor.get("disk", 0)):
                raise BadRequest("Resize error: Unable to resize disk down.")
            new = flavor_snapshot(flavor)
            self.quotas.check_servers(db, server.project_id, {
                "instances": 0, "cores": max(0, new["vcpus"] - int(server.flavor["vcpus"])),
                "ram": max(0, new["ram"] - int(server.flavor["ram"]))})
            server.new_flavor = new
            server.task_state = "resize_prep"
            server.updated_at = now
            self.migrations.start_resize(db, server, new, now)
            enqueue(db, now, "compute.task", server_id)
        self.cloud.worker.wake()

    def confirm_resize(self, ctx: RequestContext, server_id: str) -> None:
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:servers:confirm_resize", server.project_id)
            self.check_lock(ctx, server)
            if server.vm_state != RESIZED or server.task_state is not None:
                raise self.invalid_state("confirmResize", server)
            server.old_flavor = None
            server.vm_state = ACTIVE if server.power_state == RUNNING else STOPPED
            server.updated_at = now
            self.migrations.advance(db, server_id, ("finished",), "confirmed", now)

    def revert_resize(self, ctx: RequestContext, server_id: str) -> None:
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:servers:revert_resize", server.project_id)
            self.check_lock(ctx, server)
            if server.vm_state != RESIZED or server.task_state is not None:
                raise self.invalid_state("revertResize", server)
            server.task_state = "resize_reverting"
            server.updated_at = now
            self.migrations.advance(db, server_id, ("finished",), "reverting", now)
            enqueue(db, now, "compute.task", server_id)
        self.cloud.worker.wake()

    def console_output(self, ctx: RequestContext, server_id: str, length: int | None) -> str:
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:os-console-output", server.project_id)
        try:
            output = str(self.driver.console_output(server_id))
        except GuestNotFound:
            raise Conflict(f"Instance {server_id} is not ready") from None
        if length is None:
            return output
        # Nova's compute manager (_tail_log) cuts the tail the same way whatever the driver.
        return "\n".join(output.split("\n")[-length:]) if length > 0 else ""

    def restore_server(self, ctx: RequestContext, server_id: str) -> None:
        """`restore`: only a SOFT_DELETED server can be restored, and this cloud deletes at once (Nova with
        reclaim_instance_interval=0), so a live server is Nova's 409 and an unknown one its 404."""
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:os-deferred-delete:restore", server.project_id)
        raise self.invalid_state("restore", server)

    # ------------------------------------------------------------------ tasks
    def run_task(self, server_id: str, at: datetime | None = None) -> None:
        """Carry out the server's pending task_state with the driver and record the outcome (its event at `at`,
        default now). Idempotent: a server with no task (or a deleted one) is left alone."""
        with self.cloud.db.read() as db:
            server = db.scalar(select(Server).where(Server.id == server_id, Server.deleted.is_(False)))
        if server is None or server.task_state is None:
            return
        task, was_running = server.task_state, server.power_state == RUNNING
        handler = self.tasks.get(task)
        try:
            if handler is not None:
                handler.run(server)
            elif task == "powering-off":
                self._tolerate_missing(lambda: self.driver.power_off(server_id))
            elif task == "powering-on":
                self._ensure_guest(server_id, lambda: self.driver.power_on(server_id))
            elif task in ("rebooting", "rebooting_hard"):
                self._ensure_guest(server_id, lambda: self.driver.reboot(server_id, hard=task == "rebooting_hard"))
            elif task in ("resize_prep", "resize_reverting"):
                target = server.new_flavor if task == "resize_prep" else server.old_flavor
                if target is None:
                    raise DriverError(f"No flavor to {'resize' if task == 'resize_prep' else 'revert'} to.")
                if was_running:
                    self._tolerate_missing(lambda: self.driver.power_off(server_id))
                self.driver.resize(server_id, int(target["vcpus"]), int(target["ram"]), int(target["disk"]))
                if was_running:
                    self.driver.power_on(server_id)
        except (DriverError, GuestNotFound, CloudError) as exc:
            self._task_failed(server_id, task, str(exc))
            if handler is not None and handler.cleanup is not None:
                handler.cleanup(server)
            return
        self._task_done(server_id, task, was_running, at)
        if handler is not None:
            self.run_task(server_id)  # a task may lead to another (shelve, then offload at once)

    @staticmethod
    def _tolerate_missing(call: Any) -> None:
        # e.g. stopping a server whose build failed: there is nothing to power off
        with contextlib.suppress(GuestNotFound):
            call()

    def _ensure_guest(self, server_id: str, call: Any) -> None:
        """Power on or reboot; a guest that is missing (a failed build, a wiped driver directory) is made anew,
        as Nova's hard reboot recreates the domain."""
        try:
            call()
        except GuestNotFound:
            spec = self.guest_spec(server_id)
            if spec is None:
                return
            self.driver.spawn(spec)

    def _task_done(self, server_id: str, task: str, was_running: bool, at: datetime | None = None) -> None:
        now = at or self.cloud.clock.now()
        with self.cloud.db.write() as db:
            server = db.scalar(select(Server).where(Server.id == server_id, Server.deleted.is_(False)))
            if server is None or server.task_state != task:
                return
            action: str | None = None
            extra: dict[str, Any] = {}
            handler = self.tasks.get(task)
            if handler is not None:
                server.task_state = None
                outcome = handler.done(server, was_running)
                server.updated_at = now
                if outcome is not None:
                    self.record_event(db, server, outcome[0], now, **outcome[1])
                return
            if task == "powering-off":
                server.vm_state, server.power_state, action = STOPPED, SHUTDOWN, "power_off"
            elif task in ("powering-on", "rebooting", "rebooting_hard"):
                action = "power_on" if server.power_state != RUNNING else "reboot"
                server.vm_state, server.power_state = ACTIVE, RUNNING
                server.fault = None if task != "rebooting" else server.fault
            elif task == "resize_prep":
                server.old_flavor, server.flavor, server.new_flavor = server.flavor, server.new_flavor or {}, None
                server.vm_state, action = RESIZED, "resize"
                self.migrations.advance(db, server_id, ("pre-migrating",), "finished", now)
            elif task == "resize_reverting":
                server.flavor, server.old_flavor = server.old_flavor or server.flavor, None
                server.vm_state, action = (ACTIVE if was_running else STOPPED), "resize"
                self.migrations.advance(db, server_id, ("reverting",), "reverted", now)
            server.task_state = None
            server.updated_at = now
            if action is not None:
                # A revert is a flavor change like a resize for billing; `revert` tells the two apart in the
                # server's history (os-instance-actions: resize vs revertResize).
                if task == "resize_reverting":
                    extra["revert"] = True
                self.record_event(db, server, action, now, **flavor_attrs(server.flavor), **extra)

    def record_event(self, db: Session, server: Server, action: str, now: datetime, **attributes: Any) -> None:
        """A server event for billing and the server's history: by whoever began the task (its request id
        and start time too, for os-instance-actions), else the owner."""
        meta = server.system_metadata or {}
        history = {k: v for k, v in (("request_id", meta.get("task_request")),
                                     ("start", meta.get("task_start"))) if v}
        events.record(db, now, project_id=server.project_id, user_id=meta.get("task_user") or server.user_id,
                      resource_type="server", resource_id=server.id, action=action, **history, **attributes)
        server.system_metadata = {k: v for k, v in meta.items() if not k.startswith("task_")}

    def _task_failed(self, server_id: str, task: str, message: str) -> None:
        handler = self.tasks.get(task)
        if task in QUEUED_TASKS:  # a resize or its revert: the migration failed
            with self.cloud.db.write() as db:
                self.migrations.advance(db, server_id, ("pre-migrating", "reverting"), "error", self.cloud.clock.now())
        if task in QUEUED_TASKS or (handler is not None and handler.on_failure == "error"):
            self.set_error(server_id, message)
            if handler is not None:
                self._record_failure(server_id, handler.event, message)
            return
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            server = db.scalar(select(Server).where(Server.id == server_id, Server.deleted.is_(False)))
            if server is None:
                return
            if handler is not None:
                self.record_event(db, server, handler.event, now, error=message)
            server.task_state = None
            server.fault = {"code": 500, "message": message, "created": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
            server.updated_at = now

    def _record_failure(self, server_id: str, event: str, message: str) -> None:
        with self.cloud.db.write() as db:
            server = db.scalar(select(Server).where(Server.id == server_id))
            if server is not None:
                self.record_event(db, server, event, self.cloud.clock.now(), error=message)

    # ------------------------------------------------------------------ disks (for the volume service)
    def attach_disk(self, server_id: str, disk: DiskSpec, *, offloaded: bool = False) -> None:
        """Attach a volume's file to a server's guest. Raises NotFound (unknown server) or Conflict (a server
        whose state cannot take a disk, or a driver that refused). A shelved-offloaded server has no guest: from
        2.20 (`offloaded`) the volume is only recorded, and the unshelve boots the guest with it (Nova's
        _attach_volume_shelved_offloaded)."""
        with self.cloud.db.read() as db:
            server = db.scalar(select(Server).where(Server.id == server_id, Server.deleted.is_(False)))
        if server is None:
            raise NotFound(f"Instance {server_id} could not be found.")
        if offloaded and server.vm_state == SHELVED_OFFLOADED and server.task_state is None:
            return
        if server.vm_state not in (ACTIVE, STOPPED) or server.task_state is not None:
            raise self.invalid_state("attach_volume", server)
        try:
            self.driver.attach_disk(server_id, disk)
        except DriverError as exc:
            raise Conflict(str(exc)) from None

    def detach_disk(self, server_id: str, volume_id: str, *, offloaded: bool = False) -> None:
        """Detach a volume from a guest. Succeeds for a deleted server (its guest may be gone already), and
        for a shelved-offloaded one (no guest) from 2.20 (`offloaded`)."""
        with self.cloud.db.read() as db:
            server = db.scalar(select(Server).where(Server.id == server_id))
        if server is None:
            raise NotFound(f"Instance {server_id} could not be found.")
        # Nova's detach_volume states: not while building or rescued (the rescue image is what runs then), nor
        # shelved-offloaded before 2.20.
        if not server.deleted and (server.task_state is not None or server.vm_state in (BUILDING, RESCUED)
                                   or (server.vm_state == SHELVED_OFFLOADED and not offloaded)):
            raise self.invalid_state("detach_volume", server)
        if server.vm_state == SHELVED_OFFLOADED:
            return
        try:
            self.driver.detach_disk(server_id, volume_id)
        except GuestNotFound:
            return
        except DriverError as exc:
            raise Conflict(str(exc)) from None

    # ------------------------------------------------------------------ recovery
    def recover(self) -> int:
        """After a restart: queue a job for every server left mid-way whose job is gone (a BUILD server, an
        unfinished task) and for every guest whose server is deleted. Returns how many jobs were queued."""
        queued = 0
        guests = set(self.driver.list_guests())
        now: datetime = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            pending = {(kind, rid) for kind, rid in db.execute(select(Job.kind, Job.resource_id))}
            unfinished = db.scalars(select(Server).where(Server.deleted.is_(False), (
                Server.vm_state == BUILDING) | Server.task_state.is_not(None)))
            for server in unfinished:
                kind = "compute.build" if server.vm_state == BUILDING else "compute.task"
                if (kind, server.id) not in pending:
                    enqueue(db, now, kind, server.id)
                    queued += 1
            if guests:
                alive = set(db.scalars(select(Server.id).where(Server.id.in_(guests), Server.deleted.is_(False))))
                for orphan in sorted(guests - alive):
                    if ("compute.delete", orphan) not in pending:
                        enqueue(db, now, "compute.delete", orphan)
                        queued += 1
        if queued:
            log.info("recovery queued %d compute job(s)", queued)
            self.cloud.worker.wake()
        self._fail_vanished(guests)
        return queued

    def _fail_vanished(self, guests: set[str]) -> None:
        """A server that should have a guest (built, no task pending) but whose guest the driver no longer has
        (a domain undefined behind the cloud's back, a wiped driver directory) goes to ERROR with a fault; a
        hard reboot makes its guest anew."""
        with self.cloud.db.read() as db:
            settled = list(db.scalars(select(Server.id).where(
                Server.deleted.is_(False), Server.vm_state.in_(GUEST_STATES), Server.task_state.is_(None))))
        for server_id in settled:
            if server_id not in guests:
                log.warning("server %s: its guest is gone from the %s driver", server_id, self.driver.name)
                self.set_error(server_id, f"The guest of instance {server_id} vanished from the hypervisor "
                                          f"({self.driver.name}) while the cloud was stopped.")
