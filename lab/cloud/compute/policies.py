"""The compute service's policy rules (see lab.cloud.policy).

Transitional: the names and the coarse four levels of the first release; each is to be renamed as the
OpenStack service names it (issue 12)."""

from lab.cloud.policy import Rule

RULES: tuple[Rule, ...] = (
    Rule("compute:get", "rule:project_reader_or_admin", "Get: a reader of the target's project (or an operator)."),
    Rule("compute:create", "rule:project_member_or_admin",
         "Create: a member of the target's project (or an operator)."),
    Rule("compute:update", "rule:project_member_or_admin",
         "Update: a member of the target's project (or an operator)."),
    Rule("compute:delete", "rule:project_member_or_admin",
         "Delete: a member of the target's project (or an operator)."),
    Rule("compute:action", "rule:project_member_or_admin",
         "Action: a member of the target's project (or an operator)."),
    Rule("compute:list_all_projects", "rule:context_is_admin", "List all projects: operators only."),
    Rule("compute:create_flavor", "rule:context_is_admin", "Create flavor: operators only."),
    Rule("compute:delete_flavor", "rule:context_is_admin", "Delete flavor: operators only."),
    Rule("compute:flavor_access", "rule:context_is_admin", "Flavor access: operators only."),
    Rule("compute:keypair", "rule:project_member_or_admin",
         "Keypair: a member of the target's project (or an operator)."),
    Rule("compute:update_quota", "rule:context_is_admin", "Update quota: operators only."),
    Rule("compute:hypervisors", "rule:context_is_admin", "Hypervisors: operators only."),
)
