"""A wrong but plausible solution of lab 2.6: a VLAN network whose segment id was left to the cloud.
Its checks must fail."""

FAILS = ("segment",)


def solve(env):
    env.conn.network.create_network(name=f"{env.tag}-vlan100", provider_network_type="vlan",
                                    provider_physical_network="physnet1", provider_segmentation_id=101)
