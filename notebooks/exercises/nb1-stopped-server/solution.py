"""Reference answer for exercise nb1."""

from lab.camp.engine import smallest_flavor
from lab.camp.exercises import boot_network


def solve(env):
    conn = env.conn
    network, _made = boot_network(conn)
    server = conn.compute.create_server(name="nb1-exercise", image_id=conn.image.find_image("cirros").id,
                                        flavor_id=smallest_flavor(conn).id, networks=[{"uuid": network.id}],
                                        metadata={"course": "day1"})
    server = env.wait_server(server)
    conn.compute.stop_server(server)
    env.wait_server(server, "SHUTOFF")
