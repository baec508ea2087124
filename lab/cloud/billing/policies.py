"""The billing service's policy rules (see lab.cloud.policy).

Transitional: the names and the coarse four levels of the first release; each is to be renamed as the
OpenStack service names it (issue 12)."""

from lab.cloud.policy import Rule

RULES: tuple[Rule, ...] = (
    Rule("billing:get", "rule:project_reader_or_admin", "Get: a reader of the target's project (or an operator)."),
    Rule("billing:redeem", "rule:project_member_or_admin",
         "Redeem: a member of the target's project (or an operator)."),
    Rule("billing:admin", "rule:context_is_admin", "Admin: operators only."),
)
