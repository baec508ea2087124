"""The operator views of the one host: os-services (a disabled nova-compute takes no new servers: they go to
ERROR with Nova's `No valid host` fault), hypervisor uptime/search/servers, quota classes (the `default` class
changes every project's defaults), os-migrations and the v2.0 version entry, with tempest's schemas."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.api_schemas import assert_schema
from tests.cloud.compute_support import API, create_server, image_id, project_id

V = "compute.v2_1"


def test_services_list_and_disable_stops_scheduling(client: TestClient, cloud: Cloud, as_demo: dict,
                                                    as_admin: dict) -> None:
    listed = client.get(f"{API}/os-services", headers=as_admin)
    assert_schema(f"{V}.services", "list_services", listed)
    services = {s["binary"]: s for s in listed.json()["services"]}
    assert set(services) == {"nova-compute", "nova-scheduler", "nova-conductor"}
    assert (services["nova-compute"]["zone"], services["nova-scheduler"]["zone"]) == ("nova", "internal")
    assert all(s["state"] == "up" and s["status"] == "enabled" for s in services.values())
    host = services["nova-compute"]["host"]
    assert client.get(f"{API}/os-services", headers=as_demo).status_code == 403

    r = client.put(f"{API}/os-services/disable-log-reason", headers=as_admin,
                   json={"host": host, "binary": "nova-compute", "disabled_reason": "maintenance"})
    assert_schema(f"{V}.services", "disable_log_reason", r)
    server = create_server(client, cloud, as_demo, name="nowhere")
    assert server["status"] == "ERROR"
    assert server["fault"]["message"] == "No valid host was found. There are not enough hosts available."
    hypervisor = client.get(f"{API}/os-hypervisors/detail", headers=as_admin).json()["hypervisors"][0]
    assert (hypervisor["status"], hypervisor["service"]["disabled_reason"]) == ("disabled", "maintenance")

    r = client.put(f"{API}/os-services/enable", headers=as_admin, json={"host": host, "binary": "nova-compute"})
    assert_schema(f"{V}.services", "enable_disable_service", r)
    assert create_server(client, cloud, as_demo, name="somewhere")["status"] == "ACTIVE"
    unknown = client.put(f"{API}/os-services/disable", headers=as_admin, json={"host": "nope", "binary": "x"})
    assert unknown.status_code == 404
    assert client.put(f"{API}/os-services/disable", headers=as_admin, json={"host": host}).status_code == 400
    compute_id = services["nova-compute"]["id"]
    assert client.delete(f"{API}/os-services/{compute_id}", headers=as_admin).status_code == 409


def test_hypervisor_uptime_search_and_servers(client: TestClient, cloud: Cloud, as_demo: dict,
                                              as_admin: dict) -> None:
    server = create_server(client, cloud, as_demo)
    (brief,) = client.get(f"{API}/os-hypervisors", headers=as_admin).json()["hypervisors"]
    uptime = client.get(f"{API}/os-hypervisors/{brief['id']}/uptime", headers=as_admin)
    assert_schema(f"{V}.hypervisors", "get_hypervisor_uptime", uptime)
    assert " up " in uptime.json()["hypervisor"]["uptime"] and "load average" in uptime.json()["hypervisor"]["uptime"]
    name = brief["hypervisor_hostname"]
    search = client.get(f"{API}/os-hypervisors/{name[:3]}/search", headers=as_admin)
    assert_schema(f"{V}.hypervisors", "list_search_hypervisors", search)
    servers = client.get(f"{API}/os-hypervisors/{name}/servers", headers=as_admin)
    assert_schema(f"{V}.hypervisors", "get_hypervisors_servers", servers)
    assert {"uuid": server["id"], "name": "vm1"} in servers.json()["hypervisors"][0]["servers"]
    missing = client.get(f"{API}/os-hypervisors/zzz-no-such/search", headers=as_admin)
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == "No hypervisor matching 'zzz-no-such' could be found."
    assert client.get(f"{API}/os-hypervisors/{brief['id']}/uptime", headers=as_demo).status_code == 403


def test_default_quota_class_changes_every_projects_defaults(client: TestClient, cloud: Cloud, as_demo: dict,
                                                            as_admin: dict) -> None:
    shown = client.get(f"{API}/os-quota-class-sets/default", headers=as_admin)
    assert_schema(f"{V}.quota_classes", "get_quota_class_set", shown)
    assert shown.json()["quota_class_set"]["instances"] == 10
    r = client.put(f"{API}/os-quota-class-sets/default", headers=as_admin,
                   json={"quota_class_set": {"instances": 1, "cores": 30}})
    assert_schema(f"{V}.quota_classes", "update_quota_class_set", r)
    demo = project_id(client, as_demo)
    quotas = client.get(f"{API}/os-quota-sets/{demo}", headers=as_demo).json()["quota_set"]
    assert (quotas["instances"], quotas["cores"]) == (1, 30)
    assert client.get(f"{API}/os-quota-sets/{demo}/defaults", headers=as_demo).json()["quota_set"]["instances"] == 1
    create_server(client, cloud, as_demo)
    over = client.post(f"{API}/servers", headers=as_demo, json={"server": {
        "name": "two", "flavorRef": "1", "imageRef": image_id(client, cloud, as_demo)}})
    assert over.status_code == 403 and "Quota exceeded for instances" in over.json()["forbidden"]["message"]
    bad = client.put(f"{API}/os-quota-class-sets/default", headers=as_admin,
                     json={"quota_class_set": {"widgets": 1}})
    assert bad.status_code == 400
    assert client.put(f"{API}/os-quota-class-sets/default", headers=as_demo,
                      json={"quota_class_set": {"instances": 99}}).status_code == 403


def test_migrations_and_versions(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    migrations = client.get(f"{API}/os-migrations", headers=as_admin)
    assert_schema(f"{V}.migrations", "list_migrations", migrations)
    assert migrations.json() == {"migrations": []}  # no resize yet (test_compute_external.py has them)
    assert client.get(f"{API}/os-migrations", headers=as_demo).status_code == 403
    versions = client.get("/compute/")
    assert_schema(f"{V}.versions", "list_versions", versions)
    assert [v["id"] for v in versions.json()["versions"]] == ["v2.0", "v2.1"]
    assert_schema(f"{V}.versions", "get_one_version", client.get("/compute/v2/"))
