"""Host-level views: availability zones, hypervisors (admin), simple tenant usage."""

from __future__ import annotations

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.compute_support import API, create_server, project_id

HYPERVISOR_REQUIRED = {"cpu_info", "current_workload", "disk_available_least", "host_ip", "free_disk_gb",
                       "free_ram_mb", "hypervisor_hostname", "hypervisor_type", "hypervisor_version", "id",
                       "local_gb", "local_gb_used", "memory_mb", "memory_mb_used", "running_vms", "service",
                       "vcpus", "vcpus_used"}


def test_availability_zone_nova(client: TestClient, as_demo: dict) -> None:
    r = client.get(f"{API}/os-availability-zone", headers=as_demo)
    assert r.status_code == 200
    assert r.json() == {"availabilityZoneInfo": [{"zoneName": "nova", "zoneState": {"available": True},
                                                  "hosts": None}]}


def test_availability_zone_detail_lists_internal(client: TestClient, as_admin: dict) -> None:
    """OSC's test_availability_zone_list (as an operator): the detail view lists Nova's `internal` zone of the
    scheduler and conductor first, then `nova` with the compute service; a disabled service is not active."""
    zones = client.get(f"{API}/os-availability-zone/detail", headers=as_admin).json()["availabilityZoneInfo"]
    assert [(z["zoneName"], [sorted(services) for services in z["hosts"].values()]) for z in zones] == [
        ("internal", [["nova-conductor", "nova-scheduler"]]), ("nova", [["nova-compute"]])]
    services = client.get(f"{API}/os-services?binary=nova-compute", headers=as_admin).json()["services"]
    r = client.put(f"{API}/os-services/disable", headers=as_admin,
                   json={"host": services[0]["host"], "binary": "nova-compute"})
    assert r.status_code == 200, r.text
    zones = client.get(f"{API}/os-availability-zone/detail", headers=as_admin).json()["availabilityZoneInfo"]
    (host,) = zones[1]["hosts"].values()
    assert host["nova-compute"]["active"] is False


def test_hypervisors_for_admins(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict) -> None:
    create_server(client, cloud, as_demo, flavor="2")
    (hypervisor,) = client.get(f"{API}/os-hypervisors/detail", headers=as_admin).json()["hypervisors"]
    assert HYPERVISOR_REQUIRED <= set(hypervisor) <= HYPERVISOR_REQUIRED | {"state", "status"}
    assert (hypervisor["hypervisor_type"], hypervisor["running_vms"], hypervisor["vcpus_used"]) == ("fake", 1, 1)
    assert hypervisor["local_gb_used"] == 20
    listed = client.get(f"{API}/os-hypervisors", headers=as_admin).json()["hypervisors"]
    assert set(listed[0]) == {"id", "hypervisor_hostname", "state", "status"}
    stats = client.get(f"{API}/os-hypervisors/statistics", headers=as_admin).json()["hypervisor_statistics"]
    assert stats["count"] == 1 and stats["running_vms"] == 1
    assert client.get(f"{API}/os-hypervisors/1", headers=as_admin).json()["hypervisor"]["id"] == 1
    assert client.get(f"{API}/os-hypervisors/9", headers=as_admin).status_code == 404
    denied = client.get(f"{API}/os-hypervisors", headers=as_demo)
    assert denied.status_code == 403
    assert denied.json()["forbidden"]["message"] == (
        "Policy doesn't allow os_compute_api:os-hypervisors:list to be performed.")


def test_simple_tenant_usage(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    from datetime import timedelta

    server = create_server(client, cloud, as_demo, flavor="3")
    cloud.clock.advance(timedelta(hours=2))
    demo = project_id(client, as_demo)
    usage = client.get(f"{API}/os-simple-tenant-usage/{demo}", headers=as_demo).json()["tenant_usage"]
    (item,) = usage["server_usages"]
    assert item["instance_id"] == server["id"] and item["vcpus"] == 2
    assert 1.99 < item["hours"] < 2.1 and 3.9 < usage["total_vcpus_usage"] < 4.2


def test_simple_tenant_usage_with_start_after_end_is_novas_400(client: TestClient, cloud: Cloud, as_demo: dict) -> None:
    demo = project_id(client, as_demo)
    query = "start=2026-12-03T00:00:00&end=2026-12-01T00:00:00"
    for path in (f"os-simple-tenant-usage/{demo}", "os-simple-tenant-usage"):
        r = client.get(f"{API}/{path}?{query}", headers=as_demo)
        assert r.status_code == 400, r.text
        assert "The start time cannot occur after the end time." in r.json()["badRequest"]["message"]


def test_os_hosts_up_to_2_42(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict) -> None:
    """Nova's os-hosts (removed at 2.43): each service's host, and a compute host's resource rows
    ((total), (used_now), (used_max), then one per project with servers there)."""
    create_server(client, cloud, as_demo, flavor="2")
    at = {**as_admin, "OpenStack-API-Version": "compute 2.42"}
    hosts = client.get(f"{API}/os-hosts", headers=at).json()["hosts"]
    compute = [h for h in hosts if h["service"] == "compute"]
    assert len(compute) == 1 and compute[0]["zone"] == "nova"
    assert {h["service"] for h in hosts} >= {"compute", "scheduler", "conductor"}
    # A zone filters the list; a blank one (`?zone=`, tempest's test_list_hosts_with_a_blank_zone) filters nothing.
    assert client.get(f"{API}/os-hosts?zone=", headers=at).json()["hosts"] == hosts
    assert client.get(f"{API}/os-hosts?zone=nova", headers=at).json()["hosts"] == compute
    assert client.get(f"{API}/os-hosts?zone=elsewhere", headers=at).json()["hosts"] == []
    rows = client.get(f"{API}/os-hosts/{compute[0]['host_name']}", headers=at).json()["host"]
    projects = [r["resource"]["project"] for r in rows]
    assert projects == ["(total)", "(used_now)", "(used_max)", project_id(client, as_demo)]
    assert (rows[3]["resource"]["cpu"], rows[3]["resource"]["disk_gb"]) == (1, 20)
    assert set(rows[0]["resource"]) == {"host", "project", "cpu", "memory_mb", "disk_gb"}
    assert client.get(f"{API}/os-hosts/elsewhere", headers=at).status_code == 404
    assert client.get(f"{API}/os-hosts", headers={**as_demo, "OpenStack-API-Version": "compute 2.42"}
                      ).status_code == 403
    assert client.get(f"{API}/os-hosts", headers={**as_admin, "OpenStack-API-Version": "compute 2.43"}
                      ).status_code == 404


def test_os_hosts_update_and_power_actions(client: TestClient, as_admin: dict, as_demo: dict) -> None:
    """PUT /os-hosts/{host} and its power actions answer as Nova with the libvirt driver: 400 for a body its
    schema refuses (tempest sends the key it leaves out as null), 403 for non-admins, 404 for an unknown host,
    501 for a real one (the driver implements neither); gone from 2.43."""
    at = {**as_admin, "OpenStack-API-Version": "compute 2.42"}
    demo = {**as_demo, "OpenStack-API-Version": "compute 2.42"}
    host = next(h["host_name"] for h in client.get(f"{API}/os-hosts", headers=at).json()["hosts"]
                if h["service"] == "compute")
    url = f"{API}/os-hosts/{host}"
    for body in ({"status": "invalid", "maintenance_mode": "enable"}, {"status": "enable", "maintenance_mode": "x"},
                 {"status": None, "maintenance_mode": None}, {"status": "enable", "other": 1}):
        r = client.put(url, headers=at, json=body)
        assert r.status_code == 400, (body, r.text)
        assert "Invalid input" in r.json()["badRequest"]["message"]
    good = {"status": "enable", "maintenance_mode": "disable"}
    assert client.put(url, headers=demo, json=good).status_code == 403
    missing = client.put(f"{API}/os-hosts/nonexistent_hostname", headers=at, json=good)
    assert missing.status_code == 404, missing.text
    assert missing.json()["itemNotFound"]["message"] == "Compute host nonexistent_hostname could not be found."
    r = client.put(url, headers=at, json={"status": "Disable"})
    assert r.status_code == 501, r.text
    assert r.json() == {"notImplemented": {"code": 501,
                                           "message": "The requested functionality is not supported."}}
    assert client.put(url, headers=at, json={}).json() == {"host": host}  # Nova: nothing asked, nothing done
    for action in ("startup", "shutdown", "reboot"):
        assert client.get(f"{url}/{action}", headers=demo).status_code == 403
        assert client.get(f"{API}/os-hosts/nonexistent_hostname/{action}", headers=at).status_code == 404
        assert client.get(f"{url}/{action}", headers=at).status_code == 501
        assert client.get(f"{url}/{action}", headers={**as_admin, "OpenStack-API-Version": "compute 2.43"}
                          ).status_code == 404
    assert client.put(url, headers={**as_admin, "OpenStack-API-Version": "compute 2.43"}, json=good
                      ).status_code == 404
    # the lab's own switch is os-services: the update changed nothing there
    services = client.get(f"{API}/os-services?binary=nova-compute", headers=as_admin).json()["services"]
    assert services[0]["status"] == "enabled"
