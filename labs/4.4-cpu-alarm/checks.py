"""Checks for lab 4.4: lab-busy runs, lab-cpu-high is a CPU threshold alarm on it, and the evaluator (not the
student) moved the alarm to `alarm`, as its history shows. Everything is read through the Aodh API."""

import json

ALARMING = {"service_type": "alarming", "interface": "public"}
MANUAL = "Manually set via API"  # Aodh's reason when `openstack alarm state set` moved the state


def _get(env, path):
    response = env.conn.session.get(path, endpoint_filter=ALARMING, raise_exc=False)
    assert response.status_code == 200, f"the alarm service answered {response.status_code} for {path}"
    return response.json()


def cpu_alarm(env):
    """The alarm called lab-cpu-high (None when there is none)."""
    found = _get(env, "/v2/alarms?q.field=name&q.op=eq&q.value=lab-cpu-high")
    return found[0] if found else None


def fired(env, alarm):
    """The history's transitions to `alarm` that the evaluator made."""
    history = _get(env, f"/v2/alarms/{alarm['alarm_id']}/history")
    moves = [json.loads(h["detail"]) for h in history if h["type"] == "state transition"]
    return [m for m in moves if m.get("state") == "alarm" and m.get("transition_reason") != MANUAL]


def check_busy(env):
    """A server called lab-busy is ACTIVE."""
    server = env.server("lab-busy")
    assert server is not None and server.status == "ACTIVE", "no ACTIVE server called lab-busy"


def check_alarm(env):
    """lab-cpu-high watches lab-busy's cpu_util, above a threshold of 50-95 %."""
    alarm = cpu_alarm(env)
    assert alarm is not None, "no alarm called lab-cpu-high in your project"
    assert alarm["type"] == "gnocchi_resources_threshold", "lab-cpu-high is not a gnocchi_resources_threshold alarm"
    rule = alarm["gnocchi_resources_threshold_rule"]
    server = env.server("lab-busy")
    assert server is not None and rule["resource_id"] == server.id and rule["resource_type"] == "instance", \
        "lab-cpu-high does not watch the instance lab-busy (--resource-type instance --resource-id <its id>)"
    assert rule["metric"] == "cpu_util", f"lab-cpu-high watches {rule['metric']}, not cpu_util"
    assert rule["comparison_operator"] in ("gt", "ge") and 50 <= rule["threshold"] <= 95, \
        "lab-cpu-high should fire above a threshold between 50 and 95 (--comparison-operator gt --threshold 80)"
    assert alarm["enabled"], "lab-cpu-high is disabled"


def check_fired(env):
    """The evaluator moved lab-cpu-high to `alarm` (its history shows the transition)."""
    alarm = cpu_alarm(env)
    assert alarm is not None, "no alarm called lab-cpu-high in your project"
    assert fired(env, alarm), "lab-cpu-high never went to alarm by itself: is lab-busy busy? wait a minute or two"
