"""The identity service's policy rules (see lab.cloud.policy), named as Keystone names them
(keystone/common/policies/*.py: `identity:<action>`), one per operation.

The defaults are the lab's: operators manage identity; a user reads itself, its own projects, its domain and its
own tokens; any authenticated caller lists roles and regions. Self and ownership checks are data over Keystone's
target names (`user_id:%(target.user.id)s`, `project_id:%(target.project.id)s`,
`domain_id:%(target.domain.id)s`), so a `policy.yaml` override reaches them too.
"""

from lab.cloud.policy import Rule

_ADMIN = "rule:context_is_admin"
_ANYONE = "rule:any_project"  # any authenticated caller
_SELF = "rule:context_is_admin or user_id:%(target.user.id)s"
_TOKEN_SUBJECT = "rule:context_is_admin or user_id:%(target.token.user_id)s"
_V3 = "/identity/v3"


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
    # ------------------------------------------------------------------ domains
    _rule("list_domains", _ADMIN, "List domains.", *_read("/domains")),
    _rule("get_domain", "rule:context_is_admin or (role:reader and domain_id:%(target.domain.id)s)",
          "Show a domain: operators any, a user with a role its own domain.", *_read("/domains/{domain_id}")),
    _rule("create_domain", _ADMIN, "Create a domain.", ("POST", "/domains")),
    _rule("update_domain", _ADMIN, "Update a domain (disabling it revokes its users' tokens).",
          ("PATCH", "/domains/{domain_id}")),
    _rule("delete_domain", _ADMIN, "Delete a disabled domain with its projects and users.",
          ("DELETE", "/domains/{domain_id}")),
    # ------------------------------------------------------------------ projects and their tags
    _rule("list_projects", _ADMIN, "List projects.", *_read("/projects")),
    _rule("get_project", "rule:context_is_admin or (role:reader and project_id:%(target.project.id)s)",
          "Show a project: operators any, a user the project its token is scoped to.",
          *_read("/projects/{project_id}")),
    _rule("list_user_projects", _SELF, "List the projects a user has a role on: operators, or the user itself.",
          *_read("/users/{user_id}/projects")),
    _rule("create_project", _ADMIN, "Create a project.", ("POST", "/projects")),
    _rule("update_project", _ADMIN, "Update a project (disabling it revokes the tokens scoped to it).",
          ("PATCH", "/projects/{project_id}")),
    _rule("delete_project", _ADMIN, "Delete a leaf project with its role assignments.",
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
    _rule("list_users", _ADMIN, "List users.", *_read("/users")),
    _rule("get_user", _SELF, "Show a user: operators any, a user itself.", *_read("/users/{user_id}")),
    _rule("create_user", _ADMIN, "Create a user.", ("POST", "/users")),
    _rule("update_user", _ADMIN, "Update a user, including an administrative password reset.",
          ("PATCH", "/users/{user_id}")),
    _rule("delete_user", _ADMIN, "Delete a user with its role assignments and tokens.",
          ("DELETE", "/users/{user_id}")),
    # ------------------------------------------------------------------ roles
    _rule("list_roles", _ANYONE, "List roles.", *_read("/roles")),
    _rule("get_role", _ANYONE, "Show a role.", *_read("/roles/{role_id}")),
    _rule("create_role", _ADMIN, "Create a role.", ("POST", "/roles")),
    _rule("update_role", _ADMIN, "Update a role.", ("PATCH", "/roles/{role_id}")),
    _rule("delete_role", _ADMIN, "Delete a role, with every assignment of it.", ("DELETE", "/roles/{role_id}")),
    # ------------------------------------------------------------------ grants (role assignments)
    _rule("check_grant", _ADMIN, "Check a user's role on a project or a domain.",
          *_read("/projects/{project_id}/users/{user_id}/roles/{role_id}"),
          *_read("/domains/{domain_id}/users/{user_id}/roles/{role_id}")),
    _rule("list_grants", _ADMIN, "List a user's roles on a project or a domain.",
          *_read("/projects/{project_id}/users/{user_id}/roles"),
          *_read("/domains/{domain_id}/users/{user_id}/roles")),
    _rule("create_grant", _ADMIN, "Grant a user a role on a project or a domain.",
          ("PUT", "/projects/{project_id}/users/{user_id}/roles/{role_id}"),
          ("PUT", "/domains/{domain_id}/users/{user_id}/roles/{role_id}")),
    _rule("revoke_grant", _ADMIN, "Revoke a user's role on a project or a domain (its tokens there stop working).",
          ("DELETE", "/projects/{project_id}/users/{user_id}/roles/{role_id}"),
          ("DELETE", "/domains/{domain_id}/users/{user_id}/roles/{role_id}")),
    _rule("check_system_grant_for_user", _ADMIN, "Check a user's role on the system.",
          *_read("/system/users/{user_id}/roles/{role_id}")),
    _rule("list_system_grants_for_user", _ADMIN, "List a user's roles on the system.",
          *_read("/system/users/{user_id}/roles")),
    _rule("create_system_grant_for_user", _ADMIN, "Grant a user a role on the system.",
          ("PUT", "/system/users/{user_id}/roles/{role_id}")),
    _rule("revoke_system_grant_for_user", _ADMIN, "Revoke a user's role on the system.",
          ("DELETE", "/system/users/{user_id}/roles/{role_id}")),
    _rule("list_role_assignments", _ADMIN, "List role assignments (with `effective`, the roles they imply).",
          *_read("/role_assignments")),
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
)
