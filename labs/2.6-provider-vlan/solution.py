"""Reference solution for lab 2.6."""


def solve(env):
    env.conn.network.create_network(name=f"{env.tag}-vlan100", provider_network_type="vlan",
                                    provider_physical_network="physnet1", provider_segmentation_id=100)
