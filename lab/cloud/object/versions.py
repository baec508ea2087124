"""Object versioning, Swift's newer API (the object_versioning middleware, Swift 2.24+): `X-Versions-Enabled:
true` on a container keeps every version of its objects, each with an id.

    PUT    .../c/o                     a new version; the answer's X-Object-Version-Id names it
    GET    .../c?versions              every version (JSON: version_id, is_latest), newest first per name
    GET    .../c/o?version-id=<id>     that version (HEAD too); DELETE ?version-id=<id> removes it
    DELETE .../c/o                     a delete marker: the object answers 404, its versions stay
    POST   .../c X-Versions-Enabled: false   suspended: new writes are the `null` version, old ones are kept

As in Swift, the versions live in a hidden container of the account, `\\x00versions\\x00<container>` (no client
can name it: a NUL in a path is refused), the current version stays in the container itself, and a version's
id is its X-Timestamp (`null` for one written while versioning was off). An archived version is the row and
file of the object, renamed `<name>\\x00<version id>`; a delete marker is an empty row of content type
`application/x-deleted;swift_bytes=0`. The legacy X-Versions-Location / X-History-Location (objects.py) and
this API exclude each other on one container, as in Swift."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.object import schemas
from lab.cloud.object.models import SwiftContainer, SwiftObject
from lab.cloud.object.schemas import SwiftError

if TYPE_CHECKING:
    from lab.cloud.object.service import ObjectService

HIDDEN = "\x00versions\x00"
HEADER = "x-object-version-id"
MARKER_TYPE = "application/x-deleted;swift_bytes=0"
NULL = "null"
TRUE = ("true", "1", "yes", "on", "t", "y")
MODES = ("enabled", "suspended")
EMPTY_ETAG = "d41d8cd98f00b204e9800998ecf8427e"


def is_versioned(c: SwiftContainer) -> bool:
    """Does the container use this API (now, or suspended with versions kept)?"""
    return c.versions_mode in MODES


def archive_of(c: SwiftContainer) -> str:
    return HIDDEN + c.name


def version_of(obj: SwiftObject) -> str:
    return str(obj.headers.get(HEADER) or NULL)


def new_version(c: SwiftContainer, now: datetime) -> str | None:
    """The id a write to `c` gets now: its timestamp while enabled, `null` while suspended, none otherwise."""
    if c.versions_mode == "enabled":
        return schemas.x_timestamp(now)
    return NULL if c.versions_mode == "suspended" else None


def keeps(c: SwiftContainer, old: SwiftObject) -> bool:
    """Is the version being replaced kept? Always while enabled; while suspended, all but the `null` one."""
    return c.versions_mode == "enabled" or (c.versions_mode == "suspended" and version_of(old) != NULL)


def archived_name(obj: SwiftObject) -> str:
    return f"{obj.name}\x00{version_of(obj)}"


def ensure_archive(db: Session, c: SwiftContainer, now: datetime) -> SwiftContainer:
    """The hidden container holding `c`'s versions (made when versioning is first enabled)."""
    found = db.scalar(select(SwiftContainer).where(SwiftContainer.project_id == c.project_id,
                                                   SwiftContainer.name == archive_of(c)))
    if found is None:
        found = SwiftContainer(project_id=c.project_id, name=archive_of(c), created_at=now, updated_at=now,
                               meta={}, read_acl="", write_acl="")
        db.add(found)
        db.flush()
    return found


def archive(db: Session, c: SwiftContainer) -> SwiftContainer | None:
    return db.scalar(select(SwiftContainer).where(SwiftContainer.project_id == c.project_id,
                                                  SwiftContainer.name == archive_of(c)))


def _versions(db: Session, hidden: SwiftContainer, name: str) -> list[SwiftObject]:
    """The archived versions (and markers) of `name`, newest first."""
    prefix = name + "\x00"
    rows = [o for o in db.scalars(select(SwiftObject).where(SwiftObject.container_id == hidden.id,
                                                            SwiftObject.name >= prefix))
            if o.name.startswith(prefix)]
    return sorted(rows, key=lambda o: o.last_modified, reverse=True)


def move_to_archive(db: Session, c: SwiftContainer, obj: SwiftObject, now: datetime) -> SwiftContainer:
    hidden = ensure_archive(db, c, now)
    stale = db.scalar(select(SwiftObject).where(SwiftObject.container_id == hidden.id,
                                                SwiftObject.name == archived_name(obj)))
    if stale is not None:  # the same version id twice (two writes in one lab-clock tick): the newer wins
        db.delete(stale)
        db.flush()
    obj.container_id, obj.name = hidden.id, archived_name(obj)
    db.flush()
    return hidden


def add_marker(svc: ObjectService, db: Session, c: SwiftContainer, name: str, now: datetime) -> str:
    """A delete marker for `name`: the newest version, with no data. Returns its version id."""
    hidden = ensure_archive(db, c, now)
    vid = schemas.x_timestamp(now)
    stored = svc.store.write(b"")
    marker = SwiftObject(container_id=hidden.id, name=f"{name}\x00{vid}", blob=stored.blob, size=0,
                         etag=EMPTY_ETAG, content_type=MARKER_TYPE, last_modified=now, meta={},
                         headers={HEADER: vid}, delete_at=None)
    db.add(marker)
    db.flush()
    return vid


def find_version(db: Session, c: SwiftContainer, current: SwiftObject | None, name: str,
                 vid: str) -> SwiftObject:
    """The version `vid` of `name` (404 if there is none, or it is a delete marker)."""
    if current is not None and version_of(current) == vid:
        return current
    hidden = archive(db, c)
    if not is_versioned(c) and hidden is None:
        raise SwiftError(400, "version-id is not supported on a container that never had versioning")
    found = None if hidden is None else db.scalar(select(SwiftObject).where(
        SwiftObject.container_id == hidden.id, SwiftObject.name == f"{name}\x00{vid}"))
    if found is None or found.content_type == MARKER_TYPE:
        raise SwiftError(404)
    return found


def delete_version(db: Session, c: SwiftContainer, current: SwiftObject | None, name: str,
                   vid: str) -> list[str]:
    """DELETE ?version-id: that version goes; if it was the newest (the current one, or the delete marker
    hiding it), the newest remaining version becomes current unless it is a marker. The files to remove."""
    hidden = archive(db, c)
    if not is_versioned(c) and hidden is None:
        raise SwiftError(400, "version-id is not supported on a container that never had versioning")
    kept = _versions(db, hidden, name) if hidden is not None else []
    gone = current if current is not None and version_of(current) == vid else \
        next((o for o in kept if version_of(o) == vid), None)
    if gone is None:
        return []  # Swift answers 204 for a version that is not there
    was_newest = gone is current or (current is None and kept and kept[0] is gone)
    db.delete(gone)
    db.flush()
    rest = [o for o in kept if o is not gone]
    if was_newest and rest and rest[0].content_type != MARKER_TYPE:
        rest[0].container_id, rest[0].name = c.id, name
        db.flush()
    return [gone.blob]


def listing(db: Session, c: SwiftContainer, q: schemas.ListingQuery) -> list[dict[str, Any]]:
    """GET ?versions: every version of every object, by name then newest first, `is_latest` on the newest."""
    rows: dict[str, list[SwiftObject]] = {}
    for obj in db.scalars(select(SwiftObject).where(SwiftObject.container_id == c.id)):
        rows.setdefault(obj.name, []).append(obj)
    hidden = archive(db, c)
    if hidden is not None:
        for obj in db.scalars(select(SwiftObject).where(SwiftObject.container_id == hidden.id)):
            rows.setdefault(obj.name.split("\x00", 1)[0], []).append(obj)
    out: list[dict[str, Any]] = []
    for name in sorted(rows, key=str.encode):
        if (q.prefix and not name.startswith(q.prefix)) or (q.marker and name <= q.marker):
            continue
        for i, obj in enumerate(sorted(rows[name], key=lambda o: o.last_modified, reverse=True)):
            out.append({"name": name, "hash": obj.etag, "bytes": obj.size, "content_type": obj.content_type,
                        "last_modified": schemas.listing_time(obj.last_modified), "version_id": version_of(obj),
                        "is_latest": i == 0})
    return out[:q.limit]
