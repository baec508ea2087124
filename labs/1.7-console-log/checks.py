"""Checks for lab 1.7: the host name recorded in metadata is the one in the console log."""

import re

# Where a guest announces its host name: the login prompt ("lab-console login: ") and StackLab's tiny guest's
# ready line ("... hostname=lab-console ..."). Other words of the log (the image's user, "cirros") are not it.
ANNOUNCED = (re.compile(r"^(\S+) login:", re.M), re.compile(r"\bhostname=(\S+)"))


def hostnames_in(log):
    return {name for pattern in ANNOUNCED for name in pattern.findall(log)}


def check_exists(env):
    """A server called lab-console exists."""
    assert env.server("lab-console") is not None, "no server called lab-console"


def check_recorded(env):
    """lab-console's hostname_seen metadata is the host name its console log shows."""
    server = env.server("lab-console")
    assert server is not None, "no server called lab-console"
    seen = server.metadata.get("hostname_seen", "")
    assert seen, "lab-console has no hostname_seen metadata"
    announced = hostnames_in(env.console(server))
    assert announced, "lab-console's console log shows no host name yet: wait for the login prompt"
    assert seen in announced, f"{seen!r} is not the host name the guest announced on its console"
