"""The tempest suite of the network service: the tempest.api.network tests that must pass against a live lab
(tests/tempest/test_tempest.py runs every plugin's suite), what still fails and why, and the tempest.conf
options the service needs."""

from __future__ import annotations

from lab.cloud.network.extensions import EXTENSIONS as SERVICE_EXTENSIONS
from lab.cloud.plugin import AdminGet, Tempest

# The extensions tempest may test: every one the lab's Neutron lists (network/extensions.py).
EXTENSIONS = tuple(alias for alias, _name, _description in SERVICE_EXTENSIONS)


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
    "network", "network", "neutron", (r"tempest\.api\.network\.",), expected_failures={},
    conf="lab.cloud.network.tempest:conf",
)
