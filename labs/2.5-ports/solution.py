"""Reference solution for lab 2.5."""


def solve(env):
    net = env.conn.network
    network = net.create_network(name="lab-port-net")
    subnet = net.create_subnet(network_id=network.id, name="lab-port-subnet", ip_version=4,
                               cidr="192.168.103.0/24")
    port = net.create_port(network_id=network.id, name="lab-port",
                           fixed_ips=[{"subnet_id": subnet.id, "ip_address": "192.168.103.50"}])
    env.boot("lab-port-vm", networks=[{"port": port.id}])
