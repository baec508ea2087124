"""A web servers' security group that allows SSH only."""


def inject(env):
    group = env.conn.network.create_security_group(name=env.name("web"), project_id=env.project_id,
                                                   description="web servers")
    env.conn.network.create_security_group_rule(security_group_id=group.id, direction="ingress", ethertype="IPv4",
                                                protocol="tcp", port_range_min=22, port_range_max=22,
                                                remote_ip_prefix="0.0.0.0/0", project_id=env.project_id)
    return {"group": group.name, "group_id": group.id}


def check(env, state):
    group = env.conn.network.find_security_group(state["group_id"])
    assert group is not None, "drill-web is gone: the servers use that group"
    assert env.lets_in([group.id], 80), "drill-web still lets no HTTP (tcp 80) in from anywhere"
    assert env.lets_in([group.id], 22), "drill-web no longer lets SSH in"


def undo(env, state):
    env.conn.network.delete_security_group(state["group_id"], ignore_missing=True)
