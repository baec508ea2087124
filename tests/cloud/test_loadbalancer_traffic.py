"""The traffic tool (POST /lab/v1/loadbalancers/{id}/traffic) in process: round robin by weight, a stopped member's
requests failing until a health monitor takes it out, cookie and source-IP persistence, an L7 redirect to a second
pool, the stats it counts, bad input and another project's load balancer."""

from __future__ import annotations

from collections import Counter
from typing import Any

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.compute_support import API as NOVA
from tests.cloud.compute_support import create_server, other_headers
from tests.cloud.test_loadbalancer_api import LB, post, server_ip, web_tier


def traffic(client: TestClient, headers: dict[str, str], lb_id: str, **body: Any) -> dict[str, Any]:
    r = client.post(f"/lab/v1/loadbalancers/{lb_id}/traffic", headers=headers, json={"traffic": body})
    assert r.status_code == 200, r.text
    return r.json()["traffic"]  # type: ignore[no-any-return]


def answered(result: dict[str, Any]) -> list[str]:
    """Who answered each request: the server's name, or the status when nobody did."""
    return [a["server"] if a["status"] == 200 else str(a["status"]) for a in result["requests"]]


def two_web_servers(client: TestClient, cloud: Cloud, headers: dict[str, str], **member: Any
                    ) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    subnet, lb, _listener, pool = web_tier(client, cloud, headers)
    servers = [create_server(client, cloud, headers, name=f"web{n}") for n in (1, 2)]
    members = [post(client, cloud, headers, f"pools/{pool['id']}/members", "member",
                    {"address": server_ip(s), "protocol_port": 80, "subnet_id": subnet["id"], "name": f"m{n}",
                     **(member if n == 1 else {})})
               for n, s in enumerate(servers, 1)]
    return lb, pool, servers, members


def test_round_robin_spreads_by_weight_and_counts_stats(client: TestClient, cloud: Cloud,
                                                        as_demo: dict[str, str]) -> None:
    lb, pool, _servers, members = two_web_servers(client, cloud, as_demo)
    result = traffic(client, as_demo, lb["id"], requests=6)
    assert answered(result) == ["web1", "web2"] * 3
    assert result["requests"][0]["body"] == "Hello from web1" and result["errors"] == 0
    assert [(m["name"], m["requests"]) for m in result["members"]] == [("m1", 3), ("m2", 3)]
    assert answered(traffic(client, as_demo, lb["id"], requests=2)) == ["web1", "web2"]  # the rotation goes on
    stats = client.get(f"{LB}/loadbalancers/{lb['id']}/stats", headers=as_demo).json()["stats"]
    assert stats["total_connections"] == 8 and stats["request_errors"] == 0
    assert stats["bytes_in"] > 0 and stats["bytes_out"] > 0
    listener_id = result["listener_id"]
    listener_stats = client.get(f"{LB}/listeners/{listener_id}/stats", headers=as_demo).json()["stats"]
    assert listener_stats["total_connections"] == 8

    r = client.put(f"{LB}/pools/{pool['id']}/members/{members[0]['id']}", headers=as_demo,
                   json={"member": {"weight": 3}})
    assert r.status_code == 200, r.text
    cloud.worker.run_due()
    assert Counter(answered(traffic(client, as_demo, lb["id"], requests=8))) == {"web1": 6, "web2": 2}


def test_a_stopped_member_fails_until_a_monitor_takes_it_out(client: TestClient, cloud: Cloud,
                                                             as_demo: dict[str, str]) -> None:
    lb, pool, servers, _members = two_web_servers(client, cloud, as_demo)
    assert client.post(f"{NOVA}/servers/{servers[1]['id']}/action", headers=as_demo,
                       json={"os-stop": None}).status_code == 202
    cloud.worker.run_due()
    result = traffic(client, as_demo, lb["id"], requests=4)
    assert answered(result) == ["web1", "503"] * 2 and result["errors"] == 2  # NO_MONITOR: haproxy still sends
    post(client, cloud, as_demo, "healthmonitors", "healthmonitor",
         {"pool_id": pool["id"], "type": "HTTP", "delay": 5, "timeout": 3, "max_retries": 2})
    result = traffic(client, as_demo, lb["id"], requests=4)
    assert answered(result) == ["web1"] * 4 and result["errors"] == 0
    assert [m["operating_status"] for m in result["members"]] == ["ONLINE", "ERROR"]
    stats = client.get(f"{LB}/loadbalancers/{lb['id']}/stats", headers=as_demo).json()["stats"]
    assert (stats["total_connections"], stats["request_errors"]) == (8, 2)


def test_session_persistence_sticks_to_one_member(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    lb, pool, _servers, _members = two_web_servers(client, cloud, as_demo)
    r = client.put(f"{LB}/pools/{pool['id']}", headers=as_demo,
                   json={"pool": {"session_persistence": {"type": "HTTP_COOKIE"}}})
    assert r.status_code == 200, r.text
    cloud.worker.run_due()
    assert len(set(answered(traffic(client, as_demo, lb["id"], requests=5)))) == 1
    assert answered(traffic(client, as_demo, lb["id"], requests=4, keep_cookies=False)) == ["web2", "web1"] * 2

    client.put(f"{LB}/pools/{pool['id']}", headers=as_demo,
               json={"pool": {"session_persistence": {"type": "SOURCE_IP"}}})
    cloud.worker.run_due()
    seen = {ip: set(answered(traffic(client, as_demo, lb["id"], requests=3, client_address=ip)))
            for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4")}
    assert all(len(servers) == 1 for servers in seen.values()), seen
    assert set.union(*seen.values()) == {"web1", "web2"}, seen  # different clients land on different members


def test_l7_policy_sends_static_to_a_second_pool(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    lb, pool, servers, _members = two_web_servers(client, cloud, as_demo)
    listener_id = client.get(f"{LB}/pools/{pool['id']}", headers=as_demo).json()["pool"]["listeners"][0]["id"]
    static = post(client, cloud, as_demo, "pools", "pool",
                  {"loadbalancer_id": lb["id"], "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN", "name": "static"})
    files = create_server(client, cloud, as_demo, name="files1")
    post(client, cloud, as_demo, f"pools/{static['id']}/members", "member",
         {"address": server_ip(files), "protocol_port": 80})
    policy = post(client, cloud, as_demo, "l7policies", "l7policy",
                  {"listener_id": listener_id, "action": "REDIRECT_TO_POOL", "redirect_pool_id": static["id"]})
    post(client, cloud, as_demo, f"l7policies/{policy['id']}/rules", "rule",
         {"type": "PATH", "compare_type": "STARTS_WITH", "value": "/static"})
    assert answered(traffic(client, as_demo, lb["id"], requests=2, path="/static/logo.png")) == ["files1"] * 2
    assert answered(traffic(client, as_demo, lb["id"], requests=2, path="/index.html")) == ["web1", "web2"]
    assert servers


def test_bad_traffic_is_400_and_others_get_403(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    lb, _pool, _servers, _members = two_web_servers(client, cloud, as_demo)
    url = f"/lab/v1/loadbalancers/{lb['id']}/traffic"
    for body in ({"traffic": {"requests": 0}}, {"traffic": {"requests": "5"}}, {"traffic": {"path": "x"}},
                 {"traffic": {"bogus": 1}}, {"requests": 5}, [1]):
        r = client.post(url, headers=as_demo, json=body)
        assert r.status_code == 400, (body, r.text)
        assert "error" in r.json()
    assert client.post(url, headers=other_headers(client, cloud), json={"traffic": {}}).status_code == 403
    result = traffic(client, as_demo, lb["id"], requests=1, protocol_port=8080)
    assert result["requests"][0]["status"] == 0 and result["errors"] == 1  # no listener there: refused
    stats = client.get(f"{LB}/loadbalancers/{lb['id']}/stats", headers=as_demo).json()["stats"]
    assert (stats["total_connections"], stats["request_errors"]) == (1, 1)


def test_lists_filter_by_parent_and_fields(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """`?loadbalancer_id=` keeps one load balancer's listeners (octavia-tempest-plugin lists them so), and
    `?fields=name` on the providers answers only names."""
    _subnet, lb, listener, _pool = web_tier(client, cloud, as_demo)
    _subnet, other_lb, _l, _p = web_tier(client, cloud, as_demo)
    found = client.get(f"{LB}/listeners?loadbalancer_id={lb['id']}", headers=as_demo).json()["listeners"]
    assert [li["id"] for li in found] == [listener["id"]]
    assert other_lb["id"] != lb["id"]
    providers = client.get(f"{LB}/providers?fields=name", headers=as_demo).json()["providers"]
    assert providers == [{"name": "amphora"}, {"name": "octavia"}]


def test_octavia_rules_the_plugin_checks(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """An IPv6 allowed CIDR on an IPv4 VIP is 400; an L7 policy moved past the end of its list lands last, and
    positions stay 1..n (octavia-tempest-plugin asserts both)."""
    _subnet, lb, listener, pool = web_tier(client, cloud, as_demo)
    r = client.put(f"{LB}/listeners/{listener['id']}", headers=as_demo,
                   json={"listener": {"allowed_cidrs": ["2001:db8::/64"]}})
    assert r.status_code == 400 and "IP version incompatible" in r.json()["faultstring"]
    policy = post(client, cloud, as_demo, "l7policies", "l7policy",
                  {"listener_id": listener["id"], "action": "REDIRECT_TO_POOL", "redirect_pool_id": pool["id"]})
    r = client.put(f"{LB}/l7policies/{policy['id']}", headers=as_demo, json={"l7policy": {"position": 2}})
    assert r.status_code == 200 and r.json()["l7policy"]["position"] == 1
    assert lb["vip_address"]
