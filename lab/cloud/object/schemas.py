"""Swift's wire format: the limits it advertises, metadata headers in and out, the account/container/object
headers, container listings in text, JSON and XML, and its error bodies (plain text or a tiny HTML page, never
JSON). Header values are kept as the client sent their bytes (Starlette reads headers as latin-1, and writes
them back the same way), so UTF-8 metadata round-trips unchanged."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import formatdate, parsedate_to_datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import orjson
from starlette.responses import Response

from lab.cloud.errors import CloudError

# Swift's constraints (swift/common/constraints.py defaults), advertised in /info.
MAX_FILE_SIZE = 5 * 1024**3 + 2
MAX_META_NAME_LENGTH = 128
MAX_META_VALUE_LENGTH = 256
MAX_META_COUNT = 90
MAX_META_OVERALL_SIZE = 4096
MAX_HEADER_SIZE = 8192
MAX_OBJECT_NAME_LENGTH = 1024
MAX_CONTAINER_NAME_LENGTH = 256
LISTING_LIMIT = 10000
MAX_DELETES = 10000
VERSION = "2.30.0"  # the Swift release (Zed) whose API this follows

_EPOCH = datetime(1970, 1, 1)

# swob's RESPONSE_REASONS: the page Swift answers an error with when it has nothing more specific to say.
REASONS = {
    202: ("Accepted", "The request is accepted for processing."),
    400: ("Bad Request", "The server could not comply with the request since it is either malformed or otherwise "
          "incorrect."),
    401: ("Unauthorized", "This server could not verify that you are authorized to access the document you "
          "requested."),
    403: ("Forbidden", "Access was denied to this resource."),
    404: ("Not Found", "The resource could not be found."),
    405: ("Method Not Allowed", "The method is not allowed for this resource."),
    409: ("Conflict", "There was a conflict when trying to complete your request."),
    411: ("Length Required", "Length Required."),
    412: ("Precondition Failed", "A precondition for this request was not met."),
    413: ("Request Entity Too Large", "The body of your request was too large for this server."),
    416: ("Requested Range Not Satisfiable", "The Range requested is not available."),
    422: ("Unprocessable Entity", "Unable to process the contained instructions"),
    499: ("Client Disconnect", "The client was disconnected during request."),
    500: ("Internal Error", "The server has either erred or is incapable of performing the requested operation."),
}


class SwiftError(CloudError):
    """An error answered with its status, and `body` as text/plain (or swob's HTML page when there is none)."""

    def __init__(self, code: int, body: str = "", headers: dict[str, str] | None = None):
        super().__init__(body or REASONS.get(code, ("Error", ""))[0], headers=headers)
        self.code = code
        self.body = body


def page(code: int) -> bytes:
    title, explanation = REASONS.get(code, ("Error", ""))
    return f"<html><h1>{title}</h1><p>{explanation}</p></html>".encode()


def error_response(error: CloudError, head: bool = False) -> Response:
    """Swift's answer to an error: its own text, or the reason page in HTML."""
    text = getattr(error, "body", None)
    if text is None and error.code not in (401, 403, 404, 500):  # CloudErrors raised with Swift's own message
        text = error.message
    if text:
        body, media = text.encode(), "text/plain; charset=utf-8"
    else:
        body, media = page(error.code), "text/html; charset=UTF-8"
    headers = dict(error.headers)
    if head:
        headers["Content-Length"] = str(len(body))
        return Response(status_code=error.code, headers=headers, media_type=media)
    return Response(body, status_code=error.code, headers=headers, media_type=media)


def accepted() -> Response:
    """202 with swob's page (a POST, or a PUT of a container that exists)."""
    return Response(page(202), status_code=202, media_type="text/html; charset=UTF-8")


# ------------------------------------------------------------------------------------------------- times
def epoch(t: datetime) -> float:
    return (t - _EPOCH).total_seconds()


def x_timestamp(t: datetime) -> str:
    return f"{epoch(t):016.5f}"


def http_date(t: datetime) -> str:
    """Last-Modified: whole seconds, rounded up as Swift does (so it is never before the X-Timestamp)."""
    return formatdate(math.ceil(epoch(t)), usegmt=True)


def listing_time(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")


def parse_http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None  # Swift ignores a date it cannot read


# ---------------------------------------------------------------------------------------------- metadata
@dataclass(frozen=True)
class MetaChange:
    """Metadata headers of one request: names to set (lower case) and names to remove."""

    set: dict[str, str]
    remove: frozenset[str]

    def apply(self, meta: Mapping[str, Any], *, keep_empty: bool = False) -> dict[str, Any]:
        """The metadata after this change; `keep_empty` (objects): an empty value is kept, not a removal."""
        merged = {k: v for k, v in meta.items() if k not in self.remove}
        for key, value in self.set.items():
            if value == "" and not keep_empty:
                merged.pop(key, None)  # an empty value removes, as Swift does for accounts and containers
            else:
                merged[key] = value
        return merged


def meta_change(headers: Iterable[tuple[str, str]], kind: str) -> MetaChange:
    """`X-<Kind>-Meta-*` and `X-Remove-<Kind>-Meta-*` headers, checked as Swift's check_metadata does."""
    prefix, remove_prefix = f"x-{kind}-meta-", f"x-remove-{kind}-meta-"
    values: dict[str, str] = {}
    removed: set[str] = set()
    count = size = 0
    for raw_key, value in headers:
        key = raw_key.lower()
        if len(value) > MAX_HEADER_SIZE:
            raise SwiftError(400, f"Header value too long: {key[:MAX_META_NAME_LENGTH]}")
        if key.startswith(remove_prefix):
            removed.add(key[len(remove_prefix):])
            continue
        if not key.startswith(prefix):
            continue
        name = key[len(prefix):]
        if not name:
            raise SwiftError(400, "Metadata name cannot be empty")
        count += 1
        size += len(name) + len(value)
        if len(name) > MAX_META_NAME_LENGTH:
            raise SwiftError(400, f"Metadata name too long: {prefix}{name}")
        if len(value) > MAX_META_VALUE_LENGTH:
            raise SwiftError(400, f"Metadata value longer than {MAX_META_VALUE_LENGTH}: {prefix}{name}")
        if count > MAX_META_COUNT:
            raise SwiftError(400, f"Too many metadata items; max {MAX_META_COUNT}")
        if size > MAX_META_OVERALL_SIZE:
            raise SwiftError(400, f"Total metadata too large; max {MAX_META_OVERALL_SIZE}")
        values[name] = value.strip()
    return MetaChange(values, frozenset(removed))


def check_meta_total(meta: Mapping[str, Any]) -> None:
    """After merging a POST's change into what is stored: the same limits over the whole set."""
    if len(meta) > MAX_META_COUNT:
        raise SwiftError(400, f"Too many metadata items; max {MAX_META_COUNT}")
    if sum(len(k) + len(str(v)) for k, v in meta.items()) > MAX_META_OVERALL_SIZE:
        raise SwiftError(400, f"Total metadata too large; max {MAX_META_OVERALL_SIZE}")


def meta_headers(kind: str, meta: Mapping[str, Any]) -> dict[str, str]:
    return {f"X-{kind.capitalize()}-Meta-{_title(k)}": str(v) for k, v in meta.items()}


def _title(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def check_container_name(name: str) -> None:
    if len(name.encode()) > MAX_CONTAINER_NAME_LENGTH:
        raise SwiftError(400, f"Container name length of {len(name.encode())} longer than "
                              f"{MAX_CONTAINER_NAME_LENGTH}")


def check_object_name(name: str) -> None:
    if len(name.encode()) > MAX_OBJECT_NAME_LENGTH:
        raise SwiftError(400, f"Object name length of {len(name.encode())} longer than {MAX_OBJECT_NAME_LENGTH}")


def int_header(value: str | None, name: str) -> int | None:
    """A non-negative integer header (quotas, X-Delete-After), or Swift's 400."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise SwiftError(400, f"Non-integer {name}") from None
    if number < 0:
        raise SwiftError(400, f"Non-integer {name}")
    return number


# ----------------------------------------------------------------------------------------------- listings
@dataclass(frozen=True)
class ListingQuery:
    format: str  # plain, json, xml
    limit: int
    marker: str
    end_marker: str
    prefix: str
    delimiter: str
    reverse: bool


def listing_query(params: Mapping[str, str], accept: str) -> ListingQuery:
    fmt = (params.get("format") or "").lower()
    if not fmt:
        accept = accept.lower()
        fmt = "json" if "application/json" in accept else "xml" if ("application/xml" in accept
                                                                   or "text/xml" in accept) else "plain"
    if fmt not in ("plain", "json", "xml"):
        fmt = "plain"
    limit = LISTING_LIMIT
    if params.get("limit") not in (None, ""):
        try:
            limit = int(params["limit"])
        except ValueError:
            raise SwiftError(412, "Value of limit must be a positive integer") from None
        if limit < 0:
            raise SwiftError(412, "Value of limit must be a positive integer")
        if limit > LISTING_LIMIT:
            raise SwiftError(412, f"Maximum limit is {LISTING_LIMIT}")
    delimiter = params.get("delimiter", "")
    if len(delimiter) > 1:
        raise SwiftError(412, "Bad delimiter")
    reverse = (params.get("reverse") or "").lower() in ("1", "true", "yes", "on", "t", "y")
    return ListingQuery(fmt, limit, params.get("marker", ""), params.get("end_marker", ""),
                        params.get("prefix", ""), delimiter, reverse)


def select_names(names: list[str], q: ListingQuery) -> list[tuple[str, bool]]:
    """One page of a sorted name list: (name, is_subdir) after prefix, markers, delimiter, reverse, limit."""
    if q.limit == 0:
        return []  # Swift takes limit=0 at its word
    if q.reverse:
        names = names[::-1]
    out: list[tuple[str, bool]] = []
    last_subdir = None
    for name in names:
        if q.prefix and not name.startswith(q.prefix):
            continue
        if q.marker and (name <= q.marker if not q.reverse else name >= q.marker):
            continue
        if q.end_marker and (name >= q.end_marker if not q.reverse else name <= q.end_marker):
            continue
        if q.delimiter:
            cut = name.find(q.delimiter, len(q.prefix))
            if cut >= 0:
                subdir = name[:cut + 1]
                if subdir != last_subdir and not (q.marker and subdir == q.marker):
                    out.append((subdir, True))
                    last_subdir = subdir
                if len(out) >= q.limit:
                    break
                continue
        out.append((name, False))
        if len(out) >= q.limit:
            break
    return out


LISTING_TYPES = {"plain": "text/plain; charset=utf-8", "json": "application/json; charset=utf-8",
                 "xml": "application/xml; charset=utf-8"}


def account_listing(account: str, rows: list[dict[str, Any]], q: ListingQuery) -> bytes:
    """rows: {name, count, bytes, last_modified} or {subdir}."""
    if q.format == "json":
        return orjson.dumps(rows)
    if q.format == "xml":
        parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<account name={quoteattr(account)}>']
        for row in rows:
            if "subdir" in row:
                parts.append(f'<subdir name={quoteattr(row["subdir"])}><name>{escape(row["subdir"])}</name>'
                             "</subdir>")
            else:
                parts.append(f"<container><name>{escape(row['name'])}</name><count>{row['count']}</count>"
                             f"<bytes>{row['bytes']}</bytes><last_modified>{row['last_modified']}"
                             "</last_modified></container>")
        parts.append("</account>")
        return "".join(parts).encode()
    return "".join(f"{row.get('name', row.get('subdir'))}\n" for row in rows).encode()


def container_listing(container: str, rows: list[dict[str, Any]], q: ListingQuery) -> bytes:
    """rows: {name, hash, bytes, content_type, last_modified} or {subdir}."""
    if q.format == "json":
        return orjson.dumps(rows)
    if q.format == "xml":
        parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<container name={quoteattr(container)}>']
        for row in rows:
            if "subdir" in row:
                parts.append(f'<subdir name={quoteattr(row["subdir"])}><name>{escape(row["subdir"])}</name>'
                             "</subdir>")
            else:
                parts.append(f"<object><name>{escape(row['name'])}</name><hash>{row['hash']}</hash>"
                             f"<bytes>{row['bytes']}</bytes><content_type>{escape(row['content_type'])}"
                             f"</content_type><last_modified>{row['last_modified']}</last_modified></object>")
        parts.append("</container>")
        return "".join(parts).encode()
    return "".join(f"{row.get('name', row.get('subdir'))}\n" for row in rows).encode()


# ------------------------------------------------------------------------------------------------- ranges
def parse_range(value: str | None, length: int) -> list[tuple[int, int]] | None:
    """Swift's (swob's) reading of a Range header against `length` bytes: None when there is no usable header
    (the whole object is sent), [] when nothing is satisfiable (416), else [start, end) pairs."""
    if not value or not value.strip().lower().startswith("bytes="):
        return None
    ranges: list[tuple[int | None, int | None]] = []
    for spec in value.strip()[6:].split(","):
        spec = spec.strip()
        first, dash, last = spec.partition("-")
        if not dash:
            return None
        try:
            start = int(first) if first.strip() else None
            end = int(last) if last.strip() else None
        except ValueError:
            return None
        if (start is None and end is None) or (start is not None and start < 0) or \
                (start is not None and end is not None and end < start):
            return None  # a syntactically invalid header is ignored
        ranges.append((start, end))
    out = []
    for start, end in ranges:
        if start is None:
            assert end is not None
            if end == 0:
                continue
            out.append((max(0, length - end), length))
        elif start < length:
            out.append((start, length if end is None else min(end + 1, length)))
    return out


def info(tempurl: bool) -> dict[str, Any]:
    """GET /info: the capabilities of this Swift: only the middleware actually implemented, with limits."""
    body: dict[str, Any] = {
        "swift": {"version": VERSION, "max_file_size": MAX_FILE_SIZE,
                  "max_meta_name_length": MAX_META_NAME_LENGTH, "max_meta_value_length": MAX_META_VALUE_LENGTH,
                  "max_meta_count": MAX_META_COUNT, "max_meta_overall_size": MAX_META_OVERALL_SIZE,
                  "max_header_size": MAX_HEADER_SIZE, "max_object_name_length": MAX_OBJECT_NAME_LENGTH,
                  "max_container_name_length": MAX_CONTAINER_NAME_LENGTH, "max_account_name_length": 256,
                  "container_listing_limit": LISTING_LIMIT, "account_listing_limit": LISTING_LIMIT,
                  "extra_header_count": 0, "account_autocreate": True, "allow_account_management": False,
                  "strict_cors_mode": True, "valid_api_versions": ["v1"],
                  "policies": [{"name": "Policy-0", "aliases": "Policy-0", "default": True}]},
        "account_quotas": {}, "container_quotas": {},
        "bulk_delete": {"max_deletes_per_request": MAX_DELETES, "max_failed_deletes": 1000},
        "dlo": {"max_get_time": 86400},
        "slo": {"max_manifest_segments": 1000, "max_manifest_size": 8 * 1024 * 1024, "min_segment_size": 1,
                "yield_frequency": 10},
        "versioned_writes": {"allowed_flags": ["x-versions-location", "x-history-location"]},
        "bulk_upload": {"max_containers_per_extraction": 10000, "max_failed_extractions": 1000},
        "staticweb": {}, "crossdomain": {}, "object_versioning": {},
        "formpost": {"allowed_digests": ["sha1", "sha256", "sha512"], "deprecated_digests": ["sha1"]},
    }
    if tempurl:
        body["tempurl"] = {"methods": ["GET", "HEAD", "PUT", "POST", "DELETE"],
                           "incoming_remove_headers": ["x-timestamp"], "incoming_allow_headers": [],
                           "outgoing_remove_headers": ["x-object-meta-*"],
                           "outgoing_allow_headers": ["x-object-meta-public-*"],
                           "allowed_digests": ["sha1", "sha256", "sha512"]}
    return body
