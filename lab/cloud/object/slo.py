"""Static large objects (Swift's SLO middleware): a manifest object lists its segments, each by path, ETag and
size, and a GET of it streams the segments' bytes in order.

    PUT    ?multipart-manifest=put     body: [{"path": "/cont/seg", "etag": md5|null, "size_bytes": n|null}, ...]
    GET    ?multipart-manifest=get     the stored manifest (JSON), not the data
    DELETE ?multipart-manifest=delete  the segments and the manifest (a bulk-delete style answer)

Each segment is checked when the manifest is stored (it exists, is readable by the caller, its ETag and size
are the ones given) and again when the object is read (a segment changed or gone since: 409). The manifest is
kept as a small file in Swift's own stored form (name, hash, bytes, content_type, last_modified per segment);
the object's row holds the total size and the SLO ETag (the MD5 of the segments' ETags), as Swift's listing
does. Nested manifests and per-segment ranges are not supported (400)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import orjson
from sqlalchemy.orm import Session

from lab.cloud.object import schemas
from lab.cloud.object.access import Caller, authorize
from lab.cloud.object.containers import find
from lab.cloud.object.models import SwiftObject
from lab.cloud.object.schemas import SwiftError

if TYPE_CHECKING:
    from lab.cloud.object.service import ObjectService

MAX_SEGMENTS = 1000
MIN_SEGMENT_SIZE = 1
MAX_MANIFEST_SIZE = 8 * 1024 * 1024
HEADER = "x-static-large-object"


def is_slo(obj: SwiftObject) -> bool:
    return obj.headers.get(HEADER) == "True"


def slo_etag(etags: list[str]) -> str:
    return hashlib.md5("".join(etags).encode(), usedforsecurity=False).hexdigest()


def parse_put(body: bytes) -> list[dict[str, Any]]:
    """The client's manifest, checked for shape (Swift's 400 texts): path, etag and size_bytes per segment."""
    if len(body) > MAX_MANIFEST_SIZE:
        raise SwiftError(413, f"Manifest File > {MAX_MANIFEST_SIZE} bytes")
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise SwiftError(400, "Manifest must be valid JSON.\n") from None
    if not isinstance(parsed, list):
        raise SwiftError(400, "Manifest must be a list.\n")
    if not parsed:
        raise SwiftError(400, "Manifest must have at least one segment.\n")
    if len(parsed) > MAX_SEGMENTS:
        raise SwiftError(400, f"Too many segments; max {MAX_SEGMENTS}\n")
    for i, seg in enumerate(parsed):
        if not isinstance(seg, dict) or not isinstance(seg.get("path"), str):
            raise SwiftError(400, f"Index {i}: expected keys to include path\n")
        if "range" in seg or "data" in seg:
            raise SwiftError(400, f"Index {i}: ranges and inline data are not supported here\n")
        extra = set(seg) - {"path", "etag", "size_bytes"}
        if extra:
            raise SwiftError(400, f"Index {i}: extraneous keys {', '.join(sorted(map(repr, extra)))}\n")
        size = seg.get("size_bytes")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            raise SwiftError(400, f"Index {i}: invalid size_bytes\n")
        etag = seg.get("etag")
        if etag is not None and not isinstance(etag, str):
            raise SwiftError(400, f"Index {i}: invalid etag\n")
        container, _, name = unquote(seg["path"]).lstrip("/").partition("/")
        if not container or not name:
            raise SwiftError(400, f"Index {i}: path does not refer to an object. Path must be of the form "
                                  "/container/object.\n")
    return parsed


def _segment(svc: ObjectService, db: Session, caller: Caller, project_id: str, path: str) -> SwiftObject | None:
    from lab.cloud.object.objects import _find_object  # objects imports this module

    container, _, name = unquote(path).lstrip("/").partition("/")
    c = find(db, project_id, container)
    authorize(svc.cloud.policy, caller, "object_store:get_object", project_id, c, "read")
    return None if c is None else _find_object(db, c, name, svc.cloud.clock.now())


def build(svc: ObjectService, db: Session, caller: Caller, project_id: str,
          parsed: list[dict[str, Any]]) -> tuple[bytes, int, str]:
    """The stored manifest for a checked client manifest: (its JSON, the total size, the SLO etag). 400 with
    Swift's list of problems when a segment is missing, differs or is itself a large object."""
    stored: list[dict[str, Any]] = []
    problems: list[str] = []
    for i, seg in enumerate(parsed):
        path = "/" + unquote(seg["path"]).lstrip("/")
        obj = _segment(svc, db, caller, project_id, path)
        if obj is None:
            problems.append(f"{path}, 404 Not Found")
            continue
        if is_slo(obj) or obj.headers.get("x-object-manifest"):
            problems.append(f"{path}, Nested large objects are not supported here")
            continue
        if seg.get("etag") is not None and seg["etag"].strip('"').lower() != obj.etag:
            problems.append(f"{path}, Etag Mismatch")
        if seg.get("size_bytes") is not None and seg["size_bytes"] != obj.size:
            problems.append(f"{path}, Size Mismatch")
        if obj.size < MIN_SEGMENT_SIZE and i < len(parsed) - 1:
            problems.append(f"{path}, Too small; each segment must be at least 1 byte.")
        stored.append({"name": path, "hash": obj.etag, "bytes": obj.size, "content_type": obj.content_type,
                       "last_modified": schemas.listing_time(obj.last_modified)})
    if problems:
        raise SwiftError(400, "Errors:\n" + "\n".join(problems) + "\n")
    return (orjson.dumps(stored), sum(int(s["bytes"]) for s in stored), slo_etag([s["hash"] for s in stored]))


def read_manifest(svc: ObjectService, obj: SwiftObject) -> list[dict[str, Any]]:
    data = svc.store.path(obj.blob).read_bytes()
    parsed = orjson.loads(data)
    assert isinstance(parsed, list)
    return parsed


def segments(svc: ObjectService, db: Session, caller: Caller, project_id: str,
             obj: SwiftObject) -> list[SwiftObject]:
    """The segments' rows, in order, for a GET: 409 when one is gone or changed since the manifest was put."""
    out = []
    for entry in read_manifest(svc, obj):
        seg = _segment(svc, db, caller, project_id, entry["name"])
        if seg is None or seg.etag != entry["hash"]:
            raise SwiftError(409, f"Object {entry['name']} is missing or changed: the large object cannot be "
                                  "read whole")
        out.append(seg)
    return out
