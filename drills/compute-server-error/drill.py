"""The student's server in ERROR, as a host crash leaves it (the operator reset its state to error)."""


def inject(env):
    network, _subnet = env.network_with_subnet("app-net", "10.64.0.0/24")
    env.made["network_id"] = network.id
    server = env.student().boot(env.name("app"), networks=[{"uuid": network.id}])
    env.made.update(server=server.name, server_id=server.id)
    assert server.status == "ACTIVE", f"drill-app did not boot: {server.status}"
    env.conn.compute.reset_server_state(server, "error")
    return env.made


def check(env, state):
    server = env.conn.compute.find_server(state["server_id"])
    assert server is not None, "drill-app is gone: repair the server, do not replace it (its address would change)"
    server = env.conn.compute.get_server(server.id)
    assert server.status == "ACTIVE", f"drill-app is {server.status}, not ACTIVE"


def undo(env, state):
    env.delete_server(state.get("server_id"))
    env.delete_network(state.get("network_id"))
