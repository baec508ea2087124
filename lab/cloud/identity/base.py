"""What every part of the identity service shares: the cloud, the cache of resolved tokens, the roles a user
holds (granted directly or through a group, with the roles they imply by the stored inference rules), and
lookups that answer Keystone's 404s.

`IdentityService` (service.py) is a facade over one object per resource (domains, projects, users, roles and
assignments, catalog), each built with the one `IdentityCore`, so any of them can revoke tokens or find a row.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Literal, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import NotFound
from lab.cloud.identity.models import (
    CatalogService,
    Domain,
    Endpoint,
    Group,
    GroupAssignment,
    GroupMembership,
    ImpliedRole,
    InheritedAssignment,
    Project,
    Region,
    Role,
    RoleAssignment,
    Token,
    User,
)

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

DEFAULT_DOMAIN = "default"
Target = Literal["project", "domain", "system"]  # what a grant is on
SYSTEM_ALL = "all"  # the one system target Keystone has ({"system": {"all": true}})
# Keystone's default implied-role chain (admin -> manager -> member -> reader, 2023.2's; `service` implies
# nothing), as `keystone-manage bootstrap` makes it: the inference rules bootstrap stores (an operator may add or
# remove rules through the API).
DEFAULT_IMPLIES = (("admin", "manager"), ("manager", "member"), ("member", "reader"))

Row = TypeVar("Row", Domain, Project, User, Role, Region, CatalogService, Endpoint, Group)

# Keystone names the resource in its 404 message ("Could not find project: <id>.").
_KINDS: dict[type, str] = {Domain: "domain", Project: "project", User: "user", Role: "role", Region: "region",
                           CatalogService: "service", Endpoint: "endpoint", Group: "group"}


class IdentityCore:
    """State and helpers shared by the identity resources: the cache of resolved tokens and its lock."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.contexts: dict[str, tuple[RequestContext, datetime]] = {}
        self.lock = threading.Lock()
        # Counts the forgettings: a token resolved from a read that began before one is not cached, so a
        # request racing a revocation cannot put the state it read back after the revocation forgot it.
        self.generation = 0

    # ---------------------------------------------------------------- lookups
    @staticmethod
    def find(db: Session, model: type[Row], row_id: str) -> Row:
        """The row with this id, or Keystone's 404 ("Could not find project: <id>.")."""
        row = db.get(model, row_id)
        if row is None:
            raise NotFound(f"Could not find {_KINDS[model]}: {row_id}.")
        return row

    # ---------------------------------------------------------------- roles
    @staticmethod
    def implied_closure(db: Session, role_ids: set[str]) -> set[str]:
        """`role_ids` with every role they imply, following the stored inference rules transitively."""
        rules: dict[str, set[str]] = {}
        for rule in db.scalars(select(ImpliedRole)):
            rules.setdefault(rule.prior_role_id, set()).add(rule.implied_role_id)
        found, frontier = set(role_ids), list(role_ids)
        while frontier:  # terminates: each role is added once (Keystone refuses cycles, this copes anyway)
            for implied in rules.get(frontier.pop(), ()):
                if implied not in found:
                    found.add(implied)
                    frontier.append(implied)
        return found

    @staticmethod
    def direct_role_ids(db: Session, user_id: str, project_id: str | None, domain_id: str | None,
                        system: bool = False) -> set[str]:
        """The roles granted on the target to the user itself or to a group it is a member of."""
        query = select(RoleAssignment.role_id).where(RoleAssignment.user_id == user_id)
        groups = select(GroupMembership.group_id).where(GroupMembership.user_id == user_id)
        by_group = select(GroupAssignment.role_id).where(GroupAssignment.group_id.in_(groups))
        if system:
            query = query.where(RoleAssignment.system_id == SYSTEM_ALL)
            by_group = by_group.where(GroupAssignment.system_id == SYSTEM_ALL)
        elif project_id:
            query = query.where(RoleAssignment.project_id == project_id)
            by_group = by_group.where(GroupAssignment.project_id == project_id)
        else:
            query = query.where(RoleAssignment.domain_id == domain_id)
            by_group = by_group.where(GroupAssignment.domain_id == domain_id)
        found = set(db.scalars(query)) | set(db.scalars(by_group))
        if project_id and not system:
            found |= IdentityCore.inherited_role_ids(db, user_id, project_id)
        return found

    @staticmethod
    def project_sources(db: Session, project_id: str) -> tuple[str | None, list[str]]:
        """(the project's domain, its ancestor projects): where an inherited grant reaches it from."""
        project = db.get(Project, project_id)
        if project is None:
            return None, []
        ancestors: list[str] = []
        parent = project.parent_id
        while parent and parent not in ancestors and parent != project.domain_id:
            ancestors.append(parent)
            row = db.get(Project, parent)
            parent = row.parent_id if row is not None else None
        return project.domain_id, ancestors

    @staticmethod
    def inherited_role_ids(db: Session, user_id: str, project_id: str) -> set[str]:
        """The roles the user (or a group of it) holds on the project by OS-INHERIT: granted inherited on the
        project's domain or on one of its ancestor projects (never on the project itself)."""
        domain_id, ancestors = IdentityCore.project_sources(db, project_id)
        groups = select(GroupMembership.group_id).where(GroupMembership.user_id == user_id)
        where = InheritedAssignment.domain_id == domain_id
        if ancestors:
            where = where | InheritedAssignment.project_id.in_(ancestors)
        return set(db.scalars(select(InheritedAssignment.role_id).where(
            where, (InheritedAssignment.user_id == user_id) | InheritedAssignment.group_id.in_(groups))))

    @staticmethod
    def subtree(db: Session, project_id: str) -> list[str]:
        """The ids of the projects below a project (children, their children, ...)."""
        children: dict[str, list[str]] = {}
        for pid, parent in db.execute(select(Project.id, Project.parent_id)):
            if parent:
                children.setdefault(parent, []).append(pid)
        found: list[str] = []
        frontier = list(children.get(project_id, []))
        while frontier:
            pid = frontier.pop(0)
            if pid not in found:
                found.append(pid)
                frontier.extend(children.get(pid, []))
        return found

    def effective_roles(self, db: Session, user_id: str, project_id: str | None, domain_id: str | None,
                        system: bool = False) -> list[Role]:
        """The roles a user holds on a project, a domain or the system: granted to it or to one of its groups,
        plus the roles those imply. Domain-specific roles are never held themselves: only the global roles
        they imply are (Keystone keeps them out of tokens and effective assignments)."""
        if project_id is None and domain_id is None and not system:
            return []
        ids = self.implied_closure(db, self.direct_role_ids(db, user_id, project_id, domain_id, system))
        return sorted(db.scalars(select(Role).where(Role.id.in_(ids), Role.domain_id.is_(None))),
                      key=lambda r: r.name)

    # ---------------------------------------------------------------- token revocation
    def forget_tokens(self, match: Callable[[str], bool] | None = None) -> None:
        """Drop cached contexts (all, or those whose token hash `match`es); call after revoking access."""
        with self.lock:
            self.generation += 1
            if match is None:
                self.contexts.clear()
            else:
                for key in [k for k in self.contexts if match(k)]:
                    del self.contexts[key]

    def revoke_user_tokens(self, db: Session, user_id: str, project_id: str | None = None) -> None:
        """Delete every token of a user (on disable, delete, password change), or only those scoped to one
        project (a role revoked there), in the caller's transaction, and forget cached contexts.

        A request racing the commit could re-cache the old state, so callers also call `forget_tokens()` once
        their transaction has committed."""
        query = delete(Token).where(Token.user_id == user_id)
        if project_id is not None:
            query = query.where(Token.project_id == project_id)
        db.execute(query)
        self.forget_tokens()
