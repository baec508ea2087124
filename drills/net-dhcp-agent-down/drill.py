"""The lab's DHCP agent disabled and forgotten (the lab's stand-in for a dead agent): servers booted since get
no address, and their ports stay DOWN; a fault of the whole lab."""

REASON = "drill: dhcp agent upgrade"


def _agent(env):
    agents = list(env.conn.network.agents(agent_type="DHCP agent"))
    assert agents, "the lab has no DHCP agent"
    return agents[0]


def inject(env):
    agent = _agent(env)
    assert agent.is_admin_state_up, f"the DHCP agent on {agent.host} is disabled already"
    network, _subnet = env.network_with_subnet("dhcp-agent-net", "10.69.0.0/24")
    env.made["network_id"] = network.id
    env.conn.network.update_agent(agent, is_admin_state_up=False, description=REASON)
    env.made.update(agent_id=agent.id, host=agent.host)
    server = env.student().boot(env.name("dhcp-vm"), networks=[{"uuid": network.id}])
    env.made.update(server=server.name, server_id=server.id)
    return env.made


def check(env, state):
    agent = env.conn.network.get_agent(state["agent_id"])
    assert agent.is_admin_state_up, f"the DHCP agent on {state['host']} is still disabled"
    ports = list(env.conn.network.ports(device_id=state["server_id"]))
    assert ports and all(p.status == "ACTIVE" for p in ports), "drill-dhcp-vm's port is still DOWN"


def undo(env, state):
    if state.get("agent_id"):
        agent = env.conn.network.get_agent(state["agent_id"])
        if not agent.is_admin_state_up and agent.description == REASON:
            env.conn.network.update_agent(agent, is_admin_state_up=True, description="")
    env.delete_server(state.get("server_id"))
    env.delete_network(state.get("network_id"))
