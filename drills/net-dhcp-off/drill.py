"""A subnet whose DHCP was turned off."""


def inject(env):
    network, subnet = env.network_with_subnet("dhcp-net", "10.63.0.0/24")
    env.conn.network.update_subnet(subnet, is_dhcp_enabled=False)
    return {"subnet": subnet.name, "subnet_id": subnet.id, "network_id": network.id}


def check(env, state):
    subnet = env.conn.network.find_subnet(state["subnet_id"])
    assert subnet is not None, "drill-dhcp-net-subnet is gone: the drill checks that subnet"
    assert subnet.is_dhcp_enabled, "drill-dhcp-net-subnet still hands out no addresses"


def undo(env, state):
    env.delete_network(state.get("network_id"))
