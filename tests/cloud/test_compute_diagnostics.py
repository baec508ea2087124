"""Server diagnostics (GET /servers/{id}/diagnostics, admin: 2.48's standard shape, the libvirt dict before),
os-server-password and os-instance_usage_audit_log, through the API as tempest and the CLI send them, checked
against tempest's response schemas."""

from __future__ import annotations

from urllib.parse import quote

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.api_schemas import assert_schema
from tests.cloud.compute_support import API, create_server


def at(headers: dict[str, str], version: str) -> dict[str, str]:
    return {**headers, "OpenStack-API-Version": f"compute {version}"}


def test_diagnostics_standard_from_2_48(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    server = create_server(client, cloud, as_demo, flavor="2")  # m1.small: 1 vCPU, 2048 MB
    url = f"{API}/servers/{server['id']}/diagnostics"
    r = client.get(url, headers=at(as_admin, "2.48"))
    assert_schema("compute.v2_48.servers", "show_server_diagnostics", r)
    d = r.json()
    assert (d["state"], d["driver"], d["hypervisor_os"], d["config_drive"]) == ("running", "libvirt", "linux", False)
    assert d["memory_details"]["maximum"] == 2048 and 0 < d["memory_details"]["used"] < 2048
    assert d["num_cpus"] == len(d["cpu_details"]) == 1 and d["cpu_details"][0]["time"] > 0
    assert d["num_disks"] == 1 and d["disk_details"][0]["read_bytes"] > 0
    port_macs = {p["mac_address"] for p in client.get(f"/network/v2.0/ports?device_id={server['id']}",
                                                      headers=as_admin).json()["ports"]}
    assert d["num_nics"] == len(port_macs) and {n["mac_address"] for n in d["nic_details"]} == port_macs
    assert d["uptime"] is not None and d["uptime"] >= 0
    # A reboot is another boot of the simulated guest: its counters grow.
    client.post(f"{API}/servers/{server['id']}/action", headers=as_demo, json={"reboot": {"type": "HARD"}})
    cloud.worker.run_due()
    again = client.get(url, headers=at(as_admin, "2.48")).json()
    assert again["disk_details"][0]["read_bytes"] > d["disk_details"][0]["read_bytes"]
    assert again["cpu_details"][0]["time"] > d["cpu_details"][0]["time"]


def test_diagnostics_before_2_48_and_refusals(client: TestClient, cloud: Cloud, as_demo: dict,
                                              as_admin: dict) -> None:
    server = create_server(client, cloud, as_demo)
    url = f"{API}/servers/{server['id']}/diagnostics"
    r = client.get(url, headers=at(as_admin, "2.47"))
    assert_schema("compute.v2_1.servers", "show_server_diagnostics", r)
    legacy = r.json()
    assert legacy["memory"] == 512 * 1024 and legacy["cpu0_time"] > 0 and legacy["vda_read"] > 0
    assert "state" not in legacy
    # Nova's policy: admin only (a member of the server's project is 403); an unknown server is 404.
    denied = client.get(url, headers=as_demo)
    assert denied.status_code == 403, denied.text
    assert client.get(f"{API}/servers/00000000-0000-4000-8000-000000000000/diagnostics",
                      headers=as_admin).status_code == 404
    # Only a running guest is asked (Nova's compute manager): a stopped one is 409 with its power state.
    client.post(f"{API}/servers/{server['id']}/action", headers=as_demo, json={"os-stop": None})
    cloud.worker.run_due()
    stopped = client.get(url, headers=as_admin)
    assert stopped.status_code == 409, stopped.text
    assert stopped.json()["conflictingRequest"]["message"] == (
        f"Cannot 'get_diagnostics' instance {server['id']} while it is in power state shutdown")
    building = create_server(client, cloud, as_demo, name="vm2", run=False)
    early = client.get(f"{API}/servers/{building['id']}/diagnostics", headers=as_admin)
    assert early.status_code == 409 and "is not ready" in early.text


def test_server_password(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """os-server-password: the guest never posted one (this metadata service takes no posts), so "" as Nova
    answers before one is set; DELETE is 204; Nova's rules (reader shows, member clears), 404 for no server."""
    server = create_server(client, cloud, as_demo)
    url = f"{API}/servers/{server['id']}/os-server-password"
    r = client.get(url, headers=as_demo)
    assert_schema("compute.v2_1.servers", "show_password", r)
    assert r.json() == {"password": ""}
    cleared = client.delete(url, headers=as_demo)
    assert_schema("compute.v2_1.servers", "server_actions_delete_password", cleared)
    assert cleared.content == b""
    assert client.get(url, headers=as_admin).json() == {"password": ""}
    missing = f"{API}/servers/00000000-0000-4000-8000-000000000000/os-server-password"
    assert client.get(missing, headers=as_demo).status_code == 404
    assert client.delete(missing, headers=as_demo).status_code == 404


def test_instance_usage_audit_log(client: TestClient, cloud: Cloud, as_demo: dict, as_admin: dict) -> None:
    """Nova with instance_usage_audit off (its default): the one compute host has not run the audit; the
    period is the month that ended before now (or before the time given)."""
    r = client.get(f"{API}/os-instance_usage_audit_log", headers=as_admin)
    assert_schema("compute.v2_1.instance_usage_audit_logs", "list_instance_usage_audit_log", r)
    log = r.json()["instance_usage_audit_logs"]
    compute_hosts = [s["host"] for s in client.get(f"{API}/os-services?binary=nova-compute",
                                                   headers=as_admin).json()["services"]]
    assert log["hosts_not_run"] == compute_hosts and log["num_hosts"] == log["num_hosts_not_run"] == 1
    assert log["overall_status"] == "0 of 1 hosts done. 0 errors." and log["log"] == {}
    shown = client.get(f"{API}/os-instance_usage_audit_log/{quote('2026-03-15 10:20:30')}", headers=as_admin)
    assert_schema("compute.v2_1.instance_usage_audit_logs", "get_instance_usage_audit_log", shown)
    period = shown.json()["instance_usage_audit_log"]
    assert (period["period_beginning"], period["period_ending"]) == ("2026-02-01 00:00:00", "2026-03-01 00:00:00")
    january = client.get(f"{API}/os-instance_usage_audit_log/{quote('2026-01-01 00:00:00.5')}", headers=as_admin)
    assert january.json()["instance_usage_audit_log"]["period_beginning"] == "2025-12-01 00:00:00"
    midnight = client.get(f"{API}/os-instance_usage_audit_log/{quote('2026-01-01 00:00:00')}", headers=as_admin)
    assert midnight.json()["instance_usage_audit_log"]["period_beginning"] == "2025-11-01 00:00:00"
    bad = client.get(f"{API}/os-instance_usage_audit_log/invalid_time", headers=as_admin)
    assert bad.status_code == 400 and bad.json()["badRequest"]["message"] == "Invalid timestamp for date invalid_time"
    for path in ("os-instance_usage_audit_log", f"os-instance_usage_audit_log/{quote('2026-03-15 10:20:30')}"):
        assert client.get(f"{API}/{path}", headers=as_demo).status_code == 403
