"""Checks for exercise nb2: security group nb2-web lets in TCP 80 and 443 from anywhere, and nothing else."""


def _ingress(env):
    group = env.security_group("nb2-web")
    assert group is not None, "no security group called nb2-web in your project"
    return [r for r in env.conn.network.security_group_rules(security_group_id=group.id) if r.direction == "ingress"]


def check_exists(env):
    """A security group called nb2-web exists."""
    _ingress(env)


def check_web(env):
    """It lets in TCP 80 and TCP 443 from 0.0.0.0/0."""
    open_ports = {(r.port_range_min, r.port_range_max) for r in _ingress(env)
                  if r.protocol == "tcp" and r.remote_ip_prefix == "0.0.0.0/0" and r.ether_type == "IPv4"}
    missing = [port for port in (80, 443) if (port, port) not in open_ports]
    assert not missing, f"no rule lets in TCP {', '.join(map(str, missing))} from anywhere"


def check_nothing_else(env):
    """No other ingress rule: nothing but HTTP and HTTPS can come in."""
    extra = [r for r in _ingress(env)
             if not (r.protocol == "tcp" and r.port_range_min == r.port_range_max and r.port_range_min in (80, 443))]
    assert not extra, f"{len(extra)} other ingress rule(s) let more in"
