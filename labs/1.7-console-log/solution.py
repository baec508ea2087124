"""Reference solution for lab 1.7."""

import re


def solve(env):
    server = env.boot("lab-console")
    log = env.wait(lambda: env.console(server), lambda text: "login:" in text, "the login prompt")
    hostname = re.search(r"^(\S+) login:", log, re.M).group(1)
    env.conn.compute.set_server_metadata(server, hostname_seen=hostname)
