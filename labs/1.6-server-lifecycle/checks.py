"""Checks for lab 1.6: lab-life resized up and stopped."""

from lab.camp.engine import smallest_flavor


def check_exists(env):
    """A server called lab-life exists."""
    assert env.server("lab-life") is not None, "no server called lab-life"


def check_resized(env):
    """lab-life runs on a bigger flavor than the smallest (the resize is confirmed)."""
    server = env.server("lab-life")
    assert server is not None, "no server called lab-life"
    assert server.status != "VERIFY_RESIZE", "the resize waits for you: confirm it"
    smallest = smallest_flavor(env.conn)
    got = server.flavor.get("id") or server.flavor.get("original_name")
    assert got not in (smallest.id, smallest.name), "lab-life still runs on the smallest flavor"


def check_stopped(env):
    """lab-life is stopped (SHUTOFF)."""
    server = env.server("lab-life")
    assert server is not None and server.status == "SHUTOFF", \
        f"lab-life is {getattr(server, 'status', 'missing')}, not SHUTOFF"
