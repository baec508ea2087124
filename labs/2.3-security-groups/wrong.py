"""A wrong but plausible solution of lab 2.3: ssh and ping, plus an allow-everything rule "to be sure".
Its checks must fail."""

FAILS = ("nothing_else",)


def solve(env):
    net = env.conn.network
    group = net.create_security_group(name="lab-ssh", description="ssh and ping")
    net.create_security_group_rule(security_group_id=group.id, direction="ingress", ethertype="IPv4",
                                   protocol="tcp", port_range_min=22, port_range_max=22,
                                   remote_ip_prefix="0.0.0.0/0")
    net.create_security_group_rule(security_group_id=group.id, direction="ingress", ethertype="IPv4",
                                   protocol="icmp")
    net.create_security_group_rule(security_group_id=group.id, direction="ingress", ethertype="IPv4",
                                   remote_ip_prefix="0.0.0.0/0")
