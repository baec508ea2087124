"""Object storage's stored state (Swift v1): one account per project (its metadata), its containers and their
objects. The object data lives in files under `<data_dir>/objects/` (see store.py), one per object version,
named by a fresh id: a user's object name never becomes a path on disk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lab.cloud.db import Base, new_id


class SwiftAccount(Base):
    """`AUTH_<project id>`: made when the project first writes (Swift's account_autocreate)."""

    __tablename__ = "swift_accounts"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime]
    # X-Account-Meta-* (lower-case name after the prefix -> value), temp URL keys among them.
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SwiftContainer(Base):
    __tablename__ = "swift_containers"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # X-Container-Meta-* (lower-case name after the prefix -> value); quotas are metadata, as in Swift.
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    read_acl: Mapped[str] = mapped_column(String(4096), default="")
    write_acl: Mapped[str] = mapped_column(String(4096), default="")
    # Versioning: the archive container's name, and the mode (`stack`: X-Versions-Location, `history`).
    versions_location: Mapped[str | None] = mapped_column(String(256))
    versions_mode: Mapped[str | None] = mapped_column(String(16))


class SwiftObject(Base):
    __tablename__ = "swift_objects"
    __table_args__ = (UniqueConstraint("container_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    container_id: Mapped[str] = mapped_column(ForeignKey("swift_containers.id"), index=True)
    name: Mapped[str] = mapped_column(String(1024))
    blob: Mapped[str] = mapped_column(String(36), default=new_id)  # the data file's name (store.py)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    etag: Mapped[str] = mapped_column(String(64))  # md5 hex of the data (of the manifest, for a DLO)
    content_type: Mapped[str] = mapped_column(String(256))
    last_modified: Mapped[datetime]
    # X-Object-Meta-* (lower-case name after the prefix -> value).
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Content-Disposition, Content-Encoding, X-Object-Manifest (a DLO), ...: kept and returned as given.
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    delete_at: Mapped[int | None] = mapped_column(BigInteger)  # X-Delete-At, seconds since the epoch (lab clock)
