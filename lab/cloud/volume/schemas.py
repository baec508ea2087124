"""Block storage's wire shapes (Cinder v3 at microversions 3.0-3.70, plus Nova's os-volume_attachments):
request validation with Cinder's messages, and one render function per resource, each given the request's
microversion (what each version changes is listed in microversions.py).

Cinder validates bodies with JSON schemas and answers "Invalid input for field/attribute size. Value: 0. 0 is
less than the minimum of 1"; the helpers below produce the same sentences, with lab/cloud/validation.py's
checks and wording. Renderers follow Cinder's view
builders: the create and update responses carry only the base keys, show/detail add the `os-vol-*` extension
keys (tempest's schemas reject them in a create response).
"""

from __future__ import annotations

import ast
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lab.cloud import validation as V
from lab.cloud.compute import microversions as cmv  # Nova's os-volume_attachments is served here
from lab.cloud.compute import schemas as cschemas
from lab.cloud.errors import BadRequest, NotFound
from lab.cloud.http import timestamp_naive
from lab.cloud.microversion import Version
from lab.cloud.quotas import render_set
from lab.cloud.volume import microversions as mv
from lab.cloud.volume.models import Snapshot, Volume, VolumeAttachment, VolumeType

if TYPE_CHECKING:  # the service's result types (their modules import this one for the request types)
    from lab.cloud.contracts import VolumeMapping
    from lab.cloud.volume.quotas import AbsoluteLimits, QuotaSet
    from lab.cloud.volume.service import Pool
    from lab.cloud.volume.volumes import VolumeView

MAX_INT = 2**31 - 1
# The cinder-volume service's id (3.48 `service_uuid`): one backend, one service, a fixed id.
SERVICE_UUID = "5d4c9a4e-8f0b-4e8e-9d55-7ab1c0f5e001"
UPDATED = "2016-02-08T12:20:21Z"
DEFAULT_AZ = "nova"
TYPE_PUBLIC_KEY = "os-volume-type-access:is_public"


def time(dt: datetime | None) -> str | None:
    return timestamp_naive(dt)


# ------------------------------------------------------------------------------------------------ validation
W = V.NOVA  # Cinder's JSON-schema sentences are Nova's


def invalid(path: str, value: Any, message: str) -> BadRequest:
    """Cinder's jsonschema error sentence."""
    return W.bad(path, value, message)


def body_object(body: dict[str, Any], key: str) -> dict[str, Any]:
    return V.body_object(W, body, key)


def no_extra_keys(obj: dict[str, Any], allowed: set[str], path: str) -> None:
    extra = set(obj) - allowed
    if extra:
        raise W.unexpected(path, obj, extra)


def size_value(value: Any, path: str = "size", *, allow_null: bool = False) -> int | None:
    """An integer (or a string of digits) between 1 and 2^31-1, as Cinder's volume_size parameter type."""
    if value is None and allow_null:
        return None
    if isinstance(value, str):
        if not value.isdigit():
            raise W.refuse(path, value, "pattern", pattern="^[0-9]+$")
        value = int(value)
    return V.integer(1, MAX_INT, strings=True)(W, path, value)


def optional_string(obj: dict[str, Any], key: str, path: str, max_length: int = 255) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise W.refuse(f"{path}/{key}", value, "type", types=W.types(str, "null"))
    return V.string(0, max_length)(W, f"{path}/{key}", value)


def metadata_value(value: Any, path: str = "metadata", *, allow_null: bool = True) -> dict[str, str] | None:
    """Cinder metadata: an object of string keys (1-255 chars) to string values (up to 255 chars)."""
    if value is None and allow_null:
        return None
    V.obj(W, path, value)
    text = V.string(0, 255)
    for key, item in value.items():
        if not 1 <= len(key) <= 255:
            raise invalid(path, value, f"{key!r} does not match any of the regexes: '^[a-zA-Z0-9-_:. /]{{1,255}}$'")
        text(W, f"{path}/{key}", item)
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
    backup_id: str | None = None  # 3.47
    group_id: str | None = None  # 3.13


_VOLUME_CREATE_KEYS = {"name", "description", "display_name", "display_description", "size", "availability_zone",
                       "source_volid", "snapshot_id", "backup_id", "group_id", "consistencygroup_id",
                       "imageRef", "image_id", "volume_type", "metadata", "multiattach", "source_replica"}


def parse_volume_create(body: dict[str, Any], version: Version = mv.MIN) -> VolumeCreate:
    """POST /volumes. Explicit nulls are accepted for every optional key (OSC sends them); `backup_id` is read
    from 3.47 on (before, Cinder ignores it)."""
    volume = body_object(body, "volume")
    no_extra_keys(volume, _VOLUME_CREATE_KEYS, "volume")
    if volume.get("multiattach"):
        raise BadRequest("Invalid input received: Multi-attach volumes are not available in this cloud.")
    backup_id = optional_string(volume, "backup_id", "volume", 36) if version >= mv.VOLUME_CREATE_FROM_BACKUP else None
    has_source = backup_id is not None or any(volume.get(k) is not None
                                              for k in ("snapshot_id", "source_volid", "imageRef", "image_id"))
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
        backup_id=backup_id,
        group_id=optional_string(volume, "group_id", "volume", 36) if version >= mv.GROUP_VOLUME else None,
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
    allow_in_use: bool = False  # 3.66: in-use volumes need no force
    name: str | None = None
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


SNAPSHOT_IN_USE_FLAG_MSG = (f"Since microversion {mv.SNAPSHOT_IN_USE} the 'force' flag is invalid for this request.  "
                            "For backward compatability, however, when the 'force' flag is passed with a value "
                            "evaluating to True, it is silently ignored.")


def parse_snapshot_create(body: dict[str, Any], version: Version = mv.MIN) -> SnapshotCreate:
    """POST /snapshots; from 3.66 on `force: false` is refused and `force: true` ignored, as Cinder does."""
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
    forced = False if force is None else boolean_value(force, "force")
    in_use = version >= mv.SNAPSHOT_IN_USE
    if in_use and force is not None and not forced:
        raise BadRequest(SNAPSHOT_IN_USE_FLAG_MSG)
    return SnapshotCreate(
        volume_id=volume_id,
        force=forced,
        allow_in_use=in_use,
        name=optional_string(snapshot, "name", "snapshot") or optional_string(snapshot, "display_name", "snapshot"),
        description=(optional_string(snapshot, "description", "snapshot")
                     or optional_string(snapshot, "display_description", "snapshot")),
        metadata=metadata_value(snapshot.get("metadata")) or {},
    )


@dataclass(frozen=True)
class TypeCreate:
    name: str
    description: str | None = None
    is_public: bool = True
    extra_specs: dict[str, str] = field(default_factory=dict)


def parse_type_create(body: dict[str, Any]) -> TypeCreate:
    """POST /types: {"volume_type": {name, description, os-volume-type-access:is_public, extra_specs}}."""
    obj = body_object(body, "volume_type")
    name = optional_string(obj, "name", "volume_type")
    if not name or not name.strip():
        raise W.refuse("name", None, "type", types=W.types(str))
    public = obj.get(TYPE_PUBLIC_KEY, obj.get("is_public"))
    specs = obj.get("extra_specs") or {}
    if not isinstance(specs, dict):
        raise W.refuse("extra_specs", specs, "type", types=W.types(dict))
    return TypeCreate(name=name, description=optional_string(obj, "description", "volume_type"),
                      is_public=True if public is None else boolean_value(public, "is_public"),
                      extra_specs={str(k): str(v) for k, v in specs.items()})


# POST /volumes/{id}/action: the actions this cloud serves, and those that take no arguments.
STATUS_ACTIONS = ("os-reserve", "os-unreserve", "os-begin_detaching", "os-roll_detaching")
# Cinder's volume_image_metadata extension (cinder/api/contrib/volume_image_metadata.py)
IMAGE_METADATA_ACTIONS = ("os-set_image_metadata", "os-unset_image_metadata", "os-show_image_metadata")
ACTIONS = ("os-extend", "os-set_bootable", "os-reset_status", "os-attach", "os-detach", "os-update_readonly_flag",
           "os-retype", "os-volume_upload_image", "os-force_delete", "os-force_detach", *IMAGE_METADATA_ACTIONS,
           *STATUS_ACTIONS)


@dataclass(frozen=True)
class VolumeAction:
    """One volume action with its arguments (those of its kind; the rest stay None)."""

    name: str
    new_size: int | None = None  # os-extend
    flag: bool | None = None  # os-set_bootable's bootable, os-update_readonly_flag's readonly
    status: str | None = None  # os-reset_status
    attach_status: str | None = None  # os-reset_status
    instance_uuid: str = ""  # os-attach
    mountpoint: str = ""  # os-attach
    attachment_id: str | None = None  # os-detach
    arguments: Any = None  # os-retype, os-volume_upload_image: parsed by operator_schemas


def _required_flag(body: dict[str, Any], action: str, key: str) -> bool:
    arguments = body_object(body, action)
    if key not in arguments:
        raise W.refuse(action, {}, "required", key=key)
    return boolean_value(arguments[key], key)


def parse_volume_action(body: dict[str, Any]) -> VolumeAction:
    """{"<action>": {arguments}}: exactly one action, with Cinder's 400 for what it does not know."""
    if len(body) != 1:
        raise BadRequest("Invalid input received: exactly one action is expected.")
    action, args = next(iter(body.items()))
    if action not in ACTIONS:
        raise BadRequest(f"There is no such action: {action}")
    if action == "os-extend":
        return VolumeAction(action, new_size=size_value(body_object(body, action).get("new_size"), "new_size"))
    if action == "os-set_bootable":
        return VolumeAction(action, flag=_required_flag(body, action, "bootable"))
    if action == "os-update_readonly_flag":
        return VolumeAction(action, flag=_required_flag(body, action, "readonly"))
    if action == "os-reset_status":
        arguments = body_object(body, action)
        return VolumeAction(action, status=arguments.get("status"), attach_status=arguments.get("attach_status"))
    if action == "os-attach":
        arguments = body_object(body, action)
        return VolumeAction(action, instance_uuid=str(arguments.get("instance_uuid") or ""),
                            mountpoint=str(arguments.get("mountpoint") or ""))
    if action == "os-detach":
        return VolumeAction(action, attachment_id=(args if isinstance(args, dict) else {}).get("attachment_id"))
    if action == "os-force_detach":  # Cinder's admin_actions.force_detach schema: connector, attachment_id
        arguments = body_object(body, action)
        no_extra_keys(arguments, {"connector", "attachment_id"}, action)
        attachment_id = arguments.get("attachment_id")
        if attachment_id is not None and not isinstance(attachment_id, str):
            raise W.refuse(f"{action}/attachment_id", attachment_id, "type", types=W.types(str, "null"))
        return VolumeAction(action, attachment_id=attachment_id)
    if action in ("os-retype", "os-volume_upload_image"):
        return VolumeAction(action, arguments=args)
    if action == "os-set_image_metadata":
        arguments = body_object(body, action)
        if "metadata" not in arguments:
            raise W.refuse(action, arguments, "required", key="metadata")
        no_extra_keys(arguments, {"metadata"}, action)
        return VolumeAction(action, arguments=metadata_value(arguments["metadata"], allow_null=False))
    if action == "os-unset_image_metadata":
        arguments = body_object(body, action)
        key = arguments.get("key")
        if not isinstance(key, str) or not 1 <= len(key) <= 255:
            raise W.refuse(action, arguments, "required", key="key")
        return VolumeAction(action, arguments=key)
    return VolumeAction(action)


@dataclass(frozen=True)
class AttachRequest:
    """Nova's volumeAttachment of an attach (POST) or of an update (PUT; None where the update leaves it)."""

    volume_id: str
    device: str | None = None
    tag: str | None = None
    delete_on_termination: bool | None = None
    fixed: dict[str, Any] = field(default_factory=dict)  # an update's device, tag, serverId, id: must not change


def _attachment_body(body: dict[str, Any], allowed: set[str]) -> AttachRequest:
    attachment = body.get("volumeAttachment")
    if not isinstance(attachment, dict):
        raise W.refuse("volumeAttachment", None, "required", key="volumeAttachment")
    volume_id = attachment.get("volumeId")
    if not isinstance(volume_id, str) or not volume_id:
        raise W.refuse("volumeAttachment", attachment, "required", key="volumeId")
    extra = sorted(set(attachment) - allowed)
    if extra:
        raise W.unexpected("volumeAttachment", attachment, [extra[0]])
    device = attachment.get("device")
    if device is not None and not isinstance(device, str):
        raise W.refuse("device", device, "type", types=W.types(str, "null"))
    tag = attachment.get("tag")
    if tag is not None:
        cschemas.parse_tag(tag)
    dot = attachment.get("delete_on_termination")
    return AttachRequest(volume_id, device, tag, None if dot is None else cschemas.parse_boolean(
        dot, "delete_on_termination"), {k: attachment[k] for k in ("device", "tag", "serverId", "id")
                                        if k in attachment})


def parse_volume_attachment(body: dict[str, Any], version: Version = cmv.MIN) -> AttachRequest:
    """Nova's POST /servers/{id}/os-volume_attachments at compute `version`: volumeId and device; `tag` from
    2.49 and `delete_on_termination` from 2.79 (kept in compute's mapping of the volume)."""
    allowed = {"volumeId", "device"} | ({"tag"} if version >= cmv.Version(2, 49) else set())
    allowed |= {"delete_on_termination"} if version >= cmv.DELETE_ON_TERMINATION else set()
    return _attachment_body(body, allowed)


def parse_attachment_update(body: dict[str, Any], version: Version = cmv.MIN) -> AttachRequest:
    """Nova's PUT /servers/{id}/os-volume_attachments/{volume_id}: volumeId only (a swap) before 2.85; from 2.85
    also the attachment's other keys, of which only delete_on_termination may change."""
    allowed = {"volumeId"}
    if version >= cmv.ATTACHMENT_UPDATE:
        allowed |= {"device", "tag", "delete_on_termination", "serverId", "id"}
    return _attachment_body(body, allowed)


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


def volume(view: VolumeView, base: str, *, show: bool = False, version: Version = mv.MIN) -> dict[str, Any]:
    """A volume at `version`. `show` adds the extension keys of GET /volumes/{id} and /volumes/detail, those
    the policy lets the caller see (`view.shows`); the keys later microversions add are in microversions.py."""
    v, type_name, attachments, shows = view.volume, view.type_name, view.attachments, view.shows
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
    if version >= mv.GROUP_VOLUME:
        body["group_id"] = view.group_id
    if version >= mv.VOLUME_DETAIL_PROVIDER_ID and shows.admin:
        body["provider_id"] = None
    if version >= mv.VOLUME_SHARED_TARGETS_AND_SERVICE_FIELDS:
        body["shared_targets"] = False
        body["service_uuid"] = None if v.status == "creating" else SERVICE_UUID  # set once it is scheduled
    if version >= mv.VOLUME_CLUSTER_NAME and shows.admin:
        body["cluster_name"] = None
    if version >= mv.VOLUME_TYPE_ID_IN_VOL_DETAILS:
        body["volume_type_id"] = v.volume_type_id
    # 3.64 (ENCRYPTION_KEY_ID_IN_DETAILS): Cinder shows `encryption_key_id` only for an encrypted volume; the lab
    # has no key manager, so no volume here ever has one and the key is never shown.
    if version >= mv.USE_QUOTA:
        body["consumes_quota"] = True
    if show:
        body["os-vol-tenant-attr:tenant_id"] = v.project_id
        if v.image_metadata:
            body["volume_image_metadata"] = dict(v.image_metadata)
        if shows.admin:
            body["migration_status"] = None
        if shows.host:
            body["os-vol-host-attr:host"] = v.host
        if shows.migration:
            body["os-vol-mig-status-attr:migstat"] = None
            body["os-vol-mig-status-attr:name_id"] = None
    return body


def volume_summary(v: Volume, base: str) -> dict[str, Any]:
    """An entry of GET /volumes (not detail)."""
    return {"id": v.id, "name": v.name, "links": links(base, v.project_id, "volumes", v.id)}


def snapshot(s: Snapshot, *, show: bool = False, version: Version = mv.MIN, summary: bool = False,
             group_snapshot_id: str | None = None) -> dict[str, Any]:
    """A snapshot at `version`; `show` adds the extended attributes of GET /snapshots/{id} and detail; a
    `summary` (GET /snapshots) has no keys of later microversions."""
    body: dict[str, Any] = {
        "id": s.id, "created_at": time(s.created_at), "updated_at": time(s.updated_at), "name": s.name,
        "description": s.description, "volume_id": s.volume_id, "status": s.status, "size": s.size,
        "metadata": dict(s.metadata_ or {}),
    }
    if not summary:
        if version >= mv.GROUP_SNAPSHOTS:
            body["group_snapshot_id"] = group_snapshot_id
        if version >= mv.SNAPSHOT_LIST_USER_ID:
            body["user_id"] = s.user_id
        if version >= mv.USE_QUOTA:
            body["consumes_quota"] = True
    if show:
        body["os-extended-snapshot-attributes:progress"] = s.progress
        body["os-extended-snapshot-attributes:project_id"] = s.project_id
    return body


def volume_type(t: VolumeType, *, created: bool = False, qos_specs_id: str | None = None) -> dict[str, Any]:
    """A volume type. The create answer comes from Cinder's older view builder, which has no `qos_specs_id`
    (tempest's create_volume_type schema refuses one)."""
    body = {"id": t.id, "name": t.name, "description": t.description, "is_public": t.is_public,
            TYPE_PUBLIC_KEY: t.is_public, "extra_specs": dict(t.extra_specs or {})}
    return body if created else {**body, "qos_specs_id": qos_specs_id}


def nova_attachment(att: VolumeAttachment, version: Version = cmv.MIN, *, created: bool = False,
                    mapping: VolumeMapping | None = None) -> dict[str, Any]:
    """Nova's volumeAttachment at compute `version`: its `id` is the volume's id; `tag` from 2.70 and
    `delete_on_termination` from 2.79, as compute's `mapping` of the volume has them; list and show (not the
    attach answer) carry `attachment_id` (Cinder's) and `bdm_uuid` and lose `id` from 2.89."""
    body: dict[str, Any] = {"id": att.volume_id, "volumeId": att.volume_id, "serverId": att.server_id,
                            "device": att.device}
    if version >= cmv.DEVICE_TAGS_SHOWN:
        body["tag"] = mapping.tag if mapping else None
    if version >= cmv.DELETE_ON_TERMINATION:
        body["delete_on_termination"] = bool(mapping and mapping.delete_on_termination)
    if version >= cmv.ATTACHMENT_IDS and not created:
        del body["id"]
        body.update({"attachment_id": att.id, "bdm_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"bdm:{att.id}"))})
    return body


def version_entry(base: str) -> dict[str, Any]:
    return {"id": "v3.0", "status": "CURRENT", "version": mv.RANGE.max_version, "min_version": mv.RANGE.min_version,
            "updated": UPDATED,
            "links": [{"rel": "self", "href": f"{base}/volume/v3/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.volume+json;version=3"}]}


def availability_zones() -> dict[str, Any]:
    return {"availabilityZoneInfo": [{"zoneName": DEFAULT_AZ, "zoneState": {"available": True}}]}


def quota_set(q: QuotaSet) -> dict[str, Any]:
    """Cinder's quota_set: the limits (with `id`, except in a PUT answer), or with ?usage=True each resource's
    {limit, in_use, reserved}."""
    return render_set(q.limits, used=q.in_use, head={} if q.project_id is None else {"id": q.project_id})


def absolute_limits(a: AbsoluteLimits) -> dict[str, Any]:
    """GET /limits (no rate limits); the *Used keys only with the usage (Cinder's used_limits extension)."""
    q = a.limits
    absolute: dict[str, Any] = {
        "maxTotalVolumes": q["volumes"], "maxTotalSnapshots": q["snapshots"],
        "maxTotalVolumeGigabytes": q["gigabytes"], "maxTotalBackups": q["backups"],
        "maxTotalBackupGigabytes": q["backup_gigabytes"]}
    if a.used is not None:
        absolute.update(totalVolumesUsed=a.used.volumes, totalSnapshotsUsed=a.used.snapshots,
                        totalGigabytesUsed=a.used.gigabytes, totalBackupsUsed=a.used.backups,
                        totalBackupGigabytesUsed=a.used.backup_gigabytes)
    return {"rate": [], "absolute": absolute}


def pool(p: Pool, *, detail: bool = False) -> dict[str, Any]:
    """One entry of GET /scheduler-stats/get_pools[?detail=True]."""
    stats = p.stats
    name = f"stacklab@{stats.backend_name}#{stats.backend_name}"
    if not detail:
        return {"name": name}
    return {"name": name, "capabilities": {
        "volume_backend_name": stats.backend_name, "vendor_name": "StackLab", "driver_version": "1.0",
        "storage_protocol": stats.storage_protocol, "total_capacity_gb": stats.total_capacity_gb,
        "free_capacity_gb": stats.free_capacity_gb, "provisioned_capacity_gb": stats.provisioned_capacity_gb,
        "allocated_capacity_gb": p.allocated_gb, "reserved_percentage": 0,
        "thin_provisioning_support": stats.thin_provisioning_support, "thick_provisioning_support": False,
        "max_over_subscription_ratio": "1.0", "multiattach": False,
        "allocated_bytes_on_disk": stats.allocated_bytes, "timestamp": None}}
