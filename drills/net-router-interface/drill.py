"""A router with its gateway but without its interface on the subnet."""


def inject(env):
    network, subnet = env.network_with_subnet("iface-net", "10.62.0.0/24")
    router = env.conn.network.create_router(name=env.name("iface-router"), project_id=env.project_id,
                                            external_gateway_info={"network_id": env.external_network().id})
    return {"router": router.name, "router_id": router.id, "subnet": subnet.name, "subnet_id": subnet.id,
            "network_id": network.id}


def check(env, state):
    router = env.conn.network.find_router(state["router_id"])
    assert router is not None, "the router drill-iface-router is gone: the drill checks that router"
    assert (router.external_gateway_info or {}).get("network_id"), "drill-iface-router lost its gateway"
    subnets = {ip.get("subnet_id") for port in env.conn.network.ports(device_id=router.id,
                                                                     device_owner="network:router_interface")
               for ip in port.fixed_ips}
    assert state["subnet_id"] in subnets, "drill-iface-net-subnet has no interface on drill-iface-router"


def undo(env, state):
    env.delete_router(state.get("router_id"))
    env.delete_network(state.get("network_id"))
