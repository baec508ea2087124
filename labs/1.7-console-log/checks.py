"""Checks for lab 1.7: the host name recorded in metadata is the one in the console log."""


def check_exists(env):
    """A server called lab-console exists."""
    assert env.server("lab-console") is not None, "no server called lab-console"


def check_recorded(env):
    """lab-console's hostname_seen metadata is the host name its console log shows."""
    server = env.server("lab-console")
    assert server is not None, "no server called lab-console"
    seen = server.metadata.get("hostname_seen", "")
    assert seen, "lab-console has no hostname_seen metadata"
    log = env.console(server)
    assert f"{seen} login:" in log or f"hostname {seen}" in log or f"'{seen}'" in log, \
        f"{seen!r} is not the host name in lab-console's console log"
