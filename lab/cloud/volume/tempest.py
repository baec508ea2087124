"""The tempest suite of the volume service: the tempest.api.volume tests that must pass against a live lab
(tests/tempest/test_tempest.py runs every plugin's suite), what still fails and why, and the tempest.conf
options the service needs."""

from __future__ import annotations

from lab.cloud.plugin import AdminGet, Tempest


def conf(get: AdminGet) -> dict[str, dict[str, str]]:
    return {
        "volume": {"catalog_type": "block-storage", "build_interval": "1", "build_timeout": "60",
                   "volume_size": "1", "volume_size_extend": "1", "min_microversion": "3.0",
                   "max_microversion": "3.0", "storage_protocol": "file", "vendor_name": "StackLab"},
        "volume-feature-enabled": {"snapshot": "true", "clone": "true", "backup": "false",
                                   "manage_volume": "false", "manage_snapshot": "false", "multi_backend": "false",
                                   "extend_attached_volume": "false", "api_extensions": "",
                                   "extend_volume_with_snapshot": "true"},
    }


TEMPEST = Tempest(
    "volume", "block-storage", "cinder", (
        r"tempest\.api\.volume\.test_versions",
        r"tempest\.api\.volume\.test_availability_zone",
        r"tempest\.api\.volume\.test_volumes_get",
        r"tempest\.api\.volume\.test_volumes_list",
        r"tempest\.api\.volume\.test_volumes_actions",
        r"tempest\.api\.volume\.test_volumes_extend",
        r"tempest\.api\.volume\.test_volumes_negative",
        r"tempest\.api\.volume\.test_volumes_snapshots\.",
        r"tempest\.api\.volume\.test_volumes_snapshots_list",
        r"tempest\.api\.volume\.test_volumes_snapshots_negative",
        r"tempest\.api\.volume\.test_volume_metadata",
        r"tempest\.api\.volume\.test_snapshot_metadata",
        r"tempest\.api\.volume\.test_volume_absolute_limits",
        r"tempest\.api\.volume\.test_volumes_clone\.",
        r"tempest\.api\.volume\.test_volume_delete_cascade",
    ), expected_failures={
        "tempest.api.volume.test_volumes_actions.VolumesActionsTest.test_volume_upload":
            "os-volume_upload_image (volume to Glance image) is not implemented",
    }, conf="lab.cloud.volume.tempest:conf",
)
