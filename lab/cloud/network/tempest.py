"""The tempest suite of the network service: the tempest.api.network tests that must pass against a live lab
(tests/tempest/test_tempest.py runs every plugin's suite), what still fails and why, and the tempest.conf
options the service needs."""

from __future__ import annotations

from lab.cloud.plugin import AdminGet, Tempest

EXTENSIONS = ("external-net", "router", "ext-gw-mode", "extraroute", "extraroute-atomic", "security-group",
                      "quotas", "quota_details", "allowed-address-pairs", "port-security", "provider", "net-mtu",
                      "standard-attr-description", "standard-attr-tag", "standard-attr-timestamp", "project-id",
                      "pagination", "sorting")


def conf(get: AdminGet) -> dict[str, dict[str, str]]:
    """Neutron with the bootstrap `public` network; tempest gives each test project its own network, subnet and
    router (as DevStack does), so servers and floating IPs have somewhere to live."""
    public = get("/network/v2.0/networks?name=public")["networks"][0]["id"]
    return {
        "auth": {"create_isolated_networks": "true"},
        "network": {"public_network_id": public, "floating_network_name": "public",
                    "project_network_cidr": "10.100.0.0/16", "project_network_mask_bits": "28",
                    "build_interval": "1", "build_timeout": "60"},
        "network-feature-enabled": {"api_extensions": ",".join(EXTENSIONS), "ipv6": "false",
                                    "port_security": "true", "floating_ips": "true",
                                    "port_admin_state_change": "true"},
    }


TEMPEST = Tempest(
    "network", "network", "neutron", (
        r"tempest\.api\.network\.test_versions",
        r"tempest\.api\.network\.test_extensions",
        r"tempest\.api\.network\.test_networks\.",
        r"tempest\.api\.network\.test_networks_negative",
        r"tempest\.api\.network\.test_ports\.",
        r"tempest\.api\.network\.test_routers\.",
        r"tempest\.api\.network\.test_routers_negative",
        r"tempest\.api\.network\.test_floating_ips\.",
        r"tempest\.api\.network\.test_floating_ips_negative",
        r"tempest\.api\.network\.test_security_groups\.",
        r"tempest\.api\.network\.test_security_groups_negative",
        r"tempest\.api\.network\.test_allowed_address_pair",
        r"tempest\.api\.network\.test_tags",
    ), expected_failures={
        "tempest.api.network.test_tags.TagsExtTest":
            "the class setup creates a subnet pool; subnet pools are not implemented",
    }, conf="lab.cloud.network.tempest:conf",
)
