"""Reference answer for exercise nb5."""

from lab.camp.engine import smallest_flavor
from lab.camp.exercises import boot_network


def solve(env):
    conn = env.conn
    network, _made = boot_network(conn)
    image, flavor = conn.image.find_image("cirros"), smallest_flavor(conn)
    fleet = [conn.compute.create_server(name=f"nb5-ex-{i}", image_id=image.id, flavor_id=flavor.id,
                                        networks=[{"uuid": network.id}], metadata={"group": "nb5-ex"})
             for i in (1, 2)]
    for server in fleet:
        env.wait_server(server)
