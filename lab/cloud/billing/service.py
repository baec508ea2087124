"""Billing and metering (`cloud.billing`): Dough's ideas (per-resource prices, prepaid and pay-as-you-go,
an account balance, monthly bills by category) over the lab's event table and lab clock.

`BillingService` is a facade over one part per concern, each in its own module: `rating` (rating.py: the
idempotent hourly ledger), `accounts` (accounts.py: balance, top-ups, coupons, modes, the create check), `bills`
(bills.py: bills, CSV, usage) and `budgets` (budgets.py: thresholds and alerts), sharing `common` (common.py:
the cloud, the meters, the price list in force); metering.py turns events into usage intervals and prices.py
holds money and the price list. Routes call the parts; other services call the facade's contract
(lab/cloud/contracts.py `Billing`). The facade owns the price list and runs `refresh()`: prepaid enforcement,
a rating pass, then budget alerts.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud import contracts
from lab.cloud.billing.accounts import Accounts
from lab.cloud.billing.bills import Bills
from lab.cloud.billing.budgets import Budgets, months_between
from lab.cloud.billing.common import Common
from lab.cloud.billing.meters import MeterTable
from lab.cloud.billing.models import PriceListRecord
from lab.cloud.billing.prices import DEFAULT_PRICE_FILE, PriceList, load_price_file, parse_price_list
from lab.cloud.billing.rating import Rating
from lab.cloud.context import RequestContext

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

__all__ = ["BillingService"]
log = logging.getLogger(__name__)


class BillingService:
    """`cloud.billing`: every billing operation, each taking the caller's RequestContext."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        meters = MeterTable(cloud.meters)
        self.price_file = Path(cloud.settings.billing_price_file).expanduser() if cloud.settings.billing_price_file \
            else DEFAULT_PRICE_FILE
        prices, self._file_digest = load_price_file(self.price_file, meters)
        self.common = Common(cloud, meters, prices)
        self.common.default_mode()  # a bad setting fails at start, not at the first bill
        self.common.starting_balance()
        self.common.refresh = self.refresh
        self.price_source = f"file:{self.price_file}"
        self.rating = Rating(self.common)
        self.accounts = Accounts(self.common, self.rating)
        self.bills = Bills(self.common, self.rating)
        self.budgets = Budgets(self.common, self.bills)

    @property
    def currency(self) -> str:
        return self.common.currency

    @property
    def prices(self) -> PriceList:
        return self.common.prices

    # ------------------------------------------------------------------ the contract (lab/cloud/contracts.py)
    def check_can_create(self, ctx: RequestContext, kind: str, verb: str = "create") -> None:
        self.accounts.check_can_create(ctx, kind, verb)

    def set_starting_balance_in(self, db: Session, project_id: str, amount: Any) -> None:
        self.accounts.set_starting_balance_in(db, project_id, amount)

    # ------------------------------------------------------------------ hooks (lab/cloud/plugin.py)
    def bootstrap(self) -> None:
        """Put the price list in force (idempotent) and queue the hourly rating job.

        The file's list applies when the lab is new or the file changed since it was last loaded; otherwise the
        newest list stays in force, so a list set over the API survives a restart."""
        with self.cloud.db.write() as db:
            latest = db.scalar(select(PriceListRecord).order_by(PriceListRecord.id.desc()).limit(1))
            last_file = db.scalar(select(PriceListRecord.file_digest).where(PriceListRecord.file_digest.is_not(None))
                                  .order_by(PriceListRecord.id.desc()).limit(1))
            if latest is None or last_file != self._file_digest:
                db.add(PriceListRecord(created_at=self.common.now(), source=self.price_source,
                                       document=self.common.prices.document, file_digest=self._file_digest))
            else:
                # A meter no plugin declares any more leaves its entry behind; one added since gets its default.
                kept = {k: v for k, v in latest.document.items() if k in self.common.meters.resource_types}
                self.common.prices = parse_price_list(kept, self.common.meters)
                self.price_source = latest.source
            self.rating.ensure_rating_job(db)

    # ------------------------------------------------------------------ prices
    def get_prices(self, ctx: RequestContext) -> tuple[PriceList, str]:
        """The price list in force and where it came from (any authenticated caller may read it)."""
        self.cloud.policy.enforce(ctx, "billing:get_prices", ctx.project_id)
        return self.common.prices, self.price_source

    def set_prices(self, ctx: RequestContext, document: Any) -> tuple[PriceList, str]:
        """Replace the price list (admin). Hours already rated keep their price (the ledger is never
        rewritten); the hour in progress and all later ones use the new list."""
        self.cloud.policy.enforce(ctx, "billing:update_prices")
        prices = parse_price_list(document, self.common.meters)
        self.refresh()  # rate what is due at the old prices first
        source = f"api:{ctx.user_name}"
        with self.cloud.db.write() as db:
            db.add(PriceListRecord(created_at=self.common.now(), source=source, document=prices.document,
                                   file_digest=None))
        self.common.prices, self.price_source = prices, source
        return prices, source

    # ------------------------------------------------------------------ the pass
    def refresh(self) -> None:
        """Stop servers of prepaid projects at the moment they reached zero, rate what is due, raise due budget
        alerts. Cheap when nothing is due; called by the worker's hourly job and at the start of every billing
        read. Enforcement comes first: a clock jump is rated with the servers stopped where they ran out."""
        self.accounts.enforce_zero_balances()
        before, after = self.rating.rate()
        self.budgets.check_budgets(months_between(before, self.common.now()))
        if after > before:
            log.info("billing rated %s to %s", before, after)


def _fulfils(service: BillingService) -> contracts.Billing:
    """Checked by mypy: the service is what the other services are promised (lab/cloud/contracts.py)."""
    return service
