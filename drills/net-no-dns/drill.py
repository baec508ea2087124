"""A subnet that hands out no DNS servers."""


def inject(env):
    network, subnet = env.network_with_subnet("dns-net", "10.67.0.0/24", dns_nameservers=[])
    return {"subnet": subnet.name, "subnet_id": subnet.id, "network_id": network.id}


def check(env, state):
    subnet = env.conn.network.find_subnet(state["subnet_id"])
    assert subnet is not None, "drill-dns-net-subnet is gone: the drill checks that subnet"
    assert subnet.dns_nameservers, "drill-dns-net-subnet still names no DNS server"


def undo(env, state):
    env.delete_network(state.get("network_id"))
