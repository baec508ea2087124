"""A router with an interface on the project's subnet but no external gateway."""


def inject(env):
    network, subnet = env.network_with_subnet("net", "10.61.0.0/24")
    router = env.conn.network.create_router(name=env.name("router"), project_id=env.project_id)
    env.conn.network.add_interface_to_router(router, subnet_id=subnet.id)
    return {"router": router.name, "router_id": router.id, "network_id": network.id,
            "external": env.external_network().name}


def check(env, state):
    router = env.conn.network.find_router(state["router_id"])
    assert router is not None, "the router drill-router is gone: the drill checks that router"
    external = env.external_network()
    gateway = router.external_gateway_info or {}
    assert gateway.get("network_id") == external.id, "drill-router still has no gateway on the external network"
    assert list(env.conn.network.ports(device_id=router.id, device_owner="network:router_interface")), \
        "drill-router no longer serves drill-net's subnet"


def undo(env, state):
    env.delete_router(state.get("router_id"))
    env.delete_network(state.get("network_id"))
