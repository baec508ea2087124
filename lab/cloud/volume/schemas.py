"""Block storage's wire shapes (Cinder v3 at microversion 3.0, plus Nova's os-volume_attachments): request
validation with Cinder's messages, and one render function per resource.

Cinder validates bodies with JSON schemas and answers "Invalid input for field/attribute size. Value: 0. 0 is
less than the minimum of 1"; the helpers below produce the same sentences. Renderers follow Cinder's view
builders: the create and update responses carry only the base keys, show/detail add the `os-vol-*` extension
keys (tempest's schemas reject them in a create response).
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lab.cloud.errors import BadRequest, NotFound
from lab.cloud.http import timestamp_naive
from lab.cloud.volume.models import Snapshot, Volume, VolumeAttachment, VolumeType

MAX_INT = 2**31 - 1
VERSION = "3.0"
UPDATED = "2016-02-08T12:20:21Z"
DEFAULT_AZ = "nova"
TYPE_PUBLIC_KEY = "os-volume-type-access:is_public"


def time(dt: datetime | None) -> str | None:
    return timestamp_naive(dt)


# ------------------------------------------------------------------------------------------------ validation
def invalid(path: str, value: Any, message: str) -> BadRequest:
    """Cinder's jsonschema error sentence."""
    return BadRequest(f"Invalid input for field/attribute {path}. Value: {value}. {message}")


def body_object(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    if not isinstance(value, dict):
        if key not in body:
            raise invalid(key, None, f"'{key}' is a required property")
        raise invalid(key, value, f"{value!r} is not of type 'object'")
    return value


def no_extra_keys(obj: dict[str, Any], allowed: set[str], path: str) -> None:
    extra = sorted(set(obj) - allowed)
    if extra:
        listed = ", ".join(repr(k) for k in extra)
        raise invalid(path, obj, f"Additional properties are not allowed ({listed} "
                                 f"{'was' if len(extra) == 1 else 'were'} unexpected)")


def size_value(value: Any, path: str = "size", *, allow_null: bool = False) -> int | None:
    """An integer (or a string of digits) between 1 and 2^31-1, as Cinder's volume_size parameter type."""
    if value is None:
        if allow_null:
            return None
        raise invalid(path, value, "None is not of type 'integer', 'string'")
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise invalid(path, value, f"{value!r} is not of type 'integer', 'string'")
    if isinstance(value, str):
        if not value.isdigit():
            raise invalid(path, value, f"{value!r} does not match '^[0-9]+$'")
        value = int(value)
    if value < 1:
        raise invalid(path, value, f"{value} is less than the minimum of 1")
    if value > MAX_INT:
        raise invalid(path, value, f"{value} is greater than the maximum of {MAX_INT}")
    return int(value)


def optional_string(obj: dict[str, Any], key: str, path: str, max_length: int = 255) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(f"{path}/{key}", value, f"{value!r} is not of type 'string', 'null'")
    if len(value) > max_length:
        raise invalid(f"{path}/{key}", value, f"{value!r} is too long")
    return value


def metadata_value(value: Any, path: str = "metadata", *, allow_null: bool = True) -> dict[str, str] | None:
    """Cinder metadata: an object of string keys (1-255 chars) to string values (up to 255 chars)."""
    if value is None:
        if allow_null:
            return None
        raise invalid(path, value, "None is not of type 'object'")
    if not isinstance(value, dict):
        raise invalid(path, value, f"{value!r} is not of type 'object'")
    for key, item in value.items():
        if not 1 <= len(key) <= 255:
            raise invalid(path, value, f"{key!r} does not match any of the regexes: '^[a-zA-Z0-9-_:. /]{{1,255}}$'")
        if not isinstance(item, str):
            raise invalid(f"{path}/{key}", item, f"{item!r} is not of type 'string'")
        if len(item) > 255:
            raise invalid(f"{path}/{key}", item, f"{item!r} is too long")
    return {str(k): str(v) for k, v in value.items()}


def boolean_value(value: Any, name: str) -> bool:
    """Cinder's strict bool_from_string: true/false/yes/no/1/0/on/off or a JSON boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "y", "on", "t"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "n", "off", "f"):
        return False
    raise BadRequest(f"Invalid input received: Invalid value '{value}' for {name}.")


@dataclass(frozen=True)
class VolumeCreate:
    size: int | None
    name: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    availability_zone: str | None = None
    volume_type: str | None = None
    snapshot_id: str | None = None
    source_volid: str | None = None
    image_ref: str | None = None


_VOLUME_CREATE_KEYS = {"name", "description", "display_name", "display_description", "size", "availability_zone",
                       "source_volid", "snapshot_id", "backup_id", "group_id", "consistencygroup_id",
                       "imageRef", "image_id", "volume_type", "metadata", "multiattach", "source_replica"}


def parse_volume_create(body: dict[str, Any]) -> VolumeCreate:
    """POST /volumes. Explicit nulls are accepted for every optional key (OSC sends them)."""
    volume = body_object(body, "volume")
    no_extra_keys(volume, _VOLUME_CREATE_KEYS, "volume")
    if volume.get("backup_id") is not None:
        raise BadRequest("Invalid input received: Volume backups are not available in this cloud.")
    if volume.get("multiattach"):
        raise BadRequest("Invalid input received: Multi-attach volumes are not available in this cloud.")
    has_source = any(volume.get(k) is not None for k in ("snapshot_id", "source_volid", "imageRef", "image_id"))
    return VolumeCreate(
        size=size_value(volume.get("size"), allow_null=has_source),
        name=optional_string(volume, "name", "volume") or optional_string(volume, "display_name", "volume"),
        description=(optional_string(volume, "description", "volume")
                     or optional_string(volume, "display_description", "volume")),
        metadata=metadata_value(volume.get("metadata")) or {},
        availability_zone=optional_string(volume, "availability_zone", "volume"),
        volume_type=optional_string(volume, "volume_type", "volume"),
        snapshot_id=optional_string(volume, "snapshot_id", "volume", 36),
        source_volid=optional_string(volume, "source_volid", "volume", 36),
        image_ref=optional_string(volume, "imageRef", "volume") or optional_string(volume, "image_id", "volume"),
    )


def parse_update(body: dict[str, Any], key: str) -> dict[str, Any]:
    """PUT /volumes/{id} or /snapshots/{id}: the given keys among name, description and metadata."""
    obj = body_object(body, key)
    aliases = {"display_name": "name", "display_description": "description"}
    no_extra_keys(obj, {"name", "description", "metadata", *aliases}, key)
    changes: dict[str, Any] = {}
    for wire in ("name", "description", "display_name", "display_description"):
        if wire in obj:
            changes[aliases.get(wire, wire)] = optional_string(obj, wire, key)
    if "metadata" in obj:
        changes["metadata"] = metadata_value(obj["metadata"], allow_null=False)
    return changes


@dataclass(frozen=True)
class SnapshotCreate:
    volume_id: str
    force: bool = False
    name: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


def parse_snapshot_create(body: dict[str, Any]) -> SnapshotCreate:
    snapshot = body_object(body, "snapshot")
    no_extra_keys(snapshot, {"volume_id", "force", "name", "description", "display_name", "display_description",
                             "metadata"}, "snapshot")
    if "volume_id" not in snapshot:
        raise invalid("snapshot", snapshot, "'volume_id' is a required property")
    volume_id = snapshot["volume_id"]
    if volume_id is None:  # Cinder looks it up, and finds nothing
        raise NotFound("Volume None could not be found.")
    if not isinstance(volume_id, str):
        raise invalid("volume_id", volume_id, f"{volume_id!r} is not of type 'string'")
    force = snapshot.get("force")
    return SnapshotCreate(
        volume_id=volume_id,
        force=False if force is None else boolean_value(force, "force"),
        name=optional_string(snapshot, "name", "snapshot") or optional_string(snapshot, "display_name", "snapshot"),
        description=(optional_string(snapshot, "description", "snapshot")
                     or optional_string(snapshot, "display_description", "snapshot")),
        metadata=metadata_value(snapshot.get("metadata")) or {},
    )


def parse_metadata_body(body: dict[str, Any]) -> dict[str, str]:
    """{"metadata": {...}} for the metadata routes."""
    value = metadata_value(body_object(body, "metadata"), allow_null=False)
    assert value is not None
    return value


def parse_meta_item(body: dict[str, Any], key: str) -> str:
    """PUT /metadata/{key} with {"meta": {key: value}}: exactly that one key."""
    meta = body_object(body, "meta")
    if list(meta) != [key]:
        raise BadRequest("Request body and URI mismatch" if len(meta) == 1 else "Request body contains too many items")
    value = metadata_value(meta, "meta", allow_null=False)
    assert value is not None
    return value[key]


def parse_metadata_filter(raw: str | None) -> dict[str, str]:
    """The `metadata` query filter: Cinder takes a Python or JSON dict literal, e.g. metadata={'k': 'v'}."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            raise BadRequest(f"Invalid input received: Invalid filter metadata={raw}.") from None
    if not isinstance(value, dict):
        raise BadRequest(f"Invalid input received: Invalid filter metadata={raw}.")
    return {str(k): str(v) for k, v in value.items()}


# ----------------------------------------------------------------------------------------------- rendering
def links(base: str, project_id: str, collection: str, resource_id: str) -> list[dict[str, str]]:
    return [{"rel": "self", "href": f"{base}/volume/v3/{project_id}/{collection}/{resource_id}"},
            {"rel": "bookmark", "href": f"{base}/volume/{project_id}/{collection}/{resource_id}"}]


def attachment(volume: Volume, att: VolumeAttachment) -> dict[str, Any]:
    """One entry of a volume's `attachments` (Cinder's legacy view: `id` is the volume's id)."""
    return {"server_id": att.server_id, "attachment_id": att.id, "attached_at": time(att.attached_at),
            "host_name": None, "volume_id": volume.id, "device": att.device, "id": volume.id}


def volume(v: Volume, *, type_name: str | None, attachments: list[VolumeAttachment], base: str,
           show: bool = False, is_admin: bool = False) -> dict[str, Any]:
    """A volume at 3.0. `show` adds the extension keys of GET /volumes/{id} and /volumes/detail."""
    body: dict[str, Any] = {
        "id": v.id, "status": v.status, "size": v.size, "availability_zone": v.availability_zone,
        "created_at": time(v.created_at), "updated_at": time(v.updated_at),
        "attachments": [attachment(v, a) for a in attachments if a.attach_status == "attached"],
        "name": v.name, "description": v.description, "volume_type": type_name,
        "snapshot_id": v.snapshot_id, "source_volid": v.source_volid, "metadata": dict(v.metadata_ or {}),
        "links": links(base, v.project_id, "volumes", v.id), "user_id": v.user_id,
        "bootable": "true" if v.bootable else "false", "encrypted": False, "replication_status": None,
        "consistencygroup_id": None, "multiattach": False,
    }
    if show:
        body["os-vol-tenant-attr:tenant_id"] = v.project_id
        if v.image_metadata:
            body["volume_image_metadata"] = dict(v.image_metadata)
        if is_admin:
            body["migration_status"] = None
            body["os-vol-host-attr:host"] = v.host
            body["os-vol-mig-status-attr:migstat"] = None
            body["os-vol-mig-status-attr:name_id"] = None
    return body


def volume_summary(v: Volume, base: str) -> dict[str, Any]:
    """An entry of GET /volumes (not detail)."""
    return {"id": v.id, "name": v.name, "links": links(base, v.project_id, "volumes", v.id)}


def snapshot(s: Snapshot, *, show: bool = False) -> dict[str, Any]:
    """A snapshot at 3.0; `show` adds the extended attributes of GET /snapshots/{id} and detail."""
    body: dict[str, Any] = {
        "id": s.id, "created_at": time(s.created_at), "updated_at": time(s.updated_at), "name": s.name,
        "description": s.description, "volume_id": s.volume_id, "status": s.status, "size": s.size,
        "metadata": dict(s.metadata_ or {}),
    }
    if show:
        body["os-extended-snapshot-attributes:progress"] = s.progress
        body["os-extended-snapshot-attributes:project_id"] = s.project_id
    return body


def snapshot_summary(s: Snapshot) -> dict[str, Any]:
    return snapshot(s)


def volume_type(t: VolumeType) -> dict[str, Any]:
    return {"id": t.id, "name": t.name, "description": t.description, "is_public": t.is_public,
            TYPE_PUBLIC_KEY: t.is_public, "extra_specs": dict(t.extra_specs or {}), "qos_specs_id": None}


def nova_attachment(att: VolumeAttachment) -> dict[str, Any]:
    """Nova's volumeAttachment at 2.1: its `id` is the volume's id."""
    return {"id": att.volume_id, "volumeId": att.volume_id, "serverId": att.server_id, "device": att.device}


def version_entry(base: str) -> dict[str, Any]:
    return {"id": "v3.0", "status": "CURRENT", "version": VERSION, "min_version": VERSION, "updated": UPDATED,
            "links": [{"rel": "self", "href": f"{base}/volume/v3/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.volume+json;version=3"}]}


def availability_zones() -> dict[str, Any]:
    return {"availabilityZoneInfo": [{"zoneName": DEFAULT_AZ, "zoneState": {"available": True}}]}
