"""Objects: upload (streamed to a file, see store.py), download with ranges and conditions, metadata, copy,
delete, expiry on the lab clock, versioning, dynamic large objects and bulk delete. Functions of the service
(service.py).

An upload is three steps: a read transaction checks access and what can be checked before the data (the
container exists, the declared length fits the quotas), the data is streamed to a new file outside any
transaction, and a write transaction checks again with the real size and points the object's row at the new
file (after which the replaced file, if any, is removed). A crash in between leaves only an unreferenced file,
which the next start sweeps away."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud import worker
from lab.cloud.events import record
from lab.cloud.object import schemas, slo, versions
from lab.cloud.object.access import Caller, authorize, project_of
from lab.cloud.object.containers import container_stats, delete_container, find
from lab.cloud.object.models import SwiftContainer, SwiftObject
from lab.cloud.object.quotas import SERVICE
from lab.cloud.object.schemas import MetaChange, SwiftError, epoch
from lab.cloud.object.store import Stored, TooLarge
from lab.cloud.quotas import Exceeded

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.object.service import ObjectService

EXPIRE = "object.expire"
KEPT_HEADERS = ("content-disposition", "content-encoding", "x-object-manifest")
JOBS: worker.Jobs = {}


@dataclass(frozen=True)
class Upload:
    """What a PUT (or COPY) says besides its data."""

    content_length: int | None
    content_type: str | None
    etag: str | None
    meta: MetaChange
    headers: dict[str, str]  # KEPT_HEADERS given
    delete_at: int | None = None
    delete_after: int | None = None
    copy_from: str | None = None  # "container/object"
    fresh_metadata: bool = False
    detect_content_type: bool = False
    if_none_match: str | None = None


@dataclass(frozen=True)
class ObjectView:
    """An object as a GET or HEAD answers it; for a DLO manifest, its segments and their totals."""

    obj: SwiftObject
    size: int
    etag: str
    segments: list[SwiftObject] = field(default_factory=list)
    manifest: bool = False


def expired(obj: SwiftObject, now: datetime) -> bool:
    return obj.delete_at is not None and obj.delete_at <= epoch(now)


def _find_object(db: Session, c: SwiftContainer, name: str, now: datetime) -> SwiftObject | None:
    obj = db.scalar(select(SwiftObject).where(SwiftObject.container_id == c.id, SwiftObject.name == name))
    return None if obj is None or expired(obj, now) else obj


def _readable(svc: ObjectService, db: Session, caller: Caller, project_id: str, cname: str) -> SwiftContainer:
    c = find(db, project_id, cname)
    authorize(svc.cloud.policy, caller, "object_store:get_object", project_id, c, "read")
    if c is None:
        raise SwiftError(404)
    return c


def get_object(svc: ObjectService, caller: Caller, account: str, cname: str, name: str,
               manifest_itself: bool = False, version_id: str | None = None) -> ObjectView:
    project_id = project_of(account)
    now = svc.cloud.clock.now()
    with svc.cloud.db.read() as db:
        c = _readable(svc, db, caller, project_id, cname)
        obj = _find_object(db, c, name, now)
        if version_id is not None:
            obj = versions.find_version(db, c, obj, name, version_id)
        if obj is None:
            raise SwiftError(404)
        if slo.is_slo(obj):
            if manifest_itself:
                size = svc.store.path(obj.blob).stat().st_size
                return ObjectView(obj, size, hashlib.md5(svc.store.path(obj.blob).read_bytes(),
                                                         usedforsecurity=False).hexdigest())
            return ObjectView(obj, obj.size, f'"{obj.etag}"', slo.segments(svc, db, caller, project_id, obj), True)
        manifest = obj.headers.get("x-object-manifest")
        if not manifest or manifest_itself:
            return ObjectView(obj, obj.size, obj.etag)
        seg_container, _, prefix = unquote(manifest).partition("/")
        sc = _readable(svc, db, caller, project_id, seg_container)
        segments = [o for o in db.scalars(select(SwiftObject).where(
            SwiftObject.container_id == sc.id, SwiftObject.name >= prefix)) if o.name.startswith(prefix)
            and not expired(o, now)]
    segments.sort(key=lambda o: o.name.encode())
    etag = '"' + hashlib.md5("".join(s.etag for s in segments).encode(), usedforsecurity=False).hexdigest() + '"'
    return ObjectView(obj, sum(s.size for s in segments), etag, segments, True)


def check_conditions(view: ObjectView, headers: dict[str, str]) -> int | None:
    """If-Match / If-None-Match / If-(Un)Modified-Since: 304 or 412 when the request's condition fails."""
    etag = view.etag.strip('"')

    def tags(value: str) -> set[str]:
        return {t.strip().strip('"') for t in value.split(",")}

    if_match = headers.get("if-match")
    if if_match and "*" not in tags(if_match) and etag not in tags(if_match):
        return 412
    if_none = headers.get("if-none-match")
    if if_none and ("*" in tags(if_none) or etag in tags(if_none)):
        return 304
    modified = float(int(epoch(view.obj.last_modified)) + (epoch(view.obj.last_modified) % 1 > 0))
    since = schemas.parse_http_date(headers.get("if-modified-since"))
    if since is not None and not if_none and modified <= since:
        return 304
    unmodified = schemas.parse_http_date(headers.get("if-unmodified-since"))
    if unmodified is not None and not if_match and modified > unmodified:
        return 412
    return None


def pieces(view: ObjectView, start: int, end: int) -> list[tuple[str, int, int]]:
    """The (blob, start, end) file pieces holding bytes [start, end) of the object (its segments for a DLO)."""
    if not view.manifest:
        return [(view.obj.blob, start, end)]
    out, offset = [], 0
    for seg in view.segments:
        lo, hi = max(start, offset), min(end, offset + seg.size)
        if lo < hi:
            out.append((seg.blob, lo - offset, hi - offset))
        offset += seg.size
    return out


def _content_type(upload: Upload, name: str, source: SwiftObject | None) -> str:
    if upload.content_type and not upload.detect_content_type:
        return upload.content_type
    if source is not None and not upload.detect_content_type:
        return source.content_type
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _delete_at(upload: Upload, now: datetime) -> int | None:
    if upload.delete_after is not None:
        return int(epoch(now)) + upload.delete_after
    if upload.delete_at is not None:
        if upload.delete_at <= epoch(now):
            raise SwiftError(400, "X-Delete-At in past")
        return upload.delete_at
    return None


def _quota_checks(svc: ObjectService, db: Session, c: SwiftContainer, add_bytes: int, add_objects: int) -> None:
    """Swift's account quota and container quotas (413 Upload exceeds quota.), and the lab's object count."""
    try:
        svc.cloud.quotas.check(db, SERVICE, c.project_id, {"bytes": add_bytes, "objects": add_objects})
    except Exceeded:
        raise SwiftError(413, "Upload exceeds quota.") from None
    count, used = container_stats(db, c.id)
    if "quota-bytes" in c.meta and used + add_bytes > int(c.meta["quota-bytes"]) and add_bytes > 0:
        raise SwiftError(413, "Upload exceeds quota.")
    if "quota-count" in c.meta and count + add_objects > int(c.meta["quota-count"]) and add_objects > 0:
        raise SwiftError(413, "Upload exceeds quota.")


def record_size(db: Session, c: SwiftContainer, now: datetime, user_id: str | None, **attributes: Any) -> None:
    """The container's stored bytes changed: an event billing meters (as an image's upload)."""
    db.flush()
    record(db, now, project_id=c.project_id, user_id=user_id, resource_type="container", resource_id=c.id,
           action="upload", size=container_stats(db, c.id)[1], name=c.name, **attributes)


def _archive_name(obj: SwiftObject) -> str:
    return f"{len(obj.name.encode()):03x}{obj.name}/{schemas.x_timestamp(obj.last_modified)}"


def _archive(db: Session, c: SwiftContainer, obj: SwiftObject) -> SwiftContainer | None:
    """Versioning: move `obj` (its row and file) into the container's archive; the archive, or None."""
    if not c.versions_location:
        return None
    archive = find(db, c.project_id, c.versions_location)
    if archive is None or archive.id == c.id:
        return None
    obj.container_id, obj.name = archive.id, _archive_name(obj)
    db.flush()
    return archive


async def put_object(svc: ObjectService, caller: Caller, account: str, cname: str, name: str, upload: Upload,
                     chunks: AsyncIterator[bytes] | None) -> SwiftObject:
    """PUT (data from `chunks`) or a server-side copy (`upload.copy_from`, no data): the stored object."""
    project_id = project_of(account)
    schemas.check_object_name(name)
    now = svc.cloud.clock.now()
    source: SwiftObject | None = None
    with svc.cloud.db.read() as db:
        c = find(db, project_id, cname)
        if c is None and caller.temp_url == (project_id, cname):
            raise SwiftError(404)  # a signed (temp URL, form) upload is authorized before its container is read
        authorize(svc.cloud.policy, caller, "object_store:create_object", project_id, c, "write")
        if c is None:
            raise SwiftError(404)
        if upload.copy_from is not None:
            src_container, _, src_name = upload.copy_from.lstrip("/").partition("/")
            if not src_container or not src_name:
                raise SwiftError(412, "X-Copy-From header must be of the form <container name>/<object name>")
            sc = _readable(svc, db, caller, project_id, src_container)
            source = _find_object(db, sc, src_name, now)
            if source is None:
                raise SwiftError(404)
            if source.headers.get("x-object-manifest"):
                raise SwiftError(400, "Copying a large object manifest is not supported here")
        if upload.if_none_match == "*" and _find_object(db, c, name, now) is not None:
            raise SwiftError(412)
        if upload.content_length is not None:
            _quota_checks(svc, db, c, upload.content_length, 0)
    delete_at = _delete_at(upload, now)
    if source is not None:
        stored = Stored(svc.store.duplicate(source.blob), source.size, source.etag)
    else:
        assert chunks is not None
        try:
            stored = await svc.store.receive(chunks, schemas.MAX_FILE_SIZE)
        except TooLarge:
            raise SwiftError(413, "Your request is too large.") from None
        if upload.content_length is not None and stored.size < upload.content_length:
            svc.store.remove([stored.blob])
            raise SwiftError(499, "Client Disconnect")
    if upload.etag and upload.etag.strip('"').lower() != stored.etag:
        svc.store.remove([stored.blob])
        raise SwiftError(422)
    try:
        obj, removed = _commit(svc, caller, project_id, cname, name, stored, upload, source, delete_at)
    except BaseException:
        svc.store.remove([stored.blob])
        raise
    svc.store.remove(removed)
    if delete_at is not None:
        svc.cloud.worker.wake()
    return obj


def _commit(svc: ObjectService, caller: Caller, project_id: str, cname: str, name: str, stored: Stored,
            upload: Upload, source: SwiftObject | None, delete_at: int | None) -> tuple[SwiftObject, list[str]]:
    now = svc.cloud.clock.now()
    removed: list[str] = []
    with svc.cloud.db.write() as db:
        c = find(db, project_id, cname)
        if c is None:
            raise SwiftError(404)  # deleted while the data arrived
        old = _find_object(db, c, name, now)
        stale = db.scalar(select(SwiftObject).where(SwiftObject.container_id == c.id, SwiftObject.name == name))
        archived = old is not None and (versions.keeps(c, old) if versions.is_versioned(c) else
                                        c.versions_location and find(db, project_id, c.versions_location))
        replaced = 0 if old is None or archived else old.size
        _quota_checks(svc, db, c, stored.size - replaced, 0 if old is not None and not archived else 1)
        if old is not None and archived and versions.is_versioned(c):
            record_size(db, versions.move_to_archive(db, c, old, now), now, caller.user_id)
        elif old is not None and archived:
            archive = _archive(db, c, old)
            if archive is not None:
                record_size(db, archive, now, caller.user_id)
        elif stale is not None:  # the old row (or an expired one nobody removed yet) points at the new file
            removed.append(stale.blob)
            db.delete(stale)
            db.flush()
        meta = dict(source.meta) if source is not None and not upload.fresh_metadata else {}
        meta = upload.meta.apply(meta, keep_empty=True)
        headers = {k: v for k, v in (source.headers if source is not None else {}).items()
                   if k not in ("x-object-manifest", versions.HEADER)}
        headers.update(upload.headers)
        if (vid := versions.new_version(c, now)) is not None:
            headers[versions.HEADER] = vid
        obj = SwiftObject(container_id=c.id, name=name, blob=stored.blob, size=stored.size, etag=stored.etag,
                          content_type=_content_type(upload, name, source), last_modified=now, meta=meta,
                          headers=headers, delete_at=delete_at)
        db.add(obj)
        record_size(db, c, now, caller.user_id)
        if delete_at is not None:
            worker.enqueue(db, now, EXPIRE, c.id, delay=max(0.0, delete_at - epoch(now)), name=name,
                           delete_at=delete_at)
    return obj, removed


async def put_manifest(svc: ObjectService, caller: Caller, account: str, cname: str, name: str, upload: Upload,
                       body: bytes) -> SwiftObject:
    """PUT ?multipart-manifest=put: a static large object over the segments `body` lists (slo.py)."""
    project_id = project_of(account)
    schemas.check_object_name(name)
    parsed = slo.parse_put(body)
    now = svc.cloud.clock.now()
    with svc.cloud.db.read() as db:
        c = find(db, project_id, cname)
        authorize(svc.cloud.policy, caller, "object_store:create_object", project_id, c, "write")
        if c is None:
            raise SwiftError(404)
        manifest, total, etag = slo.build(svc, db, caller, project_id, parsed)
    if upload.etag and upload.etag.strip('"').lower() != etag:
        raise SwiftError(422)
    delete_at = _delete_at(upload, now)
    written = svc.store.write(manifest)
    stored = Stored(written.blob, total, etag)
    upload = replace(upload, headers={**{k: v for k, v in upload.headers.items() if k != "x-object-manifest"},
                                      slo.HEADER: "True"})
    try:
        obj, removed = _commit(svc, caller, project_id, cname, name, stored, upload, None, delete_at)
    except BaseException:
        svc.store.remove([stored.blob])
        raise
    svc.store.remove(removed)
    if delete_at is not None:
        svc.cloud.worker.wake()
    return obj


def delete_manifest(svc: ObjectService, caller: Caller, account: str, cname: str, name: str) -> BulkResult:
    """DELETE ?multipart-manifest=delete: the segments, then the manifest (a plain object is just deleted)."""
    project_id = project_of(account)
    with svc.cloud.db.read() as db:
        c = find(db, project_id, cname)
        authorize(svc.cloud.policy, caller, "object_store:delete_object", project_id, c, "write")
        obj = _find_object(db, c, name, svc.cloud.clock.now()) if c is not None else None
        if c is None or obj is None:
            raise SwiftError(404)
        paths = [e["name"] for e in slo.read_manifest(svc, obj)] if slo.is_slo(obj) else []
    return bulk_delete(svc, caller, account, [quote(p) for p in paths] + [quote(f"/{cname}/{name}")])


def update_object(svc: ObjectService, caller: Caller, account: str, cname: str, name: str, upload: Upload) -> None:
    """POST: the object's metadata is replaced by the request's (Swift's fast-POST), as are Content-Type,
    the kept headers and the expiry when given."""
    project_id = project_of(account)
    now = svc.cloud.clock.now()
    delete_at = _delete_at(upload, now)
    with svc.cloud.db.write() as db:
        c = find(db, project_id, cname)
        authorize(svc.cloud.policy, caller, "object_store:update_object", project_id, c, "write")
        obj = _find_object(db, c, name, now) if c is not None else None
        if c is None or obj is None:
            raise SwiftError(404)
        obj.meta = upload.meta.apply({}, keep_empty=True)
        schemas.check_meta_total(obj.meta)
        if upload.content_type:
            obj.content_type = upload.content_type
        obj.headers = {**{k: v for k, v in obj.headers.items()
                          if k in ("x-object-manifest", slo.HEADER, versions.HEADER)},
                       **upload.headers}
        if delete_at is not None or "x-remove-delete-at" in upload.headers:
            obj.delete_at = delete_at
            if delete_at is not None:
                worker.enqueue(db, now, EXPIRE, c.id, delay=max(0.0, delete_at - epoch(now)), name=name,
                               delete_at=delete_at)
        obj.headers.pop("x-remove-delete-at", None)
    if delete_at is not None:
        svc.cloud.worker.wake()


def delete_object(svc: ObjectService, caller: Caller, account: str, cname: str, name: str,
                  version_id: str | None = None) -> str | None:
    """DELETE (of one version with `version_id`); the version id the answer names, if versioned."""
    project_id = project_of(account)
    now = svc.cloud.clock.now()
    marker = None
    with svc.cloud.db.write() as db:
        c = find(db, project_id, cname)
        authorize(svc.cloud.policy, caller, "object_store:delete_object", project_id, c, "write")
        if c is None:
            raise SwiftError(404)
        if version_id is not None:
            removed = versions.delete_version(db, c, _find_object(db, c, name, now), name, version_id)
            record_size(db, c, now, caller.user_id)
            marker = version_id
        elif versions.is_versioned(c):
            removed, marker = _delete_versioned(svc, db, caller, c, name, now)
        else:
            removed = delete_in(svc, db, caller, c, name)
    svc.store.remove(removed)
    return marker


def _delete_versioned(svc: ObjectService, db: Session, caller: Caller, c: SwiftContainer, name: str,
                      now: datetime) -> tuple[list[str], str | None]:
    """DELETE in a container with X-Versions-Enabled: the current version is kept and a delete marker
    becomes the newest (while suspended: the `null` version goes, a kept one is archived)."""
    obj = _find_object(db, c, name, now)
    if obj is None:
        raise SwiftError(404)
    removed: list[str] = []
    if versions.keeps(c, obj):
        versions.move_to_archive(db, c, obj, now)
    else:
        removed.append(obj.blob)
        db.delete(obj)
        db.flush()
    marker = versions.add_marker(svc, db, c, name, now) if c.versions_mode == "enabled" else None
    record_size(db, c, now, caller.user_id)
    return removed, marker


def delete_in(svc: ObjectService, db: Session, caller: Caller, c: SwiftContainer, name: str) -> list[str]:
    """Delete one object in the caller's transaction (versioning as configured); the files to remove after
    the commit. 404 when there is no such object."""
    now = svc.cloud.clock.now()
    obj = db.scalar(select(SwiftObject).where(SwiftObject.container_id == c.id, SwiftObject.name == name))
    if obj is None or expired(obj, now):
        raise SwiftError(404)
    removed: list[str] = []
    archive = find(db, c.project_id, c.versions_location) if c.versions_location else None
    if archive is not None and c.versions_mode == "history":
        _archive(db, c, obj)  # history mode keeps the deleted version in the archive
        record_size(db, archive, now, caller.user_id)
    else:
        removed.append(obj.blob)
        db.delete(obj)
        db.flush()
    if archive is not None and c.versions_mode == "stack":  # the newest archived version comes back
        prefix = f"{len(name.encode()):03x}{name}/"
        versions = [o for o in db.scalars(select(SwiftObject).where(
            SwiftObject.container_id == archive.id, SwiftObject.name >= prefix)) if o.name.startswith(prefix)]
        if versions:
            latest = max(versions, key=lambda o: o.name.encode())
            latest.container_id, latest.name = c.id, name
            db.flush()
            record_size(db, archive, now, caller.user_id)
    record_size(db, c, now, caller.user_id)
    return removed


@dataclass
class BulkResult:
    deleted: int = 0
    not_found: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        status = "400 Bad Request" if self.errors else "200 OK"
        return {"Number Deleted": self.deleted, "Number Not Found": self.not_found, "Response Body": "",
                "Response Status": status, "Errors": [list(e) for e in self.errors]}


def bulk_delete(svc: ObjectService, caller: Caller, account: str, paths: list[str]) -> BulkResult:
    """POST ?bulk-delete: each line `/container/object` or `/container` (URL-encoded), deleted as a DELETE of
    it would be; what was deleted, not found, or refused."""
    project_of(account)
    if len(paths) > schemas.MAX_DELETES:
        raise SwiftError(413, f"Maximum Bulk Deletes: {schemas.MAX_DELETES} per request")
    result = BulkResult()
    for raw in paths:
        path = unquote(raw.strip()).lstrip("/")
        if not path:
            continue
        cname, _, name = path.partition("/")
        try:
            if name:
                delete_object(svc, caller, account, cname, name)
            else:
                delete_container(svc, caller, account, cname)
            result.deleted += 1
        except SwiftError as exc:
            if exc.code == 404:
                result.not_found += 1
            else:
                title = schemas.REASONS.get(exc.code, ("Error", ""))[0]
                result.errors.append(("/" + quote(path), f"{exc.code} {title}"))
    return result


@worker.job(JOBS, EXPIRE)
def _expire(cloud: Cloud, job: worker.JobSpec) -> None:
    """Swift's object expirer: the object goes when its X-Delete-At has come (on the lab clock), unless it
    was overwritten or its expiry changed since."""
    svc = cloud.services["object"]
    name, delete_at = job.payload["name"], job.payload["delete_at"]
    removed: list[str] = []
    with cloud.db.write() as db:
        c = db.get(SwiftContainer, job.resource_id)
        obj = None if c is None else db.scalar(select(SwiftObject).where(
            SwiftObject.container_id == c.id, SwiftObject.name == name))
        if c is not None and obj is not None and obj.delete_at == delete_at and expired(obj, cloud.clock.now()):
            removed.append(obj.blob)
            db.delete(obj)
            record_size(db, c, cloud.clock.now(), None, expired=name)  # what the expirer removed, for the log
    svc.store.remove(removed)
