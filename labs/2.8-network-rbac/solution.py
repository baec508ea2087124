"""Reference solution for lab 2.8: shared with the project that owns the external network."""


def solve(env):
    network = env.conn.network.create_network(name="lab-shared")
    env.conn.network.create_subnet(network_id=network.id, name="lab-shared-subnet", ip_version=4,
                                   cidr="192.168.108.0/24")
    partner = env.external_network().project_id
    env.conn.network.create_rbac_policy(object_type="network", object_id=network.id, action="access_as_shared",
                                        target_project_id=partner)
