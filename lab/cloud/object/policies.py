"""Object storage's policy rules (see lab.cloud.policy).

Swift itself has no policy file: its keystoneauth middleware gives an account's `operator_roles` (member,
admin) everything in the account, `project_reader_roles` (reader) reads, and `reseller_admin_role`
(ResellerAdmin; admin here) every account. The lab writes exactly that as rules, one per operation, so a
`policy.yaml` override reaches every decision. They decide access as the account's own: a caller they refuse
may still be let in by the container's ACLs (X-Container-Read/Write, see acl.py), as in Swift.

The bulk operations are their single operations, rule by rule (an extract-archive is container creates and
object uploads, a bulk delete object and container deletes). A signed form POST or temp URL needs no rule: the
signature, made with a key only the account's members can set and see, is the grant (tempurl.py, formpost.py);
a static website is read with the visitor's own access (staticweb.py)."""

from lab.cloud.policy import Rule

ACCOUNT = "/object/v1/{account}"
CONTAINER = ACCOUNT + "/{container}"
OBJECT = CONTAINER + "/{object}"

RULES: tuple[Rule, ...] = (
    Rule("object_store:get_account", "rule:project_reader_or_admin",
         "List an account's containers and show its metadata: the project's readers (or an operator).",
         (("GET", ACCOUNT), ("HEAD", ACCOUNT))),
    Rule("object_store:update_account", "rule:project_member_or_admin",
         "Set an account's metadata (X-Account-Meta-*, temp URL keys): the project's members (or an operator).",
         (("POST", ACCOUNT),)),
    Rule("object_store:set_account_quota", "rule:context_is_admin",
         "Set an account's quota (X-Account-Meta-Quota-Bytes): the reseller admin only, as in Swift.",
         (("POST", ACCOUNT),)),
    Rule("object_store:create_container", "rule:project_member_or_admin",
         "Create a container (also in an extract-archive): the project's members (or an operator).",
         (("PUT", CONTAINER), ("PUT", ACCOUNT + "?extract-archive"))),
    Rule("object_store:get_container", "rule:project_reader_or_admin",
         "List a container's objects and show its metadata: the project's readers (or an operator); others as "
         "its read ACL allows.", (("GET", CONTAINER), ("HEAD", CONTAINER))),
    Rule("object_store:update_container", "rule:project_member_or_admin",
         "Set a container's metadata, ACLs, quotas and versioning: the project's members (or an operator).",
         (("POST", CONTAINER), ("PUT", CONTAINER))),
    Rule("object_store:delete_container", "rule:project_member_or_admin",
         "Delete an empty container: the project's members (or an operator).", (("DELETE", CONTAINER),)),
    Rule("object_store:get_object", "rule:project_reader_or_admin",
         "Download an object or show its metadata: the project's readers (or an operator); others as the "
         "container's read ACL allows.", (("GET", OBJECT), ("HEAD", OBJECT))),
    Rule("object_store:create_object", "rule:project_member_or_admin",
         "Upload, copy or overwrite an object (also in an extract-archive): the project's members (or an "
         "operator); others as the container's write ACL allows.",
         (("PUT", OBJECT), ("COPY", OBJECT), ("PUT", CONTAINER + "?extract-archive"))),
    Rule("object_store:update_object", "rule:project_member_or_admin",
         "Set an object's metadata: the project's members (or an operator); others as the write ACL allows.",
         (("POST", OBJECT),)),
    Rule("object_store:delete_object", "rule:project_member_or_admin",
         "Delete an object (also in a bulk delete): the project's members (or an operator); others as the "
         "write ACL allows.", (("DELETE", OBJECT), ("POST", ACCOUNT + "?bulk-delete"),
                               ("DELETE", ACCOUNT + "?bulk-delete"))),
)
