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
    domain_id: str = "default"
    token_id: str | None = None
    request_id: str = ""
    # Set when a request asks for another project's view (e.g. `--all-projects`); only admins get it.
    all_projects: bool = field(default=False, compare=False)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def can_write(self) -> bool:
        """Members and admins change things; a reader only reads."""
        return "admin" in self.roles or "member" in self.roles

    @classmethod
    def system(cls) -> RequestContext:
        """The context of the cloud itself (worker, bootstrap): admin over everything."""
        return cls(user_id="system", user_name="system", project_id=None, project_name=None,
                   roles=("admin",), all_projects=True)
