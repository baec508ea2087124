"""Checks for lab 2.5: lab-port with 192.168.103.50, used by lab-port-vm."""


def _port(env):
    return env.conn.network.find_port("lab-port", project_id=env.project_id)


def check_port(env):
    """A port called lab-port exists."""
    assert _port(env) is not None, "no port called lab-port"


def check_address(env):
    """lab-port has the fixed address 192.168.103.50."""
    port = _port(env)
    assert port is not None, "no port called lab-port"
    assert any(ip["ip_address"] == "192.168.103.50" for ip in port.fixed_ips), \
        f"lab-port's addresses are {[ip['ip_address'] for ip in port.fixed_ips]}"


def check_server(env):
    """lab-port-vm is plugged into lab-port."""
    port, server = _port(env), env.server("lab-port-vm")
    assert server is not None, "no server called lab-port-vm"
    assert port is not None and port.device_id == server.id, "lab-port is not lab-port-vm's port"
