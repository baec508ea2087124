"""Cinder's `GET /v3/{project_id}/extensions` and the microversions of the generic volume groups' APIs.

Horizon asks both on every Volumes page: the extension list to learn whether availability zones may be chosen
("AvailabilityZones"), and the groups list for the Groups column and panels. The lab lists the extensions whose
APIs it serves (names, aliases and descriptions as Cinder's contrib modules have them). Generic volume groups
(groups.py) are served from the microversion that brought each (3.11 group types, 3.13 groups, 3.14 group
snapshots and groups from a source, 3.19 and 3.20 their reset-status; below, Cinder's 404).
"""

from __future__ import annotations

from typing import Any

from lab.cloud.microversion import Version

UPDATED = "2013-06-27T00:00:00+00:00"
# (name, alias, description): the contrib extensions whose routes this lab serves.
EXTENSIONS = (
    ("AdminActions", "os-admin-actions", "Enable admin actions."),
    ("AvailabilityZones", "os-availability-zone", "Describe Availability Zones."),
    ("Backups", "backups", "Backups support."),
    ("ExtendedSnapshotAttributes", "os-extended-snapshot-attributes", "Extended SnapshotAttributes support."),
    ("Qos_specs_manage", "qos-specs", "QoS specs support."),
    ("Quotas", "os-quota-sets", "Quota management support."),
    ("SchedulerStats", "scheduler-stats", "Scheduler stats support."),
    ("Services", "os-services", "Services support."),
    ("TypesManage", "os-types-manage", "Types manage support."),
    ("TypesExtraSpecs", "os-types-extra-specs", "Type extra specs support."),
    ("VolumeActions", "os-volume-actions", "Enable volume actions."),
    ("VolumeHostAttribute", "os-vol-host-attr", "Expose host as an attribute of a volume."),
    ("VolumeTenantAttribute", "os-vol-tenant-attr", "Expose the internal project_id as an attribute of a volume."),
    ("VolumeTransfer", "os-volume-transfer", "Volume transfer management support."),
    ("VolumeTypeAccess", "os-volume-type-access", "Volume type access support."),
)

GROUP_TYPES = Version(3, 11)
GROUPS = Version(3, 13)
GROUP_SNAPSHOTS = Version(3, 14)
GROUP_SNAPSHOT_RESET_STATUS = Version(3, 19)
GROUP_RESET_STATUS = Version(3, 20)
GROUP_VOLUME_LIST = Version(3, 25)


def extensions() -> dict[str, Any]:
    return {"extensions": [{"alias": alias, "description": text, "links": [], "name": name, "updated": UPDATED}
                           for name, alias, text in EXTENSIONS]}
