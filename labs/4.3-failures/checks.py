"""Checks for lab 4.3: lab-broken really failed to build and was deleted, and lab-fixed runs and records the
fault's message. What happened to lab-broken is read from the event log, since the server itself is gone."""


def _broken(env):
    """[(server id, fault message or None, deleted by the student)] for every server called lab-broken."""
    found = {}
    for event in env.events("server"):
        server_id, action, attrs = event["resource_id"], event["action"], event["attributes"]
        if action == "create" and attrs.get("name") == "lab-broken":
            found[server_id] = {"fault": None, "deleted": False}
        elif server_id in found and action == "status" and attrs.get("status") == "ERROR":
            found[server_id]["fault"] = attrs.get("message") or ""
        elif server_id in found and action == "delete" and event["user_id"] != "system":
            found[server_id]["deleted"] = True
    return found


def check_fixed(env):
    """A server called lab-fixed is ACTIVE."""
    server = env.server("lab-fixed")
    assert server is not None and server.status == "ACTIVE", "no ACTIVE server called lab-fixed"


def check_failed(env):
    """A server called lab-broken was booted and failed to build (went to ERROR with a fault)."""
    broken = _broken(env)
    assert broken, "no server called lab-broken was ever booted in your project"
    assert any(b["fault"] is not None for b in broken.values()), "lab-broken never failed: it needs the fault metadata"


def check_fault_seen(env):
    """lab-fixed's fault_seen metadata holds lab-broken's fault message, as the cloud reported it."""
    server = env.server("lab-fixed")
    assert server is not None, "no server called lab-fixed"
    seen = " ".join(str(server.metadata.get("fault_seen", "")).split())
    assert seen, "lab-fixed has no fault_seen metadata"
    faults = [" ".join(b["fault"].split()) for b in _broken(env).values() if b["fault"]]
    # The message itself, or a long enough part of it (metadata values stop at 255 characters).
    assert any(seen == fault or (len(seen) >= min(len(fault), 40) and seen in fault) for fault in faults), \
        "fault_seen is not lab-broken's fault message (copy it from `openstack server show lab-broken -c fault`)"


def check_cleaned(env):
    """lab-broken was deleted, and no server called lab-broken is left."""
    assert _broken(env), "do the lab first: no server called lab-broken was ever booted"
    assert env.server("lab-broken") is None, "lab-broken is still there"
    assert any(b["deleted"] for b in _broken(env).values()), "lab-broken was never deleted"
