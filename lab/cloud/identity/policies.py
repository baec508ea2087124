"""The identity service's policy rules (see lab.cloud.policy).

Transitional: the names and the coarse four levels of the first release; each is to be renamed as the
OpenStack service names it (issue 12)."""

from lab.cloud.policy import Rule

RULES: tuple[Rule, ...] = (
    Rule("identity:list_projects", "rule:context_is_admin", "List projects: operators only."),
    Rule("identity:get_project", "rule:project_reader_or_admin",
         "Get project: a reader of the target's project (or an operator)."),
    Rule("identity:create_project", "rule:context_is_admin", "Create project: operators only."),
    Rule("identity:update_project", "rule:context_is_admin", "Update project: operators only."),
    Rule("identity:delete_project", "rule:context_is_admin", "Delete project: operators only."),
    Rule("identity:list_users", "rule:context_is_admin", "List users: operators only."),
    Rule("identity:get_user", "rule:context_is_admin", "Get user: operators only."),
    Rule("identity:create_user", "rule:context_is_admin", "Create user: operators only."),
    Rule("identity:update_user", "rule:context_is_admin", "Update user: operators only."),
    Rule("identity:delete_user", "rule:context_is_admin", "Delete user: operators only."),
    Rule("identity:list_roles", "rule:any_project", "List roles: any authenticated caller (or an operator)."),
    Rule("identity:get_role", "rule:any_project", "Get role: any authenticated caller (or an operator)."),
    Rule("identity:create_role", "rule:context_is_admin", "Create role: operators only."),
    Rule("identity:delete_role", "rule:context_is_admin", "Delete role: operators only."),
    Rule("identity:list_role_assignments", "rule:context_is_admin", "List role assignments: operators only."),
    Rule("identity:grant_role", "rule:context_is_admin", "Grant role: operators only."),
    Rule("identity:revoke_role", "rule:context_is_admin", "Revoke role: operators only."),
    Rule("identity:list_domains", "rule:context_is_admin", "List domains: operators only."),
    Rule("identity:get_domain", "rule:project_reader_or_admin",
         "Get domain: a reader of the target's project (or an operator)."),
    Rule("identity:create_domain", "rule:context_is_admin", "Create domain: operators only."),
    Rule("identity:update_domain", "rule:context_is_admin", "Update domain: operators only."),
    Rule("identity:delete_domain", "rule:context_is_admin", "Delete domain: operators only."),
    Rule("identity:list_services", "rule:context_is_admin", "List services: operators only."),
    Rule("identity:create_service", "rule:context_is_admin", "Create service: operators only."),
    Rule("identity:delete_service", "rule:context_is_admin", "Delete service: operators only."),
    Rule("identity:list_endpoints", "rule:context_is_admin", "List endpoints: operators only."),
    Rule("identity:create_endpoint", "rule:context_is_admin", "Create endpoint: operators only."),
    Rule("identity:delete_endpoint", "rule:context_is_admin", "Delete endpoint: operators only."),
    Rule("identity:list_regions", "rule:any_project", "List regions: any authenticated caller (or an operator)."),
    Rule("identity:list_user_projects", "rule:context_is_admin", "List user projects: operators only."),
    Rule("identity:update_role", "rule:context_is_admin", "Update role: operators only."),
    Rule("identity:list_grants", "rule:context_is_admin", "List grants: operators only."),
    Rule("identity:create_region", "rule:context_is_admin", "Create region: operators only."),
    Rule("identity:update_region", "rule:context_is_admin", "Update region: operators only."),
    Rule("identity:delete_region", "rule:context_is_admin", "Delete region: operators only."),
    Rule("identity:update_service", "rule:context_is_admin", "Update service: operators only."),
    Rule("identity:update_endpoint", "rule:context_is_admin", "Update endpoint: operators only."),
    Rule("identity:validate_token", "rule:any_project", "Validate token: any authenticated caller (or an operator)."),
)
