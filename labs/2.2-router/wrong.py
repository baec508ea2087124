"""A wrong but plausible solution of lab 2.2: the router and its gateway, but the subnet never added to it.
Its checks must fail."""

FAILS = ("interface",)


def solve(env):
    net = env.conn.network
    network = net.create_network(name="lab-router-net")
    net.create_subnet(network_id=network.id, name="lab-router-subnet", ip_version=4, cidr="192.168.101.0/24")
    net.create_router(name="lab-router", external_gateway_info={"network_id": env.external_network().id})
