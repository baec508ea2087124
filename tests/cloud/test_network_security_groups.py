"""Neutron security groups and rules: the default group with its rules, new groups' egress rules, rule
validation with Neutron's errors, cascade on delete, in-use and default-group protection."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.cloud.network_helpers import N, assert_neutron_error, create, network_with_subnet


def _rules(client: TestClient, headers: dict, sg_id: str) -> list[dict]:
    r = client.get(f"{N}/security-group-rules", params={"security_group_id": sg_id}, headers=headers)
    return r.json()["security_group_rules"]  # type: ignore[no-any-return]


def test_default_group_made_on_first_use_with_neutrons_rules(client: TestClient, as_demo: dict) -> None:
    groups = client.get(f"{N}/security-groups", headers=as_demo).json()["security_groups"]
    assert [g["name"] for g in groups] == ["default"]
    rules = {(r["direction"], r["ethertype"], r["remote_group_id"]) for r in groups[0]["security_group_rules"]}
    sg = groups[0]["id"]
    assert rules == {("egress", "IPv4", None), ("egress", "IPv6", None), ("ingress", "IPv4", sg),
                     ("ingress", "IPv6", sg)}
    again = client.get(f"{N}/security-groups", headers=as_demo).json()["security_groups"]
    assert [g["id"] for g in again] == [sg]


def test_create_group_has_egress_rules_and_rule_create(client: TestClient, as_demo: dict) -> None:
    web = create(client, as_demo, "security-groups", name="web", description="web")
    assert {(r["direction"], r["ethertype"]) for r in web["security_group_rules"]} == {("egress", "IPv4"),
                                                                                       ("egress", "IPv6")}
    rule = create(client, as_demo, "security-group-rules", security_group_id=web["id"], direction="ingress",
                  ethertype="IPv4", protocol="tcp", port_range_min=22, port_range_max=22,
                  remote_ip_prefix="0.0.0.0/0")
    assert rule["protocol"] == "tcp" and rule["port_range_min"] == 22 and rule["remote_ip_prefix"] == "0.0.0.0/0"
    assert len(_rules(client, as_demo, web["id"])) == 3
    icmp = create(client, as_demo, "security-group-rules", security_group_id=web["id"], direction="ingress",
                  protocol="icmp", remote_group_id=web["id"])
    assert icmp["remote_group_id"] == web["id"] and icmp["ethertype"] == "IPv4"
    r = client.post(f"{N}/security-group-rules", json={"security_group_rule": {
        "security_group_id": web["id"], "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
        "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0"}}, headers=as_demo)
    assert_neutron_error(r, 409, "SecurityGroupRuleExists",
                         f"Security group rule already exists. Rule id is {rule['id']}.")


def _bad_rule(client: TestClient, headers: dict, status: int, kind: str, message: str | None, **attrs: object) -> None:
    sg = create(client, headers, "security-groups", name="bad")
    body = {"security_group_id": sg["id"], "direction": "ingress", **attrs}
    r = client.post(f"{N}/security-group-rules", json={"security_group_rule": body}, headers=headers)
    assert_neutron_error(r, status, kind, message)
    assert len(_rules(client, headers, sg["id"])) == 2


def test_bad_rules(client: TestClient, as_demo: dict) -> None:
    _bad_rule(client, as_demo, 400, "SecurityGroupInvalidPortRange",
              "For TCP/UDP protocols, port_range_min must be <= port_range_max",
              protocol="tcp", port_range_min=80, port_range_max=22)
    _bad_rule(client, as_demo, 400, "SecurityGroupRemoteGroupAndRemoteIpPrefix",
              "Only remote_ip_prefix or remote_group_id may be provided.",
              protocol="tcp", remote_ip_prefix="10.0.0.0/8", remote_group_id="x")
    _bad_rule(client, as_demo, 400, "SecurityGroupRuleInvalidProtocol", None, protocol="bogus")
    _bad_rule(client, as_demo, 400, "HTTPBadRequest",
              "Invalid input for direction. Reason: 'sideways' is not in ['ingress', 'egress'].", direction="sideways")
    _bad_rule(client, as_demo, 400, "SecurityGroupRuleParameterConflict",
              "Conflicting value ethertype IPv4 for CIDR 2001:db8::/64", remote_ip_prefix="2001:db8::/64")


def test_delete_group_deletes_rules_and_in_use_is_409(client: TestClient, as_demo: dict) -> None:
    sg = create(client, as_demo, "security-groups", name="tmp")
    net, _sub = network_with_subnet(client, as_demo, "10.60.0.0/24")
    port = create(client, as_demo, "ports", network_id=net["id"], security_groups=[sg["id"]])
    r = client.delete(f"{N}/security-groups/{sg['id']}", headers=as_demo)
    assert_neutron_error(r, 409, "SecurityGroupInUse", f"Security Group {sg['id']} in use.")
    assert len(_rules(client, as_demo, sg["id"])) == 2
    client.delete(f"{N}/ports/{port['id']}", headers=as_demo)
    rule_ids = [r["id"] for r in _rules(client, as_demo, sg["id"])]
    assert client.delete(f"{N}/security-groups/{sg['id']}", headers=as_demo).status_code == 204
    for rule_id in rule_ids:
        assert_neutron_error(client.get(f"{N}/security-group-rules/{rule_id}", headers=as_demo), 404,
                             "SecurityGroupRuleNotFound")


def test_default_group_is_protected(client: TestClient, as_demo: dict) -> None:
    default = client.get(f"{N}/security-groups", params={"name": "default"}, headers=as_demo).json()
    sg_id = default["security_groups"][0]["id"]
    assert_neutron_error(client.delete(f"{N}/security-groups/{sg_id}", headers=as_demo), 409,
                         "SecurityGroupCannotRemoveDefault", "Insufficient rights for removing default security group.")
    r = client.post(f"{N}/security-groups", json={"security_group": {"name": "default"}}, headers=as_demo)
    assert_neutron_error(r, 409, "SecurityGroupDefaultAlreadyExists")


def test_other_projects_group_is_404(client: TestClient, as_demo: dict, as_admin: dict) -> None:
    sg = create(client, as_admin, "security-groups", name="admins")
    assert_neutron_error(client.get(f"{N}/security-groups/{sg['id']}", headers=as_demo), 404, "SecurityGroupNotFound",
                         f"Security group {sg['id']} does not exist")
    assert client.get(f"{N}/security-groups/{sg['id']}", headers=as_admin).status_code == 200


def test_rule_description_is_updatable_and_nothing_else(client: TestClient, as_demo: dict) -> None:
    """PUT of a rule's description succeeds (revision bumped), as in Neutron; any other attribute is a 400."""
    group = create(client, as_demo, "security-groups", name="web-desc")
    rule = create(client, as_demo, "security-group-rules", security_group_id=group["id"], direction="ingress",
                  protocol="tcp", port_range_min=22, port_range_max=22)
    r = client.put(f"{N}/security-group-rules/{rule['id']}", json={"security_group_rule": {"description": "ssh"}},
                   headers=as_demo)
    assert r.status_code == 200, r.text
    updated = r.json()["security_group_rule"]
    assert updated["description"] == "ssh" and updated["revision_number"] == rule["revision_number"] + 1
    assert client.get(f"{N}/security-group-rules/{rule['id']}", headers=as_demo).json()[
        "security_group_rule"]["description"] == "ssh"
    r = client.put(f"{N}/security-group-rules/{rule['id']}", json={"security_group_rule": {"port_range_min": 23}},
                   headers=as_demo)
    assert_neutron_error(r, 400, "HTTPBadRequest", "Cannot update read-only attribute port_range_min")
