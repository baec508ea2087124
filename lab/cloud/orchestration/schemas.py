"""How Heat renders stacks, resources, events and the engine's catalogues (heat/engine/api.py)."""

from __future__ import annotations

import json
from typing import Any

from lab.cloud.http import timestamp
from lab.cloud.orchestration import template as hot
from lab.cloud.orchestration.models import Stack, StackEvent, StackResource
from lab.cloud.orchestration.resources import TYPES


def stack_url(base: str, stack: Stack) -> str:
    return f"{base}/heat-api/v1/{stack.project_id}/stacks/{stack.name}/{stack.id}"


def _status(action: str, status: str) -> str:
    return f"{action}_{status}"


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def _description(stack: Stack) -> str:
    template = stack.template if isinstance(stack.template, dict) else {}
    return str(template.get("description", "No description"))


def stack_summary(base: str, stack: Stack) -> dict[str, Any]:
    return {"id": stack.id, "stack_name": stack.name, "description": _description(stack),
            "creation_time": timestamp(stack.created_at), "updated_time": timestamp(stack.updated_at),
            "deletion_time": timestamp(stack.deleted_at), "stack_status": _status(stack.action, stack.status),
            "stack_status_reason": stack.status_reason, "stack_owner": stack.user_name or None,
            "stack_user_project_id": stack.project_id, "project": stack.project_id, "parent": stack.parent_id,
            "tags": stack.tags or None, "links": [{"href": stack_url(base, stack), "rel": "self"}]}


def stack_detail(base: str, stack: Stack, resolve_outputs: bool = True) -> dict[str, Any]:
    hidden = {name for name, spec in ((stack.template or {}).get("parameters") or {}).items()
              if isinstance(spec, dict) and spec.get("hidden")}
    parameters = {name: "******" if name in hidden else _param_text(value)
                  for name, value in (stack.parameters or {}).items()}
    parameters.update({"OS::stack_id": stack.id, "OS::stack_name": stack.name, "OS::project_id": stack.project_id})
    body = {**stack_summary(base, stack), "parameters": parameters, "template_description": _description(stack),
            "timeout_mins": stack.timeout_mins, "disable_rollback": stack.disable_rollback,
            "notification_topics": [], "capabilities": []}
    if resolve_outputs:
        body["outputs"] = stack.outputs or []
    return body


def resource_body(base: str, stack: Stack, row: StackResource, required_by: list[str], *,
                  with_stack_name: bool = False, attributes: dict[str, Any] | None = None) -> dict[str, Any]:
    url = stack_url(base, stack)
    links = [{"href": f"{url}/resources/{row.name}", "rel": "self"}, {"href": url, "rel": "stack"}]
    if row.type == "OS::Heat::ResourceGroup" and row.physical_id:
        child_name = (row.data or {}).get("nested_name", row.name)
        links.append({"href": f"{base}/heat-api/v1/{stack.project_id}/stacks/{child_name}/{row.physical_id}",
                      "rel": "nested"})
    body: dict[str, Any] = {
        "resource_name": row.name, "logical_resource_id": row.name, "physical_resource_id": row.physical_id or "",
        "resource_status": _status(row.action, row.status), "resource_status_reason": row.status_reason,
        "resource_type": row.type, "creation_time": timestamp(row.created_at),
        "updated_time": timestamp(row.updated_at or row.created_at), "required_by": required_by, "links": links}
    if stack.parent_resource:
        body["parent_resource"] = stack.parent_resource
    if with_stack_name:
        body["stack_name"] = stack.name
    if attributes is not None:
        body["attributes"] = attributes
        body["description"] = ""
        body["metadata"] = {}
    return body


def event_body(base: str, stack: Stack, event: StackEvent, root: Stack | None = None) -> dict[str, Any]:
    url = stack_url(base, stack)
    links = [{"href": f"{url}/resources/{event.resource_name}/events/{event.id}", "rel": "self"},
             {"href": f"{url}/resources/{event.resource_name}", "rel": "resource"},
             {"href": url, "rel": "stack"}]
    if root is not None:
        links.append({"href": stack_url(base, root), "rel": "root_stack"})
    return {"id": event.id, "resource_name": event.resource_name, "logical_resource_id": event.resource_name,
            "physical_resource_id": event.physical_id, "resource_status": _status(event.action, event.status),
            "resource_status_reason": event.reason, "event_time": timestamp(event.time), "links": links,
            "resource_type": event.resource_type}


def template_versions() -> list[dict[str, Any]]:
    return [{"version": f"heat_template_version.{version}", "type": "hot",
             "aliases": [f"heat_template_version.{alias}"] if alias else []}
            for version, alias in hot.VERSIONS.items()]


def template_functions(version: str) -> list[dict[str, str]]:
    return [{"functions": name, "description": hot.FUNCTION_DESCRIPTIONS[name]}
            for name, since in hot.FUNCTIONS.items() if since <= version]


def resource_schema(type_name: str) -> dict[str, Any]:
    kind = TYPES[type_name]
    types = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "list": "list",
             "map": "map", "any": "any"}
    return {"resource_type": type_name, "description": kind.description, "support_status": {
        "status": "SUPPORTED", "version": None, "message": None, "previous_status": None},
            "properties": {name: {"type": types[p.type], "required": p.required, "update_allowed": p.update,
                                  "immutable": False, "description": p.description, **(
                                      {"default": p.default} if p.default is not None else {})}
                           for name, p in kind.props.items()},
            "attributes": {name: {"description": text, "type": "map" if name == "show" else "string"}
                           for name, text in {**kind.attributes, "show": "Detailed information about resource."}
                           .items()}}


def resource_type_template(type_name: str, template_type: str) -> dict[str, Any]:
    """Heat's generate_template: one resource of the type, each property a parameter, each attribute an output."""
    kind = TYPES[type_name]
    types = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean",
             "list": "comma_delimited_list", "map": "json", "any": "json"}
    parameters = {name: {"type": types[p.type], "description": p.description, **(
        {"default": p.default} if p.default is not None else {})} for name, p in kind.props.items()}
    attributes = {**kind.attributes, "show": "Detailed information about resource."}
    short = type_name.split("::")[-1]
    if template_type == "cfn":
        return {"HeatTemplateFormatVersion": "2012-12-12", "Description": f"Initial template of {short}",
                "Parameters": {n: {"Type": "String" if p["type"] == "string" else "Json", **(
                    {"Default": p["default"]} if "default" in p else {})} for n, p in parameters.items()},
                "Resources": {short: {"Type": type_name, "Properties": {n: {"Ref": n} for n in parameters}}},
                "Outputs": {a: {"Description": text, "Value": {"Fn::GetAtt": [short, a]}}
                            for a, text in attributes.items()}}
    return {"heat_template_version": "2016-10-14", "description": f"Initial template of {short}",
            "parameters": parameters,
            "resources": {short: {"type": type_name, "properties": {n: {"get_param": n} for n in parameters}}},
            "outputs": {a: {"description": text, "value": {"get_attr": [short, a]}} for a, text in attributes.items()}}
