"""Two web servers behind a load balancer with a health monitor; one of them shut off (the pool DEGRADED)."""

import time


def _settled(env, lbs, lb_id):
    return env.student().wait(lambda: lbs.get_load_balancer(lb_id),
                              lambda x: x.provisioning_status in ("ACTIVE", "ERROR"), "drill-lb to be ACTIVE")


def inject(env):
    network, subnet = env.network_with_subnet("lb-net", "10.67.0.0/24")
    student = env.student()
    lbs = student.conn.load_balancer
    state = env.made
    state.update(network_id=network.id, server_ids=[])
    servers = []
    for n in (1, 2):
        servers.append(student.boot(env.name(f"lb-web{n}"), networks=[{"uuid": network.id}]))
        state["server_ids"].append(servers[-1].id)
    assert all(s.status == "ACTIVE" for s in servers), "the web servers did not boot"
    state["stopped"] = servers[1].name
    lb = lbs.create_load_balancer(name=env.name("lb"), vip_subnet_id=subnet.id)
    state["lb_id"] = lb.id
    _settled(env, lbs, lb.id)
    listener = lbs.create_listener(name=env.name("lb-http"), loadbalancer_id=lb.id, protocol="HTTP",
                                   protocol_port=80)
    _settled(env, lbs, lb.id)
    pool = lbs.create_pool(name=env.name("lb-pool"), listener_id=listener.id, protocol="HTTP",
                           lb_algorithm="ROUND_ROBIN")
    _settled(env, lbs, lb.id)
    for n, server in enumerate(servers, 1):
        address = student.ports_of(server)[0].fixed_ips[0]["ip_address"]
        lbs.create_member(pool, name=f"web{n}", address=address, protocol_port=80, subnet_id=subnet.id)
        _settled(env, lbs, lb.id)
    lbs.create_health_monitor(name=env.name("lb-check"), pool_id=pool.id, type="HTTP", delay=5, timeout=3,
                              max_retries=2, url_path="/")
    _settled(env, lbs, lb.id)
    env.conn.compute.stop_server(servers[1].id)  # the operator's (or a host's) doing, not the student's
    student.wait_server(servers[1], "SHUTOFF")
    return state


def check(env, state):
    lb = env.conn.load_balancer.find_load_balancer(state["lb_id"])
    assert lb is not None, "drill-lb is gone: repair its pool, do not replace it (its address would change)"
    status = env.conn.load_balancer.get(f"/lbaas/loadbalancers/{lb.id}/status").json()["statuses"]["loadbalancer"]
    members = [m for listener in status.get("listeners", []) for pool in listener.get("pools", [])
               for m in pool.get("members", [])]
    assert len(members) == 2, "drill-lb's pool no longer has both web servers"
    down = [m["name"] for m in members if m["operating_status"] != "ONLINE"]
    assert not down, f"drill-lb is {status['operating_status']}: member {', '.join(down)} fails its health check"


def undo(env, state):
    lbs = env.conn.load_balancer
    if state.get("lb_id") and lbs.find_load_balancer(state["lb_id"]) is not None:
        lbs.delete_load_balancer(state["lb_id"], cascade=True)
        deadline = time.monotonic() + 120  # the cascade delete goes through PENDING_DELETE
        while lbs.find_load_balancer(state["lb_id"]) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
    for server_id in state.get("server_ids", []):
        env.delete_server(server_id)
    env.delete_network(state.get("network_id"))
