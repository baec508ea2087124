"""What each Cinder microversion changes for the resources this lab serves: the one place that says it.

The lab advertises 3.0-3.70, as a Zed cloud does (cinder/api/openstack/api_version_request.py). Each constant
below is named as Cinder names it (cinder/api/microversions.py); renderers (schemas.py) and validators compare
the request's version against them (`version >= SNAPSHOT_IN_USE`). `CHANGES` lists every version in the
range with what it changes here, or why it changes nothing the lab serves; course/reference/api-volume.md
shows the same table, and a test keeps the two equal.
"""

from __future__ import annotations

from lab.cloud.microversion import Microversions, Version

RANGE = Microversions("volume", "3.0", "3.70")
MIN, MAX = RANGE.min, RANGE.max

UPLOAD_IMAGE_PARAMS = Version(3, 1)
VOLUME_LIST_BOOTABLE = Version(3, 2)
BACKUP_UPDATE = Version(3, 9)
VOLUME_SUMMARY = Version(3, 12)
MESSAGES = Version(3, 3)
RESOURCE_FILTERS = Version(3, 33)
DEFAULT_TYPE_OVERRIDES = Version(3, 62)
GROUP_VOLUME = Version(3, 13)
GROUP_SNAPSHOTS = Version(3, 14)
GROUP_REPLICATION = Version(3, 38)
GROUP_PROJECT_ID = Version(3, 58)
BACKUP_PROJECT = Version(3, 18)
VOLUME_DETAIL_PROVIDER_ID = Version(3, 21)
SNAPSHOT_LIST_USER_ID = Version(3, 41)
VOLUME_SUMMARY_METADATA = Version(3, 36)
BACKUP_METADATA = Version(3, 43)
SUPPORT_COUNT_INFO = Version(3, 45)
VOLUME_CREATE_FROM_BACKUP = Version(3, 47)
VOLUME_SHARED_TARGETS_AND_SERVICE_FIELDS = Version(3, 48)
BACKUP_AZ = Version(3, 51)
SUPPORT_VOLUME_SCHEMA_CHANGES = Version(3, 53)
TRANSFER_WITH_SNAPSHOTS = Version(3, 55)
BACKUP_USER_ID = Version(3, 56)
TRANSFER_WITH_HISTORY = Version(3, 57)
VOLUME_CLUSTER_NAME = Version(3, 61)
DEFAULT_TYPE_OVERRIDES = Version(3, 62)
VOLUME_TYPE_ID_IN_VOL_DETAILS = Version(3, 63)
ENCRYPTION_KEY_ID_IN_DETAILS = Version(3, 64)
USE_QUOTA = Version(3, 65)
SNAPSHOT_IN_USE = Version(3, 66)
SUPPORT_PROJECT_ID_OPTIONAL = Version(3, 67)
SHARED_TARGETS_TRISTATE = Version(3, 69)

# Every version of the range: what it changes in this lab ("-" first: nothing the lab serves, and why).
CHANGES: dict[str, str] = {
    "3.0": "The v2 API under /v3; the default when no version is asked for.",
    "3.1": "os-volume_upload_image takes `visibility` and `protected`.",
    "3.2": "The `bootable` filter of volume lists is strict: anything but true/false values is 400.",
    "3.3": "The /messages API: user messages of asynchronous failures (a volume no backend takes).",
    "3.4": "- The `glance_metadata` list filter (not served).",
    "3.5": "The /messages list filters (`resource_uuid`, `event_id`, `message_level`, ...); no pagination.",
    "3.6": "- Consistency group update may empty the name (not served).",
    "3.7": "- Clustered services (`cluster` in service lists) for active/active backends (one host here).",
    "3.8": "- Manageable volume and snapshot lists (not served).",
    "3.9": "Backups: PUT /backups/{id} updates the name and description; `name` in the answer.",
    "3.10": "- The `group_id` snapshot list filter (not served).",
    "3.11": "Group types (/group_types, admin to change) with their group specs.",
    "3.12": "- GET /volumes/summary: the project's volume count and total size.",
    "3.13": "Generic volume groups (/groups); volumes carry `group_id` and may be created into a group.",
    "3.14": "Group snapshots (/group_snapshots) and groups from a group or a group snapshot; snapshots carry "
            "`group_snapshot_id`.",
    "3.15": "- ETags on volume metadata (not served).",
    "3.16": "- Migration to a cluster (one backend).",
    "3.17": "- Manageable lists by cluster (not served).",
    "3.18": "Backups show `os-backup-project-attr:project_id` to admins.",
    "3.19": "Group snapshot reset-status (admin).",
    "3.20": "Group reset-status (admin).",
    "3.21": "Volumes show `provider_id` (null) to admins.",
    "3.22": "- The metadata filter of snapshot lists (not served).",
    "3.23": "- Volume force delete of a type in use (not served).",
    "3.24": "- Worker cleanup (not served).",
    "3.25": "`list_volume=true` adds a group's `volumes`.",
    "3.26": "- Replication failover (no replication).",
    "3.27": "- The new attachments API: the lab attaches through Nova's os-volume_attachments and Cinder's "
            "3.0 actions.",
    "3.28": "- Generalized list filters (not served beyond the 3.0 ones).",
    "3.29": "- Group snapshot pagination (not served).",
    "3.30": "- Snapshot sort by name (snapshots sort as at 3.0).",
    "3.31": "- Resource filters of groups (not served).",
    "3.32": "- Service log levels (not served).",
    "3.33": "GET /resource_filters: the filters each listing applies.",
    "3.34": "- `like` filters (not served).",
    "3.35": "- The `group_id` volume list filter (not served).",
    "3.36": "- The volume summary's `metadata`: each key with its values.",
    "3.37": "- Backup sort by name (backups sort as at 3.0).",
    "3.38": "Groups carry `replication_status` (null: no group replication).",
    "3.39": "- `project_id` in GET /limits (not served).",
    "3.40": "- Revert to snapshot (not served).",
    "3.41": "Snapshots carry `user_id`.",
    "3.42": "- Extend of in-use volumes (the file backend extends detached volumes only).",
    "3.43": "Backups carry `metadata` (create and update take it).",
    "3.44": "- Attachment completion (no attachments API).",
    "3.45": "`with_count=true` adds `count` to volume, snapshot and backup lists.",
    "3.46": "- Volumes from Nova's zero-size images (not served).",
    "3.47": "POST /volumes takes `backup_id`: a new volume restored from a backup.",
    "3.48": "Volumes carry `shared_targets` (false) and `service_uuid`.",
    "3.49": "- `backend_state` in service lists (not served).",
    "3.50": "- Multiattach (single attach only).",
    "3.51": "Backups take and show `availability_zone`.",
    "3.52": "- The extra_specs filter of type lists (not served).",
    "3.53": "- jsonschema validation of volume create and update (the lab validates so at every version).",
    "3.54": "- Attachment mode (no attachments API).",
    "3.55": "Transfers at /volume-transfers, with `no_snapshots` (the snapshots move with the volume unless true).",
    "3.56": "Backups show `user_id` to admins.",
    "3.57": "Transfers carry `source_project_id`, `destination_project_id` and `accepted`.",
    "3.58": "Groups and group snapshots carry `project_id`.",
    "3.59": "- Transfer pagination (transfer lists are not paged).",
    "3.60": "- Time comparison filters of volume lists (not served).",
    "3.61": "Volumes show `cluster_name` (null) to admins.",
    "3.62": "Per-project default types (/default-types, admin): a project's own default over `__DEFAULT__`.",
    "3.63": "Volumes carry `volume_type_id`.",
    "3.64": "Backups and volumes carry `encryption_key_id` only when encrypted (never here).",
    "3.65": "Volumes and snapshots carry `consumes_quota` (true).",
    "3.66": "Snapshots of in-use volumes need no `force`; `force: false` is refused, `force: true` ignored.",
    "3.67": "URLs need no project id: /volume/v3/volumes is /volume/v3/{project_id}/volumes (served at every "
            "version, as Cinder does).",
    "3.68": "- os-reimage (not served).",
    "3.69": "`shared_targets` may be null.",
    "3.70": "- Transfers of encrypted volumes (no encryption).",
}
