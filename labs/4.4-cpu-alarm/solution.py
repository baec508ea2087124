"""Reference solution for lab 4.4: boot lab-busy busy, alarm on its CPU, wait for the evaluator to fire it."""

import importlib.util
from pathlib import Path

ALARMING = {"service_type": "alarming", "interface": "public"}


def _checks():
    spec = importlib.util.spec_from_file_location("lab44_checks", Path(__file__).with_name("checks.py"))
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    return checks


def alarm_on(env, server, threshold=80.0):
    body = {"name": "lab-cpu-high", "type": "gnocchi_resources_threshold", "alarm_actions": ["log://"],
            "gnocchi_resources_threshold_rule": {
                "metric": "cpu_util", "threshold": threshold, "comparison_operator": "gt",
                "aggregation_method": "mean", "granularity": 300, "evaluation_periods": 1,
                "resource_type": "instance", "resource_id": server.id}}
    env.conn.session.post("/v2/alarms", json=body, endpoint_filter=ALARMING)


def solve(env):
    server = env.boot("lab-busy", metadata={"load": "busy"})
    # The collector makes the server's metric within seconds (Aodh refuses an alarm on a resource it cannot see).
    metric = {"service_type": "metric", "interface": "public"}
    env.wait(lambda: env.conn.session.get(f"/v1/resource/instance/{server.id}", endpoint_filter=metric,
                                          raise_exc=False).status_code, lambda code: code == 200,
             "lab-busy's metric resource")
    alarm_on(env, server)
    checks = _checks()
    # The evaluator runs every lab minute: wait for it (bounded) to find the busy samples.
    env.wait(lambda: checks.fired(env, checks.cpu_alarm(env)), bool, "lab-cpu-high to fire", seconds=150)
