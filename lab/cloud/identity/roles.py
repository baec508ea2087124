"""Keystone's roles (global and domain-specific), role inference rules (implied roles), role assignments
(grants of a role to a user or a group on a project or a domain), the role-assignment report
(`GET /v3/role_assignments`, with `effective` expanding group memberships and implied roles), and the
projects/domains a token's user can scope to (`GET /v3/auth/projects`, `/v3/auth/domains`).

Revoking a grant revokes the user's tokens on that target (a group's: every member's), as Keystone does;
deleting a role revokes the tokens of everyone who held it.

A domain's admin (the admin role on a domain, in a domain-scoped token) grants roles to its domain's users and
groups on its domain and its projects, but never the admin role (or a role implying it) on a project: that
would make the grantee an operator of the whole lab (`context_is_admin`)."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import Conflict, Forbidden, NotFound
from lab.cloud.identity import schemas
from lab.cloud.identity.base import IdentityCore, Target
from lab.cloud.identity.models import (
    Domain,
    Group,
    GroupAssignment,
    GroupMembership,
    ImpliedRole,
    InheritedAssignment,
    Project,
    Role,
    RoleAssignment,
    Token,
    User,
)

Actor = Literal["user", "group"]


class Roles:
    """Roles, inference rules, grants and the assignment report (`identity.roles`)."""

    def __init__(self, core: IdentityCore):
        self.core = core
        self.cloud = core.cloud

    # ---------------------------------------------------------------- roles
    def list_roles(self, ctx: RequestContext, name: str | None = None, domain_id: str | None = None) -> list[Role]:
        """GET /v3/roles: the global roles, or with `domain_id` that domain's roles (Keystone)."""
        self.cloud.policy.enforce(ctx, "identity:list_domain_roles" if domain_id else "identity:list_roles")
        query = select(Role).order_by(Role.name)
        if name is not None:
            query = query.where(Role.name == name)
        query = query.where(Role.domain_id == domain_id) if domain_id else query.where(Role.domain_id.is_(None))
        with self.cloud.db.read() as db:
            return list(db.scalars(query))

    def get_role(self, ctx: RequestContext, role_id: str) -> Role:
        with self.cloud.db.read() as db:
            role = self.core.find(db, Role, role_id)
        self.cloud.policy.enforce(ctx, _role_rule("get", role.domain_id))
        return role

    def create_role(self, ctx: RequestContext, req: schemas.RoleCreate) -> Role:
        self.cloud.policy.enforce(ctx, _role_rule("create", req.domain_id))
        with self.cloud.db.write() as db:
            if req.domain_id is not None:
                self.core.find(db, Domain, req.domain_id)
            self._check_role_name(db, req.name, req.domain_id)
            role = Role(name=req.name, description=req.description, domain_id=req.domain_id)
            db.add(role)
            db.flush()
        return role

    def update_role(self, ctx: RequestContext, role_id: str, req: schemas.RoleUpdate) -> Role:
        with self.cloud.db.write() as db:
            role = self.core.find(db, Role, role_id)
            self.cloud.policy.enforce(ctx, _role_rule("update", role.domain_id))
            if req.name is not None and req.name != role.name:
                self._check_role_name(db, req.name, role.domain_id)
                role.name = req.name
            if "description" in req.given:
                role.description = req.description
        self.core.forget_tokens()  # cached contexts carry role names
        return role

    def delete_role(self, ctx: RequestContext, role_id: str) -> None:
        with self.cloud.db.write() as db:
            role = self.core.find(db, Role, role_id)
            self.cloud.policy.enforce(ctx, _role_rule("delete", role.domain_id))
            holders = set(db.scalars(select(RoleAssignment.user_id).where(RoleAssignment.role_id == role_id)))
            groups = select(GroupAssignment.group_id).where(GroupAssignment.role_id == role_id)
            holders |= set(db.scalars(select(GroupMembership.user_id).where(GroupMembership.group_id.in_(groups))))
            db.execute(delete(RoleAssignment).where(RoleAssignment.role_id == role_id))
            db.execute(delete(GroupAssignment).where(GroupAssignment.role_id == role_id))
            db.execute(delete(ImpliedRole).where(or_(ImpliedRole.prior_role_id == role_id,
                                                     ImpliedRole.implied_role_id == role_id)))
            db.execute(delete(Token).where(Token.user_id.in_(holders)))
            db.delete(role)
        self.core.forget_tokens()

    @staticmethod
    def _check_role_name(db: Session, name: str, domain_id: str | None) -> None:
        """Names are unique among the global roles and within each domain (domain roles may share a name)."""
        scope = Role.domain_id == domain_id if domain_id else Role.domain_id.is_(None)
        if db.scalar(select(Role.id).where(Role.name == name, scope)) is not None:
            raise Conflict(f"Conflict occurred attempting to store role - Duplicate entry found with name {name}.")

    # ---------------------------------------------------------------- implied roles (inference rules)
    def create_implied_role(self, ctx: RequestContext, prior_id: str, implied_id: str) -> tuple[Role, Role]:
        """PUT /v3/roles/{prior}/implies/{implied} (idempotent). Keystone refuses a global role implying a
        domain-specific one and a rule that would make a cycle (both 403)."""
        self.cloud.policy.enforce(ctx, "identity:create_implied_role")
        with self.cloud.db.write() as db:
            prior, implied = self.core.find(db, Role, prior_id), self.core.find(db, Role, implied_id)
            if implied.domain_id is not None and prior.domain_id is None:
                raise Forbidden(f"{implied.id} is a domain-specific role; a global role may not imply it.")
            if prior_id in self.core.implied_closure(db, {implied_id}):
                raise Forbidden(f"Implication {prior_id} -> {implied_id} would make a cycle of implied roles.")
            if db.get(ImpliedRole, (prior_id, implied_id)) is None:
                db.add(ImpliedRole(prior_role_id=prior_id, implied_role_id=implied_id))
        self.core.forget_tokens()  # cached contexts carry the roles their roles imply
        return prior, implied

    def get_implied_role(self, ctx: RequestContext, prior_id: str, implied_id: str,
                         action: str = "identity:get_implied_role") -> tuple[Role, Role]:
        """GET (and HEAD: `identity:check_implied_role`) of one rule, or Keystone's 404."""
        self.cloud.policy.enforce(ctx, action)
        with self.cloud.db.read() as db:
            prior, implied = self.core.find(db, Role, prior_id), self.core.find(db, Role, implied_id)
            if db.get(ImpliedRole, (prior_id, implied_id)) is None:
                raise NotFound(f"{prior_id} does not imply {implied_id}.")
        return prior, implied

    def delete_implied_role(self, ctx: RequestContext, prior_id: str, implied_id: str) -> None:
        self.cloud.policy.enforce(ctx, "identity:delete_implied_role")
        with self.cloud.db.write() as db:
            self.core.find(db, Role, prior_id), self.core.find(db, Role, implied_id)
            rule = db.get(ImpliedRole, (prior_id, implied_id))
            if rule is None:
                raise NotFound(f"{prior_id} does not imply {implied_id}.")
            db.delete(rule)
        self.core.forget_tokens()

    def list_implied_roles(self, ctx: RequestContext, prior_id: str) -> tuple[Role, list[Role]]:
        """GET /v3/roles/{prior}/implies: the prior role and the roles it implies directly."""
        self.cloud.policy.enforce(ctx, "identity:list_implied_roles")
        with self.cloud.db.read() as db:
            prior = self.core.find(db, Role, prior_id)
            implied = select(ImpliedRole.implied_role_id).where(ImpliedRole.prior_role_id == prior_id)
            return prior, list(db.scalars(select(Role).where(Role.id.in_(implied)).order_by(Role.name)))

    def list_role_inferences(self, ctx: RequestContext) -> list[tuple[Role, list[Role]]]:
        """GET /v3/role_inferences: every prior role with the roles it implies directly."""
        self.cloud.policy.enforce(ctx, "identity:list_role_inference_rules")
        with self.cloud.db.read() as db:
            roles = {r.id: r for r in db.scalars(select(Role))}
            found: dict[str, list[Role]] = {}
            for rule in db.scalars(select(ImpliedRole)):
                found.setdefault(rule.prior_role_id, []).append(roles[rule.implied_role_id])
        return [(roles[prior], sorted(implied, key=lambda r: r.name))
                for prior, implied in sorted(found.items(), key=lambda item: roles[item[0]].name)]

    # ---------------------------------------------------------------- grants
    def _grant_target(self, db: Session, kind: Target, target_id: str, actor: Actor, actor_id: str,
                      role_id: str | None) -> dict[str, Any]:
        """Keystone's 404s, in its order (the role, the user or group, then the project or domain), and the
        policy target a domain admin's rules read."""
        target: dict[str, Any] = {}
        if role_id is not None:
            role = self.core.find(db, Role, role_id)
            implies_admin = any(r.name == "admin" for r in db.scalars(
                select(Role).where(Role.id.in_(self.core.implied_closure(db, {role_id})))))
            target.update({"target.role.id": role.id, "target.role.implies_admin": str(implies_admin)})
            if role.domain_id:
                target["target.role.domain_id"] = role.domain_id
        if actor == "user":
            target["target.actor.domain_id"] = self.core.find(db, User, actor_id).domain_id
        else:
            target["target.actor.domain_id"] = self.core.find(db, Group, actor_id).domain_id
        if kind == "project":
            target["target.project.domain_id"] = self.core.find(db, Project, target_id).domain_id
        elif kind == "domain":
            target["target.domain.id"] = self.core.find(db, Domain, target_id).id
        return target

    @staticmethod
    def _grant_query(kind: Target, target_id: str, actor: Actor, actor_id: str, role_id: str | None = None) -> Any:
        """The grants of the actor on the target (of one role, when given)."""
        if actor == "group":
            column = {"project": GroupAssignment.project_id, "domain": GroupAssignment.domain_id,
                      "system": GroupAssignment.system_id}[kind]
            by_group = select(GroupAssignment).where(GroupAssignment.group_id == actor_id, column == target_id)
            return by_group if role_id is None else by_group.where(GroupAssignment.role_id == role_id)
        column = {"project": RoleAssignment.project_id, "domain": RoleAssignment.domain_id,
                  "system": RoleAssignment.system_id}[kind]
        query = select(RoleAssignment).where(RoleAssignment.user_id == actor_id, column == target_id)
        return query if role_id is None else query.where(RoleAssignment.role_id == role_id)

    def grant_role(self, ctx: RequestContext, kind: Target, target_id: str, user_id: str, role_id: str,
                   actor: Actor = "user") -> None:
        """PUT /v3/{projects|domains}/{id}/{users|groups}/{actor}/roles/{role} (idempotent)."""
        with self.cloud.db.write() as db:
            target = self._grant_target(db, kind, target_id, actor, user_id, role_id)
            self.cloud.policy.enforce(ctx, _grant_rule("create", kind, actor), **target)
            found = db.scalar(self._grant_query(kind, target_id, actor, user_id, role_id))
            if found is None:
                if actor == "group":
                    db.add(GroupAssignment(group_id=user_id, role_id=role_id,
                                           project_id=target_id if kind == "project" else None,
                                           domain_id=target_id if kind == "domain" else None,
                                           system_id=target_id if kind == "system" else None))
                else:
                    db.add(RoleAssignment(user_id=user_id, role_id=role_id,
                                          project_id=target_id if kind == "project" else None,
                                          domain_id=target_id if kind == "domain" else None,
                                          system_id=target_id if kind == "system" else None))
        self.core.forget_tokens()  # a cached context of this user (or member) must gain the role now

    def check_grant(self, ctx: RequestContext, kind: Target, target_id: str, user_id: str, role_id: str,
                    actor: Actor = "user") -> None:
        """HEAD/GET of a grant: returns if it exists, else Keystone's 404."""
        with self.cloud.db.read() as db:
            target = self._grant_target(db, kind, target_id, actor, user_id, role_id)
            self.cloud.policy.enforce(ctx, _grant_rule("check", kind, actor), **target)
            found = db.scalar(self._grant_query(kind, target_id, actor, user_id, role_id))
        if found is None:
            raise NotFound(_no_assignment(role_id, user_id, target_id))

    def revoke_role(self, ctx: RequestContext, kind: Target, target_id: str, user_id: str, role_id: str,
                    actor: Actor = "user") -> None:
        """DELETE of a grant; the user's (or the group's members') tokens on that target stop working."""
        with self.cloud.db.write() as db:
            target = self._grant_target(db, kind, target_id, actor, user_id, role_id)
            self.cloud.policy.enforce(ctx, _grant_rule("revoke", kind, actor), **target)
            found = db.scalar(self._grant_query(kind, target_id, actor, user_id, role_id))
            if found is None:
                raise NotFound(_no_assignment(role_id, user_id, target_id))
            db.delete(found)
            users = [user_id] if actor == "user" else list(db.scalars(
                select(GroupMembership.user_id).where(GroupMembership.group_id == user_id)))
            for uid in users:
                if kind == "project":
                    self.core.revoke_user_tokens(db, uid, target_id)
                elif kind == "domain":
                    db.execute(delete(Token).where(Token.user_id == uid, Token.domain_scope_id == target_id))
                else:
                    db.execute(delete(Token).where(Token.user_id == uid, Token.system_scope.is_(True)))
        self.core.forget_tokens()

    def list_grants(self, ctx: RequestContext, kind: Target, target_id: str, user_id: str,
                    actor: Actor = "user") -> list[Role]:
        """GET /v3/{projects|domains}/{id}/{users|groups}/{actor}/roles: the roles granted directly."""
        with self.cloud.db.read() as db:
            target = self._grant_target(db, kind, target_id, actor, user_id, None)
            self.cloud.policy.enforce(ctx, _grant_rule("list", kind, actor), **target)
            role_ids = [a.role_id for a in db.scalars(self._grant_query(kind, target_id, actor, user_id))]
            return list(db.scalars(select(Role).where(Role.id.in_(role_ids)).order_by(Role.name)))

    # ---------------------------------------------------------------- OS-INHERIT
    def _inherited_target(self, db: Session, kind: Target, target_id: str, actor: Actor, actor_id: str,
                          role_id: str | None) -> dict[str, Any]:
        """As `_grant_target`, but the grant reaches projects: a domain admin's check is the one for a grant on
        a project of its domain (never a role that is or implies admin)."""
        target = self._grant_target(db, kind, target_id, actor, actor_id, role_id)
        if kind == "domain":
            target["target.project.domain_id"] = target.pop("target.domain.id")
        return target

    @staticmethod
    def _inherited_query(kind: Target, target_id: str, actor: Actor, actor_id: str,
                         role_id: str | None = None) -> Any:
        who = InheritedAssignment.group_id if actor == "group" else InheritedAssignment.user_id
        where = InheritedAssignment.project_id if kind == "project" else InheritedAssignment.domain_id
        query = select(InheritedAssignment).where(who == actor_id, where == target_id)
        return query if role_id is None else query.where(InheritedAssignment.role_id == role_id)

    def grant_inherited(self, ctx: RequestContext, kind: Target, target_id: str, actor_id: str, role_id: str,
                        actor: Actor = "user") -> None:
        """PUT /v3/OS-INHERIT/{domains|projects}/{id}/{users|groups}/{actor}/roles/{role}/inherited_to_projects:
        the role is held on every project below the target (Keystone's `identity:create_grant`)."""
        with self.cloud.db.write() as db:
            target = self._inherited_target(db, kind, target_id, actor, actor_id, role_id)
            self.cloud.policy.enforce(ctx, _grant_rule("create", kind, actor), **target)
            if db.scalar(self._inherited_query(kind, target_id, actor, actor_id, role_id)) is None:
                db.add(InheritedAssignment(user_id=actor_id if actor == "user" else None,
                                           group_id=actor_id if actor == "group" else None, role_id=role_id,
                                           project_id=target_id if kind == "project" else None,
                                           domain_id=target_id if kind == "domain" else None))
        self.core.forget_tokens()

    def check_inherited(self, ctx: RequestContext, kind: Target, target_id: str, actor_id: str, role_id: str,
                        actor: Actor = "user") -> None:
        with self.cloud.db.read() as db:
            target = self._inherited_target(db, kind, target_id, actor, actor_id, role_id)
            self.cloud.policy.enforce(ctx, _grant_rule("check", kind, actor), **target)
            found = db.scalar(self._inherited_query(kind, target_id, actor, actor_id, role_id))
        if found is None:
            raise NotFound(_no_assignment(role_id, actor_id, target_id))

    def revoke_inherited(self, ctx: RequestContext, kind: Target, target_id: str, actor_id: str, role_id: str,
                         actor: Actor = "user") -> None:
        """DELETE of an inherited grant: the tokens of the users it reached stop working."""
        with self.cloud.db.write() as db:
            target = self._inherited_target(db, kind, target_id, actor, actor_id, role_id)
            self.cloud.policy.enforce(ctx, _grant_rule("revoke", kind, actor), **target)
            found = db.scalar(self._inherited_query(kind, target_id, actor, actor_id, role_id))
            if found is None:
                raise NotFound(_no_assignment(role_id, actor_id, target_id))
            db.delete(found)
            users = [actor_id] if actor == "user" else list(db.scalars(
                select(GroupMembership.user_id).where(GroupMembership.group_id == actor_id)))
            for uid in users:
                db.execute(delete(Token).where(Token.user_id == uid, Token.project_id.is_not(None)))
        self.core.forget_tokens()

    def list_inherited(self, ctx: RequestContext, kind: Target, target_id: str, actor_id: str,
                       actor: Actor = "user") -> list[Role]:
        """GET /v3/OS-INHERIT/domains/{id}/{users|groups}/{actor}/roles/inherited_to_projects."""
        with self.cloud.db.read() as db:
            target = self._inherited_target(db, kind, target_id, actor, actor_id, None)
            self.cloud.policy.enforce(ctx, _grant_rule("list", kind, actor), **target)
            ids = [a.role_id for a in db.scalars(self._inherited_query(kind, target_id, actor, actor_id))]
            return list(db.scalars(select(Role).where(Role.id.in_(ids)).order_by(Role.name)))

    # ---------------------------------------------------------------- the assignment report
    def list_role_assignments(self, ctx: RequestContext, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """GET /v3/role_assignments: filters `user.id`, `group.id`, `scope.project.id`, `scope.domain.id`,
        `scope.system`, `role.id`; `effective` replaces each group grant by one entry per member and adds the
        roles each grant implies; `include_names` adds names. A domain admin sees its domain's assignments.
        Each entry is a plain dict for schemas.role_assignment to render."""
        with self.cloud.db.read() as db:
            domain_id = filters.get("scope.domain.id")
            if filters.get("scope.project.id"):
                project = db.get(Project, filters["scope.project.id"])
                domain_id = project.domain_id if project is not None else None
            domain_id = domain_id or ctx.domain_scope_id
            target = {"target.domain_id": domain_id} if domain_id else {}
            self.cloud.policy.enforce(ctx, "identity:list_role_assignments", **target)
            within = None if self.cloud.policy.allows(ctx, "context_is_admin") else domain_id
            inherited_only = filters.get("scope.OS-INHERIT:inherited_to") == "projects"
            grants = [] if inherited_only else self._grants(db, filters, within)
            grants += self._inherited_grants(db, filters, within)
            return self._report(db, grants, filters)

    def _inherited_grants(self, db: Session, filters: dict[str, Any], within: str | None) -> list[dict[str, Any]]:
        """The OS-INHERIT grants, as `_grants` describes grants: as stored (marked `inherited`), or with
        `effective` one per project each reaches (marked `inherited_from`, the OS-INHERIT path it came by);
        then kept when they match the scope filters."""
        if filters.get("scope.system"):
            return []
        effective = bool(filters.get("effective"))
        found: list[dict[str, Any]] = []
        for row in db.scalars(select(InheritedAssignment).order_by(InheritedAssignment.id)):
            actor = {"group": row.group_id} if row.group_id else {"user": row.user_id}
            source = f"domains/{row.domain_id}" if row.domain_id else f"projects/{row.project_id}"
            if not effective:
                found.append({"role_id": row.role_id, **actor, "project_id": row.project_id,
                              "domain_id": row.domain_id, "system": None, "inherited": True})
                continue
            if row.domain_id:
                reached = list(db.scalars(select(Project.id).where(Project.domain_id == row.domain_id)
                                          .order_by(Project.name)))
            else:
                reached = self.core.subtree(db, row.project_id or "")
            found.extend({"role_id": row.role_id, **actor, "project_id": pid, "domain_id": None, "system": None,
                          "inherited_from": source} for pid in reached)
        if filters.get("scope.project.id"):
            found = [g for g in found if g["project_id"] == filters["scope.project.id"]]
        if filters.get("scope.domain.id"):
            found = [g for g in found if g["domain_id"] == filters["scope.domain.id"]]
        if within is not None:
            projects = set(db.scalars(select(Project.id).where(Project.domain_id == within)))
            found = [g for g in found if g["domain_id"] == within or g["project_id"] in projects]
        return found

    @staticmethod
    def _grants(db: Session, filters: dict[str, Any], within: str | None) -> list[dict[str, Any]]:
        """The stored grants matching the scope filters, as {role_id, user_id|group_id, project_id|domain_id|
        system}: of users, then of groups; only those on `within` and its projects when it is set."""
        found: list[dict[str, Any]] = []
        models: tuple[tuple[Any, str], ...] = ((RoleAssignment, "user"), (GroupAssignment, "group"))
        for model, actor in models:
            query = select(model).order_by(model.id)
            if filters.get("scope.system"):
                query = query.where(model.system_id.is_not(None))
            if filters.get("scope.project.id"):
                query = query.where(model.project_id == filters["scope.project.id"])
            if filters.get("scope.domain.id"):
                query = query.where(model.domain_id == filters["scope.domain.id"])
            if within is not None:
                projects = select(Project.id).where(Project.domain_id == within)
                query = query.where(or_(model.domain_id == within, model.project_id.in_(projects)))
            for row in db.scalars(query):
                found.append({"role_id": row.role_id, actor: getattr(row, f"{actor}_id"),
                              "project_id": row.project_id, "domain_id": row.domain_id,
                              "system": row.system_id})
        return found

    def _report(self, db: Session, grants: list[dict[str, Any]], filters: dict[str, Any]) -> list[dict[str, Any]]:
        roles = {r.id: r for r in db.scalars(select(Role))}
        effective = bool(filters.get("effective"))
        rows: list[dict[str, Any]] = []
        for grant in grants:
            if effective and grant.get("group"):
                members = db.scalars(select(GroupMembership.user_id).where(
                    GroupMembership.group_id == grant["group"]).order_by(GroupMembership.user_id))
                rows.extend({**grant, "group": None, "user": uid, "membership": grant["group"]} for uid in members)
            else:
                rows.append(grant)
        if effective:  # direct entries first, so an implied duplicate never hides a direct one
            seen = {_key(row, row["role_id"]) for row in rows}
            for row in list(rows):
                for implied in sorted(self.core.implied_closure(db, {row["role_id"]}) - {row["role_id"]}):
                    if _key(row, implied) not in seen:
                        seen.add(_key(row, implied))
                        rows.append({**row, "role_id": implied, "prior_role": row["role_id"]})
            # A domain-specific role is never effective itself, only the global roles it implies (Keystone).
            rows = [row for row in rows if roles[row["role_id"]].domain_id is None]
        if filters.get("user.id"):
            rows = [row for row in rows if row.get("user") == filters["user.id"]]
        if filters.get("group.id"):
            rows = [row for row in rows if row.get("group") == filters["group.id"]]
        if filters.get("role.id"):
            rows = [row for row in rows if row["role_id"] == filters["role.id"]]
        names = bool(filters.get("include_names"))
        domain_names = {d.id: d.name for d in db.scalars(select(Domain))} if names else {}
        return [self._describe(db, row, roles[row["role_id"]], names, domain_names) for row in rows]

    @staticmethod
    def _describe(db: Session, row: dict[str, Any], role: Role, names: bool,
                  domain_names: dict[str, str]) -> dict[str, Any]:
        entry: dict[str, Any] = {"role": {"id": role.id}}
        if row.get("group"):
            entry["group"] = {"id": row["group"]}
        else:
            entry["user"] = {"id": row["user"]}
        if row["project_id"]:
            entry["project"] = {"id": row["project_id"]}
        elif row["domain_id"]:
            entry["domain"] = {"id": row["domain_id"]}
        else:
            entry["system"] = {"all": True}
        if row.get("prior_role"):
            entry["prior_role"] = row["prior_role"]
        if row.get("membership"):
            entry["membership"] = row["membership"]
        if row.get("inherited"):
            entry["inherited"] = True
        if row.get("inherited_from"):
            entry["inherited_from"] = row["inherited_from"]
        if names:
            entry["role"]["name"] = role.name
            if role.domain_id:
                entry["role"]["domain"] = {"id": role.domain_id, "name": domain_names.get(role.domain_id, "")}
            actor = db.get(Group, row["group"]) if row.get("group") else db.get(User, row["user"])
            if actor is not None:
                entry["group" if row.get("group") else "user"].update(
                    name=actor.name, domain={"id": actor.domain_id, "name": domain_names.get(actor.domain_id, "")})
            if row["project_id"]:
                project = db.get(Project, row["project_id"])
                if project is not None:
                    entry["project"].update(name=project.name, domain={
                        "id": project.domain_id, "name": domain_names.get(project.domain_id, "")})
            elif row["domain_id"]:
                entry["domain"]["name"] = domain_names.get(row["domain_id"], "")
        return entry

    # ---------------------------------------------------------------- what a token can scope to
    def auth_projects(self, ctx: RequestContext) -> list[Project]:
        """GET /v3/auth/projects: the enabled projects the caller has a role on (itself or by a group)."""
        self.cloud.policy.enforce(ctx, "identity:get_auth_projects")
        with self.cloud.db.read() as db:
            return projects_of(db, ctx.user_id, enabled_only=True)

    def auth_domains(self, ctx: RequestContext) -> list[Domain]:
        """GET /v3/auth/domains: the enabled domains the caller has a role on (itself or by a group)."""
        self.cloud.policy.enforce(ctx, "identity:get_auth_domains")
        with self.cloud.db.read() as db:
            direct = select(RoleAssignment.domain_id).where(RoleAssignment.user_id == ctx.user_id)
            by_group = select(GroupAssignment.domain_id).where(GroupAssignment.group_id.in_(_groups_of(ctx.user_id)))
            query = (select(Domain).where(Domain.id.in_(direct) | Domain.id.in_(by_group), Domain.enabled.is_(True))
                     .order_by(Domain.name))
            return list(db.scalars(query))

    def auth_system(self, ctx: RequestContext) -> list[dict[str, bool]]:
        """GET /v3/auth/system: `[{"all": true}]` when the caller has a role on the system, else `[]`."""
        self.cloud.policy.enforce(ctx, "identity:get_auth_system")
        with self.cloud.db.read() as db:
            return [{"all": True}] if self.core.direct_role_ids(db, ctx.user_id, None, None, system=True) else []


def _groups_of(user_id: str) -> Any:
    return select(GroupMembership.group_id).where(GroupMembership.user_id == user_id)


def projects_of(db: Session, user_id: str, enabled_only: bool = False) -> list[Project]:
    """The projects a user has a role on, granted to it or to one of its groups, or inherited (OS-INHERIT) from
    their domain or a project above them."""
    direct = select(RoleAssignment.project_id).where(RoleAssignment.user_id == user_id)
    by_group = select(GroupAssignment.project_id).where(GroupAssignment.group_id.in_(_groups_of(user_id)))
    ids: set[str] = set()
    for domain_id, project_id in db.execute(select(InheritedAssignment.domain_id, InheritedAssignment.project_id)
                                            .where((InheritedAssignment.user_id == user_id)
                                                   | InheritedAssignment.group_id.in_(_groups_of(user_id)))):
        if domain_id:
            ids.update(db.scalars(select(Project.id).where(Project.domain_id == domain_id)))
        elif project_id:
            ids.update(IdentityCore.subtree(db, project_id))
    query = select(Project).where(Project.id.in_(direct) | Project.id.in_(by_group) | Project.id.in_(ids)) \
        .order_by(Project.name)
    if enabled_only:
        query = query.where(Project.enabled.is_(True))
    return list(db.scalars(query))


def _key(row: dict[str, Any], role_id: str) -> tuple[Any, ...]:
    return (row.get("user"), row.get("group"), row["project_id"], row["domain_id"], row["system"], role_id,
            row.get("inherited"))


def _role_rule(verb: str, domain_id: str | None) -> str:
    """Keystone's rule for a role operation: `identity:create_role`, or `identity:create_domain_role` for a
    domain-specific role."""
    return f"identity:{verb}_domain_role" if domain_id else f"identity:{verb}_role"


def _grant_rule(verb: Literal["check", "list", "create", "revoke"], kind: Target, actor: Actor = "user") -> str:
    """Keystone's rule for a grant operation: `identity:create_grant` on a project or a domain,
    `identity:create_system_grant_for_user` (or `_for_group`) on the system (`list_system_grants_for_user`)."""
    if kind != "system":
        return f"identity:{verb}_grant" + ("s" if verb == "list" else "")
    if verb == "list":
        return f"identity:list_system_grants_for_{actor}"
    return f"identity:{verb}_system_grant_for_{actor}"


def _no_assignment(role_id: str, user_id: str, target_id: str) -> str:
    return (f"Could not find role assignment with role: {role_id}, user or group: {user_id}, project, domain, "
            f"or system: {target_id}.")
