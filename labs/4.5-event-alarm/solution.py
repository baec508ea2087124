"""Reference solution for lab 4.5: boot lab-doomed, an event alarm on its deletion, delete it, wait for the
listener (every few seconds) to fire the alarm."""

import importlib.util
from pathlib import Path

ALARMING = {"service_type": "alarming", "interface": "public"}


def _checks():
    spec = importlib.util.spec_from_file_location("lab45_checks", Path(__file__).with_name("checks.py"))
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    return checks


def alarm_on(env, query):
    body = {"name": "lab-gone", "type": "event", "alarm_actions": ["log://"],
            "event_rule": {"event_type": "compute.instance.delete.end", "query": query}}
    response = env.conn.session.post("/v2/alarms", json=body, endpoint_filter=ALARMING)
    return response.json()


def solve(env):
    server = env.boot("lab-doomed")
    alarm_on(env, [{"field": "traits.instance_id", "op": "eq", "type": "string", "value": server.id}])
    env.conn.compute.delete_server(server)
    env.conn.compute.wait_for_delete(server, wait=120)
    checks = _checks()
    env.wait(lambda: checks.fired(env, checks.event_alarm(env)), bool, "lab-gone to fire", seconds=60)
