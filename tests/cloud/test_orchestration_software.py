"""Software configs and deployments in-process: the /software_configs and /software_deployments API as
heat-tempest-plugin's softwareconfig tests and heatclient use it (a referenced config cannot go, another
project's answers 404, bad bodies get 400 and change nothing), and OS::Heat::SoftwareConfig /
SoftwareDeployment in a stack: a deployment waits for its signal, completes with its outputs as attributes, or
fails the stack with Heat's reason."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.cloud.compute_support import other_headers
from tests.cloud.test_orchestration_actions import make, settle, status
from tests.cloud.test_orchestration_api import base


def test_configs_and_deployments_api(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    url = base(client, as_demo)
    made = client.post(f"{url}/software_configs", headers=as_demo, json={
        "name": "hello", "group": "script", "config": "#!/bin/sh\necho hello",
        "inputs": [{"name": "who", "default": "world"}], "outputs": [{"name": "greeting"}]})
    assert made.status_code == 200, made.text
    config = made.json()["software_config"]
    assert config["group"] == "script" and config["inputs"] == [{"name": "who", "default": "world"}]
    assert client.get(f"{url}/software_configs/{config['id']}", headers=as_demo).json()["software_config"] == config
    listed = client.get(f"{url}/software_configs", headers=as_demo).json()["software_configs"]
    assert [c["id"] for c in listed] == [config["id"]] and "config" not in listed[0]  # no detail in the list

    deployed = client.post(f"{url}/software_deployments", headers=as_demo, json={
        "config_id": config["id"], "server_id": "dummy_server", "action": "ACTION0", "status": "IN_PROGRESS"})
    assert deployed.status_code == 200, deployed.text
    deployment = deployed.json()["software_deployment"]
    assert (deployment["action"], deployment["status"], deployment["server_id"]) == \
        ("ACTION0", "IN_PROGRESS", "dummy_server")
    metadata = client.get(f"{url}/software_deployments/metadata/dummy_server", headers=as_demo).json()["metadata"]
    assert [m["id"] for m in metadata] == [config["id"]] and metadata[0]["group"] == "script"
    changed = client.put(f"{url}/software_deployments/{deployment['id']}", headers=as_demo, json={
        "action": "ACTION1", "status": "COMPLETE", "status_reason": "completed",
        "output_values": {"greeting": "hi"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["software_deployment"]["output_values"] == {"greeting": "hi"}
    assert changed.json()["software_deployment"]["updated_time"]
    found = client.get(f"{url}/software_deployments?server_id=dummy_server", headers=as_demo).json()
    assert [d["action"] for d in found["software_deployments"]] == ["ACTION1"]
    assert client.get(f"{url}/software_deployments?server_id=other", headers=as_demo).json() == \
        {"software_deployments": []}

    refused = client.delete(f"{url}/software_configs/{config['id']}", headers=as_demo)
    assert refused.status_code == 400 and "referenced" in refused.json()["error"]["message"]
    assert refused.json()["error"]["type"] == "InvalidRestrictedAction"

    other = other_headers(client, cloud)
    other_url = base(client, other)
    for path in (f"software_configs/{config['id']}", f"software_deployments/{deployment['id']}"):
        assert client.get(f"{other_url}/{path}", headers=other).status_code == 404
        assert client.delete(f"{other_url}/{path}", headers=other).status_code == 404
    assert client.get(f"{other_url}/software_configs", headers=other).json() == {"software_configs": []}
    assert client.get(f"{url}/software_configs", headers=other).status_code == 403  # another tenant in the URL

    assert client.delete(f"{url}/software_deployments/{deployment['id']}", headers=as_demo).status_code == 204
    assert client.delete(f"{url}/software_configs/{config['id']}", headers=as_demo).status_code == 204
    assert client.get(f"{url}/software_configs/{config['id']}", headers=as_demo).status_code == 404


def test_bad_bodies_get_400_and_make_nothing(client: TestClient, as_demo: dict[str, str]) -> None:
    url = base(client, as_demo)
    for path, body, words in (
            ("software_configs", {"name": 5}, "name must be a string"),
            ("software_configs", {"inputs": [{"type": "String"}]}, "Property name not assigned"),
            ("software_configs", {"options": []}, "options must be a map"),
            ("software_deployments", {"config_id": "x"}, "server_id must be specified"),
            ("software_deployments", {"server_id": "s"}, "config_id must be specified"),
    ):
        r = client.post(f"{url}/{path}", headers=as_demo, json=body)
        assert r.status_code == 400 and words in r.json()["error"]["message"], (path, body, r.text)
    missing = client.post(f"{url}/software_deployments", headers=as_demo, json={"server_id": "s", "config_id": "x"})
    assert missing.status_code == 404
    assert client.get(f"{url}/software_configs", headers=as_demo).json() == {"software_configs": []}
    assert client.get(f"{url}/software_deployments", headers=as_demo).json() == {"software_deployments": []}


DEPLOY: dict[str, Any] = {
    "heat_template_version": "2018-08-31",
    "parameters": {"transport": {"type": "string", "default": "HEAT_SIGNAL"}},
    "resources": {
        "config": {"type": "OS::Heat::SoftwareConfig", "properties": {
            "group": "script", "config": "#!/bin/sh\necho $who", "inputs": [{"name": "who"}],
            "outputs": [{"name": "result"}]}},
        "deployment": {"type": "OS::Heat::SoftwareDeployment", "properties": {
            "config": {"get_resource": "config"}, "server": "a-server-id", "input_values": {"who": "world"},
            "signal_transport": {"get_param": "transport"}}},
    },
    "outputs": {"stdout": {"value": {"get_attr": ["deployment", "deploy_stdout"]}},
                "result": {"value": {"get_attr": ["deployment", "result"]}}},
}


def test_a_deployment_waits_for_its_signal(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    url = make(client, cloud, as_demo, "sd", DEPLOY)
    assert status(client, url, as_demo).startswith("CREATE_IN_PROGRESS")
    api = base(client, as_demo)
    [deployment] = client.get(f"{api}/software_deployments?server_id=a-server-id", headers=as_demo).json()[
        "software_deployments"]
    assert (deployment["action"], deployment["status"]) == ("CREATE", "IN_PROGRESS")
    derived = client.get(f"{api}/software_configs/{deployment['config_id']}", headers=as_demo).json()[
        "software_config"]
    inputs = {i["name"]: i["value"] for i in derived["inputs"]}
    assert inputs["who"] == "world" and inputs["deploy_action"] == "CREATE" and \
        inputs["deploy_resource_name"] == "deployment" and inputs["deploy_stack_id"] == url.split("/stacks/")[1]
    signalled = client.post(f"{url}/resources/deployment/signal", headers=as_demo, json={
        "deploy_stdout": "world\n", "deploy_status_code": 0, "result": "done"})
    assert signalled.status_code == 200, signalled.text
    settle(cloud)
    stack = client.get(url, headers=as_demo).json()["stack"]
    assert stack["stack_status"] == "CREATE_COMPLETE", stack["stack_status_reason"]
    assert {o["output_key"]: o["output_value"] for o in stack["outputs"]} == {"stdout": "world\n", "result": "done"}
    events = client.get(f"{url}/resources/deployment/events", headers=as_demo).json()["events"]
    assert "Signal: deployment succeeded" in [e["resource_status_reason"] for e in events]
    assert client.delete(url, headers=as_demo).status_code == 204
    settle(cloud)
    assert client.get(f"{api}/software_deployments", headers=as_demo).json() == {"software_deployments": []}
    assert client.get(f"{api}/software_configs", headers=as_demo).json() == {"software_configs": []}


def test_a_failed_deployment_fails_the_stack(client: TestClient, cloud: Cloud, as_demo: dict[str, str]) -> None:
    url = make(client, cloud, as_demo, "sdfail", DEPLOY)
    client.post(f"{url}/resources/deployment/signal", headers=as_demo, json={"deploy_status_code": 1})
    settle(cloud)
    assert status(client, url, as_demo) == (
        "CREATE_FAILED: Resource CREATE failed: Error: resources.deployment: Deployment to server failed: "
        "deploy_status_code : Deployment exited with non-zero status code: 1")
    quiet = make(client, cloud, as_demo, "nosignal", DEPLOY, parameters={"transport": "NO_SIGNAL"})
    assert status(client, quiet, as_demo).startswith("CREATE_COMPLETE")


def test_a_deployed_server_must_take_software_config(client: TestClient, as_demo: dict[str, str]) -> None:
    template = {**DEPLOY, "resources": {**DEPLOY["resources"], "server": {
        "type": "OS::Nova::Server", "properties": {"flavor": "m1.nano", "image": "cirros"}}}}
    template["resources"]["deployment"] = {**DEPLOY["resources"]["deployment"], "properties": {
        **DEPLOY["resources"]["deployment"]["properties"], "server": {"get_resource": "server"}}}
    r = client.post(f"{base(client, as_demo)}/stacks", headers=as_demo, json={"stack_name": "s", "template": template})
    assert r.status_code == 400
    assert "Resource server's property user_data_format should be set to SOFTWARE_CONFIG" in \
        r.json()["error"]["message"]
