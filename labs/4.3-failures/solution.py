"""Reference solution for lab 4.3."""


def solve(env):
    image = env.conn.image.find_image("cirros").id
    from lab.camp.engine import smallest_flavor

    broken = env.conn.compute.create_server(name="lab-broken", image_id=image, flavor_id=smallest_flavor(env.conn).id,
                                            metadata={"stacklab:fake_fail": "spawn"}, **env.network_kwargs())
    broken = env.wait(lambda: env.conn.compute.get_server(broken.id), lambda s: s.status == "ERROR",
                      "lab-broken to fail")
    message = (broken.fault or {}).get("message", "")
    env.boot("lab-fixed", metadata={"fault_seen": message[:250]})
    env.conn.compute.delete_server(broken)
    env.wait(lambda: env.server("lab-broken"), lambda s: s is None, "lab-broken to go")
