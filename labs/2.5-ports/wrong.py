"""A wrong but plausible solution of lab 2.5: the port takes whatever address DHCP hands out instead of the
chosen one. Its checks must fail."""

FAILS = ("address",)


def solve(env):
    net = env.conn.network
    network = net.create_network(name="lab-port-net")
    net.create_subnet(network_id=network.id, name="lab-port-subnet", ip_version=4, cidr="192.168.103.0/24")
    port = net.create_port(network_id=network.id, name="lab-port")
    env.boot("lab-port-vm", networks=[{"port": port.id}])
