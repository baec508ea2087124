"""The block storage service's policy rules, named as Cinder names them (cinder/policies/*.py) with Cinder's
defaults expressed over the base rules (lab.cloud.policy): Cinder's "project member or admin" persona is
`rule:project_member_or_admin`, "project reader" is `rule:project_reader_or_admin`, its admin-only APIs are
`rule:admin_api`. The target of a check is the resource's project (`project_id:%(project_id)s`), as Cinder
authorizes against the volume or snapshot itself.

Nova's os-volume_attachments API is served by this package too (attachments.py), so Nova's rules for it
(`os_compute_api:os-volumes-attachments:*`) are declared here, with Cinder's `volume:attachment_*` rules that
Nova's calls into Cinder meet.

`context_is_admin` (a base rule) is what Cinder's `context.is_admin` is: it decides who sees every project's
volumes and types, and who may reach another project's URL.
"""

from lab.cloud.policy import Rule

READER = "rule:project_reader_or_admin"
MEMBER = "rule:project_member_or_admin"
ADMIN = "rule:admin_api"

V = "/volume/v3/{project_id}"
ACTION = f"{V}/volumes/{{volume_id}}/action"
NOVA = "/compute/v2.1/servers/{server_id}/os-volume_attachments"

RULES: tuple[Rule, ...] = (
    # volumes (cinder/policies/volumes.py)
    Rule("volume:create", MEMBER, "Create a volume.", (("POST", f"{V}/volumes"),)),
    Rule("volume:create_from_image", MEMBER, "Create a volume from an image.",
         (("POST", f"{V}/volumes (imageRef)"),)),
    Rule("volume:get", READER, "Show a volume.", (("GET", f"{V}/volumes/{{volume_id}}"),)),
    Rule("volume:get_all", READER, "List volumes.", (("GET", f"{V}/volumes"), ("GET", f"{V}/volumes/detail"))),
    Rule("volume:get_volume_summary", READER, "The project's volume count and total size (3.12).",
         (("GET", f"{V}/volumes/summary"),)),
    Rule("volume:update", MEMBER, "Update a volume, or its bootable flag.",
         (("PUT", f"{V}/volumes/{{volume_id}}"), ("POST", f"{ACTION} (os-set_bootable)"))),
    Rule("volume:delete", MEMBER, "Delete a volume.", (("DELETE", f"{V}/volumes/{{volume_id}}"),)),
    Rule("volume_extension:volume_host_attribute", ADMIN, "Show a volume's os-vol-host-attr:host.",
         (("GET", f"{V}/volumes/{{volume_id}}"), ("GET", f"{V}/volumes/detail"))),
    Rule("volume_extension:volume_mig_status_attribute", ADMIN,
         "Show a volume's migration status (os-vol-mig-status-attr:migstat, :name_id).",
         (("GET", f"{V}/volumes/{{volume_id}}"), ("GET", f"{V}/volumes/detail"))),
    # volume metadata (cinder/policies/volume_metadata.py)
    Rule("volume:get_volume_metadata", READER, "Show a volume's metadata or one item of it.",
         (("GET", f"{V}/volumes/{{volume_id}}/metadata"), ("GET", f"{V}/volumes/{{volume_id}}/metadata/{{key}}"))),
    Rule("volume:create_volume_metadata", MEMBER, "Add metadata to a volume.",
         (("POST", f"{V}/volumes/{{volume_id}}/metadata"),)),
    Rule("volume:update_volume_metadata", MEMBER, "Replace a volume's metadata, or one item of it.",
         (("PUT", f"{V}/volumes/{{volume_id}}/metadata"), ("PUT", f"{V}/volumes/{{volume_id}}/metadata/{{key}}"))),
    Rule("volume:delete_volume_metadata", MEMBER, "Delete one item of a volume's metadata.",
         (("DELETE", f"{V}/volumes/{{volume_id}}/metadata/{{key}}"),)),
    # volume actions (cinder/policies/volume_actions.py)
    Rule("volume:extend", MEMBER, "Extend a volume.", (("POST", f"{ACTION} (os-extend)"),)),
    Rule("volume_extension:volume_admin_actions:reset_status", ADMIN, "Reset the status of a volume.",
         (("POST", f"{ACTION} (os-reset_status)"),)),
    Rule("volume:update_readonly_flag", MEMBER, "Update a volume's read-only flag.",
         (("POST", f"{ACTION} (os-update_readonly_flag)"),)),
    Rule("volume_extension:volume_actions:reserve", MEMBER, "Mark a volume as reserved.",
         (("POST", f"{ACTION} (os-reserve)"),)),
    Rule("volume_extension:volume_actions:unreserve", MEMBER, "Unmark a volume as reserved.",
         (("POST", f"{ACTION} (os-unreserve)"),)),
    Rule("volume_extension:volume_actions:begin_detaching", MEMBER, "Begin detaching a volume.",
         (("POST", f"{ACTION} (os-begin_detaching)"),)),
    Rule("volume_extension:volume_actions:roll_detaching", MEMBER, "Roll a volume's status back to in-use.",
         (("POST", f"{ACTION} (os-roll_detaching)"),)),
    Rule("volume_extension:volume_actions:attach", MEMBER, "Record an attachment of a volume.",
         (("POST", f"{ACTION} (os-attach)"),)),
    Rule("volume_extension:volume_actions:detach", MEMBER, "Clear an attachment of a volume.",
         (("POST", f"{ACTION} (os-detach)"),)),
    # snapshots (cinder/policies/snapshots.py, snapshot_metadata.py)
    Rule("volume:create_snapshot", MEMBER, "Create a snapshot.", (("POST", f"{V}/snapshots"),)),
    Rule("volume:get_snapshot", READER, "Show a snapshot.", (("GET", f"{V}/snapshots/{{snapshot_id}}"),)),
    Rule("volume:get_all_snapshots", READER, "List snapshots.",
         (("GET", f"{V}/snapshots"), ("GET", f"{V}/snapshots/detail"))),
    Rule("volume:update_snapshot", MEMBER, "Update a snapshot.", (("PUT", f"{V}/snapshots/{{snapshot_id}}"),)),
    Rule("volume:delete_snapshot", MEMBER, "Delete a snapshot.", (("DELETE", f"{V}/snapshots/{{snapshot_id}}"),)),
    Rule("volume:get_snapshot_metadata", READER, "Show a snapshot's metadata or one item of it.",
         (("GET", f"{V}/snapshots/{{snapshot_id}}/metadata"),
          ("GET", f"{V}/snapshots/{{snapshot_id}}/metadata/{{key}}"))),
    Rule("volume:update_snapshot_metadata", MEMBER, "Add to or replace a snapshot's metadata, or one item of it.",
         (("POST", f"{V}/snapshots/{{snapshot_id}}/metadata"), ("PUT", f"{V}/snapshots/{{snapshot_id}}/metadata"),
          ("PUT", f"{V}/snapshots/{{snapshot_id}}/metadata/{{key}}"))),
    Rule("volume:delete_snapshot_metadata", MEMBER, "Delete one item of a snapshot's metadata.",
         (("DELETE", f"{V}/snapshots/{{snapshot_id}}/metadata/{{key}}"),)),
    # volume types (cinder/policies/volume_type.py, type_extra_specs.py)
    Rule("volume_extension:type_get_all", READER, "List volume types.", (("GET", f"{V}/types"),)),
    Rule("volume_extension:type_get", READER, "Show a volume type.", (("GET", f"{V}/types/{{type_id}}"),)),
    Rule("volume_extension:type_create", ADMIN, "Create a volume type.", (("POST", f"{V}/types"),)),
    Rule("volume_extension:type_delete", ADMIN, "Delete a volume type.", (("DELETE", f"{V}/types/{{type_id}}"),)),
    Rule("volume_extension:types_extra_specs:index", READER, "List a volume type's extra specs.",
         (("GET", f"{V}/types/{{type_id}}/extra_specs"),)),
    Rule("volume_extension:types_extra_specs:create", ADMIN, "Add or replace extra specs of a volume type.",
         (("POST", f"{V}/types/{{type_id}}/extra_specs"),)),
    Rule("volume_extension:types_extra_specs:show", READER, "Show one extra spec of a volume type.",
         (("GET", f"{V}/types/{{type_id}}/extra_specs/{{key}}"),)),
    Rule("volume_extension:types_extra_specs:update", ADMIN, "Set one extra spec of a volume type.",
         (("PUT", f"{V}/types/{{type_id}}/extra_specs/{{key}}"),)),
    Rule("volume_extension:types_extra_specs:delete", ADMIN, "Delete an extra spec of a volume type.",
         (("DELETE", f"{V}/types/{{type_id}}/extra_specs/{{key}}"),)),
    # quotas and limits (cinder/policies/quotas.py, limits.py)
    Rule("volume_extension:quotas:show", READER, "Show a project's quotas, their defaults or their usage.",
         (("GET", f"{V}/os-quota-sets/{{target}}"), ("GET", f"{V}/os-quota-sets/{{target}}/defaults"),
          ("GET", f"{V}/os-quota-sets/{{target}}?usage=True"))),
    Rule("volume_extension:quotas:update", ADMIN, "Update a project's quotas.",
         (("PUT", f"{V}/os-quota-sets/{{target}}"),)),
    Rule("volume_extension:quotas:delete", ADMIN, "Reset a project's quotas to the defaults.",
         (("DELETE", f"{V}/os-quota-sets/{{target}}"),)),
    Rule("volume_extension:quota_classes", ADMIN, "Show or update a quota class (`default`: every project's "
         "defaults).", (("GET", f"{V}/os-quota-class-sets/{{class_name}}"),
                        ("PUT", f"{V}/os-quota-class-sets/{{class_name}}"))),
    Rule("limits_extension:used_limits", READER, "Show the usage next to the absolute limits.",
         (("GET", f"{V}/limits"),)),
    # cinder/policies/volume_metadata.py: the image metadata a volume carries from its image
    Rule("volume_extension:volume_image_metadata:show", READER, "Show a volume's image metadata.",
         (("POST", f"{ACTION} (os-show_image_metadata)"),)),
    Rule("volume_extension:volume_image_metadata:set", MEMBER, "Set keys of a volume's image metadata.",
         (("POST", f"{ACTION} (os-set_image_metadata)"),)),
    Rule("volume_extension:volume_image_metadata:remove", MEMBER, "Remove a key of a volume's image metadata.",
         (("POST", f"{ACTION} (os-unset_image_metadata)"),)),
    # cinder/policies/default_types.py (3.62)
    Rule("volume_extension:default_set_or_update", ADMIN, "Set or change a project's default volume type.",
         (("PUT", f"{V}/default-types/{{project_id}}"),)),
    Rule("volume_extension:default_get", ADMIN, "Show a project's default volume type.",
         (("GET", f"{V}/default-types/{{project_id}}"),)),
    Rule("volume_extension:default_get_all", ADMIN, "List the projects' default volume types.",
         (("GET", f"{V}/default-types"),)),
    Rule("volume_extension:default_unset", ADMIN, "Unset a project's default volume type.",
         (("DELETE", f"{V}/default-types/{{project_id}}"),)),
    # backend pools (cinder/policies/scheduler_stats.py)
    Rule("scheduler_extension:scheduler_stats:get_pools", ADMIN, "List the backend pools and their capacity.",
         (("GET", f"{V}/scheduler-stats/get_pools"),)),
    Rule("volume_extension:capabilities", ADMIN, "Show a backend's capabilities.",
         (("GET", f"{V}/capabilities/{{host}}"),)),
    # volume actions of issue 16 (cinder/policies/volume_actions.py, volumes.py)
    Rule("volume:retype", MEMBER, "Retype a volume.", (("POST", f"{ACTION} (os-retype)"),)),
    Rule("volume_extension:volume_actions:upload_image", MEMBER, "Upload a volume to an image.",
         (("POST", f"{ACTION} (os-volume_upload_image)"),)),
    Rule("volume_extension:volume_actions:upload_public", ADMIN, "Upload a volume to a public image.",
         (("POST", f"{ACTION} (os-volume_upload_image, visibility public)"),)),
    Rule("volume_extension:snapshot_admin_actions:reset_status", ADMIN, "Reset the status of a snapshot.",
         (("POST", f"{V}/snapshots/{{snapshot_id}}/action (os-reset_status)"),)),
    # force delete and detach, assisted snapshots (cinder/policies/volume_actions.py, snapshot_actions.py)
    Rule("volume_extension:volume_admin_actions:force_delete", ADMIN, "Delete a volume in any status.",
         (("POST", f"{ACTION} (os-force_delete)"),)),
    Rule("volume_extension:volume_admin_actions:force_detach", ADMIN, "Forget a volume's attachment (any status).",
         (("POST", f"{ACTION} (os-force_detach)"),)),
    Rule("volume_extension:snapshot_admin_actions:force_delete", ADMIN, "Delete a snapshot in any status.",
         (("POST", f"{V}/snapshots/{{snapshot_id}}/action (os-force_delete)"),)),
    Rule("snapshot_extension:snapshot_actions:update_snapshot_status", MEMBER,
         "Update a snapshot's status and progress (what Nova sends during an assisted snapshot).",
         (("POST", f"{V}/snapshots/{{snapshot_id}}/action (os-update_snapshot_status)"),)),
    # backups (cinder/policies/backups.py, backup_actions.py)
    Rule("backup:get_all", READER, "List backups.", (("GET", f"{V}/backups"), ("GET", f"{V}/backups/detail"))),
    Rule("backup:get", READER, "Show a backup.", (("GET", f"{V}/backups/{{backup_id}}"),)),
    Rule("backup:create", MEMBER, "Create a backup.", (("POST", f"{V}/backups"),)),
    Rule("backup:update", MEMBER, "Update a backup.", (("PUT", f"{V}/backups/{{backup_id}}"),)),
    Rule("backup:delete", MEMBER, "Delete a backup.", (("DELETE", f"{V}/backups/{{backup_id}}"),)),
    Rule("backup:restore", MEMBER, "Restore a backup.", (("POST", f"{V}/backups/{{backup_id}}/restore"),)),
    Rule("backup:backup_project_attribute", ADMIN, "Show a backup's project and user (3.18, 3.56).",
         (("GET", f"{V}/backups/{{backup_id}}"), ("GET", f"{V}/backups/detail"))),
    Rule("backup:export-import", ADMIN, "Export a backup's record.",
         (("GET", f"{V}/backups/{{backup_id}}/export_record"),)),
    Rule("backup:backup-import", ADMIN, "Import a backup's record.", (("POST", f"{V}/backups/import_record"),)),
    Rule("volume_extension:backup_admin_actions:reset_status", ADMIN, "Reset the status of a backup.",
         (("POST", f"{V}/backups/{{backup_id}}/action (os-reset_status)"),)),
    Rule("volume_extension:backup_admin_actions:force_delete", ADMIN, "Delete a backup in any status.",
         (("POST", f"{V}/backups/{{backup_id}}/action (os-force_delete)"),)),
    # volume transfers (cinder/policies/volume_transfer.py)
    Rule("volume:get_all_transfers", READER, "List volume transfers.",
         (("GET", f"{V}/os-volume-transfer"), ("GET", f"{V}/os-volume-transfer/detail"),
          ("GET", f"{V}/volume-transfers"), ("GET", f"{V}/volume-transfers/detail"))),
    Rule("volume:create_transfer", MEMBER, "Offer a volume to another project.",
         (("POST", f"{V}/os-volume-transfer"), ("POST", f"{V}/volume-transfers"))),
    Rule("volume:get_transfer", READER, "Show a volume transfer.",
         (("GET", f"{V}/os-volume-transfer/{{transfer_id}}"), ("GET", f"{V}/volume-transfers/{{transfer_id}}"))),
    Rule("volume:accept_transfer", MEMBER, "Accept a volume transfer into the caller's project.",
         (("POST", f"{V}/os-volume-transfer/{{transfer_id}}/accept"),
          ("POST", f"{V}/volume-transfers/{{transfer_id}}/accept"))),
    Rule("volume:delete_transfer", MEMBER, "Withdraw a volume transfer.",
         (("DELETE", f"{V}/os-volume-transfer/{{transfer_id}}"),
          ("DELETE", f"{V}/volume-transfers/{{transfer_id}}"))),
    # services (cinder/policies/services.py)
    Rule("volume_extension:services:index", ADMIN, "List the block storage services.",
         (("GET", f"{V}/os-services"),)),
    Rule("volume_extension:services:update", ADMIN, "Enable or disable a block storage service.",
         (("PUT", f"{V}/os-services/enable"), ("PUT", f"{V}/os-services/disable"),
          ("PUT", f"{V}/os-services/disable-log-reason"))),
    Rule("volume_extension:hosts", ADMIN, "List the block storage hosts or show one's volume usage.",
         (("GET", f"{V}/os-hosts"), ("GET", f"{V}/os-hosts/{{host}}"))),
    # user messages (cinder/policies/messages.py)
    Rule("message:get_all", READER, "List the project's user messages.", (("GET", f"{V}/messages"),)),
    Rule("message:get", READER, "Show a user message.", (("GET", f"{V}/messages/{{message_id}}"),)),
    Rule("message:delete", MEMBER, "Delete a user message.", (("DELETE", f"{V}/messages/{{message_id}}"),)),
    Rule("volume:freeze_host", ADMIN, "Freeze a backend host.", (("PUT", f"{V}/os-services/freeze"),)),
    Rule("volume:thaw_host", ADMIN, "Thaw a backend host.", (("PUT", f"{V}/os-services/thaw"),)),
    # volume type update and access (cinder/policies/volume_type.py, volume_access.py)
    Rule("volume_extension:type_update", ADMIN, "Update a volume type.", (("PUT", f"{V}/types/{{type_id}}"),)),
    Rule("volume_extension:volume_type_access:get_all_for_type", ADMIN, "List the projects of a private type.",
         (("GET", f"{V}/types/{{type_id}}/os-volume-type-access"),)),
    Rule("volume_extension:volume_type_access:addProjectAccess", ADMIN, "Let a project use a private type.",
         (("POST", f"{V}/types/{{type_id}}/action (addProjectAccess)"),)),
    Rule("volume_extension:volume_type_access:removeProjectAccess", ADMIN,
         "Take a private type away from a project.",
         (("POST", f"{V}/types/{{type_id}}/action (removeProjectAccess)"),)),
    # QoS specs (cinder/policies/qos_specs.py)
    Rule("volume_extension:qos_specs_manage:get_all", ADMIN, "List QoS specs or their associations.",
         (("GET", f"{V}/qos-specs"), ("GET", f"{V}/qos-specs/{{qos_id}}/associations"))),
    Rule("volume_extension:qos_specs_manage:get", ADMIN, "Show QoS specs.",
         (("GET", f"{V}/qos-specs/{{qos_id}}"),)),
    Rule("volume_extension:qos_specs_manage:create", ADMIN, "Create QoS specs.", (("POST", f"{V}/qos-specs"),)),
    Rule("volume_extension:qos_specs_manage:update", ADMIN, "Change QoS specs or their associations.",
         (("PUT", f"{V}/qos-specs/{{qos_id}}"), ("PUT", f"{V}/qos-specs/{{qos_id}}/delete_keys"),
          ("GET", f"{V}/qos-specs/{{qos_id}}/associate"), ("GET", f"{V}/qos-specs/{{qos_id}}/disassociate"),
          ("GET", f"{V}/qos-specs/{{qos_id}}/disassociate_all"))),
    Rule("volume_extension:qos_specs_manage:delete", ADMIN, "Delete QoS specs.",
         (("DELETE", f"{V}/qos-specs/{{qos_id}}"),)),
    # attachments, as Nova calls Cinder for them (cinder/policies/attachments.py)
    Rule("volume:attachment_create", MEMBER, "Attach a volume to a server.", (("POST", NOVA),)),
    Rule("volume:attachment_delete", MEMBER, "Detach a volume from a server.",
         (("DELETE", f"{NOVA}/{{volume_id}}"),)),
    # Nova's os-volume_attachments (nova/policies/volumes_attachments.py)
    Rule("os_compute_api:os-volumes-attachments:index", READER, "List the volumes attached to a server.",
         (("GET", NOVA),)),
    Rule("os_compute_api:os-volumes-attachments:show", READER, "Show a volume attached to a server.",
         (("GET", f"{NOVA}/{{volume_id}}"),)),
    Rule("os_compute_api:os-volumes-attachments:create", MEMBER, "Attach a volume to a server.",
         (("POST", NOVA),)),
    Rule("os_compute_api:os-volumes-attachments:delete", MEMBER, "Detach a volume from a server.",
         (("DELETE", f"{NOVA}/{{volume_id}}"),)),
    Rule("os_compute_api:os-volumes-attachments:update", MEMBER,
         "Change a volume attachment's delete_on_termination (2.85).", (("PUT", f"{NOVA}/{{volume_id}}"),)),
    Rule("os_compute_api:os-volumes-attachments:swap", ADMIN,
         "Swap the volume of an attachment (what Cinder calls while migrating a volume).",
         (("PUT", f"{NOVA}/{{volume_id}}"),)),
)
