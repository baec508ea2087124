"""Keystone's domains and projects: CRUD, list filters, project tags, and the cascades Keystone does on
delete (a project takes its role assignments and the tokens scoped to it along; a domain, only once disabled,
takes its projects and users)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.db import count
from lab.cloud.errors import BadRequest, Conflict, Forbidden, NotFound
from lab.cloud.identity import schemas
from lab.cloud.identity.base import DEFAULT_DOMAIN, IdentityCore
from lab.cloud.identity.models import Domain, Group, Project, Role, RoleAssignment, Token, User
from lab.cloud.identity.roles import projects_of
from lab.cloud.validation import KEYSTONE


class Domains:
    """Keystone's domains (`identity.domains`)."""

    def __init__(self, core: IdentityCore):
        self.core = core
        self.cloud = core.cloud

    def list_domains(self, ctx: RequestContext, name: str | None = None,
                     enabled: bool | None = None) -> list[Domain]:
        self.cloud.policy.enforce(ctx, "identity:list_domains")
        query = select(Domain).order_by(Domain.name)
        if name is not None:
            query = query.where(Domain.name == name)
        if enabled is not None:
            query = query.where(Domain.enabled.is_(enabled))
        with self.cloud.db.read() as db:
            return list(db.scalars(query))

    def get_domain(self, ctx: RequestContext, domain_id: str) -> Domain:
        """A domain; anyone with a role may read their own domain, admins any (`identity:get_domain`)."""
        self.cloud.policy.enforce(ctx, "identity:get_domain", **{"target.domain.id": domain_id})
        with self.cloud.db.read() as db:
            return self.core.find(db, Domain, domain_id)

    def create_domain(self, ctx: RequestContext, req: schemas.DomainCreate) -> Domain:
        self.cloud.policy.enforce(ctx, "identity:create_domain")
        with self.cloud.db.write() as db:
            self._check_domain_name(db, req.name)
            domain = Domain(name=req.name, description=req.description or "", enabled=req.enabled,
                            tags=_unique(req.tags), extra=req.extras())
            db.add(domain)
            db.flush()
        return domain

    def update_domain(self, ctx: RequestContext, domain_id: str, req: schemas.DomainUpdate) -> Domain:
        self.cloud.policy.enforce(ctx, "identity:update_domain")
        with self.cloud.db.write() as db:
            domain = self.core.find(db, Domain, domain_id)
            if req.name is not None and req.name != domain.name:
                self._check_domain_name(db, req.name)
                domain.name = req.name
            if "description" in req.given:
                domain.description = req.description or ""
            if req.enabled is not None:
                if not req.enabled and domain.id == DEFAULT_DOMAIN:
                    # The lab's own admin lives in Default: disabling it would lock everyone out.
                    raise Forbidden("The default domain cannot be disabled in StackLab.")
                domain.enabled = req.enabled
                as_project = db.get(Project, domain.id)
                if as_project is not None and is_domain(as_project):  # a domain made as a project is both
                    as_project.enabled = req.enabled
                if not req.enabled:  # as Keystone revokes: its users' tokens and those scoped to it or its projects
                    users = select(User.id).where(User.domain_id == domain.id)
                    projects = select(Project.id).where(Project.domain_id == domain.id)
                    db.execute(delete(Token).where(Token.user_id.in_(users) | Token.project_id.in_(projects)
                                                   | (Token.domain_scope_id == domain.id)))
            if req.tags is not None:
                domain.tags = _unique(req.tags)
            if req.extras():
                domain.extra = {**(domain.extra or {}), **req.extras()}
        if req.enabled is False:
            self.core.forget_tokens()
        return domain

    def delete_domain(self, ctx: RequestContext, domain_id: str) -> None:
        """Keystone refuses to delete an enabled domain (403); a disabled one goes with its projects and users."""
        self.cloud.policy.enforce(ctx, "identity:delete_domain")
        with self.cloud.db.write() as db:
            domain = self.core.find(db, Domain, domain_id)
            if domain.enabled:
                raise Forbidden("Cannot delete a domain that is enabled, please disable it first.")
            self._remove_contents(db, domain_id)
            db.execute(delete(Project).where(Project.id == domain_id))  # the domain seen as a project, if any
            db.delete(domain)
        self.core.forget_tokens()

    def empty_domain(self, db: Session, domain_id: str, keep_user_id: str, keep_role_id: str) -> dict[str, int]:
        """In the caller's transaction: every project, user, group and domain-specific role of the domain and
        every grant on it go, but one (`keep_user_id`'s `keep_role_id` on the domain, which is put back if it
        was removed); the domain is enabled again. A student reset's identity half of their own domain: the
        projects' other resources are purged before (lab/cloud/labapi/reset.py). Returns what went, by kind."""
        projects, users, groups, roles = self._remove_contents(db, domain_id, (keep_user_id, keep_role_id))
        if db.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == keep_user_id,
                                                     RoleAssignment.domain_id == domain_id,
                                                     RoleAssignment.role_id == keep_role_id)) is None:
            db.add(RoleAssignment(user_id=keep_user_id, domain_id=domain_id, role_id=keep_role_id))
        domain = db.get(Domain, domain_id)
        if domain is not None:
            domain.enabled = True
        db.flush()
        return {"domain_projects": projects, "domain_users": users, "domain_groups": groups, "domain_roles": roles}

    @staticmethod
    def _remove_contents(db: Session, domain_id: str,
                         keep: tuple[str, str] | None = None) -> tuple[int, int, int, int]:
        """The domain's projects, users, groups (with their memberships and grants), domain-specific roles,
        every grant on it or to its users and their tokens, but the `keep` (user id, role id) grant on the
        domain. Returns how many projects, users, groups and roles went."""
        project_ids = list(db.scalars(select(Project.id).where(Project.domain_id == domain_id,
                                                               Project.id != domain_id)))
        user_ids = list(db.scalars(select(User.id).where(User.domain_id == domain_id)))
        db.execute(delete(Token).where(Token.user_id.in_(user_ids) | Token.project_id.in_(project_ids)
                                       | (Token.domain_scope_id == domain_id)))
        grants = (RoleAssignment.project_id.in_(project_ids) | RoleAssignment.user_id.in_(user_ids)
                  | (RoleAssignment.domain_id == domain_id))
        if keep is not None:
            grants = grants & ~((RoleAssignment.user_id == keep[0]) & (RoleAssignment.domain_id == domain_id)
                                & (RoleAssignment.role_id == keep[1]))
        db.execute(delete(RoleAssignment).where(grants))
        groups = count(db, Group, Group.domain_id == domain_id)
        roles = count(db, Role, Role.domain_id == domain_id)
        db.execute(delete(Group).where(Group.domain_id == domain_id))  # their memberships and grants cascade
        db.execute(delete(Project).where(Project.id.in_(project_ids)))
        db.execute(delete(User).where(User.id.in_(user_ids)))
        db.execute(delete(Role).where(Role.domain_id == domain_id))
        return len(project_ids), len(user_ids), groups, roles

    @staticmethod
    def _check_domain_name(db: Session, name: str) -> None:
        if db.scalar(select(Domain.id).where(func.lower(Domain.name) == name.lower())) is not None:
            raise Conflict(f"Conflict occurred attempting to store domain - Duplicate entry found with name "
                           f"{name}.")


class Projects:
    """Keystone's projects and their tags (`identity.projects`)."""

    def __init__(self, core: IdentityCore):
        self.core = core
        self.cloud = core.cloud

    def list_projects(self, ctx: RequestContext, filters: dict[str, Any]) -> list[Project]:
        """GET /v3/projects: filters name, domain_id, enabled, parent_id, is_domain (false unless asked, as
        Keystone lists), and Keystone's tag filters (`tags` all of, `tags-any`, `not-tags`, `not-tags-any`,
        comma-separated). A domain-scoped token lists its domain's projects, which its domain's admin may."""
        domain_id = filters.get("domain_id") or ctx.domain_scope_id
        self.cloud.policy.enforce(ctx, "identity:list_projects",
                                  **({"target.domain_id": domain_id} if domain_id else {}))
        query = select(Project).order_by(Project.name)
        for key, value in (("name", filters.get("name")), ("domain_id", domain_id),
                           ("parent_id", filters.get("parent_id"))):
            if value is not None:
                query = query.where(getattr(Project, key) == value)
        if filters.get("enabled") is not None:
            query = query.where(Project.enabled.is_(filters["enabled"]))
        with self.cloud.db.read() as db:
            projects = list(db.scalars(query))
        want_domains = bool(filters.get("is_domain"))
        return [p for p in projects if is_domain(p) == want_domains and _tags_match(set(p.tags or []), filters)]

    def get_project(self, ctx: RequestContext, project_id: str) -> Project:
        """A project: admins any, a domain's admin its domain's, others only the project their token is scoped
        to (else 403)."""
        with self.cloud.db.read() as db:
            project = db.get(Project, project_id)
        self.cloud.policy.enforce(ctx, "identity:get_project", **_target(project, project_id))
        if project is None:
            raise NotFound(f"Could not find project: {project_id}.")
        return project

    def hierarchy(self, ctx: RequestContext, project: Project, parents: bool, filtered: bool = True) -> list[Project]:
        """`parents_as_list` (nearest first) or `subtree_as_list` of GET /v3/projects/{id}: the projects above
        or below it (not the domain), those the caller may see: all for an operator or the domain's admin,
        else those it has a role on (Keystone). `filtered=False`: all of them, as Keystone's `*_as_ids` maps
        are (ids only; the caller may already see the project itself)."""
        with self.cloud.db.read() as db:
            found: list[Project] = []
            if parents:
                current = project
                while current.parent_id and len(found) < 100:  # bounded: a tree, never a cycle
                    parent = db.get(Project, current.parent_id)
                    if parent is None or is_domain(parent):
                        break
                    found.append(parent)
                    current = parent
            else:
                frontier = [project.id]
                while frontier and len(found) < 10_000:
                    children = list(db.scalars(select(Project).where(Project.parent_id.in_(frontier))
                                               .order_by(Project.name)))
                    found.extend(children)
                    frontier = [c.id for c in children]
            if not filtered or self.cloud.policy.allows(ctx, "identity:list_projects",
                                                        **{"target.domain_id": project.domain_id}):
                return found
            mine = {p.id for p in projects_of(db, ctx.user_id)}
            return [p for p in found if p.id in mine]

    def create_project(self, ctx: RequestContext, req: schemas.ProjectCreate) -> Project:
        target_domain = req.domain_id or ctx.domain_scope_id or ctx.project_domain_id or DEFAULT_DOMAIN
        self.cloud.policy.enforce(ctx, "identity:create_project", **{"target.project.domain_id": target_domain})
        if req.is_domain:
            return self._create_domain_project(req)
        with self.cloud.db.write() as db:
            domain_id = req.domain_id
            parent_id = req.parent_id
            if parent_id is not None and parent_id != domain_id:
                parent = db.get(Project, parent_id)
                if parent is None:
                    raise NotFound(f"Could not find project: {parent_id}.")
                if domain_id is not None and domain_id != parent.domain_id:
                    raise BadRequest("Cannot create project, the parent and the project must belong to the same "
                                     "domain.")
                domain_id = parent.domain_id
            else:
                parent_id = None
            domain_id = domain_id or target_domain
            if domain_id != target_domain:  # the parent decides the domain: the caller must manage that one
                self.cloud.policy.enforce(ctx, "identity:create_project", **{"target.project.domain_id": domain_id})
            domain = db.get(Domain, domain_id)
            if domain is None:
                raise NotFound(f"Could not find domain: {domain_id}.")
            self._check_project_name(db, req.name, domain_id)
            project = Project(name=req.name, domain_id=domain_id, description=req.description or "",
                              enabled=req.enabled, parent_id=parent_id, tags=_unique(req.tags),
                              extra=req.extras())
            db.add(project)
            db.flush()
        return project

    def update_project(self, ctx: RequestContext, project_id: str, req: schemas.ProjectUpdate) -> Project:
        if "domain_id" in req.extras() or "is_domain" in req.extras() or "parent_id" in req.extras():
            raise BadRequest("Update of `domain_id`, `is_domain` and `parent_id` is not allowed.")
        with self.cloud.db.write() as db:
            project = self.core.find(db, Project, project_id)
            self.cloud.policy.enforce(ctx, "identity:update_project", **_target(project, project_id))
            if req.name is not None and req.name != project.name:
                self._check_project_name(db, req.name, project.domain_id, project.id)
                project.name = req.name
            if "description" in req.given:
                project.description = req.description or ""
            if req.enabled is not None:
                project.enabled = req.enabled
                if not req.enabled:
                    db.execute(delete(Token).where(Token.project_id == project_id))  # as Keystone revokes
                if is_domain(project):  # a project acting as a domain is that domain
                    if not req.enabled and project.id == DEFAULT_DOMAIN:
                        raise Forbidden("The default domain cannot be disabled in StackLab.")
                    self.core.find(db, Domain, project.id).enabled = req.enabled
            if req.tags is not None:
                project.tags = _unique(req.tags)
            if req.extras():
                project.extra = {**(project.extra or {}), **req.extras()}
        self.core.forget_tokens()
        return project

    def delete_project(self, ctx: RequestContext, project_id: str) -> None:
        """Delete a leaf project with its role assignments and the tokens scoped to it."""
        with self.cloud.db.write() as db:
            project = self.core.find(db, Project, project_id)
            self.cloud.policy.enforce(ctx, "identity:delete_project", **_target(project, project_id))
            if is_domain(project):
                self._delete_domain_project(db, project)
                return
            if db.scalar(select(Project.id).where(Project.parent_id == project_id).limit(1)) is not None:
                raise Forbidden(f"Cannot delete the project {project_id} since it is not a leaf in the hierarchy. "
                                "Use the cascade option if you want to delete a whole subtree.")
            db.execute(delete(Token).where(Token.project_id == project_id))
            db.execute(delete(RoleAssignment).where(RoleAssignment.project_id == project_id))
            db.delete(project)
        self.core.forget_tokens()

    # ---------------------------------------------------------------- projects acting as domains
    def _create_domain_project(self, req: schemas.ProjectCreate) -> Project:
        """`is_domain: true`: a domain, seen through both APIs (one id), as Keystone stores domains."""
        if req.parent_id is not None or req.domain_id is not None:
            raise BadRequest("Invalid input: a project acting as a domain has no parent_id and no domain_id.")
        with self.cloud.db.write() as db:
            Domains._check_domain_name(db, req.name)
            domain = Domain(name=req.name, description=req.description or "", enabled=req.enabled,
                            tags=_unique(req.tags))
            db.add(domain)
            db.flush()
            project = Project(id=domain.id, name=req.name, domain_id=domain.id, description=req.description or "",
                              enabled=req.enabled, tags=_unique(req.tags), extra={**req.extras(), "is_domain": True})
            db.add(project)
            db.flush()
        return project

    def _delete_domain_project(self, db: Session, project: Project) -> None:
        """Deleting a project acting as a domain deletes the domain, which must be disabled (Keystone's 403)."""
        if project.enabled:
            raise Forbidden("Cannot delete a domain that is enabled, please disable it first.")
        others = db.scalar(select(Project.id).where(Project.domain_id == project.id, Project.id != project.id)
                           .limit(1))
        if others is not None:
            raise Forbidden(f"Cannot delete the project {project.id} since it is not a leaf in the hierarchy.")
        db.execute(delete(RoleAssignment).where(RoleAssignment.domain_id == project.id))
        db.delete(project)
        db.flush()
        domain = db.get(Domain, project.id)
        if domain is not None:
            db.delete(domain)
        self.core.forget_tokens()

    # ---------------------------------------------------------------- tags (/v3/projects/{id}/tags)
    def list_project_tags(self, ctx: RequestContext, project_id: str) -> list[str]:
        self.cloud.policy.enforce(ctx, "identity:list_project_tags", **{"target.project.id": project_id})
        return self._tags(project_id)

    def check_project_tag(self, ctx: RequestContext, project_id: str, tag: str) -> None:
        self.cloud.policy.enforce(ctx, "identity:get_project_tag", **{"target.project.id": project_id})
        if tag not in self._tags(project_id):
            raise NotFound(f"Tag {tag} was not found.")

    def set_project_tags(self, ctx: RequestContext, project_id: str, tags: Any) -> list[str]:
        """PUT /v3/projects/{id}/tags: replace them all (400 before 403, as the request is read first)."""
        _check_tags(tags)
        self.cloud.policy.enforce(ctx, "identity:update_project_tags", **{"target.project.id": project_id})
        return self._replace_tags(project_id, lambda _current: tags)

    def delete_project_tags(self, ctx: RequestContext, project_id: str) -> None:
        self.cloud.policy.enforce(ctx, "identity:delete_project_tags", **{"target.project.id": project_id})
        self._replace_tags(project_id, lambda _current: [])

    def add_project_tag(self, ctx: RequestContext, project_id: str, tag: str) -> list[str]:
        _check_tags([tag])
        self.cloud.policy.enforce(ctx, "identity:create_project_tag", **{"target.project.id": project_id})
        return self._replace_tags(project_id, lambda current: [*current, tag])

    def remove_project_tag(self, ctx: RequestContext, project_id: str, tag: str) -> None:
        self.cloud.policy.enforce(ctx, "identity:delete_project_tag", **{"target.project.id": project_id})

        def without(current: list[str]) -> list[str]:
            if tag not in current:
                raise NotFound(f"Tag {tag} was not found.")
            return [t for t in current if t != tag]

        self._replace_tags(project_id, without)

    def _tags(self, project_id: str) -> list[str]:
        with self.cloud.db.read() as db:
            return list(self.core.find(db, Project, project_id).tags or [])

    def _replace_tags(self, project_id: str, change: Callable[[list[str]], Any]) -> list[str]:
        """Set a project's tags to `change(current tags)`, checked as Keystone checks them, in one transaction."""
        with self.cloud.db.write() as db:
            project = self.core.find(db, Project, project_id)
            tags = change(list(project.tags or []))
            _check_tags(tags)
            project.tags = _unique(tags)
        self.core.forget_tokens()
        return list(project.tags)

    @staticmethod
    def _check_project_name(db: Session, name: str, domain_id: str, project_id: str | None = None) -> None:
        """Keystone's 409 for a name taken in the domain; it names the id of the project it tried to store (a
        new one's id was made for it and is never used)."""
        found = db.scalar(select(Project.id).where(Project.domain_id == domain_id, Project.name == name))
        if found is not None:
            raise Conflict(f"Conflict occurred attempting to store project - it is not permitted to have two "
                           f"projects with either the same name or same id in the same domain: name is {name}, "
                           f"project id {project_id or uuid.uuid4().hex}.")


def is_domain(project: Project) -> bool:
    """A project acting as a domain (`is_domain: true` at its creation)."""
    return bool((project.extra or {}).get("is_domain"))


def _target(project: Project | None, project_id: str) -> dict[str, Any]:
    """The policy target of a project: Keystone's `target.project.id` and `target.project.domain_id`."""
    target: dict[str, Any] = {"target.project.id": project_id}
    if project is not None:
        target["target.project.domain_id"] = project.domain_id
    return target


def _unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


def _check_tags(tags: Any) -> None:
    if not (isinstance(tags, list) and len(tags) <= 80
            and all(isinstance(t, str) and 0 < len(t) <= 255 and "," not in t and "/" not in t for t in tags)):
        raise KEYSTONE.bad("tags", None, "each tag is a string of at most 255 characters "
                         "without ',' or '/', and there are at most 80 tags.")


def _tags_match(tags: set[str], filters: dict[str, Any]) -> bool:
    def split(key: str) -> set[str] | None:
        value = filters.get(key)
        return None if value is None else {t for t in value.split(",") if t}

    all_of, any_of, none_of, not_any = split("tags"), split("tags-any"), split("not-tags"), split("not-tags-any")
    if all_of is not None and not all_of <= tags:
        return False
    if any_of is not None and not any_of & tags:
        return False
    if none_of is not None and none_of <= tags:
        return False
    return not (not_any is not None and not_any & tags)
