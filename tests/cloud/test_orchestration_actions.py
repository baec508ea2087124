"""Orchestration's stack actions in-process (the worker and the lab clock run by hand): suspend, resume and
check with Heat's states and refusals, cancel update rolling back to the template before, abandon and adopt
keeping what the stack made, resource signals and OS::Heat::WaitCondition (success, failure, timeout), and
mark-unhealthy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.test_orchestration_api import base

VALUES: dict[str, Any] = {
    "heat_template_version": "2018-08-31",
    "parameters": {"word": {"type": "string", "default": "one"}},
    "resources": {
        "first": {"type": "OS::Heat::TestResource", "properties": {"value": {"get_param": "word"}}},
        "second": {"type": "OS::Heat::Value", "properties": {"value": {"get_attr": ["first", "output"]}}},
    },
    "outputs": {"word": {"value": {"get_attr": ["second", "value"]}}},
}

WAIT: dict[str, Any] = {
    "heat_template_version": "2018-08-31",
    "resources": {
        "handle": {"type": "OS::Heat::WaitConditionHandle"},
        "wait": {"type": "OS::Heat::WaitCondition",
                 "properties": {"handle": {"get_resource": "handle"}, "timeout": 30, "count": 2}},
    },
    "outputs": {"data": {"value": {"get_attr": ["wait", "data"]}},
                "endpoint": {"value": {"get_attr": ["handle", "endpoint"]}}},
}


def settle(cloud: Cloud, seconds: int = 1) -> None:
    """Let the lab's clock move and run what is due, `seconds` times one second."""
    for _ in range(seconds):
        cloud.clock.advance(timedelta(seconds=1))
        cloud.worker.run_due()


def make(client: TestClient, cloud: Cloud, headers: dict[str, str], name: str, template: dict[str, Any],
         **extra: Any) -> str:
    r = client.post(f"{base(client, headers)}/stacks", headers=headers,
                    json={"stack_name": name, "template": template, **extra})
    assert r.status_code == 201, r.text
    assert r.headers["location"].endswith(f"/stacks/{name}/{r.json()['stack']['id']}")
    settle(cloud)
    return f"{base(client, headers)}/stacks/{name}/{r.json()['stack']['id']}"


def status(client: TestClient, url: str, headers: dict[str, str]) -> str:
    body = client.get(url, headers=headers).json()["stack"]
    return f"{body['stack_status']}: {body['stack_status_reason']}"


def test_suspend_resume_and_check_walk_the_resources(client: TestClient, cloud: Cloud,
                                                     as_demo: dict[str, str]) -> None:
    url = make(client, cloud, as_demo, "walk", VALUES)
    for verb, expected in (("suspend", "SUSPEND_COMPLETE"), ("resume", "RESUME_COMPLETE"),
                           ("check", "CHECK_COMPLETE")):
        r = client.post(f"{url}/actions", headers=as_demo, json={verb: None})
        assert r.status_code == 200, r.text
        assert status(client, url, as_demo).startswith(f"{verb.upper()}_IN_PROGRESS")
        settle(cloud)
        assert status(client, url, as_demo) == f"{expected}: Stack {verb.upper()} completed successfully"
        resources = client.get(f"{url}/resources", headers=as_demo).json()["resources"]
        assert {r["resource_status"] for r in resources} == {expected}
        if verb == "suspend":  # a suspended stack refuses an update, as Heat does
            r = client.patch(url, headers=as_demo, json={"parameters": {"word": "two"}})
            assert r.status_code == 400 and r.json()["error"]["type"] == "NotSupported", r.text
    events = [e["resource_status"] for e in client.get(f"{url}/resources/first/events", headers=as_demo)
              .json()["events"]]
    assert events[-6:] == ["SUSPEND_IN_PROGRESS", "SUSPEND_COMPLETE", "RESUME_IN_PROGRESS", "RESUME_COMPLETE",
                           "CHECK_IN_PROGRESS", "CHECK_COMPLETE"]
    for body, message in (({}, "No action specified"), ({"suspend": None, "check": None}, "Multiple actions"),
                          ({"explode": None}, "Invalid action explode specified"),
                          ({"cancel_update": None}, "Cancelling update when stack is CHECK_COMPLETE is not")):
        r = client.post(f"{url}/actions", headers=as_demo, json=body)
        assert r.status_code == 400 and message in r.json()["error"]["message"], r.text
    assert status(client, url, as_demo).startswith("CHECK_COMPLETE")


def test_cancel_update_rolls_back_to_the_template_before(client: TestClient, cloud: Cloud,
                                                         as_demo: dict[str, str]) -> None:
    url = make(client, cloud, as_demo, "slow", VALUES)
    slow = {**VALUES, "resources": {**VALUES["resources"], "first": {
        "type": "OS::Heat::TestResource", "properties": {"value": {"get_param": "word"},
                                                          "action_wait_secs": {"update": 60}}}}}
    r = client.put(url, headers=as_demo, json={"template": slow, "parameters": {"word": "two"}})
    assert r.status_code == 202, r.text
    settle(cloud, 2)
    assert status(client, url, as_demo).startswith("UPDATE_IN_PROGRESS")
    assert client.post(f"{url}/actions", headers=as_demo, json={"cancel_update": None}).status_code == 200
    settle(cloud, 3)
    stack = client.get(url, headers=as_demo).json()["stack"]
    assert stack["stack_status"] == "ROLLBACK_COMPLETE", stack["stack_status_reason"]
    assert stack["outputs"][0]["output_value"] == "one" and stack["parameters"]["word"] == "one"
    assert client.get(f"{url}/template", headers=as_demo).json() == VALUES


def test_abandon_keeps_what_the_stack_made_and_adopt_takes_it_back(client: TestClient, cloud: Cloud,
                                                                   as_demo: dict[str, str]) -> None:
    secret = {"heat_template_version": "2018-08-31", "resources": {"key": {"type": "OS::Heat::RandomString"}},
              "outputs": {"key": {"value": {"get_attr": ["key", "value"]}}}}
    url = make(client, cloud, as_demo, "kept", secret)
    made = client.get(url, headers=as_demo).json()["stack"]["outputs"][0]["output_value"]
    r = client.delete(f"{url}/abandon", headers=as_demo)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["name"] == "kept" and data["resources"]["key"]["resource_data"]["value"] == made
    assert client.get(f"{base(client, as_demo)}/stacks", headers=as_demo).json()["stacks"] == []
    r = client.post(f"{base(client, as_demo)}/stacks", headers=as_demo,
                    json={"stack_name": "again", "adopt_stack_data": str(__import__("json").dumps(data))})
    assert r.status_code == 201, r.text
    settle(cloud)
    again = f"{base(client, as_demo)}/stacks/again/{r.json()['stack']['id']}"
    stack = client.get(again, headers=as_demo).json()["stack"]
    assert (stack["stack_status"], stack["outputs"][0]["output_value"]) == ("ADOPT_COMPLETE", made)
    resource = client.get(f"{again}/resources/key", headers=as_demo).json()["resource"]
    assert resource["resource_status"] == "ADOPT_COMPLETE"
    assert resource["physical_resource_id"] == data["resources"]["key"]["resource_id"]
    r = client.post(f"{base(client, as_demo)}/stacks", headers=as_demo,
                    json={"stack_name": "bad", "adopt_stack_data": "[1, 2]"})
    assert r.status_code == 400, r.text


def test_a_wait_condition_completes_on_its_signals(client: TestClient, cloud: Cloud,
                                                   as_demo: dict[str, str]) -> None:
    url = make(client, cloud, as_demo, "waits", WAIT)
    assert status(client, url, as_demo).startswith("CREATE_IN_PROGRESS")
    signal = f"{url}/resources/handle/signal"
    assert client.post(signal, headers=as_demo, json={"status": "SUCCESS", "data": "up", "id": "web1"}
                       ).status_code == 200
    settle(cloud, 2)
    assert status(client, url, as_demo).startswith("CREATE_IN_PROGRESS")  # 1 of 2
    assert client.post(signal, headers=as_demo).status_code == 200  # no body: Heat's "Signal 2 received"
    settle(cloud)
    stack = client.get(url, headers=as_demo).json()["stack"]
    assert stack["stack_status"] == "CREATE_COMPLETE", stack["stack_status_reason"]
    outputs = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
    assert __import__("json").loads(outputs["data"]) == {"web1": "up", "2": None}
    assert outputs["endpoint"].endswith(f"{url}/resources/handle/signal")
    signalled = [e["resource_status_reason"] for e in client.get(f"{url}/resources/handle/events",
                                                                 headers=as_demo).json()["events"]
                 if e["resource_status"] == "SIGNAL_COMPLETE"]
    assert signalled == ["Signal: status:SUCCESS reason:Signal web1 received",
                         "Signal: status:SUCCESS reason:Signal 2 received"]
    metadata = client.get(f"{url}/resources/handle/metadata", headers=as_demo).json()["metadata"]
    assert metadata["2"]["reason"] == "Signal 2 received"
    r = client.post(signal, headers=as_demo, json={"status": "MAYBE"})
    assert r.status_code == 400 and r.json()["error"]["message"] == "Metadata format invalid"
    r = client.post(f"{url}/resources/wait/signal", headers=as_demo, json={})
    assert r.status_code == 400 and r.json()["error"]["message"] == "signal is not supported for resource."


def test_a_wait_condition_fails_on_a_failure_signal_or_its_timeout(client: TestClient, cloud: Cloud,
                                                                   as_demo: dict[str, str]) -> None:
    failing = make(client, cloud, as_demo, "fails", WAIT)
    timing_out = make(client, cloud, as_demo, "late", WAIT)
    client.post(f"{failing}/resources/handle/signal", headers=as_demo, json={"status": "FAILURE",
                                                                             "reason": "no database"})
    settle(cloud, 31)
    assert status(client, failing, as_demo) == \
        "CREATE_FAILED: Resource CREATE failed: WaitConditionFailure: resources.wait: no database"
    assert status(client, timing_out, as_demo) == \
        "CREATE_FAILED: Resource CREATE failed: WaitConditionTimeout: resources.wait: 0 of 2 received"


def test_mark_unhealthy_sets_check_failed(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    url = make(client, cloud, as_demo, "sick", VALUES)
    r = client.patch(f"{url}/resources/first", headers=as_demo,
                     json={"mark_unhealthy": True, "resource_status_reason": "resource deleted"})
    assert r.status_code == 200, r.text
    resource = client.get(f"{url}/resources/first", headers=as_demo).json()["resource"]
    assert (resource["resource_status"], resource["resource_status_reason"]) == ("CHECK_FAILED",
                                                                                 "resource deleted")
    r = client.patch(f"{url}/resources/first", headers=as_demo, json={"mark_unhealthy": "perhaps"})
    assert r.status_code == 400, r.text
