"""Image's stored state (Glance v2): images, their custom properties and tags, and image members (the projects
a `shared` image is offered to). The image data itself lives in files under `<data_dir>/images/`, not here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lab.cloud.db import Base, new_id


class Image(Base):
    __tablename__ = "images"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str | None] = mapped_column(String(255), index=True)
    # queued -> saving -> active <-> deactivated; killed when an upload went wrong for good.
    status: Mapped[str] = mapped_column(String(30), default="queued")
    visibility: Mapped[str] = mapped_column(String(20), default="shared")
    protected: Mapped[bool] = mapped_column(default=False)
    os_hidden: Mapped[bool] = mapped_column(default=False)
    checksum: Mapped[str | None] = mapped_column(String(32))
    os_hash_algo: Mapped[str | None] = mapped_column(String(64))
    os_hash_value: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(BigInteger)
    virtual_size: Mapped[int | None] = mapped_column(BigInteger)
    min_disk: Mapped[int] = mapped_column(default=0)
    min_ram: Mapped[int] = mapped_column(default=0)
    disk_format: Mapped[str | None] = mapped_column(String(20))
    container_format: Mapped[str | None] = mapped_column(String(20))
    owner: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    tags: Mapped[list[Any]] = mapped_column(default=list)
    # Custom properties (Glance's "extra properties"): string values, rendered as top-level keys.
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ImageMember(Base):
    """A project a `shared` image is offered to; it sees the image in its list once it has accepted."""

    __tablename__ = "image_members"
    __table_args__ = (UniqueConstraint("image_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    image_id: Mapped[str] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[str] = mapped_column(String(255), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | accepted | rejected
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ImageTask(Base):
    """A Glance task of type `api_image_import`: one import of an image's data (glance-direct or web-download),
    shown by GET /v2/images/{id}/tasks (2.12), with the failure's message when it failed."""

    __tablename__ = "image_tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    image_id: Mapped[str] = mapped_column(String(36), index=True)
    owner: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(30), default="pending")  # pending | processing | success | failure
    input: Mapped[dict[str, Any]] = mapped_column(default=dict)
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MetadefNamespace(Base):
    """A metadata definitions namespace (Glance's metadefs catalog): named property definitions, objects
    (groups of properties) and tags that say which image, volume or flavor properties a cloud understands, and
    the resource types they apply to. Its parts live in JSON columns, replaced (never mutated) on change."""

    __tablename__ = "metadef_namespaces"

    namespace: Mapped[str] = mapped_column(String(80), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(String(500))
    visibility: Mapped[str] = mapped_column(String(32), default="private")
    protected: Mapped[bool] = mapped_column(default=False)
    owner: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # name -> {"description", "required", "properties", "created_at", "updated_at"}
    objects: Mapped[dict[str, Any]] = mapped_column(default=dict)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)  # name -> the property's definition
    tags: Mapped[list[Any]] = mapped_column(default=list)  # [{"name", "created_at", "updated_at"}]
    # [{"name", "prefix", "properties_target", "created_at", "updated_at"}]
    resource_types: Mapped[list[Any]] = mapped_column(default=list)


class MetadefResourceType(Base):
    """A resource type metadefs namespaces apply to (OS::Glance::Image, OS::Nova::Flavor, ...): Glance's
    migrations add five, and associating a namespace with a new name adds it."""

    __tablename__ = "metadef_resource_types"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    protected: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
