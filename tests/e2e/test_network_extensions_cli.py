"""Neutron's QoS, DNS integration and port forwarding with the real `openstack` CLI against a live cloud: the
admin's `network qos policy/rule create`, a member binding the shared policy to a port made with a DNS name,
and `floating ip port forwarding create/list` on a floating IP of the member's."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import LiveCloud

pytestmark = pytest.mark.e2e


def cli(live: LiveCloud, *args: str, user: str = "admin", project: str | None = None) -> Any:
    out = live.openstack(*args, "-f", "json", user=user, project=project).stdout
    return json.loads(out) if out.strip() else None


def test_qos_dns_and_port_forwarding(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """A shared bandwidth-limit policy bound to a port named `web`, whose DNS assignment follows the name, and
    SSH to it through port 2222 of a floating IP."""
    policy = unique("gold")
    policy_id = cli(live_cloud, "network", "qos", "policy", "create", "--share", policy)["id"]
    rule = cli(live_cloud, "network", "qos", "rule", "create", "--type", "bandwidth-limit", "--max-kbps", "10000",
               "--max-burst-kbits", "8000", "--egress", policy)
    assert (rule["max_kbps"], rule["direction"]) == (10000, "egress")
    port_name = unique("web")
    port = cli(live_cloud, "port", "create", "--network", "private", "--qos-policy", policy, "--dns-name", "web",
               port_name, user="demo", project="demo")
    address = port["fixed_ips"][0]["ip_address"]
    assert port["qos_policy_id"] == policy_id
    assert port["dns_assignment"] == [{"ip_address": address, "hostname": "web", "fqdn": "web.openstacklocal."}]
    rules = cli(live_cloud, "network", "qos", "rule", "list", policy, user="demo", project="demo")
    assert [(r["Type"], r["Max Kbps"]) for r in rules] == [("bandwidth_limit", 10000)]

    fip = cli(live_cloud, "floating", "ip", "create", "public", user="demo", project="demo")["id"]
    cli(live_cloud, "floating", "ip", "port", "forwarding", "create", "--internal-ip-address", address,
        "--port", port["id"], "--internal-protocol-port", "22", "--external-protocol-port", "2222",
        "--protocol", "tcp", fip, user="demo", project="demo")
    listed = cli(live_cloud, "floating", "ip", "port", "forwarding", "list", fip, user="demo", project="demo")
    assert [(f["Internal IP Address"], f["Internal Port"], f["External Port"]) for f in listed] == [
        (address, 22, 2222)]
    refused = live_cloud.openstack("network", "qos", "policy", "delete", policy, check=False)
    assert refused.returncode == 1 and "is used by port" in refused.stderr


def test_nova_names_the_servers_ports(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """With DNS integration Nova gives the ports it makes or binds the server's hostname as `dns_name` (so
    `dns_assignment` names the server), clears it when it lets a port go, and refuses a port whose
    `dns_name` is another name (PortNotUsableDNS)."""
    name = unique("Web_Server")
    hostname = name.lower().replace("_", "-")
    server = cli(live_cloud, "server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--network", "private",
                 "--wait", name, user="demo")
    ports = cli(live_cloud, "port", "list", "--server", server["id"], "--long", user="demo")
    assert len(ports) == 1
    port = cli(live_cloud, "port", "show", ports[0]["ID"], user="demo")
    assert port["dns_name"] == hostname
    assert [a["hostname"] for a in port["dns_assignment"]] == [hostname]
    assert port["dns_assignment"][0]["fqdn"] == f"{hostname}.openstacklocal."

    other = cli(live_cloud, "port", "create", "--network", "private", "--dns-name", "not-the-host", unique("p"),
                user="demo")
    refused = live_cloud.openstack("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--port",
                                   other["id"], unique("clash"), user="demo", check=False)
    assert refused.returncode != 0 and "does not match instance's hostname" in refused.stderr
    live_cloud.openstack("port", "set", "--dns-name", "", other["id"], user="demo")
    handed = unique("handed")
    cli(live_cloud, "server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--port", other["id"],
        "--wait", handed, user="demo")
    assert cli(live_cloud, "port", "show", other["id"], user="demo")["dns_name"] == handed.lower()
    live_cloud.openstack("server", "delete", "--wait", handed, server["id"], user="demo")
    kept = cli(live_cloud, "port", "show", other["id"], user="demo")
    assert kept["device_id"] == "" and kept["dns_name"] == ""
    live_cloud.openstack("port", "delete", other["id"], user="demo")
