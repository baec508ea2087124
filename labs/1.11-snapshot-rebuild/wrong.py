"""A wrong but plausible solution of lab 1.11: the snapshot is made, but lab-clone boots from cirros and
lab-origin is rebuilt from cirros too (the servers look the same). Its checks must fail."""

FAILS = ("clone", "rebuilt")


def solve(env):
    origin = env.boot("lab-origin")
    env.conn.compute.create_server_image(origin, "lab-snap", wait=True, timeout=120)
    env.boot("lab-clone")
    cirros = env.conn.image.find_image("cirros").id
    env.conn.compute.rebuild_server(origin, image=cirros)
    env.wait(lambda: env.conn.compute.get_server(origin.id),
             lambda s: s.status in ("ACTIVE", "ERROR") and s.task_state is None and "rebuild"
             in env.server_actions(s), "lab-origin to be rebuilt")
