"""Alarms (Aodh v2) through the API: a threshold alarm on a server's cpu_util fired by the evaluator as the
lab clock advances (its history, its actions: `stacklab://stop` stops the server), back to ok, an alarm that
fires once per transition and again each evaluation with repeat_actions, event and composite alarms, the
state API, queries, isolation, the quota, and Aodh's 400 body for bad input (nothing saved)."""

from __future__ import annotations

import http.server
import json
import logging
import threading
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from lab.cloud.alarming import evaluator
from lab.cloud.app import Cloud
from lab.cloud.metric.collector import collect
from tests.camp.test_camp_api import make_class, student_headers
from tests.cloud.compute_support import API, create_server

A = "/alarming/v2"


def tick(cloud: Cloud, minutes: int) -> None:
    """Let lab time pass as the worker would: the collector, then the evaluator and the event listener."""
    cloud.clock.advance(timedelta(minutes=minutes))
    collect(cloud)
    evaluator.evaluate(cloud)
    evaluator.listen_events(cloud)


def cpu_alarm(server_id: str, **extra: Any) -> dict[str, Any]:
    return {"name": "cpu-high", "type": "gnocchi_resources_threshold", "severity": "critical",
            "gnocchi_resources_threshold_rule": {
                "metric": "cpu_util", "resource_type": "instance", "resource_id": server_id, "threshold": 80,
                "comparison_operator": "gt", "aggregation_method": "mean", "granularity": 300,
                "evaluation_periods": 2}, **extra}


def test_threshold_alarm_fires_on_the_lab_clock(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                                as_admin: dict[str, str]) -> None:
    server = create_server(client, cloud, as_demo, "worker")
    collect(cloud)
    r = client.post(f"{A}/alarms", headers=as_demo, json=cpu_alarm(
        server["id"], alarm_actions=["log://", "stacklab://stop"], ok_actions=["log://"]))
    assert r.status_code == 201, r.text
    alarm = r.json()
    assert alarm["state"] == "insufficient data" and alarm["gnocchi_resources_threshold_rule"]["threshold"] == 80.0

    tick(cloud, 15)  # idle: ok
    shown = client.get(f"{A}/alarms/{alarm['alarm_id']}", headers=as_demo).json()
    assert shown["state"] == "ok" and "inside threshold" in shown["state_reason"]

    # Busy: two periods above 80 % -> alarm, once; the action stops the server.
    r = client.put(f"{API}/servers/{server['id']}/metadata", headers=as_demo, json={"metadata": {"load": "busy"}})
    assert r.status_code == 200, r.text
    tick(cloud, 5)
    assert client.get(f"{A}/alarms/{alarm['alarm_id']}/state", headers=as_demo).json() == "ok"  # one period mixed
    tick(cloud, 5)
    assert client.get(f"{A}/alarms/{alarm['alarm_id']}/state", headers=as_demo).json() == "alarm"
    cloud.worker.run_due()
    assert client.get(f"{API}/servers/{server['id']}", headers=as_demo).json()["server"]["status"] == "SHUTOFF"
    tick(cloud, 1)
    history = client.get(f"{A}/alarms/{alarm['alarm_id']}/history", headers=as_demo).json()
    assert [h["type"] for h in history] == ["state transition", "state transition", "creation"]
    assert '"state": "alarm"' in history[0]["detail"]  # Aodh's json.dumps

    # A stopped server sends nothing: after the window the alarm has no datapoints.
    tick(cloud, 20)
    assert client.get(f"{A}/alarms/{alarm['alarm_id']}/state", headers=as_demo).json() == "insufficient data"

    # Another project sees none of it; the list filters with q.field.
    listed = client.get(f"{A}/alarms?q.field=severity&q.op=eq&q.value=critical", headers=as_demo).json()
    assert [a["alarm_id"] for a in listed] == [alarm["alarm_id"]]
    assert client.get(f"{A}/alarms?q.field=severity&q.value=low", headers=as_demo).json() == []
    found = client.post(f"{A}/query/alarms", headers=as_demo, json={"filter": '{"=": {"name": "cpu-high"}}'})
    assert [a["alarm_id"] for a in found.json()] == [alarm["alarm_id"]]
    admin_list = client.get(f"{A}/alarms", headers=as_admin).json()
    assert admin_list == []  # the admin's own project; all_projects shows every project's
    assert len(client.get(f"{A}/alarms?q.field=all_projects&q.value=true", headers=as_admin).json()) == 1


def test_repeat_actions_state_api_and_bad_input(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                                caplog: pytest.LogCaptureFixture) -> None:
    server = create_server(client, cloud, as_demo, "hot", metadata={"load": "busy"})
    collect(cloud)
    body = cpu_alarm(server["id"], name="again", repeat_actions=True, alarm_actions=["log://"])
    body["gnocchi_resources_threshold_rule"]["evaluation_periods"] = 1
    alarm = client.post(f"{A}/alarms", headers=as_demo, json=body).json()
    with caplog.at_level(logging.WARNING, "aodh.notifier"):
        tick(cloud, 5)
        tick(cloud, 5)
    history = client.get(f"{A}/alarms/{alarm['alarm_id']}/history", headers=as_demo).json()
    assert [h["type"] for h in history].count("state transition") == 1  # repeated actions, one transition
    notified = [r for r in caplog.records if r.getMessage().startswith("Notifying alarm again")]
    assert len(notified) == 2 and "to alarm with action log://" in notified[0].getMessage()

    r = client.put(f"{A}/alarms/{alarm['alarm_id']}/state", headers=as_demo, content=b'"ok"')
    assert r.status_code == 200 and r.json() == "ok"
    r = client.put(f"{A}/alarms/{alarm['alarm_id']}/state", headers=as_demo, content=b'"broken"')
    assert r.status_code == 400 and r.json()["error_message"]["faultstring"] == "state invalid: broken"

    before = client.get(f"{A}/alarms", headers=as_demo).json()
    bad = [
        ({**body, "name": "x", "alarm_actions": ["mailto:me@example.org"]}, "Unsupported action"),
        ({**body, "name": "x", "type": "threshold"}, "type"),
        ({**body, "name": "x", "severity": "meh"}, "severity"),
        ({**body, "name": "x", "gnocchi_resources_threshold_rule": {
            **body["gnocchi_resources_threshold_rule"], "aggregation_method": "avg"}}, "aggregation_method"),
        ({**body, "name": "x", "time_constraints": [{"name": "night", "start": "at night", "duration": 60}]},
         "cron"),
    ]
    for payload, words in bad:
        r = client.post(f"{A}/alarms", headers=as_demo, json=payload)
        assert r.status_code in (400, 409), r.text
        assert words in r.json()["error_message"]["faultstring"]
    assert client.get(f"{A}/alarms", headers=as_demo).json() == before

    # The quota (Aodh's project_alarm_quota) through the one engine; a class sets it.
    with cloud.db.write() as db:
        project = alarm["project_id"]
        cloud.quotas.set_limits(db, "alarming", project, {"alarms": 1})
    r = client.post(f"{A}/alarms", headers=as_demo, json={**body, "name": "third"})
    assert r.status_code == 403 and "quota" in r.json()["error_message"]["faultstring"]
    assert client.delete(f"{A}/alarms/{alarm['alarm_id']}", headers=as_demo).status_code == 204
    assert client.get(f"{A}/alarms/{alarm['alarm_id']}", headers=as_demo).status_code == 404
    kinds = [h["type"] for h in client.get(f"{A}/alarms/{alarm['alarm_id']}/history", headers=as_demo).json()]
    assert kinds[0] == "deletion"


def test_event_and_composite_alarms(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    server = create_server(client, cloud, as_demo, "doomed")
    collect(cloud)
    event = client.post(f"{A}/alarms", headers=as_demo, json={
        "name": "gone", "type": "event", "alarm_actions": ["log://"], "event_rule": {
            "event_type": "compute.instance.delete.*",
            "query": [{"field": "traits.instance_id", "op": "eq", "value": server["id"], "type": "string"}]}})
    assert event.status_code == 201, event.text
    composite = client.post(f"{A}/alarms", headers=as_demo, json={"name": "either", "type": "composite",
                                                                "composite_rule": {"or": [
        {"type": "gnocchi_resources_threshold", "metric": "cpu_util", "resource_type": "instance",
         "resource_id": server["id"], "threshold": 50, "comparison_operator": "gt", "aggregation_method": "max",
         "granularity": 300},
        {"type": "gnocchi_aggregation_by_resources_threshold", "metric": "memory.usage",
         "resource_type": "instance", "query": '{"=": {"display_name": "doomed"}}', "threshold": 1,
         "comparison_operator": "lt", "aggregation_method": "mean", "granularity": 300}]}})
    assert composite.status_code == 201, composite.text
    tick(cloud, 10)
    assert client.get(f"{A}/alarms/{composite.json()['alarm_id']}/state", headers=as_demo).json() == "ok"
    assert client.get(f"{A}/alarms/{event.json()['alarm_id']}/state", headers=as_demo).json() == "insufficient data"

    assert client.delete(f"{API}/servers/{server['id']}", headers=as_demo).status_code == 204
    tick(cloud, 1)
    shown = client.get(f"{A}/alarms/{event.json()['alarm_id']}", headers=as_demo).json()
    assert shown["state"] == "alarm" and "compute.instance.delete.end" in shown["state_reason"]
    tick(cloud, 1)  # the event is read once: no second transition
    history = client.get(f"{A}/alarms/{event.json()['alarm_id']}/history", headers=as_demo).json()
    assert [h["type"] for h in history] == ["state transition", "creation"]


def test_class_quota_and_student_reset(client: TestClient, cloud: Cloud, as_admin: dict[str, str]) -> None:
    """`class create --quota alarms=1` limits a student's alarms; a reset removes their alarms and the metric
    resources of their servers."""
    student = make_class(client, as_admin, students=1, quota="alarms=1")[0]
    headers = student_headers(client, student)
    server = create_server(client, cloud, headers, "mine")
    collect(cloud)
    assert client.post(f"{A}/alarms", headers=headers, json=cpu_alarm(server["id"])).status_code == 201
    r = client.post(f"{A}/alarms", headers=headers, json=cpu_alarm(server["id"], name="second"))
    assert r.status_code == 403 and r.json()["error_message"]["faultstring"] == "Alarm quota exceeded for project"
    r = client.post(f"/lab/v1/students/{student['name']}/reset", headers=as_admin)
    assert r.status_code == 200, r.text
    removed = r.json()["reset"]["removed"]
    assert removed["alarms"] == 1 and removed["metric_resources"] == 1
    assert client.get(f"{A}/alarms?q.field=all_projects&q.value=true", headers=as_admin).json() == []
    assert client.get("/metric/v1/resource/instance", headers=as_admin).json() == []


def test_http_action_posts_aodhs_notification(client: TestClient, cloud: Cloud, as_demo: dict[str, str],
                                             caplog: pytest.LogCaptureFixture) -> None:
    """An http:// action on loopback receives Aodh's notification body when the alarm fires; one elsewhere is
    saved (as Aodh saves any URL) but only logged, so a lab never sends traffic out."""
    received: list[dict[str, Any]] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the standard library's name
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    hook = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        server = create_server(client, cloud, as_demo, "hooked", metadata={"load": "busy"})
        collect(cloud)
        body = cpu_alarm(server["id"], alarm_actions=[f"http://127.0.0.1:{hook.server_port}/hook",
                                                      "http://192.0.2.10/hook"])
        body["gnocchi_resources_threshold_rule"]["evaluation_periods"] = 1
        alarm = client.post(f"{A}/alarms", headers=as_demo, json=body).json()
        assert alarm["alarm_actions"][1] == "http://192.0.2.10/hook"
        with caplog.at_level(logging.WARNING, "aodh.notifier"):
            tick(cloud, 5)
    finally:
        hook.shutdown()
    assert len(received) == 1
    note = received[0]
    assert (note["alarm_id"], note["alarm_name"], note["previous"], note["current"], note["severity"]) == \
        (alarm["alarm_id"], "cpu-high", "insufficient data", "alarm", "critical")
    assert note["reason_data"]["disposition"] == "outside" and note["reason_data"]["most_recent"] > 80
    assert any("not posting to http://192.0.2.10/hook" in r.getMessage() for r in caplog.records)


def test_a_restart_and_a_clock_jump_fire_an_alarm_once(client: TestClient, cloud: Cloud,
                                                       as_demo: dict[str, str]) -> None:
    """The state is the database's: a lab restarted after the transition, then a day's jump, records no second
    transition (the alarm stays in alarm; without repeat_actions nothing runs again)."""
    server = create_server(client, cloud, as_demo, "steady", metadata={"load": "busy"})
    collect(cloud)
    body = cpu_alarm(server["id"])
    body["gnocchi_resources_threshold_rule"]["evaluation_periods"] = 1
    alarm = client.post(f"{A}/alarms", headers=as_demo, json=body).json()
    tick(cloud, 5)
    restarted = Cloud(cloud.settings)
    restarted.bootstrap()
    try:
        for _ in range(2):
            restarted.clock.advance(timedelta(days=1))
            collect(restarted)
            evaluator.evaluate(restarted)
    finally:
        restarted.close()
    cloud.clock.load()
    history = client.get(f"{A}/alarms/{alarm['alarm_id']}/history", headers=as_demo).json()
    assert [h["type"] for h in history] == ["state transition", "creation"]
    assert client.get(f"{A}/alarms/{alarm['alarm_id']}/state", headers=as_demo).json() == "alarm"


def test_actions_run_once_per_evaluation_across_a_restart_and_a_clock_jump(
        client: TestClient, cloud: Cloud, as_demo: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    """With repeat_actions a threshold alarm runs its actions once per evaluation, not once per skipped period: a
    restart then two day-long jumps are two evaluations, two notifications, one transition. An event alarm's
    event is read once, by whichever process reads it: a restarted lab does not fire it again."""
    hot = create_server(client, cloud, as_demo, "hot-restart", metadata={"load": "busy"})
    doomed = create_server(client, cloud, as_demo, "doomed-restart")
    collect(cloud)
    body = cpu_alarm(hot["id"], name="repeat-restart", repeat_actions=True, alarm_actions=["log://"])
    body["gnocchi_resources_threshold_rule"]["evaluation_periods"] = 1
    repeat = client.post(f"{A}/alarms", headers=as_demo, json=body).json()
    gone = client.post(f"{A}/alarms", headers=as_demo, json={
        "name": "gone-restart", "type": "event", "alarm_actions": ["log://"], "event_rule": {
            "event_type": "compute.instance.delete.end",
            "query": [{"field": "traits.instance_id", "op": "eq", "value": doomed["id"], "type": "string"}]}}).json()

    def notified(name: str) -> int:
        return sum(1 for r in caplog.records if r.getMessage().startswith(f"Notifying alarm {name} "))

    with caplog.at_level(logging.WARNING, "aodh.notifier"):
        assert client.delete(f"{API}/servers/{doomed['id']}", headers=as_demo).status_code == 204
        tick(cloud, 5)  # the transition to alarm (and its actions), the deletion's event read
        assert (notified("repeat-restart"), notified("gone-restart")) == (1, 1)
        restarted = Cloud(cloud.settings)
        restarted.bootstrap()
        try:
            for _ in range(2):
                restarted.clock.advance(timedelta(days=1))
                collect(restarted)
                evaluator.evaluate(restarted)
                evaluator.listen_events(restarted)
        finally:
            restarted.close()
        cloud.clock.load()
        assert (notified("repeat-restart"), notified("gone-restart")) == (3, 1)
    for alarm in (repeat, gone):
        history = client.get(f"{A}/alarms/{alarm['alarm_id']}/history", headers=as_demo).json()
        assert [h["type"] for h in history] == ["state transition", "creation"], alarm["name"]


def test_an_alarm_on_metric_ids(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    """gnocchi_aggregation_by_metrics_threshold: the metrics named by id (the caller's own), their measures
    re-aggregated; a repeated action is kept once, as Aodh keeps it."""
    metric = client.post("/metric/v1/metric", headers=as_demo, json={"name": "queue", "archive_policy_name": "low"})
    assert metric.status_code == 201, metric.text
    now = cloud.clock.now().replace(second=0, microsecond=0)
    r = client.post(f"/metric/v1/metric/{metric.json()['id']}/measures", headers=as_demo,
                    json=[{"timestamp": now.isoformat(), "value": 40}])
    assert r.status_code == 202, r.text
    body = {"name": "queue-long", "type": "gnocchi_aggregation_by_metrics_threshold",
            "alarm_actions": ["log://", "log://"],
            "gnocchi_aggregation_by_metrics_threshold_rule": {
                "metrics": [metric.json()["id"]], "threshold": 10, "comparison_operator": "gt",
                "aggregation_method": "mean", "granularity": 300}}
    made = client.post(f"{A}/alarms", headers=as_demo, json=body)
    assert made.status_code == 201, made.text
    assert made.json()["alarm_actions"] == ["log://"]
    assert made.json()["gnocchi_aggregation_by_metrics_threshold_rule"]["metrics"] == [metric.json()["id"]]
    tick(cloud, 1)
    assert client.get(f"{A}/alarms/{made.json()['alarm_id']}/state", headers=as_demo).json() == "alarm"
    bad = client.post(f"{A}/alarms", headers=as_demo, json={**body, "gnocchi_aggregation_by_metrics_threshold_rule": {
        **body["gnocchi_aggregation_by_metrics_threshold_rule"], "metrics": []}})
    assert bad.status_code == 400 and "metrics" in bad.json()["error_message"]["faultstring"]
