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
        r"tempest\.api\.compute\.test_versions",
        r"tempest\.api\.compute\.test_quotas",
        r"tempest\.api\.compute\.flavors\.",
        r"tempest\.api\.compute\.keypairs\.test_keypairs\.",
        r"tempest\.api\.compute\.keypairs\.test_keypairs_negative",
        r"tempest\.api\.compute\.limits\.",
        r"tempest\.api\.compute\.servers\.test_create_server\.ServersTestJSON\.",
        r"tempest\.api\.compute\.servers\.test_servers\.",
        r"tempest\.api\.compute\.servers\.test_servers_negative\.",
        r"tempest\.api\.compute\.servers\.test_list_server_filters",
        r"tempest\.api\.compute\.servers\.test_list_servers_negative",
        r"tempest\.api\.compute\.servers\.test_server_metadata",
        r"tempest\.api\.compute\.servers\.test_delete_server",
        r"tempest\.api\.compute\.servers\.test_server_actions",
        r"tempest\.api\.compute\.servers\.test_server_addresses",
        r"tempest\.api\.compute\.servers\.test_availability_zone",
        r"tempest\.api\.compute\.admin\.test_flavors\.",
        r"tempest\.api\.compute\.admin\.test_flavors_access",
        r"tempest\.api\.compute\.admin\.test_flavors_extra_specs",
        r"tempest\.api\.compute\.admin\.test_quotas\.",
        r"tempest\.api\.compute\.admin\.test_quotas_negative",
        r"tempest\.api\.compute\.admin\.test_availability_zone",
        r"tempest\.api\.compute\.admin\.test_hypervisor\.",
        r"tempest\.api\.compute\.admin\.test_simple_tenant_usage\.",
        r"tempest\.api\.compute\.volumes\.test_attach_volume\.AttachVolumeTestJSON",
        r"tempest\.api\.compute\.servers\.test_instance_actions",
        r"tempest\.api\.compute\.servers\.test_server_group",
        r"tempest\.api\.compute\.servers\.test_attach_interfaces",
        r"tempest\.api\.compute\.servers\.test_server_rescue",
        r"tempest\.api\.compute\.admin\.test_servers\.",
        r"tempest\.api\.compute\.admin\.test_servers_negative",
        r"tempest\.api\.compute\.admin\.test_services",
        r"tempest\.api\.compute\.admin\.test_hypervisor_negative",
        r"tempest\.api\.compute\.admin\.test_migrations\.MigrationsAdminTest\.test_list_migrations$",
        r"tempest\.api\.compute\.admin\.test_aggregates_negative",
        r"tempest\.api\.compute\.servers\.test_server_tags",
        r"tempest\.api\.compute\.test_extensions",
    ), expected_failures={
        # (lock/unlock, rebuild, hypervisor uptime/servers/search, quota classes and the v2.0 version entry
        # are served now: their expected failures are gone)
        # Found by the first tempest run of the widened selection, at the end of the session that widened it
        # (not investigated yet):
        **{f"tempest.api.compute.admin.test_servers.ServersAdminTestJSON.test_list_servers_by_admin_with_{t}":
           "the admin's server list with all_tenants / tenant_id filters differs from Nova's (not investigated)"
           for t in ("all_tenants", "specified_tenant")},
        **{f"tempest.api.compute.servers.test_server_rescue.ServerRescueTestJSONUnderV235.test_rescued_vm_{t}":
           "security groups and floating IPs of a rescued server (not investigated)"
           for t in ("add_remove_security_group", "associate_dissociate_floating_ip")},
        "tempest.api.compute.servers.test_server_actions.ServerActionsV293TestJSON":
            "2.93's volume-backed rebuild is served (tests/cloud/test_compute_boot_from_volume.py), but the test "
            "logs into the guest over SSH before and after, which the fake driver's guests do not answer",
        "tempest.api.compute.servers.test_attach_interfaces.AttachInterfacesUnderV243Test.test_add_remove_fixed_ip":
            "the deprecated addFixedIp/removeFixedIp actions (before 2.44) are not implemented; os-interface is",
    }, conf="lab.cloud.compute.tempest:conf",
)
