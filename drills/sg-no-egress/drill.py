"""An application's security group without its egress rules."""


def inject(env):
    group = env.conn.network.create_security_group(name=env.name("app"), project_id=env.project_id,
                                                   description="application servers")
    for rule in list(env.conn.network.security_group_rules(security_group_id=group.id)):
        if rule.direction == "egress":
            env.conn.network.delete_security_group_rule(rule)
    return {"group": group.name, "group_id": group.id}


def check(env, state):
    group = env.conn.network.find_security_group(state["group_id"])
    assert group is not None, "drill-app is gone: the servers use that group"
    rules = env.conn.network.security_group_rules(security_group_id=group.id, direction="egress")
    assert any(r.ether_type == "IPv4" and r.protocol is None and r.remote_ip_prefix in (None, "0.0.0.0/0")
               and not r.remote_group_id for r in rules), "drill-app still lets no IPv4 traffic out"


def undo(env, state):
    env.conn.network.delete_security_group(state["group_id"], ignore_missing=True)
