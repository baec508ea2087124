"""The request context: who is calling, in which project, with which roles.

Every request resolves its token once into a `RequestContext`; every service method receives it and scopes
its queries by it. Internal callers (the worker, bootstrap, the CLI) use `RequestContext.system()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestContext:
    user_id: str
    user_name: str
    project_id: str | None
    project_name: str | None
    roles: tuple[str, ...] = ()
    domain_id: str = "default"  # the user's domain
    token_id: str | None = None
    # A domain-scoped token: the domain its roles are on (project_id is then None). Its admin is that
    # domain's administrator, never the cloud's: `is_admin` and the `context_is_admin` rule are false.
    domain_scope_id: str | None = None
    project_domain_id: str | None = None
    # A token issued for an application credential: its id, and whether it may make more of them.
    application_credential_id: str | None = None
    unrestricted: bool = True
    request_id: str = ""
    # Set when a request asks for another project's view (e.g. `--all-projects`); only admins get it.
    all_projects: bool = field(default=False, compare=False)

    @property
    def is_admin(self) -> bool:
        """An operator of the whole lab: the admin role on a project (or the system), not on a domain."""
        return "admin" in self.roles and self.domain_scope_id is None

    @property
    def can_write(self) -> bool:
        """Members and admins change things; a reader only reads."""
        return self.domain_scope_id is None and ("admin" in self.roles or "member" in self.roles)

    @classmethod
    def system(cls) -> RequestContext:
        """The context of the cloud itself (worker, bootstrap): admin over everything."""
        return cls(user_id="system", user_name="system", project_id=None, project_name=None,
                   roles=("admin",), all_projects=True)
