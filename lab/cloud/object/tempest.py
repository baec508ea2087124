"""The tempest suite of object storage: the tempest.api.object_storage tests that must pass against a live lab
(tests/tempest/test_tempest.py runs every plugin's suite), what still fails and why, and the tempest.conf
options the service needs."""

from __future__ import annotations

from lab.cloud.plugin import AdminGet, Tempest


def conf(get: AdminGet) -> dict[str, dict[str, str]]:
    """Swift with the middleware /info lists: the lab's member role operates an account (Swift's
    operator_roles), its admin is the reseller admin; no container sync."""
    return {
        "object-storage": {"operator_role": "member", "reseller_admin_role": "admin",
                           "region": "RegionOne", "endpoint_type": "public"},
        "object-storage-feature-enabled": {"container_sync": "false", "object_versioning": "true",
                                           "discoverability": "true", "tempurl_digest_hashlib": "sha256",
                                           "discoverable_apis": "account_quotas,container_quotas,bulk_delete,"
                                                                "bulk_upload,dlo,slo,tempurl,versioned_writes,"
                                                                "formpost,staticweb,crossdomain,object_versioning"},
    }


_MISSING = "the lab does not implement this Swift middleware"

TEMPEST = Tempest(
    "object_storage", "object-store", "swift", (r"tempest\.api\.object_storage\.",), expected_failures={
        # The ones below are skipped (discoverable_apis does not list them); listed so the reason is written down.
        "tempest.api.object_storage.test_container_sync": f"{_MISSING} (container sync: one cluster only)",
        "tempest.api.object_storage.test_container_sync_middleware": f"{_MISSING} (container sync)",
        "tempest.api.object_storage.test_object_symlink": f"{_MISSING} (symlinks)",
    }, conf="lab.cloud.object.tempest:conf",
)
