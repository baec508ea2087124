"""Orchestration's API in-process (the worker run by hand): the 302 lookup python-heatclient relies on, Heat's
400s for bad templates (nothing recorded), functions and outputs, and what a killed process leaves: a stack
with its step job resumes, one without fails with Heat's reason instead of staying IN_PROGRESS."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.orchestration.engine import STEP
from lab.cloud.worker import Job

TEMPLATE: dict[str, Any] = {
    "heat_template_version": "2021-04-16",
    "parameters": {"words": {"type": "comma_delimited_list", "default": "a,b"},
                   "size": {"type": "number", "default": 8, "constraints": [{"range": {"min": 4, "max": 16}}]}},
    "conditions": {"long": {"equals": [{"get_param": "size"}, 16]}},
    "resources": {
        "secret": {"type": "OS::Heat::RandomString", "properties": {"length": {"get_param": "size"}}},
        "greeting": {"type": "OS::Heat::Value", "properties": {"value": {"str_replace": {
            "template": "hi $W", "params": {"$W": {"list_join": ["+", {"get_param": "words"}]}}}}}},
        "extra": {"type": "OS::Heat::Value", "condition": "long", "properties": {"value": "x"}},
    },
    "outputs": {"greeting": {"value": {"get_attr": ["greeting", "value"]}},
                "length": {"value": {"str_split": [",", "x,y,z", 2]}},
                "secret": {"value": {"get_attr": ["secret", "value"]}},
                "repeat": {"value": {"repeat": {"for_each": {"%n%": [1, 2]}, "template": "n%n%"}}}},
}


def base(client: TestClient, headers: dict[str, str]) -> str:
    token = client.get("/identity/v3/auth/tokens", headers={**headers, "X-Subject-Token": headers["X-Auth-Token"]})
    return f"/heat-api/v1/{token.json()['token']['project']['id']}"


def test_create_lookup_outputs_and_delete(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    url = base(client, as_demo)
    made = client.post(f"{url}/stacks", headers=as_demo, json={"stack_name": "s1", "template": TEMPLATE,
                                                               "parameters": {"words": "x,y"}})
    assert made.status_code == 201, made.text
    stack_id = made.json()["stack"]["id"]
    found = client.get(f"{url}/stacks/s1?resolve_outputs=false", headers=as_demo, follow_redirects=False)
    assert found.status_code == 302
    assert found.headers["location"].endswith(f"{url}/stacks/s1/{stack_id}?resolve_outputs=false")
    assert client.get(f"{url}/stacks/s1/{stack_id}", headers=as_demo).json()["stack"]["stack_status"] == \
        "CREATE_IN_PROGRESS"
    cloud.worker.run_due()
    stack = client.get(f"{url}/stacks/s1/{stack_id}", headers=as_demo).json()["stack"]
    assert stack["stack_status"] == "CREATE_COMPLETE", stack["stack_status_reason"]
    outputs = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
    assert outputs["greeting"] == "hi x+y" and outputs["length"] == "z" and outputs["repeat"] == ["n1", "n2"]
    assert len(outputs["secret"]) == 8
    names = {r["resource_name"] for r in client.get(f"{url}/stacks/s1/{stack_id}/resources",
                                                    headers=as_demo).json()["resources"]}
    assert names == {"secret", "greeting"}  # `extra`'s condition is false
    assert client.delete(f"{url}/stacks/s1/{stack_id}", headers=as_demo).status_code == 204
    cloud.worker.run_due()
    gone = client.get(f"{url}/stacks/s1/{stack_id}", headers=as_demo).json()["stack"]
    assert gone["stack_status"] == "DELETE_COMPLETE"
    assert client.get(f"{url}/stacks", headers=as_demo).json()["stacks"] == []
    assert client.get(f"{url}/stacks/s1", headers=as_demo, follow_redirects=False).status_code == 404


def test_bad_templates_get_heats_400_and_record_nothing(client: TestClient, as_demo: dict[str, str]) -> None:
    url = base(client, as_demo)
    cases = [
        ({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}, "InvalidTemplateVersion",
         "The template version is invalid"),
        ({"heat_template_version": "2012-12-12"}, "InvalidTemplateVersion", '"heat_template_version" should be'),
        ({**TEMPLATE, "resources": {
            "a": {"type": "OS::Heat::Value", "properties": {"value": {"get_attr": ["b", "value"]}}},
            "b": {"type": "OS::Heat::Value", "properties": {"value": {"get_resource": "a"}}}}},
         "StackValidationFailed", "Circular Dependency Found: a, b"),
        ({**TEMPLATE, "resources": {"a": {"type": "OS::Nope::Thing"}}}, "StackValidationFailed",
         "The Resource Type (OS::Nope::Thing) could not be found."),
        ({**TEMPLATE, "resources": {"a": {"type": "OS::Heat::Value", "properties": {"valu": 1}}}},
         "StackValidationFailed", "Unknown Property valu"),
    ]
    for template, kind, message in cases:
        r = client.post(f"{url}/stacks", headers=as_demo, json={"stack_name": "bad", "template": template})
        assert r.status_code == 400, r.text
        assert r.json()["error"]["type"] == kind and message in r.json()["error"]["message"], r.text
    r = client.post(f"{url}/stacks", headers=as_demo, json={"stack_name": "bad", "template": TEMPLATE,
                                                            "parameters": {"size": 40}})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Parameter 'size' is invalid: 40 is out of range (min: 4, max: 16)"
    assert client.get(f"{url}/stacks", headers=as_demo).json()["stacks"] == []


def test_a_killed_process_resumes_or_fails_a_stack(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    url = base(client, as_demo)
    ids = [client.post(f"{url}/stacks", headers=as_demo, json={"stack_name": name, "template": TEMPLATE}).json()[
        "stack"]["id"] for name in ("resumed", "orphan")]
    with cloud.db.write() as db:  # the orphan's job is lost (a lab from before its job was written)
        for job in db.query(Job).filter(Job.kind == STEP, Job.resource_id == ids[1]):
            db.delete(job)
    cloud.services["orchestration"].recover()  # what the next start runs
    cloud.worker.run_due()
    statuses = [client.get(f"{url}/stacks/{name}/{sid}", headers=as_demo).json()["stack"]
                for name, sid in zip(("resumed", "orphan"), ids, strict=True)]
    assert statuses[0]["stack_status"] == "CREATE_COMPLETE"
    assert (statuses[1]["stack_status"], statuses[1]["stack_status_reason"]) == (
        "CREATE_FAILED", "Engine went down during stack CREATE")

