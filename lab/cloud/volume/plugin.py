"""The block storage service (Cinder v3) as the cloud sees it: see lab/cloud/plugin.py."""

from lab.cloud.plugin import CatalogEntry, Meter, Plugin, Screen, ServiceSpec
from lab.cloud.volume import backups, groups, microversions, snapshots, volume_changes, volumes
from lab.cloud.volume.policies import RULES
from lab.cloud.volume.quotas import RESOURCES
from lab.cloud.volume.tempest import TEMPEST

PLUGIN = Plugin(
    spec=ServiceSpec("volume", "/volume", "nova",
                     (CatalogEntry("block-storage", "cinder", "/volume/v3/$(project_id)s"),
                      CatalogEntry("volumev3", "cinder", "/volume/v3/$(project_id)s")), microversions.RANGE),
    service="lab.cloud.volume.service:VolumeService",
    routes="lab.cloud.volume.routes",
    policies=RULES,
    quotas=RESOURCES,
    meters=(Meter("volume", "size", "volumes", "0.10", "GB-month"),
            Meter("snapshot", "size", "snapshots", "0.05", "GB-month"),
            Meter("backup", "size", "backups", "0.02", "GB-month")),
    jobs={**volumes.JOBS, **snapshots.JOBS, **backups.JOBS, **volume_changes.JOBS, **groups.JOBS},
    screens=(Screen("volumes", "Volumes", "lab.tui.screens.volumes:VolumesScreen",
                    frozenset({"block-storage", "volumev3"}), order=50),),
    tempest=TEMPEST,
)
