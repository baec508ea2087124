"""Checks for lab 2.4: lab-fip has a floating IP from an external network."""


def _fip(env):
    server = env.server("lab-fip")
    assert server is not None, "no server called lab-fip"
    ports = {p.id for p in env.ports_of(server)}
    return server, next((f for f in env.conn.network.ips(project_id=env.project_id) if f.port_id in ports), None)


def check_server(env):
    """A server called lab-fip is ACTIVE."""
    server = env.server("lab-fip")
    assert server is not None and server.status == "ACTIVE", "no ACTIVE server called lab-fip"


def check_floating_ip(env):
    """A floating IP from an external network is associated with lab-fip's port."""
    _server, fip = _fip(env)
    assert fip is not None, "no floating IP is associated with lab-fip"
    assert env.conn.network.get_network(fip.floating_network_id).is_router_external, \
        "the floating IP is not from an external network"


def check_addresses(env):
    """lab-fip's addresses show the floating address."""
    server, fip = _fip(env)
    assert fip is not None, "no floating IP is associated with lab-fip"
    addresses = [a for net in (server.addresses or {}).values() for a in net]
    assert any(a.get("addr") == fip.floating_ip_address for a in addresses), \
        "the floating address is not among lab-fip's addresses"
