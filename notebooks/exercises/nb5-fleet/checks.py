"""Checks for exercise nb5: exactly nb5-ex-1 and nb5-ex-2 carry group=nb5-ex, both ACTIVE."""


def _fleet(env):
    return [s for s in env.conn.compute.servers() if (s.metadata or {}).get("group") == "nb5-ex"]


def check_fleet(env):
    """nb5-ex-1 and nb5-ex-2 exist with metadata group=nb5-ex."""
    names = {s.name for s in _fleet(env)}
    missing = sorted({"nb5-ex-1", "nb5-ex-2"} - names)
    assert not missing, f"missing: {', '.join(missing)}"


def check_active(env):
    """Both are ACTIVE."""
    states = {s.name: s.status for s in _fleet(env)}
    assert states and all(status == "ACTIVE" for status in states.values()), f"states: {states}"


def check_nothing_else(env):
    """No other server carries group=nb5-ex."""
    extra = sorted(s.name for s in _fleet(env) if s.name not in ("nb5-ex-1", "nb5-ex-2"))
    assert not extra and len(_fleet(env)) == 2, f"also in the group: {', '.join(extra) or 'a duplicate name'}"
