"""Checks for lab 1.4: a key pair and a server on the smallest flavor with that key."""

from lab.camp.engine import smallest_flavor


def check_keypair(env):
    """A key pair called lab-key exists."""
    assert env.conn.compute.find_keypair("lab-key") is not None, "no key pair called lab-key"


def check_server(env):
    """A server called lab-small exists."""
    assert env.server("lab-small") is not None, "no server called lab-small"


def check_smallest(env):
    """lab-small runs on the smallest flavor."""
    server = env.server("lab-small")
    assert server is not None, "no server called lab-small"
    smallest = smallest_flavor(env.conn)
    got = server.flavor.get("id") or server.flavor.get("original_name")
    assert got in (smallest.id, smallest.name), f"lab-small's flavor {got} is not the smallest one"


def check_key_name(env):
    """lab-small was booted with the key lab-key."""
    server = env.server("lab-small")
    assert server is not None and server.key_name == "lab-key", "lab-small has no key, or another key"
