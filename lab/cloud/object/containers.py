"""The account and its containers: listings, metadata, ACLs, quotas and versioning settings, create and
delete. Functions of the service (service.py), each one request's work in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.cloud.events import record
from lab.cloud.object import acl, schemas
from lab.cloud.object import versions as object_versions
from lab.cloud.object.access import Caller, Grant, authorize, project_of
from lab.cloud.object.models import SwiftAccount, SwiftContainer, SwiftObject
from lab.cloud.object.quotas import SERVICE, usage
from lab.cloud.object.schemas import ListingQuery, MetaChange, SwiftError
from lab.cloud.quotas import Exceeded, stored_limits

if TYPE_CHECKING:
    from lab.cloud.object.service import ObjectService


@dataclass(frozen=True)
class AccountView:
    name: str
    project_id: str
    created_at: datetime
    meta: dict[str, Any]
    containers: int
    objects: int
    bytes: int
    quota_bytes: int | None  # set by the reseller admin, else None


@dataclass(frozen=True)
class ContainerView:
    container: SwiftContainer
    objects: int
    bytes: int


def container_stats(db: Session, container_id: str) -> tuple[int, int]:
    row = db.execute(select(func.count(SwiftObject.id), func.coalesce(func.sum(SwiftObject.size), 0))
                     .where(SwiftObject.container_id == container_id)).one()
    return int(row[0]), int(row[1])


def find(db: Session, project_id: str, name: str) -> SwiftContainer | None:
    return db.scalar(select(SwiftContainer).where(SwiftContainer.project_id == project_id,
                                                  SwiftContainer.name == name))


def _account_view(svc: ObjectService, db: Session, account: str, project_id: str) -> AccountView:
    row = db.get(SwiftAccount, project_id)
    containers = int(db.scalar(select(func.count()).select_from(SwiftContainer)
                               .where(SwiftContainer.project_id == project_id,
                                      ~SwiftContainer.name.startswith(object_versions.HIDDEN))) or 0)
    objects, used = usage(db, project_id)
    quota = stored_limits(db, SERVICE, project_id).get("bytes")
    return AccountView(account, project_id, row.created_at if row else svc.cloud.clock.now(),
                       dict(row.meta) if row else {}, containers, objects, used, quota)


def account_info(svc: ObjectService, caller: Caller, account: str) -> AccountView:
    project_id = project_of(account)
    authorize(svc.cloud.policy, caller, "object_store:get_account", project_id)
    with svc.cloud.db.read() as db:
        return _account_view(svc, db, account, project_id)


def list_containers(svc: ObjectService, caller: Caller, account: str,
                    q: ListingQuery) -> tuple[AccountView, list[dict[str, Any]]]:
    project_id = project_of(account)
    authorize(svc.cloud.policy, caller, "object_store:get_account", project_id)
    with svc.cloud.db.read() as db:
        view = _account_view(svc, db, account, project_id)
        stats = {cid: (int(n), int(b or 0)) for cid, n, b in db.execute(
            select(SwiftObject.container_id, func.count(SwiftObject.id), func.sum(SwiftObject.size))
            .join(SwiftContainer, SwiftObject.container_id == SwiftContainer.id)
            .where(SwiftContainer.project_id == project_id).group_by(SwiftObject.container_id))}
        by_name = {c.name: c for c in db.scalars(select(SwiftContainer)
                                                 .where(SwiftContainer.project_id == project_id))
                   if not c.name.startswith(object_versions.HIDDEN)}
    rows: list[dict[str, Any]] = []
    for name, subdir in schemas.select_names(sorted(by_name, key=str.encode), q):
        if subdir:
            rows.append({"subdir": name})
            continue
        c = by_name[name]
        count, used = stats.get(c.id, (0, 0))
        rows.append({"name": name, "count": count, "bytes": used,
                     "last_modified": schemas.listing_time(c.updated_at)})
    return view, rows


def update_account(svc: ObjectService, caller: Caller, account: str, change: MetaChange,
                   quota: str | None) -> None:
    """POST: X-Account-Meta-* (temp URL keys among them); X-Account-Meta-Quota-Bytes by the reseller admin."""
    project_id = project_of(account)
    authorize(svc.cloud.policy, caller, "object_store:update_account", project_id)
    if quota is not None and not (caller.ctx and svc.cloud.policy.allows(
            caller.ctx, "object_store:set_account_quota", project_id)):
        raise SwiftError(403)
    limit = schemas.int_header(quota, "X-Account-Meta-Quota-Bytes") if quota else None
    now = svc.cloud.clock.now()
    with svc.cloud.db.write() as db:
        row = ensure_account(db, project_id, now)
        meta = change.apply({k: v for k, v in row.meta.items() if k != "quota-bytes"})
        schemas.check_meta_total(meta)
        row.meta = meta
        if quota is not None:
            default = svc.cloud.quotas.defaults(SERVICE)["bytes"]
            svc.cloud.quotas.set_limits(db, SERVICE, project_id, {"bytes": default if limit is None else limit})


def ensure_account(db: Session, project_id: str, now: datetime) -> SwiftAccount:
    row = db.get(SwiftAccount, project_id)
    if row is None:
        row = SwiftAccount(project_id=project_id, created_at=now, meta={})
        db.add(row)
        db.flush()
    return row


@dataclass(frozen=True)
class ContainerSettings:
    """What a container PUT or POST may set besides metadata (None: left as it is)."""

    read_acl: str | None = None
    write_acl: str | None = None
    versions: tuple[str, str] | None = None  # (mode, archive container); ("", "") removes versioning
    versions_enabled: bool | None = None  # X-Versions-Enabled (the newer API, versions.py)

    @classmethod
    def from_headers(cls, headers: dict[str, str]) -> ContainerSettings:
        read = headers.get("x-container-read")
        write = headers.get("x-container-write")
        if "x-remove-container-read" in headers:
            read = ""
        if "x-remove-container-write" in headers:
            write = ""
        versions = None
        stack, history = headers.get("x-versions-location"), headers.get("x-history-location")
        if stack and history:
            raise SwiftError(400, "Only one of X-Versions-Location or X-History-Location may be specified")
        if stack or history:
            versions = ("stack", stack) if stack else ("history", history or "")
            schemas.check_container_name(versions[1])
            if "/" in versions[1]:
                raise SwiftError(412, "Container name cannot contain slashes")
        elif "x-remove-versions-location" in headers or "x-remove-history-location" in headers or \
                stack == "" or history == "":
            versions = ("", "")
        enabled_header = headers.get("x-versions-enabled")
        enabled = None if enabled_header is None else enabled_header.strip().lower() in object_versions.TRUE
        if enabled and versions_given(stack, history):
            raise SwiftError(400, "Cannot set both X-Versions-Location and X-Versions-Enabled")
        return cls(None if read is None else acl.clean(read, write=False),
                   None if write is None else acl.clean(write, write=True), versions, enabled)

    def apply(self, c: SwiftContainer) -> None:
        if self.versions and self.versions[0] and object_versions.is_versioned(c):
            raise SwiftError(400, "Cannot use X-Versions-Location on a container with X-Versions-Enabled")
        if self.versions_enabled and c.versions_mode in ("stack", "history") and not (
                self.versions is not None and not self.versions[0]):
            raise SwiftError(400, "Cannot enable object versioning on a container that is already using the "
                                  "legacy versioned writes feature.")
        if self.read_acl is not None:
            c.read_acl = self.read_acl
        if self.write_acl is not None:
            c.write_acl = self.write_acl
        if self.versions is not None:
            mode, location = self.versions
            if not object_versions.is_versioned(c):
                c.versions_mode, c.versions_location = (mode, location) if mode else (None, None)
        if self.versions_enabled:
            c.versions_mode, c.versions_location = "enabled", None
        elif self.versions_enabled is False and object_versions.is_versioned(c):
            c.versions_mode = "suspended"


def versions_given(stack: str | None, history: str | None) -> bool:
    return bool(stack or history)


def _check_quota_meta(meta: dict[str, Any]) -> None:
    for key in ("quota-bytes", "quota-count"):
        if key in meta:
            try:
                int(meta[key])
            except ValueError:
                raise SwiftError(400, f"Invalid {key.replace('quota-', 'quota ')} value") from None


def create_container(svc: ObjectService, caller: Caller, account: str, name: str, change: MetaChange,
                     settings: ContainerSettings) -> bool:
    """PUT: True when created (201), False when it existed and was updated (202)."""
    project_id = project_of(account)
    schemas.check_container_name(name)
    now = svc.cloud.clock.now()
    with svc.cloud.db.write() as db:
        c = find(db, project_id, name)
        authorize(svc.cloud.policy, caller, "object_store:create_container" if c is None
                  else "object_store:update_container", project_id)
        created = c is None
        if c is None:
            try:
                svc.cloud.quotas.check(db, SERVICE, project_id, {"containers": 1})
            except Exceeded as exc:
                raise SwiftError(403, f"Reached container limit of {exc.overs[0][3]}") from None
            ensure_account(db, project_id, now)
            c = SwiftContainer(project_id=project_id, name=name, created_at=now, updated_at=now, meta={},
                               read_acl="", write_acl="")
            db.add(c)
            db.flush()
            record(db, now, project_id=project_id, user_id=caller.user_id, resource_type="container",
                   resource_id=c.id, action="create", size=0, name=name)
        c.meta = change.apply(c.meta)
        _check_quota_meta(c.meta)
        schemas.check_meta_total(c.meta)
        settings.apply(c)
        if object_versions.is_versioned(c):
            object_versions.ensure_archive(db, c, now)
        c.updated_at = now
    return created


def _container(svc: ObjectService, db: Session, caller: Caller, project_id: str, name: str, rule: str,
               grant: Grant | None) -> SwiftContainer:
    c = find(db, project_id, name)
    authorize(svc.cloud.policy, caller, rule, project_id, c, grant)
    if c is None:
        raise SwiftError(404)
    return c


def container_info(svc: ObjectService, caller: Caller, account: str, name: str) -> ContainerView:
    project_id = project_of(account)
    with svc.cloud.db.read() as db:
        c = _container(svc, db, caller, project_id, name, "object_store:get_container", "listing")
        return ContainerView(c, *container_stats(db, c.id))


def list_objects(svc: ObjectService, caller: Caller, account: str, name: str,
                 q: ListingQuery) -> tuple[ContainerView, list[dict[str, Any]]]:
    project_id = project_of(account)
    with svc.cloud.db.read() as db:
        c = _container(svc, db, caller, project_id, name, "object_store:get_container", "listing")
        view = ContainerView(c, *container_stats(db, c.id))
        stmt = select(SwiftObject).where(SwiftObject.container_id == c.id)
        if q.prefix:
            stmt = stmt.where(SwiftObject.name >= q.prefix)
        objects = {o.name: o for o in db.scalars(stmt)}
    rows: list[dict[str, Any]] = []
    for obj_name, subdir in schemas.select_names(sorted(objects, key=str.encode), q):
        if subdir:
            rows.append({"subdir": obj_name})
            continue
        o = objects[obj_name]
        rows.append({"hash": o.etag, "last_modified": schemas.listing_time(o.last_modified), "bytes": o.size,
                     "name": o.name, "content_type": o.content_type})
    return view, rows


def list_versions(svc: ObjectService, caller: Caller, account: str, name: str,
                  q: ListingQuery) -> tuple[ContainerView, list[dict[str, Any]]]:
    """GET ?versions: every version of the container's objects (versions.py)."""
    project_id = project_of(account)
    with svc.cloud.db.read() as db:
        c = _container(svc, db, caller, project_id, name, "object_store:get_container", "listing")
        if not object_versions.is_versioned(c) and object_versions.archive(db, c) is None:
            raise SwiftError(400, "versions is not supported on a container that never had versioning")
        return ContainerView(c, *container_stats(db, c.id)), object_versions.listing(db, c, q)


def update_container(svc: ObjectService, caller: Caller, account: str, name: str, change: MetaChange,
                     settings: ContainerSettings) -> None:
    project_id = project_of(account)
    with svc.cloud.db.write() as db:
        c = _container(svc, db, caller, project_id, name, "object_store:update_container", None)
        meta = change.apply(c.meta)
        _check_quota_meta(meta)
        schemas.check_meta_total(meta)
        c.meta = meta
        settings.apply(c)
        c.updated_at = svc.cloud.clock.now()
        if object_versions.is_versioned(c):
            object_versions.ensure_archive(db, c, c.updated_at)


def delete_container(svc: ObjectService, caller: Caller, account: str, name: str) -> None:
    """DELETE: 409 unless empty."""
    project_id = project_of(account)
    now = svc.cloud.clock.now()
    with svc.cloud.db.write() as db:
        c = _container(svc, db, caller, project_id, name, "object_store:delete_container", None)
        if container_stats(db, c.id)[0]:
            raise SwiftError(409)
        hidden = object_versions.archive(db, c)
        if hidden is not None:  # its versions go with it only when there are none (Swift's 409 otherwise)
            if container_stats(db, hidden.id)[0]:
                raise SwiftError(409)
            db.delete(hidden)
        record(db, now, project_id=project_id, user_id=caller.user_id, resource_type="container",
               resource_id=c.id, action="delete", size=0, name=c.name)
        db.delete(c)
