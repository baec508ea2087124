"""Neutron quotas: show, details with usage, defaults, admin update, and the 409 OverQuota body."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.network_helpers import N, assert_neutron_error, create, names


def _project_id(cloud: Cloud, headers: dict) -> str:
    return str(cloud.identity.context_for_token(headers["X-Auth-Token"]).project_id)


def test_show_details_and_defaults(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    project = _project_id(cloud, as_demo)
    quota = client.get(f"{N}/quotas/{project}", headers=as_demo).json()["quota"]
    assert quota == {"network": 100, "subnet": 100, "port": 500, "router": 10, "floatingip": 50,
                     "security_group": 10, "security_group_rule": 100, "rbac_policy": 10, "subnetpool": -1}
    details = client.get(f"{N}/quotas/{project}/details", headers=as_demo).json()["quota"]
    assert details["network"] == {"limit": 100, "used": 1, "reserved": 0}  # DevStack's `private`
    assert details["router"]["used"] == 1
    assert client.get(f"{N}/quotas/{project}/default", headers=as_demo).json()["quota"]["port"] == 500


def test_member_cannot_update_or_read_others(client: TestClient, cloud: Cloud, as_demo: dict,
                                             as_admin: dict) -> None:
    project = _project_id(cloud, as_demo)
    r = client.put(f"{N}/quotas/{project}", json={"quota": {"network": 5}}, headers=as_demo)
    assert r.status_code == 403
    admin_project = _project_id(cloud, as_admin)
    assert client.get(f"{N}/quotas/{admin_project}", headers=as_demo).status_code == 403
    assert client.get(f"{N}/quotas/{project}", headers=as_demo).json()["quota"]["network"] == 100


def test_over_quota_is_409_with_neutrons_body(client: TestClient, cloud: Cloud, as_demo: dict,
                                              as_admin: dict) -> None:
    project = _project_id(cloud, as_demo)
    r = client.put(f"{N}/quotas/{project}", json={"quota": {"network": 2, "router": -1}}, headers=as_admin)
    assert r.status_code == 200 and r.json()["quota"]["network"] == 2 and r.json()["quota"]["router"] == -1
    create(client, as_demo, "networks", name="second")
    before = names(client, as_demo, "networks")
    r = client.post(f"{N}/networks", json={"network": {"name": "third"}}, headers=as_demo)
    assert_neutron_error(r, 409, "OverQuota", "Quota exceeded for resources: ['network'].")
    assert names(client, as_demo, "networks") == before
    assert client.get(f"{N}/quotas", headers=as_admin).json()["quotas"][0]["project_id"] == project
    r = client.put(f"{N}/quotas/{project}", json={"quota": {"network": "lots"}}, headers=as_admin)
    assert r.status_code == 400
    assert client.delete(f"{N}/quotas/{project}", headers=as_admin).status_code == 204
    assert client.get(f"{N}/quotas/{project}", headers=as_demo).json()["quota"]["network"] == 100


def test_check_limit_and_force_as_quota_check_limit(client: TestClient, cloud: Cloud, as_demo: dict,
                                                    as_admin: dict) -> None:
    """`openstack quota set` sends `check_limit` (or `force`) with the limits: with check_limit a limit below the
    usage is Neutron's 400 and nothing changes; -1 is not checked; force sets it anyway."""
    project = _project_id(cloud, as_demo)
    create(client, as_demo, "networks", name="second")  # with DevStack's `private`: 2 networks
    r = client.put(f"{N}/quotas/{project}", json={"quota": {"network": 1, "check_limit": True}}, headers=as_admin)
    assert_neutron_error(r, 400, "HTTPBadRequest",
                         "Quota limit 1 for network must be greater than or equal to already used 2")
    assert client.get(f"{N}/quotas/{project}", headers=as_admin).json()["quota"]["network"] == 100
    r = client.put(f"{N}/quotas/{project}", json={"quota": {"network": 2, "port": -1, "check_limit": True}},
                   headers=as_admin)
    assert r.status_code == 200 and r.json()["quota"]["network"] == 2 and "check_limit" not in r.json()["quota"]
    r = client.put(f"{N}/quotas/{project}", json={"quota": {"network": 1, "force": True}}, headers=as_admin)
    assert r.status_code == 200 and r.json()["quota"]["network"] == 1
    assert "quota-check-limit" in {e["alias"] for e in client.get(f"{N}/extensions", headers=as_demo).json()[
        "extensions"]}


def test_rbac_policy_and_subnetpool_quotas(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """rbac_policy (10) and subnetpool (unlimited) are Neutron quota resources: counted and enforced."""
    project = _project_id(cloud, as_demo)
    r = client.put(f"{N}/quotas/{project}", json={"quota": {"rbac_policy": 1, "subnetpool": 1}}, headers=as_admin)
    assert r.status_code == 200
    create(client, as_demo, "subnetpools", name="p1", prefixes=["10.230.0.0/16"])
    r = client.post(f"{N}/subnetpools", json={"subnetpool": {"name": "p2", "prefixes": ["10.231.0.0/16"]}},
                    headers=as_demo)
    assert_neutron_error(r, 409, "OverQuota", "Quota exceeded for resources: ['subnetpool'].")
    net = create(client, as_demo, "networks", name="to-share")
    admin_project = _project_id(cloud, as_admin)
    policy = {"object_type": "network", "object_id": net["id"], "action": "access_as_shared"}
    r = client.post(f"{N}/rbac-policies", json={"rbac_policy": {**policy, "target_tenant": admin_project}},
                    headers=as_demo)
    assert r.status_code == 201
    r = client.post(f"{N}/rbac-policies", json={"rbac_policy": {**policy, "target_tenant": "other"}},
                    headers=as_demo)
    assert_neutron_error(r, 409, "OverQuota", "Quota exceeded for resources: ['rbac_policy'].")
    details = client.get(f"{N}/quotas/{project}/details", headers=as_demo).json()["quota"]
    assert details["rbac_policy"] == {"limit": 1, "used": 1, "reserved": 0}
    assert details["subnetpool"] == {"limit": 1, "used": 1, "reserved": 0}
