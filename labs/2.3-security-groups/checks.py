"""Checks for lab 2.3: lab-ssh allows tcp/22 from anywhere and ICMP, and nothing else in."""


def _rules(env):
    group = env.security_group("lab-ssh")
    assert group is not None, "no security group called lab-ssh"
    return [r for r in env.conn.network.security_group_rules(security_group_id=group.id)
            if r.direction == "ingress"]


def check_group(env):
    """A security group called lab-ssh exists."""
    assert env.security_group("lab-ssh") is not None, "no security group called lab-ssh"


def check_ssh(env):
    """lab-ssh lets TCP port 22 in from 0.0.0.0/0."""
    assert any(r.protocol == "tcp" and r.port_range_min == 22 and r.port_range_max == 22
               and r.remote_ip_prefix in ("0.0.0.0/0", None) for r in _rules(env)), "no ingress rule for ssh"


def check_icmp(env):
    """lab-ssh lets ICMP (ping) in."""
    assert any(r.protocol == "icmp" for r in _rules(env)), "no ingress rule for icmp"


def _allowed(rule):
    if rule.protocol == "icmp":
        return True
    return rule.protocol == "tcp" and rule.port_range_min == 22 and rule.port_range_max == 22


def check_nothing_else(env):
    """lab-ssh lets nothing else in (no other protocol, no other port)."""
    extra = [r for r in _rules(env) if not _allowed(r)]
    assert not extra, f"lab-ssh has {len(extra)} ingress rule(s) that open more than ssh and ping"
