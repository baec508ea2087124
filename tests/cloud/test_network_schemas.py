"""Every networking response checked against Neutron's shapes (tests/cloud/network_schemas.py: tempest.lib has
no network response schemas, so these follow what tempest's network clients and tests assert and neutron-lib's
attribute definitions), driving the real API as a student and as the admin would."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.cloud.network_helpers import N, public_network
from tests.cloud.network_schemas import PROVIDER, assert_network_schema


def call(client: TestClient, name: str, method: str, path: str, headers: dict[str, str],
         body: dict[str, Any] | None = None, **params: Any) -> Any:
    """One API call, checked against the schema of tempest's client call `name`; the body (None if empty)."""
    r = client.request(method, path, json=body, headers=headers, params=params or None)
    assert_network_schema(name, r)
    return r.json() if r.content else None


def test_versions_and_extensions(client: TestClient, as_demo: dict) -> None:
    call(client, "list_versions", "GET", "/network", as_demo)
    extensions = call(client, "list_extensions", "GET", f"{N}/extensions", as_demo)["extensions"]
    assert {"router", "security-group", "quotas", "standard-attr-tag"} <= {e["alias"] for e in extensions}
    call(client, "show_extension", "GET", f"{N}/extensions/router", as_demo)


def test_networks_subnets_and_ports(client: TestClient, as_demo: dict, as_admin: dict) -> None:
    net = call(client, "create_network", "POST", f"{N}/networks", as_demo,
               {"network": {"name": "schema-net", "description": "d"}})["network"]
    assert not set(PROVIDER) & set(net)  # get_network:provider:* is admin-only
    call(client, "show_network", "GET", f"{N}/networks/{net['id']}", as_demo)
    call(client, "update_network", "PUT", f"{N}/networks/{net['id']}", as_demo, {"network": {"name": "renamed"}})
    call(client, "list_networks", "GET", f"{N}/networks", as_demo)
    as_operator = call(client, "show_network", "GET", f"{N}/networks/{net['id']}", as_admin)["network"]
    assert as_operator["provider:network_type"] == "vxlan" and set(PROVIDER) <= set(as_operator)
    paged = call(client, "list_networks", "GET", f"{N}/networks", as_admin, limit=1)
    assert "networks_links" in paged
    call(client, "bulk_create_networks", "POST", f"{N}/networks", as_demo,
         {"networks": [{"name": "bulk-a"}, {"name": "bulk-b"}]})

    sub = call(client, "create_subnet", "POST", f"{N}/subnets", as_demo, {"subnet": {
        "network_id": net["id"], "cidr": "10.80.0.0/24", "ip_version": 4, "dns_nameservers": ["10.80.0.53"],
        "host_routes": [{"destination": "10.81.0.0/24", "nexthop": "10.80.0.254"}]}})["subnet"]
    call(client, "show_subnet", "GET", f"{N}/subnets/{sub['id']}", as_demo)
    call(client, "update_subnet", "PUT", f"{N}/subnets/{sub['id']}", as_demo, {"subnet": {"name": "s"}})
    call(client, "list_subnets", "GET", f"{N}/subnets", as_demo)
    v6 = call(client, "create_subnet", "POST", f"{N}/subnets", as_demo, {"subnet": {
        "network_id": net["id"], "cidr": "fd00:80::/64", "ip_version": 6, "ipv6_address_mode": "slaac",
        "ipv6_ra_mode": "slaac"}})["subnet"]

    port = call(client, "create_port", "POST", f"{N}/ports", as_demo, {"port": {
        "network_id": net["id"], "allowed_address_pairs": [{"ip_address": "10.80.0.200"}]}})["port"]
    call(client, "show_port", "GET", f"{N}/ports/{port['id']}", as_demo)
    call(client, "update_port", "PUT", f"{N}/ports/{port['id']}", as_demo, {"port": {"name": "p"}})
    call(client, "list_ports", "GET", f"{N}/ports", as_demo)

    call(client, "create_tag", "PUT", f"{N}/networks/{net['id']}/tags/red", as_demo)
    call(client, "check_tag", "GET", f"{N}/networks/{net['id']}/tags/red", as_demo)
    assert call(client, "list_tags", "GET", f"{N}/networks/{net['id']}/tags", as_demo) == {"tags": ["red"]}

    call(client, "delete", "DELETE", f"{N}/ports/{port['id']}", as_demo)
    call(client, "delete", "DELETE", f"{N}/subnets/{v6['id']}", as_demo)
    call(client, "delete", "DELETE", f"{N}/networks/{net['id']}", as_demo)


def test_routers_and_floating_ips(client: TestClient, as_demo: dict) -> None:
    public = public_network(client, as_demo)
    net = call(client, "create_network", "POST", f"{N}/networks", as_demo, {"network": {"name": "fip"}})["network"]
    sub = call(client, "create_subnet", "POST", f"{N}/subnets", as_demo, {"subnet": {
        "network_id": net["id"], "cidr": "10.82.0.0/24", "ip_version": 4}})["subnet"]
    router = call(client, "create_router", "POST", f"{N}/routers", as_demo, {"router": {
        "name": "r", "external_gateway_info": {"network_id": public["id"]}}})["router"]
    assert router["external_gateway_info"]["external_fixed_ips"]
    call(client, "add_router_interface", "PUT", f"{N}/routers/{router['id']}/add_router_interface", as_demo,
         {"subnet_id": sub["id"]})
    call(client, "update_router", "PUT", f"{N}/routers/{router['id']}", as_demo, {"router": {
        "routes": [{"destination": "10.99.0.0/24", "nexthop": "10.82.0.5"}]}})
    call(client, "show_router", "GET", f"{N}/routers/{router['id']}", as_demo)
    call(client, "list_routers", "GET", f"{N}/routers", as_demo)
    bare = call(client, "create_router", "POST", f"{N}/routers", as_demo, {"router": {"name": "bare"}})["router"]
    assert bare["external_gateway_info"] is None

    port = call(client, "create_port", "POST", f"{N}/ports", as_demo, {"port": {"network_id": net["id"]}})["port"]
    fip = call(client, "create_floatingip", "POST", f"{N}/floatingips", as_demo, {"floatingip": {
        "floating_network_id": public["id"]}})["floatingip"]
    assert fip["status"] == "DOWN" and fip["port_id"] is None
    fip = call(client, "update_floatingip", "PUT", f"{N}/floatingips/{fip['id']}", as_demo, {"floatingip": {
        "port_id": port["id"]}})["floatingip"]
    assert fip["router_id"] == router["id"]
    call(client, "show_floatingip", "GET", f"{N}/floatingips/{fip['id']}", as_demo)
    call(client, "list_floatingips", "GET", f"{N}/floatingips", as_demo)

    call(client, "update_router", "PUT", f"{N}/routers/{router['id']}", as_demo, {"router": {"routes": []}})
    call(client, "delete", "DELETE", f"{N}/floatingips/{fip['id']}", as_demo)
    call(client, "remove_router_interface", "PUT", f"{N}/routers/{router['id']}/remove_router_interface", as_demo,
         {"subnet_id": sub["id"]})
    call(client, "delete", "DELETE", f"{N}/routers/{router['id']}", as_demo)


def test_security_groups_and_rules(client: TestClient, as_demo: dict) -> None:
    groups = call(client, "list_security_groups", "GET", f"{N}/security-groups", as_demo)["security_groups"]
    assert [g["name"] for g in groups] == ["default"]
    group = call(client, "create_security_group", "POST", f"{N}/security-groups", as_demo, {"security_group": {
        "name": "web", "description": "w"}})["security_group"]
    call(client, "show_security_group", "GET", f"{N}/security-groups/{group['id']}", as_demo)
    call(client, "update_security_group", "PUT", f"{N}/security-groups/{group['id']}", as_demo,
         {"security_group": {"description": "web servers"}})
    rule = call(client, "create_security_group_rule", "POST", f"{N}/security-group-rules", as_demo,
                {"security_group_rule": {"security_group_id": group["id"], "direction": "ingress",
                                         "protocol": "tcp", "port_range_min": 80, "port_range_max": 80,
                                         "remote_ip_prefix": "0.0.0.0/0"}})["security_group_rule"]
    assert rule["belongs_to_default_sg"] is False
    call(client, "show_security_group_rule", "GET", f"{N}/security-group-rules/{rule['id']}", as_demo)
    rules = call(client, "list_security_group_rules", "GET", f"{N}/security-group-rules", as_demo)
    assert any(r["belongs_to_default_sg"] for r in rules["security_group_rules"])
    call(client, "delete", "DELETE", f"{N}/security-group-rules/{rule['id']}", as_demo)
    call(client, "delete", "DELETE", f"{N}/security-groups/{group['id']}", as_demo)


def test_quotas(client: TestClient, as_demo: dict, as_admin: dict) -> None:
    project = client.get(f"{N}/networks", params={"name": "private"}, headers=as_demo).json()["networks"][0][
        "project_id"]
    call(client, "show_quotas", "GET", f"{N}/quotas/{project}", as_demo)
    details = call(client, "show_quota_details", "GET", f"{N}/quotas/{project}/details", as_demo)["quota"]
    assert details["network"]["used"] >= 1  # demo's `private`
    call(client, "show_default_quotas", "GET", f"{N}/quotas/{project}/default", as_demo)
    updated = call(client, "update_quotas", "PUT", f"{N}/quotas/{project}", as_admin,
                   {"quota": {"network": 7, "port": "-1"}})["quota"]
    assert updated["network"] == 7 and updated["port"] == -1
    listed = call(client, "list_quotas", "GET", f"{N}/quotas", as_admin)["quotas"]
    assert [q["network"] for q in listed if q["project_id"] == project] == [7]
    call(client, "reset_quotas", "DELETE", f"{N}/quotas/{project}", as_admin)
    assert call(client, "list_quotas", "GET", f"{N}/quotas", as_admin) == {"quotas": []}
