"""A web servers' security group that allows SSH only."""


def inject(env):
    group = env.conn.network.create_security_group(name=env.name("web"), project_id=env.project_id,
                                                   description="web servers")
    env.conn.network.create_security_group_rule(security_group_id=group.id, direction="ingress", ethertype="IPv4",
                                                protocol="tcp", port_range_min=22, port_range_max=22,
                                                remote_ip_prefix="0.0.0.0/0", project_id=env.project_id)
    return {"group": group.name, "group_id": group.id}


def _opens(rule, port):
    if rule.direction != "ingress" or rule.ether_type != "IPv4" or rule.protocol not in ("tcp", "6", None):
        return False
    if rule.remote_group_id or rule.remote_ip_prefix not in (None, "0.0.0.0/0"):
        return False
    low, high = rule.port_range_min, rule.port_range_max
    return low is None or (low <= port <= (high or low))


def check(env, state):
    group = env.conn.network.find_security_group(state["group_id"])
    assert group is not None, "drill-web is gone: the servers use that group"
    rules = list(env.conn.network.security_group_rules(security_group_id=group.id))
    assert any(_opens(r, 80) for r in rules), "drill-web still lets no HTTP (tcp 80) in from anywhere"
    assert any(_opens(r, 22) for r in rules), "drill-web no longer lets SSH in"


def undo(env, state):
    env.conn.network.delete_security_group(state["group_id"], ignore_missing=True)
