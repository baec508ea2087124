"""A wrong but plausible solution of lab 2.1: the right range, but the gateway put at the end of it.
Its checks must fail."""

FAILS = ("dhcp_gateway",)


def solve(env):
    network = env.conn.network.create_network(name="lab-net")
    env.conn.network.create_subnet(network_id=network.id, name="lab-subnet", ip_version=4,
                                   cidr="192.168.100.0/24", gateway_ip="192.168.100.254")
