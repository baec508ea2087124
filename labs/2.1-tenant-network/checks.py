"""Checks for lab 2.1: lab-net with lab-subnet 192.168.100.0/24, DHCP on, gateway .1."""


def check_network(env):
    """A network called lab-net exists in your project."""
    assert env.network("lab-net") is not None, "no network called lab-net"


def check_subnet(env):
    """lab-subnet is on lab-net with the range 192.168.100.0/24."""
    network, subnet = env.network("lab-net"), env.subnet("lab-subnet")
    assert subnet is not None, "no subnet called lab-subnet"
    assert network is not None and subnet.network_id == network.id, "lab-subnet is not on lab-net"
    assert subnet.cidr == "192.168.100.0/24", f"lab-subnet's range is {subnet.cidr}"


def check_dhcp_gateway(env):
    """lab-subnet has DHCP on and the gateway 192.168.100.1."""
    subnet = env.subnet("lab-subnet")
    assert subnet is not None, "no subnet called lab-subnet"
    assert subnet.is_dhcp_enabled, "DHCP is off on lab-subnet"
    assert subnet.gateway_ip == "192.168.100.1", f"the gateway is {subnet.gateway_ip}"
