"""Keystone's roles and role assignments (grants of a role to a user on a project or a domain), the
role-assignment report (`GET /v3/role_assignments`, with `effective` expanding implied roles), and the
projects/domains a token's user can scope to (`GET /v3/auth/projects`, `/v3/auth/domains`).

Revoking a grant revokes the user's tokens on that target, as Keystone does; deleting a role revokes the
tokens of everyone who held it."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import Conflict, NotFound
from lab.cloud.identity import schemas
from lab.cloud.identity.base import IMPLIES, IdentityCore, Target
from lab.cloud.identity.models import Domain, Project, Role, RoleAssignment, Token, User


class Roles:
    """Roles, grants and the assignment report (`identity.roles`)."""

    def __init__(self, core: IdentityCore):
        self.core = core
        self.cloud = core.cloud

    # ---------------------------------------------------------------- roles
    def list_roles(self, ctx: RequestContext, name: str | None = None, domain_id: str | None = None) -> list[Role]:
        self.cloud.policy.enforce(ctx, "identity:list_roles")
        query = select(Role).order_by(Role.name)
        if name is not None:
            query = query.where(Role.name == name)
        query = query.where(Role.domain_id == domain_id) if domain_id else query.where(Role.domain_id.is_(None))
        with self.cloud.db.read() as db:
            return list(db.scalars(query))

    def get_role(self, ctx: RequestContext, role_id: str) -> Role:
        self.cloud.policy.enforce(ctx, "identity:get_role")
        with self.cloud.db.read() as db:
            return self.core.find(db, Role, role_id)

    def create_role(self, ctx: RequestContext, req: schemas.RoleCreate) -> Role:
        self.cloud.policy.enforce(ctx, "identity:create_role")
        with self.cloud.db.write() as db:
            if req.domain_id is not None:
                self.core.find(db, Domain, req.domain_id)
            self._check_role_name(db, req.name)
            role = Role(name=req.name, description=req.description, domain_id=req.domain_id)
            db.add(role)
            db.flush()
        return role

    def update_role(self, ctx: RequestContext, role_id: str, req: schemas.RoleUpdate) -> Role:
        self.cloud.policy.enforce(ctx, "identity:update_role")
        with self.cloud.db.write() as db:
            role = self.core.find(db, Role, role_id)
            if req.name is not None and req.name != role.name:
                self._check_role_name(db, req.name)
                role.name = req.name
            if "description" in req.model_fields_set:
                role.description = req.description
        self.core.forget_tokens()  # cached contexts carry role names
        return role

    def delete_role(self, ctx: RequestContext, role_id: str) -> None:
        self.cloud.policy.enforce(ctx, "identity:delete_role")
        with self.cloud.db.write() as db:
            role = self.core.find(db, Role, role_id)
            holders = set(db.scalars(select(RoleAssignment.user_id).where(RoleAssignment.role_id == role_id)))
            db.execute(delete(RoleAssignment).where(RoleAssignment.role_id == role_id))
            db.execute(delete(Token).where(Token.user_id.in_(holders)))
            db.delete(role)
        self.core.forget_tokens()

    @staticmethod
    def _check_role_name(db: Session, name: str) -> None:
        if db.scalar(select(Role.id).where(Role.name == name)) is not None:
            raise Conflict(f"Conflict occurred attempting to store role - Duplicate entry found with name {name}.")

    # ---------------------------------------------------------------- grants
    def _grant_parts(self, db: Session, kind: Target, target_id: str, user_id: str,
                     role_id: str | None) -> None:
        """Keystone's 404s, in its order: the role, the user, then the project or domain."""
        if role_id is not None:
            self.core.find(db, Role, role_id)
        self.core.find(db, User, user_id)
        if kind == "project":
            self.core.find(db, Project, target_id)
        elif kind == "domain":
            self.core.find(db, Domain, target_id)

    @staticmethod
    def _grant_query(kind: Target, target_id: str, user_id: str) -> Any:
        column = {"project": RoleAssignment.project_id, "domain": RoleAssignment.domain_id,
                  "system": RoleAssignment.system_id}[kind]
        return select(RoleAssignment).where(RoleAssignment.user_id == user_id, column == target_id)

    def grant_role(self, ctx: RequestContext, kind: Target, target_id: str, user_id: str, role_id: str) -> None:
        """PUT /v3/{projects|domains}/{id}/users/{user}/roles/{role} (idempotent)."""
        self.cloud.policy.enforce(ctx, _grant_rule("create", kind))
        with self.cloud.db.write() as db:
            self._grant_parts(db, kind, target_id, user_id, role_id)
            found = db.scalar(self._grant_query(kind, target_id, user_id).where(RoleAssignment.role_id == role_id))
            if found is None:
                db.add(RoleAssignment(user_id=user_id, role_id=role_id,
                                      project_id=target_id if kind == "project" else None,
                                      domain_id=target_id if kind == "domain" else None,
                                      system_id=target_id if kind == "system" else None))
        self.core.forget_tokens()  # a cached context of this user must gain the role now

    def check_grant(self, ctx: RequestContext, kind: Target, target_id: str, user_id: str, role_id: str) -> None:
        """HEAD/GET of a grant: returns if it exists, else Keystone's 404."""
        self.cloud.policy.enforce(ctx, _grant_rule("check", kind))
        with self.cloud.db.read() as db:
            self._grant_parts(db, kind, target_id, user_id, role_id)
            found = db.scalar(self._grant_query(kind, target_id, user_id).where(RoleAssignment.role_id == role_id))
        if found is None:
            raise NotFound(_no_assignment(role_id, user_id, target_id))

    def revoke_role(self, ctx: RequestContext, kind: Target, target_id: str, user_id: str, role_id: str) -> None:
        """DELETE of a grant; the user's tokens on that target stop working."""
        self.cloud.policy.enforce(ctx, _grant_rule("revoke", kind))
        with self.cloud.db.write() as db:
            self._grant_parts(db, kind, target_id, user_id, role_id)
            found = db.scalar(self._grant_query(kind, target_id, user_id).where(RoleAssignment.role_id == role_id))
            if found is None:
                raise NotFound(_no_assignment(role_id, user_id, target_id))
            db.delete(found)
            if kind == "project":
                self.core.revoke_user_tokens(db, user_id, target_id)
            elif kind == "domain":
                db.execute(delete(Token).where(Token.user_id == user_id, Token.domain_scope_id == target_id))
            else:
                db.execute(delete(Token).where(Token.user_id == user_id, Token.system_scope.is_(True)))
        self.core.forget_tokens()

    def list_grants(self, ctx: RequestContext, kind: Target, target_id: str, user_id: str) -> list[Role]:
        """GET /v3/{projects|domains}/{id}/users/{user}/roles: the roles granted directly."""
        self.cloud.policy.enforce(ctx, _grant_rule("list", kind))
        with self.cloud.db.read() as db:
            self._grant_parts(db, kind, target_id, user_id, None)
            role_ids = [a.role_id for a in db.scalars(self._grant_query(kind, target_id, user_id))]
            return list(db.scalars(select(Role).where(Role.id.in_(role_ids)).order_by(Role.name)))

    # ---------------------------------------------------------------- the assignment report
    def list_role_assignments(self, ctx: RequestContext, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """GET /v3/role_assignments: filters `user.id`, `scope.project.id`, `scope.domain.id`, `role.id`;
        `effective` adds the roles implied by each grant; `include_names` adds names. Each entry is a plain
        dict {role, user, project|domain, prior_role?} for schemas.role_assignment to render."""
        self.cloud.policy.enforce(ctx, "identity:list_role_assignments")
        if filters.get("group.id"):
            return []  # no groups in this cloud
        query = select(RoleAssignment).order_by(RoleAssignment.id)
        if filters.get("scope.system"):
            query = query.where(RoleAssignment.system_id.is_not(None))
        if filters.get("user.id"):
            query = query.where(RoleAssignment.user_id == filters["user.id"])
        if filters.get("scope.project.id"):
            query = query.where(RoleAssignment.project_id == filters["scope.project.id"])
        if filters.get("scope.domain.id"):
            query = query.where(RoleAssignment.domain_id == filters["scope.domain.id"])
        names = bool(filters.get("include_names"))
        with self.cloud.db.read() as db:
            roles = {r.id: r for r in db.scalars(select(Role))}
            by_name = {r.name: r for r in roles.values() if r.domain_id is None}
            rows: list[tuple[RoleAssignment, Role, str | None]] = []
            seen: set[tuple[str, str | None, str | None, str | None, str]] = set()
            grants = list(db.scalars(query))
            for grant in grants:  # direct grants first, so an implied duplicate never hides a direct one
                seen.add((grant.user_id, grant.project_id, grant.domain_id, grant.system_id, grant.role_id))
                rows.append((grant, roles[grant.role_id], None))
            if filters.get("effective"):
                for grant in grants:
                    for implied_name in IMPLIES.get(roles[grant.role_id].name, ()):
                        implied = by_name.get(implied_name)
                        key = (grant.user_id, grant.project_id, grant.domain_id, grant.system_id,
                               implied.id if implied else "")
                        if implied is None or key in seen:
                            continue
                        seen.add(key)
                        rows.append((grant, implied, grant.role_id))
            if filters.get("role.id"):
                rows = [row for row in rows if row[1].id == filters["role.id"]]
            return [self._describe(db, grant, role, prior, names) for grant, role, prior in rows]

    @staticmethod
    def _describe(db: Session, grant: RoleAssignment, role: Role, prior: str | None,
                  names: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {"role": {"id": role.id}, "user": {"id": grant.user_id}}
        if grant.project_id:
            entry["project"] = {"id": grant.project_id}
        elif grant.domain_id:
            entry["domain"] = {"id": grant.domain_id}
        else:
            entry["system"] = {"all": True}
        if prior:
            entry["prior_role"] = prior
        if names:
            domain_names = {d.id: d.name for d in db.scalars(select(Domain))}
            entry["role"]["name"] = role.name
            user = db.get(User, grant.user_id)
            if user is not None:
                entry["user"].update(name=user.name, domain={"id": user.domain_id,
                                                             "name": domain_names.get(user.domain_id, "")})
            if grant.project_id:
                project = db.get(Project, grant.project_id)
                if project is not None:
                    entry["project"].update(name=project.name, domain={
                        "id": project.domain_id, "name": domain_names.get(project.domain_id, "")})
            elif grant.domain_id:
                entry["domain"]["name"] = domain_names.get(grant.domain_id, "")
        return entry

    # ---------------------------------------------------------------- what a token can scope to
    def auth_projects(self, ctx: RequestContext) -> list[Project]:
        """GET /v3/auth/projects: the enabled projects the caller has a role on."""
        self.cloud.policy.enforce(ctx, "identity:get_auth_projects")
        with self.cloud.db.read() as db:
            query = (select(Project).join(RoleAssignment, RoleAssignment.project_id == Project.id)
                     .where(RoleAssignment.user_id == ctx.user_id, Project.enabled.is_(True))
                     .distinct().order_by(Project.name))
            return list(db.scalars(query))

    def auth_domains(self, ctx: RequestContext) -> list[Domain]:
        """GET /v3/auth/domains: the enabled domains the caller has a role on."""
        self.cloud.policy.enforce(ctx, "identity:get_auth_domains")
        with self.cloud.db.read() as db:
            query = (select(Domain).join(RoleAssignment, RoleAssignment.domain_id == Domain.id)
                     .where(RoleAssignment.user_id == ctx.user_id, Domain.enabled.is_(True))
                     .distinct().order_by(Domain.name))
            return list(db.scalars(query))


def _grant_rule(verb: Literal["check", "list", "create", "revoke"], kind: Target) -> str:
    """Keystone's rule for a grant operation: `identity:create_grant` on a project or a domain,
    `identity:create_system_grant_for_user` on the system (`list_system_grants_for_user` for a list)."""
    if kind != "system":
        return f"identity:{verb}_grant" + ("s" if verb == "list" else "")
    return "identity:list_system_grants_for_user" if verb == "list" else f"identity:{verb}_system_grant_for_user"


def _no_assignment(role_id: str, user_id: str, target_id: str) -> str:
    return (f"Could not find role assignment with role: {role_id}, user or group: {user_id}, project, domain, "
            f"or system: {target_id}.")
