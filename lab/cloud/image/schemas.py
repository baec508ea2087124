"""Glance v2's wire shapes: validation of image create bodies and JSON-patch documents, and one render function
per resource (image, member, the version list, the JSON schemas Glance publishes).

Glance bodies are not wrapped (`{"id": ...}`, not `{"image": {...}}`), custom properties are top-level keys
next to the core ones, and a value that breaks the image schema is a 400 "Provided object does not match
schema 'image': ..." as in Glance (lab/cloud/validation.py's checks, in Glance's wording).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson

from lab.cloud import validation as V
from lab.cloud.errors import BadRequest, Forbidden
from lab.cloud.http import timestamp
from lab.cloud.image.models import Image, ImageMember, ImageTask

DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
VISIBILITIES = ("public", "private", "shared", "community")
MEMBER_STATUSES = ("pending", "accepted", "rejected")
STATUSES = ("queued", "saving", "active", "killed", "deleted", "pending_delete", "deactivated", "uploading",
            "importing")

# Core attributes a client may set (at create, or with a JSON patch).
WRITABLE = ("name", "visibility", "protected", "os_hidden", "min_disk", "min_ram", "disk_format",
            "container_format", "tags", "owner")
# Attributes only the cloud sets; Glance answers 403 "Attribute 'x' is read-only." when a client sends one.
READ_ONLY = ("id", "status", "checksum", "os_hash_algo", "os_hash_value", "size", "virtual_size", "created_at",
             "updated_at", "self", "file", "schema", "direct_url", "locations", "stores")
CORE = frozenset(WRITABLE) | frozenset(READ_ONLY)
RESERVED_PREFIX = "os_glance"
MAX_PROPERTY_VALUE = 65535

PATCH_MEDIA_TYPES = ("application/openstack-images-v2.1-json-patch",
                     "application/openstack-images-v2.0-json-patch")


# Glance validates with its JSON schemas and names the schema, not the field.
W = V.Wording("Provided object does not match schema 'image': {reason}")
W_MEMBER = V.Wording("Provided object does not match schema 'member': {reason}")


def _schema_error(detail: str, schema: str = "image") -> BadRequest:
    return (W if schema == "image" else W_MEMBER).bad("", None, detail)


def _tags(w: V.Wording, f: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise w.bad(f, value, f"{value!r} is not of type 'array' of 'string'")
    return check_tags(value)


_TEXT = V.nullable(V.string(max_len=255, types=("null", "string")))
_COUNT = V.integer(0)
# The writable core attributes: Glance's image schema (image_schema() below), as checks.
CORE_CHECKS: dict[str, V.Check[Any]] = {
    "name": _TEXT, "owner": _TEXT, "visibility": V.one_of(*VISIBILITIES), "protected": V.boolean(),
    "os_hidden": V.boolean(), "min_disk": _COUNT, "min_ram": _COUNT,
    "disk_format": V.nullable(V.one_of(*DISK_FORMATS)), "container_format": V.nullable(V.one_of(*CONTAINER_FORMATS)),
    "tags": _tags,
}


def check_core_value(key: str, value: Any) -> Any:
    """`value` for the writable core attribute `key`, normalised; raises Glance's schema 400 otherwise."""
    return CORE_CHECKS[key](W, key, value)


def check_tags(tags: list[str]) -> list[str]:
    """Tags de-duplicated in order; each at most 255 characters."""
    tag = V.string(max_len=255)
    return list(dict.fromkeys(tag(W, "tags", t) for t in tags))


def check_property(key: str, value: Any) -> str:
    """A custom property: a string key and value (Glance's schema allows only strings there)."""
    if key.startswith(RESERVED_PREFIX):
        raise Forbidden(f"Attribute '{key}' is reserved.")
    V.string(max_len=255)(W, key, key)
    V.string(max_len=None)(W, key, value)
    if len(value) > MAX_PROPERTY_VALUE:
        raise _schema_error(f"the value of '{key}' is too long")
    return value


@dataclass
class ImageCreate:
    """A validated `POST /v2/images` body."""

    id: str | None
    core: dict[str, Any]
    properties: dict[str, str]


def image_create(body: Any) -> ImageCreate:
    if not isinstance(body, dict):
        raise BadRequest("Malformed request body: a JSON object was expected.")
    core: dict[str, Any] = {}
    properties: dict[str, str] = {}
    image_id: str | None = None
    for key, value in body.items():
        if key == "id":
            if not isinstance(value, str) or not _is_uuid(value):
                raise _schema_error(f"{value!r} does not match '^([0-9a-fA-F]){{8}}-([0-9a-fA-F]){{4}}-"
                                    f"([0-9a-fA-F]){{4}}-([0-9a-fA-F]){{4}}-([0-9a-fA-F]){{12}}$'")
            image_id = value
        elif key in READ_ONLY:
            raise Forbidden(f"Attribute '{key}' is read-only.")
        elif key in WRITABLE:
            core[key] = check_core_value(key, value)
        else:
            properties[key] = check_property(key, value)
    return ImageCreate(image_id, core, properties)


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


@dataclass(frozen=True)
class PatchOp:
    op: str  # add | replace | remove
    key: str  # the top-level attribute the path names
    value: Any = None


def json_patch(raw: bytes) -> list[PatchOp]:
    """Parse a Glance JSON-patch document (the v2.1 `{"op", "path", "value"}` form or the v2.0
    `{"replace": path, "value"}` form). Only top-level paths are supported, as Glance does without locations."""
    try:
        doc = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"Malformed JSON in request body: {exc}") from None
    if not isinstance(doc, list):
        raise BadRequest("Request body must be a JSON array of operation objects.")
    ops: list[PatchOp] = []
    for item in doc:
        if not isinstance(item, dict):
            raise BadRequest("Operations must be JSON objects.")
        if "op" in item:
            op, path = item.get("op"), item.get("path")
        else:
            named = [k for k in ("add", "remove", "replace") if k in item]
            if len(named) != 1:
                raise BadRequest('Operation objects must contain exactly one member named "add", "remove", '
                                 'or "replace".')
            op, path = named[0], item[named[0]]
        if op not in ("add", "remove", "replace"):
            raise BadRequest(f"Invalid operation: `{op}`: Operation objects must contain exactly one member "
                             f'named "add", "remove", or "replace".')
        if not isinstance(path, str) or not path.startswith("/") or path == "/":
            raise BadRequest(f"Invalid JSON pointer for this resource: '{path}'")
        parts = [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]
        if len(parts) != 1:
            raise BadRequest(f"Invalid JSON pointer for this resource: '{path}'")
        if op != "remove" and "value" not in item:
            raise BadRequest(f'Operation "{op}" requires a member named "value".')
        ops.append(PatchOp(op, parts[0], item.get("value")))
    return ops


def member_status(body: Any) -> str:
    if not isinstance(body, dict) or "status" not in body:
        raise BadRequest("Status not specified")
    return str(V.one_of(*MEMBER_STATUSES)(W_MEMBER, "status", body["status"]))


def member_id(body: Any) -> str:
    if not isinstance(body, dict) or "member" not in body:
        raise BadRequest("Member to be added not specified")
    member = body["member"]
    if not isinstance(member, str) or not member or len(member) > 255:
        raise _schema_error(f"{member!r} is not a valid member id", "member")
    return member


# ------------------------------------------------------------------------------------------------- rendering
def image(img: Image) -> dict[str, Any]:
    """The image as Glance shows it: core attributes (nulls included) and custom properties as top-level keys."""
    body: dict[str, Any] = dict(img.properties or {})
    body.update({
        "id": img.id,
        "name": img.name,
        "status": img.status,
        "visibility": img.visibility,
        "protected": img.protected,
        "os_hidden": img.os_hidden,
        "checksum": img.checksum,
        "os_hash_algo": img.os_hash_algo,
        "os_hash_value": img.os_hash_value,
        "owner": img.owner,
        "size": img.size,
        "virtual_size": img.virtual_size,
        "min_ram": img.min_ram,
        "min_disk": img.min_disk,
        "disk_format": img.disk_format,
        "container_format": img.container_format,
        "created_at": timestamp(img.created_at),
        "updated_at": timestamp(img.updated_at),
        "tags": list(img.tags or []),
        "self": f"/v2/images/{img.id}",
        "file": f"/v2/images/{img.id}/file",
        "schema": "/v2/schemas/image",
    })
    return body


def member(m: ImageMember) -> dict[str, Any]:
    return {"image_id": m.image_id, "member_id": m.member_id, "status": m.status,
            "created_at": timestamp(m.created_at), "updated_at": timestamp(m.updated_at),
            "schema": "/v2/schemas/member"}


# The API versions a current Glance lists; the newest is CURRENT. openstacksdk needs id, status and a self link.
API_VERSIONS = tuple(f"2.{minor}" for minor in range(16, -1, -1))


def versions(base: str) -> dict[str, Any]:
    return {"versions": [
        {"id": f"v{v}", "status": "CURRENT" if i == 0 else "SUPPORTED",
         "links": [{"rel": "self", "href": f"{base}/image/v2/"}]}
        for i, v in enumerate(API_VERSIONS)]}


_IMAGE_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string", "description": "An identifier for the image", "readOnly": True,
           "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"},
    "name": {"type": ["null", "string"], "maxLength": 255, "description": "Descriptive name for the image"},
    "status": {"type": "string", "readOnly": True, "enum": list(STATUSES), "description": "Status of the image"},
    "visibility": {"type": "string", "enum": list(VISIBILITIES), "description": "Scope of image accessibility"},
    "protected": {"type": "boolean", "description": "If true, image will not be deletable."},
    "os_hidden": {"type": "boolean", "description": "If true, image will not appear in default image list "
                                                    "response."},
    "checksum": {"type": ["null", "string"], "readOnly": True, "maxLength": 32,
                 "description": "md5 hash of image contents."},
    "os_hash_algo": {"type": ["null", "string"], "readOnly": True, "maxLength": 64,
                     "description": "Algorithm to calculate the os_hash_value"},
    "os_hash_value": {"type": ["null", "string"], "readOnly": True, "maxLength": 128,
                      "description": "Hexdigest of the image contents using the algorithm in os_hash_algo."},
    "owner": {"type": ["null", "string"], "maxLength": 255, "description": "Owner of the image"},
    "size": {"type": ["null", "integer"], "readOnly": True, "description": "Size of image file in bytes"},
    "virtual_size": {"type": ["null", "integer"], "readOnly": True,
                     "description": "Virtual size of image in bytes"},
    "container_format": {"type": ["null", "string"], "enum": [None, *CONTAINER_FORMATS],
                         "description": "Format of the container"},
    "disk_format": {"type": ["null", "string"], "enum": [None, *DISK_FORMATS],
                    "description": "Format of the disk"},
    "created_at": {"type": "string", "readOnly": True, "description": "Date and time of image registration"},
    "updated_at": {"type": "string", "readOnly": True,
                   "description": "Date and time of the last image modification"},
    "tags": {"type": "array", "items": {"type": "string", "maxLength": 255},
             "description": "List of strings related to the image"},
    "min_ram": {"type": "integer", "minimum": 0, "description": "Amount of ram (in MB) required to boot image."},
    "min_disk": {"type": "integer", "minimum": 0,
                 "description": "Amount of disk space (in GB) required to boot image."},
    "self": {"type": "string", "readOnly": True, "description": "An image self url"},
    "file": {"type": "string", "readOnly": True, "description": "An image file url"},
    "schema": {"type": "string", "readOnly": True, "description": "An image schema url"},
}

_IMAGE_LINKS = [{"rel": "self", "href": "{self}"}, {"rel": "enclosure", "href": "{file}"},
                {"rel": "describedby", "href": "{schema}"}]


def image_schema() -> dict[str, Any]:
    return {"name": "image", "properties": _IMAGE_PROPERTIES, "additionalProperties": {"type": "string"},
            "links": _IMAGE_LINKS}


def _paged_schema(name: str, item: dict[str, Any]) -> dict[str, Any]:
    """The schema of one of Glance's paged collections (`images`, `namespaces`): the items, first/next links."""
    return {"name": name, "properties": {
        name: {"type": "array", "items": item},
        "schema": {"type": "string"}, "first": {"type": "string"}, "next": {"type": "string"}},
        "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                  {"rel": "describedby", "href": "{schema}"}]}


def images_schema() -> dict[str, Any]:
    return _paged_schema("images", image_schema())


def member_schema() -> dict[str, Any]:
    return {"name": "member", "properties": {
        "image_id": {"type": "string", "description": "An identifier for the image"},
        "member_id": {"type": "string", "description": "An identifier for the image member (project id)"},
        "status": {"type": "string", "enum": list(MEMBER_STATUSES), "description": "The status of this member"},
        "created_at": {"type": "string", "description": "Date and time of image member creation"},
        "updated_at": {"type": "string", "description": "Date and time of last modification of image member"},
        "schema": {"type": "string", "readOnly": True}}}


def members_schema() -> dict[str, Any]:
    return {"name": "members", "properties": {
        "members": {"type": "array", "items": member_schema()}, "schema": {"type": "string"}},
        "links": [{"rel": "schema", "href": "{schema}"}]}


# ------------------------------------------------------------------------------------------------ list query
SORT_KEYS = ("name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at",
             "visibility", "owner", "min_disk", "min_ram", "virtual_size")
TIME_OPERATORS = ("gt", "gte", "lt", "lte", "eq", "neq")
# Query parameters that are not filters on a custom property: the paging ones, and ones other clients send
# out of habit (the SDK's `fields`, Nova's `all_tenants`...) which Glance v2 ignores too.
_NOT_PROPERTY_FILTERS = frozenset({"limit", "marker", "sort_key", "sort_dir", "sort", "fields", "all_tenants",
                                   "all_projects", "deleted", "is_public", "project_id"})


@dataclass
class ImageQuery:
    """A validated `GET /v2/images` query: filters, sort order and page."""

    params: list[tuple[str, str]]  # as sent, for the `first`/`next` links
    ids: list[str]
    names: list[str]
    statuses: list[str]
    disk_formats: list[str]
    container_formats: list[str]
    visibility: str | None = None  # a VISIBILITY, or "all"
    owner: str | None = None
    member_status: str = "accepted"
    tags: tuple[str, ...] = ()
    size_min: int | None = None
    size_max: int | None = None
    protected: bool | None = None
    os_hidden: bool = False
    checksum: str | None = None
    os_hash_value: str | None = None
    times: tuple[tuple[str, str, datetime], ...] = ()  # (attribute, operator, naive UTC time)
    properties: tuple[tuple[str, str], ...] = ()
    sort: tuple[tuple[str, str], ...] = (("created_at", "desc"), ("id", "desc"))
    limit: int | None = None
    marker: str | None = None


def _in_list(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(v for v in (value[3:].split(",") if value.startswith("in:") else [value]) if v)
    return out


def _bool(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise BadRequest(f"Invalid value '{value}' for '{name}' filter: expected a boolean.")


def _int(name: str, value: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{name} param must be an integer") from None
    if number < minimum:
        raise BadRequest(f"{name} param must be positive")
    return number


def image_query(items: list[tuple[str, str]]) -> ImageQuery:
    """Parse Glance's list parameters (`id=in:a,b`, repeated `tag=`, `sort=k:dir,...` or `sort_key`/`sort_dir`,
    any other key as a custom-property filter). Raises BadRequest (400) for values Glance refuses."""
    params = [(k, v) for k, v in items if v != "None"]
    multi: dict[str, list[str]] = {}
    for key, value in params:
        multi.setdefault(key, []).append(value)

    def one(name: str) -> str | None:
        values = multi.get(name)
        return values[-1] if values else None

    q = ImageQuery(params=params, ids=_in_list(multi.get("id", [])), names=_in_list(multi.get("name", [])),
                   statuses=_in_list(multi.get("status", [])), disk_formats=_in_list(multi.get("disk_format", [])),
                   container_formats=_in_list(multi.get("container_format", [])))
    visibility = one("visibility")
    if visibility is not None and visibility not in (*VISIBILITIES, "all"):
        raise BadRequest(f"Invalid visibility value: {visibility}")
    q.visibility = visibility
    q.owner = one("owner")
    member_status = one("member_status")
    if member_status is not None:
        if member_status not in (*MEMBER_STATUSES, "all"):
            raise BadRequest(f"Invalid status value: {member_status}")
        q.member_status = member_status
    q.tags = tuple(multi.get("tag", []) + multi.get("tags", []))
    for name in ("size_min", "size_max"):
        if (number := one(name)) is not None:
            setattr(q, name, _int(name, number))
    if (flag := one("protected")) is not None:
        q.protected = _bool("protected", flag)
    if (flag := one("os_hidden")) is not None:
        q.os_hidden = _bool("os_hidden", flag)
    q.checksum, q.os_hash_value = one("checksum"), one("os_hash_value")
    times = []
    for name in ("created_at", "updated_at"):
        for value in multi.get(name, []):
            operator, _, when = value.partition(":")
            moment: datetime | None
            try:
                moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
            except ValueError:
                moment = None
            if operator not in TIME_OPERATORS or moment is None:
                raise BadRequest(f"Unable to filter on a range with a nonsensical value: {value}. Expected "
                                 f"<operator>:<ISO 8601 time> with an operator in {', '.join(TIME_OPERATORS)}.")
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC).replace(tzinfo=None)
            times.append((name, operator, moment))
    q.times = tuple(times)
    known = {"id", "name", "status", "disk_format", "container_format", "visibility", "owner", "member_status",
             "tag", "tags", "size_min", "size_max", "protected", "os_hidden", "checksum", "os_hash_value",
             "created_at", "updated_at"}
    q.properties = tuple((k, v) for k, v in params if k not in known and k not in _NOT_PROPERTY_FILTERS)
    q.sort = _sort(multi)
    if (limit := one("limit")) is not None:
        q.limit = _int("limit", limit)
    q.marker = one("marker")
    return q


def _sort(multi: dict[str, list[str]]) -> tuple[tuple[str, str], ...]:
    keys, dirs = multi.get("sort_key", []), multi.get("sort_dir", [])
    pairs: list[tuple[str, str]] = []
    if "sort" in multi:
        if keys or dirs:
            raise BadRequest("Old and new sorting syntax cannot be combined")
        for item in ",".join(multi["sort"]).split(","):
            key, _, direction = item.strip().partition(":")
            pairs.append((key, direction or "desc"))
    elif keys:
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise BadRequest("Number of sort dirs does not match the number of sort keys")
        pairs = [(k, dirs[i] if len(dirs) > 1 else (dirs[0] if dirs else "desc")) for i, k in enumerate(keys)]
    elif dirs:
        pairs = [("created_at", dirs[0])]
    else:
        return (("created_at", "desc"), ("id", "desc"))
    for key, direction in pairs:
        if key not in SORT_KEYS:
            raise BadRequest(f"Invalid sort key: {key}. It must be one of the following: {', '.join(SORT_KEYS)}.")
        if direction not in ("asc", "desc"):
            raise BadRequest(f"Invalid sort direction: {direction}")
    if "id" not in (k for k, _ in pairs):  # a total order, so markers are unambiguous
        pairs.append(("id", pairs[-1][1]))
    return tuple(pairs)


def images_page(images: list[Image], query: ImageQuery, next_marker: str | None) -> dict[str, Any]:
    """The list body: images, `first`, `schema`, and `next` (relative to the endpoint) when more remain."""
    params = [(k, v) for k, v in query.params if k != "marker"]
    body: dict[str, Any] = {"images": [image(i) for i in images],
                            "first": "/v2/images" + (f"?{urlencode(params)}" if params else ""),
                            "schema": "/v2/schemas/images"}
    if next_marker is not None:
        body["next"] = f"/v2/images?{urlencode([*params, ('marker', next_marker)])}"
    return body


# ---------------------------------------------------------------------------------------------- import
def image_import(body: object) -> tuple[str, str | None, list[str] | None]:
    """POST /v2/images/{id}/import: (method name, its uri, stores) as Glance's import schema reads them."""
    if not isinstance(body, dict) or not isinstance(body.get("method"), dict):
        raise BadRequest("Import requires a 'method' object, e.g. {\"method\": {\"name\": \"glance-direct\"}}")
    extra = sorted(set(body) - {"method", "stores", "all_stores", "all_stores_must_succeed"})
    if extra:
        raise BadRequest(f"Additional properties are not allowed ({extra[0]!r} was unexpected)")
    method = body["method"]
    name, uri = method.get("name"), method.get("uri")
    if not isinstance(name, str):
        raise BadRequest("Import method name is required and must be a string")
    if uri is not None and not isinstance(uri, str):
        raise BadRequest(f"Invalid uri: {uri!r}")
    if uri is not None and name != "web-download":
        raise BadRequest("URI is only supported with method: \"web-download\"")
    stores = body.get("stores")
    if stores is not None and (not isinstance(stores, list) or not all(isinstance(x, str) for x in stores)):
        raise BadRequest("'stores' must be a list of store identifiers")
    return name, uri, stores


def import_info(methods: tuple[str, ...]) -> dict[str, Any]:
    return {"import-methods": {"description": "Import methods available.", "type": "array",
                               "value": list(methods)}}


def stores_info(store: str) -> dict[str, Any]:
    return {"stores": [{"id": store, "default": True,
                        "description": "The lab's image files under its data directory (Glance's file store)."}]}


def task(t: ImageTask) -> dict[str, Any]:
    """An import task as GET /v2/images/{id}/tasks shows it."""
    return {"id": t.id, "type": "api_image_import", "status": t.status, "owner": t.owner, "input": t.input,
            "result": None, "message": t.message, "expires_at": None, "created_at": timestamp(t.created_at),
            "updated_at": timestamp(t.updated_at), "image_id": t.image_id, "request_id": t.request_id,
            "user_id": t.user_id}



# ------------------------------------------------------------------------------------------- metadefs catalog
# The JSON schemas of Glance's metadata definitions catalog (metadefs.py serves the catalog): clients build their
# models from them (glanceclient's, which Horizon's metadata steps use, fetches the namespace one first).
_NAMESPACE_PROPERTIES: dict[str, Any] = {
    "namespace": {"type": "string", "maxLength": 80,
                  "description": "The unique namespace text."},
    "display_name": {"type": "string", "maxLength": 80,
                     "description": "The user friendly name for the namespace. Used by UI if available."},
    "description": {"type": "string", "maxLength": 500, "description": "Provides a user friendly description "
                    "of the namespace."},
    "visibility": {"type": "string", "enum": ["public", "private"],
                   "description": "Scope of namespace accessibility."},
    "protected": {"type": "boolean", "description": "If true, namespace will not be deletable."},
    "owner": {"type": "string", "maxLength": 255, "description": "Owner of the namespace."},
    "created_at": {"type": "string", "readOnly": True, "format": "date-time",
                   "description": "Date and time of namespace creation"},
    "updated_at": {"type": "string", "readOnly": True, "format": "date-time",
                   "description": "Date and time of the last namespace modification"},
    "schema": {"type": "string", "readOnly": True},
    "self": {"type": "string", "readOnly": True},
    "resource_type_associations": {"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string"}, "prefix": {"type": "string"}, "properties_target": {"type": "string"}}}},
    "properties": {"type": "object", "additionalProperties": {"type": "object"}},
    "objects": {"type": "array", "items": {"type": "object"}},
    "tags": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
}


def metadef_namespace_schema() -> dict[str, Any]:
    return {"name": "namespace", "properties": _NAMESPACE_PROPERTIES, "additionalProperties": False,
            "required": ["namespace"], "links": [{"rel": "self", "href": "{self}"},
                                                 {"rel": "describedby", "href": "{schema}"}]}


def metadef_namespaces_schema() -> dict[str, Any]:
    return _paged_schema("namespaces", metadef_namespace_schema())


_STRINGS = {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
_TIMES = {"created_at": {"type": "string", "readOnly": True, "format": "date-time"},
          "updated_at": {"type": "string", "readOnly": True, "format": "date-time"}}
_PROPERTY_DEFINITION: dict[str, Any] = {"type": "object", "required": ["title", "type"], "properties": {
    "name": {"type": "string", "maxLength": 80}, "title": {"type": "string"}, "description": {"type": "string"},
    "operators": _STRINGS, "type": {"type": "string", "enum": ["array", "boolean", "integer", "number", "object",
                                                               "string", None]},
    "required": _STRINGS, "minimum": {"type": "number"}, "maximum": {"type": "number"},
    "maxLength": {"type": "integer", "minimum": 0}, "minLength": {"type": "integer", "minimum": 0},
    "pattern": {"type": "string", "format": "regex"}, "enum": {"type": "array"}, "readonly": {"type": "boolean"},
    "default": {}, "items": {"type": "object"}, "maxItems": {"type": "integer", "minimum": 0},
    "minItems": {"type": "integer", "minimum": 0}, "uniqueItems": {"type": "boolean", "default": False},
    "additionalItems": {"type": "boolean"}}}


def _metadef_schema(name: str, properties: dict[str, Any], required: list[str],
                    links: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "properties": properties, "additionalProperties": False,
                            "required": required}
    if links:
        body["links"] = [{"rel": "self", "href": "{self}"}, {"rel": "describedby", "href": "{schema}"}]
    return body


def metadef_object_schema() -> dict[str, Any]:
    return _metadef_schema("object", {
        "name": {"type": "string", "maxLength": 80}, "description": {"type": "string"}, "required": _STRINGS,
        "properties": {"type": "object", "additionalProperties": _PROPERTY_DEFINITION},
        "schema": {"type": "string", "readOnly": True}, "self": {"type": "string", "readOnly": True},
        **_TIMES}, ["name"])


def metadef_property_schema() -> dict[str, Any]:
    return _metadef_schema("property", dict(_PROPERTY_DEFINITION["properties"]), ["name", "title", "type"],
                           links=False)


def metadef_tag_schema() -> dict[str, Any]:
    return _metadef_schema("tag", {"name": {"type": "string", "maxLength": 255}, **_TIMES}, ["name"])


def metadef_resource_type_schema() -> dict[str, Any]:
    """A resource type association (Glance names this schema `resource_type_association`)."""
    return _metadef_schema("resource_type_association", {
        "name": {"type": "string", "maxLength": 80, "description": "Resource type names should be aligned with "
                 "Heat resource types whenever possible: https://docs.openstack.org/heat/latest/template_guide/"
                 "openstack.html"},
        "prefix": {"type": "string", "maxLength": 80, "description": "Specifies the prefix to use for the given "
                   "resource type."},
        "properties_target": {"type": "string", "maxLength": 80, "description": "Some resource types allow "
                              "more than one key / value pair per instance."}, **_TIMES}, ["name"], links=False)


def _listed_schema(name: str, key: str, item: dict[str, Any]) -> dict[str, Any]:
    """The schema of a metadefs collection that Glance does not page (objects, tags, resource types)."""
    return {"name": name, "properties": {key: {"type": "array", "items": item}, "schema": {"type": "string"},
                                         "first": {"type": "string"}, "next": {"type": "string"}},
            "links": [{"rel": "first", "href": "{first}"}, {"rel": "next", "href": "{next}"},
                      {"rel": "describedby", "href": "{schema}"}]}


def metadef_properties_schema() -> dict[str, Any]:
    return {"name": "properties", "properties": {
        "properties": {"type": "object", "additionalProperties": _PROPERTY_DEFINITION},
        "schema": {"type": "string"}}, "links": [{"rel": "describedby", "href": "{schema}"}]}


METADEF_SCHEMAS: dict[str, Any] = {
    "namespace": metadef_namespace_schema, "namespaces": metadef_namespaces_schema,
    "object": metadef_object_schema,
    "objects": lambda: _listed_schema("objects", "objects", metadef_object_schema()),
    "property": metadef_property_schema, "properties": metadef_properties_schema,
    "tag": metadef_tag_schema, "tags": lambda: _listed_schema("tags", "tags", metadef_tag_schema()),
    "resource_type": metadef_resource_type_schema,
    "resource_types": lambda: _listed_schema("resource_type_associations", "resource_type_associations",
                                             metadef_resource_type_schema()),
}
