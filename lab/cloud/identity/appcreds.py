"""Keystone's application credentials: a user delegates (some of) its roles on one project to a named secret,
which a program then authenticates with (`auth_type: v3applicationcredential` in clouds.yaml; the
`application_credential` method of POST /v3/auth/tokens) instead of the user's password.

The secret is shown once, at creation, and stored hashed. A token issued for one carries the credential's
roles that the user still holds on its project (with the roles they imply), and never more; it expires at the
credential's `expires_at` at the latest. A restricted credential (the default) cannot make or delete other
application credentials. Deleting one revokes the tokens issued for it.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import Conflict, Forbidden, NotFound, Unauthorized
from lab.cloud.identity import schemas
from lab.cloud.identity.base import IdentityCore
from lab.cloud.identity.models import (
    AccessRule,
    ApplicationCredential,
    Domain,
    Project,
    Role,
    Token,
    TokenApplicationCredential,
    User,
)
from lab.cloud.identity.passwords import check_password, hash_password
from lab.cloud.validation import KEYSTONE

AUTH_FAILED = "The request you have made requires authentication."


class ApplicationCredentials:
    """`identity.application_credentials`: /v3/users/{user_id}/application_credentials."""

    def __init__(self, core: IdentityCore):
        self.core = core
        self.cloud = core.cloud

    def create_application_credential(self, ctx: RequestContext, user_id: str,
                                      req: schemas.ApplicationCredentialCreate,
                                      ) -> tuple[ApplicationCredential, list[Role], str]:
        """POST: returns the credential, its roles and its secret (generated unless given). Only a user for
        itself, with a project-scoped token (the credential's project); roles default to the token's."""
        self.cloud.policy.enforce(ctx, "identity:create_application_credential", **{"target.user.id": user_id})
        _refuse_restricted(ctx)
        if ctx.project_id is None:
            raise Forbidden("An application credential is made with a project-scoped token (its project).")
        secret = req.secret or secrets.token_urlsafe(64)
        with self.cloud.db.write() as db:
            self.core.find(db, User, user_id)
            held = {r.id: r for r in self.core.effective_roles(db, user_id, ctx.project_id, None)}
            wanted = [self._role(db, ref, held) for ref in req.roles] if req.roles else list(held.values())
            if db.scalar(select(ApplicationCredential.id).where(ApplicationCredential.user_id == user_id,
                                                                ApplicationCredential.name == req.name)):
                raise Conflict(f"Conflict occurred attempting to store application_credential - Duplicate name, "
                               f"{req.name}.")
            cred = ApplicationCredential(
                name=req.name, user_id=user_id, project_id=ctx.project_id, secret_hash=hash_password(secret),
                description=req.description, expires_at=_naive(req.expires_at), unrestricted=req.unrestricted,
                role_ids=sorted({r.id for r in wanted}),
                access_rules=[_rule_ref(self._access_rule(db, user_id, ref)) for ref in req.access_rules or []])
            db.add(cred)
            db.flush()
        return cred, sorted({r.id: r for r in wanted}.values(), key=lambda r: r.name), secret

    @staticmethod
    def _access_rule(db: Session, user_id: str, ref: schemas.AccessRuleRef) -> AccessRule:
        """The user's rule named by `id`, else its equal rule, else a new one (Keystone shares equal rules)."""
        if ref.id is not None:
            found = db.get(AccessRule, ref.id)
            if found is not None and found.user_id == user_id:
                return found
            if None in (ref.service, ref.path, ref.method):
                raise NotFound(f"Could not find Access Rule: {ref.id}.")
        if ref.service is None or ref.path is None or ref.method is None:
            raise KEYSTONE.bad("application_credential/access_rules", None,
                               "an access rule needs an id, or a service, a path and a method.")
        same = db.scalar(select(AccessRule).where(AccessRule.user_id == user_id, AccessRule.service == ref.service,
                                                  AccessRule.path == ref.path, AccessRule.method == ref.method))
        if same is None:
            same = AccessRule(user_id=user_id, service=ref.service, path=ref.path, method=ref.method)
            db.add(same)
            db.flush()
        return same

    # ---------------------------------------------------------------- access rules
    def list_access_rules(self, ctx: RequestContext, user_id: str) -> list[AccessRule]:
        """GET /v3/users/{user_id}/access_rules: the user's rules, those of deleted credentials too."""
        self.cloud.policy.enforce(ctx, "identity:list_access_rules", **{"target.user.id": user_id})
        with self.cloud.db.read() as db:
            self.core.find(db, User, user_id)
            return list(db.scalars(select(AccessRule).where(AccessRule.user_id == user_id).order_by(AccessRule.id)))

    def get_access_rule(self, ctx: RequestContext, user_id: str, rule_id: str) -> AccessRule:
        self.cloud.policy.enforce(ctx, "identity:get_access_rule", **{"target.user.id": user_id})
        with self.cloud.db.read() as db:
            return _find_rule(db, user_id, rule_id)

    def delete_access_rule(self, ctx: RequestContext, user_id: str, rule_id: str) -> None:
        """DELETE: 403 while an application credential uses it (Keystone's "May not delete access rule in use")."""
        self.cloud.policy.enforce(ctx, "identity:delete_access_rule", **{"target.user.id": user_id})
        with self.cloud.db.write() as db:
            rule = _find_rule(db, user_id, rule_id)
            creds = db.scalars(select(ApplicationCredential).where(ApplicationCredential.user_id == user_id))
            if any(r.get("id") == rule_id for c in creds for r in c.access_rules or [] if isinstance(r, dict)):
                raise Forbidden("May not delete access rule in use")
            db.delete(rule)

    @staticmethod
    def _role(db: Session, ref: schemas.RoleRef, held: dict[str, Role]) -> Role:
        """A requested role, which the user must hold on the project (Keystone's 404 otherwise)."""
        found = held.get(ref.id or "") if ref.id else next((r for r in held.values() if r.name == ref.name), None)
        if found is None:
            raise NotFound(f"Could not find role assignment with role: {ref.id or ref.name}, user or group: "
                           "the caller, project, domain, or system: the token's project.")
        return found

    def list_application_credentials(self, ctx: RequestContext, user_id: str,
                                     name: str | None = None) -> list[tuple[ApplicationCredential, list[Role]]]:
        self.cloud.policy.enforce(ctx, "identity:list_application_credentials", **{"target.user.id": user_id})
        with self.cloud.db.read() as db:
            self.core.find(db, User, user_id)
            query = select(ApplicationCredential).where(ApplicationCredential.user_id == user_id)
            if name is not None:
                query = query.where(ApplicationCredential.name == name)
            return [(c, _roles(db, c)) for c in db.scalars(query.order_by(ApplicationCredential.name))]

    def get_application_credential(self, ctx: RequestContext, user_id: str,
                                   cred_id: str) -> tuple[ApplicationCredential, list[Role]]:
        self.cloud.policy.enforce(ctx, "identity:get_application_credential", **{"target.user.id": user_id})
        with self.cloud.db.read() as db:
            cred = self._find(db, user_id, cred_id)
            return cred, _roles(db, cred)

    def delete_application_credential(self, ctx: RequestContext, user_id: str, cred_id: str) -> None:
        """DELETE: the tokens issued for it stop working."""
        self.cloud.policy.enforce(ctx, "identity:delete_application_credential", **{"target.user.id": user_id})
        _refuse_restricted(ctx)
        with self.cloud.db.write() as db:
            cred = self._find(db, user_id, cred_id)
            tokens = select(TokenApplicationCredential.token_id_hash).where(
                TokenApplicationCredential.application_credential_id == cred.id)
            db.execute(delete(Token).where(Token.id_hash.in_(tokens)))
            db.delete(cred)
        self.core.forget_tokens()

    def _find(self, db: Session, user_id: str, cred_id: str) -> ApplicationCredential:
        cred = db.get(ApplicationCredential, cred_id)
        if cred is None or cred.user_id != user_id:
            raise NotFound(f"Could not find Application Credential: {cred_id}.")
        return cred

    # ---------------------------------------------------------------- the auth method
    def authenticate(self, db: Session, method: Any, now: datetime) -> tuple[ApplicationCredential, User]:
        """The `application_credential` method: `{id, secret}` or `{name, secret, user: {id | name, domain}}`.
        Raises Unauthorized (401) for anything wrong: unknown, wrong secret, expired, disabled user."""
        if not isinstance(method, dict) or not isinstance(method.get("secret"), str):
            raise KEYSTONE.bad("identity/application_credential", None, "a secret and an id, or "
                             "a name and a user, are required.")
        if isinstance(method.get("id"), str):
            cred = db.get(ApplicationCredential, method["id"])
        elif isinstance(method.get("name"), str) and isinstance(method.get("user"), dict):
            user = _find_user(db, method["user"])
            cred = None if user is None else db.scalar(select(ApplicationCredential).where(
                ApplicationCredential.user_id == user.id, ApplicationCredential.name == method["name"]))
        else:
            raise KEYSTONE.bad("identity/application_credential", None, "an id, or a name and a "
                             "user, are required.")
        if cred is None or not check_password(method["secret"], cred.secret_hash) \
                or (cred.expires_at is not None and cred.expires_at <= now):
            raise Unauthorized(AUTH_FAILED)
        owner = db.get(User, cred.user_id)
        if owner is None or not owner.enabled:
            raise Unauthorized(AUTH_FAILED)
        return cred, owner

    def token_roles(self, db: Session, cred: ApplicationCredential) -> list[Role]:
        """The roles a token of this credential carries: its roles (and what they imply) that the user still
        holds on the project."""
        held = {r.id: r for r in self.core.effective_roles(db, cred.user_id, cred.project_id, None)}
        delegated = self.core.implied_closure(db, set(cred.role_ids or []))
        return sorted((r for rid, r in held.items() if rid in delegated), key=lambda r: r.name)

    @staticmethod
    def project_of(db: Session, cred: ApplicationCredential) -> Project | None:
        return db.get(Project, cred.project_id)


def _rule_ref(rule: AccessRule) -> dict[str, str]:
    """An access rule as its credential shows it (and stores it: the rule's id with its fields)."""
    return {"id": rule.id, "service": rule.service, "path": rule.path, "method": rule.method}


def _find_rule(db: Session, user_id: str, rule_id: str) -> AccessRule:
    rule = db.get(AccessRule, rule_id)
    if rule is None or rule.user_id != user_id:
        raise NotFound(f"Could not find Access Rule: {rule_id}.")
    return rule


def _refuse_restricted(ctx: RequestContext) -> None:
    if ctx.application_credential_id is not None and not ctx.unrestricted:
        raise Forbidden("Using method 'application_credential' is not allowed for managing additional "
                        "application credentials.")


def _roles(db: Session, cred: ApplicationCredential) -> list[Role]:
    return list(db.scalars(select(Role).where(Role.id.in_(cred.role_ids or [])).order_by(Role.name)))


def _find_user(db: Session, ref: dict[str, Any]) -> User | None:
    if isinstance(ref.get("id"), str):
        return db.get(User, ref["id"])
    given = ref.get("domain")
    domain_ref: dict[str, Any] = given if isinstance(given, dict) else {}
    domain: Domain | None
    if isinstance(domain_ref.get("id"), str):
        domain = db.get(Domain, domain_ref["id"])
    else:
        domain = db.scalar(select(Domain).where(Domain.name == domain_ref.get("name")))
    if domain is None or not isinstance(ref.get("name"), str):
        return None
    return db.scalar(select(User).where(User.domain_id == domain.id, User.name == ref["name"]))


def _naive(dt: datetime | None) -> datetime | None:
    """A request's time as the database stores times: naive UTC."""
    if dt is None or dt.tzinfo is None:
        return dt
    return (dt - dt.utcoffset()).replace(tzinfo=None)  # type: ignore[operator]
