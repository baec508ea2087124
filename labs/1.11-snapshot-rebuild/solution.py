"""Reference solution for lab 1.11."""


def solve(env):
    origin = env.boot("lab-origin")
    image_id = env.conn.compute.create_server_image(origin, "lab-snap", wait=True, timeout=120).id
    env.boot("lab-clone", image_id=image_id)
    env.conn.compute.rebuild_server(origin, image=image_id)
    env.wait(lambda: env.conn.compute.get_server(origin.id),
             lambda s: s.status in ("ACTIVE", "ERROR") and s.task_state is None and "rebuild"
             in env.server_actions(s), "lab-origin to be rebuilt")
