"""The volume service's policy rules (see lab.cloud.policy).

Transitional: the names and the coarse four levels of the first release; each is to be renamed as the
OpenStack service names it (issue 12)."""

from lab.cloud.policy import Rule

RULES: tuple[Rule, ...] = (
    Rule("volume:get", "rule:project_reader_or_admin", "Get: a reader of the target's project (or an operator)."),
    Rule("volume:create", "rule:project_member_or_admin", "Create: a member of the target's project (or an operator)."),
    Rule("volume:update", "rule:project_member_or_admin", "Update: a member of the target's project (or an operator)."),
    Rule("volume:delete", "rule:project_member_or_admin", "Delete: a member of the target's project (or an operator)."),
    Rule("volume:manage_types", "rule:context_is_admin", "Manage types: operators only."),
    Rule("volume:update_quota", "rule:context_is_admin", "Update quota: operators only."),
    Rule("volume:reset_status", "rule:context_is_admin", "Reset status: operators only."),
    Rule("volume:get_pools", "rule:context_is_admin", "Get pools: operators only."),
)
