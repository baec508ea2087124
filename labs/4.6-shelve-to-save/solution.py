"""Reference solution for lab 4.6."""


def solve(env):
    server = env.boot("lab-saver")
    env.conn.compute.shelve_server(server)
    env.wait_server(server, "SHELVED_OFFLOADED")
    env.conn.compute.unshelve_server(server)
    env.wait_server(server, "ACTIVE")
