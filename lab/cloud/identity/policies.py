"""The identity service's policy rules (see lab.cloud.policy), named as Keystone names them
(keystone/common/policies/*.py: `identity:<action>`), one per operation.

The defaults are the lab's: operators manage identity; a user reads itself, its own projects, its domain, its
groups and its own tokens, and manages its own application credentials; any authenticated caller lists roles
and regions. A domain's admin (the admin role on a domain, used with a domain-scoped token) manages that
domain's users, groups and projects and grants roles within it, as Keystone's domain-admin sample policy
(policy.v3cloudsample.json) says: `role:admin and domain_id:%(target.user.domain_id)s`, where `domain_id` is
the domain the token is scoped to. It may not grant the admin role on a project, which would make an operator
of the whole lab. Self, ownership and domain checks are data over Keystone's target names
(`user_id:%(target.user.id)s`, `project_id:%(target.project.id)s`, `domain_id:%(target.domain.id)s`), so a
`policy.yaml` override reaches them too.
"""

from lab.cloud.policy import Rule

_ADMIN = "rule:context_is_admin"
# Any authenticated caller, whatever its token is scoped to (a project, a domain, the system): the routes
# refuse a request without a valid token before the rule is read; Keystone's own check for regions is "" too.
_ANYONE = ""
_SELF = "rule:context_is_admin or user_id:%(target.user.id)s"
_OWN = "user_id:%(target.user.id)s"  # the user itself only (Keystone: nobody makes credentials for another)


def _domain_admin(attribute: str) -> str:
    """An operator, or the admin of the domain named by the target's `attribute` (Keystone's domain admin)."""
    return f"rule:context_is_admin or (role:admin and domain_id:%({attribute})s)"


_USER_DOMAIN = _domain_admin("target.user.domain_id")
_PROJECT_DOMAIN = _domain_admin("target.project.domain_id")
_GROUP_DOMAIN = _domain_admin("target.group.domain_id")
_LIST_DOMAIN = _domain_admin("target.domain_id")  # a listing of one domain (a filter, or the token's domain)
_MEMBERSHIP = ("rule:context_is_admin or (role:admin and domain_id:%(target.group.domain_id)s "
               "and domain_id:%(target.user.domain_id)s)")
# Grants: the actor (user or group) and the target (its domain, or a project of it) in the admin's domain;
# on a project never a role that is or implies admin (the grantee would be an operator of the whole lab).
_GRANT = ("rule:context_is_admin or (role:admin and domain_id:%(target.actor.domain_id)s and "
          "(domain_id:%(target.domain.id)s or (domain_id:%(target.project.domain_id)s "
          "and 'False':%(target.role.implies_admin)s)))")
_GRANT_READ = ("rule:context_is_admin or (role:admin and domain_id:%(target.actor.domain_id)s and "
               "(domain_id:%(target.domain.id)s or domain_id:%(target.project.domain_id)s))")
_TOKEN_SUBJECT = "rule:context_is_admin or user_id:%(target.token.user_id)s"
_V3 = "/identity/v3"
_EPF = "/OS-EP-FILTER"
_TRUSTOR_LIST = "rule:context_is_admin or user_id:%(target.trust.trustor_user_id)s"
_TRUSTEE_LIST = "rule:context_is_admin or user_id:%(target.trust.trustee_user_id)s"
_TRUST_PARTY = ("rule:context_is_admin or user_id:%(target.trust.trustor_user_id)s or "
                "user_id:%(target.trust.trustee_user_id)s")


def _rule(action: str, check: str, description: str, *operations: tuple[str, str]) -> Rule:
    return Rule(f"identity:{action}", check, description, tuple((m, _V3 + p) for m, p in operations))


def _read(path: str) -> tuple[tuple[str, str], tuple[str, str]]:
    return ("GET", path), ("HEAD", path)


RULES: tuple[Rule, ...] = (
    # ------------------------------------------------------------------ tokens and what a token can scope to
    # Keystone's token_subject: anyone validates or revokes their own tokens; someone else's needs the operator.
    _rule("validate_token", _TOKEN_SUBJECT, "Validate a token: the token's own user, or an operator.",
          ("GET", "/auth/tokens")),
    _rule("check_token", _TOKEN_SUBJECT, "Check that a token is valid: the token's own user, or an operator.",
          ("HEAD", "/auth/tokens")),
    _rule("revoke_token", _TOKEN_SUBJECT, "Revoke a token: the token's own user, or an operator.",
          ("DELETE", "/auth/tokens")),
    _rule("get_auth_catalog", "", "The service catalog of the caller's token.", *_read("/auth/catalog")),
    _rule("get_auth_projects", "", "The projects the caller may scope a token to.", *_read("/auth/projects")),
    _rule("get_auth_domains", "", "The domains the caller may scope a token to.", *_read("/auth/domains")),
    _rule("get_auth_system", "", "The system scopes the caller may have (`[{\"all\": true}]` with a system role).",
          *_read("/auth/system")),
    # ------------------------------------------------------------------ domains
    _rule("list_domains", _ADMIN, "List domains.", *_read("/domains")),
    _rule("get_domain", "rule:context_is_admin or (role:reader and (domain_id:%(target.domain.id)s or "
          "project_domain_id:%(target.domain.id)s))",
          "Show a domain: operators any, a user the domain its token is scoped to or its project is in.",
          *_read("/domains/{domain_id}")),
    _rule("create_domain", _ADMIN, "Create a domain.", ("POST", "/domains")),
    _rule("update_domain", _ADMIN, "Update a domain (disabling it revokes its users' tokens).",
          ("PATCH", "/domains/{domain_id}")),
    _rule("delete_domain", _ADMIN, "Delete a disabled domain with its projects and users.",
          ("DELETE", "/domains/{domain_id}")),
    # ------------------------------------------------------------------ projects and their tags
    _rule("list_projects", _LIST_DOMAIN, "List projects: operators, or a domain's admin its domain's.",
          *_read("/projects")),
    _rule("get_project", "rule:context_is_admin or (role:reader and project_id:%(target.project.id)s) or "
          "(role:admin and domain_id:%(target.project.domain_id)s)",
          "Show a project: operators any, a domain's admin its domain's, a user the project its token is scoped "
          "to.", *_read("/projects/{project_id}")),
    _rule("list_user_projects", f"{_SELF} or (role:admin and domain_id:%(target.user.domain_id)s)",
          "List the projects a user has a role on: operators, the user itself, or its domain's admin.",
          *_read("/users/{user_id}/projects")),
    _rule("create_project", _PROJECT_DOMAIN, "Create a project: operators, or a domain's admin in its domain.",
          ("POST", "/projects")),
    _rule("update_project", _PROJECT_DOMAIN,
          "Update a project (disabling it revokes the tokens scoped to it): operators, or its domain's admin.",
          ("PATCH", "/projects/{project_id}")),
    _rule("delete_project", _PROJECT_DOMAIN,
          "Delete a leaf project with its role assignments: operators, or its domain's admin.",
          ("DELETE", "/projects/{project_id}")),
    _rule("list_project_tags", "rule:identity:get_project", "List a project's tags.",
          *_read("/projects/{project_id}/tags")),
    _rule("get_project_tag", "rule:identity:get_project", "Check that a project has a tag.",
          *_read("/projects/{project_id}/tags/{tag}")),
    _rule("update_project_tags", _ADMIN, "Replace a project's tags.", ("PUT", "/projects/{project_id}/tags")),
    _rule("create_project_tag", _ADMIN, "Add a tag to a project.", ("PUT", "/projects/{project_id}/tags/{tag}")),
    _rule("delete_project_tags", _ADMIN, "Remove every tag of a project.",
          ("DELETE", "/projects/{project_id}/tags")),
    _rule("delete_project_tag", _ADMIN, "Remove one tag of a project.",
          ("DELETE", "/projects/{project_id}/tags/{tag}")),
    # ------------------------------------------------------------------ users
    _rule("list_users", _LIST_DOMAIN, "List users: operators, or a domain's admin its domain's.", *_read("/users")),
    _rule("get_user", f"{_SELF} or (role:admin and domain_id:%(target.user.domain_id)s)",
          "Show a user: operators any, a user itself, a domain's admin its domain's.", *_read("/users/{user_id}")),
    _rule("create_user", _USER_DOMAIN, "Create a user: operators, or a domain's admin in its domain.",
          ("POST", "/users")),
    _rule("update_user", _USER_DOMAIN,
          "Update a user, including an administrative password reset: operators, or its domain's admin.",
          ("PATCH", "/users/{user_id}")),
    _rule("delete_user", _USER_DOMAIN,
          "Delete a user with its role assignments and tokens: operators, or its domain's admin.",
          ("DELETE", "/users/{user_id}")),
    # ------------------------------------------------------------------ groups
    _rule("list_groups", _LIST_DOMAIN, "List groups: operators, or a domain's admin its domain's.",
          *_read("/groups")),
    _rule("get_group", _GROUP_DOMAIN, "Show a group: operators, or its domain's admin.",
          *_read("/groups/{group_id}")),
    _rule("create_group", _GROUP_DOMAIN, "Create a group: operators, or a domain's admin in its domain.",
          ("POST", "/groups")),
    _rule("update_group", _GROUP_DOMAIN, "Update a group: operators, or its domain's admin.",
          ("PATCH", "/groups/{group_id}")),
    _rule("delete_group", _GROUP_DOMAIN,
          "Delete a group with its memberships and role assignments (its members' tokens are revoked).",
          ("DELETE", "/groups/{group_id}")),
    _rule("list_users_in_group", _GROUP_DOMAIN, "List a group's members: operators, or its domain's admin.",
          *_read("/groups/{group_id}/users")),
    _rule("list_groups_for_user", f"{_SELF} or (role:admin and domain_id:%(target.user.domain_id)s)",
          "List the groups a user is in: operators, the user itself, or its domain's admin.",
          *_read("/users/{user_id}/groups")),
    _rule("add_user_to_group", _MEMBERSHIP,
          "Add a user to a group: operators, or the admin of the domain of both.",
          ("PUT", "/groups/{group_id}/users/{user_id}")),
    _rule("check_user_in_group", _MEMBERSHIP, "Check that a user is in a group.",
          *_read("/groups/{group_id}/users/{user_id}")),
    _rule("remove_user_from_group", _MEMBERSHIP,
          "Remove a user from a group (its tokens are revoked: they carried the group's roles).",
          ("DELETE", "/groups/{group_id}/users/{user_id}")),
    # ------------------------------------------------------------------ application credentials
    _rule("list_application_credentials", _SELF, "List a user's application credentials: the user, or operators.",
          *_read("/users/{user_id}/application_credentials")),
    _rule("get_application_credential", _SELF, "Show an application credential: its user, or operators.",
          *_read("/users/{user_id}/application_credentials/{application_credential_id}")),
    _rule("create_application_credential", _OWN,
          "Create an application credential for oneself, on the project of one's token (a restricted one may "
          "not).", ("POST", "/users/{user_id}/application_credentials")),
    _rule("delete_application_credential", _SELF,
          "Delete an application credential (its tokens are revoked): its user, or operators.",
          ("DELETE", "/users/{user_id}/application_credentials/{application_credential_id}")),
    _rule("list_access_rules", _SELF, "List a user's application credential access rules: the user, or "
          "operators.", *_read("/users/{user_id}/access_rules")),
    _rule("get_access_rule", _SELF, "Show an access rule: its user, or operators.",
          *_read("/users/{user_id}/access_rules/{access_rule_id}")),
    _rule("delete_access_rule", _SELF, "Delete an access rule no application credential uses: its user, or "
          "operators.", ("DELETE", "/users/{user_id}/access_rules/{access_rule_id}")),
    # ------------------------------------------------------------------ credentials (and EC2-style ones)
    _rule("list_credentials", _SELF, "List credentials: one's own, or (operators) everyone's.",
          *_read("/credentials")),
    _rule("get_credential", _SELF, "Show a credential: its user, or operators.",
          *_read("/credentials/{credential_id}")),
    _rule("create_credential", _SELF, "Create a credential: for oneself, or (operators) for anyone.",
          ("POST", "/credentials")),
    _rule("update_credential", _SELF, "Update a credential: its user, or operators.",
          ("PATCH", "/credentials/{credential_id}")),
    _rule("delete_credential", _SELF, "Delete a credential: its user, or operators.",
          ("DELETE", "/credentials/{credential_id}")),
    _rule("ec2_list_credentials", _SELF, "List a user's EC2 credentials: the user, or operators.",
          *_read("/users/{user_id}/credentials/OS-EC2")),
    _rule("ec2_get_credential", _SELF, "Show an EC2 credential: its user, or operators.",
          *_read("/users/{user_id}/credentials/OS-EC2/{credential_id}")),
    _rule("ec2_create_credential", _SELF, "Create an EC2 credential: for oneself, or (operators) for anyone.",
          ("POST", "/users/{user_id}/credentials/OS-EC2")),
    _rule("ec2_delete_credential", _SELF, "Delete an EC2 credential: its user, or operators.",
          ("DELETE", "/users/{user_id}/credentials/OS-EC2/{credential_id}")),
    # ------------------------------------------------------------------ roles
    _rule("list_roles", _ANYONE, "List the global roles.", *_read("/roles")),
    _rule("get_role", _ANYONE, "Show a global role.", *_read("/roles/{role_id}")),
    _rule("create_role", _ADMIN, "Create a global role.", ("POST", "/roles")),
    _rule("update_role", _ADMIN, "Update a global role.", ("PATCH", "/roles/{role_id}")),
    _rule("delete_role", _ADMIN, "Delete a global role, with every assignment of it.",
          ("DELETE", "/roles/{role_id}")),
    _rule("list_domain_roles", _ADMIN, "List a domain's roles (`?domain_id=`).", *_read("/roles")),
    _rule("get_domain_role", _ADMIN, "Show a domain-specific role.", *_read("/roles/{role_id}")),
    _rule("create_domain_role", _ADMIN, "Create a domain-specific role (`domain_id`; names are unique per domain).",
          ("POST", "/roles")),
    _rule("update_domain_role", _ADMIN, "Update a domain-specific role.", ("PATCH", "/roles/{role_id}")),
    _rule("delete_domain_role", _ADMIN, "Delete a domain-specific role.", ("DELETE", "/roles/{role_id}")),
    # ------------------------------------------------------------------ implied roles (role inference rules)
    _rule("list_implied_roles", _ADMIN, "List the roles a role implies.", *_read("/roles/{prior_role_id}/implies")),
    _rule("create_implied_role", _ADMIN, "Make a role imply another (whoever holds the first holds both).",
          ("PUT", "/roles/{prior_role_id}/implies/{implied_role_id}")),
    _rule("get_implied_role", _ADMIN, "Show one role inference rule.",
          ("GET", "/roles/{prior_role_id}/implies/{implied_role_id}")),
    _rule("check_implied_role", _ADMIN, "Check that a role implies another.",
          ("HEAD", "/roles/{prior_role_id}/implies/{implied_role_id}")),
    _rule("delete_implied_role", _ADMIN, "Remove a role inference rule.",
          ("DELETE", "/roles/{prior_role_id}/implies/{implied_role_id}")),
    _rule("list_role_inference_rules", _ADMIN, "List every role inference rule.", *_read("/role_inferences")),
    # ------------------------------------------------------------------ grants (role assignments)
    _rule("check_grant", _GRANT_READ, "Check a user's or a group's role on a project or a domain.",
          *_read("/projects/{project_id}/users/{user_id}/roles/{role_id}"),
          *_read("/domains/{domain_id}/users/{user_id}/roles/{role_id}"),
          *_read("/projects/{project_id}/groups/{group_id}/roles/{role_id}"),
          *_read("/domains/{domain_id}/groups/{group_id}/roles/{role_id}"),
          *_read("/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects"),
          *_read("/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects"),
          *_read("/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects"),
          *_read("/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects")),
    _rule("list_grants", _GRANT_READ, "List a user's or a group's roles on a project or a domain.",
          *_read("/projects/{project_id}/users/{user_id}/roles"),
          *_read("/domains/{domain_id}/users/{user_id}/roles"),
          *_read("/projects/{project_id}/groups/{group_id}/roles"),
          *_read("/domains/{domain_id}/groups/{group_id}/roles"),
          *_read("/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/inherited_to_projects"),
          *_read("/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/inherited_to_projects")),
    _rule("create_grant", _GRANT,
          "Grant a user or a group a role on a project or a domain: operators, or a domain's admin within its "
          "domain (never admin on a project, nor inherited by its projects: OS-INHERIT).",
          ("PUT", "/projects/{project_id}/users/{user_id}/roles/{role_id}"),
          ("PUT", "/domains/{domain_id}/users/{user_id}/roles/{role_id}"),
          ("PUT", "/projects/{project_id}/groups/{group_id}/roles/{role_id}"),
          ("PUT", "/domains/{domain_id}/groups/{group_id}/roles/{role_id}"),
          ("PUT", "/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects"),
          ("PUT", "/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects"),
          ("PUT", "/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects"),
          ("PUT", "/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects")),
    _rule("revoke_grant", _GRANT,
          "Revoke a user's or a group's role on a project or a domain (the tokens that carried it stop working).",
          ("DELETE", "/projects/{project_id}/users/{user_id}/roles/{role_id}"),
          ("DELETE", "/domains/{domain_id}/users/{user_id}/roles/{role_id}"),
          ("DELETE", "/projects/{project_id}/groups/{group_id}/roles/{role_id}"),
          ("DELETE", "/domains/{domain_id}/groups/{group_id}/roles/{role_id}"),
          ("DELETE", "/OS-INHERIT/domains/{domain_id}/users/{user_id}/roles/{role_id}/inherited_to_projects"),
          ("DELETE", "/OS-INHERIT/domains/{domain_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects"),
          ("DELETE", "/OS-INHERIT/projects/{project_id}/users/{user_id}/roles/{role_id}/inherited_to_projects"),
          ("DELETE", "/OS-INHERIT/projects/{project_id}/groups/{group_id}/roles/{role_id}/inherited_to_projects")),
    _rule("check_system_grant_for_user", _ADMIN, "Check a user's role on the system.",
          *_read("/system/users/{user_id}/roles/{role_id}")),
    _rule("list_system_grants_for_user", _ADMIN, "List a user's roles on the system.",
          *_read("/system/users/{user_id}/roles")),
    _rule("create_system_grant_for_user", _ADMIN, "Grant a user a role on the system.",
          ("PUT", "/system/users/{user_id}/roles/{role_id}")),
    _rule("revoke_system_grant_for_user", _ADMIN, "Revoke a user's role on the system.",
          ("DELETE", "/system/users/{user_id}/roles/{role_id}")),
    _rule("check_system_grant_for_group", _ADMIN, "Check a group's role on the system.",
          *_read("/system/groups/{group_id}/roles/{role_id}")),
    _rule("list_system_grants_for_group", _ADMIN, "List a group's roles on the system.",
          *_read("/system/groups/{group_id}/roles")),
    _rule("create_system_grant_for_group", _ADMIN, "Grant a group a role on the system.",
          ("PUT", "/system/groups/{group_id}/roles/{role_id}")),
    _rule("revoke_system_grant_for_group", _ADMIN, "Revoke a group's role on the system.",
          ("DELETE", "/system/groups/{group_id}/roles/{role_id}")),
    _rule("list_role_assignments", _LIST_DOMAIN,
          "List role assignments (`effective`: through groups, with the roles they imply): operators, or a "
          "domain's admin those on its domain and its projects.", *_read("/role_assignments")),
    # ------------------------------------------------------------------ the catalog
    _rule("list_regions", _ANYONE, "List regions.", *_read("/regions")),
    _rule("get_region", _ANYONE, "Show a region.", *_read("/regions/{region_id}")),
    _rule("create_region", _ADMIN, "Create a region (PUT chooses its id).", ("POST", "/regions"),
          ("PUT", "/regions/{region_id}")),
    _rule("update_region", _ADMIN, "Update a region.", ("PATCH", "/regions/{region_id}")),
    _rule("delete_region", _ADMIN, "Delete a region and its child regions (none may have endpoints).",
          ("DELETE", "/regions/{region_id}")),
    _rule("list_services", _ADMIN, "List catalog services.", *_read("/services")),
    _rule("get_service", _ADMIN, "Show a catalog service.", *_read("/services/{service_id}")),
    _rule("create_service", _ADMIN, "Create a catalog service.", ("POST", "/services")),
    _rule("update_service", _ADMIN, "Update a catalog service.", ("PATCH", "/services/{service_id}")),
    _rule("delete_service", _ADMIN, "Delete a catalog service with its endpoints.",
          ("DELETE", "/services/{service_id}")),
    _rule("list_endpoints", _ADMIN, "List endpoints.", *_read("/endpoints")),
    _rule("get_endpoint", _ADMIN, "Show an endpoint.", *_read("/endpoints/{endpoint_id}")),
    _rule("create_endpoint", _ADMIN, "Create an endpoint.", ("POST", "/endpoints")),
    _rule("update_endpoint", _ADMIN, "Update an endpoint.", ("PATCH", "/endpoints/{endpoint_id}")),
    _rule("delete_endpoint", _ADMIN, "Delete an endpoint.", ("DELETE", "/endpoints/{endpoint_id}")),
    # ------------------------------------------------------------------ the policy blob store (/v3/policies)
    _rule("create_policy", _ADMIN, "Store a policy document (a blob of a type; never enforced).",
          ("POST", "/policies")),
    _rule("list_policies", _ADMIN, "List stored policy documents.", *_read("/policies")),
    _rule("get_policy", _ADMIN, "Show a stored policy document.", *_read("/policies/{policy_id}")),
    _rule("update_policy", _ADMIN, "Update a stored policy document.", ("PATCH", "/policies/{policy_id}")),
    _rule("delete_policy", _ADMIN, "Delete a stored policy document.", ("DELETE", "/policies/{policy_id}")),
    # ------------------------------------------------------------------ OS-EP-FILTER
    _rule("create_endpoint_group", _ADMIN, "Create an endpoint group.", ("POST", _EPF + "/endpoint_groups")),
    _rule("list_endpoint_groups", _ADMIN, "List endpoint groups.", *_read(_EPF + "/endpoint_groups")),
    _rule("get_endpoint_group", _ADMIN, "Show an endpoint group.",
          *_read(_EPF + "/endpoint_groups/{endpoint_group_id}")),
    _rule("update_endpoint_group", _ADMIN, "Update an endpoint group.",
          ("PATCH", _EPF + "/endpoint_groups/{endpoint_group_id}")),
    _rule("delete_endpoint_group", _ADMIN, "Delete an endpoint group.",
          ("DELETE", _EPF + "/endpoint_groups/{endpoint_group_id}")),
    _rule("list_endpoints_associated_with_endpoint_group", _ADMIN, "List the endpoints an endpoint group matches.",
          *_read(_EPF + "/endpoint_groups/{endpoint_group_id}/endpoints")),
    _rule("list_projects_associated_with_endpoint_group", _ADMIN,
          "List the projects an endpoint group is associated with.",
          *_read(_EPF + "/endpoint_groups/{endpoint_group_id}/projects")),
    _rule("get_endpoint_group_in_project", _ADMIN, "Check that an endpoint group is associated with a project.",
          *_read(_EPF + "/endpoint_groups/{endpoint_group_id}/projects/{project_id}")),
    _rule("add_endpoint_group_to_project", _ADMIN,
          "Associate an endpoint group with a project (its tokens' catalog then holds only its associations).",
          ("PUT", _EPF + "/endpoint_groups/{endpoint_group_id}/projects/{project_id}")),
    _rule("remove_endpoint_group_from_project", _ADMIN, "Remove an endpoint group from a project.",
          ("DELETE", _EPF + "/endpoint_groups/{endpoint_group_id}/projects/{project_id}")),
    _rule("list_endpoint_groups_for_project", _ADMIN, "List the endpoint groups associated with a project.",
          *_read(_EPF + "/projects/{project_id}/endpoint_groups")),
    _rule("add_endpoint_to_project", _ADMIN,
          "Associate an endpoint with a project (its tokens' catalog then holds only its associations).",
          ("PUT", _EPF + "/projects/{project_id}/endpoints/{endpoint_id}")),
    _rule("check_endpoint_in_project", _ADMIN, "Check that an endpoint is associated with a project.",
          *_read(_EPF + "/projects/{project_id}/endpoints/{endpoint_id}")),
    _rule("remove_endpoint_from_project", _ADMIN, "Remove an endpoint from a project.",
          ("DELETE", _EPF + "/projects/{project_id}/endpoints/{endpoint_id}")),
    _rule("list_endpoints_for_project", _ADMIN, "List the endpoints associated with a project.",
          *_read(_EPF + "/projects/{project_id}/endpoints")),
    _rule("list_projects_for_endpoint", _ADMIN, "List the projects an endpoint is associated with.",
          *_read(_EPF + "/endpoints/{endpoint_id}/projects")),
    # ------------------------------------------------------------------ domain configuration
    _rule("create_domain_config", _ADMIN, "Store a domain's configuration (its identity and ldap options).",
          ("PUT", "/domains/{domain_id}/config")),
    _rule("get_domain_config", _ADMIN, "Show a domain's configuration, one group of it or one option.",
          *_read("/domains/{domain_id}/config"), *_read("/domains/{domain_id}/config/{group}"),
          *_read("/domains/{domain_id}/config/{group}/{option}")),
    _rule("update_domain_config", _ADMIN, "Update a domain's configuration, one group of it or one option.",
          ("PATCH", "/domains/{domain_id}/config"), ("PATCH", "/domains/{domain_id}/config/{group}"),
          ("PATCH", "/domains/{domain_id}/config/{group}/{option}")),
    _rule("delete_domain_config", _ADMIN, "Delete a domain's configuration, one group of it or one option.",
          ("DELETE", "/domains/{domain_id}/config"), ("DELETE", "/domains/{domain_id}/config/{group}"),
          ("DELETE", "/domains/{domain_id}/config/{group}/{option}")),
    _rule("get_domain_config_default", _ADMIN, "Show the default domain configuration (a group, an option).",
          *_read("/domains/config/default"), *_read("/domains/config/{group}/default"),
          *_read("/domains/config/{group}/{option}/default")),
    # ------------------------------------------------------------------ OS-OAUTH1 consumers
    _rule("create_consumer", _ADMIN, "Create an OAuth 1 consumer (its secret is shown once).",
          ("POST", "/OS-OAUTH1/consumers")),
    _rule("list_consumers", _ADMIN, "List OAuth 1 consumers.", *_read("/OS-OAUTH1/consumers")),
    _rule("get_consumer", _ADMIN, "Show an OAuth 1 consumer.", *_read("/OS-OAUTH1/consumers/{consumer_id}")),
    _rule("update_consumer", _ADMIN, "Update an OAuth 1 consumer's description.",
          ("PATCH", "/OS-OAUTH1/consumers/{consumer_id}")),
    _rule("delete_consumer", _ADMIN, "Delete an OAuth 1 consumer.", ("DELETE", "/OS-OAUTH1/consumers/{consumer_id}")),
    # ------------------------------------------------------------------ OS-TRUST
    _rule("create_trust", "user_id:%(trust.trustor_user_id)s",
          "Create a trust: only its trustor, delegating roles it holds.", ("POST", "/OS-TRUST/trusts")),
    _rule("list_trusts", _ADMIN, "List every trust.", *_read("/OS-TRUST/trusts")),
    _rule("list_trusts_for_trustor", _TRUSTOR_LIST, "List the trusts of a trustor (`?trustor_user_id`).",
          *_read("/OS-TRUST/trusts")),
    _rule("list_trusts_for_trustee", _TRUSTEE_LIST, "List the trusts of a trustee (`?trustee_user_id`).",
          *_read("/OS-TRUST/trusts")),
    _rule("get_trust", _TRUST_PARTY, "Show a trust: its trustor, its trustee, or an operator.",
          *_read("/OS-TRUST/trusts/{trust_id}")),
    _rule("list_roles_for_trust", _TRUST_PARTY, "List the roles a trust delegates.",
          *_read("/OS-TRUST/trusts/{trust_id}/roles")),
    _rule("get_role_for_trust", _TRUST_PARTY, "Check a role a trust delegates.",
          *_read("/OS-TRUST/trusts/{trust_id}/roles/{role_id}")),
    _rule("delete_trust", "rule:context_is_admin or user_id:%(target.trust.trustor_user_id)s",
          "Delete a trust (and those redelegated from it; their tokens stop working): its trustor or an "
          "operator.", ("DELETE", "/OS-TRUST/trusts/{trust_id}")),
)
