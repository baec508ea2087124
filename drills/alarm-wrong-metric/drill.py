"""The student's CPU alarm on a metric name that does not exist (it stays in insufficient data)."""

ALARMING = {"service_type": "alarming", "interface": "public"}
METRIC = {"service_type": "metric", "interface": "public"}


def _call(conn, method, path, endpoint, **kwargs):
    response = conn.session.request(path, method, endpoint_filter=endpoint, raise_exc=False, **kwargs)
    return response


def inject(env):
    network, _subnet = env.network_with_subnet("busy-net", "10.68.0.0/24")
    env.made["network_id"] = network.id
    student = env.student()
    server = student.boot(env.name("busy"), networks=[{"uuid": network.id}])
    env.made["server_id"] = server.id
    assert server.status == "ACTIVE", f"drill-busy did not boot: {server.status}"
    # The alarming service refuses an alarm on a resource the metric service does not know yet: the collector
    # records a server a few seconds (of lab time) after it is ACTIVE.
    student.wait(lambda: _call(student.conn, "GET", f"/v1/resource/instance/{server.id}", METRIC).status_code,
                 lambda status: status == 200, "the metric service to know drill-busy")
    rule = {"metric": "cpu.util", "resource_type": "instance", "resource_id": server.id, "threshold": 80.0,
            "comparison_operator": "gt", "aggregation_method": "mean", "granularity": 60, "evaluation_periods": 1}
    made = _call(student.conn, "POST", "/v2/alarms", ALARMING,
                 json={"name": env.name("cpu-high"), "type": "gnocchi_resources_threshold",
                       "description": "drill-busy is busy", "gnocchi_resources_threshold_rule": rule})
    assert made.status_code == 201, f"the alarm was not made: {made.status_code} {made.text[:200]}"
    env.made.update(alarm=env.name("cpu-high"), alarm_id=made.json()["alarm_id"])
    return env.made


def check(env, state):
    found = _call(env.conn, "GET", f"/v2/alarms/{state['alarm_id']}", ALARMING)
    assert found.status_code == 200, "drill-cpu-high is gone: repair the alarm, do not remove it"
    alarm = found.json()
    rule = alarm.get("gnocchi_resources_threshold_rule") or {}
    assert rule.get("resource_id") == state["server_id"], "drill-cpu-high no longer watches drill-busy"
    resource = _call(env.conn, "GET", f"/v1/resource/instance/{state['server_id']}", METRIC)
    metrics = resource.json().get("metrics", {}) if resource.status_code == 200 else {}
    assert rule.get("metric") in metrics, \
        f"drill-cpu-high watches {rule.get('metric')!r}, a metric drill-busy does not have"


def undo(env, state):
    if state.get("alarm_id"):
        _call(env.conn, "DELETE", f"/v2/alarms/{state['alarm_id']}", ALARMING)
    env.delete_server(state.get("server_id"))
    env.delete_network(state.get("network_id"))
