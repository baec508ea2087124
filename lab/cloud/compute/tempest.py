"""The tempest suite of the compute service: the tempest.api.compute tests that must pass against a live lab
(tests/tempest/test_tempest.py runs every plugin's suite), what still fails and why, and the tempest.conf
options the service needs."""

from __future__ import annotations

from lab.cloud.compute import microversions
from lab.cloud.plugin import AdminGet, Tempest

# The scheduler filters this cloud honours (server_groups.py, hosts.py), as tempest.conf names Nova's.
FILTERS = "ComputeFilter,ServerGroupAffinityFilter,ServerGroupAntiAffinityFilter"


def conf(get: AdminGet) -> dict[str, dict[str, str]]:
    """Nova at microversions 2.1-2.93 (tempest runs each test at the lowest version it needs) with the fake
    driver: the bootstrap cirros image and m1.tiny / m1.nano, quick builds, the actions the fake driver does
    (pause, suspend, shelve, rescue, password changes), and not what a one-host cloud or a simulated guest
    cannot (SSH, migrations, consoles, backups through the compute images API...)."""
    image = get("/image/v2/images?name=cirros")["images"][0]["id"]
    # `snapshot` gates tests of createBackup and of Nova's deprecated /images proxy, neither served here
    # (createImage itself works: tests/e2e/test_compute_actions_cli.py).
    disabled = ("shelve_migrate", "cold_migration",
                "live_migration", "metadata_service", "vnc_console", "spice_console", "serial_console",
                "stable_rescue", "snapshot",
                "personality", "attach_encrypted_volume", "config_drive", "swap_volume",
                "volume_backed_live_migration", "volume_multiattach", "block_migration_for_live_migration",
                "disk_config")
    return {
        "compute": {"image_ref": image, "image_ref_alt": image, "flavor_ref": "1", "flavor_ref_alt": "42",
                    "build_interval": "1", "build_timeout": "60", "min_compute_nodes": "1",
                    "min_microversion": microversions.RANGE.min_version,
                    "max_microversion": microversions.RANGE.max_version},
        "compute-feature-enabled": {**{name: "false" for name in disabled}, "resize": "true",
                                    "pause": "true", "suspend": "true", "shelve": "true", "rescue": "true",
                                    "change_password": "true", "interface_attach": "true",
                                    "enable_instance_password": "true",
                                    "console_output": "true",
                                    "scheduler_enabled_filters": FILTERS},
    }


TEMPEST = Tempest(
    "compute", "compute", "nova", (
        # The whole of tempest.api.compute (about 480 tests, about 150 s at concurrency 2 on the fake driver);
        # what still fails is listed below with its reason.
        r"tempest\.api\.compute\.",
    ), expected_failures={
        # Nova's proxy APIs to the network, volume and image services (removed at 2.36, which tempest runs at
        # 2.1): the lab serves the services themselves (Neutron, Cinder, Glance), not Nova's copies of them.
        # (their negative tests that expect a 404 pass, so the failing ones are named one by one)
        **{f"tempest.api.compute.security_groups.{t}": "os-security-groups / os-security-group-rules (Nova's "
           "proxy to Neutron, removed at 2.36) are not served; use the network API" for t in (
               "test_security_group_rules.SecurityGroupRulesTestJSON",
               "test_security_groups.SecurityGroupsTestJSON",
               *(f"test_security_group_rules_negative.SecurityGroupRulesNegativeTestJSON.test_create_security_group_"
                 f"rule_{c}$" for c in ("duplicate", "with_invalid_from_port", "with_invalid_id",
                                        "with_invalid_ip_protocol", "with_invalid_port_range", "with_invalid_to_port")),
               "test_security_groups_negative.SecurityGroupsNegativeTestJSON.test_delete_the_default_security_group$")},
        "tempest.api.compute.admin.test_security_groups.": "os-security-groups (Nova's proxy to Neutron, removed "
            "at 2.36) is not served",
        **{f"tempest.api.compute.floating_ips.{t}": "os-floating-ips and the addFloatingIp/removeFloatingIp "
           "actions (Nova's proxy to Neutron, removed at 2.36/2.44) are not served" for t in (
               "test_floating_ips_actions.", "test_list_floating_ips.", "test_floating_ips_actions_negative."
               "FloatingIPsNegativeTestJSON", *(f"test_floating_ips_actions_negative.FloatingIPsAssociationNegative"
                                                f"TestJSON.test_{c}$" for c in (
                   "associate_ip_to_server_with_floating_ip", "associate_nonexistent_floating_ip",
                   "dissociate_nonexistent_floating_ip")))},
        **{f"tempest.api.compute.servers.test_server_rescue.ServerRescueTestJSONUnderV235.test_rescued_vm_{t}":
           "uses Nova's os-security-groups / os-floating-ips proxies (removed at 2.36), not served"
           for t in ("add_remove_security_group", "associate_dissociate_floating_ip")},
        "tempest.api.compute.admin.test_networks.": "os-networks (Nova's proxy to Neutron, removed at 2.36) is "
            "not served",
        "tempest.api.compute.test_tenant_networks.": "os-tenant-networks (Nova's proxy to Neutron, removed at "
            "2.36) is not served",
        **{f"tempest.api.compute.volumes.{t}": "os-volumes (Nova's proxy to Cinder, removed at 2.36) is not "
           "served; os-volume_attachments is" for t in (
               "test_volumes_get.", "test_volumes_list.", *(f"test_volumes_negative.VolumesNegativeTest.test_create_"
                                                            f"volume_{c}$" for c in (
                   "with_invalid_size", "with_size_zero", "without_passing_size")))},
        "tempest.api.compute.volumes.test_volume_snapshots.": "os-snapshots (Nova's proxy to Cinder, removed at "
            "2.36) is not served",
        "tempest.api.compute.admin.test_volumes_negative.": "uses os-volumes (Nova's proxy to Cinder, removed at "
            "2.36), not served",
        "tempest.api.compute.images.test_list_images.": "/images (Nova's proxy to Glance, removed at 2.36) is not "
            "served",
        "tempest.api.compute.images.test_image_metadata.": "/images/{id}/metadata (Nova's proxy to Glance, removed "
            "at 2.39) is not served",
        "tempest.api.compute.images.test_list_image_filters.": "/images with filters (Nova's proxy to Glance, "
            "removed at 2.36) is not served",
        # APIs this one-host cloud does not serve
        # Lab differences kept on purpose
        "tempest.api.compute.admin.test_simple_tenant_usage_negative.TenantUsagesNegativeTestJSON.test_list_usage_"
            "all_tenants_with_non_admin_user": "GET /os-simple-tenant-usage lists the caller's own project to any "
            "reader here (students' `openstack usage list`), where Nova's is admin-only over every project",
        "tempest.api.compute.servers.test_server_actions.ServerActionsV293TestJSON":
            "2.93's volume-backed rebuild is served (tests/cloud/test_compute_boot_from_volume.py), but the test "
            "logs into the guest over SSH before and after, which the fake driver's guests do not answer",
    }, conf="lab.cloud.compute.tempest:conf",
)
