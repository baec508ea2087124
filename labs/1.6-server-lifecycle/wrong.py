"""A wrong but plausible solution of lab 1.6: boot straight on the bigger flavor and stop it, skipping the
resize (the end state looks the same). Its checks must fail."""

FAILS = ("resized",)

from lab.camp.engine import smallest_flavor  # noqa: E402


def solve(env):
    flavors = sorted(env.conn.compute.flavors(), key=lambda f: (f.ram, f.vcpus, f.disk, f.name))
    bigger = next(f for f in flavors if f.id != smallest_flavor(env.conn).id)
    server = env.boot("lab-life", flavor_id=bigger.id)
    env.conn.compute.stop_server(server)
    env.wait_server(server, "SHUTOFF")
