"""A subnet whose allocation pool is a single address, already in use."""

import ipaddress

FREE_WANTED = 10  # a repaired pool has room for a few servers


def inject(env):
    network, subnet = env.network_with_subnet("pool-net", "10.66.0.0/24", is_dhcp_enabled=False,
                                              allocation_pools=[{"start": "10.66.0.5", "end": "10.66.0.5"}])
    env.conn.network.create_port(name=env.name("pool-taken"), network_id=network.id, project_id=env.project_id)
    return {"subnet": subnet.name, "subnet_id": subnet.id, "network_id": network.id}


def check(env, state):
    subnet = env.conn.network.find_subnet(state["subnet_id"])
    assert subnet is not None, "drill-pool-net-subnet is gone: the drill checks that subnet"
    size = sum(int(ipaddress.ip_address(p["end"])) - int(ipaddress.ip_address(p["start"])) + 1
               for p in subnet.allocation_pools)
    used = sum(1 for port in env.conn.network.ports(network_id=subnet.network_id) for ip in port.fixed_ips
               if ip.get("subnet_id") == subnet.id)
    assert size - used >= FREE_WANTED, f"drill-pool-net-subnet has {max(size - used, 0)} free addresses"


def undo(env, state):
    env.delete_network(state.get("network_id"))
