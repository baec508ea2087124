"""Keystone's users: CRUD, the self-service password change, and the projects a user has roles on.

Disabling a user, changing its password or deleting it revokes its tokens, as Keystone does."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, Unauthorized
from lab.cloud.identity import schemas
from lab.cloud.identity.base import DEFAULT_DOMAIN, IdentityCore
from lab.cloud.identity.models import Domain, Project, RoleAssignment, Token, TokenTrust, Trust, User
from lab.cloud.identity.passwords import check_password, hash_password
from lab.cloud.identity.roles import projects_of

AUTH_FAILED = "The request you have made requires authentication."


class Users:
    """Keystone's users (`identity.users`)."""

    def __init__(self, core: IdentityCore):
        self.core = core
        self.cloud = core.cloud

    def list_users(self, ctx: RequestContext, filters: dict[str, Any]) -> list[User]:
        """GET /v3/users: filters name, domain_id, enabled. A domain-scoped token lists its domain's users (as
        Keystone does), which its domain's admin may."""
        domain_id = filters.get("domain_id") or ctx.domain_scope_id
        filters = {**filters, "domain_id": domain_id}
        self.cloud.policy.enforce(ctx, "identity:list_users", **_present({"target.domain_id": domain_id}))
        query = select(User).order_by(User.name)
        for key in ("name", "domain_id"):
            if filters.get(key) is not None:
                query = query.where(getattr(User, key) == filters[key])
        if filters.get("enabled") is not None:
            query = query.where(User.enabled.is_(filters["enabled"]))
        with self.cloud.db.read() as db:
            return list(db.scalars(query))

    def get_user(self, ctx: RequestContext, user_id: str) -> User:
        """A user: admins any, a user itself, a domain's admin the users of its domain."""
        with self.cloud.db.read() as db:
            user = self.core.find(db, User, user_id)
        self.cloud.policy.enforce(ctx, "identity:get_user", **_target(user))
        return user

    def create_user(self, ctx: RequestContext, req: schemas.UserCreate) -> User:
        domain_id = req.domain_id or ctx.domain_scope_id or ctx.project_domain_id or ctx.domain_id or DEFAULT_DOMAIN
        self.cloud.policy.enforce(ctx, "identity:create_user", **{"target.user.domain_id": domain_id})
        with self.cloud.db.write() as db:
            self.core.find(db, Domain, domain_id)
            self._check_user_name(db, req.name, domain_id)
            user = User(name=req.name, domain_id=domain_id, enabled=req.enabled,
                        password_hash=hash_password(req.password) if req.password is not None else None,
                        default_project_id=req.default_project_id, description=req.description,
                        email=req.email, extra=req.extras())
            db.add(user)
            db.flush()
        return user

    def update_user(self, ctx: RequestContext, user_id: str, req: schemas.UserUpdate) -> User:
        if "domain_id" in req.extras():
            raise BadRequest("Update of `domain_id` is not allowed.")
        revoke = False
        with self.cloud.db.write() as db:
            user = self.core.find(db, User, user_id)
            self.cloud.policy.enforce(ctx, "identity:update_user", **_target(user))
            if req.name is not None and req.name != user.name:
                self._check_user_name(db, req.name, user.domain_id)
                user.name = req.name
            if req.enabled is not None:
                revoke |= user.enabled and not req.enabled
                user.enabled = req.enabled
            if req.password is not None:
                user.password_hash = hash_password(req.password)
                revoke = True
            for key in ("default_project_id", "description", "email"):
                if key in req.given:
                    setattr(user, key, getattr(req, key))
            if req.extras():
                user.extra = {**(user.extra or {}), **req.extras()}
            if revoke:
                self.core.revoke_user_tokens(db, user_id)
        if revoke:
            self.core.forget_tokens()
        return user

    def change_password(self, user_id: str, req: schemas.PasswordChange) -> None:
        """POST /v3/users/{id}/password: needs the original password, not a token (as Keystone, so a user
        whose token expired can still change it). Revokes the user's tokens."""
        with self.cloud.db.write() as db:
            user = self.core.find(db, User, user_id)
            if not user.enabled or not check_password(req.original_password, user.password_hash):
                raise Unauthorized(AUTH_FAILED)
            user.password_hash = hash_password(req.password)
            self.core.revoke_user_tokens(db, user_id)
        self.core.forget_tokens()

    def delete_user(self, ctx: RequestContext, user_id: str) -> None:
        """Delete a user with its role assignments, its tokens, and its trusts (as trustor or trustee) with their
        tokens."""
        with self.cloud.db.write() as db:
            user = self.core.find(db, User, user_id)
            self.cloud.policy.enforce(ctx, "identity:delete_user", **_target(user))
            self.core.revoke_user_tokens(db, user_id)
            trusts = select(Trust.id).where((Trust.trustor_user_id == user_id) | (Trust.trustee_user_id == user_id))
            db.execute(delete(Token).where(Token.id_hash.in_(
                select(TokenTrust.token_id_hash).where(TokenTrust.trust_id.in_(trusts)))))
            db.execute(delete(RoleAssignment).where(RoleAssignment.user_id == user_id))
            db.delete(user)
        self.core.forget_tokens()

    def list_user_projects(self, ctx: RequestContext, user_id: str) -> list[Project]:
        """GET /v3/users/{id}/projects: the projects a user has a role on (admins, or the user itself)."""
        with self.cloud.db.read() as db:
            user = self.core.find(db, User, user_id)
            self.cloud.policy.enforce(ctx, "identity:list_user_projects", **_target(user))
            return self.projects_of(db, user_id)

    @staticmethod
    def projects_of(db: Session, user_id: str, enabled_only: bool = False) -> list[Project]:
        return projects_of(db, user_id, enabled_only)

    @staticmethod
    def _check_user_name(db: Session, name: str, domain_id: str) -> None:
        if db.scalar(select(User.id).where(User.domain_id == domain_id, User.name == name)) is not None:
            raise Conflict(f"Conflict occurred attempting to store user - Duplicate entry found with name "
                           f"{name} at domain ID {domain_id}.")



def _target(user: User) -> dict[str, Any]:
    """The policy target of a user: Keystone's `target.user.id` and `target.user.domain_id`."""
    return {"target.user.id": user.id, "target.user.domain_id": user.domain_id}


def _present(target: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in target.items() if value is not None}
