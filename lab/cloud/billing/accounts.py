"""Accounts: balance, top-ups, coupons, prepaid or pay-as-you-go, and what happens at zero.

- prepaid: every rated hour comes off the balance. At zero (or below), `check_can_create` refuses new servers,
  volumes, floating IPs and routers, and starting a stopped server, with a 402; and, when
  `billing_zero_balance_action` is `stop`, the project's running servers are stopped AT THE MOMENT the balance
  reached zero (never deleted: stopping keeps the work). A clock jump that crosses that moment does not run
  them to its end: the pass before rating finds the moment (nothing of the project changes inside the jump, so
  it burns at one rate) and records the power-off there, so the running charges stop at ~0. What is kept after
  that (the stopped server's `stopped_factor`, volumes, floating IPs) still costs its small price.
- payg: charges accrue on the month's bill; when the month closes an invoice is issued and any credit (the
  starting balance, top-ups, coupons) pays it first.

Coupons carry an amount, an optional expiry (lab time) and an optional number of uses; a project redeems a
coupon at most once.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lab.cloud import events
from lab.cloud.billing.common import MODES, Common
from lab.cloud.billing.models import Account, Coupon, Redemption, Transaction
from lab.cloud.billing.prices import money, parse_money
from lab.cloud.billing.rating import Rating
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, CloudError, Conflict, NotFound, PaymentRequired
from lab.cloud.events import Event
from lab.cloud.validation import KEYSTONE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccountView:
    project_id: str
    project_name: str
    mode: str
    balance: Decimal
    transactions: list[Transaction]
    created_at: datetime | None
    as_of: datetime  # the lab moment the balance was read at (a chart's last point)


class Accounts:
    """Balances, top-ups, coupons, modes, and the check a create makes against a prepaid balance."""

    def __init__(self, common: Common, rating: Rating):
        self.common, self.rating = common, rating
        self.cloud = common.cloud

    # ------------------------------------------------------------------ reading
    def _view(self, db: Session, project_id: str, now: datetime) -> AccountView:
        account = self.common.find_account(db, project_id)
        transactions = list(db.scalars(select(Transaction).where(Transaction.project_id == project_id)
                                       .order_by(Transaction.id)))
        return AccountView(project_id, self.common.project_name(db, project_id),
                           account.mode if account else self.common.default_mode(),
                           self.rating.balance(db, project_id, now), transactions,
                           account.created_at if account else None, now)

    def get_account(self, ctx: RequestContext, project: str | None = None) -> AccountView:
        """The caller's account (or, for an admin, any project's): mode, balance, credit history. The account
        is opened (with the starting balance) when first seen."""
        self.common.refresh()
        with self.cloud.db.write() as db:
            project_id = self.common.target_project(db, ctx, project)
            self.cloud.policy.enforce(ctx, "billing:get_account", project_id)
            self.common.ensure_account(db, project_id)
            return self._view(db, project_id, self.common.now())

    def list_accounts(self, ctx: RequestContext) -> list[AccountView]:
        """Every account (admin)."""
        self.cloud.policy.enforce(ctx, "billing:list_accounts")
        self.common.refresh()
        now = self.common.now()
        with self.cloud.db.read() as db:
            ids = list(db.scalars(select(Account.project_id).order_by(Account.project_id)))
            return [self._view(db, project_id, now) for project_id in ids]

    # ------------------------------------------------------------------ admin changes
    def update_account(self, ctx: RequestContext, project: str, mode: Any,
                       starting_balance: Any = None) -> AccountView:
        """Switch a project between prepaid and payg (admin), and/or set its starting credit (what a class gives
        each student; top-ups, coupons and charges are kept). The switch applies from the hour in progress."""
        self.cloud.policy.enforce(ctx, "billing:update_account")
        if mode is None and starting_balance is None:
            raise KEYSTONE.bad("mode", None, f"give a mode ({', '.join(MODES)}) or a starting_balance.")
        if mode is not None and mode not in MODES:
            raise KEYSTONE.bad("mode", None, f"must be one of {', '.join(MODES)}.")
        start = None if starting_balance is None else parse_money(starting_balance, "starting_balance")
        self.common.refresh()
        with self.cloud.db.write() as db:
            project_id = self.common.target_project(db, ctx, project)
            account = self.common.ensure_account(db, project_id)
            if mode is not None:
                account.mode = mode
            account.updated_at = self.common.now()
            if start is not None:
                self.set_starting_balance_in(db, project_id, str(start))
        return self.get_account(ctx, project_id)

    def top_up(self, ctx: RequestContext, project: str, amount: Any, description: Any = None) -> AccountView:
        """Add credit to a project's account (admin). Raises BadRequest for a missing, zero or negative amount."""
        self.cloud.policy.enforce(ctx, "billing:create_topup")
        value = parse_money(amount, "amount")
        if value == 0:
            raise KEYSTONE.bad("amount", None, "a top-up must be more than zero.")
        if description is not None and not isinstance(description, str):
            raise KEYSTONE.bad("description", None, "a string is required.")
        with self.cloud.db.write() as db:
            project_id = self.common.target_project(db, ctx, project)
            self.common.ensure_account(db, project_id)
            db.add(Transaction(project_id=project_id, time=self.common.now(), kind="topup", amount=value,
                               description=(description or "top-up")[:255], user_id=ctx.user_id))
        return self.get_account(ctx, project_id)

    def set_starting_balance(self, project_id: str, amount: Any) -> None:
        """Give a project this starting credit (the camp's class setup and resets call it). Idempotent: the
        account's one `starting` transaction is set to `amount`; top-ups, coupons and charges are kept."""
        with self.cloud.db.write() as db:
            self.set_starting_balance_in(db, project_id, amount)

    def set_starting_balance_in(self, db: Session, project_id: str, amount: Any) -> None:
        """`set_starting_balance` in the caller's transaction (a camp reset does all its changes in one)."""
        value = parse_money(amount, "balance")
        self.common.ensure_account(db, project_id, starting_balance=value)
        rows = list(db.scalars(select(Transaction).where(Transaction.project_id == project_id,
                                                         Transaction.kind == "starting")))
        if rows:
            rows[0].amount = value
            for extra in rows[1:]:
                db.delete(extra)
        elif value:
            db.add(Transaction(project_id=project_id, time=self.common.now(), kind="starting", amount=value,
                               description="starting balance"))

    # ------------------------------------------------------------------ coupons
    def create_coupon(self, ctx: RequestContext, body: dict[str, Any]) -> Coupon:
        """Issue a coupon (admin): code, amount, optional expires_at (ISO time, lab clock) and max_uses."""
        self.cloud.policy.enforce(ctx, "billing:create_coupon")
        code = body.get("code")
        if not isinstance(code, str) or not code.strip() or len(code) > 64 or any(c.isspace() for c in code):
            raise KEYSTONE.bad("code", None, "1 to 64 characters, no spaces.")
        amount = parse_money(body.get("amount"), "amount")
        if amount == 0:
            raise KEYSTONE.bad("amount", None, "a coupon must be worth more than zero.")
        expires_at = None
        if body.get("expires_at") is not None:
            try:
                expires_at = _parse_time(str(body["expires_at"]))
            except ValueError:
                raise KEYSTONE.bad("expires_at", None, "an ISO 8601 time is required.") from None
        max_uses = body.get("max_uses")
        if max_uses is not None and (isinstance(max_uses, bool) or not isinstance(max_uses, int) or max_uses < 1):
            raise KEYSTONE.bad("max_uses", None, "a positive integer is required.")
        description = body.get("description") or ""
        if not isinstance(description, str):
            raise KEYSTONE.bad("description", None, "a string is required.")
        with self.cloud.db.write() as db:
            if db.get(Coupon, code) is not None:
                raise Conflict(f"Coupon {code} already exists.")
            coupon = Coupon(code=code, amount=amount, expires_at=expires_at, max_uses=max_uses,
                            description=description[:255], created_at=self.common.now())
            db.add(coupon)
        return coupon

    def list_coupons(self, ctx: RequestContext) -> list[tuple[Coupon, int]]:
        """Every coupon with how many times it was redeemed (admin)."""
        self.cloud.policy.enforce(ctx, "billing:list_coupons")
        with self.cloud.db.read() as db:
            uses = dict(db.execute(select(Redemption.code, func.count()).group_by(Redemption.code)).all())
            return [(c, int(uses.get(c.code, 0))) for c in db.scalars(select(Coupon).order_by(Coupon.code))]

    def delete_coupon(self, ctx: RequestContext, code: str) -> None:
        """Withdraw a coupon (admin); what was redeemed stays redeemed."""
        self.cloud.policy.enforce(ctx, "billing:delete_coupon")
        with self.cloud.db.write() as db:
            if db.get(Coupon, code) is None:
                raise NotFound(f"Coupon {code} could not be found.")
            db.execute(delete(Coupon).where(Coupon.code == code))

    def redeem_coupon(self, ctx: RequestContext, code: Any, project: str | None = None) -> AccountView:
        """Credit a coupon to the caller's project. Raises NotFound (unknown), BadRequest (expired), Conflict
        (already redeemed by this project, or no uses left); nothing changes then."""
        if not isinstance(code, str) or not code:
            raise KEYSTONE.bad("code", None, "a coupon code is required.")
        now = self.common.now()
        with self.cloud.db.write() as db:
            project_id = self.common.target_project(db, ctx, project)
            self.cloud.policy.enforce(ctx, "billing:redeem_coupon", project_id)
            coupon = db.get(Coupon, code)
            if coupon is None:
                raise NotFound(f"Coupon {code} could not be found.")
            if coupon.expires_at is not None and coupon.expires_at <= now:
                raise BadRequest(f"Coupon {code} expired at {coupon.expires_at:%Y-%m-%d %H:%M:%S} UTC.")
            if db.scalar(select(Redemption.id).where(Redemption.code == code, Redemption.project_id == project_id)):
                raise Conflict(f"Coupon {code} has already been redeemed by this project.")
            used = db.scalar(select(func.count()).select_from(Redemption).where(Redemption.code == code)) or 0
            if coupon.max_uses is not None and used >= coupon.max_uses:
                raise Conflict(f"Coupon {code} has no uses left.")
            self.common.ensure_account(db, project_id)
            db.add(Redemption(code=code, project_id=project_id, time=now))
            db.add(Transaction(project_id=project_id, time=now, kind="coupon", amount=coupon.amount,
                               description=f"coupon {code}", user_id=ctx.user_id))
        return self.get_account(ctx, project_id)

    # ------------------------------------------------------------------ the hooks other services call
    def check_can_create(self, ctx: RequestContext, kind: str, verb: str = "create") -> None:
        """Called by compute, volume and network before they create something billable (and by compute before
        it starts a stopped server, `verb="start"`). Raises PaymentRequired (402) when the caller's project is
        prepaid and has no balance left. Only reads (it may run inside the caller's write transaction, on
        another connection)."""
        if ctx.project_id is None or ctx.user_id == "system":
            return  # the cloud itself (bootstrap of the demo project's router, the worker)
        with self.cloud.db.read() as db:
            account = self.common.find_account(db, ctx.project_id)
            if (account.mode if account else self.common.default_mode()) != "prepaid":
                return
            balance = self.rating.balance(db, ctx.project_id, self.common.now())
        if balance <= 0:
            raise PaymentRequired(
                f"Project {ctx.project_name or ctx.project_id} has no credit left (balance {money(balance)} "
                f"{self.common.currency}): a prepaid project cannot {verb} a {kind}. Top up or redeem a coupon "
                f"(stacklab billing coupon redeem CODE).", neutron_type="PaymentRequired")

    def zero_moment(self, db: Session, project_id: str, now: datetime) -> datetime | None:
        """The lab moment at which the project's balance reached zero, or None while it is above zero at `now`.

        From the latest of the rating mark, the project's last metered event and its last credit, nothing of the
        project changed up to `now` (a clock jump is one instant of real time), so the balance falls at one
        rate there and the crossing is found by proportion (as exact as the ledger, which counts whole
        milliseconds)."""
        after = self.rating.balance(db, project_id, now)
        if after > 0:
            return None
        mark = self.rating.rated_until(db) or self.rating.start_mark(db, now)
        last_event = db.scalar(select(func.max(Event.time)).where(Event.project_id == project_id,
                                                                  Event.resource_type.in_(self.common.meters.resource_types)))
        last_credit = db.scalar(select(func.max(Transaction.time)).where(Transaction.project_id == project_id))
        since = min(now, max(t for t in (mark, last_event, last_credit) if t is not None))
        before = self.rating.balance(db, project_id, since)
        if before <= 0 or before == after:
            return since  # already at zero when the quiet stretch began
        elapsed = Decimal((now - since) // timedelta(microseconds=1))
        return since + timedelta(microseconds=math.ceil(before / (before - after) * elapsed))

    def enforce_zero_balances(self) -> list[str]:
        """Stop the running servers of prepaid projects whose balance reached zero (when configured), each
        power-off recorded at the moment of zero. Returns the ids of the servers stopped. Called at the start
        of each billing pass, before rating (so the jump is rated with the servers stopped where they should
        have been), outside any transaction."""
        if self.cloud.settings.billing_zero_balance_action != "stop":
            return []
        from lab.cloud.compute.models import Server

        now = self.common.now()
        due: list[tuple[str, str, datetime]] = []
        with self.cloud.db.read() as db:
            prepaid = [a.project_id for a in db.scalars(select(Account).where(Account.mode == "prepaid"))]
            running = list(db.execute(select(Server.id, Server.project_id).where(
                Server.project_id.in_(prepaid), Server.deleted.is_(False), Server.vm_state == "active",
                Server.task_state.is_(None))).all()) if prepaid else []
            moments = {p: self.zero_moment(db, p, now) for p in {project for _, project in running}}
            due = [(server_id, project, at) for server_id, project in running
                   if (at := moments[project]) is not None]
        stopped: list[str] = []
        for server_id, project_id, at in due:
            try:
                self.cloud.compute.stop_server(RequestContext.system(), server_id, at=at)
            except CloudError as exc:  # changed state meanwhile: the next pass looks again
                log.info("billing could not stop server %s: %s", server_id, exc.message)
                continue
            stopped.append(server_id)
            with self.cloud.db.write() as db:
                events.record(db, at, project_id=project_id, user_id=None, resource_type="account",
                              resource_id=project_id, action="server_stopped", server_id=server_id,
                              reason="prepaid balance at zero")
        return stopped


def _parse_time(text: str) -> datetime:
    from lab.cloud.billing.metering import utc_naive

    return utc_naive(datetime.fromisoformat(text.replace("Z", "+00:00")))
