"""Checks for lab 4.5: lab-gone is an event alarm on compute.instance.delete.end filtered to one server of the
student's (its traits.instance_id), that server is deleted, and the alarm's listener (not the student) moved the
alarm to `alarm` on that very deletion, as its state reason and history show. Read through the Aodh API and the
lab's event log."""

import json

ALARMING = {"service_type": "alarming", "interface": "public"}
EVENT_TYPE = "compute.instance.delete.end"
MANUAL = "Manually set via API"  # Aodh's reason when `openstack alarm state set` moved the state


def _get(env, path):
    response = env.conn.session.get(path, endpoint_filter=ALARMING, raise_exc=False)
    assert response.status_code == 200, f"the alarm service answered {response.status_code} for {path}"
    return response.json()


def event_alarm(env):
    """The alarm called lab-gone (None when there is none)."""
    found = _get(env, "/v2/alarms?q.field=name&q.op=eq&q.value=lab-gone")
    return found[0] if found else None


def watched(alarm):
    """The server id the alarm's query filters on (`traits.instance_id` eq), or None."""
    for q in (alarm.get("event_rule") or {}).get("query") or []:
        if q.get("field") in ("traits.instance_id", "instance_id") and q.get("op", "eq") == "eq":
            return str(q.get("value"))
    return None


def fired(env, alarm):
    """The history's transitions to `alarm` the listener made (not `alarm state set`)."""
    history = _get(env, f"/v2/alarms/{alarm['alarm_id']}/history")
    moves = [json.loads(h["detail"]) for h in history if h["type"] == "state transition"]
    return [m for m in moves if m.get("state") == "alarm" and m.get("transition_reason") != MANUAL]


def check_alarm(env):
    """lab-gone is an enabled event alarm on compute.instance.delete.end, filtered to one server's instance_id."""
    alarm = event_alarm(env)
    assert alarm is not None, "no alarm called lab-gone in your project"
    assert alarm["type"] == "event", f"lab-gone is a {alarm['type']} alarm, not an event alarm (--type event)"
    assert alarm["event_rule"]["event_type"] == EVENT_TYPE, \
        f"lab-gone listens for {alarm['event_rule']['event_type']}, not {EVENT_TYPE}"
    assert watched(alarm), ("lab-gone fires on every server's deletion: filter it to one server with "
                            "--query \"traits.instance_id=string::<server id>\"")
    assert alarm["enabled"], "lab-gone is disabled"


def check_deleted(env):
    """The server lab-gone watches was yours, and you deleted it."""
    alarm = event_alarm(env)
    assert alarm is not None, "no alarm called lab-gone in your project"
    server_id = watched(alarm)
    assert server_id, "lab-gone watches no particular server"
    mine = [e for e in env.events("server") if e.get("resource_id") == server_id]
    assert mine, "lab-gone watches a server that was never yours"
    assert any(e.get("action") == "delete" for e in mine), "the server lab-gone watches is not deleted yet"


def check_fired(env):
    """The listener moved lab-gone to `alarm` on that server's compute.instance.delete.end."""
    alarm = event_alarm(env)
    assert alarm is not None, "no alarm called lab-gone in your project"
    assert fired(env, alarm), "lab-gone never went to alarm by itself: delete the server it watches"
    assert alarm["state"] == "alarm", f"lab-gone is {alarm['state']}, not alarm"
    assert EVENT_TYPE in (alarm.get("state_reason") or ""), \
        f"lab-gone's state reason does not name {EVENT_TYPE}: {alarm.get('state_reason')}"
