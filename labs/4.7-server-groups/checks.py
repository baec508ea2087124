"""Checks for lab 4.7: lab-apart (anti-affinity) has lab-a1 running and lab-a2 refused by the scheduler with
Nova's No valid host fault; lab-together (affinity) has lab-t1 and lab-t2 running."""


def _group(env, name):
    for group in env.conn.compute.server_groups():
        if group.name == name:
            return group
    return None


def _policy(group):
    return group.policy or (group.policies or [None])[0]


def _member(env, group, name):
    server = env.server(name)
    assert server is not None, f"no server called {name}"
    assert server.id in (group.member_ids or []), f"{name} is not a member of {group.name}: boot it with " \
        f"--hint group={group.id}"
    return server


def check_apart(env):
    """lab-apart is an anti-affinity group, and lab-a1, its member, is ACTIVE."""
    group = _group(env, "lab-apart")
    assert group is not None, "no server group called lab-apart"
    assert _policy(group) == "anti-affinity", f"lab-apart's policy is {_policy(group)}, not anti-affinity"
    server = _member(env, group, "lab-a1")
    assert server.status == "ACTIVE", f"lab-a1 is {server.status}, not ACTIVE"


def check_refused(env):
    """lab-a2, lab-apart's second member, is ERROR with Nova's No valid host fault."""
    group = _group(env, "lab-apart")
    assert group is not None, "no server group called lab-apart"
    server = _member(env, group, "lab-a2")
    assert server.status == "ERROR", f"lab-a2 is {server.status}: on a one-host cloud it cannot be placed apart"
    fault = (server.fault or {}).get("message", "")
    assert "No valid host" in fault, f"lab-a2's fault is {fault!r}, not the scheduler's No valid host"


def check_together(env):
    """lab-together is an affinity group whose members lab-t1 and lab-t2 are both ACTIVE."""
    group = _group(env, "lab-together")
    assert group is not None, "no server group called lab-together"
    assert _policy(group) == "affinity", f"lab-together's policy is {_policy(group)}, not affinity"
    for name in ("lab-t1", "lab-t2"):
        server = _member(env, group, name)
        assert server.status == "ACTIVE", f"{name} is {server.status}, not ACTIVE"
