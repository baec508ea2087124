"""Checks for lab 4.3: lab-fixed runs and records the fault; lab-broken is gone."""


def check_fixed(env):
    """A server called lab-fixed is ACTIVE."""
    server = env.server("lab-fixed")
    assert server is not None and server.status == "ACTIVE", "no ACTIVE server called lab-fixed"


def check_fault_seen(env):
    """lab-fixed's fault_seen metadata holds the build fault's message."""
    server = env.server("lab-fixed")
    assert server is not None, "no server called lab-fixed"
    seen = server.metadata.get("fault_seen", "")
    assert "fail" in seen.lower(), f"fault_seen is {seen!r}, not the fault's message"


def check_cleaned(env):
    """No server called lab-broken is left."""
    assert env.server("lab-fixed") is not None, "do the lab first: no server called lab-fixed"
    assert env.server("lab-broken") is None, "lab-broken is still there"
