"""A port set administratively down."""


def inject(env):
    network, _ = env.network_with_subnet("port-net", "10.65.0.0/24")
    port = env.conn.network.create_port(name=env.name("port"), network_id=network.id, project_id=env.project_id,
                                        admin_state_up=False)
    return {"port": port.name, "port_id": port.id, "network_id": network.id}


def check(env, state):
    port = env.conn.network.find_port(state["port_id"])
    assert port is not None, "drill-port is gone: its address is the service's, keep the port"
    assert port.is_admin_state_up, "drill-port is still administratively down"


def undo(env, state):
    env.delete_network(state.get("network_id"))
