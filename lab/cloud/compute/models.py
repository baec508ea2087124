"""Compute's stored state: flavors (with access lists and extra specs), key pairs, servers, and per-project
quota overrides.

Servers are soft-deleted, as in Nova: a deleted server keeps its row (vm_state `deleted`, `deleted_at` set) so
`changes-since` can report it and billing can read its history, while every normal query leaves it out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lab.cloud.db import Base, new_id


class Flavor(Base):
    __tablename__ = "flavors"

    # Nova's flavors have an integer primary key and a separate string `flavorid` that the API shows as `id`.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flavorid: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    memory_mb: Mapped[int]
    vcpus: Mapped[int]
    root_gb: Mapped[int]
    ephemeral_gb: Mapped[int] = mapped_column(default=0)
    swap: Mapped[int] = mapped_column(default=0)
    rxtx_factor: Mapped[float] = mapped_column(default=1.0)
    is_public: Mapped[bool] = mapped_column(default=True)
    disabled: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str | None] = mapped_column(String(65535))
    extra_specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class FlavorAccess(Base):
    """A project allowed to use a private flavor."""

    __tablename__ = "flavor_access"
    __table_args__ = (UniqueConstraint("flavor_seq", "project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flavor_seq: Mapped[int] = mapped_column(ForeignKey("flavors.seq", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(String(64))


class KeyPair(Base):
    """Key pairs belong to a user (not a project), and names are unique per user, as in Nova."""

    __tablename__ = "key_pairs"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    project_id: Mapped[str | None] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(255))
    public_key: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16), default="ssh")
    created_at: Mapped[datetime]


class Server(Base):
    __tablename__ = "servers"
    __table_args__ = (Index("ix_servers_project_deleted", "project_id", "deleted"),
                      Index("ix_servers_created", "created_at", "id"))

    # The integer names the guest (`instance-0000002a`) the way Nova's instance id does.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    # Nova's state machine; the API's `status` is derived from these two (schemas.status_of).
    vm_state: Mapped[str] = mapped_column(String(32), default="building")
    task_state: Mapped[str | None] = mapped_column(String(32), default="scheduling")
    power_state: Mapped[int] = mapped_column(default=0)
    deleted: Mapped[bool] = mapped_column(default=False)
    # The flavor as it was at boot (a copy, as Nova keeps one: deleting a flavor must not change servers).
    flavor: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # During a resize: the flavor it came from (kept until confirmResize) and the one it is going to.
    old_flavor: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    new_flavor: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    image_id: Mapped[str | None] = mapped_column(String(64))
    key_name: Mapped[str | None] = mapped_column(String(255))
    public_key: Mapped[str | None] = mapped_column(Text)
    user_data: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    security_groups: Mapped[list[Any]] = mapped_column(default=list)
    access_ip_v4: Mapped[str] = mapped_column(String(64), default="")
    access_ip_v6: Mapped[str] = mapped_column(String(64), default="")
    availability_zone: Mapped[str] = mapped_column(String(255), default="nova")
    host: Mapped[str | None] = mapped_column(String(255))
    config_drive: Mapped[str] = mapped_column(String(16), default="")
    progress: Mapped[int] = mapped_column(default=0)
    # os-lock-server: a locked server refuses actions to anyone but an admin; `locked_by` is Nova's owner|admin.
    locked: Mapped[bool] = mapped_column(default=False)
    locked_by: Mapped[str | None] = mapped_column(String(16), default=None)
    locked_reason: Mapped[str | None] = mapped_column(String(255), default=None)
    # Nova's system_metadata: what a task in progress or a state needs to remember (the image a rebuild boots,
    # the snapshot a createImage fills, the image a shelved server was saved to, the state before a rescue).
    system_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The last failure shown to the user as `fault` ({"code", "message", "created"}).
    fault: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    launched_at: Mapped[datetime | None]
    terminated_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]




class BlockDeviceMapping(Base):
    """Nova's block_device_mapping: a server's volume-backed disk asked at create (block_device_mapping_v2 with
    destination `volume`). Compute keeps what it was asked (source, size, boot index, delete_on_termination);
    the volume itself, its status and its attachment belong to the volume service, asked through its contract.
    `volume_id` is empty until the build has made the volume (source image, snapshot or blank)."""

    __tablename__ = "block_device_mappings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    server_id: Mapped[str] = mapped_column(String(36), index=True)
    source_type: Mapped[str] = mapped_column(String(16))  # image | volume | snapshot | blank
    uuid: Mapped[str | None] = mapped_column(String(36))  # the source's id (none for blank)
    volume_id: Mapped[str | None] = mapped_column(String(36))
    volume_size: Mapped[int | None] = mapped_column(Integer)
    volume_type: Mapped[str | None] = mapped_column(String(255))  # 2.67
    boot_index: Mapped[int | None] = mapped_column(Integer)
    device_name: Mapped[str] = mapped_column(String(64))  # /dev/vda for the root volume
    delete_on_termination: Mapped[bool] = mapped_column(default=False)
    tag: Mapped[str | None] = mapped_column(String(60))


class Aggregate(Base):
    """A host aggregate (os-aggregates): a named group of compute hosts with metadata, which an operator uses
    to steer scheduling (and to make an availability zone). The one host may be in several."""

    __tablename__ = "compute_aggregates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    hosts: Mapped[list[Any]] = mapped_column(default=list)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class ComputeServiceRecord(Base):
    """One of Nova's services on the one host (os-services): nova-compute, nova-scheduler, nova-conductor. An
    operator can disable one (`openstack compute service set --disable`): a disabled nova-compute takes no new
    servers, as Nova's scheduler skips it."""

    __tablename__ = "compute_services"
    __table_args__ = (UniqueConstraint("binary", "host"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    binary: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(255), default=None)
    forced_down: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]


class ServerGroup(Base):
    """os-server-groups: a project's group of servers with a scheduling policy (affinity, anti-affinity and
    the soft ones). Members are the live servers booted into it (`os:scheduler_hints: {"group": id}`)."""

    __tablename__ = "server_groups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    policy: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class ServerGroupMember(Base):
    __tablename__ = "server_group_members"
    __table_args__ = (UniqueConstraint("server_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("server_groups.id", ondelete="CASCADE"), index=True)
    server_id: Mapped[str] = mapped_column(String(36))


class ConsoleToken(Base):
    """A remote console's access token (Nova's console_auth_tokens): bound to one server, expiring, and kept
    only as a digest (the URL is the secret)."""

    __tablename__ = "console_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    server_id: Mapped[str] = mapped_column(String(36), index=True)
    console_type: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime]


class Migration(Base):
    """A server's move as Nova records one (os-migrations): here only resizes, on the one host (Nova's
    allow_resize_to_same_host), from `pre-migrating` to `finished` (VERIFY_RESIZE), then `confirmed` or
    `reverted`, or `error`. A deleted server's migrations are gone with it, as Nova's instance_destroy does."""

    __tablename__ = "compute_migrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    server_id: Mapped[str] = mapped_column(String(36), index=True)
    migration_type: Mapped[str] = mapped_column(String(32), default="resize")
    status: Mapped[str] = mapped_column(String(32))
    source_compute: Mapped[str | None] = mapped_column(String(255))
    dest_compute: Mapped[str | None] = mapped_column(String(255))
    source_node: Mapped[str | None] = mapped_column(String(255))
    dest_node: Mapped[str | None] = mapped_column(String(255))
    dest_host: Mapped[str | None] = mapped_column(String(255))
    old_flavor_seq: Mapped[int | None] = mapped_column(Integer)
    new_flavor_seq: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
