"""The load-balancing API (Octavia v2) in process: provisioning statuses and Octavia's 409s, the VIP as a real
Neutron port, operating status from the members' servers, cascade delete, isolation, quotas, bad input and the
student reset. The worker is run by hand (`cloud.worker.run_due()`), so pending states can be seen."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.labapi.reset import leftovers
from tests.camp.test_camp_api import L, make_class, student_headers
from tests.cloud.compute_support import API as NOVA
from tests.cloud.compute_support import create_server, other_headers, project_id

LB = "/load-balancer/v2/lbaas"
NET = "/network/v2.0"


def private_subnet(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    subnets = client.get(f"{NET}/subnets?name=private-subnet", headers=headers).json()["subnets"]
    return subnets[0]  # type: ignore[no-any-return]


def make_lb(client: TestClient, cloud: Cloud, headers: dict[str, str], subnet_id: str, run: bool = True,
            **extra: Any) -> dict[str, Any]:
    r = client.post(f"{LB}/loadbalancers", headers=headers,
                    json={"loadbalancer": {"name": "web", "vip_subnet_id": subnet_id, **extra}})
    assert r.status_code == 201, r.text
    if run:
        cloud.worker.run_due()
    return r.json()["loadbalancer"]  # type: ignore[no-any-return]


def post(client: TestClient, cloud: Cloud, headers: dict[str, str], path: str, key: str,
         body: dict[str, Any]) -> dict[str, Any]:
    """Create a child object (201), then let the worker settle the load balancer."""
    r = client.post(f"{LB}/{path}", headers=headers, json={key: body})
    assert r.status_code == 201, r.text
    assert r.json()[key]["provisioning_status"] == "PENDING_CREATE"
    cloud.worker.run_due()
    return r.json()[key]  # type: ignore[no-any-return]


def web_tier(client: TestClient, cloud: Cloud, headers: dict[str, str]) -> tuple[dict[str, Any], ...]:
    """A load balancer with an HTTP listener and a round-robin pool behind it."""
    subnet = private_subnet(client, headers)
    lb = make_lb(client, cloud, headers, subnet["id"])
    listener = post(client, cloud, headers, "listeners", "listener",
                    {"loadbalancer_id": lb["id"], "protocol": "HTTP", "protocol_port": 80})
    pool = post(client, cloud, headers, "pools", "pool",
                {"listener_id": listener["id"], "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN"})
    return subnet, lb, listener, pool


def server_ip(server: dict[str, Any]) -> str:
    return str(next(iter(server["addresses"].values()))[0]["addr"])


def tree(client: TestClient, headers: dict[str, str], lb_id: str) -> dict[str, Any]:
    r = client.get(f"{LB}/loadbalancers/{lb_id}/status", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["statuses"]["loadbalancer"]  # type: ignore[no-any-return]


def test_create_makes_a_vip_port_and_goes_active(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """POST answers PENDING_CREATE with the VIP from the subnet; the VIP is a port with device_owner Octavia;
    the worker makes it ACTIVE and ONLINE."""
    subnet = private_subnet(client, as_demo)
    lb = make_lb(client, cloud, as_demo, subnet["id"], run=False)
    assert (lb["provisioning_status"], lb["operating_status"]) == ("PENDING_CREATE", "OFFLINE")
    port = client.get(f"{NET}/ports/{lb['vip_port_id']}", headers=as_demo).json()["port"]
    assert port["device_owner"] == "Octavia" and port["device_id"] == f"lb-{lb['id']}"
    assert port["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": lb["vip_address"]}]
    assert lb["vip_network_id"] == subnet["network_id"]
    cloud.worker.run_due()
    shown = client.get(f"{LB}/loadbalancers/{lb['id']}", headers=as_demo).json()["loadbalancer"]
    assert (shown["provisioning_status"], shown["operating_status"]) == ("ACTIVE", "ONLINE")


def test_changes_while_pending_are_octavias_409(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """A listener on a load balancer still PENDING_CREATE, or a second change before the first settled: 409."""
    lb = make_lb(client, cloud, as_demo, private_subnet(client, as_demo)["id"], run=False)
    r = client.post(f"{LB}/listeners", headers=as_demo,
                    json={"listener": {"loadbalancer_id": lb["id"], "protocol": "TCP", "protocol_port": 22}})
    assert r.status_code == 409
    assert r.json() == {"faultcode": "Client", "faultstring": f"Load Balancer {lb['id']} is immutable and cannot be "
                        "updated.", "debuginfo": None}
    r = client.put(f"{LB}/loadbalancers/{lb['id']}", headers=as_demo, json={"loadbalancer": {"name": "x"}})
    assert r.status_code == 409 and "Invalid state PENDING_CREATE" in r.json()["faultstring"]
    cloud.worker.run_due()
    assert client.get(f"{LB}/listeners", headers=as_demo).json()["listeners"] == []


def test_member_health_follows_its_server(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """Without a monitor members are NO_MONITOR; with one, ONLINE while their server is ACTIVE; stopping one of
    two servers makes the pool and load balancer DEGRADED, stopping both ERROR."""
    subnet, lb, _listener, pool = web_tier(client, cloud, as_demo)
    servers = [create_server(client, cloud, as_demo, name=f"web{n}") for n in (1, 2)]
    for server in servers:
        post(client, cloud, as_demo, f"pools/{pool['id']}/members", "member",
             {"address": server_ip(server), "protocol_port": 80, "subnet_id": subnet["id"]})
    members = tree(client, as_demo, lb["id"])["listeners"][0]["pools"][0]["members"]
    assert [m["operating_status"] for m in members] == ["NO_MONITOR", "NO_MONITOR"]

    post(client, cloud, as_demo, "healthmonitors", "healthmonitor",
         {"pool_id": pool["id"], "type": "HTTP", "delay": 5, "timeout": 3, "max_retries": 2, "url_path": "/"})
    status = tree(client, as_demo, lb["id"])
    pool_status = status["listeners"][0]["pools"][0]
    assert [m["operating_status"] for m in pool_status["members"]] == ["ONLINE", "ONLINE"]
    assert (status["operating_status"], pool_status["operating_status"]) == ("ONLINE", "ONLINE")
    assert pool_status["health_monitor"]["type"] == "HTTP"

    for n, server in enumerate(servers):
        assert client.post(f"{NOVA}/servers/{server['id']}/action", headers=as_demo,
                           json={"os-stop": None}).status_code == 202
        cloud.worker.run_due()
        status = tree(client, as_demo, lb["id"])
        expected = "DEGRADED" if n == 0 else "ERROR"
        assert status["operating_status"] == expected
        assert status["listeners"][0]["pools"][0]["operating_status"] == expected
    members = client.get(f"{LB}/pools/{pool['id']}/members", headers=as_demo).json()["members"]
    assert {m["operating_status"] for m in members} == {"ERROR"}


def test_member_address_is_checked_against_its_subnet(client: TestClient, cloud: Cloud,
                                                      as_demo: dict[str, str]) -> None:
    """An address outside the member's subnet, or an unknown subnet, is a 400 and creates nothing."""
    subnet, _lb, _listener, pool = web_tier(client, cloud, as_demo)
    r = client.post(f"{LB}/pools/{pool['id']}/members", headers=as_demo,
                    json={"member": {"address": "192.168.50.5", "protocol_port": 80, "subnet_id": subnet["id"]}})
    assert r.status_code == 400 and "is not on subnet" in r.json()["faultstring"]
    missing = "6d2b3f9e-7c1a-4b53-9a8e-1f6c2d3e4a5b"
    r = client.post(f"{LB}/pools/{pool['id']}/members", headers=as_demo,
                    json={"member": {"address": "10.0.0.9", "protocol_port": 80, "subnet_id": missing}})
    assert r.status_code == 400 and r.json()["faultstring"] == f"Subnet {missing} not found."
    assert client.get(f"{LB}/pools/{pool['id']}/members", headers=as_demo).json()["members"] == []


def test_delete_needs_cascade_and_takes_the_vip_port(client: TestClient, cloud: Cloud,
                                                     as_demo: dict[str, str]) -> None:
    """A load balancer with children refuses a plain delete (400); `cascade=true` removes it, its children and
    its VIP port, and disassociates the floating IP on it."""
    _subnet, lb, listener, pool = web_tier(client, cloud, as_demo)
    public = client.get(f"{NET}/networks?name=public", headers=as_demo).json()["networks"][0]
    fip = client.post(f"{NET}/floatingips", headers=as_demo, json={"floatingip": {
        "floating_network_id": public["id"], "port_id": lb["vip_port_id"]}})
    assert fip.status_code == 201, fip.text
    assert fip.json()["floatingip"]["fixed_ip_address"] == lb["vip_address"]
    r = client.delete(f"{LB}/loadbalancers/{lb['id']}", headers=as_demo)
    assert r.status_code == 400 and r.json()["faultstring"].endswith("it has children")
    assert client.delete(f"{LB}/loadbalancers/{lb['id']}?cascade=true", headers=as_demo).status_code == 204
    shown = client.get(f"{LB}/loadbalancers/{lb['id']}", headers=as_demo).json()["loadbalancer"]
    assert shown["provisioning_status"] == "PENDING_DELETE"
    cloud.worker.run_due()
    for path in (f"loadbalancers/{lb['id']}", f"listeners/{listener['id']}", f"pools/{pool['id']}"):
        assert client.get(f"{LB}/{path}", headers=as_demo).status_code == 404
    assert client.get(f"{NET}/ports/{lb['vip_port_id']}", headers=as_demo).status_code == 404
    fip_id = fip.json()["floatingip"]["id"]
    assert client.get(f"{NET}/floatingips/{fip_id}", headers=as_demo).json()["floatingip"]["port_id"] is None


def test_another_project_sees_nothing(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """Another project's member gets Octavia's 403 for the load balancer and its pool's members (Octavia looks an
    object up, then checks its project), an empty list, and cannot hang a listener on it or delete it."""
    _subnet, lb, _listener, pool = web_tier(client, cloud, as_demo)
    other = other_headers(client, cloud)
    assert client.get(f"{LB}/loadbalancers/{lb['id']}", headers=other).status_code == 403
    assert client.get(f"{LB}/loadbalancers/{lb['id']}/status", headers=other).status_code == 403
    assert client.get(f"{LB}/loadbalancers", headers=other).json()["loadbalancers"] == []
    assert client.get(f"{LB}/pools/{pool['id']}/members", headers=other).status_code == 403
    r = client.post(f"{LB}/listeners", headers=other,
                    json={"listener": {"loadbalancer_id": lb["id"], "protocol": "TCP", "protocol_port": 22}})
    assert r.status_code == 403 and r.json()["faultcode"] == "Client"
    assert client.delete(f"{LB}/loadbalancers/{lb['id']}?cascade=true", headers=other).status_code == 403
    assert client.get(f"{LB}/loadbalancers/{lb['id']}", headers=as_demo).json()["loadbalancer"]["name"] == "web"


def test_quota_refuses_the_next_load_balancer(client: TestClient, cloud: Cloud, as_admin: dict[str, str],
                                              as_demo: dict[str, str]) -> None:
    """With a quota of one load balancer the second is Octavia's 403 and no port is taken for it."""
    demo = project_id(client, as_demo)
    r = client.put(f"{LB}/quotas/{demo}", headers=as_admin, json={"quota": {"loadbalancer": 1}})
    assert r.status_code == 202 and r.json()["quota"]["load_balancer"] == 1
    assert client.put(f"{LB}/quotas/{demo}", headers=as_demo, json={"quota": {"pool": 9}}).status_code == 403
    subnet = private_subnet(client, as_demo)
    make_lb(client, cloud, as_demo, subnet["id"])
    ports = len(client.get(f"{NET}/ports", headers=as_demo).json()["ports"])
    r = client.post(f"{LB}/loadbalancers", headers=as_demo,
                    json={"loadbalancer": {"vip_subnet_id": subnet["id"]}})
    assert r.status_code == 403
    assert r.json()["faultstring"] == "Quota has been met for resources: Load Balancer"
    assert len(client.get(f"{NET}/ports", headers=as_demo).json()["ports"]) == ports
    assert client.get(f"{LB}/quotas/{demo}", headers=as_demo).json()["quota"]["loadbalancer"] == 1


MISSING = "6d2b3f9e-7c1a-4b53-9a8e-1f6c2d3e4a5b"


@pytest.mark.parametrize(("body", "fragment"), [
    ({"vip_subnet_id": "x"}, "Invalid UUID value"),
    ({"name": "no-vip"}, "VIP must contain one of"),
    ({"vip_network_id": MISSING}, f"Network {MISSING} not found"),
    ({"vip_subnet_id": MISSING}, f"Subnet {MISSING} not found"),
    ({"vip_subnet_id": MISSING, "colour": "red"}, "Unknown attribute"),
    ({"vip_subnet_id": MISSING, "admin_state_up": "yes"}, "Wrong type"),
])
def test_bad_load_balancer_bodies_are_400(client: TestClient, as_demo: dict[str, str], body: dict[str, Any],
                                          fragment: str) -> None:
    """Bad input is a 400 in Octavia's body and creates nothing."""
    r = client.post(f"{LB}/loadbalancers", headers=as_demo, json={"loadbalancer": body})
    assert r.status_code == 400, r.text
    assert fragment in r.json()["faultstring"] and r.json()["faultcode"] == "Client"
    assert client.get(f"{LB}/loadbalancers", headers=as_demo).json()["loadbalancers"] == []


def test_listener_and_pool_rules(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """A second listener on the same port is 409, a UDP pool behind an HTTP listener is 400, a second default
    pool is 409, and a pool an L7 policy redirects to cannot be deleted."""
    _subnet, lb, listener, pool = web_tier(client, cloud, as_demo)
    r = client.post(f"{LB}/listeners", headers=as_demo,
                    json={"listener": {"loadbalancer_id": lb["id"], "protocol": "TCP", "protocol_port": 80}})
    assert r.status_code == 409 and "already using protocol_port 80" in r.json()["faultstring"]
    r = client.post(f"{LB}/pools", headers=as_demo, json={"pool": {
        "listener_id": listener["id"], "protocol": "UDP", "lb_algorithm": "ROUND_ROBIN"}})
    assert r.status_code == 400 and "is invalid while the listener protocol is 'HTTP'" in r.json()["faultstring"]
    r = client.post(f"{LB}/pools", headers=as_demo, json={"pool": {
        "listener_id": listener["id"], "protocol": "HTTP", "lb_algorithm": "SOURCE_IP"}})
    assert r.status_code == 409 and r.json()["faultstring"] == "This listener already has a default pool"
    static = post(client, cloud, as_demo, "pools", "pool", {
        "loadbalancer_id": lb["id"], "protocol": "HTTP", "lb_algorithm": "LEAST_CONNECTIONS",
        "session_persistence": {"type": "HTTP_COOKIE"}})
    assert static["session_persistence"]["type"] == "HTTP_COOKIE"
    assert tree(client, as_demo, lb["id"])["listeners"][0]["pools"][0]["id"] == pool["id"]
    policy = post(client, cloud, as_demo, "l7policies", "l7policy", {
        "listener_id": listener["id"], "action": "REDIRECT_TO_POOL", "redirect_pool_id": static["id"]})
    rule = post(client, cloud, as_demo, f"l7policies/{policy['id']}/rules", "rule",
                {"type": "PATH", "compare_type": "STARTS_WITH", "value": "/static"})
    assert rule["value"] == "/static"
    shown = client.get(f"{LB}/pools/{static['id']}", headers=as_demo).json()["pool"]
    assert shown["listeners"] == [{"id": listener["id"]}] and shown["operating_status"] == "ONLINE"
    r = client.delete(f"{LB}/pools/{static['id']}", headers=as_demo)
    assert r.status_code == 409 and r.json()["faultstring"] == f"Pool {static['id']} is in use by L7 policy " \
        f"{policy['id']}"


def test_batch_update_replaces_the_members(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """PUT /pools/{id}/members: listed members are created or updated, the others deleted."""
    subnet, _lb, _listener, pool = web_tier(client, cloud, as_demo)
    post(client, cloud, as_demo, f"pools/{pool['id']}/members", "member",
         {"address": "10.0.0.30", "protocol_port": 80, "subnet_id": subnet["id"]})
    r = client.put(f"{LB}/pools/{pool['id']}/members", headers=as_demo, json={"members": [
        {"address": "10.0.0.31", "protocol_port": 80, "weight": 5, "subnet_id": subnet["id"]},
        {"address": "10.0.0.32", "protocol_port": 80, "admin_state_up": False}]})
    assert r.status_code == 202, r.text
    cloud.worker.run_due()
    members = client.get(f"{LB}/pools/{pool['id']}/members", headers=as_demo).json()["members"]
    assert sorted((m["address"], m["weight"], m["operating_status"]) for m in members) == [
        ("10.0.0.31", 5, "NO_MONITOR"), ("10.0.0.32", 1, "OFFLINE")]


def test_reset_purges_load_balancers_and_their_ports(client: TestClient, cloud: Cloud,
                                                     as_admin: dict[str, str]) -> None:
    """A student reset removes the student's load balancers with their VIP ports and leaves the other's."""
    s1, s2 = make_class(client, as_admin)
    lbs = []
    for student in (s1, s2):
        h = student_headers(client, student)
        net = client.post(f"{NET}/networks", headers=h, json={"network": {"name": "n"}}).json()["network"]
        subnet = client.post(f"{NET}/subnets", headers=h, json={"subnet": {
            "network_id": net["id"], "cidr": "192.168.7.0/24", "ip_version": 4}}).json()["subnet"]
        lbs.append((h, make_lb(client, cloud, h, subnet["id"])))
    r = client.post(f"{L}/students/student01/reset", headers=as_admin)
    assert r.status_code == 200, r.text
    assert r.json()["reset"]["removed"]["load_balancers"] == 1
    cloud.worker.run_due()
    assert leftovers(cloud, s1["project_id"], [s1["user_id"]]) == {}
    (h1, lb1), (h2, lb2) = lbs
    assert client.get(f"{NET}/ports/{lb1['vip_port_id']}", headers=as_admin).status_code == 404
    assert client.get(f"{LB}/loadbalancers/{lb2['id']}", headers=h2).json()["loadbalancer"]["provisioning_status"] \
        == "ACTIVE"


def test_catalog_providers_and_versions(client: TestClient, as_demo: dict[str, str]) -> None:
    """The token's catalog has load-balancer; GET /load-balancer lists v2; the amphora provider is listed."""
    r = client.get("/identity/v3/auth/catalog", headers=as_demo)
    assert "load-balancer" in [entry["type"] for entry in r.json()["catalog"]]
    versions = client.get("/load-balancer").json()["versions"]
    assert [v["id"] for v in versions][:2] == ["v2.0", "v2.1"]
    assert [v["id"] for v in versions if v["status"] == "CURRENT"] == ["v2.22"]
    assert versions[0]["updated"] == "2016-12-11T00:00:00Z" and versions[0]["links"][0]["href"].endswith("/v2")
    names = [p["name"] for p in client.get(f"{LB}/providers", headers=as_demo).json()["providers"]]
    assert "amphora" in names
    assert client.get("/load-balancer/v2.0/lbaas/loadbalancers", headers=as_demo).status_code == 200
