"""What every part of the identity service shares: the cloud, the cache of resolved tokens, the role
implication chain, lookups that answer Keystone's 404s, and the duplicate-name check behind Keystone's 409s.

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
# Keystone's default implied-role chain (admin -> member -> reader), as `keystone-manage bootstrap` makes it.
IMPLIES = {"admin": ("admin", "member", "reader"), "member": ("member", "reader"), "reader": ("reader",)}

Row = TypeVar("Row", Domain, Project, User, Role, Region, CatalogService, Endpoint)

# Keystone names the resource in its 404 message ("Could not find project: <id>.").
_KINDS: dict[type, str] = {Domain: "domain", Project: "project", User: "user", Role: "role", Region: "region",
                           CatalogService: "service", Endpoint: "endpoint"}


class IdentityCore:
    """State and helpers shared by the identity resources: the cache of resolved tokens and its lock."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.contexts: dict[str, tuple[RequestContext, datetime]] = {}
        self.lock = threading.Lock()

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
    def effective_roles(db: Session, user_id: str, project_id: str | None, domain_id: str | None,
                        system: bool = False) -> list[Role]:
        """The roles a user holds on a project, a domain or the system, direct ones plus those they imply."""
        if project_id is None and domain_id is None and not system:
            return []
        query = select(Role).join(RoleAssignment, RoleAssignment.role_id == Role.id).where(
            RoleAssignment.user_id == user_id)
        if system:
            query = query.where(RoleAssignment.system_id == SYSTEM_ALL)
        elif project_id:
            query = query.where(RoleAssignment.project_id == project_id)
        else:
            query = query.where(RoleAssignment.domain_id == domain_id)
        direct = list(db.scalars(query))
        names = {n for r in direct for n in IMPLIES.get(r.name, (r.name,))}
        implied = list(db.scalars(select(Role).where(Role.name.in_(names))))
        return sorted({r.id: r for r in direct + implied}.values(), key=lambda r: r.name)

    # ---------------------------------------------------------------- token revocation
    def forget_tokens(self, match: Callable[[str], bool] | None = None) -> None:
        """Drop cached contexts (all, or those whose token hash `match`es); call after revoking access."""
        with self.lock:
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
