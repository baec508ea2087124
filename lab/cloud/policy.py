"""Who may do what: one table of rules, checked in one place (`enforce`).

In OpenStack's spirit (oslo.policy), each API action has a rule; here a rule is one of four levels, so a lab
can print the table and an instructor can change it (a `policy.yaml` in the data directory overrides any rule):

    anyone   any authenticated caller
    reader   any role in the target's project (reader, member or admin)
    member   member or admin in the target's project
    admin    the admin role

Project scoping (a member of project A never sees project B's resources) is done by the services' queries;
`enforce` only decides the role question and, for a target with a project, that it is the caller's project.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from lab.cloud.context import RequestContext
from lab.cloud.errors import Forbidden

LEVELS = ("anyone", "reader", "member", "admin")

DEFAULT_RULES: dict[str, str] = {
    # identity
    "identity:list_projects": "admin",
    "identity:get_project": "reader",
    "identity:create_project": "admin",
    "identity:update_project": "admin",
    "identity:delete_project": "admin",
    "identity:list_users": "admin",
    "identity:get_user": "admin",
    "identity:create_user": "admin",
    "identity:update_user": "admin",
    "identity:delete_user": "admin",
    "identity:list_roles": "anyone",
    "identity:get_role": "anyone",
    "identity:create_role": "admin",
    "identity:delete_role": "admin",
    "identity:list_role_assignments": "admin",
    "identity:grant_role": "admin",
    "identity:revoke_role": "admin",
    "identity:list_domains": "admin",
    "identity:get_domain": "reader",
    "identity:create_domain": "admin",
    "identity:update_domain": "admin",
    "identity:delete_domain": "admin",
    "identity:list_services": "admin",
    "identity:create_service": "admin",
    "identity:delete_service": "admin",
    "identity:list_endpoints": "admin",
    "identity:create_endpoint": "admin",
    "identity:delete_endpoint": "admin",
    "identity:list_regions": "anyone",
    "identity:list_user_projects": "admin",
    "identity:update_role": "admin",
    "identity:list_grants": "admin",
    "identity:create_region": "admin",
    "identity:update_region": "admin",
    "identity:delete_region": "admin",
    "identity:update_service": "admin",
    "identity:update_endpoint": "admin",
    # Anyone validates and revokes their own tokens (Keystone's token_subject); someone else's needs this.
    "identity:validate_token": "admin",
    "identity:revoke_token": "admin",
    # compute
    "compute:get": "reader",
    "compute:create": "member",
    "compute:update": "member",
    "compute:delete": "member",
    "compute:action": "member",
    "compute:list_all_projects": "admin",
    "compute:create_flavor": "admin",
    "compute:delete_flavor": "admin",
    "compute:flavor_access": "admin",
    "compute:keypair": "member",
    "compute:update_quota": "admin",
    "compute:hypervisors": "admin",
    # image
    "image:get": "reader",
    "image:create": "member",
    "image:update": "member",
    "image:delete": "member",
    "image:publicize": "admin",
    "image:upload": "member",
    "image:download": "reader",
    "image:deactivate": "member",
    "image:manage_members": "member",
    # network
    "network:get": "reader",
    "network:create": "member",
    "network:update": "member",
    "network:delete": "member",
    "network:create_shared": "admin",
    "network:provider": "admin",
    "network:update_quota": "admin",
    # volume
    "volume:get": "reader",
    "volume:create": "member",
    "volume:update": "member",
    "volume:delete": "member",
    "volume:manage_types": "admin",
    "volume:update_quota": "admin",
    "volume:reset_status": "admin",
    "volume:get_pools": "admin",
    # billing
    "billing:get": "reader",
    "billing:redeem": "member",
    "billing:admin": "admin",
    # the lab itself
    "lab:clock_advance": "admin",
    "lab:admin": "admin",
    "lab:record_progress": "member",
    "lab:reset_own": "member",
}


class Policy:
    """The rule table in force: the defaults, overridden by `policy.yaml` when present."""

    def __init__(self, overrides_file: Path | None = None):
        self.rules = dict(DEFAULT_RULES)
        if overrides_file is not None and overrides_file.exists():
            overrides = yaml.safe_load(overrides_file.read_text()) or {}
            for name, level in overrides.items():
                if level not in LEVELS:
                    raise ValueError(f"{overrides_file}: rule {name}: level must be one of {', '.join(LEVELS)}")
                self.rules[name] = level

    def allows(self, ctx: RequestContext, action: str, project_id: str | None = None) -> bool:
        """True if `ctx` may do `action` on a target in `project_id` (None: a target with no project)."""
        level = self.rules.get(action, "admin")
        if ctx.is_admin:
            return True
        if level == "admin":
            return False
        if project_id is not None and project_id != ctx.project_id:
            return False
        if level == "anyone":
            return True
        if level == "reader":
            return bool(ctx.roles)
        return ctx.can_write

    def enforce(self, ctx: RequestContext, action: str, project_id: str | None = None) -> None:
        """Raise Forbidden (OpenStack's wording) unless `allows`."""
        if not self.allows(ctx, action, project_id):
            raise Forbidden(f"Policy doesn't allow {action} to be performed.")
