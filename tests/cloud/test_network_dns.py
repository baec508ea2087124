"""Neutron's DNS integration (issue 16): a port's `dns_name` and `dns_domain`, a network's `dns_domain`, the
`dns_assignment` each port reports, neutron-lib's validation of the names, and floating IPs' DNS attributes read
empty as in a Neutron without an external DNS service (each answer checked against Neutron's shapes)."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.cloud.network_helpers import N, assert_neutron_error, create, network_with_subnet, public_network
from tests.cloud.network_schemas import assert_network_schema


def test_port_dns_name_and_assignment(client: TestClient, as_demo: dict) -> None:
    """A named port's host name and FQDN are its dns_name in the lab's domain; an unnamed one's come from its
    address; the name can be changed and cleared."""
    net, _sub = network_with_subnet(client, as_demo, "10.81.0.0/24")
    r = client.post(f"{N}/ports", headers=as_demo, json={"port": {"network_id": net["id"], "dns_name": "web-1"}})
    assert_network_schema("create_port", r)
    port = r.json()["port"]
    address = port["fixed_ips"][0]["ip_address"]
    assert port["dns_name"] == "web-1" and port["dns_domain"] == ""
    assert port["dns_assignment"] == [{"ip_address": address, "hostname": "web-1",
                                       "fqdn": "web-1.openstacklocal."}]
    r = client.put(f"{N}/ports/{port['id']}", headers=as_demo, json={"port": {"dns_name": "",
                                                                            "dns_domain": "example.org."}})
    assert_network_schema("update_port", r)
    host = "host-" + address.replace(".", "-")
    assert r.json()["port"]["dns_assignment"][0] == {"ip_address": address, "hostname": host,
                                                     "fqdn": f"{host}.openstacklocal."}
    assert r.json()["port"]["dns_domain"] == "example.org."
    listed = client.get(f"{N}/ports", params={"dns_name": "web-1"}, headers=as_demo).json()["ports"]
    assert listed == []


def test_network_dns_domain(client: TestClient, as_demo: dict) -> None:
    """A network keeps its dns_domain, an FQDN; the attribute reads "" when unset."""
    r = client.post(f"{N}/networks", headers=as_demo, json={"network": {"name": "dnsnet",
                                                                        "dns_domain": "lab.example.org."}})
    assert_network_schema("create_network", r)
    assert r.json()["network"]["dns_domain"] == "lab.example.org."
    other = create(client, as_demo, "networks", name="plain")
    assert other["dns_domain"] == ""
    bad = client.put(f"{N}/networks/{other['id']}", headers=as_demo, json={"network": {"dns_domain": "example.org"}})
    assert_neutron_error(bad, 400, "HTTPBadRequest",
                         "Invalid input for dns_domain. Reason: 'example.org' is not a FQDN.")


def test_bad_dns_names_are_400(client: TestClient, as_demo: dict) -> None:
    """neutron-lib's wording for a name with an underscore, a leading hyphen and an all-numeric TLD."""
    net = create(client, as_demo, "networks", name="dnsbad")
    for name, reason in (("web_1", "Name 'web_1' must be 1-63 characters long, each of which can only be "
                                   "alphanumeric or a hyphen"),
                         ("-web", "Name '-web' must not start or end with a hyphen"),
                         ("web.123", "TLD '123' must not be all numeric")):
        r = client.post(f"{N}/ports", headers=as_demo, json={"port": {"network_id": net["id"], "dns_name": name}})
        assert_neutron_error(r, 400, "HTTPBadRequest", f"Invalid input for dns_name. Reason: '{name}' not a valid "
                                                       f"PQDN or FQDN. Reason: {reason}.")
    assert client.get(f"{N}/ports", params={"network_id": net["id"]}, headers=as_demo).json()["ports"] == []


def test_floating_ip_dns_without_a_dns_service(client: TestClient, as_demo: dict) -> None:
    """A floating IP's dns_name is checked (a relative name) and, with no external DNS service, not kept."""
    public = public_network(client, as_demo)
    fqdn = client.post(f"{N}/floatingips", headers=as_demo, json={"floatingip": {
        "floating_network_id": public["id"], "dns_name": "www.", "dns_domain": "example.org."}})
    assert_neutron_error(fqdn, 400, "HTTPBadRequest")
    r = client.post(f"{N}/floatingips", headers=as_demo, json={"floatingip": {
        "floating_network_id": public["id"], "dns_name": "www", "dns_domain": "example.org."}})
    assert_network_schema("create_floatingip", r)
    assert (r.json()["floatingip"]["dns_name"], r.json()["floatingip"]["dns_domain"]) == ("", "")
    aliases = {e["alias"] for e in client.get(f"{N}/extensions", headers=as_demo).json()["extensions"]}
    assert {"dns-integration", "dns-domain-ports"} <= aliases
