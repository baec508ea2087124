"""Billing and metering (`cloud.billing`): Dough's ideas (per-resource prices, prepaid and pay-as-you-go,
an account balance, monthly bills by category) over the lab's event table and lab clock.

The behaviour is split by concern: metering.py (usage intervals from events), prices.py (money and the price
list), rating.py (the idempotent hourly ledger), accounts.py (balance, top-ups, coupons, modes, the create
check), bills.py (bills, CSV, usage), budgets.py (thresholds and alerts). This module wires them together,
owns the price list in force and runs `refresh()`: a rating pass, then budget alerts, then prepaid
enforcement.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lab.cloud import contracts
from lab.cloud.billing.accounts import AccountsMixin
from lab.cloud.billing.budgets import BudgetsMixin, months_between
from lab.cloud.billing.meters import MeterTable
from lab.cloud.billing.models import PriceListRecord
from lab.cloud.billing.prices import DEFAULT_PRICE_FILE, PriceList, load_price_file, parse_price_list
from lab.cloud.context import RequestContext

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

__all__ = ["BillingService"]
log = logging.getLogger(__name__)


class BillingService(BudgetsMixin, AccountsMixin):
    """`cloud.billing`: every billing operation, each taking the caller's RequestContext."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.meters = MeterTable(cloud.meters)
        self.price_file = Path(cloud.settings.billing_price_file).expanduser() if cloud.settings.billing_price_file \
            else DEFAULT_PRICE_FILE
        self.default_mode()  # a bad setting fails at start, not at the first bill
        self.starting_balance()
        self.prices, self._file_digest = load_price_file(self.price_file, self.meters)
        self.price_source = f"file:{self.price_file}"

    def bootstrap(self) -> None:
        """Put the price list in force (idempotent) and queue the hourly rating job.

        The file's list applies when the lab is new or the file changed since it was last loaded; otherwise the
        newest list stays in force, so a list set over the API survives a restart."""
        with self.cloud.db.write() as db:
            latest = db.scalar(select(PriceListRecord).order_by(PriceListRecord.id.desc()).limit(1))
            last_file = db.scalar(select(PriceListRecord.file_digest).where(PriceListRecord.file_digest.is_not(None))
                                  .order_by(PriceListRecord.id.desc()).limit(1))
            if latest is None or last_file != self._file_digest:
                db.add(PriceListRecord(created_at=self.now(), source=self.price_source,
                                       document=self.prices.document, file_digest=self._file_digest))
            else:
                # A meter no plugin declares any more leaves its entry behind; one added since gets its default.
                kept = {k: v for k, v in latest.document.items() if k in self.meters.resource_types}
                self.prices = parse_price_list(kept, self.meters)
                self.price_source = latest.source
            self.ensure_rating_job(db)

    # ------------------------------------------------------------------ prices
    def get_prices(self, ctx: RequestContext) -> tuple[PriceList, str]:
        """The price list in force and where it came from (any authenticated caller may read it)."""
        self.cloud.policy.enforce(ctx, "billing:get_prices", ctx.project_id)
        return self.prices, self.price_source

    def set_prices(self, ctx: RequestContext, document: Any) -> tuple[PriceList, str]:
        """Replace the price list (admin). Hours already rated keep their price (the ledger is never
        rewritten); the hour in progress and all later ones use the new list."""
        self.cloud.policy.enforce(ctx, "billing:update_prices")
        prices = parse_price_list(document, self.meters)
        self.refresh()  # rate what is due at the old prices first
        source = f"api:{ctx.user_name}"
        with self.cloud.db.write() as db:
            db.add(PriceListRecord(created_at=self.now(), source=source, document=prices.document,
                                   file_digest=None))
        self.prices, self.price_source = prices, source
        return prices, source

    # ------------------------------------------------------------------ the pass
    def refresh(self) -> None:
        """Stop servers of prepaid projects at the moment they reached zero, rate what is due, raise due budget
        alerts. Cheap when nothing is due; called by the worker's hourly job and at the start of every billing
        read. Enforcement comes first: a clock jump is rated with the servers stopped where they ran out."""
        self.enforce_zero_balances()
        before, after = self.rate()
        self.check_budgets(months_between(before, self.now()))
        if after > before:
            log.info("billing rated %s to %s", before, after)


def _fulfils(service: BillingService) -> contracts.Billing:
    """Checked by mypy: the service is what the other services are promised (lab/cloud/contracts.py)."""
    return service
