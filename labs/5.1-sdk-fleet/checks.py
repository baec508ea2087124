"""Checks for lab 5.1: servers auto-1..3, ACTIVE, metadata group=auto."""


def _fleet(env):
    return [env.server(f"auto-{i}") for i in (1, 2, 3)]


def check_three(env):
    """Servers auto-1, auto-2 and auto-3 exist."""
    missing = [f"auto-{i}" for i, s in zip((1, 2, 3), _fleet(env)) if s is None]
    assert not missing, f"missing: {', '.join(missing)}"


def check_active(env):
    """All three are ACTIVE."""
    fleet = _fleet(env)
    assert all(s is not None and s.status == "ACTIVE" for s in fleet), "not every auto-N server is ACTIVE"


def check_grouped(env):
    """All three have the metadata group=auto."""
    fleet = _fleet(env)
    assert all(s is not None and s.metadata.get("group") == "auto" for s in fleet), \
        "not every auto-N server has group=auto"
