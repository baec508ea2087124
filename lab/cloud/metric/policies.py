"""Metric policy rules, with Gnocchi's names and defaults (gnocchi/rest/policy.yaml of its Zed release): anyone
may read archive policies and resource types and create resources and metrics; a resource or metric is its
creator's (`admin_or_creator`) and its project's to read (`resource_owner`, `metric_owner`); changing archive
policies and reading the status is the operator's."""

from lab.cloud.policy import Rule

V1 = "/metric/v1"
ADMIN = "rule:context_is_admin"
CREATOR = "rule:gnocchi_admin_or_creator"

RULES: tuple[Rule, ...] = (
    Rule("gnocchi_admin_or_creator",
         "rule:context_is_admin or project_id:%(created_by_project_id)s",
         "Gnocchi's admin_or_creator: an operator, or the project that created the resource or metric."),
    Rule("gnocchi_resource_owner", "project_id:%(project_id)s",
         "Gnocchi's resource_owner: the project the resource is about."),
    Rule("gnocchi_metric_owner", "project_id:%(resource_project_id)s",
         "Gnocchi's metric_owner: the project of the resource the metric belongs to."),
    Rule("get status", ADMIN, "Show the measure-processing status.", (("GET", f"{V1}/status"),)),
    Rule("create resource", "", "Create a resource.", (("POST", f"{V1}/resource/{{type}}"),)),
    Rule("get resource", f"{CREATOR} or rule:gnocchi_resource_owner", "Show a resource.",
         (("GET", f"{V1}/resource/{{type}}/{{id}}"),)),
    Rule("update resource", CREATOR, "Update a resource.", (("PATCH", f"{V1}/resource/{{type}}/{{id}}"),)),
    Rule("delete resource", CREATOR, "Delete a resource.", (("DELETE", f"{V1}/resource/{{type}}/{{id}}"),)),
    Rule("list resource", "", "List resources (each as `get resource` allows).",
         (("GET", f"{V1}/resource/{{type}}"),)),
    Rule("search resource", "", "Search resources (each as `get resource` allows).",
         (("POST", f"{V1}/search/resource/{{type}}"),)),
    Rule("list all resource", ADMIN, "List every project's resources.", (("GET", f"{V1}/resource/{{type}}"),)),
    Rule("list resource type", "", "List resource types.", (("GET", f"{V1}/resource_type"),)),
    Rule("get resource type", "", "Show a resource type.", (("GET", f"{V1}/resource_type/{{name}}"),)),
    Rule("create resource type", ADMIN, "Create a resource type.", (("POST", f"{V1}/resource_type"),)),
    Rule("update resource type", ADMIN, "Add or remove a resource type's attributes.",
         (("PATCH", f"{V1}/resource_type/{{name}}"),)),
    Rule("delete resource type", ADMIN, "Delete a resource type no resource uses.",
         (("DELETE", f"{V1}/resource_type/{{name}}"),)),
    Rule("get archive policy", "", "Show an archive policy.", (("GET", f"{V1}/archive_policy/{{name}}"),)),
    Rule("list archive policy", "", "List archive policies.", (("GET", f"{V1}/archive_policy"),)),
    Rule("create archive policy", ADMIN, "Create an archive policy.", (("POST", f"{V1}/archive_policy"),)),
    Rule("delete archive policy", ADMIN, "Delete an archive policy.",
         (("DELETE", f"{V1}/archive_policy/{{name}}"),)),
    Rule("get archive policy rule", "", "Show an archive policy rule.",
         (("GET", f"{V1}/archive_policy_rule/{{name}}"),)),
    Rule("list archive policy rule", "", "List archive policy rules.", (("GET", f"{V1}/archive_policy_rule"),)),
    Rule("create archive policy rule", ADMIN, "Create an archive policy rule.",
         (("POST", f"{V1}/archive_policy_rule"),)),
    Rule("delete archive policy rule", ADMIN, "Delete an archive policy rule.",
         (("DELETE", f"{V1}/archive_policy_rule/{{name}}"),)),
    Rule("create metric", "", "Create a metric.", (("POST", f"{V1}/metric"),)),
    Rule("delete metric", CREATOR, "Delete a metric.", (("DELETE", f"{V1}/metric/{{id}}"),)),
    Rule("get metric", f"{CREATOR} or rule:gnocchi_metric_owner", "Show a metric.",
         (("GET", f"{V1}/metric/{{id}}"),)),
    Rule("list metric", "", "List metrics (each as `get metric` allows).", (("GET", f"{V1}/metric"),)),
    Rule("list all metric", ADMIN, "List every project's metrics.", (("GET", f"{V1}/metric"),)),
    Rule("get measures", f"{CREATOR} or rule:gnocchi_metric_owner", "Read a metric's measures.",
         (("GET", f"{V1}/metric/{{id}}/measures"),
          ("GET", f"{V1}/resource/{{type}}/{{id}}/metric/{{name}}/measures"),
          ("POST", f"{V1}/aggregates"))),
    Rule("post measures", CREATOR, "Add measures to a metric.",
         (("POST", f"{V1}/metric/{{id}}/measures"),
          ("POST", f"{V1}/resource/{{type}}/{{id}}/metric/{{name}}/measures"))),
)
