"""More resource types in-process (the worker and the lab clock run by hand): OS::Nova::ServerGroup with a
server scheduled into it, and a load balancer made of OS::Octavia::* resources, whose listener, pool, members
and monitor wait their turn while Octavia says the load balancer is busy (409), then go with the stack."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.orchestration.resources import served_types
from tests.cloud.test_orchestration_actions import make, settle, status
from tests.cloud.test_orchestration_api import base

NETWORK: dict[str, Any] = {
    "net": {"type": "OS::Neutron::Net"},
    "subnet": {"type": "OS::Neutron::Subnet", "properties": {"network": {"get_resource": "net"},
                                                             "cidr": "10.60.0.0/24"}},
}

GROUPED: dict[str, Any] = {
    "heat_template_version": "2018-08-31",
    "resources": {**NETWORK,
                  "group": {"type": "OS::Nova::ServerGroup", "properties": {"policies": ["soft-anti-affinity"]}},
                  "app": {"type": "OS::Nova::Server", "properties": {
                      "flavor": "m1.nano", "image": "cirros", "networks": [{"network": {"get_resource": "net"}}],
                      "scheduler_hints": {"group": {"get_resource": "group"}}}}},
    "outputs": {"group": {"value": {"get_resource": "group"}}, "app": {"value": {"get_resource": "app"}}},
}

BALANCED: dict[str, Any] = {
    "heat_template_version": "2018-08-31",
    "resources": {**NETWORK,
                  "lb": {"type": "OS::Octavia::LoadBalancer", "properties": {"vip_subnet": {"get_resource": "subnet"}}},
                  "listener": {"type": "OS::Octavia::Listener", "properties": {
                      "loadbalancer": {"get_resource": "lb"}, "protocol": "HTTP", "protocol_port": 80}},
                  "pool": {"type": "OS::Octavia::Pool", "properties": {
                      "listener": {"get_resource": "listener"}, "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN"}},
                  "monitor": {"type": "OS::Octavia::HealthMonitor", "properties": {
                      "pool": {"get_resource": "pool"}, "type": "HTTP", "delay": 5, "max_retries": 3, "timeout": 3}},
                  **{f"member{n}": {"type": "OS::Octavia::PoolMember", "properties": {
                      "pool": {"get_resource": "pool"}, "address": f"10.60.0.{10 + n}", "protocol_port": 80,
                      "subnet": {"get_resource": "subnet"}}} for n in (1, 2)}},
    "outputs": {"vip": {"value": {"get_attr": ["lb", "vip_address"]}}, "lb": {"value": {"get_resource": "lb"}}},
}


def outputs(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    stack = client.get(url, headers=headers).json()["stack"]
    return {o["output_key"]: o["output_value"] for o in stack["outputs"]}


def test_a_server_group_and_a_server_in_it(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    url = make(client, cloud, as_demo, "grouped", GROUPED)
    settle(cloud, 5)
    assert status(client, url, as_demo).startswith("CREATE_COMPLETE"), status(client, url, as_demo)
    made = outputs(client, url, as_demo)
    group = client.get(f"/compute/v2.1/os-server-groups/{made['group']}", headers={
        **as_demo, "X-OpenStack-Nova-API-Version": "2.15"}).json()["server_group"]
    assert group["policies"] == ["soft-anti-affinity"] and group["members"] == [made["app"]]
    client.delete(url, headers=as_demo)
    settle(cloud, 5)
    assert client.get(f"/compute/v2.1/os-server-groups/{made['group']}", headers=as_demo).status_code == 404
    bad = {**GROUPED, "resources": {"group": {"type": "OS::Nova::ServerGroup", "properties": {"policies": ["near"]}}}}
    r = client.post(f"{base(client, as_demo)}/stacks", headers=as_demo, json={"stack_name": "bad", "template": bad})
    assert r.status_code == 400 and '"near" is not an allowed value' in r.json()["error"]["message"]


def test_a_load_balancer_from_octavia_resources(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    url = make(client, cloud, as_demo, "balanced", BALANCED)
    settle(cloud, 12)
    assert status(client, url, as_demo).startswith("CREATE_COMPLETE"), status(client, url, as_demo)
    made = outputs(client, url, as_demo)
    lbaas = "/load-balancer/v2/lbaas"
    tree = client.get(f"{lbaas}/loadbalancers/{made['lb']}/status", headers=as_demo).json()["statuses"][
        "loadbalancer"]
    [listener] = tree["listeners"]
    [pool] = listener["pools"]
    assert sorted(m["address"] for m in pool["members"]) == ["10.60.0.11", "10.60.0.12"]
    assert pool["health_monitor"]["type"] == "HTTP"
    resources = client.get(f"{url}/resources", headers=as_demo).json()["resources"]
    ids = {r["resource_name"]: r["physical_resource_id"] for r in resources}
    assert ids["pool"] == pool["id"] and ids["listener"] == listener["id"]
    assert not any(i.startswith("pending:") for i in ids.values())
    assert made["vip"] == client.get(f"{lbaas}/loadbalancers/{made['lb']}", headers=as_demo).json()[
        "loadbalancer"]["vip_address"]
    assert client.delete(url, headers=as_demo).status_code == 204
    settle(cloud, 12)
    assert status(client, url, as_demo).startswith("DELETE_COMPLETE"), status(client, url, as_demo)
    assert client.get(f"{lbaas}/loadbalancers", headers=as_demo).json()["loadbalancers"] == []


CONTAINER: dict[str, Any] = {
    "heat_template_version": "2018-08-31",
    "parameters": {"purge": {"type": "boolean", "default": True}},
    "resources": {"files": {"type": "OS::Swift::Container", "properties": {
        "name": "stack-files", "X-Container-Meta": {"Owner": "heat"}, "PurgeOnDelete": {"get_param": "purge"}}}},
    "outputs": {"url": {"value": {"get_attr": ["files", "WebsiteURL"]}},
                "count": {"value": {"get_attr": ["files", "ObjectCount"]}}},
}


def test_a_swift_container_emptied_only_with_purge_on_delete(client: TestClient, cloud: Cloud,
                                                             as_demo: dict[str, str]) -> None:
    project = base(client, as_demo).rsplit("/", 1)[1]
    container = f"/object/v1/AUTH_{project}/stack-files"
    for purge in (False, True):
        url = make(client, cloud, as_demo, f"files{int(purge)}", CONTAINER, parameters={"purge": purge})
        assert status(client, url, as_demo).startswith("CREATE_COMPLETE"), status(client, url, as_demo)
        head = client.head(container, headers=as_demo)
        assert head.status_code == 204 and head.headers["x-container-meta-owner"] == "heat"
        assert client.put(f"{container}/index.html", headers=as_demo, content=b"<h1>hi</h1>").status_code == 201
        assert outputs(client, url, as_demo)["url"].endswith(container)
        client.delete(url, headers=as_demo)
        settle(cloud, 2)
        if not purge:  # Heat's refusal: the object stays, and so does the container
            assert "Deleting non-empty container (stack-files)" in status(client, url, as_demo)
            assert client.delete(f"{container}/index.html", headers=as_demo).status_code == 204
            client.delete(url, headers=as_demo)
            settle(cloud, 2)
        assert status(client, url, as_demo).startswith("DELETE_COMPLETE"), status(client, url, as_demo)
        assert client.head(container, headers=as_demo).status_code == 404


def test_the_types_follow_the_services_present(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """Swift's and Octavia's types are listed when their services are in the cloud, and only then."""
    listed = client.get(f"{base(client, as_demo)}/resource_types", headers=as_demo).json()["resource_types"]
    assert {"OS::Swift::Container", "OS::Octavia::LoadBalancer", "OS::Heat::SoftwareDeployment"} <= set(listed)
    without = {name: service for name, service in cloud.services.items() if name not in ("object", "loadbalancer")}
    served = served_types(without)
    assert "OS::Swift::Container" not in served and "OS::Octavia::Pool" not in served
    assert "OS::Nova::Server" in served


def test_a_cloud_config_is_the_servers_user_data(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                                 as_admin: dict[str, str]) -> None:
    import base64

    template = {"heat_template_version": "2018-08-31", "resources": {
        **NETWORK,
        "boot": {"type": "OS::Heat::CloudConfig", "properties": {"cloud_config": {"packages": ["nginx"]}}},
        "web": {"type": "OS::Nova::Server", "properties": {
            "flavor": "m1.nano", "image": "cirros", "networks": [{"network": {"get_resource": "net"}}],
            "user_data_format": "RAW", "user_data": {"get_resource": "boot"}}}},
        "outputs": {"web": {"value": {"get_resource": "web"}}}}
    url = make(client, cloud, as_demo, "booted", template)
    settle(cloud, 5)
    assert status(client, url, as_demo).startswith("CREATE_COMPLETE"), status(client, url, as_demo)
    server = client.get(f"/compute/v2.1/servers/{outputs(client, url, as_demo)['web']}", headers={
        **as_admin, "X-OpenStack-Nova-API-Version": "2.3"}).json()["server"]
    assert base64.b64decode(server["OS-EXT-SRV-ATTR:user_data"]).decode() == "#cloud-config\npackages:\n- nginx\n"
