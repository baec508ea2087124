"""Reference solution for lab 2.2."""


def solve(env):
    net = env.conn.network
    network = net.create_network(name="lab-router-net")
    subnet = net.create_subnet(network_id=network.id, name="lab-router-subnet", ip_version=4,
                               cidr="192.168.101.0/24")
    router = net.create_router(name="lab-router",
                               external_gateway_info={"network_id": env.external_network().id})
    net.add_interface_to_router(router, subnet_id=subnet.id)
