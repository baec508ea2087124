"""Keystone's trusts (OS-TRUST, `openstack trust create/list/show/delete`): a trustor delegates some of its roles
on one project to a trustee, who then gets trust-scoped tokens (`{"scope": {"OS-TRUST:trust": {"id": ...}}}`)
carrying only those roles (and the roles they imply), as the trustor when the trust allows `impersonation`.

A trust is made by its trustor only, with roles it holds on the project; it may expire (`expires_at`) and be
limited to `remaining_uses` tokens. A trust-scoped token stops working when the trust is deleted or expires, or
the trustor loses a delegated role. `allow_redelegation` lets the trustee make a trust from a trust-scoped token,
with at most the same roles, `redelegation_count` levels deep (Keystone's max_redelegation_count, 3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Forbidden, NotFound
from lab.cloud.identity import schemas
from lab.cloud.identity.models import Project, Role, Token, TokenTrust, Trust, User

if TYPE_CHECKING:
    from lab.cloud.identity.base import IdentityCore

MAX_REDELEGATION = 3  # Keystone's [trust] max_redelegation_count
_TIMESTAMP = ("Timestamp not in expected format. The server could not comply with the request since it is either "
              "malformed or otherwise incorrect. The client is assumed to be in error.")


def _forbidden(action: str) -> Forbidden:
    return Forbidden(f"You are not authorized to perform the requested action: {action}.")


def undelegated(ctx: RequestContext) -> None:
    """Keystone's check: a token of an application credential cannot manage trusts."""
    if ctx.application_credential_id:
        raise _forbidden("Delegated tokens cannot manage trusts.")


def parse_expiry(value: str | None) -> datetime | None:
    """Keystone's trust `expires_at` (ISO 8601), as naive UTC; its 400 for anything else."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(_TIMESTAMP) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


class Trusts:
    """`identity.trusts`."""

    def __init__(self, core: IdentityCore):
        self.core = core
        self.cloud = core.cloud

    def live(self, db: Session, trust_id: str) -> Trust:
        """A trust neither deleted nor expired, else Keystone's 404."""
        trust = db.get(Trust, trust_id)
        now = self.cloud.clock.real_now()
        if trust is None or trust.deleted or (trust.expires_at is not None and trust.expires_at <= now):
            raise NotFound(f"Could not find trust: {trust_id}.")
        return trust

    @staticmethod
    def token_trust(db: Session, digest: str) -> Trust | None:
        link = db.get(TokenTrust, digest)
        return db.get(Trust, link.trust_id) if link is not None else None

    @staticmethod
    def origin(db: Session, trust: Trust) -> Trust:
        """The first trust of a redelegation chain (its trustor is the one whose roles every link delegates)."""
        seen = {trust.id}
        while trust.redelegated_trust_id and trust.redelegated_trust_id not in seen:
            parent = db.get(Trust, trust.redelegated_trust_id)
            if parent is None:
                break
            seen.add(parent.id)
            trust = parent
        return trust

    def roles_of(self, db: Session, trust: Trust) -> list[Role]:
        """The roles a token of the trust carries: the delegated roles the (original) trustor still holds on the
        project, with the roles they imply; none when the trustor lost one (Keystone then refuses the trust)."""
        if not trust.project_id:
            return []
        trustor = self.origin(db, trust).trustor_user_id
        held = {r.id for r in self.core.effective_roles(db, trustor, trust.project_id, None)}
        delegated = set(trust.role_ids or [])
        if not delegated <= held:
            return []
        ids = self.core.implied_closure(db, delegated)
        return sorted(db.scalars(select(Role).where(Role.id.in_(ids), Role.domain_id.is_(None))),
                      key=lambda r: r.name)

    def delegated_roles(self, db: Session, trust: Trust) -> list[Role]:
        return sorted(db.scalars(select(Role).where(Role.id.in_(list(trust.role_ids or [])))), key=lambda r: r.name)

    # ---------------------------------------------------------------- the API
    def create(self, ctx: RequestContext, req: schemas.TrustCreate) -> tuple[Trust, list[Role]]:
        """POST /v3/OS-TRUST/trusts: only the trustor itself, with roles it holds on the project."""
        self.cloud.policy.enforce(ctx, "identity:create_trust", **{"trust.trustor_user_id": req.trustor_user_id})
        undelegated(ctx)
        if req.project_id and not req.roles:
            raise _forbidden("At least one role should be specified")
        if ctx.user_id != req.trustor_user_id:
            raise _forbidden("The authenticated user should match the trustor")
        expires_at = parse_expiry(req.expires_at)
        with self.cloud.db.write() as db:
            self.core.find(db, User, req.trustee_user_id)
            role_ids: list[str] = []
            for ref in req.roles:
                if ref.id:
                    role = self.core.find(db, Role, ref.id)
                else:
                    found = db.scalar(select(Role).where(Role.name == ref.name, Role.domain_id.is_(None)))
                    if found is None:
                        raise NotFound(f"Could not find role: {ref.name}.")
                    role = found
                if role.id not in role_ids:
                    role_ids.append(role.id)
            parent = self.token_trust(db, ctx.token_id) if ctx.token_id else None
            if req.project_id:
                self.core.find(db, Project, req.project_id)
                trustor = self.origin(db, parent).trustor_user_id if parent is not None else req.trustor_user_id
                held = {r.id for r in self.core.effective_roles(db, trustor, req.project_id, None)}
                for role_id in role_ids:
                    if role_id not in held:
                        raise NotFound(f"Could not find role: {role_id}.")
            count, expires_at = self._redelegation(req, parent, role_ids, expires_at)
            trust = Trust(trustor_user_id=req.trustor_user_id, trustee_user_id=req.trustee_user_id,
                          project_id=req.project_id, impersonation=req.impersonation, expires_at=expires_at,
                          remaining_uses=req.remaining_uses, role_ids=role_ids,
                          redelegated_trust_id=parent.id if parent is not None else None,
                          redelegation_count=count)
            db.add(trust)
            db.flush()
            return trust, self.delegated_roles(db, trust)

    @staticmethod
    def _redelegation(req: schemas.TrustCreate, parent: Trust | None, role_ids: list[str],
                      expires_at: datetime | None) -> tuple[int, datetime | None]:
        """The new trust's redelegation_count (and expiry), with Keystone's checks (keystone/trust/core.py): a
        redelegatable trust has no remaining_uses and at most MAX_REDELEGATION levels; a trust made from a
        trust-scoped token (redelegation) has one level less than its parent, at most its roles, its
        impersonation and its expiry."""
        requested = req.redelegation_count
        redelegatable = bool(req.allow_redelegation) and requested != 0
        count: int | None = 0
        if redelegatable:
            if requested and requested > MAX_REDELEGATION:
                raise Forbidden(f"Requested redelegation depth of {requested} is greater than allowed "
                                f"{MAX_REDELEGATION}")
            if req.remaining_uses is not None:
                raise BadRequest("remaining_uses must not be set if redelegation is allowed")
            count = requested or None
        if parent is not None:
            remaining = (parent.redelegation_count or 0) - 1
            if redelegatable and requested and requested != remaining:
                raise Forbidden('Modifying "redelegation_count" upon redelegation is forbidden. Omitting this '
                                "parameter is advised.")
            if not 0 < (parent.redelegation_count or 0) <= MAX_REDELEGATION:
                raise Forbidden(f"Remaining redelegation depth of {parent.redelegation_count or 0} out of allowed "
                                f"range of [0..{MAX_REDELEGATION}]")
            if req.remaining_uses is not None:
                raise Forbidden(f'Field "remaining_uses" is set to {req.remaining_uses} while it must not be set '
                                "in order to redelegate a trust")
            if not set(role_ids) <= set(parent.role_ids or []):
                raise Forbidden("Some of requested roles are not in redelegated trust")
            if req.impersonation and not parent.impersonation:
                raise Forbidden("Impersonation is not allowed because redelegated trust does not specify "
                                f"impersonation. Redelegated trust id: {parent.id}")
            if expires_at is None:
                expires_at = parent.expires_at
            elif parent.expires_at is not None and parent.expires_at < expires_at:
                raise Forbidden("Requested expiration time is more than redelegated trust can provide")
            if count is None:
                count = remaining
        return (MAX_REDELEGATION if count is None else count), expires_at

    def _readable(self, ctx: RequestContext, trust: Trust, action: str = "identity:get_trust") -> None:
        self.cloud.policy.enforce(ctx, action, **{"target.trust.trustor_user_id": trust.trustor_user_id,
                                                  "target.trust.trustee_user_id": trust.trustee_user_id})
        undelegated(ctx)

    def get(self, ctx: RequestContext, trust_id: str) -> tuple[Trust, list[Role]]:
        with self.cloud.db.read() as db:
            trust = self.live(db, trust_id)
            self._readable(ctx, trust)
            return trust, self.delegated_roles(db, trust)

    def find_all(self, ctx: RequestContext, trustor: str | None, trustee: str | None) -> list[Trust]:
        """GET /v3/OS-TRUST/trusts: `?trustor_user_id` (the trustor's own, `list_trusts_for_trustor`),
        `?trustee_user_id` (`list_trusts_for_trustee`), or every trust (operators)."""
        if trustor:
            self.cloud.policy.enforce(ctx, "identity:list_trusts_for_trustor",
                                      **{"target.trust.trustor_user_id": trustor})
        if trustee:
            self.cloud.policy.enforce(ctx, "identity:list_trusts_for_trustee",
                                      **{"target.trust.trustee_user_id": trustee})
        if not trustor and not trustee:
            self.cloud.policy.enforce(ctx, "identity:list_trusts")
        undelegated(ctx)
        now = self.cloud.clock.real_now()
        query = select(Trust).where(Trust.deleted.is_(False)).order_by(Trust.id)
        if trustor:
            query = query.where(Trust.trustor_user_id == trustor)
        if trustee:
            query = query.where(Trust.trustee_user_id == trustee)
        with self.cloud.db.read() as db:
            return [t for t in db.scalars(query) if t.expires_at is None or t.expires_at > now]

    def roles(self, ctx: RequestContext, trust_id: str) -> list[Role]:
        with self.cloud.db.read() as db:
            trust = self.live(db, trust_id)
            self._readable(ctx, trust, "identity:list_roles_for_trust")
            return self.delegated_roles(db, trust)

    def role(self, ctx: RequestContext, trust_id: str, role_id: str) -> Role:
        with self.cloud.db.read() as db:
            trust = self.live(db, trust_id)
            self._readable(ctx, trust, "identity:get_role_for_trust")
            if role_id not in (trust.role_ids or []):
                raise NotFound(f"Could not find role: {role_id}.")
            return self.core.find(db, Role, role_id)

    def delete(self, ctx: RequestContext, trust_id: str) -> None:
        """DELETE: the trust (kept as deleted), the trusts redelegated from it, and their tokens."""
        with self.cloud.db.write() as db:
            trust = self.live(db, trust_id)
            self.cloud.policy.enforce(ctx, "identity:delete_trust",
                                      **{"target.trust.trustor_user_id": trust.trustor_user_id})
            undelegated(ctx)
            doomed, frontier = [trust.id], [trust.id]
            while frontier:
                children = list(db.scalars(select(Trust.id).where(Trust.redelegated_trust_id.in_(frontier),
                                                                  Trust.deleted.is_(False))))
                frontier = [c for c in children if c not in doomed]
                doomed.extend(frontier)
            for row in db.scalars(select(Trust).where(Trust.id.in_(doomed))):
                row.deleted = True
            tokens = select(TokenTrust.token_id_hash).where(TokenTrust.trust_id.in_(doomed))
            db.execute(delete(Token).where(Token.id_hash.in_(tokens)))
        self.core.forget_tokens()
