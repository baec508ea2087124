"""A wrong but plausible solution of lab 2.8: the policy's action is access_as_external (the partner could use
the network as a router's outside, but may not put a port on it). Its checks must fail."""

FAILS = ("shared", "one_project")


def solve(env):
    network = env.conn.network.create_network(name="lab-shared")
    env.conn.network.create_subnet(network_id=network.id, name="lab-shared-subnet", ip_version=4,
                                   cidr="192.168.108.0/24")
    partner = env.external_network().project_id
    env.conn.network.create_rbac_policy(object_type="network", object_id=network.id, action="access_as_external",
                                        target_project_id=partner)
