"""Orchestration's policy rules, with Heat's names (heat/policies/*.py) and its Zed defaults: a project's
reader may look, a member may create, change and delete (see lab.cloud.policy)."""

from lab.cloud.policy import Rule

S = "/heat-api/v1/{tenant_id}"
STACK = f"{S}/stacks/{{stack_name}}/{{stack_id}}"
READER = "rule:project_reader_or_admin"
MEMBER = "rule:project_member_or_admin"

RULES: tuple[Rule, ...] = (
    Rule("stacks:index", READER, "List stacks.", (("GET", f"{S}/stacks"),)),
    Rule("stacks:create", MEMBER, "Create stack.", (("POST", f"{S}/stacks"),)),
    Rule("stacks:preview", MEMBER, "Preview stack.", (("POST", f"{S}/stacks/preview"),)),
    Rule("stacks:lookup", READER, "Find stack.", (("GET", f"{S}/stacks/{{stack_identity}}"),)),
    Rule("stacks:show", READER, "Show stack.", (("GET", STACK),)),
    Rule("stacks:update", MEMBER, "Update stack.", (("PUT", STACK),)),
    Rule("stacks:update_patch", MEMBER, "Update stack (PATCH).", (("PATCH", STACK),)),
    Rule("stacks:delete", MEMBER, "Delete stack.", (("DELETE", STACK),)),
    Rule("stacks:template", READER, "Get stack template.", (("GET", f"{STACK}/template"),)),
    Rule("stacks:environment", READER, "Get stack environment.", (("GET", f"{STACK}/environment"),)),
    Rule("stacks:files", READER, "Get stack files.", (("GET", f"{STACK}/files"),)),
    Rule("stacks:list_outputs", READER, "List outputs.", (("GET", f"{STACK}/outputs"),)),
    Rule("stacks:show_output", READER, "Show outputs.", (("GET", f"{STACK}/outputs/{{output_key}}"),)),
    Rule("stacks:validate_template", MEMBER, "Validate template.", (("POST", f"{S}/validate"),)),
    Rule("stacks:list_resource_types", READER, "List resource types.", (("GET", f"{S}/resource_types"),)),
    Rule("stacks:resource_schema", READER, "Show resource type schema.",
         (("GET", f"{S}/resource_types/{{type_name}}"),)),
    Rule("stacks:list_template_versions", READER, "List template versions.",
         (("GET", f"{S}/template_versions"),)),
    Rule("stacks:list_template_functions", READER, "List template functions.",
         (("GET", f"{S}/template_versions/{{template_version}}/functions"),)),
    Rule("resource:index", READER, "List resources.", (("GET", f"{STACK}/resources"),)),
    Rule("resource:show", READER, "Show resource.", (("GET", f"{STACK}/resources/{{resource_name}}"),)),
    Rule("resource:metadata", READER, "Show resource metadata.",
         (("GET", f"{STACK}/resources/{{resource_name}}/metadata"),)),
    Rule("events:index", READER, "List events.",
         (("GET", f"{STACK}/events"), ("GET", f"{STACK}/resources/{{resource_name}}/events"))),
    Rule("events:show", READER, "Show event.",
         (("GET", f"{STACK}/resources/{{resource_name}}/events/{{event_id}}"),)),
    Rule("stacks:abandon", MEMBER, "Abandon stack.", (("DELETE", f"{STACK}/abandon"),)),
    Rule("stacks:generate_template", READER, "Generate template.",
         (("GET", f"{S}/resource_types/{{type_name}}/template"),)),
    Rule("actions:suspend", MEMBER, "Suspend stack.", (("POST", f"{STACK}/actions"),)),
    Rule("actions:resume", MEMBER, "Resume suspended stack.", (("POST", f"{STACK}/actions"),)),
    Rule("actions:check", READER, "Check stack resources.", (("POST", f"{STACK}/actions"),)),
    Rule("actions:cancel_update", MEMBER, "Cancel stack operation and roll back.",
         (("POST", f"{STACK}/actions"),)),
    Rule("actions:cancel_without_rollback", MEMBER, "Cancel stack operation without rolling back.",
         (("POST", f"{STACK}/actions"),)),
    Rule("resource:signal", "", "Signal resource.",
         (("POST", f"{STACK}/resources/{{resource_name}}/signal"),)),
    Rule("resource:mark_unhealthy", MEMBER, "Mark resource as unhealthy.",
         (("PATCH", f"{STACK}/resources/{{resource_name}}"),)),
    Rule("build_info:build_info", READER, "Show build information.", (("GET", f"{S}/build_info"),)),
    Rule("service:index", "rule:context_is_admin", "Show engine service status.", (("GET", f"{S}/services"),)),
)
