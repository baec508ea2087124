"""Reference solution for lab 2.1."""


def solve(env):
    network = env.conn.network.create_network(name="lab-net")
    env.conn.network.create_subnet(network_id=network.id, name="lab-subnet", ip_version=4,
                                   cidr="192.168.100.0/24")
