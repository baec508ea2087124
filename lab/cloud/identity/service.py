"""Identity behaviour (Keystone v3 subset): bootstrap, password and token authentication, scoped tokens
(project, domain, system), and resolving a request's token into a RequestContext. `IdentityService` is a
facade: the admin API of each resource is an object of its own module (`identity.domains`, `.projects`,
`.users`, `.roles`, `.catalog`: projects.py, users.py, roles.py, catalog.py), sharing one `IdentityCore`.

Roles imply each other by the stored inference rules, which bootstrap makes as Keystone's defaults
(admin -> member -> reader), so a token of a project admin lists all three. A token carries the roles granted
to its user and to the user's groups. Methods: `password`, `token` and `application_credential`.

A domain-scoped token's roles are on its domain: its admin manages that domain's users, groups, projects and
grants (identity's rules), and is not an operator of the lab (`RequestContext.is_admin` is false for it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud import contracts
from lab.cloud.context import RequestContext
from lab.cloud.db import count, remembered
from lab.cloud.errors import BadRequest, Forbidden, NotFound, Unauthorized
from lab.cloud.identity import schemas
from lab.cloud.identity.appcreds import ApplicationCredentials
from lab.cloud.identity.auth_schema import check_auth
from lab.cloud.identity.base import DEFAULT_DOMAIN, DEFAULT_IMPLIES, IdentityCore, Target
from lab.cloud.identity.catalog import Catalog
from lab.cloud.identity.credentials import Credentials
from lab.cloud.identity.extensions import DomainConfigs, EndpointGroups, OAuthConsumers, PolicyBlobs
from lab.cloud.identity.groups import Groups
from lab.cloud.identity.models import (
    AccessRule,
    ApplicationCredential,
    CatalogService,
    Domain,
    Endpoint,
    GroupAssignment,
    GroupMembership,
    ImpliedRole,
    Project,
    Region,
    Role,
    RoleAssignment,
    Token,
    TokenApplicationCredential,
    TokenTrust,
    Trust,
    User,
)
from lab.cloud.identity.passwords import check_password, hash_password
from lab.cloud.identity.projects import Domains, Projects, is_domain
from lab.cloud.identity.roles import Roles
from lab.cloud.identity.trusts import Trusts
from lab.cloud.identity.users import Users
from lab.cloud.plugin import Purge
from lab.cloud.validation import KEYSTONE
from lab.config import write_private

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

REGION = "RegionOne"
# The roles `keystone-manage bootstrap` makes (2023.2 added `manager` and `service`).
ROLE_NAMES = ("admin", "manager", "member", "reader", "service")
AUTH_FAILED = "The request you have made requires authentication."


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued or validated: the value (only known at issue time) and what it carries."""

    value: str
    body: dict[str, Any]
    expires_at: datetime


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class IdentityService:
    """`cloud.identity`, Keystone v3: authentication and tokens here; each resource's API on its own object."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.core = IdentityCore(cloud)
        self.domains = Domains(self.core)
        self.projects = Projects(self.core)
        self.users = Users(self.core)
        self.roles = Roles(self.core)
        self.catalog = Catalog(self.core)
        self.groups = Groups(self.core)
        self.application_credentials = ApplicationCredentials(self.core)
        self.credentials = Credentials(self.core)
        self.policy_blobs = PolicyBlobs(self.core)
        self.endpoint_groups = EndpointGroups(self.core)
        self.domain_configs = DomainConfigs(self.core)
        self.oauth_consumers = OAuthConsumers(self.core)
        self.trusts = Trusts(self.core)

    # ---------------------------------------------------------------- what other services call (contracts)
    def create_project(self, ctx: RequestContext, req: schemas.ProjectCreate) -> Project:
        return self.projects.create_project(ctx, req)

    def create_user(self, ctx: RequestContext, req: schemas.UserCreate) -> User:
        return self.users.create_user(ctx, req)

    def update_user(self, ctx: RequestContext, user_id: str, req: schemas.UserUpdate) -> User:
        return self.users.update_user(ctx, user_id, req)

    def grant_role(self, ctx: RequestContext, kind: Target, target_id: str, user_id: str, role_id: str) -> None:
        self.roles.grant_role(ctx, kind, target_id, user_id, role_id)

    def create_domain(self, ctx: RequestContext, req: schemas.DomainCreate) -> Domain:
        return self.domains.create_domain(ctx, req)

    def empty_domain(self, db: Session, domain_id: str, keep_user_id: str, keep_role_id: str) -> dict[str, int]:
        return self.domains.empty_domain(db, domain_id, keep_user_id, keep_role_id)

    def forget_tokens(self, match: Callable[[str], bool] | None = None) -> None:
        self.core.forget_tokens(match)

    # ---------------------------------------------------------------- bootstrap
    def bootstrap(self) -> None:
        """The Default domain, roles, admin and demo projects and users, RegionOne and the catalog.

        Idempotent; the admin password is the configured one, else the one saved in the data directory, else a
        new random one (saved there, mode 0600)."""
        s = self.cloud.settings
        admin_password = self.admin_password()
        with self.cloud.db.write() as db:
            if db.get(Domain, DEFAULT_DOMAIN) is None:
                db.add(Domain(id=DEFAULT_DOMAIN, name="Default", description="The default domain"))
                db.flush()
            roles: dict[str, Role] = {}
            created: set[str] = set()
            for role_name in ROLE_NAMES:
                found = db.scalar(select(Role).where(Role.name == role_name, Role.domain_id.is_(None)))
                if found is None:
                    found = Role(name=role_name)
                    db.add(found)
                    db.flush()
                    created.add(role_name)
                roles[role_name] = found
            if db.scalar(select(ImpliedRole.prior_role_id).limit(1)) is None:  # a new lab, or one from before
                for prior, implied in DEFAULT_IMPLIES:
                    db.add(ImpliedRole(prior_role_id=roles[prior].id, implied_role_id=roles[implied].id))
            elif "manager" in created:  # a lab made before 2023.2's roles: Keystone's bootstrap upgrade
                self._insert_manager(db, roles)
            for project_name, user_name, password, role in (("admin", "admin", admin_password, "admin"),
                                                            ("demo", "demo", s.demo_password, "member")):
                project = self._ensure_project(db, project_name)
                user = db.scalar(select(User).where(User.domain_id == DEFAULT_DOMAIN, User.name == user_name))
                if user is None:
                    user = User(name=user_name, domain_id=DEFAULT_DOMAIN, password_hash=hash_password(password),
                                default_project_id=project.id)
                    db.add(user)
                    db.flush()
                elif not check_password(password, user.password_hash):
                    user.password_hash = hash_password(password)  # a configured password wins
                self._ensure_assignment(db, user.id, project.id, roles[role].id)
            if db.get(Region, REGION) is None:
                db.add(Region(id=REGION, description=""))
            for spec in self.cloud.specs:
                for entry in spec.catalog:
                    self._ensure_endpoint(db, entry.type, entry.name, entry.path)

    @staticmethod
    def _insert_manager(db: Session, roles: dict[str, Role]) -> None:
        """As `keystone-manage bootstrap` upgrades a cloud: admin -> manager -> member in place of admin ->
        member (rules an operator changed otherwise are left as they are)."""
        admin, manager, member = roles["admin"].id, roles["manager"].id, roles["member"].id
        for prior, implied in ((admin, manager), (manager, member)):
            if db.get(ImpliedRole, (prior, implied)) is None:
                db.add(ImpliedRole(prior_role_id=prior, implied_role_id=implied))
        old = db.get(ImpliedRole, (admin, member))
        if old is not None:
            db.delete(old)

    def admin_password(self) -> str:
        s = self.cloud.settings
        path = s.data_dir / "admin-password"
        if s.admin_password:
            password = s.admin_password
        elif path.exists():
            return path.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
        write_private(path, password + "\n")  # 0600 from the first byte
        return password

    @staticmethod
    def _ensure_project(db: Session, name: str) -> Project:
        project = db.scalar(select(Project).where(Project.domain_id == DEFAULT_DOMAIN, Project.name == name))
        if project is None:
            project = Project(name=name, domain_id=DEFAULT_DOMAIN, description=f"Bootstrap project {name}")
            db.add(project)
            db.flush()
        return project

    @staticmethod
    def _ensure_assignment(db: Session, user_id: str, project_id: str, role_id: str) -> None:
        exists = db.scalar(select(RoleAssignment.id).where(
            RoleAssignment.user_id == user_id, RoleAssignment.project_id == project_id,
            RoleAssignment.role_id == role_id))
        if exists is None:
            db.add(RoleAssignment(user_id=user_id, project_id=project_id, role_id=role_id))

    @staticmethod
    def _ensure_endpoint(db: Session, type_: str, name: str, path: str) -> None:
        service = db.scalar(select(CatalogService).where(CatalogService.type == type_))
        if service is None:
            service = CatalogService(type=type_, name=name)
            db.add(service)
            db.flush()
        for interface in ("public", "internal", "admin"):
            found = db.scalar(select(Endpoint.id).where(Endpoint.service_id == service.id,
                                                        Endpoint.interface == interface))
            if found is None:
                db.add(Endpoint(service_id=service.id, interface=interface, region_id=REGION, url=path))

    # ---------------------------------------------------------------- student reset (lab/cloud/plugin.py)
    def purge_project(self, purge: Purge) -> None:
        """The student's application credentials (and any made on its project), its group memberships and
        the groups' grants on its project: a student starts with none of them. Their tokens go too."""
        db = purge.db
        creds = list(db.scalars(select(ApplicationCredential).where(
            ApplicationCredential.user_id.in_(purge.user_ids)
            | (ApplicationCredential.project_id == purge.project_id))))
        for cred in creds:
            tokens = select(TokenApplicationCredential.token_id_hash).where(
                TokenApplicationCredential.application_credential_id == cred.id)
            db.execute(delete(Token).where(Token.id_hash.in_(tokens)))
            db.delete(cred)
        purge.removed["application_credentials"] += len(creds)
        db.execute(delete(AccessRule).where(AccessRule.user_id.in_(purge.user_ids)))
        memberships = list(db.scalars(select(GroupMembership).where(GroupMembership.user_id.in_(purge.user_ids))))
        for membership in memberships:
            db.delete(membership)
        purge.removed["group_memberships"] += len(memberships)
        grants = list(db.scalars(select(GroupAssignment).where(GroupAssignment.project_id == purge.project_id)))
        for grant in grants:
            db.delete(grant)
        purge.removed["group_role_assignments"] += len(grants)
        if memberships or grants:
            db.execute(delete(Token).where(Token.user_id.in_(purge.user_ids)))
        db.flush()
        self.core.forget_tokens()

    def holdings(self, db: Session, project_id: str, user_ids: list[str]) -> dict[str, int]:
        return {
            "application_credentials": count(db, ApplicationCredential, ApplicationCredential.user_id.in_(user_ids)
                                             | (ApplicationCredential.project_id == project_id)),
            "group_memberships": count(db, GroupMembership, GroupMembership.user_id.in_(user_ids)),
            "group_role_assignments": count(db, GroupAssignment, GroupAssignment.project_id == project_id),
        }

    # ---------------------------------------------------------------- authentication
    def authenticate(self, auth: dict[str, Any], subject_token: str | None = None) -> IssuedToken:
        """POST /v3/auth/tokens: check the identity (password or token method) and issue a token for the
        requested scope. Raises Unauthorized (401) for bad credentials, BadRequest for a malformed request."""
        check_auth(auth)
        identity = auth.get("identity")
        if not isinstance(identity, dict) or not isinstance(identity.get("methods"), list):
            raise BadRequest("Expecting to find identity in auth - the server could not comply with the request "
                             "since it is either malformed or otherwise incorrect.")
        methods = identity["methods"]
        now = self.cloud.clock.real_now()
        expires_at = now + timedelta(seconds=self.cloud.settings.token_ttl_seconds)
        methods = list(dict.fromkeys(str(m) for m in methods))
        app_cred: ApplicationCredential | None = None
        trust: Trust | None = None
        with self.cloud.db.write() as db:
            if "application_credential" in methods:
                app_cred, user = self.application_credentials.authenticate(
                    db, identity.get("application_credential"), now)
                if not _domain_enabled(db, user.domain_id):
                    raise Unauthorized(AUTH_FAILED)
                if app_cred.expires_at is not None:
                    expires_at = min(expires_at, app_cred.expires_at)
            elif "password" in methods:
                user = self._check_password_method(db, identity.get("password"))
            elif "token" in methods:
                given = (identity.get("token") or {}).get("id") or subject_token
                old = db.get(Token, token_hash(given)) if given else None
                if old is None or old.expires_at <= now:
                    raise Unauthorized(AUTH_FAILED)
                found_user = db.get(User, old.user_id)
                if found_user is None or not found_user.enabled or not _domain_enabled(db, found_user.domain_id):
                    raise Unauthorized(AUTH_FAILED)
                user = found_user
                # A rescoped token lives no longer than the one it came from and keeps its methods (Keystone).
                expires_at = old.expires_at
                methods = list(dict.fromkeys([*old.methods, *methods]))
                app_cred = self._token_app_cred(db, old.id_hash)  # a rescoped one keeps its limits
                if self.trusts.token_trust(db, old.id_hash) is not None:
                    raise Forbidden("You are not authorized to perform the requested action: Using trust-scoped "
                                    "token to create another token. Create a new trust-scoped token instead.")
            else:
                raise Unauthorized(f"Unsupported authentication method: {', '.join(map(str, methods))}")

            if app_cred is not None:  # always scoped to its project, with (at most) its roles
                project, domain_scope, system = self.application_credentials.project_of(db, app_cred), None, False
                if project is None or not project.enabled or not _domain_enabled(db, project.domain_id):
                    raise Unauthorized(AUTH_FAILED)
                roles = self.application_credentials.token_roles(db, app_cred)
            elif isinstance(auth.get("scope"), dict) and "OS-TRUST:trust" in auth["scope"]:
                trust, user, project = self._trust_scope(db, auth["scope"]["OS-TRUST:trust"], user)
                domain_scope, system = None, False
                roles = self.trusts.roles_of(db, trust)
                if trust.expires_at is not None:
                    expires_at = min(expires_at, trust.expires_at)
            else:
                project, domain_scope, system = self._resolve_scope(db, auth.get("scope"), user)
                roles = self.core.effective_roles(db, user.id, project.id if project else None,
                                                  domain_scope.id if domain_scope else None, system)
            if (project or domain_scope or system) and not roles:
                target = (f"project {project.id}" if project else f"domain {domain_scope.id}" if domain_scope
                          else "the system")
                raise Unauthorized(f"User {user.id} has no access to {target}.")
            value = secrets.token_urlsafe(32)
            token = Token(id_hash=token_hash(value), user_id=user.id, project_id=project.id if project else None,
                          domain_scope_id=domain_scope.id if domain_scope else None, system_scope=system,
                          methods=methods, issued_at=now, expires_at=expires_at,
                          audit_id=secrets.token_urlsafe(16)[:22])
            db.add(token)
            if app_cred is not None:
                db.flush()
                db.add(TokenApplicationCredential(token_id_hash=token.id_hash,
                                                  application_credential_id=app_cred.id))
            if trust is not None:
                db.flush()
                db.add(TokenTrust(token_id_hash=token.id_hash, trust_id=trust.id))
            db.execute(delete(Token).where(Token.expires_at < now))  # keep the table small
            body = self._token_body(db, token, user, project, domain_scope, roles, app_cred, trust)
        return IssuedToken(value, body, token.expires_at)

    def issue_token_for(self, user_id: str, project_id: str, ttl_seconds: int = 900) -> str:
        """A short-lived project-scoped token for one of the lab's users, issued by the cloud itself, with no
        password: for work the lab does on that user's behalf while nobody is at the keyboard (a drill's fault
        set up "during the night" in the student's name, an exam graded at time-up as the student). Keystone
        does the same for its own trusts. It carries exactly the roles the user has on the project; raises
        Unauthorized when the user or project is disabled or the user has no role there. Never an API."""
        now = self.cloud.clock.real_now()
        with self.cloud.db.write() as db:
            user, project = db.get(User, user_id), db.get(Project, project_id)
            if user is None or project is None or not user.enabled or not project.enabled \
                    or not _domain_enabled(db, user.domain_id):
                raise Unauthorized(AUTH_FAILED)
            if not self.core.effective_roles(db, user.id, project.id, None, False):
                raise Unauthorized(f"User {user.id} has no access to project {project.id}.")
            value = secrets.token_urlsafe(32)
            db.add(Token(id_hash=token_hash(value), user_id=user.id, project_id=project.id, domain_scope_id=None,
                         system_scope=False, methods=["token"], issued_at=now,
                         expires_at=now + timedelta(seconds=min(ttl_seconds, self.cloud.settings.token_ttl_seconds)),
                         audit_id=secrets.token_urlsafe(16)[:22]))
        return value

    def _trust_scope(self, db: Session, ref: Any, trustee: User) -> tuple[Trust, User, Project | None]:
        """A trust-scoped token's trust, the user it is issued as (the trustor when the trust impersonates) and
        its project; uses up one of the trust's `remaining_uses`. Keystone's 404 for an unknown, deleted or
        expired trust, its 403s for a caller not the trustee, a trust used up or a disabled trustor."""
        trust_id = ref.get("id") if isinstance(ref, dict) else None
        if not isinstance(trust_id, str) or not trust_id:
            raise KEYSTONE.bad("scope/OS-TRUST:trust", ref, "an id is required.")
        trust = self.trusts.live(db, trust_id)
        if trust.trustee_user_id != trustee.id:
            raise Forbidden("User is not a trustee.")
        trustor = db.get(User, trust.trustor_user_id)
        if trustor is None or not trustor.enabled or not _domain_enabled(db, trustor.domain_id):
            raise Forbidden("Trustor is disabled.")
        if trust.remaining_uses is not None:
            if trust.remaining_uses <= 0:
                raise Forbidden(f"No remaining uses for trust: {trust.id}.")
            trust.remaining_uses -= 1
        project = db.get(Project, trust.project_id) if trust.project_id else None
        if project is not None and (not project.enabled or not _domain_enabled(db, project.domain_id)):
            raise Unauthorized(f"Could not find project: {project.id}.")
        if project is not None and not self.trusts.roles_of(db, trust):
            raise Forbidden("Trustee has no delegated roles.")
        return trust, trustor if trust.impersonation else trustee, project

    def _token_roles(self, db: Session, token: Token) -> tuple[list[Role], ApplicationCredential | None,
                                                               Trust | None, bool]:
        """A stored token's roles (an application credential's or a trust's limits applied), what limits it,
        and whether it still stands (a trust-scoped token falls with its trust)."""
        app_cred = self._token_app_cred(db, token.id_hash)
        if app_cred is not None:
            return self.application_credentials.token_roles(db, app_cred), app_cred, None, True
        trust = self.trusts.token_trust(db, token.id_hash)
        if trust is not None:
            now = self.cloud.clock.real_now()
            alive = not trust.deleted and (trust.expires_at is None or trust.expires_at > now)
            return (self.trusts.roles_of(db, trust) if alive else []), None, trust, alive
        return self.core.effective_roles(db, token.user_id, token.project_id, token.domain_scope_id,
                                         token.system_scope), None, None, True

    @staticmethod
    def _token_app_cred(db: Session, digest: str) -> ApplicationCredential | None:
        link = db.get(TokenApplicationCredential, digest)
        return db.get(ApplicationCredential, link.application_credential_id) if link is not None else None

    def _check_password_method(self, db: Session, password: Any) -> User:
        info = (password or {}).get("user") if isinstance(password, dict) else None
        if not isinstance(info, dict) or "password" not in info:
            raise KEYSTONE.bad("identity/password/user", None, "a user and a password are required.")
        if info.get("id"):
            user = db.get(User, info["id"])
        else:
            domain = self._find_domain(db, info.get("domain") or {})
            user = db.scalar(select(User).where(User.domain_id == domain.id, User.name == info.get("name")))
        if user is None or not user.enabled or not _domain_enabled(db, user.domain_id) \
                or not check_password(str(info["password"]), user.password_hash):
            raise Unauthorized(AUTH_FAILED)
        return user

    @staticmethod
    def _find_domain(db: Session, ref: dict[str, Any]) -> Domain:
        if ref.get("id"):
            domain = db.get(Domain, ref["id"])
        elif ref.get("name"):
            # Asked once per transaction: a token request names the user's domain and the project's, most
            # often both "Default".
            name = ref["name"]
            domain = remembered(db, "domain by name", name,
                                lambda: db.scalar(select(Domain).where(Domain.name == name)))
        else:
            raise Unauthorized(AUTH_FAILED)
        if domain is None or not domain.enabled:
            raise Unauthorized(AUTH_FAILED)
        # Held for the session's life, so the token body's `db.get(Domain, ...)` finds it in the identity map
        # (which holds only what something references) instead of loading it a third time.
        db.info.setdefault("identity.domains found", []).append(domain)
        return domain

    def _resolve_scope(self, db: Session, scope: Any, user: User) -> tuple[Project | None, Domain | None, bool]:
        """(project, domain, system) the token is scoped to; all empty for an unscoped token."""
        if scope == "unscoped" or (isinstance(scope, dict) and "unscoped" in scope):
            return None, None, False  # asked for explicitly: no default project either (Keystone)
        if isinstance(scope, str):
            raise BadRequest("Expecting to find system, project, domain, OS-TRUST:trust or unscoped in scope - "
                             "the server could not comply with the request since it is either malformed or "
                             "otherwise incorrect.")
        if not scope:
            project = db.get(Project, user.default_project_id) if user.default_project_id else None
            if project is not None and project.enabled and _domain_enabled(db, project.domain_id) \
                    and self.core.effective_roles(db, user.id, project.id, None):
                return project, None, False
            return None, None, False
        if not isinstance(scope, dict):
            raise BadRequest("Invalid scope.")
        if "project" in scope:
            ref = scope["project"] or {}
            if ref.get("id"):
                project = db.get(Project, ref["id"])
            else:
                domain = self._find_domain(db, ref.get("domain") or {})
                project = db.scalar(select(Project).where(Project.domain_id == domain.id,
                                                          Project.name == ref.get("name")))
            if project is None or not project.enabled or not _domain_enabled(db, project.domain_id) \
                    or is_domain(project):  # Keystone scopes a project acting as a domain as the domain only
                raise Unauthorized(f"Could not find project: {ref.get('id') or ref.get('name')}.")
            return project, None, False
        if "domain" in scope:
            return None, self._find_domain(db, scope["domain"] or {}), False
        if "system" in scope:
            if self.core.effective_roles(db, user.id, None, None, system=True):
                return None, None, True
            # A user with no system grant (the bootstrap admin) is given its admin project, which the
            # services treat the same as a system-scoped admin.
            admin = db.scalar(select(Project).where(Project.domain_id == DEFAULT_DOMAIN, Project.name == "admin"))
            return admin, None, False
        raise BadRequest("Invalid scope: expecting project, domain or system.")

    # ---------------------------------------------------------------- tokens
    def validate(self, subject_token: str, ctx: RequestContext | None = None,
                 check_only: bool = False) -> IssuedToken:
        """GET /v3/auth/tokens: the body of a valid token. Raises NotFound for an unknown or expired token, and
        Forbidden when `ctx` (the caller; None: the cloud itself) is not the token's user and lacks
        identity:validate_token (`identity:check_token` for HEAD, `check_only`): Keystone's token_subject."""
        with self.cloud.db.read() as db:
            token = db.get(Token, token_hash(subject_token))
            if token is None or token.expires_at <= self.cloud.clock.real_now():
                raise NotFound(f"Could not find token: {subject_token[:8]}...")
            if ctx is not None:
                action = "identity:check_token" if check_only else "identity:validate_token"
                self.cloud.policy.enforce(ctx, action, **{"target.token.user_id": token.user_id})
            user = db.get(User, token.user_id)
            project = db.get(Project, token.project_id) if token.project_id else None
            domain = db.get(Domain, token.domain_scope_id) if token.domain_scope_id else None
            roles, app_cred, trust, alive = self._token_roles(db, token)
            if not alive:
                raise NotFound(f"Could not find token: {subject_token[:8]}...")
            assert user is not None
            body = self._token_body(db, token, user, project, domain, roles, app_cred, trust)
        return IssuedToken(subject_token, body, token.expires_at)

    def revoke(self, subject_token: str, ctx: RequestContext | None = None) -> None:
        """DELETE /v3/auth/tokens. Raises NotFound when there is no such token, Forbidden when `ctx` (the
        caller; None: the cloud itself) is not the token's user and lacks identity:revoke_token."""
        digest = token_hash(subject_token)
        with self.cloud.db.write() as db:
            token = db.get(Token, digest)
            if token is None:
                raise NotFound(f"Could not find token: {subject_token[:8]}...")
            if ctx is not None:
                self.cloud.policy.enforce(ctx, "identity:revoke_token", **{"target.token.user_id": token.user_id})
            db.delete(token)
        self.forget_tokens(lambda key: key == digest)

    def context_for_token(self, value: str, request_id: str = "") -> RequestContext:
        """The RequestContext of a token. Raises Unauthorized for a missing, unknown or expired token."""
        digest = token_hash(value)
        now = self.cloud.clock.real_now()
        cached = self.core.contexts.get(digest)
        if cached is not None and cached[1] > now:
            return _with_request_id(cached[0], request_id)
        generation = self.core.generation  # before the read: see IdentityCore.generation
        with self.cloud.db.read() as db:
            token = db.get(Token, digest)
            if token is None or token.expires_at <= now:
                raise Unauthorized(AUTH_FAILED)
            user = db.get(User, token.user_id)
            project = db.get(Project, token.project_id) if token.project_id else None
            if user is None or not user.enabled or (token.project_id and (project is None or not project.enabled)):
                raise Unauthorized(AUTH_FAILED)
            # A disabled domain disables its users, its projects and tokens scoped to it (Keystone revokes them
            # when it is disabled; this also covers a domain disabled by a restore or by hand).
            scopes = {user.domain_id, project.domain_id if project else None, token.domain_scope_id} - {None}
            if not all(_domain_enabled(db, domain_id) for domain_id in scopes):
                raise Unauthorized(AUTH_FAILED)
            roles, app_cred, trust, alive = self._token_roles(db, token)
            if not alive:
                raise Unauthorized(AUTH_FAILED)
            if trust is not None and not self._trust_users_enabled(db, trust):
                raise Unauthorized(AUTH_FAILED)
            if (token.project_id or token.domain_scope_id or token.system_scope) and not roles:
                raise Unauthorized(AUTH_FAILED)  # every role on the scope was revoked
            ctx = RequestContext(user_id=user.id, user_name=user.name,
                                 project_id=project.id if project else None,
                                 project_name=project.name if project else None,
                                 roles=tuple(r.name for r in roles), domain_id=user.domain_id, token_id=digest,
                                 domain_scope_id=token.domain_scope_id,
                                 project_domain_id=project.domain_id if project else None,
                                 application_credential_id=app_cred.id if app_cred else None,
                                 unrestricted=app_cred.unrestricted if app_cred else True)
        with self.core.lock:
            if self.core.generation == generation:  # nothing was revoked since the read began
                self.core.contexts[digest] = (ctx, token.expires_at)
        return _with_request_id(ctx, request_id)

    @staticmethod
    def _trust_users_enabled(db: Session, trust: Trust) -> bool:
        users = [db.get(User, trust.trustor_user_id), db.get(User, trust.trustee_user_id)]
        return all(u is not None and u.enabled and _domain_enabled(db, u.domain_id) for u in users)

    def _token_body(self, db: Session, token: Token, user: User, project: Project | None,
                    domain: Domain | None, roles: list[Role],
                    app_cred: ApplicationCredential | None = None, trust: Trust | None = None) -> dict[str, Any]:
        user_domain = db.get(Domain, user.domain_id)
        body: dict[str, Any] = {
            "methods": token.methods,
            "user": {"id": user.id, "name": user.name,
                     "domain": {"id": user.domain_id, "name": user_domain.name if user_domain else ""},
                     "password_expires_at": schemas.time(user.password_expires_at)},
            "audit_ids": [token.audit_id],
            "issued_at": schemas.time(token.issued_at),
            "expires_at": schemas.time(token.expires_at),
        }
        if project is not None:
            project_domain = db.get(Domain, project.domain_id)
            body["project"] = {"id": project.id, "name": project.name,
                               "domain": {"id": project.domain_id,
                                          "name": project_domain.name if project_domain else ""}}
            body["is_domain"] = False
        if domain is not None:
            body["domain"] = {"id": domain.id, "name": domain.name}
        if token.system_scope:
            body["system"] = {"all": True}
        if app_cred is not None:
            body["application_credential"] = {"id": app_cred.id, "name": app_cred.name,
                                              "restricted": not app_cred.unrestricted}
        if trust is not None:
            body["OS-TRUST:trust"] = {"id": trust.id, "impersonation": trust.impersonation,
                                      "trustor_user": {"id": trust.trustor_user_id},
                                      "trustee_user": {"id": trust.trustee_user_id}}
        if project is not None or domain is not None or token.system_scope:
            body["roles"] = [{"id": r.id, "name": r.name} for r in roles]
            body["catalog"] = self.catalog.token_catalog(db, project.id if project else None)
        return {"token": body}


def _domain_enabled(db: Session, domain_id: str | None) -> bool:
    domain = db.get(Domain, domain_id) if domain_id else None
    return domain is not None and domain.enabled


def _with_request_id(ctx: RequestContext, request_id: str) -> RequestContext:
    if not request_id:
        return ctx
    return dataclasses.replace(ctx, request_id=request_id)


def _fulfils(service: IdentityService) -> contracts.Identity:
    """Checked by mypy: the service is what the other services are promised (lab/cloud/contracts.py)."""
    return service
