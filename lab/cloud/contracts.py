"""What the services ask of each other: one Protocol per service, naming only the calls other services (and the
lab API) make. A service calls another only through `cloud.<name>`, typed by these, so mypy checks every seam;
each service module states that its class fulfils its contract (`_fulfils` at its end).

A call that another service's code makes is added here first: the contract is the list of what crosses the
seam, and everything else in a service is its own business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from lab.cloud.compute.common import ServerView
    from lab.cloud.compute.models import Server
    from lab.cloud.context import RequestContext
    from lab.cloud.drivers.base import DiskSpec, ImageSpec, NicSpec
    from lab.cloud.identity.models import Domain, Project, User
    from lab.cloud.identity.schemas import DomainCreate, ProjectCreate, UserCreate, UserUpdate
    from lab.cloud.identity.service import IssuedToken
    from lab.cloud.image.models import Image as ImageRow
    from lab.cloud.image.schemas import ImageQuery, PatchOp
    from lab.cloud.network.query import ListQuery
    from lab.cloud.volume.models import Snapshot
    from lab.cloud.volume.schemas import SnapshotCreate, VolumeCreate
    from lab.cloud.volume.volumes import VolumeView


# A request body as JSON decoded it (what the lab's login pages hand to identity's authenticate).
JSONObject = dict[str, object]


class Identity(Protocol):
    def authenticate(self, auth: JSONObject, subject_token: str | None = None) -> IssuedToken:
        """Keystone's POST /v3/auth/tokens (the lab's own login pages use it)."""

    def revoke(self, subject_token: str) -> None: ...

    def issue_token_for(self, user_id: str, project_id: str, ttl_seconds: int = 900) -> str:
        """A project-scoped token for a lab user, issued without their password (the lab acting in their name
        while nobody is at the keyboard: a scheduled drill, an exam graded at time-up)."""

    def create_project(self, ctx: RequestContext, req: ProjectCreate) -> Project: ...

    def create_user(self, ctx: RequestContext, req: UserCreate) -> User: ...

    def update_user(self, ctx: RequestContext, user_id: str, req: UserUpdate) -> User: ...

    def grant_role(self, ctx: RequestContext, kind: Literal["project", "domain", "system"], target_id: str,
                   user_id: str, role_id: str) -> None: ...

    def create_domain(self, ctx: RequestContext, req: DomainCreate) -> Domain: ...

    def empty_domain(self, db: Session, domain_id: str, keep_user_id: str, keep_role_id: str) -> dict[str, int]:
        """In `db` (a student reset's transaction): the domain's projects, users, groups, domain roles and
        grants go, but `keep_user_id`'s `keep_role_id` on it (put back if missing); the domain is enabled."""

    def context_for_token(self, value: str, request_id: str = "") -> RequestContext:
        """The caller of a token (every request). Raises Unauthorized for a missing, unknown or expired one."""

    def forget_tokens(self, match: Callable[[str], bool] | None = None) -> None:
        """Drop cached token resolutions (all, or those whose token id `match`es) after a credential change."""


@dataclass(frozen=True)
class VolumeMapping:
    """How a volume is mapped to a server (Nova's block device mapping, made at the server's create or at an
    attach): its root disk or not, whether it goes with the server, and its device tag."""

    root: bool
    delete_on_termination: bool
    tag: str | None = None


class Compute(Protocol):
    def get_server(self, ctx: RequestContext, server_id: str) -> ServerView: ...

    def find_server(self, ctx: RequestContext, server_id: str) -> Server:
        """The server `get_server` shows (the same 404 and show rule), not rendered: for a caller that needs only
        its row (its project: an attach asks no port, address or volume of it)."""

    def volume_mappings(self, server_id: str) -> dict[str, VolumeMapping]:
        """The server's volume mappings, by volume id (os-volume_attachments shows delete_on_termination from
        2.79 and the tag from 2.70, and refuses to detach the root volume)."""

    def set_delete_on_termination(self, server_id: str, volume_id: str, value: bool, device: str) -> None:
        """Nova 2.85's PUT of an attachment: change whether the volume goes with the server. A volume attached
        (at `device`) before compute kept a mapping of every attached volume gets one now."""

    def stop_server(self, ctx: RequestContext, server_id: str, at: datetime | None = None) -> None:
        """os-stop; `at` (billing's prepaid cut-off only) records the power-off at that earlier lab moment."""

    def attach_disk(self, server_id: str, disk: DiskSpec, *, delete_on_termination: bool = False,
                    tag: str | None = None, offloaded: bool = False) -> None:
        """Hot-plug a volume into a server's guest (the volume service's attach); compute then maps it (Nova's
        block device mapping, with the attach's delete_on_termination and tag). `offloaded`: the request's
        microversion (2.20) allows a shelved-offloaded server, which has no guest: the volume joins it at
        unshelve."""

    def detach_disk(self, server_id: str, volume_id: str, *, offloaded: bool = False) -> None:
        """Unplug a volume from a server's guest; compute forgets its mapping (a detached volume never goes
        with the server). `offloaded` as for attach_disk."""

    def server_statuses(self, db: Session, server_ids: list[str]) -> dict[str, str]:
        """The API status (ACTIVE, SHUTOFF, ...) of each existing server (the load balancer's member health)."""

    def server_names(self, db: Session, server_ids: list[str]) -> dict[str, str]:
        """The name of each existing server (who answered the load balancer's simulated traffic)."""

    def existing_server_ids(self, db: Session) -> set[str]:
        """The id of every server not deleted (the metric collector's cheap check for servers come and gone)."""

    def metered_servers(self, db: Session, *, active_only: bool = False,
                        skip: set[str] | None = None) -> list[MeteredServer]:
        """What Ceilometer's compute agent reads of each server not deleted (only ACTIVE ones with
        `active_only`), leaving out the ids in `skip` (the metric collector)."""

    def deleted_at(self, db: Session, server_ids: list[str]) -> dict[str, datetime | None]:
        """When each of `server_ids` that is deleted was deleted (None when not recorded); one that still
        exists is absent, one never known is absent too (the metric collector ends their resources)."""


@dataclass(frozen=True)
class MeteredServer:
    """A server as the metric collector sees it: the attributes of its Gnocchi `instance` resource and what
    the fake load and `cpu_util` need (the flavor's RAM and vCPUs, the metadata's `load`)."""

    id: str
    name: str
    project_id: str
    user_id: str
    image_id: str | None
    host: str | None
    created_at: datetime
    flavor_id: str
    flavor_name: str
    ram_mb: int
    vcpus: int
    metadata: JSONObject


@dataclass(frozen=True)
class ServicePort:
    """A port another service holds on a project's network (the load balancer's VIP): where it landed."""

    id: str
    network_id: str
    subnet_id: str
    ip_address: str


class RequestedNetwork(TypedDict, total=False):
    """One item of Nova's `networks` in a server create: a network, a port, or a fixed address on a network."""

    uuid: str
    port: str
    fixed_ip: str
    tag: str


class Interface(TypedDict):
    """A server's port as Nova's os-interface shows it."""

    port_id: str
    net_id: str
    mac_addr: str
    port_state: str
    fixed_ips: list[dict[str, str]]  # {"subnet_id", "ip_address"}


# One of a server's addresses as Nova's `addresses` shows it.
Address = TypedDict("Address", {"version": int, "addr": str, "OS-EXT-IPS:type": str,
                                "OS-EXT-IPS-MAC:mac_addr": str})


class NovaRule(TypedDict):
    """A security group's ingress rule as Nova's os-security-groups converts Neutron's."""

    id: str
    parent_group_id: str
    ip_protocol: str | None
    from_port: int
    to_port: int
    group: dict[str, str]
    ip_range: dict[str, str]


class ServerSecurityGroup(TypedDict):
    id: str
    name: str
    description: str
    tenant_id: str
    rules: list[NovaRule]


class Network(Protocol):
    def allocate_for_server(self, db: Session, ctx: RequestContext, server_id: str,
                            requested: list[RequestedNetwork] | None, security_groups: list[str] | None, *,
                            hostname: str = "") -> None:
        """Inside compute's server-create transaction: the server's ports (Nova's allocate_for_instance); with
        DNS integration each port's `dns_name` is the server's `hostname`."""

    def release_for_server(self, db: Session, server_id: str, port_id: str | None = None) -> None:
        """A server's ports go (made for it: deleted; handed to it: unbound); with `port_id`, that one only."""

    def server_interfaces(self, db: Session, server_id: str) -> list[Interface]:
        """os-interface's view of a server's ports: port_id, net_id, mac_addr, port_state, fixed_ips."""

    def server_addresses(self, db: Session, server_ids: list[str]) -> dict[str, dict[str, list[Address]]]:
        """Each server's addresses by network name: its fixed IPs, then the floating IPs on each port."""

    def server_nics(self, db: Session, server_id: str) -> list[NicSpec]: ...

    def server_security_groups(self, db: Session, server_ids: list[str]) -> dict[str, list[str]]: ...

    def server_security_group_details(self, server_id: str) -> list[ServerSecurityGroup]:
        """The groups of a server's ports with their ingress rules, in Nova's os-security-groups shape."""

    def add_server_security_group(self, db: Session, ctx: RequestContext, server_id: str, name_or_id: str) -> None:
        ...

    def remove_server_security_group(self, db: Session, ctx: RequestContext, server_id: str,
                                     name_or_id: str) -> None: ...

    def create_service_port(self, db: Session, ctx: RequestContext, project_id: str, *, device_owner: str,
                            device_id: str, name: str, network_id: str | None, subnet_id: str | None,
                            ip_address: str | None) -> ServicePort:
        """A port of `project_id` on a network or subnet `ctx` may see (the load balancer's VIP), counted in the
        project's port quota. Raises Neutron's errors: 404 for an unseen network or subnet, 409 when the
        address is taken or none is left, OverQuota."""

    def delete_service_port(self, db: Session, port_id: str) -> None:
        """Remove a port made by `create_service_port` (its floating IP is disassociated); a no-op when gone."""

    def subnet_cidr(self, db: Session, ctx: RequestContext, subnet_id: str) -> tuple[str, str] | None:
        """(network id, CIDR) of a subnet `ctx` may see; None when it may not (or it does not exist)."""

    def add_server_fixed_ip(self, db: Session, ctx: RequestContext, server_id: str, network_id: str) -> None:
        """addFixedIp (before 2.44): one more address on the server's port on the network (Nova's 400
        NetworkNotFoundForInstance when it has none or no subnet has room)."""

    def remove_server_fixed_ip(self, db: Session, ctx: RequestContext, server_id: str, address: str) -> None:
        """removeFixedIp: the address leaves the server's port holding it (Nova's 400 otherwise)."""

    def floating_ip_pools(self, db: Session) -> list[str]:
        """The names of the external networks, which Nova's os-floating-ip-pools proxy lists as pools."""

    def device_at(self, db: Session, address: str, subnet_id: str | None) -> str | None:
        """The device id (a server id) of the compute port holding `address` (on `subnet_id` if given)."""

    # Neutron's own API calls, as Nova's proxies (os-security-groups, os-floating-ips, os-networks; before
    # 2.36) make them with the caller's credentials: Neutron's policies, checks and errors apply.
    def list_resources(self, ctx: RequestContext, collection: str,
                       query: ListQuery) -> tuple[list[dict[str, Any]], bool]: ...

    def show(self, ctx: RequestContext, collection: str, object_id: str, fields: list[str]) -> dict[str, Any]: ...

    def create(self, ctx: RequestContext, collection: str, body: dict[str, Any]) -> dict[str, Any]: ...

    def update(self, ctx: RequestContext, collection: str, object_id: str,
               body: dict[str, Any]) -> dict[str, Any]: ...

    def delete(self, ctx: RequestContext, collection: str, object_id: str) -> None: ...


@dataclass(frozen=True)
class BootVolume:
    """What compute asks of a volume a server is created with (it waits for `available`)."""

    id: str
    status: str
    size: int
    image_id: str | None  # the image the volume was made from (Cinder's volume_image_metadata)
    fault: str | None = None


class Volume(Protocol):
    def server_volumes(self, db: Session, server_ids: list[str]) -> dict[str, list[str]]:
        """Volume ids attached to each server, by device order (`os-extended-volumes:volumes_attached`)."""

    def detach_all_for_server(self, server_id: str, delete_volume_ids: Sequence[str] = ()) -> None:
        """A server is deleted: its volumes become available again (Nova's BDM cleanup); those in
        `delete_volume_ids` (delete_on_termination) are then deleted."""

    def reserve_volume(self, ctx: RequestContext, volume_id: str, server_id: str, device: str, *,
                       boot: bool = False) -> None:
        """At create, before the server is recorded: Cinder's checks of a volume the server is created with
        (Nova's 400 for an unseen, used or unavailable one), and its `attaching` reservation."""

    def unreserve_volumes(self, server_id: str) -> None:
        """The create failed after reserving: the server's reservations are undone."""

    def create_volume_for_server(self, ctx: RequestContext, name: str, size_gb: int | None, *,
                                 image_id: str | None = None, snapshot_id: str | None = None,
                                 volume_type: str | None = None) -> str:
        """In the build, with the owner's credentials: a volume from an image, a snapshot or nothing (Cinder's
        create and its checks, raised as CloudError). Returns its id; it is `creating` until the worker made it."""

    def boot_volumes(self, db: Session, volume_ids: Sequence[str]) -> dict[str, BootVolume]: ...

    def connect_server_volumes(self, server_id: str, user_id: str | None) -> list[DiskSpec]:
        """Before the spawn: reserved volumes become in-use; every attached volume's disk, in device order."""

    def server_disks(self, server_id: str) -> list[DiskSpec]:
        """The disks of the server's attached volumes, for a guest made again (unshelve, rebuild)."""

    def reimage_volume(self, volume_id: str, image_id: str) -> None:
        """Cinder's os-reimage for a rebuild of a volume-backed server (2.93)."""

    def snapshot_for_server_image(self, ctx: RequestContext, volume_id: str, name: str) -> tuple[str, int]:
        """createImage of a volume-backed server: Nova's forced snapshot of an attached volume, with the
        caller's rights (Cinder's checks and quotas). Returns the snapshot's id and size (GB)."""

    # Cinder's own API calls, as Nova's os-volumes and os-snapshots proxies (before 2.36) make them with the
    # caller's credentials: Cinder's policies, checks, quotas and errors apply.
    def get_volume(self, ctx: RequestContext, volume_id: str) -> VolumeView: ...

    def list_volumes(self, ctx: RequestContext) -> list[VolumeView]: ...

    def create_volume(self, ctx: RequestContext, req: VolumeCreate) -> VolumeView: ...

    def delete_volume(self, ctx: RequestContext, volume_id: str) -> None: ...

    def get_snapshot(self, ctx: RequestContext, snapshot_id: str) -> Snapshot: ...

    def list_snapshots(self, ctx: RequestContext) -> list[Snapshot]: ...

    def create_snapshot(self, ctx: RequestContext, req: SnapshotCreate) -> Snapshot: ...

    def delete_snapshot(self, ctx: RequestContext, snapshot_id: str) -> None: ...

    def update_snapshot_status(self, ctx: RequestContext, snapshot_id: str, status: str, progress: str) -> None:
        """An assisted snapshot's progress, as Nova's compute reports it: Cinder's os-update_snapshot_status
        with the caller's rights (its checks raised as CloudError)."""


class Image(Protocol):
    def image_for_boot(self, ctx: RequestContext, image_id: str) -> ImageSpec:
        """The image a server boots from, checked as Nova checks it (400/404 when unusable)."""

    def create_image_for_upload(self, ctx: RequestContext, name: str, disk_format: str, container_format: str,
                                visibility: str, protected: bool, properties: dict[str, str]) -> str:
        """A new `queued` image of the caller's project, as Cinder's os-volume_upload_image makes it in Glance
        with the caller's token (Glance's policies apply: 403 for `public` unless allowed). Returns its id."""

    def store_image_file(self, image_id: str, path: Path, user_id: str | None) -> None:
        """Move the file at `path` into the image store as the data of queued image `image_id` and activate
        it (size, checksums). Succeeds quietly, removing `path`, when the image is gone or no longer queued."""

    def kill_image(self, image_id: str) -> None:
        """An upload that failed: the queued image is deleted (Glance's `killed`, as Cinder leaves it)."""

    def create_snapshot_image(self, ctx: RequestContext, name: str, properties: dict[str, str],
                              min_disk: int = 0, min_ram: int = 0) -> str:
        """A queued private image of the caller's project for a server snapshot (createImage, shelve)."""

    def snapshot_file(self, image_id: str) -> Path:
        """Where the compute driver writes the snapshot's bytes."""

    def finish_snapshot_image(self, image_id: str, disk_format: str) -> bool:
        """Activate the snapshot from its written file; False when the image was deleted meanwhile."""

    def delete_snapshot_image(self, image_id: str) -> None:
        """Remove a snapshot image compute made; succeeds if it is gone."""

    # Glance's own API calls, as Nova's /images proxy (before 2.36; its metadata before 2.39) makes them with
    # the caller's credentials: Glance's policies, checks and errors apply.
    def get_image(self, ctx: RequestContext, image_id: str) -> ImageRow: ...

    def list_images(self, ctx: RequestContext, q: ImageQuery) -> tuple[list[ImageRow], str | None]: ...

    def update_image(self, ctx: RequestContext, image_id: str, ops: list[PatchOp]) -> ImageRow: ...

    def delete_image(self, ctx: RequestContext, image_id: str) -> None: ...


class Metric(Protocol):
    def resource_projects(self, db: Session, resource_id: str) -> tuple[str | None, str] | None:
        """(project_id, created_by_project_id) of a Gnocchi resource (its id or original id); None when there is
        none (Aodh asks Gnocchi whether an alarm's resource exists and may be read)."""

    def alarm_points(self, db: Session, project_id: str, rule: JSONObject, start: datetime,
                     stop: datetime) -> dict[datetime, list[float]]:
        """What Aodh's Gnocchi rules read: the rule's metric aggregated by its `aggregation_method` at its
        `granularity` between `start` and `stop`, for its `resource_id` or for every resource of its
        `resource_type` matching its `query` that `project_id` may read: each timestamp's values, one per
        resource. A metric whose archive policy lacks the granularity or method gives no points."""


class Billing(Protocol):
    def check_can_create(self, ctx: RequestContext, kind: str, verb: str = "create") -> None:
        """Refuse (402-style Forbidden with the billing message) a create of `kind` (or a start, `verb="start"`)
        by a project out of credit."""

    def set_starting_balance_in(self, db: Session, project_id: str, amount: Decimal | int | str) -> None:
        """A class's starting balance for a project, in the caller's transaction (a student reset)."""
