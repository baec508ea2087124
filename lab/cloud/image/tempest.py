"""The tempest suite of the image service: the tempest.api.image tests that must pass against a live lab
(tests/tempest/test_tempest.py runs every plugin's suite), what still fails and why, and the tempest.conf
options the service needs."""

from __future__ import annotations

from lab.cloud.plugin import AdminGet, Tempest


def conf(get: AdminGet) -> dict[str, dict[str, str]]:
    return {
        "image": {"build_interval": "1", "build_timeout": "60", "container_formats": "bare,ovf,ami,ari,aki",
                  "disk_formats": "qcow2,raw,ami,ari,aki,vhd,vmdk,vdi,iso"},
        "image-feature-enabled": {"api_v2": "true", "image_format_enforcement": "false", "import_image": "false",
                                  "os_glance_reserved": "false", "manage_locations": "false",
                                  "image_conversion": "false", "do_secure_hash": "true"},
    }


TEMPEST = Tempest(
    "image", "image", "glance", (
        r"tempest\.api\.image\.v2\.test_versions",
        r"tempest\.api\.image\.v2\.test_images\.",
        r"tempest\.api\.image\.v2\.test_images_negative",
        r"tempest\.api\.image\.v2\.test_images_tags",
        r"tempest\.api\.image\.v2\.test_images_member\.",
        r"tempest\.api\.image\.v2\.test_images_member_negative",
        r"tempest\.api\.image\.v2\.admin\.test_images_metadefs_",
    ), expected_failures={}, conf="lab.cloud.image.tempest:conf",
)
