"""The networking policy is Neutron's table, as data: Neutron's rule names, each documented, and an override
(the lab's `policy.yaml`, or the instructor's runtime override) reaches the decision it names."""

from __future__ import annotations

from pathlib import Path

import yaml
from starlette.testclient import TestClient

from lab.cloud.app import Cloud, create_app
from lab.cloud.network.policies import RULES
from lab.config import Settings
from tests.cloud.network_helpers import N, assert_neutron_error, create, public_network
from tests.conftest import get_token

DOC = Path(__file__).parents[2] / "course" / "reference" / "api-network.md"


def test_every_rule_is_named_as_neutron_names_it() -> None:
    """Neutron's names (course/reference/policy.md lists them, tests/cloud/test_plugin_seam.py keeps it true)."""
    names = {r.name for r in RULES}
    assert not {n for n in names if n.startswith("network:")}  # no coarse first-release names
    assert {"create_network", "create_network:shared", "create_network:provider:network_type", "get_network",
            "update_network", "delete_network", "create_port", "get_port", "create_floatingip",
            "create_router", "add_router_interface", "create_security_group", "get_quota",
            "update_quota"} <= names
    assert "policy.md#network" in DOC.read_text()


def test_attribute_rules_deny_with_neutrons_message(client: TestClient, as_demo: dict) -> None:
    r = client.post(f"{N}/networks", json={"network": {"name": "n", "shared": True}}, headers=as_demo)
    assert_neutron_error(r, 403, "PolicyNotAuthorized",
                         "(rule:create_network and rule:create_network:shared) is disallowed by policy")
    r = client.post(f"{N}/networks", json={"network": {"name": "n", "provider:physical_network": "public"}},
                    headers=as_demo)
    assert_neutron_error(r, 403, "PolicyNotAuthorized", "(rule:create_network and "
                         "rule:create_network:provider:physical_network) is disallowed by policy")
    public = public_network(client, as_demo)
    r = client.post(f"{N}/ports", json={"port": {"network_id": public["id"]}}, headers=as_demo)
    assert_neutron_error(r, 403, "PolicyNotAuthorized", "(rule:create_port) is disallowed by policy")
    assert client.get(f"{N}/networks", params={"name": "n"}, headers=as_demo).json() == {"networks": []}


def test_overrides_reach_every_kind_of_decision(client: TestClient, cloud: Cloud, as_demo: dict,
                                                as_admin: dict) -> None:
    # an attribute rule: members may share networks
    cloud.policy.override("create_network:shared", "rule:project_member_or_admin")
    shared = create(client, as_demo, "networks", name="shared-by-demo", shared=True)
    assert shared["shared"] is True
    # what a caller may read: the provider attributes
    cloud.policy.override("get_network:provider:network_type", "rule:project_reader_or_admin")
    shown = client.get(f"{N}/networks/{shared['id']}", headers=as_demo).json()["network"]
    assert shown["provider:network_type"] == "vxlan" and "provider:segmentation_id" not in shown
    # the network-owner check of create_port: a port on another project's external network
    public = public_network(client, as_demo)
    cloud.policy.override("create_port", "rule:project_member_or_admin")
    assert create(client, as_demo, "ports", network_id=public["id"])["network_id"] == public["id"]
    # the quota API: another project's quotas
    admin_project = public["project_id"]
    assert client.get(f"{N}/quotas/{admin_project}", headers=as_demo).status_code == 403
    cloud.policy.override("get_quota", "rule:any_project")
    assert client.get(f"{N}/quotas/{admin_project}", headers=as_demo).json()["quota"]["network"] == 100
    # reading: a list the rule denies is 403; a show is 404, as if the network did not exist
    cloud.policy.override("get_network", "rule:admin_only")
    assert_neutron_error(client.get(f"{N}/networks", headers=as_demo), 403, "PolicyNotAuthorized",
                         "(rule:get_network) is disallowed by policy")
    assert_neutron_error(client.get(f"{N}/networks/{shared['id']}", headers=as_demo), 404, "HTTPNotFound")
    assert client.get(f"{N}/networks/{shared['id']}", headers=as_admin).status_code == 200
    # an operation rule tightened: members no longer delete their routers
    cloud.policy.override("delete_router", "rule:admin_only")
    router = create(client, as_demo, "routers", name="kept")
    r = client.delete(f"{N}/routers/{router['id']}", headers=as_demo)
    assert_neutron_error(r, 403, "PolicyNotAuthorized", "(rule:delete_router) is disallowed by policy")
    assert client.get(f"{N}/routers/{router['id']}", headers=as_demo).status_code == 200


def test_policy_file_reaches_the_network_rules(settings: Settings) -> None:
    """The instructor's `policy.yaml` in the data directory: members may set a port's MAC on update."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "policy.yaml").write_text(yaml.safe_dump(
        {"update_port:mac_address": "rule:project_member_or_admin", "create_security_group": "admin"}))
    cloud = Cloud(settings)
    try:
        with TestClient(create_app(settings, cloud=cloud, start_worker=False),
                        base_url="http://127.0.0.1:8780") as client:
            as_demo = {"X-Auth-Token": get_token(client, "demo", "demo", "demo")}
            private = client.get(f"{N}/networks", params={"name": "private"}, headers=as_demo).json()["networks"][0]
            port = create(client, as_demo, "ports", network_id=private["id"])
            r = client.put(f"{N}/ports/{port['id']}", json={"port": {"mac_address": "fa:16:3e:00:00:42"}},
                           headers=as_demo)
            assert r.status_code == 200 and r.json()["port"]["mac_address"] == "fa:16:3e:00:00:42"
            r = client.post(f"{N}/security-groups", json={"security_group": {"name": "x"}}, headers=as_demo)
            assert_neutron_error(r, 403, "PolicyNotAuthorized", "(rule:create_security_group) is disallowed by policy")
    finally:
        cloud.close()
