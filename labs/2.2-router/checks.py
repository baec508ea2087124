"""Checks for lab 2.2: lab-router with a gateway on an external network and an interface on lab-router-subnet."""


def check_router(env):
    """A router called lab-router exists."""
    assert env.router("lab-router") is not None, "no router called lab-router"


def check_gateway(env):
    """lab-router's external gateway is on an external network."""
    router = env.router("lab-router")
    assert router is not None, "no router called lab-router"
    info = router.external_gateway_info or {}
    assert info.get("network_id"), "lab-router has no external gateway"
    network = env.conn.network.get_network(info["network_id"])
    assert network.is_router_external, f"{network.name} is not an external network"


def check_interface(env):
    """lab-router has an interface on lab-router-subnet."""
    router, subnet = env.router("lab-router"), env.subnet("lab-router-subnet")
    assert router is not None and subnet is not None, "lab-router or lab-router-subnet is missing"
    ports = env.conn.network.ports(device_id=router.id, device_owner="network:router_interface")
    assert any(ip["subnet_id"] == subnet.id for port in ports for ip in port.fixed_ips), \
        "lab-router has no interface on lab-router-subnet"
