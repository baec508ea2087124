"""Checks for lab 5.3: the two-tier application."""


def _fips_of(env, server):
    ports = {p.id for p in env.ports_of(server)}
    return [f for f in env.conn.network.ips(project_id=env.project_id) if f.port_id in ports]


def check_network(env):
    """cap-net is joined to an external network by cap-router."""
    network, router = env.network("cap-net"), env.router("cap-router")
    assert network is not None and router is not None, "cap-net or cap-router is missing"
    assert (router.external_gateway_info or {}).get("network_id"), "cap-router has no external gateway"
    ports = env.conn.network.ports(device_id=router.id, device_owner="network:router_interface")
    assert any(p.network_id == network.id for p in ports), "cap-router has no interface on cap-net"


def _opens(rule, port):
    return rule.protocol in ("tcp", None) and (rule.port_range_min is None or
                                               rule.port_range_min <= port <= (rule.port_range_max or port))


def check_web_group(env):
    """cap-web lets tcp 80 and tcp 22 in, and nothing else (ping aside)."""
    group = env.security_group("cap-web")
    assert group is not None, "no security group called cap-web"
    rules = [r for r in env.conn.network.security_group_rules(security_group_id=group.id) if r.direction == "ingress"]
    missing = [port for port in (22, 80) if not any(r.protocol == "tcp" and _opens(r, port) for r in rules)]
    assert not missing, f"cap-web does not let tcp {', '.join(map(str, missing))} in"
    extra = [r for r in rules if r.protocol != "icmp" and not (
        r.protocol == "tcp" and (r.port_range_min, r.port_range_max) in ((22, 22), (80, 80)))]
    assert not extra, f"cap-web has {len(extra)} ingress rule(s) that open more than tcp 22 and 80"


def check_web(env):
    """cap-web runs on cap-net, in group cap-web, with a floating IP."""
    server, network = env.server("cap-web"), env.network("cap-net")
    assert server is not None and server.status == "ACTIVE", "no ACTIVE server called cap-web"
    assert network is not None and any(p.network_id == network.id for p in env.ports_of(server)), \
        "cap-web is not on cap-net"
    assert any(g.get("name") == "cap-web" for g in server.security_groups or []), "cap-web is not in group cap-web"
    assert _fips_of(env, server), "cap-web has no floating IP"


def check_db(env):
    """cap-db has cap-db-data attached, no floating IP, and is not in the web group."""
    server, volume = env.server("cap-db"), env.volume("cap-db-data")
    assert server is not None and volume is not None, "cap-db or cap-db-data is missing"
    assert any(a.get("server_id") == server.id for a in volume.attachments), "cap-db-data is not attached to cap-db"
    assert not _fips_of(env, server), "cap-db must not be reachable from outside"
    assert not any(g.get("name") == "cap-web" for g in server.security_groups or []), \
        "cap-db is in the web tier's group cap-web: the database should not take web traffic"
