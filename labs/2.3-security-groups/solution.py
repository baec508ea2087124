"""Reference solution for lab 2.3."""


def solve(env):
    net = env.conn.network
    group = net.create_security_group(name="lab-ssh", description="ssh and ping")
    net.create_security_group_rule(security_group_id=group.id, direction="ingress", ethertype="IPv4",
                                   protocol="tcp", port_range_min=22, port_range_max=22,
                                   remote_ip_prefix="0.0.0.0/0")
    net.create_security_group_rule(security_group_id=group.id, direction="ingress", ethertype="IPv4",
                                   protocol="icmp")
