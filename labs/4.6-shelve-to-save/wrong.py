"""A wrong but plausible solution of lab 4.6: stop the server and start it again (a stopped server still holds
its host's resources and is still billed). Its checks must fail."""

FAILS = ("shelved", "unshelved")


def solve(env):
    server = env.boot("lab-saver")
    env.conn.compute.stop_server(server)
    env.wait_server(server, "SHUTOFF")
    env.conn.compute.start_server(server)
    env.wait_server(server, "ACTIVE")
