"""Reference answer for exercise nb2."""


def solve(env):
    net = env.conn.network
    group = net.create_security_group(name="nb2-web")
    for port in (80, 443):
        net.create_security_group_rule(security_group_id=group.id, direction="ingress", ethertype="IPv4",
                                       protocol="tcp", port_range_min=port, port_range_max=port,
                                       remote_ip_prefix="0.0.0.0/0")
