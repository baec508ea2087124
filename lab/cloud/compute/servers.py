"""Servers: create (202 + BUILD, quota-checked in the same write transaction), list with Nova's filters and
pagination, show, update, delete in any state (gone at once; the guest is destroyed by the worker), and server
metadata.

Other services are called through their contracts (lab/cloud/contracts.py): the image service resolves
`imageRef`, the network service allocates ports and reports addresses, the volume service reports attached
volumes.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import secrets
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from lab.cloud import events
from lab.cloud.compute import schemas
from lab.cloud.compute.common import (
    AVAILABILITY_ZONE,
    BUILDING,
    DELETED,
    STATUS_FILTERS,
    ComputePart,
    ServerRow,
    ServerView,
    flavor_attrs,
    hostname_of,
)
from lab.cloud.compute.flavors import Flavors
from lab.cloud.compute.models import KeyPair, Server
from lab.cloud.compute.quotas import Quotas
from lab.cloud.context import RequestContext
from lab.cloud.db import new_id
from lab.cloud.errors import BadRequest, Forbidden, NotFound
from lab.cloud.worker import enqueue

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.compute.block_devices import BlockDevices
    from lab.cloud.compute.server_groups import ServerGroups

log = logging.getLogger(__name__)

# What the server list reads: every column the views and the renderer use, as plain rows (a page can be
# 1,000 servers, and ORM instances cost more than the query). Key pairs' keys, user data and the resize
# flavors stay in the table.
_LIST_COLUMNS = tuple(getattr(Server, name) for name in (
    "seq", "id", "name", "project_id", "user_id", "vm_state", "task_state", "power_state", "deleted", "flavor",
    "image_id", "key_name", "metadata_", "security_groups", "access_ip_v4", "access_ip_v6", "availability_zone",
    "host", "config_drive", "progress", "fault", "created_at", "updated_at", "launched_at", "terminated_at",
    "locked", "locked_reason", "system_metadata", "user_data"))


@dataclass(frozen=True)
class ServerQuery:
    name: str | None = None
    status: str | None = None
    flavor: str | None = None
    image: str | None = None
    changes_since: datetime | None = None
    changes_before: datetime | None = None  # 2.66
    project_id: str | None = None  # admins with all_tenants
    all_tenants: bool = False  # asked for every project's servers (the get_all_tenants rule decides)
    detail: bool = False  # /servers/detail (its own rules)
    deleted: bool | None = None
    ip: str | None = None
    host: str | None = None  # admins only (Nova ignores it for others)
    reservation_id: str | None = None  # the servers of one create request
    limit: int | None = None
    marker: str | None = None
    strict_status: bool = False  # 2.38: an unknown status is 400
    tags: Callable[[list[str]], bool] | None = None  # 2.26's tag filters (server_tags.tag_filter)


def image_devices(properties: dict[str, Any]) -> list[schemas.BlockDevice]:
    """The volumes an image of a volume-backed server asks for (its `block_device_mapping`, bdm_v2): Nova boots
    such an image by making each snapshot a new volume, the boot_index 0 one the root disk."""
    if str(properties.get("bdm_v2", "")).lower() != "true" or not properties.get("block_device_mapping"):
        return []
    try:
        bdms = json.loads(str(properties["block_device_mapping"]))
    except ValueError:
        return []
    devices = []
    for b in bdms if isinstance(bdms, list) else []:
        if not isinstance(b, dict) or b.get("destination_type") != "volume":
            continue
        source = str(b.get("source_type") or "")
        uuid = b.get("snapshot_id") if source == "snapshot" else b.get("volume_id") if source == "volume" \
            else b.get("image_id")
        index = b.get("boot_index")
        devices.append(schemas.BlockDevice(source, uuid, b.get("volume_size"),
                                           None if index is None or int(index) < 0 else int(index),
                                           bool(b.get("delete_on_termination")), b.get("device_name"),
                                           b.get("volume_type"), b.get("tag")))
    return devices


def check_flavor_fits_image(ram_mb: int, root_gb: int, image: dict[str, Any]) -> None:
    """Nova's checks of a flavor against the image's min_ram, min_disk and size (400s with Nova's wording).
    A flavor with a 0 GB root disk takes the image's size, so only its memory is checked."""
    if ram_mb < int(image.get("min_ram") or 0):
        raise BadRequest("Flavor's memory is too small for requested image.")
    if root_gb == 0:
        return
    flavor_bytes = root_gb * 1024**3
    if int(image.get("size") or 0) > flavor_bytes:
        raise BadRequest(f"Flavor's disk is too small for requested image. Flavor disk is {flavor_bytes} bytes, "
                         f"image is {int(image['size'])} bytes.")
    min_bytes = int(image.get("min_disk") or 0) * 1024**3
    if min_bytes > flavor_bytes:
        raise BadRequest(f"Flavor's disk is too small for requested image. Flavor disk is {flavor_bytes} bytes, "
                         f"minimum required by image is {min_bytes} bytes.")


def reservation_id() -> str:
    """A create request's reservation id, as Nova's utils.generate_uid('r') makes it."""
    return "r-" + "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8))


def _newer_attributes(req: schemas.ServerCreate, name: str, count: int, reservation: str,
                      index: int) -> dict[str, Any]:
    """What a create sets beyond the 2.1 columns (common.server_extra): the request's reservation id and the
    server's launch index in it (2.3's extended attributes), and the newer microversions' attributes."""
    extra: dict[str, Any] = {"reservation_id": reservation, "launch_index": index}
    if req.description is not None:
        extra["description"] = req.description
    if req.tags:
        extra["tags"] = req.tags
    if req.hostname is not None:
        # Several servers of one request get numbered hostnames, as Nova numbers their names.
        extra["hostname"] = req.hostname if count == 1 else f"{req.hostname}-{name.rsplit('-', 1)[-1]}"
    return extra


class Servers(ComputePart):
    def __init__(self, cloud: Cloud, flavors: Flavors, quotas: Quotas):
        super().__init__(cloud)
        self.flavors = flavors
        self.quotas = quotas
        self.groups: ServerGroups | None = None  # set by ComputeService (servers join groups at create)
        self.block_devices: BlockDevices | None = None  # set by ComputeService (volumes at create)

    # ------------------------------------------------------------------ views
    def views(self, db: Session, servers: Sequence[ServerRow]) -> list[ServerView]:
        """Servers with their addresses, volumes and security groups, asked of the other services in batches."""
        ids = [s.id for s in servers]
        live = [s.id for s in servers if not s.deleted]
        addresses = self.network.server_addresses(db, live) if live else {}
        groups = self.network.server_security_groups(db, live) if live else {}
        volumes = self.volume.server_volumes(db, live) if live else {}
        # Nova's delete_on_termination of each attached volume (2.3): only volumes of a create's mappings.
        doomed = self.block_devices.delete_on_termination(db, live) if live and self.block_devices else set()
        result = []
        for server, server_id in zip(servers, ids, strict=True):
            sg = groups.get(server_id)
            attached = list(volumes.get(server_id, []))
            result.append(ServerView(server, addresses.get(server_id, {}), attached, list(sg or []),
                                     deleted_with=[v for v in attached if v in doomed]))
        return result

    def get_server(self, ctx: RequestContext, server_id: str,
             rule: str = "os_compute_api:servers:show") -> ServerView:
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, rule, server.project_id)
            return self.views(db, [server])[0]

    def find_server(self, ctx: RequestContext, server_id: str, rule: str = "os_compute_api:servers:show") -> Server:
        """`get_server`'s row, checked as it checks it, without rendering the view."""
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, rule, server.project_id)
            return server

    def extended_attributes(self, ctx: RequestContext) -> bool:
        """Whether the caller sees the servers' host attributes (OS-EXT-SRV-ATTR:*); asked once a request."""
        return self.cloud.policy.allows(ctx, "os_compute_api:os-extended-server-attributes")

    # ------------------------------------------------------------------ create
    def create_server(self, ctx: RequestContext, req: schemas.ServerCreate) -> tuple[ServerView, str]:
        """POST /servers: validate against flavor, image, key pair and quotas, create the server(s) in BUILD and
        queue their builds. Returns the first server and its admin password."""
        self.cloud.policy.enforce(ctx, "os_compute_api:servers:create", ctx.project_id)
        if ctx.project_id is None:  # a domain- or system-scoped token: a server belongs to a project
            raise Forbidden("Policy doesn't allow os_compute_api:servers:create to be performed.")
        self.cloud.billing.check_can_create(ctx, "server")  # a prepaid project with no balance left: 402
        if req.availability_zone not in (None, AVAILABILITY_ZONE):
            raise BadRequest("The requested availability zone is not available")
        image_id = req.image_ref
        image_name = None
        image_props: dict[str, Any] = {}
        if image_id is not None:
            image = self.image.image_for_boot(ctx, image_id)  # Nova-style 400/404 when unusable
            image_id, image_name, image_props = image.id, image.name, image.properties
        if not req.block_devices and image_devices(image_props):
            req = dataclasses.replace(req, block_devices=image_devices(image_props))
        devices = req.block_devices
        volume_backed = any(d.boot_index == 0 for d in devices)
        assert self.block_devices is not None
        if devices:
            root_image = self.block_devices.check(ctx, devices, req.max_count)
            if root_image is not None:  # the root volume's image: its min_ram applies, its size the volume's
                image_name, image_props = root_image.name, {"min_ram": root_image.properties.get("min_ram")}
        now = self.cloud.clock.now()
        created: list[Server] = []
        # The ids are chosen first: the volumes a server is created with are reserved for it (through the
        # volume contract, in the volume service's own transaction) before the server is recorded.
        server_ids = [new_id() for _ in range(req.max_count)]
        if devices:
            # Nova checks the root volume is bootable only when no imageRef is given (compute/api.py reads the
            # boot metadata from the image then, never from the volume).
            self.block_devices.reserve(ctx, server_ids[0], devices, check_bootable=not req.image_given)
        try:
            return self._record_servers(ctx, req, server_ids, image_id, image_name, image_props, volume_backed,
                                        now, created)
        except BaseException:
            if devices:
                self.volume.unreserve_volumes(server_ids[0])
            raise

    def _record_servers(self, ctx: RequestContext, req: schemas.ServerCreate, server_ids: list[str],
                        image_id: str | None, image_name: str | None, image_props: dict[str, Any],
                        volume_backed: bool, now: datetime, created: list[Server]) -> tuple[ServerView, str]:
        assert ctx.project_id is not None and self.block_devices is not None
        with self.cloud.db.write() as db:
            flavor = self.flavors.find_flavor(db, ctx, req.flavor_ref)
            if flavor is None:
                raise BadRequest(f"Flavor {req.flavor_ref} could not be found.")
            if flavor.disabled:
                raise BadRequest("Flavor is disabled.")
            # A volume-backed server's root disk is its volume: only the flavor's memory is checked (Nova).
            check_flavor_fits_image(flavor.memory_mb, 0 if volume_backed else flavor.root_gb, image_props)
            public_key = None
            if req.key_name is not None:
                keypair = db.scalar(select(KeyPair).where(KeyPair.user_id == ctx.user_id,
                                                          KeyPair.name == req.key_name))
                if keypair is None:
                    raise BadRequest("Invalid key_name provided.")
                public_key = keypair.public_key
            self.quotas.check_metadata(db, ctx.project_id, req.metadata)
            count = req.max_count
            self.quotas.check_servers(db, ctx.project_id, {
                "instances": count, "cores": count * flavor.vcpus, "ram": count * flavor.memory_mb})
            snapshot = schemas.flavor_snapshot(flavor)
            groups = req.security_groups if req.security_groups is not None else ["default"]
            reservation = reservation_id()
            for index in range(count):
                name = req.name if count == 1 else f"{req.name}-{index + 1}"
                server = Server(
                    id=server_ids[index], name=name, project_id=ctx.project_id, user_id=ctx.user_id, vm_state=BUILDING,
                    task_state="scheduling", flavor=snapshot, image_id=image_id, key_name=req.key_name,
                    public_key=public_key, user_data=req.user_data, metadata_=req.metadata,
                    security_groups=groups, access_ip_v4=req.access_ip_v4, access_ip_v6=req.access_ip_v6,
                    availability_zone=AVAILABILITY_ZONE, host=self.host,
                    config_drive="True" if req.config_drive else "", created_at=now, updated_at=now,
                    system_metadata=_newer_attributes(req, name, count, reservation, index))
                db.add(server)
                db.flush()
                if req.block_devices:
                    self.block_devices.record(db, server.id, req.block_devices)
                # "networks": "none" (2.37) is an empty request: no port at all; None is the project's network.
                self.network.allocate_for_server(db, ctx, server.id, [] if req.no_network else req.networks,
                                                 groups, hostname=hostname_of(server))
                events.record(db, now, project_id=ctx.project_id, user_id=ctx.user_id, resource_type="server",
                              resource_id=server.id, action="create", name=name, image_id=image_id,
                              image_name=image_name, **flavor_attrs(snapshot),
                              # the create action's request id (os-instance-actions), the 202's own
                              **({"request_id": ctx.request_id} if ctx.request_id else {}))
                enqueue(db, now, "compute.build", server.id, delay=self.cloud.settings.boot_seconds)
                created.append(server)
            if req.group is not None and self.groups is not None:
                self.groups.add_members(db, ctx, req.group, [s.id for s in created])
            first = created[0]
            # The 202 body shows only the security groups (schemas.server_created): a new server has no
            # volumes, and its addresses are not shown, so only the groups are asked of the network.
            groups_now = self.network.server_security_groups(db, [first.id]).get(first.id)
            view = ServerView(first, security_groups=list(groups_now or []))
        self.cloud.worker.wake()
        return view, secrets.token_urlsafe(9)

    # ------------------------------------------------------------------ list
    def list_servers(self, ctx: RequestContext, q: ServerQuery) -> list[ServerView]:
        """Servers the caller may see, newest first, filtered and paged as Nova does."""
        rule = "os_compute_api:servers:detail" if q.detail else "os_compute_api:servers:index"
        if q.all_tenants:
            self.cloud.policy.enforce(ctx, f"{rule}:get_all_tenants")
        self.cloud.policy.enforce(ctx, rule)
        admin = self.is_admin(ctx)
        query = select(*_LIST_COLUMNS)
        # Nova's is_all_tenants: `all_tenants` present with an empty value (tempest sends `all_tenants=`) asks
        # for every project too; `tenant_id` / `project_id` narrow that to one project, and are ignored without it.
        if not (admin and (q.all_tenants or ctx.all_projects)):
            query = query.where(Server.project_id == ctx.project_id)
        elif q.project_id:
            query = query.where(Server.project_id == q.project_id)
        if q.deleted is True and admin:
            query = query.where(Server.deleted.is_(True))
        elif (q.changes_since is None and q.changes_before is None) or q.deleted is False:
            query = query.where(Server.deleted.is_(False))  # a window of changes lists deleted servers too
        if q.changes_since is not None and q.changes_before is not None and q.changes_before < q.changes_since:
            raise BadRequest("The value of changes-since must be less than or equal to changes-before.")
        if q.changes_since is not None:
            query = query.where(Server.updated_at >= q.changes_since)
        if q.changes_before is not None:
            query = query.where(Server.updated_at <= q.changes_before)
        if q.status is not None:
            wanted = STATUS_FILTERS.get(q.status.upper())
            if wanted is None:
                if q.strict_status:  # 2.38
                    raise BadRequest("Invalid status value")
                return []  # Nova (before 2.38) answers an unknown status with an empty list
            vm_states, task_states = wanted
            query = query.where(Server.vm_state.in_(vm_states))
            if task_states is not None:  # as in Nova, a plain status (ACTIVE) matches whatever the task
                query = query.where(Server.task_state.in_(task_states))
            if DELETED in vm_states and not admin:
                return []
        if q.name is not None:
            try:
                re.compile(q.name)
            except re.error:
                raise BadRequest(f"Invalid regular expression for name: {q.name}") from None
            query = query.where(Server.name.regexp_match(q.name))
        if q.host is not None and admin:
            query = query.where(Server.host == q.host)
        if q.reservation_id is not None:
            kept = Server.system_metadata["reservation_id"].as_string()
            # (a server recorded before reservation ids were kept shows one made from its id: common.reservation_of)
            derived = q.reservation_id[2:] if q.reservation_id.startswith("r-") and q.reservation_id[2:] else "-"
            query = query.where(or_(kept == q.reservation_id, and_(kept.is_(None), Server.id.startswith(derived))))
        if q.image is not None:
            query = query.where(Server.image_id == schemas._ref(q.image))
        if q.flavor is not None:
            query = query.where(Server.flavor["id"].as_string() == schemas._ref(q.flavor))
        with self.cloud.db.read() as db:
            if q.marker is not None:
                marker = db.scalar(select(Server).where(Server.id == q.marker))
                if marker is None or not self.visible(ctx, marker.project_id):
                    raise BadRequest(f"marker [{q.marker}] not found")
                query = query.where(or_(Server.created_at < marker.created_at,
                                        and_(Server.created_at == marker.created_at, Server.id < marker.id)))
            query = query.order_by(Server.created_at.desc(), Server.id.desc())
            page = min(q.limit, self.cloud.settings.max_page_size) if q.limit is not None else None
            if q.ip is None and q.tags is None and page is not None:
                query = query.limit(page)
            views = self.views(db, list(db.execute(query)))
        if q.tags is not None:  # tags live in system_metadata's JSON: matched here, then the page is cut
            keep = q.tags
            views = [v for v in views if keep(list((v.server.system_metadata or {}).get("tags") or []))]
            if q.ip is None:
                views = views[:page] if page is not None else views
        if q.ip is not None:
            try:
                pattern = re.compile(q.ip)
            except re.error:
                raise BadRequest(f"Invalid regular expression for ip: {q.ip}") from None
            views = [v for v in views if any(pattern.search(a["addr"]) for addrs in v.addresses.values()
                                             for a in addrs)]
            views = views[:page] if page is not None else views
        return views

    # ------------------------------------------------------------------ update
    def update_server(self, ctx: RequestContext, server_id: str, changes: dict[str, Any]) -> ServerView:
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:servers:update", server.project_id)
            extra: dict[str, Any] = {k: changes.pop(k) for k in ("description", "hostname") if k in changes}
            if extra:  # kept in system_metadata (common.server_extra)
                server.system_metadata = {**(server.system_metadata or {}), **extra}
            for key, value in changes.items():
                setattr(server, key, value)
            server.updated_at = self.cloud.clock.now()
            db.flush()
            return self.views(db, [server])[0]

    # ------------------------------------------------------------------ delete
    def delete_server(self, ctx: RequestContext, server_id: str, rule: str = "os_compute_api:servers:delete") -> None:
        """Delete in any state: the server is gone from the API at once (GET answers 404), its ports are
        released in the same transaction, and the worker destroys the guest. (forceDelete is the same delete
        under its own rule.)"""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, rule, server.project_id)
            self.check_lock(ctx, server)
            self.mark_deleted(db, server, now, ctx.user_id)
        self.cloud.worker.wake()
        self.detach_volumes(server_id)

    def mark_deleted(self, db: Session, server: Server, now: datetime, user_id: str) -> None:
        """In the caller's transaction: the server deleted as the API deletes it (the student reset too)."""
        server.deleted = True
        server.vm_state = DELETED
        server.task_state = None
        server.deleted_at = server.terminated_at = server.updated_at = now
        self.network.release_for_server(db, server.id)
        events.record(db, now, project_id=server.project_id, user_id=user_id, resource_type="server",
                      resource_id=server.id, action="delete", name=server.name, **flavor_attrs(server.flavor))
        enqueue(db, now, "compute.delete", server.id)

    def detach_volumes(self, server_id: str) -> None:
        """Give a deleted server's volumes back (idempotent; the delete job repeats it after a crash)."""
        try:
            assert self.block_devices is not None
            self.block_devices.release(server_id)
        except Exception:  # the delete job tries again; a delete must never fail on this
            log.exception("detaching the volumes of deleted server %s failed", server_id)

    # ------------------------------------------------------------------ security groups
    def change_security_group(self, ctx: RequestContext, server_id: str, name: str, add: bool) -> None:
        """addSecurityGroup / removeSecurityGroup, done by the network service on the server's ports."""
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:os-security-groups:add" if add
                                      else "os_compute_api:os-security-groups:remove", server.project_id)
            if add:
                self.network.add_server_security_group(db, ctx, server_id, name)
            else:
                self.network.remove_server_security_group(db, ctx, server_id, name)

    def change_fixed_ip(self, ctx: RequestContext, server_id: str, *, network_id: str | None = None,
                        address: str | None = None) -> None:
        """addFixedIp (`network_id`) / removeFixedIp (`address`), the deprecated multinic actions (before 2.44),
        done by the network service on the server's ports. Nova casts them to the compute host, which only logs
        a failure; here the network service answers at once, so its refusals are the 400s Nova's API declares."""
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:os-multinic:add" if network_id is not None
                                      else "os_compute_api:os-multinic:remove", server.project_id)
            self.check_lock(ctx, server)
            if network_id is not None:
                self.network.add_server_fixed_ip(db, ctx, server_id, network_id)
            else:
                assert address is not None
                self.network.remove_server_fixed_ip(db, ctx, server_id, address)

    # ------------------------------------------------------------------ metadata
    def get_metadata(self, ctx: RequestContext, server_id: str,
                     rule: str = "os_compute_api:server-metadata:index") -> dict[str, str]:
        with self.cloud.db.read() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, rule, server.project_id)
            return dict(server.metadata_ or {})

    def set_metadata(self, ctx: RequestContext, server_id: str, metadata: dict[str, str], *, replace: bool,
                     rule: str | None = None) -> dict[str, str]:
        """POST merges, PUT replaces (`rule`: the PUT of one item's); the result is checked against the
        metadata_items quota."""
        rule = rule or ("os_compute_api:server-metadata:update_all" if replace
                        else "os_compute_api:server-metadata:create")
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, rule, server.project_id)
            self.check_lock(ctx, server)
            merged = dict(metadata) if replace else {**(server.metadata_ or {}), **metadata}
            self.quotas.check_metadata(db, server.project_id, merged)
            server.metadata_ = merged
            server.updated_at = self.cloud.clock.now()
        return merged

    def get_metadata_item(self, ctx: RequestContext, server_id: str, key: str) -> dict[str, str]:
        metadata = self.get_metadata(ctx, server_id, "os_compute_api:server-metadata:show")
        if key not in metadata:
            raise NotFound("Metadata item was not found")
        return {key: metadata[key]}

    def delete_metadata_item(self, ctx: RequestContext, server_id: str, key: str) -> None:
        with self.cloud.db.write() as db:
            server = self.get_server_row(db, ctx, server_id)
            self.cloud.policy.enforce(ctx, "os_compute_api:server-metadata:delete", server.project_id)
            self.check_lock(ctx, server)
            metadata = dict(server.metadata_ or {})
            if key not in metadata:
                raise NotFound("Metadata item was not found")
            del metadata[key]
            server.metadata_ = metadata
            server.updated_at = self.cloud.clock.now()
