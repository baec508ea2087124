"""Neutron's QoS extension as an operator meets it (issue 16): policies with bandwidth-limit and DSCP-marking
rules made by the admin, bound to ports and networks by the projects that see them (their own, shared, or
shared with them by RBAC), refused while in use; each answer checked against Neutron's shapes
(tests/cloud/network_schemas.py, named after tempest.lib's qos clients)."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.identity_helpers import user_in_project
from tests.cloud.network_helpers import N, assert_neutron_error, create, network_with_subnet
from tests.cloud.network_schemas import assert_network_schema

Q = f"{N}/qos/policies"


def _policy(client: TestClient, headers: dict[str, str], **attrs: object) -> dict:
    r = client.post(Q, headers=headers, json={"policy": {"name": "gold", **attrs}})
    assert_network_schema("create_qos_policy", r)
    return r.json()["policy"]  # type: ignore[no-any-return]


def test_policy_with_rules(client: TestClient, as_admin: dict) -> None:
    """The admin makes a policy and its rules; the policy lists them with their type; one limit per direction."""
    policy = _policy(client, as_admin, description="10 Mbit/s")
    assert policy["rules"] == [] and policy["shared"] is False
    rules = f"{Q}/{policy['id']}/bandwidth_limit_rules"
    r = client.post(rules, headers=as_admin, json={"bandwidth_limit_rule": {"max_kbps": 10000,
                                                                            "max_burst_kbps": 8000}})
    assert_network_schema("create_bandwidth_limit_rule", r)
    limit = r.json()["bandwidth_limit_rule"]
    assert limit["direction"] == "egress" and limit["max_burst_kbps"] == 8000
    twice = client.post(rules, headers=as_admin, json={"bandwidth_limit_rule": {"max_kbps": 1}})
    assert_neutron_error(twice, 409, "QoSRulesConflict")
    ingress = client.post(rules, headers=as_admin, json={"bandwidth_limit_rule": {"max_kbps": 5000,
                                                                                  "direction": "ingress"}})
    assert ingress.status_code == 201, ingress.text
    dscp = client.post(f"{Q}/{policy['id']}/dscp_marking_rules", headers=as_admin,
                       json={"dscp_marking_rule": {"dscp_mark": "26"}})
    assert_network_schema("create_dscp_marking_rule", dscp)
    bad = client.post(f"{Q}/{policy['id']}/dscp_marking_rules", headers=as_admin,
                      json={"dscp_marking_rule": {"dscp_mark": 7}})
    assert_neutron_error(bad, 400, "HTTPBadRequest")
    assert_neutron_error(client.post(rules, headers=as_admin, json={"bandwidth_limit_rule": {}}), 400,
                         "HTTPBadRequest")
    shown = client.get(f"{Q}/{policy['id']}", headers=as_admin)
    assert_network_schema("show_qos_policy", shown)
    assert sorted((r["type"], r.get("direction")) for r in shown.json()["policy"]["rules"]) == [
        ("bandwidth_limit", "egress"), ("bandwidth_limit", "ingress"), ("dscp_marking", None)]
    assert shown.json()["policy"]["revision_number"] > policy["revision_number"]
    r = client.put(f"{rules}/{limit['id']}", headers=as_admin, json={"bandwidth_limit_rule": {"max_kbps": 20000}})
    assert_network_schema("update_bandwidth_limit_rule", r)
    assert r.json()["bandwidth_limit_rule"]["max_kbps"] == 20000
    assert_network_schema("list_bandwidth_limit_rules", client.get(rules, headers=as_admin))
    assert client.delete(f"{rules}/{limit['id']}", headers=as_admin).status_code == 204
    assert_neutron_error(client.get(f"{rules}/{limit['id']}", headers=as_admin), 404, "QosRuleNotFound")
    minimum = client.post(f"{Q}/{policy['id']}/minimum_bandwidth_rules", headers=as_admin,
                          json={"minimum_bandwidth_rule": {"min_kbps": 1000}})
    assert_network_schema("create_minimum_bandwidth_rule", minimum)
    ingress_minimum = client.post(f"{Q}/{policy['id']}/minimum_bandwidth_rules", headers=as_admin,
                                  json={"minimum_bandwidth_rule": {"min_kbps": 1000, "direction": "ingress"}})
    assert_neutron_error(ingress_minimum, 400, "HTTPBadRequest")  # qos-bw-minimum-ingress is not listed
    assert_neutron_error(client.get(f"{Q}/{policy['id']}/packet_rate_limit_rules", headers=as_admin), 404,
                         "HTTPNotFound")
    types = client.get(f"{N}/qos/rule-types", headers=as_admin)
    assert_network_schema("list_rule_types", types)
    assert {t["type"] for t in types.json()["rule_types"]} == {"bandwidth_limit", "dscp_marking"}
    assert_network_schema("show_rule_type", client.get(f"{N}/qos/rule-types/bandwidth_limit", headers=as_admin))
    aliases = {e["alias"] for e in client.get(f"{N}/extensions", headers=as_admin).json()["extensions"]}
    assert {"qos", "qos-bw-limit-direction", "qos-rule-type-details", "qos-port-network-policy"} <= aliases


def test_members_bind_what_they_see(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """A member may not make policies; binds a shared one to a port and a network (the port shows both), not
    another project's private one; the policy cannot go while bound."""
    assert_neutron_error(client.post(Q, headers=as_demo, json={"policy": {"name": "mine"}}), 403,
                         "PolicyNotAuthorized")
    shared = _policy(client, as_admin, name="shared", shared=True)
    private = _policy(client, as_admin, name="private")
    listed = client.get(Q, headers=as_demo)
    assert_network_schema("list_qos_policies", listed)
    assert [p["name"] for p in listed.json()["policies"]] == ["shared"]
    assert_neutron_error(client.get(f"{Q}/{private['id']}", headers=as_demo), 404, "QosPolicyNotFound")
    net, _sub = network_with_subnet(client, as_demo, "10.80.0.0/24")
    r = client.put(f"{N}/networks/{net['id']}", headers=as_demo, json={"network": {"qos_policy_id": shared["id"]}})
    assert_network_schema("update_network", r)
    assert r.json()["network"]["qos_policy_id"] == shared["id"]
    refused = client.post(f"{N}/ports", headers=as_demo, json={"port": {"network_id": net["id"],
                                                                        "qos_policy_id": private["id"]}})
    assert_neutron_error(refused, 404, "QosPolicyNotFound")
    port = create(client, as_demo, "ports", network_id=net["id"], qos_policy_id=shared["id"])
    assert (port["qos_policy_id"], port["qos_network_policy_id"]) == (shared["id"], shared["id"])
    in_use = client.delete(f"{Q}/{shared['id']}", headers=as_admin)
    assert_neutron_error(in_use, 409, "QosPolicyInUse")
    client.put(f"{N}/ports/{port['id']}", headers=as_demo, json={"port": {"qos_policy_id": None}})
    client.put(f"{N}/networks/{net['id']}", headers=as_demo, json={"network": {"qos_policy_id": None}})
    shown = client.get(f"{N}/ports/{port['id']}", headers=as_demo).json()["port"]
    assert (shown["qos_policy_id"], shown["qos_network_policy_id"]) == (None, None)
    assert client.delete(f"{Q}/{shared['id']}", headers=as_admin).status_code == 204
    bad = client.post(f"{N}/ports", headers=as_demo, json={"port": {"network_id": net["id"], "qos_policy_id": "x"}})
    assert_neutron_error(bad, 400, "HTTPBadRequest")


def test_rbac_shares_a_policy_with_one_project(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """An RBAC policy on a QoS policy shares it with one project only; it cannot be withdrawn while used."""
    project, _user, token = user_in_project(client, as_admin, "qosfriend", "member")
    friend = {"X-Auth-Token": token}
    policy = _policy(client, as_admin, name="for-friend")
    r = client.post(f"{N}/rbac-policies", headers=as_admin, json={"rbac_policy": {
        "object_type": "qos_policy", "object_id": policy["id"], "action": "access_as_shared",
        "target_tenant": project["id"]}})
    assert r.status_code == 201, r.text
    seen = client.get(f"{Q}/{policy['id']}", headers=friend)
    assert seen.status_code == 200 and seen.json()["policy"]["shared"] is True
    assert_neutron_error(client.get(f"{Q}/{policy['id']}", headers=as_demo), 404, "QosPolicyNotFound")
    net = create(client, friend, "networks", name="friendnet", qos_policy_id=policy["id"])
    assert net["qos_policy_id"] == policy["id"]
    busy = client.delete(f"{N}/rbac-policies/{r.json()['rbac_policy']['id']}", headers=as_admin)
    assert_neutron_error(busy, 409, "RbacPolicyInUse")


def test_policy_tags(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """standard-attr-tag on QoS policies, at Neutron's /v2.0/policies/{id}/tags (where openstacksdk sends them):
    the admin tags, members read."""
    policy = _policy(client, as_admin, name="tagged", shared=True)
    tags = f"{N}/policies/{policy['id']}/tags"
    assert client.put(f"{tags}/gold", headers=as_admin).status_code == 201
    r = client.put(tags, headers=as_admin, json={"tags": ["gold", "fast"]})
    assert r.status_code == 200 and sorted(r.json()["tags"]) == ["fast", "gold"]
    assert client.get(f"{tags}/fast", headers=as_demo).status_code == 204
    assert_neutron_error(client.put(f"{tags}/mine", headers=as_demo), 403, "PolicyNotAuthorized")
    assert [p["name"] for p in client.get(Q, params={"tags": "fast"}, headers=as_demo).json()["policies"]] == \
        ["tagged"]
    assert client.delete(tags, headers=as_admin).status_code == 204
    assert client.get(tags, headers=as_admin).json() == {"tags": []}
    assert_neutron_error(client.get(f"{N}/policies", headers=as_admin), 404, "HTTPNotFound")  # tags only


def test_reset_purges_the_projects_policies(client: TestClient, cloud: Cloud, as_admin: dict) -> None:
    """A student reset removes the QoS policies made for the project (with their rules and shares), even one
    another project's network is bound to (that network loses it)."""
    from lab.cloud.plugin import Purge

    project, _user, _token = user_in_project(client, as_admin, "qosreset", "member")
    other_project, _other, other_token = user_in_project(client, as_admin, "qosother", "member")
    policy = _policy(client, as_admin, name="theirs", project_id=project["id"])
    client.post(f"{Q}/{policy['id']}/bandwidth_limit_rules", headers=as_admin,
                json={"bandwidth_limit_rule": {"max_kbps": 100}})
    client.post(f"{N}/rbac-policies", headers=as_admin, json={"rbac_policy": {
        "object_type": "qos_policy", "object_id": policy["id"], "action": "access_as_shared",
        "target_tenant": other_project["id"]}})
    net = create(client, {"X-Auth-Token": other_token}, "networks", name="bound", qos_policy_id=policy["id"])
    with cloud.db.write() as db:
        purge = Purge(db=db, now=cloud.clock.now(), project_id=project["id"], user_ids=[])
        cloud.network.purge_project(purge)
    assert purge.removed["qos_policies"] == 1
    with cloud.db.read() as db:
        assert not any(cloud.network.holdings(db, project["id"], []).values())
    after = client.get(f"{N}/networks/{net['id']}", headers={"X-Auth-Token": other_token}).json()["network"]
    assert after["qos_policy_id"] is None
    assert_neutron_error(client.get(f"{Q}/{policy['id']}", headers=as_admin), 404, "QosPolicyNotFound")
    assert client.get(f"{N}/rbac-policies", params={"object_id": policy["id"]}, headers=as_admin).json() == {
        "rbac_policies": []}


def test_default_policy_of_a_project(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """qos-default: one default policy per project, which the project's new networks get unless they name one."""
    demo_project = client.get(f"{N}/networks", params={"name": "private"}, headers=as_demo).json()[
        "networks"][0]["project_id"]
    default = _policy(client, as_admin, name="demo-default", is_default=True, project_id=demo_project)
    assert default["is_default"] is True
    second = client.post(Q, headers=as_admin, json={"policy": {"name": "another", "is_default": True,
                                                               "project_id": demo_project}})
    assert_neutron_error(second, 409, "QoSPolicyDefaultAlreadyExists")
    assert create(client, as_demo, "networks", name="gets-default")["qos_policy_id"] == default["id"]
    assert create(client, as_demo, "networks", name="opts-out", qos_policy_id=None)["qos_policy_id"] is None
