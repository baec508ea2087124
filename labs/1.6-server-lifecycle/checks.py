"""Checks for lab 1.6: lab-life resized up (as Nova's instance actions record it), confirmed, and stopped."""

from lab.camp.engine import smallest_flavor


def check_exists(env):
    """A server called lab-life exists."""
    assert env.server("lab-life") is not None, "no server called lab-life"


def check_resized(env):
    """lab-life was resized (its history shows it) to a bigger flavor than the smallest, and confirmed."""
    server = env.server("lab-life")
    assert server is not None, "no server called lab-life"
    assert server.status != "VERIFY_RESIZE", "the resize waits for you: confirm it"
    # Nova's own record of what was done to the server (`openstack server event list lab-life`): booting on
    # the bigger flavor straight away is not a resize.
    history = [a for a in env.server_actions(server) if a in ("resize", "revertResize")]
    assert history, "lab-life's history (openstack server event list) shows no resize"
    assert history[-1] == "resize", "lab-life's last resize was reverted"
    smallest = smallest_flavor(env.conn)
    got = server.flavor.get("id") or server.flavor.get("original_name")
    assert got not in (smallest.id, smallest.name), "lab-life still runs on the smallest flavor"


def check_stopped(env):
    """lab-life is stopped (SHUTOFF)."""
    server = env.server("lab-life")
    assert server is not None and server.status == "SHUTOFF", \
        f"lab-life is {getattr(server, 'status', 'missing')}, not SHUTOFF"
