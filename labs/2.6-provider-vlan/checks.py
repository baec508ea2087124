"""Checks for lab 2.6 (as the admin): a VLAN provider network with segment 100."""


def _network(env):
    return env.conn.network.find_network(f"{env.tag}-vlan100")


def check_network(env):
    """A network called <tag>-vlan100 exists."""
    assert _network(env) is not None, f"no network called {env.tag}-vlan100"


def check_segment(env):
    """<tag>-vlan100 is a VLAN network with the segment id 100."""
    network = _network(env)
    assert network is not None, f"no network called {env.tag}-vlan100"
    assert network.provider_network_type == "vlan", f"its type is {network.provider_network_type}"
    assert network.provider_segmentation_id == 100, f"its segment id is {network.provider_segmentation_id}"
