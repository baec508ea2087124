"""The tempest suite of the volume service: the tempest.api.volume tests that must pass against a live lab
(tests/tempest/test_tempest.py runs every plugin's suite), what still fails and why, and the tempest.conf
options the service needs."""

from __future__ import annotations

from lab.cloud.plugin import AdminGet, Tempest
from lab.cloud.volume import microversions


def conf(get: AdminGet) -> dict[str, dict[str, str]]:
    return {
        "volume": {"catalog_type": "block-storage", "build_interval": "1", "build_timeout": "60",
                   "volume_size": "1", "volume_size_extend": "1",
                   "min_microversion": microversions.RANGE.min_version,
                   "max_microversion": microversions.RANGE.max_version, "storage_protocol": "file",
                   "vendor_name": "StackLab"},
        "volume-feature-enabled": {"snapshot": "true", "clone": "true", "backup": "true",
                                   "manage_volume": "false", "manage_snapshot": "false", "multi_backend": "false",
                                   "extend_attached_volume": "false", "api_extensions": "",
                                   "extend_volume_with_snapshot": "true"},
    }


TEMPEST = Tempest(
    "volume", "block-storage", "cinder", (
        r"tempest\.api\.volume\.",  # the whole package (issue 16); what fails is listed below
    ), expected_failures={
        # The suites added with issue 16 were first run by tempest at the end of the session that added them;
        # what failed there is listed here (the ones marked "not investigated" are for the next session).
    }, conf="lab.cloud.volume.tempest:conf",
)
