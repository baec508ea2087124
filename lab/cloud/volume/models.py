"""Block storage's stored state: volume types (with their QoS specs and access lists), volumes, their
attachments to servers, snapshots, backups and transfers, and what an admin set on a service.

Rows are deleted when the resource is gone (the event table keeps the history). Two unique constraints make
attachment races impossible: a volume has at most one attachment (no multiattach), and a device name is used
once per server, so two concurrent attaches to one server can never both get /dev/vdb.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lab.cloud.db import Base, new_id


class VolumeType(Base):
    __tablename__ = "volume_types"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))
    is_public: Mapped[bool] = mapped_column(default=True)
    extra_specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class Volume(Base):
    __tablename__ = "volumes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    # The size an extend in progress is growing to: counted by quotas and capacity from the request on.
    pending_size: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), default="creating")
    attach_status: Mapped[str] = mapped_column(String(32), default="detached")
    availability_zone: Mapped[str] = mapped_column(String(255), default="nova")
    volume_type_id: Mapped[str] = mapped_column(ForeignKey("volume_types.id"))
    bootable: Mapped[bool] = mapped_column(default=False)
    snapshot_id: Mapped[str | None] = mapped_column(String(36))
    source_volid: Mapped[str | None] = mapped_column(String(36))
    image_id: Mapped[str | None] = mapped_column(String(36))
    # Glance's facts about the image a volume was made from (Cinder's volume_image_metadata).
    image_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    host: Mapped[str] = mapped_column(String(255), default="stacklab@file#file")
    # Why the volume is in error (Cinder keeps this in its user messages; shown in `stacklab` and the logs).
    fault: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class VolumeAttachment(Base):
    __tablename__ = "volume_attachments"
    __table_args__ = (UniqueConstraint("server_id", "device", name="uq_volume_attachments_server_device"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    volume_id: Mapped[str] = mapped_column(ForeignKey("volumes.id"), unique=True)
    server_id: Mapped[str] = mapped_column(String(36), index=True)
    device: Mapped[str] = mapped_column(String(64))
    attached_at: Mapped[datetime | None]
    attach_status: Mapped[str] = mapped_column(String(32), default="attaching")


class Snapshot(Base):
    __tablename__ = "volume_snapshots"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    volume_id: Mapped[str] = mapped_column(ForeignKey("volumes.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), default="creating")
    progress: Mapped[str] = mapped_column(String(8), default="0%")
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class Backup(Base):
    """A volume's backup: a copy of its bytes outside the volume backend (Cinder's backup service), kept when
    the volume is deleted. An incremental backup names its `parent_id`; a backup with dependents cannot go."""

    __tablename__ = "volume_backups"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    volume_id: Mapped[str] = mapped_column(String(36), index=True)  # no foreign key: the volume may be gone
    snapshot_id: Mapped[str | None] = mapped_column(String(36))
    parent_id: Mapped[str | None] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), default="creating")
    fail_reason: Mapped[str | None] = mapped_column(String(1000))
    is_incremental: Mapped[bool] = mapped_column(default=False)
    container: Mapped[str | None] = mapped_column(String(255))
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    object_count: Mapped[int] = mapped_column(Integer, default=0)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    # What a restore gives the volume back, as Cinder keeps it with the backup: bootable and the image facts.
    bootable: Mapped[bool] = mapped_column(default=False)
    image_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The volume being restored into, while `restoring` (so a reset or a crash can put it back).
    restore_volume_id: Mapped[str | None] = mapped_column(String(36))
    data_timestamp: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class Transfer(Base):
    """A volume offered to another project (Cinder's volume transfer): the receiver needs the id and the
    auth key, which is shown once and stored hashed."""

    __tablename__ = "volume_transfers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    volume_id: Mapped[str] = mapped_column(ForeignKey("volumes.id"), unique=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)  # the source project
    name: Mapped[str | None] = mapped_column(String(255))
    salt: Mapped[str] = mapped_column(String(32))
    crypt_hash: Mapped[str] = mapped_column(String(128))
    no_snapshots: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class QosSpecs(Base):
    """Cinder's QoS specs: named key/value limits for a back-end or front-end (the hypervisor) consumer,
    associated with volume types. Data here: the file backend does not throttle."""

    __tablename__ = "volume_qos_specs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    consumer: Mapped[str] = mapped_column(String(32), default="back-end")
    specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class QosAssociation(Base):
    """A volume type's QoS specs (a type has at most one). A table of its own, so labs made before QoS specs
    existed need no new column."""

    __tablename__ = "volume_qos_associations"
    volume_type_id: Mapped[str] = mapped_column(ForeignKey("volume_types.id"), primary_key=True)
    qos_specs_id: Mapped[str] = mapped_column(ForeignKey("volume_qos_specs.id"), index=True)


class VolumeTypeAccess(Base):
    """A project that may use a private volume type (`volume type set --project`)."""

    __tablename__ = "volume_type_projects"
    __table_args__ = (UniqueConstraint("volume_type_id", "project_id", name="uq_volume_type_projects"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    volume_type_id: Mapped[str] = mapped_column(ForeignKey("volume_types.id"), index=True)
    project_id: Mapped[str] = mapped_column(String(64))


class ServiceState(Base):
    """What an admin set on one of Cinder's services (`volume service set --disable`, `volume host freeze`):
    a row only once one was changed (the services themselves are the lab's own, always up)."""

    __tablename__ = "volume_service_states"
    binary: Mapped[str] = mapped_column(String(255), primary_key=True)
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    disabled: Mapped[bool] = mapped_column(default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    frozen: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime | None]


class DefaultType(Base):
    """A project's own default volume type (Cinder 3.62's /default-types), over the cloud's `__DEFAULT__`."""

    __tablename__ = "volume_default_types"
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    volume_type_id: Mapped[str] = mapped_column(ForeignKey("volume_types.id"), index=True)


class VolumeMessage(Base):
    """A user message (Cinder's /messages, 3.3): why an asynchronous operation failed, for the project whose
    request it was, kept until `expires_at` (Cinder's message_ttl, 30 days). A table of its own."""

    __tablename__ = "volume_messages"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    request_id: Mapped[str] = mapped_column(String(255), default="")
    resource_type: Mapped[str] = mapped_column(String(255), default="VOLUME")
    resource_uuid: Mapped[str | None] = mapped_column(String(36))
    event_id: Mapped[str] = mapped_column(String(255))
    message_level: Mapped[str] = mapped_column(String(255), default="ERROR")
    user_message: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class GroupType(Base):
    """A generic volume group type (Cinder 3.11): what kind of group (`consistent_group_snapshot_enabled` and
    other group specs, data here: the file backend takes every group)."""

    __tablename__ = "volume_group_types"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))
    is_public: Mapped[bool] = mapped_column(default=True)
    group_specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class VolumeGroup(Base):
    """A generic volume group (Cinder 3.13): volumes of the group's volume types managed together (snapshotted
    together as a group snapshot, deleted together)."""

    __tablename__ = "volume_groups"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32), default="creating")
    availability_zone: Mapped[str] = mapped_column(String(255), default="nova")
    group_type_id: Mapped[str] = mapped_column(ForeignKey("volume_group_types.id"))
    volume_type_ids: Mapped[list[Any]] = mapped_column(default=list)
    group_snapshot_id: Mapped[str | None] = mapped_column(String(36))
    source_group_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class GroupMember(Base):
    """A volume's group (Cinder's volumes.group_id; a table of its own, so older labs need no new column)."""

    __tablename__ = "volume_group_members"
    volume_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(36), index=True)


class GroupSnapshot(Base):
    """A snapshot of every volume of a group taken together (Cinder 3.14)."""

    __tablename__ = "volume_group_snapshots"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    group_id: Mapped[str] = mapped_column(String(36), index=True)
    group_type_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32), default="creating")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class GroupSnapshotMember(Base):
    """A snapshot's group snapshot (Cinder's snapshots.group_snapshot_id)."""

    __tablename__ = "volume_group_snapshot_members"
    snapshot_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    group_snapshot_id: Mapped[str] = mapped_column(String(36), index=True)


class VolumeTypeEncryption(Base):
    """A volume type's encryption spec (Cinder's os-volume-type-encryption): provider, cipher, key size and
    where the encryption happens. Data only here: the lab has no key manager, so volumes are not encrypted."""

    __tablename__ = "volume_type_encryption"
    volume_type_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    encryption_id: Mapped[str] = mapped_column(String(36), default=new_id)
    provider: Mapped[str] = mapped_column(String(255))
    cipher: Mapped[str | None] = mapped_column(String(255))
    key_size: Mapped[int | None] = mapped_column(Integer)
    control_location: Mapped[str] = mapped_column(String(255), default="front-end")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
