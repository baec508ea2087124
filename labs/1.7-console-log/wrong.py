"""A wrong but plausible solution of lab 1.7: `cirros`, the word the console log says to log in as, taken for
the host name. Its checks must fail."""

FAILS = ("recorded",)


def solve(env):
    server = env.boot("lab-console")
    env.wait(lambda: env.console(server), lambda text: "login:" in text, "the login prompt")
    env.conn.compute.set_server_metadata(server, hostname_seen="cirros")
