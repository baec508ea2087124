"""A wrong but plausible solution of lab 5.1: three servers, but grouped under another name.
Its checks must fail."""

FAILS = ("grouped",)

from lab.camp.engine import smallest_flavor  # noqa: E402


def solve(env):
    image = env.conn.image.find_image("cirros")
    flavor = smallest_flavor(env.conn)
    servers = [env.conn.compute.create_server(name=f"auto-{i}", image_id=image.id, flavor_id=flavor.id,
                                              metadata={"group": "fleet"}, **env.network_kwargs())
               for i in (1, 2, 3)]
    for server in servers:
        env.wait_server(server)
