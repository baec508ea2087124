"""The server actions beyond power and resize, with Nova's vm_state / task_state / power_state transitions:
lock / unlock, pause / unpause, suspend / resume, shelve / shelveOffload / unshelve, rebuild, rescue /
unrescue, createImage, changePassword, os-resetState, and migrate / os-migrateLive answering as a one-host cloud
does (Nova's scheduler finds no other host: 400 `No valid host was found.`).

Each action is begun by `ServerActions.begin` (policy, Nova's lock check, the state check with its 409, the
driver's capability) and finished by a `Task` registered here, run at once in the request (pause, suspend,
rescue, ...) or by the worker (`compute.task`: rebuild, shelve, unshelve, createImage, which copy or boot disks).
Each outcome is a server event, which is both the server's history (os-instance-actions) and what billing
meters: suspend and shelve stop the flavor's running charge as a stop does, a shelved-offloaded server (its
guest gone from the host, `host` empty) is not charged for its flavor at all.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.compute import schemas
from lab.cloud.compute.actions import ServerActions, Task
from lab.cloud.compute.common import (
    ACTIVE,
    ERROR,
    NOSTATE,
    PAUSED,
    PAUSED_POWER,
    RESCUED,
    RUNNING,
    SHELVED,
    SHELVED_OFFLOADED,
    SHUTDOWN,
    STOPPED,
    SUSPENDED,
    ComputePart,
    flavor_attrs,
)
from lab.cloud.compute.models import BlockDeviceMapping, KeyPair, Server
from lab.cloud.compute.servers import check_flavor_fits_image
from lab.cloud.context import RequestContext
from lab.cloud.drivers.base import GuestNotFound, ImageSpec
from lab.cloud.errors import BadRequest, CloudError, Conflict
from lab.cloud.worker import enqueue

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

RULE = "os_compute_api"


def _owner_ctx(server: Server) -> RequestContext:
    """The server's owner, for what the cloud does on their behalf (the image a shelve saves)."""
    return RequestContext(user_id=server.user_id, user_name="", project_id=server.project_id, project_name=None,
                          roles=("member", "reader"))


class Lifecycle(ComputePart):
    def __init__(self, cloud: Cloud, actions: ServerActions):
        super().__init__(cloud)
        self.actions = actions
        self.block_devices = actions.block_devices
        on = actions.tasks
        on["pausing"] = Task("pause", lambda s: self.driver.pause(s.id), self._to(PAUSED, PAUSED_POWER, "pause"))
        on["unpausing"] = Task("unpause", lambda s: self.driver.unpause(s.id), self._to(ACTIVE, RUNNING, "unpause"))
        # A suspended guest is saved to disk and no longer runs: libvirt reports a managed save as shut off.
        on["suspending"] = Task("suspend", lambda s: self.driver.suspend(s.id),
                                self._to(SUSPENDED, SHUTDOWN, "suspend"))
        on["resuming"] = Task("resume", lambda s: self.driver.resume(s.id), self._to(ACTIVE, RUNNING, "resume"))
        on["rescuing"] = Task("rescue", self._run_rescue, self._to(RESCUED, RUNNING, "rescue"))
        on["unrescuing"] = Task("unrescue", lambda s: self.driver.unrescue(s.id),
                                self._to(ACTIVE, RUNNING, "unrescue"))
        on["updating_password"] = Task("changePassword", self._run_password, self._same("changePassword"))
        on["image_snapshot"] = Task("createImage", self._run_snapshot, self._snapshot_done,
                                    cleanup=self._snapshot_cleanup)
        on["rebuilding"] = Task("rebuild", self._run_rebuild, self._rebuild_done, on_failure="error")
        on["shelving"] = Task("shelve", self._run_shelve, self._shelve_done, on_failure="error")
        on["shelving_offloading"] = Task("shelve_offload", lambda s: self.driver.destroy(s.id), self._offload_done,
                                         on_failure="error")
        on["unshelving"] = Task("unshelve", self._run_unshelve, self._unshelve_done, on_failure="error")

    # ------------------------------------------------------------------ outcomes
    def _to(self, vm_state: str, power: int, event: str) -> Any:
        def done(server: Server, was_running: bool) -> tuple[str, dict[str, Any]]:
            server.vm_state, server.power_state = vm_state, power
            if vm_state == ACTIVE:
                server.fault = None
            return event, flavor_attrs(server.flavor)
        return done

    @staticmethod
    def _same(event: str) -> Any:
        def done(server: Server, was_running: bool) -> tuple[str, dict[str, Any]]:
            return event, {}
        return done

    # ------------------------------------------------------------------ lock / unlock (no task: API only)
    def lock_server(self, ctx: RequestContext, server_id: str, reason: str | None = None) -> None:
        """os-lock-server: `locked_by` is `owner` for the server's project, `admin` for an operator's lock."""
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, f"{RULE}:os-lock-server:lock", server.project_id)
            server.locked = True
            server.locked_by = "owner" if ctx.project_id == server.project_id else "admin"
            server.locked_reason = reason
            server.updated_at = self.cloud.clock.now()
            self._event(db, ctx, server, "lock")

    def unlock_server(self, ctx: RequestContext, server_id: str) -> None:
        """A lock taken by an admin is lifted only by someone the `unlock_override` rule allows (Nova's 403)."""
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, f"{RULE}:os-lock-server:unlock", server.project_id)
            expected = "owner" if ctx.project_id == server.project_id else "admin"
            if server.locked_by and server.locked_by != expected:
                self.cloud.policy.enforce(ctx, f"{RULE}:os-lock-server:unlock:unlock_override", server.project_id)
            server.locked, server.locked_by, server.locked_reason = False, None, None
            server.updated_at = self.cloud.clock.now()
            self._event(db, ctx, server, "unlock")

    def _event(self, db: Any, ctx: RequestContext, server: Server, action: str, **attributes: Any) -> None:
        now = self.cloud.clock.now()
        server.system_metadata = {**(server.system_metadata or {}), "task_user": ctx.user_id,
                                  "task_request": ctx.request_id, "task_start": now.isoformat()}
        self.actions.record_event(db, server, action, now, **attributes)

    # ------------------------------------------------------------------ pause, suspend, rescue, password
    def _inline(self, ctx: RequestContext, server_id: str, action: str, states: tuple[str, ...], task: str,
                rule: str, capability: str, **kwargs: Any) -> None:
        self.actions.begin(ctx, server_id, action, states, task, f"{RULE}:{rule}", capability=capability,
                           **kwargs)
        self.actions.run_task(server_id)

    def pause_server(self, ctx: RequestContext, server_id: str) -> None:
        self._inline(ctx, server_id, "pause", (ACTIVE,), "pausing", "os-pause-server:pause", "pause")

    def unpause_server(self, ctx: RequestContext, server_id: str) -> None:
        self._inline(ctx, server_id, "unpause", (PAUSED,), "unpausing", "os-pause-server:unpause", "pause")

    def suspend_server(self, ctx: RequestContext, server_id: str) -> None:
        self._inline(ctx, server_id, "suspend", (ACTIVE,), "suspending", "os-suspend-server:suspend", "suspend")

    def resume_server(self, ctx: RequestContext, server_id: str) -> None:
        self.cloud.billing.check_can_create(ctx, "server", verb="start")
        self._inline(ctx, server_id, "resume", (SUSPENDED,), "resuming", "os-suspend-server:resume", "suspend")

    def rescue_server(self, ctx: RequestContext, server_id: str, password: str | None,
                      image_ref: str | None) -> str:
        """rescue: the guest boots a rescue image (its own, or `image_ref`) with its disk attached; returns the
        rescue password (Nova's `adminPass`)."""
        if image_ref is not None:
            self.image.image_for_boot(ctx, image_ref)  # Nova's 400 for an unusable rescue image
        password = password or secrets.token_urlsafe(9)

        def remember(db: Session, server: Server) -> None:
            server.system_metadata = {**server.system_metadata, "rescue_image": image_ref or server.image_id}
        self._inline(ctx, server_id, "rescue", (ACTIVE, STOPPED, ERROR), "rescuing", "os-rescue", "rescue",
                     prepare=remember)
        return password

    def _run_rescue(self, server: Server) -> None:
        image_id = (server.system_metadata or {}).get("rescue_image")
        image: ImageSpec | None = None
        if image_id:
            with contextlib.suppress(CloudError):
                image = self.image.image_for_boot(RequestContext.system(), image_id)
        self.driver.rescue(server.id, image, "")

    def unrescue_server(self, ctx: RequestContext, server_id: str) -> None:
        self._inline(ctx, server_id, "unrescue", (RESCUED,), "unrescuing", "os-unrescue", "rescue")

    def change_password(self, ctx: RequestContext, server_id: str, password: str) -> None:
        """changePassword: set by the driver's guest agent (Nova's 409 when the driver cannot)."""
        if not self.driver.supports("set_admin_password"):
            with self.cloud.db.read() as db:
                self.get_server_row(db, ctx, server_id)
            raise Conflict("Set admin password is not supported")

        def remember(db: Session, server: Server) -> None:
            server.system_metadata = {**server.system_metadata, "new_password": password}
        self._inline(ctx, server_id, "changePassword", (ACTIVE,), "updating_password", "os-admin-password",
                     "set_admin_password", prepare=remember)

    def _run_password(self, server: Server) -> None:
        password = str((server.system_metadata or {}).get("new_password") or "")
        with self.cloud.db.write() as db:  # never kept: the password is the student's secret
            row = db.scalar(select(Server).where(Server.id == server.id))
            if row is not None:
                row.system_metadata = {k: v for k, v in row.system_metadata.items() if k != "new_password"}
        self.driver.set_admin_password(server.id, password)

    # ------------------------------------------------------------------ createImage
    def create_image(self, ctx: RequestContext, server_id: str, name: str, metadata: dict[str, str]) -> str:
        """createImage: a queued Glance image of the caller's project (image_type=snapshot, instance_uuid,
        base_image_ref, and the base image's own properties, as Nova inherits them), filled by the worker from
        the driver's copy of the disk. Returns the image id (the 202's Location)."""
        volume_backed: tuple[list[BlockDeviceMapping], list[str]] | None = None
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, f"{RULE}:servers:create_image", server.project_id)
            states = (ACTIVE, STOPPED, PAUSED, SUSPENDED)
            if server.vm_state not in states or server.task_state is not None:
                raise self.invalid_state("createImage", server)
            if self.block_devices is not None and self.block_devices.is_volume_backed(db, server_id):
                mappings = self.block_devices.mappings(db, server_id)
                attached = self.volume.server_volumes(db, [server_id]).get(server_id, [])
                volume_backed = mappings, attached
        if volume_backed is not None:
            return self._snapshot_volume_backed(ctx, server, name, metadata, *volume_backed)
        image_id = self._snapshot_image(ctx, server, name, metadata)

        def remember(db: Session, row: Server) -> None:
            row.system_metadata = {**row.system_metadata, "snapshot_image": image_id}
        try:
            self.actions.begin(ctx, server_id, "createImage", (ACTIVE, STOPPED, PAUSED, SUSPENDED), "image_snapshot",
                               f"{RULE}:servers:create_image", lock=False, capability="snapshot", prepare=remember)
        except CloudError:
            self.image.delete_snapshot_image(image_id)
            raise
        self._queue(server_id)
        return image_id

    def _snapshot_volume_backed(self, ctx: RequestContext, server: Server, name: str, metadata: dict[str, str],
                                mappings: list[BlockDeviceMapping], attached: list[str]) -> str:
        """Nova's snapshot_volume_backed: a forced Cinder snapshot of each attached volume (through the volume
        contract, with the caller's rights), and an active Glance image of size 0 whose `block_device_mapping`
        (bdm_v2) names the snapshots: booting it makes new volumes from them (snapshot -> volume)."""
        by_volume = {m.volume_id: m for m in mappings if m.volume_id}
        bdms: list[dict[str, Any]] = []
        for volume_id in [*[m.volume_id for m in mappings if m.volume_id in attached], *
                          [v for v in attached if v not in by_volume]]:
            assert volume_id is not None
            snapshot_id, size = self.volume.snapshot_for_server_image(ctx, volume_id, f"snapshot for {name}")
            m = by_volume.get(volume_id)
            bdms.append({"source_type": "snapshot", "destination_type": "volume", "snapshot_id": snapshot_id,
                         "volume_id": None, "image_id": None, "boot_index": m.boot_index if m else None,
                         "device_name": m.device_name if m else None,
                         "delete_on_termination": m.delete_on_termination if m else False,
                         "volume_size": size, "volume_type": None, "disk_bus": "virtio", "device_type": "disk",
                         "guest_format": None, "no_device": None, "connection_info": None, "tag": None})
        root = next((m.device_name for m in mappings if m.boot_index == 0), "/dev/vda")
        properties = {**metadata, "image_type": "snapshot", "instance_uuid": server.id, "user_id": server.user_id,
                      "owner_project_name": ctx.project_name or "", "owner_user_name": ctx.user_name,
                      "boot_roles": ",".join(ctx.roles), "root_device_name": root, "bdm_v2": "True",
                      "block_device_mapping": json.dumps(bdms)}
        image_id = self.image.create_snapshot_image(ctx, name, properties)
        self.image.finish_snapshot_image(image_id, "raw")  # no data: active with size 0, as Nova leaves it
        return image_id

    def _snapshot_image(self, ctx: RequestContext, server: Server, name: str, metadata: dict[str, str]) -> str:
        base: ImageSpec | None = None
        if server.image_id:
            with contextlib.suppress(CloudError):
                base = self.image.image_for_boot(RequestContext.system(), server.image_id)
        inherited = {k: str(v) for k, v in (base.properties if base else {}).items()
                     if k not in ("min_disk", "min_ram", "size")}
        # Nova also records who booted it (owner_*_name and boot_roles, kept from the create's context in
        # its system metadata); the lab names the caller, the same person unless an admin snapshots.
        properties = {**inherited, **metadata, "image_type": "snapshot", "instance_uuid": server.id,
                      "base_image_ref": server.image_id or "", "user_id": server.user_id,
                      "owner_project_name": ctx.project_name or "", "owner_user_name": ctx.user_name,
                      "boot_roles": ",".join(ctx.roles)}
        min_disk = max(int(server.flavor.get("disk") or 0), int((base.properties if base else {}).get("min_disk") or 0))
        return self.image.create_snapshot_image(ctx, name, properties, min_disk=min_disk,
                                                min_ram=int((base.properties if base else {}).get("min_ram") or 0))

    def _write_snapshot(self, server: Server, image_id: str) -> None:
        base: ImageSpec | None = None
        if server.image_id:
            with contextlib.suppress(CloudError):
                base = self.image.image_for_boot(RequestContext.system(), server.image_id)
        disk_format = self.driver.snapshot(server.id, base, self.image.snapshot_file(image_id))
        if not self.image.finish_snapshot_image(image_id, disk_format):
            raise CloudError(f"Image {image_id} was deleted during the snapshot.")

    def _run_snapshot(self, server: Server) -> None:
        self._write_snapshot(server, str(server.system_metadata["snapshot_image"]))

    def _snapshot_done(self, server: Server, was_running: bool) -> tuple[str, dict[str, Any]]:
        image_id = server.system_metadata.pop("snapshot_image", None)
        server.system_metadata = dict(server.system_metadata)
        return "createImage", {"image_id": image_id}

    def _snapshot_cleanup(self, server: Server) -> None:
        image_id = (server.system_metadata or {}).get("snapshot_image")
        if image_id:
            self.image.delete_snapshot_image(str(image_id))

    def _queue(self, server_id: str) -> None:
        with self.cloud.db.write() as db:
            enqueue(db, self.cloud.clock.now(), "compute.task", server_id)
        self.cloud.worker.wake()

    # ------------------------------------------------------------------ rebuild
    def rebuild_server(self, ctx: RequestContext, server_id: str, req: schemas.ServerRebuild,
                       reimage_volume: bool = False) -> Server:
        """rebuild: a new root disk from `imageRef` (same id, ports, volumes and flavor), with an optional new
        name and metadata; a stopped server stays stopped. Returns the server as the 202 shows it (REBUILD).
        A volume-backed server keeps its root volume: before 2.93 only with the image it was made from (Nova's
        400 otherwise), from 2.93 (`reimage_volume`) the volume is re-imaged (Cinder's os-reimage)."""
        image = self.image.image_for_boot(ctx, req.image_ref)  # Nova's 400 for an unusable image

        def prepare(db: Session, server: Server) -> None:
            root_volume = self.block_devices.root_volume(db, server.id) if self.block_devices else None
            check_flavor_fits_image(int(server.flavor.get("ram") or 0),
                                    0 if root_volume else int(server.flavor.get("disk") or 0), image.properties)
            if root_volume is not None:
                found = self.volume.boot_volumes(db, [root_volume]).get(root_volume)
                if not reimage_volume and (found is None or found.image_id != image.id):
                    raise BadRequest(f"Image {image.id} is unacceptable: Unable to rebuild with a different image "
                                     f"for a volume-backed server.")
            if req.metadata is not None:
                self.actions.quotas.check_metadata(db, server.project_id, req.metadata)
                server.metadata_ = req.metadata
            if req.name is not None:
                server.name = req.name
            if req.access_ip_v4 is not None:
                server.access_ip_v4 = req.access_ip_v4
            if req.access_ip_v6 is not None:
                server.access_ip_v6 = req.access_ip_v6
            if root_volume is None:  # a volume-backed server's image stays "" (Nova's image_ref)
                server.image_id = image.id
            elif reimage_volume:
                extra_reimage = {"reimage_volume": root_volume, "reimage_image": image.id}
                server.system_metadata = {**server.system_metadata, **extra_reimage}
            extra = {k: v for k, v in req.changes.items() if k in ("description", "hostname")}
            if "key_name" in req.changes:  # 2.54: a new key pair, or null for none
                server.key_name, server.public_key = self._rebuild_key(db, ctx, req.changes["key_name"])
            if "user_data" in req.changes:  # 2.57
                server.user_data = req.changes["user_data"]
            server.system_metadata = {**server.system_metadata, **extra, "rebuild_from": server.vm_state}
        server = self.actions.begin(ctx, server_id, "rebuild", (ACTIVE, STOPPED, ERROR), "rebuilding",
                                    f"{RULE}:servers:rebuild", capability="rebuild", prepare=prepare)
        self._queue(server_id)
        return server

    @staticmethod
    def _rebuild_key(db: Session, ctx: RequestContext, name: str | None) -> tuple[str | None, str | None]:
        """(key_name, public_key) of a rebuild's key_name: the caller's key pair, Nova's 400 when unknown."""
        if name is None:
            return None, None
        keypair = db.scalar(select(KeyPair).where(KeyPair.user_id == ctx.user_id, KeyPair.name == name))
        if keypair is None:
            raise BadRequest("Invalid key_name provided.")
        return keypair.name, keypair.public_key

    def _run_rebuild(self, server: Server) -> None:
        meta = server.system_metadata or {}
        if meta.get("reimage_volume"):  # 2.93: the guest is off while its root volume is written
            with contextlib.suppress(GuestNotFound):
                self.driver.power_off(server.id)
            self.volume.reimage_volume(str(meta["reimage_volume"]), str(meta["reimage_image"]))
        spec = self.actions.guest_spec(server.id)
        if spec is None:
            return
        try:
            self.driver.rebuild(spec)
        except GuestNotFound:  # a failed build has no guest: make it
            self.driver.spawn(spec)
        if server.system_metadata.get("rebuild_from") == STOPPED:
            self.driver.power_off(server.id)

    def _rebuild_done(self, server: Server, was_running: bool) -> tuple[str, dict[str, Any]]:
        meta = dict(server.system_metadata)
        stopped = meta.pop("rebuild_from", None) == STOPPED
        image_id = meta.pop("reimage_image", None) or server.image_id
        meta.pop("reimage_volume", None)
        server.system_metadata = meta
        server.vm_state, server.power_state = (STOPPED, SHUTDOWN) if stopped else (ACTIVE, RUNNING)
        server.fault = None
        server.launched_at = self.cloud.clock.now()
        return "rebuild", {"image_id": image_id, "name": server.name, "stopped": stopped,
                           **flavor_attrs(server.flavor)}

    # ------------------------------------------------------------------ shelve
    def shelve_server(self, ctx: RequestContext, server_id: str) -> None:
        """shelve: power off, save the disk as the image `<name>-shelved`, then (shelved_offload_time 0, Nova's
        default) offload at once: the guest leaves the host and stops being charged."""
        self.actions.begin(ctx, server_id, "shelve", (ACTIVE, STOPPED, PAUSED, SUSPENDED), "shelving",
                           f"{RULE}:os-shelve:shelve", capability="snapshot")
        self._queue(server_id)

    def _run_shelve(self, server: Server) -> None:
        with contextlib.suppress(GuestNotFound):
            if server.vm_state == PAUSED:
                self.driver.unpause(server.id)
            self.driver.power_off(server.id)
        with self.cloud.db.read() as db:  # a volume-backed server keeps its disk in its volume: no image (Nova)
            if self.block_devices is not None and self.block_devices.is_volume_backed(db, server.id):
                return
        image_id = self._snapshot_image(_owner_ctx(server), server, f"{server.name}-shelved", {})
        with self.cloud.db.write() as db:
            row = db.scalar(select(Server).where(Server.id == server.id))
            if row is not None:
                row.system_metadata = {**row.system_metadata, "shelved_image_id": image_id}
        server.system_metadata = {**server.system_metadata, "shelved_image_id": image_id}
        try:
            self._write_snapshot(server, image_id)
        except Exception:
            self.image.delete_snapshot_image(image_id)
            raise

    def _shelve_done(self, server: Server, was_running: bool) -> tuple[str, dict[str, Any]]:
        server.vm_state, server.power_state = SHELVED, SHUTDOWN
        server.system_metadata = {**server.system_metadata, "shelved_at": self.cloud.clock.now().isoformat()}
        if self.cloud.settings.shelved_offload_time == 0:
            server.task_state = "shelving_offloading"  # run_task goes on with the offload at once
        return "shelve", flavor_attrs(server.flavor)

    def shelve_offload_server(self, ctx: RequestContext, server_id: str) -> None:
        """shelveOffload: the guest is destroyed, the host's resources freed; the shelved image stays."""
        self.actions.begin(ctx, server_id, "shelveOffload", (SHELVED,), "shelving_offloading",
                           f"{RULE}:os-shelve:shelve_offload")
        self.actions.run_task(server_id)

    def _offload_done(self, server: Server, was_running: bool) -> tuple[str, dict[str, Any]]:
        server.vm_state, server.power_state, server.host = SHELVED_OFFLOADED, NOSTATE, None
        return "shelve_offload", flavor_attrs(server.flavor)

    def unshelve_server(self, ctx: RequestContext, server_id: str) -> None:
        """unshelve: power on a shelved guest, or (offloaded) boot a new one from the shelved image on the
        host; the shelved image is deleted after, as Nova does."""
        self.cloud.billing.check_can_create(ctx, "server", verb="start")
        self.actions.begin(ctx, server_id, "unshelve", (SHELVED, SHELVED_OFFLOADED), "unshelving",
                           f"{RULE}:os-shelve:unshelve")
        self._queue(server_id)

    def _run_unshelve(self, server: Server) -> None:
        if server.vm_state == SHELVED:
            try:
                self.driver.power_on(server.id)
                return
            except GuestNotFound:
                pass
        image_id = server.system_metadata.get("shelved_image_id")
        spec = self.actions.guest_spec(server.id, image_id=image_id)
        if spec is None:
            return
        self.driver.spawn(spec)
        # Nova deletes the shelved image once the guest is back; a driver whose disks keep the image as their
        # backing file (libvirt's overlays) needs it to stay.
        if image_id and not self.driver.supports("image_backed_disks"):
            self.image.delete_snapshot_image(str(image_id))

    def _unshelve_done(self, server: Server, was_running: bool) -> tuple[str, dict[str, Any]]:
        meta = dict(server.system_metadata)
        meta.pop("shelved_image_id", None)
        meta.pop("shelved_at", None)
        server.system_metadata = meta
        server.vm_state, server.power_state, server.host = ACTIVE, RUNNING, self.host
        return "unshelve", flavor_attrs(server.flavor)

    # ------------------------------------------------------------------ operators: reset state, migrations
    def reset_state(self, ctx: RequestContext, server_id: str, state: str) -> None:
        """os-resetState (admin): vm_state active or error, task cleared; nothing is asked of the driver."""
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, f"{RULE}:os-admin-actions:reset_state", server.project_id)
            server.vm_state, server.task_state = state, None
            server.updated_at = self.cloud.clock.now()
            self._event(db, ctx, server, "reset_state", state=state)

    def inject_network_info(self, ctx: RequestContext, server_id: str) -> None:
        """injectNetworkInfo (admin): the guests here take their network from DHCP and the config drive, so
        there is nothing to inject (as with Nova's libvirt driver); the server must exist."""
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, f"{RULE}:os-admin-actions:inject_network_info", server.project_id)

    def migrate_server(self, ctx: RequestContext, server_id: str, host: str | None = None,
                       live: bool = False) -> None:
        """migrate / os-migrateLive on a one-host cloud: the scheduler has no other host. Nova's 400 (its
        message), recorded in the server's history as a failed migration."""
        action = "os-migrateLive" if live else "migrate"
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            rule = "os-migrate-server:migrate_live" if live else "os-migrate-server:migrate"
            self.cloud.policy.enforce(ctx, f"{RULE}:{rule}", server.project_id)
            self.check_lock(ctx, server)
            states = (ACTIVE, PAUSED) if live else (ACTIVE, STOPPED)
            if server.vm_state not in states or server.task_state is not None:
                raise self.invalid_state(action, server)
            if host is not None and host == self.host:
                message = f"Unable to migrate instance ({server_id}) to current host ({host})."
            elif host is not None:
                message = f"Compute host {host} could not be found."
            elif live:
                message = "No valid host was found. There are not enough hosts available."
            else:
                message = "No valid host was found. No valid host found for cold migrate"
            self._event(db, ctx, server, "live-migration" if live else "migrate", error=message)
        raise BadRequest(message)

