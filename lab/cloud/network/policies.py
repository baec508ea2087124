"""The network service's policy rules (see lab.cloud.policy).

Transitional: the names and the coarse four levels of the first release; each is to be renamed as the
OpenStack service names it (issue 12)."""

from lab.cloud.policy import Rule

RULES: tuple[Rule, ...] = (
    Rule("network:get", "rule:project_reader_or_admin", "Get: a reader of the target's project (or an operator)."),
    Rule("network:create", "rule:project_member_or_admin",
         "Create: a member of the target's project (or an operator)."),
    Rule("network:update", "rule:project_member_or_admin",
         "Update: a member of the target's project (or an operator)."),
    Rule("network:delete", "rule:project_member_or_admin",
         "Delete: a member of the target's project (or an operator)."),
    Rule("network:create_shared", "rule:context_is_admin", "Create shared: operators only."),
    Rule("network:provider", "rule:context_is_admin", "Provider: operators only."),
    Rule("network:update_quota", "rule:context_is_admin", "Update quota: operators only."),
)
