"""A wrong but plausible solution of lab 2.4: a floating IP allocated but never associated with the server.
Its checks must fail."""

FAILS = ("floating_ip", "addresses")


def solve(env):
    net = env.conn.network
    public = env.external_network()
    network = net.create_network(name="lab-fip-net")
    subnet = net.create_subnet(network_id=network.id, name="lab-fip-subnet", ip_version=4,
                               cidr="192.168.102.0/24")
    router = net.create_router(name="lab-fip-router", external_gateway_info={"network_id": public.id})
    net.add_interface_to_router(router, subnet_id=subnet.id)
    env.boot("lab-fip", networks=[{"uuid": network.id}])
    net.create_ip(floating_network_id=public.id)
