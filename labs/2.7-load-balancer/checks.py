"""Checks for lab 2.7: a load balancer lab-lb on lab-lb-subnet with an HTTP listener on port 80 whose round-robin
pool holds lab-web1 and lab-web2, an HTTP health monitor, lab-web2 stopped and seen as ERROR (the pool and the
load balancer DEGRADED), and simulated traffic answered by lab-web1 alone."""

from lab.camp.engine import STACKLAB


def _lb(env):
    lb = env.conn.load_balancer.find_load_balancer("lab-lb", ignore_missing=True)
    assert lb is not None, "no load balancer called lab-lb"
    return lb


def _pool(env):
    """The pool behind lab-lb's HTTP listener on port 80."""
    lb = _lb(env)
    listeners = [li for li in env.conn.load_balancer.listeners(loadbalancer_id=lb.id)
                 if li.protocol == "HTTP" and li.protocol_port == 80]
    assert listeners, "lab-lb has no HTTP listener on port 80"
    assert listeners[0].default_pool_id, "the HTTP listener has no default pool"
    return env.conn.load_balancer.get_pool(listeners[0].default_pool_id)


def _address(env, name):
    server = env.server(name)
    assert server is not None, f"no server called {name}"
    return {ip["ip_address"] for port in env.ports_of(server) for ip in port.fixed_ips}


def _members(env, pool):
    return list(env.conn.load_balancer.members(pool.id))


def _tree(env, lb):
    # The status tree (`openstack loadbalancer status show`): openstacksdk has no call for it, so GET it.
    response = env.conn.load_balancer.get(f"/lbaas/loadbalancers/{lb.id}/status")
    assert response.status_code == 200, f"the status tree answered {response.status_code}"
    status = response.json()["statuses"]["loadbalancer"]
    pools = [p for li in status.get("listeners", []) for p in li.get("pools", [])]
    return status, pools


def check_loadbalancer(env):
    """lab-lb is ACTIVE with its VIP on lab-lb-subnet."""
    lb = _lb(env)
    subnet = env.subnet("lab-lb-subnet")
    assert subnet is not None, "no subnet called lab-lb-subnet"
    assert lb.vip_subnet_id == subnet.id, "lab-lb's VIP is not on lab-lb-subnet"
    assert lb.provisioning_status == "ACTIVE", f"lab-lb is {lb.provisioning_status}, not ACTIVE"


def check_pool(env):
    """lab-lb's HTTP listener on port 80 sends to a ROUND_ROBIN pool holding lab-web1 and lab-web2 (port 80)."""
    pool = _pool(env)
    assert pool.lb_algorithm == "ROUND_ROBIN", f"the pool balances by {pool.lb_algorithm}, not ROUND_ROBIN"
    members = {(m.address, m.protocol_port) for m in _members(env, pool)}
    for name in ("lab-web1", "lab-web2"):
        addresses = _address(env, name)
        assert any((a, 80) in members for a in addresses), f"{name} (port 80) is not a member of the pool"


def check_monitor(env):
    """The pool has an HTTP health monitor."""
    pool = _pool(env)
    assert pool.health_monitor_id, "the pool has no health monitor: nothing takes a failed member out"
    monitor = env.conn.load_balancer.get_health_monitor(pool.health_monitor_id)
    assert monitor.type == "HTTP", f"the health monitor checks {monitor.type}, not HTTP"


def check_degraded(env):
    """lab-web2 is stopped: its member is ERROR, lab-web1's ONLINE, and lab-lb DEGRADED."""
    lb = _lb(env)
    web2 = env.server("lab-web2")
    assert web2 is not None and web2.status == "SHUTOFF", "lab-web2 is not stopped (SHUTOFF)"
    status, pools = _tree(env, lb)
    by_address = {m["address"]: m["operating_status"] for p in pools for m in p.get("members", [])}
    for name, wanted in (("lab-web1", "ONLINE"), ("lab-web2", "ERROR")):
        seen = {by_address[a] for a in _address(env, name) if a in by_address}
        assert seen == {wanted}, f"{name}'s member is {', '.join(sorted(seen)) or 'missing'}, not {wanted}"
    assert status["operating_status"] == "DEGRADED", f"lab-lb is {status['operating_status']}, not DEGRADED"


def check_traffic(env):
    """Requests to lab-lb's VIP are all answered, by lab-web1 (the simulated traffic tool, 4 requests)."""
    lb = _lb(env)
    response = env.conn.session.post(f"/loadbalancers/{lb.id}/traffic", json={"traffic": {"requests": 4}},
                                     endpoint_filter=STACKLAB, raise_exc=False)
    assert response.status_code == 200, f"the traffic tool answered {response.status_code}"
    answers = response.json()["traffic"]["requests"]
    failed = [a for a in answers if a["status"] != 200]
    assert not failed, f"{len(failed)} of {len(answers)} requests failed: {failed[0]['reason']}"
    servers = {a["server"] for a in answers}
    assert servers == {"lab-web1"}, f"the requests were answered by {', '.join(sorted(servers))}, not lab-web1 alone"
