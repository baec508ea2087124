"""The software config resource types: OS::Heat::SoftwareConfig and OS::Heat::CloudConfig (a config kept by
Heat's /software_configs) and OS::Heat::SoftwareDeployment (a config applied to a server, through
/software_deployments; see software.py for what completes it). Like Heat's, they call the orchestration API
itself as the stack's owner.

A deployment is made with a *derived* config, Heat's: the config's declared inputs with their values from
`input_values` (or their defaults), the values no input declares, and the `deploy_*` inputs that tell the
server's agent which server, action, stack and resource it is. Each CREATE or UPDATE derives a new one; the
one before is removed once the deployment points at the new one.
"""

from __future__ import annotations

import uuid
from typing import Any

import yaml

from lab.cloud.orchestration.internal import ApiError, InternalAPI
from lab.cloud.orchestration.resources import Kind, Prop, Res, ResourceFailed
from lab.cloud.orchestration.template import ValidationFailed

HEAT = "/heat-api/v1"
SIGNAL_TRANSPORTS = ("CFN_SIGNAL", "TEMP_URL_SIGNAL", "HEAT_SIGNAL", "NO_SIGNAL", "ZAQAR_SIGNAL")
DEPLOY_ACTIONS = ("CREATE", "UPDATE", "DELETE", "SUSPEND", "RESUME")


def _configs(res: Res) -> str:
    return f"{HEAT}/{res.project_id}/software_configs"


def _deployments(res: Res) -> str:
    return f"{HEAT}/{res.project_id}/software_deployments"


class SoftwareConfigKind(Kind):
    name = "OS::Heat::SoftwareConfig"
    description = "A resource for describing and storing software configuration."
    props = {"group": Prop("string", default="Heat::Ungrouped"), "config": Prop("string"),
             "options": Prop("map"), "inputs": Prop("list", default=[]), "outputs": Prop("list", default=[])}
    attributes = {"config": "The config value of the software config.", "show": "Detailed information."}

    def body(self, res: Res, props: dict[str, Any]) -> dict[str, Any]:
        return {"name": res.physical_name, "group": props["group"], "config": props.get("config"),
                "options": props.get("options") or {}, "inputs": props.get("inputs") or [],
                "outputs": props.get("outputs") or []}

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        return str(api.post(_configs(res), self.body(res, props))["software_config"]["id"])

    def delete(self, api: InternalAPI, res: Res) -> None:
        api.delete(f"{_configs(res)}/{res.physical_id}")

    def show(self, api: InternalAPI, res: Res) -> Any:
        return api.get(f"{_configs(res)}/{res.physical_id}")["software_config"]


class CloudConfigKind(SoftwareConfigKind):
    """A cloud-init `#cloud-config` document, kept as a software config (a server's user_data may name it)."""

    name = "OS::Heat::CloudConfig"
    description = "A configuration resource for representing cloud-init cloud-config."
    props = {"cloud_config": Prop("map", default={})}

    def body(self, res: Res, props: dict[str, Any]) -> dict[str, Any]:
        document = "#cloud-config\n" + yaml.safe_dump(props.get("cloud_config") or {}, default_flow_style=False)
        return {"name": res.physical_name, "group": "Heat::Ungrouped", "config": document, "options": {},
                "inputs": [], "outputs": []}


class SoftwareDeploymentKind(Kind):
    name = "OS::Heat::SoftwareDeployment"
    description = "This resource associates a server with some configuration."
    props = {"config": Prop("string", update=True), "server": Prop("string", required=True),
             "input_values": Prop("map", default={}, update=True),
             "actions": Prop("list", default=["CREATE", "UPDATE"], update=True), "name": Prop("string", update=True),
             "signal_transport": Prop("string", default="CFN_SIGNAL")}
    attributes = {"deploy_stdout": "Captured stdout from the configuration execution.",
                  "deploy_stderr": "Captured stderr from the configuration execution.",
                  "deploy_status_code": "Returned status code from the configuration execution."}

    def validate(self, resource: str, props: dict[str, Any]) -> dict[str, Any]:
        out = super().validate(resource, props)
        where = f"Property error: resources.{resource}.properties"
        transport = out.get("signal_transport")
        if isinstance(transport, str) and transport not in SIGNAL_TRANSPORTS:
            raise ValidationFailed(f'{where}.signal_transport: "{transport}" is not an allowed value '
                             f"{list(SIGNAL_TRANSPORTS)}")
        actions = out.get("actions")
        for action in actions if isinstance(actions, list) else []:
            if isinstance(action, str) and action not in DEPLOY_ACTIONS:
                raise ValidationFailed(f'{where}.actions: "{action}" is not an allowed value {list(DEPLOY_ACTIONS)}')
        return out

    def _source(self, api: InternalAPI, res: Res, config_id: str | None) -> dict[str, Any]:
        if not config_id:
            return {"inputs": [], "outputs": []}
        return dict(api.get(f"{_configs(res)}/{config_id}")["software_config"])

    def _derived(self, api: InternalAPI, res: Res, props: dict[str, Any], action: str) -> str:
        """Make the derived config of this action (see the module docstring); its id."""
        source = self._source(api, res, props.get("config"))
        values = dict(props.get("input_values") or {})
        inputs = []
        for declared in source.get("inputs") or []:
            inputs.append({**declared, "value": values.pop(declared["name"], declared.get("default"))})
        inputs += [{"name": name, "value": value} for name, value in values.items()]
        inputs += [
            {"name": "deploy_server_id", "value": props["server"], "description": "ID of the server being deployed to"},
            {"name": "deploy_action", "value": action, "description": "Name of the current action being deployed"},
            {"name": "deploy_stack_id", "value": res.stack_path,
             "description": "ID of the stack this deployment belongs to"},
            {"name": "deploy_resource_name", "value": res.name,
             "description": "Name of this deployment resource in the stack"},
            {"name": "deploy_signal_transport", "value": props["signal_transport"],
             "description": "How the server should signal to heat with the deployment output values."}]
        body = {"name": props.get("name") or source.get("name") or res.physical_name,
                "group": source.get("group") or "Heat::Ungrouped", "config": source.get("config") or "",
                "options": source.get("options") or {}, "inputs": inputs, "outputs": source.get("outputs") or []}
        return str(api.post(_configs(res), body)["software_config"]["id"])

    def _state(self, props: dict[str, Any]) -> dict[str, str]:
        if props["signal_transport"] == "NO_SIGNAL":
            return {"status": "COMPLETE", "status_reason": "Not waiting for outputs signal"}
        return {"status": "IN_PROGRESS", "status_reason": "Deploy data available"}

    def create(self, api: InternalAPI, res: Res, props: dict[str, Any]) -> str:
        deployment_id = str(uuid.uuid4())
        if "CREATE" not in (props.get("actions") or []):
            return deployment_id  # Heat: nothing to deploy at CREATE
        derived = self._derived(api, res, props, "CREATE")
        api.post(_deployments(res), {"deployment_id": deployment_id, "server_id": props["server"],
                                     "config_id": derived, "input_values": props.get("input_values") or {},
                                     "action": "CREATE", **self._state(props)})
        res.data["deployed"] = True
        return deployment_id

    def ready(self, api: InternalAPI, res: Res) -> bool:
        if not res.data.get("deployed"):
            return True
        deployment = self.show(api, res)
        if deployment["status"] == "FAILED":
            raise ResourceFailed("Error", f"Deployment to server failed: {deployment['status_reason']}")
        return bool(deployment["status"] == "COMPLETE")

    def update(self, api: InternalAPI, res: Res, old: dict[str, Any], new: dict[str, Any]) -> None:
        if "UPDATE" not in (new.get("actions") or []):
            return
        derived = self._derived(api, res, new, "UPDATE")
        body = {"config_id": derived, "input_values": new.get("input_values") or {}, "action": "UPDATE",
                **self._state(new)}
        if res.data.get("deployed"):
            previous = self.show(api, res)["config_id"]
            api.put(f"{_deployments(res)}/{res.physical_id}", body)
            api.delete(f"{_configs(res)}/{previous}")
        else:
            api.post(_deployments(res), {**body, "deployment_id": res.physical_id, "server_id": new["server"]})
            res.data["deployed"] = True

    def delete(self, api: InternalAPI, res: Res) -> None:
        if not res.data.get("deployed"):
            return
        try:
            derived = self.show(api, res)["config_id"]
        except ApiError as exc:
            if exc.status == 404:
                return  # gone already: nothing left to remove
            raise
        api.delete(f"{_deployments(res)}/{res.physical_id}")
        api.delete(f"{_configs(res)}/{derived}")

    def show(self, api: InternalAPI, res: Res) -> Any:
        return api.get(f"{_deployments(res)}/{res.physical_id}")["software_deployment"]

    def attribute(self, api: InternalAPI, res: Res, name: str) -> Any:
        """The deployment's output values (deploy_stdout & co, and the config's declared outputs)."""
        if not res.data.get("deployed"):
            return None
        deployment = self.show(api, res)
        if name == "show":
            return deployment
        return (deployment.get("output_values") or {}).get(name)


SOFTWARE_TYPES: tuple[Kind, ...] = (SoftwareConfigKind(), CloudConfigKind(), SoftwareDeploymentKind())
