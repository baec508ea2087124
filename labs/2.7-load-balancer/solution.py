"""Reference solution for lab 2.7."""


def _settled(env, lb):
    return env.wait(lambda: env.conn.load_balancer.get_load_balancer(lb.id),
                    lambda x: x.provisioning_status in ("ACTIVE", "ERROR"), "lab-lb to be ACTIVE")


def build(env, monitor=True):
    """Both web servers behind lab-lb (with an HTTP health monitor unless told otherwise), lab-web2 stopped."""
    net, lbs = env.conn.network, env.conn.load_balancer
    network = net.create_network(name="lab-lb-net")
    subnet = net.create_subnet(network_id=network.id, name="lab-lb-subnet", ip_version=4, cidr="192.168.107.0/24")
    servers = [env.boot(name, networks=[{"uuid": network.id}]) for name in ("lab-web1", "lab-web2")]
    lb = _settled(env, lbs.create_load_balancer(name="lab-lb", vip_subnet_id=subnet.id))
    listener = lbs.create_listener(name="lab-http", loadbalancer_id=lb.id, protocol="HTTP", protocol_port=80)
    _settled(env, lb)
    pool = lbs.create_pool(name="lab-pool", listener_id=listener.id, protocol="HTTP", lb_algorithm="ROUND_ROBIN")
    _settled(env, lb)
    for n, server in enumerate(servers, 1):
        address = env.ports_of(server)[0].fixed_ips[0]["ip_address"]
        lbs.create_member(pool, name=f"web{n}", address=address, protocol_port=80, subnet_id=subnet.id)
        _settled(env, lb)
    if monitor:
        lbs.create_health_monitor(name="lab-check", pool_id=pool.id, type="HTTP", delay=5, timeout=3,
                                  max_retries=2, url_path="/")
        _settled(env, lb)
    env.conn.compute.stop_server(servers[1])
    env.wait_server(servers[1], "SHUTOFF")


def solve(env):
    build(env)
