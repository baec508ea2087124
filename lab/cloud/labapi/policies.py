"""The labapi service's policy rules (see lab.cloud.policy).

Transitional: the names and the coarse four levels of the first release; each is to be renamed as the
OpenStack service names it (issue 12)."""

from lab.cloud.policy import Rule

RULES: tuple[Rule, ...] = (
    Rule("lab:clock_advance", "rule:context_is_admin", "Clock advance: operators only."),
    Rule("lab:admin", "rule:context_is_admin", "Admin: operators only."),
    Rule("lab:record_progress", "rule:project_member_or_admin",
         "Record progress: a member of the target's project (or an operator)."),
    Rule("lab:reset_own", "rule:project_member_or_admin",
         "Reset own: a member of the target's project (or an operator)."),
)
