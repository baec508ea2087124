"""The student's server in a security group that lets ICMP in but not ssh."""


def inject(env):
    network, _subnet = env.network_with_subnet("bastion-net", "10.65.0.0/24")
    env.made["network_id"] = network.id
    group = env.conn.network.create_security_group(name=env.name("bastion"), project_id=env.project_id,
                                                   description="the bastion host")
    env.made.update(group=group.name, group_id=group.id)
    env.conn.network.create_security_group_rule(security_group_id=group.id, direction="ingress", ethertype="IPv4",
                                                protocol="icmp", remote_ip_prefix="0.0.0.0/0",
                                                project_id=env.project_id)
    server = env.student().boot(env.name("bastion"), networks=[{"uuid": network.id}],
                                security_groups=[{"name": group.name}])
    env.made.update(server=server.name, server_id=server.id)
    assert server.status == "ACTIVE", f"drill-bastion did not boot: {server.status}"
    return env.made


def check(env, state):
    server = env.conn.compute.find_server(state["server_id"])
    assert server is not None, "drill-bastion is gone: repair its access, do not replace it"
    groups = [g for port in env.conn.network.ports(device_id=server.id) for g in port.security_group_ids]
    assert env.lets_in(groups, 22), "drill-bastion's security groups still let no ssh (tcp 22) in from anywhere"


def undo(env, state):
    env.delete_server(state.get("server_id"))
    if state.get("group_id"):
        env.conn.network.delete_security_group(state["group_id"], ignore_missing=True)
    env.delete_network(state.get("network_id"))
