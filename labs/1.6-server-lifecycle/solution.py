"""Reference solution for lab 1.6."""

from lab.camp.engine import smallest_flavor


def solve(env):
    server = env.boot("lab-life")
    flavors = sorted(env.conn.compute.flavors(), key=lambda f: (f.ram, f.vcpus, f.disk, f.name))
    bigger = next(f for f in flavors if f.id != smallest_flavor(env.conn).id)
    env.conn.compute.resize_server(server, bigger.id)
    env.wait_server(server, "VERIFY_RESIZE")
    env.conn.compute.confirm_server_resize(server)
    env.wait_server(server, "ACTIVE")
    env.conn.compute.stop_server(server)
    env.wait_server(server, "SHUTOFF")
