"""The image service's policy rules (see lab.cloud.policy).

Transitional: the names and the coarse four levels of the first release; each is to be renamed as the
OpenStack service names it (issue 12)."""

from lab.cloud.policy import Rule

RULES: tuple[Rule, ...] = (
    Rule("image:get", "rule:project_reader_or_admin", "Get: a reader of the target's project (or an operator)."),
    Rule("image:create", "rule:project_member_or_admin", "Create: a member of the target's project (or an operator)."),
    Rule("image:update", "rule:project_member_or_admin", "Update: a member of the target's project (or an operator)."),
    Rule("image:delete", "rule:project_member_or_admin", "Delete: a member of the target's project (or an operator)."),
    Rule("image:publicize", "rule:context_is_admin", "Publicize: operators only."),
    Rule("image:upload", "rule:project_member_or_admin", "Upload: a member of the target's project (or an operator)."),
    Rule("image:download", "rule:project_reader_or_admin",
         "Download: a reader of the target's project (or an operator)."),
    Rule("image:deactivate", "rule:project_member_or_admin",
         "Deactivate: a member of the target's project (or an operator)."),
    Rule("image:manage_members", "rule:project_member_or_admin",
         "Manage members: a member of the target's project (or an operator)."),
)
