"""Reference solution for lab 4.7."""


def _boot_member(env, name, group):
    server = env.conn.compute.create_server(
        name=name, image_id=env.conn.image.find_image("cirros").id, flavor_id=_smallest(env).id,
        scheduler_hints={"group": group.id}, **env.network_kwargs())
    return env.wait_server(server)


def _smallest(env):
    from lab.camp.engine import smallest_flavor
    return smallest_flavor(env.conn)


def solve(env):
    apart = env.conn.compute.create_server_group(name="lab-apart", policy="anti-affinity")
    _boot_member(env, "lab-a1", apart)
    _boot_member(env, "lab-a2", apart)  # ERROR: No valid host
    together = env.conn.compute.create_server_group(name="lab-together", policy="affinity")
    _boot_member(env, "lab-t1", together)
    _boot_member(env, "lab-t2", together)
