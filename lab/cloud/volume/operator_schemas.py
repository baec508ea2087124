"""Wire shapes of block storage's operator resources (issue 16): backups, transfers, services, QoS specs, volume
type access and the volume actions that go with them (retype, upload to image). Request validation with
Cinder's messages (the helpers of schemas.py) and one renderer per resource, given the request's microversion
(microversions.py says what each changes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lab.cloud.errors import BadRequest
from lab.cloud.microversion import Version
from lab.cloud.volume import microversions as mv
from lab.cloud.volume.backups import BackupCreate
from lab.cloud.volume.models import Backup, QosSpecs, Transfer
from lab.cloud.volume.qos import CONSUMERS
from lab.cloud.volume.schemas import (
    W,
    body_object,
    boolean_value,
    invalid,
    links,
    metadata_value,
    no_extra_keys,
    optional_string,
    time,
)

if TYPE_CHECKING:
    from lab.cloud.volume.services import ServiceRecord, ServiceUpdate


# ------------------------------------------------------------------------------------------------ backups
def parse_backup_create(body: dict[str, Any], version: Version) -> BackupCreate:
    """POST /backups: volume_id required; `metadata` from 3.43, `availability_zone` from 3.51."""
    backup = body_object(body, "backup")
    allowed = {"volume_id", "container", "description", "incremental", "is_incremental", "force", "name",
               "snapshot_id", "display_name", "display_description"}
    if version >= mv.BACKUP_METADATA:
        allowed.add("metadata")
    if version >= mv.BACKUP_AZ:
        allowed.add("availability_zone")
    no_extra_keys(backup, allowed, "backup")
    volume_id = backup.get("volume_id")
    if not isinstance(volume_id, str) or not volume_id:
        raise invalid("backup", backup, "'volume_id' is a required property")
    incremental = backup.get("incremental", backup.get("is_incremental"))
    force = backup.get("force")
    return BackupCreate(
        volume_id=volume_id,
        name=optional_string(backup, "name", "backup") or optional_string(backup, "display_name", "backup"),
        description=(optional_string(backup, "description", "backup")
                     or optional_string(backup, "display_description", "backup")),
        incremental=False if incremental is None else boolean_value(incremental, "incremental"),
        force=False if force is None else boolean_value(force, "force"),
        snapshot_id=optional_string(backup, "snapshot_id", "backup", 36),
        container=optional_string(backup, "container", "backup"),
        metadata=metadata_value(backup.get("metadata")) or {},
        availability_zone=optional_string(backup, "availability_zone", "backup"),
    )


def parse_backup_update(body: dict[str, Any], version: Version) -> dict[str, Any]:
    """PUT /backups/{id} (3.9): name, description; metadata from 3.43."""
    backup = body_object(body, "backup")
    allowed = {"name", "description", *(("metadata",) if version >= mv.BACKUP_METADATA else ())}
    no_extra_keys(backup, allowed, "backup")
    changes: dict[str, Any] = {k: optional_string(backup, k, "backup") for k in ("name", "description")
                               if k in backup}
    if "metadata" in backup:
        changes["metadata"] = metadata_value(backup["metadata"], allow_null=False)
    return changes


def parse_restore(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """POST /backups/{id}/restore: {"restore": {"volume_id", "name"}} (both optional): (volume_id, name)."""
    restore = body_object(body, "restore")
    no_extra_keys(restore, {"volume_id", "name"}, "restore")
    return optional_string(restore, "volume_id", "restore", 36), optional_string(restore, "name", "restore")


def parse_backup_import(body: dict[str, Any]) -> tuple[str, str]:
    """POST /backups/import_record: {"backup-record": {"backup_service", "backup_url"}}, both strings (Cinder's
    backups.import_record schema)."""
    record = body_object(body, "backup-record")
    no_extra_keys(record, {"backup_service", "backup_url"}, "backup-record")
    found = []
    for key in ("backup_service", "backup_url"):
        value = record.get(key)
        if key not in record:
            raise invalid("backup-record", record, f"'{key}' is a required property")
        if not isinstance(value, str) or (key == "backup_service" and len(value) > 255):
            raise invalid(f"backup-record/{key}", value, f"{value!r} is not of type 'string'"
                          if not isinstance(value, str) else f"{value!r} is too long")
        found.append(value)
    return found[0], found[1]


def backup_summary(b: Backup, base: str) -> dict[str, Any]:
    return {"id": b.id, "name": b.name, "links": links(base, b.project_id, "backups", b.id)}


def backup(b: Backup, base: str, *, version: Version, admin: bool, has_dependents: bool) -> dict[str, Any]:
    """A backup as GET /backups/{id} and /backups/detail show it at `version`."""
    body: dict[str, Any] = {
        "id": b.id, "name": b.name, "description": b.description, "status": b.status, "size": b.size,
        "volume_id": b.volume_id, "snapshot_id": b.snapshot_id, "is_incremental": b.is_incremental,
        "has_dependent_backups": has_dependents, "container": b.container,
        "availability_zone": b.availability_zone, "object_count": b.object_count, "fail_reason": b.fail_reason,
        "created_at": time(b.created_at), "updated_at": time(b.updated_at),
        "data_timestamp": time(b.data_timestamp), "links": links(base, b.project_id, "backups", b.id),
    }
    if version >= mv.BACKUP_PROJECT and admin:
        body["os-backup-project-attr:project_id"] = b.project_id
    if version >= mv.BACKUP_METADATA:
        body["metadata"] = dict(b.metadata_ or {})
    if version >= mv.BACKUP_USER_ID and admin:
        body["user_id"] = b.user_id
    # 3.64: Cinder shows encryption_key_id only for a backup of an encrypted volume (never here).
    return body


def backup_created(b: Backup, base: str, version: Version) -> dict[str, Any]:
    """The 202 answer of POST /backups (and of PUT): Cinder's summary view, id, name and links only, at every
    version (the metadata of 3.43 is in the detail view)."""
    return backup_summary(b, base)


# ------------------------------------------------------------------------------------------------ transfers
@dataclass(frozen=True)
class TransferCreate:
    volume_id: str
    name: str | None = None
    no_snapshots: bool = False


def parse_transfer_create(body: dict[str, Any], version: Version) -> TransferCreate:
    """POST /os-volume-transfer or (3.55) /volume-transfers: volume_id, name; `no_snapshots` from 3.55."""
    transfer = body_object(body, "transfer")
    allowed = {"volume_id", "name", *(("no_snapshots",) if version >= mv.TRANSFER_WITH_SNAPSHOTS else ())}
    no_extra_keys(transfer, allowed, "transfer")
    volume_id = transfer.get("volume_id")
    if not isinstance(volume_id, str) or not volume_id:
        raise invalid("transfer", transfer, "'volume_id' is a required property")
    no_snapshots = transfer.get("no_snapshots")
    return TransferCreate(volume_id, optional_string(transfer, "name", "transfer"),
                          False if no_snapshots is None else boolean_value(no_snapshots, "no_snapshots"))


def parse_transfer_accept(body: dict[str, Any]) -> str:
    accept = body_object(body, "accept")
    key = accept.get("auth_key")
    if not isinstance(key, str) or not key:
        raise invalid("accept", accept, "'auth_key' is a required property")
    return key


def transfer(t: Transfer, base: str, collection: str, *, version: Version, detail: bool = True,
             auth_key: str | None = None, destination: str | None = None) -> dict[str, Any]:
    """A transfer at `version` (`auth_key` only in the create answer, once)."""
    body: dict[str, Any] = {"id": t.id, "name": t.name, "volume_id": t.volume_id,
                            # Cinder's view names os-volume-transfer in the links at every version, also
                            # when asked at /volume-transfers (3.55).
                            "links": links(base, t.project_id, "os-volume-transfer", t.id)}
    if detail:
        body["created_at"] = time(t.created_at)
        if version >= mv.TRANSFER_WITH_SNAPSHOTS:
            body["no_snapshots"] = t.no_snapshots
        if version >= mv.TRANSFER_WITH_HISTORY:
            body.update(source_project_id=t.project_id, destination_project_id=destination, accepted=False)
    if auth_key is not None:
        body["auth_key"] = auth_key
    return body


# ------------------------------------------------------------------------------------------------ services
def service(s: ServiceRecord, version: Version) -> dict[str, Any]:
    """An entry of GET /os-services."""
    body: dict[str, Any] = {"binary": s.binary, "host": s.host, "zone": s.zone, "status": s.status,
                            "state": s.state, "updated_at": time(s.updated_at), "disabled_reason": s.disabled_reason,
                            "frozen": s.frozen, "replication_status": "disabled", "active_backend_id": None}
    if version >= Version(3, 7):
        body["cluster"] = None
    return body


def service_update(u: ServiceUpdate) -> dict[str, Any]:
    """The answer of PUT /os-services/enable|disable|disable-log-reason (Cinder's, with no wrapping key)."""
    body: dict[str, Any] = {"disabled": u.disabled, "host": u.host, "service": u.service, "binary": u.binary,
                            "status": u.status}
    if u.log_reason:
        body["disabled_reason"] = u.disabled_reason
    return body


# ------------------------------------------------------------------------------------------------ QoS specs


def parse_qos_create(body: dict[str, Any]) -> tuple[str, str, dict[str, str]]:
    """POST /qos-specs: {"qos_specs": {"name", "consumer", <key>: <value>...}} -> (name, consumer, specs)."""
    obj = body_object(body, "qos_specs")
    name = obj.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("Please specify a name for QoS specs.")
    consumer = obj.get("consumer", "back-end")
    if consumer not in CONSUMERS:
        raise BadRequest(f"Invalid input received: Valid consumer of QoS specs are: {list(CONSUMERS)}")
    specs = {str(k): str(v) for k, v in obj.items() if k not in ("name", "consumer")}
    return name.strip(), str(consumer), specs


def parse_qos_keys(body: dict[str, Any], key: str = "qos_specs") -> dict[str, str]:
    """PUT /qos-specs/{id}: {"qos_specs": {<key>: <value>...}} (a `consumer` key changes the consumer)."""
    obj = body_object(body, key)
    return {str(k): str(v) for k, v in obj.items()}


def parse_qos_delete_keys(body: dict[str, Any]) -> list[str]:
    keys = body.get("keys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise invalid("keys", keys, f"{keys!r} is not of type 'array'")
    return keys


def qos_specs(q: QosSpecs) -> dict[str, Any]:
    return {"id": q.id, "name": q.name, "consumer": q.consumer, "specs": dict(q.specs or {})}


def qos_links(q: QosSpecs, base: str, project_id: str) -> list[dict[str, str]]:
    """The `links` beside a shown QoS specs (Cinder puts them next to the object, not in it)."""
    return links(base, project_id, "qos-specs", q.id)


# ------------------------------------------------------------------------------------------------ type access
def parse_type_access(body: dict[str, Any]) -> tuple[str, str]:
    """POST /types/{id}/action: addProjectAccess or removeProjectAccess, {"project": id} -> (action, project)."""
    if len(body) != 1 or next(iter(body)) not in ("addProjectAccess", "removeProjectAccess"):
        raise BadRequest("Invalid input received: exactly one of addProjectAccess, removeProjectAccess.")
    action = next(iter(body))
    obj = body_object(body, action)
    project = obj.get("project")
    if not isinstance(project, str) or not project:
        raise BadRequest("Access list not available for public volume types." if project is None else
                         f"Invalid input for field/attribute project. Value: {project}.")
    return action, project


def parse_type_update(body: dict[str, Any]) -> dict[str, Any]:
    """PUT /types/{id}: name, description, is_public (at least one)."""
    obj = body_object(body, "volume_type")
    no_extra_keys(obj, {"name", "description", "is_public"}, "volume_type")
    if not obj:
        raise BadRequest("Specify volume type name, description, is_public or a combination thereof.")
    changes: dict[str, Any] = {}
    if "name" in obj:
        name = optional_string(obj, "name", "volume_type")
        if not name or not name.strip():
            raise BadRequest("Volume type name can not be empty.")
        changes["name"] = name.strip()
    if "description" in obj:
        changes["description"] = optional_string(obj, "description", "volume_type")
    if "is_public" in obj:
        changes["is_public"] = boolean_value(obj["is_public"], "is_public")
    return changes


# ------------------------------------------------------------------------------------------------ actions
@dataclass(frozen=True)
class Retype:
    new_type: str
    migration_policy: str = "never"


def parse_retype(args: Any) -> Retype:
    if not isinstance(args, dict) or not isinstance(args.get("new_type"), str):
        raise W.refuse("os-retype", args, "required", key="new_type")
    policy = args.get("migration_policy") or "never"
    if policy not in ("never", "on-demand"):
        raise W.refuse("migration_policy", policy, "enum", choices=["on-demand", "never"])
    return Retype(args["new_type"], policy)


@dataclass(frozen=True)
class UploadImage:
    image_name: str
    force: bool = False
    disk_format: str = "raw"
    container_format: str = "bare"
    visibility: str = "private"
    protected: bool = False


DISK_FORMATS = ("raw", "qcow2", "vmdk", "vdi", "vhd", "vhdx", "ploop")


def parse_upload_image(args: Any, version: Version) -> UploadImage:
    """os-volume_upload_image: image_name, force, disk_format, container_format; visibility and protected from
    3.1."""
    if not isinstance(args, dict):
        raise invalid("os-volume_upload_image", args, f"{args!r} is not of type 'object'")
    name = args.get("image_name")
    if not isinstance(name, str) or not name:
        raise invalid("os-volume_upload_image", args, "'image_name' is a required property")
    disk_format = args.get("disk_format") or "raw"
    if disk_format not in DISK_FORMATS:
        raise BadRequest(f"Invalid disk-format '{disk_format}' is specified. Allowed disk-formats are "
                         f"{', '.join(DISK_FORMATS)}.")
    force = args.get("force")
    visibility, protected = "private", False
    if version >= mv.UPLOAD_IMAGE_PARAMS:
        visibility = args.get("visibility") or "private"
        if visibility not in ("public", "private", "community", "shared"):
            raise BadRequest(f"Invalid input received: Invalid visibility {visibility}.")
        protected = boolean_value(args.get("protected", False), "protected")
    return UploadImage(name, False if force is None else boolean_value(force, "force"), disk_format,
                       str(args.get("container_format") or "bare"), visibility, protected)
