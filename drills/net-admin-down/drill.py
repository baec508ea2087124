"""A network set administratively down."""


def inject(env):
    network, _ = env.network_with_subnet("down-net", "10.64.0.0/24")
    env.conn.network.update_network(network, is_admin_state_up=False)
    return {"network": network.name, "network_id": network.id}


def check(env, state):
    network = env.conn.network.find_network(state["network_id"])
    assert network is not None, "drill-down-net is gone: the drill checks that network"
    assert network.is_admin_state_up, "drill-down-net is still administratively down"


def undo(env, state):
    env.delete_network(state.get("network_id"))
