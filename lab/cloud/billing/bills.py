"""Bills and usage: what a project owes for a month, laid out like the seeds' bill (totals by category, then
line items with type, name, unit price, start, end, quantity and total), the current month's estimate and
forecast, CSV export, and daily usage for a chart.

A bill's numbers always agree: each line total is rounded once (half-up, to the cent) from the line's exact
usage, each category total is the sum of its lines, and the bill total is the sum of the lines.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.billing.common import Common
from lab.cloud.billing.metering import floor_hour, month_bounds, month_of, to_ms
from lab.cloud.billing.models import Charge, Invoice
from lab.cloud.billing.prices import HOUR_MS, amount_for, money, round_money
from lab.cloud.billing.rating import LineItem, Rating, line_items
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest


@dataclass
class BillView:
    project_id: str
    project_name: str
    month: str
    currency: str
    start: datetime
    end: datetime
    status: str  # closed (the month is over and fully rated), open (the current month) or future
    lines: list[LineItem]
    invoice: Invoice | None
    forecast: Decimal | None  # open months: the total if what runs now keeps running to the month's end

    @property
    def total(self) -> Decimal:
        return sum((li.total for li in self.lines), Decimal(0))

    @property
    def categories(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for li in self.lines:
            totals[li.category] += li.total
        return dict(sorted(totals.items()))


@dataclass
class UsageView:
    project_id: str
    project_name: str
    month: str
    currency: str
    days: list[tuple[str, dict[str, Decimal]]]  # (YYYY-MM-DD, category -> amount)
    running: list[tuple[LineItem, Decimal]]  # what accrues now, and its cost per hour


def parse_month(month: str | None, now: datetime) -> str:
    if month is None or month == "current":
        return month_of(now)
    try:
        month_bounds(month)
    except ValueError:
        raise BadRequest(f"Invalid month {month!r}: use YYYY-MM, e.g. 2026-11.") from None
    return month


class Bills:
    """Monthly bills (closed and running), their CSV, and usage by day."""

    def __init__(self, common: Common, rating: Rating):
        self.common, self.rating = common, rating
        self.cloud = common.cloud

    def bill(self, db: Session, project_id: str, month: str, now: datetime) -> BillView:
        start, end = month_bounds(month)
        lines = line_items(self.rating.usage_between(db, project_id, start, end, now), self.common.meters)
        invoice = db.scalar(select(Invoice).where(Invoice.project_id == project_id, Invoice.month == month))
        status = "closed" if end <= floor_hour(now) else ("open" if start <= now else "future")
        forecast = None
        if status == "open":
            remaining = to_ms(end) - to_ms(now)
            running = self._running(db, project_id, now)
            forecast = sum((li.total for li in lines), Decimal(0)) + round_money(sum(
                (amount_for(remaining, li.size, li.price, li.unit) for li in running), Decimal(0)))
        return BillView(project_id, self.common.project_name(db, project_id), month, self.common.currency, start,
                        end, status, lines, invoice, forecast)

    def _running(self, db: Session, project_id: str, now: datetime) -> list[LineItem]:
        """One line per meter in use right now (an open segment), priced at today's prices."""
        segments = [s for s in self.rating.segments(db, now, project_id) if s.end is None]
        result = []
        for s in segments:
            rate = self.common.prices.rate(s.state.meter, s.state.variant, s.state.vcpus, s.state.ram_mb)
            result.append(LineItem(self.common.meters.category(s.state.meter), s.state.meter, s.resource_type,
                                   s.resource_id, s.name, s.state.variant, rate.price, rate.unit, s.state.size,
                                   s.start, now))
        return sorted(result, key=lambda li: (li.category, li.name, li.resource_id))

    def get_bill(self, ctx: RequestContext, month: str | None = None, project: str | None = None) -> BillView:
        """The bill of `month` (default: the current one, an estimate) for the caller's project, or any project
        for an admin. Raises BadRequest for a malformed month, NotFound for another or unknown project."""
        self.common.refresh()
        now = self.common.now()
        month = parse_month(month, now)
        with self.cloud.db.read() as db:
            project_id = self.common.target_project(db, ctx, project)
            self.cloud.policy.enforce(ctx, "billing:get_bill", project_id)
            return self.bill(db, project_id, month, now)

    def list_bills(self, ctx: RequestContext, project: str | None = None) -> list[BillView]:
        """Every month the project has charges in, and the current month."""
        self.common.refresh()
        now = self.common.now()
        with self.cloud.db.read() as db:
            project_id = self.common.target_project(db, ctx, project)
            self.cloud.policy.enforce(ctx, "billing:list_bills", project_id)
            starts = db.scalars(select(Charge.period_start).where(Charge.project_id == project_id).distinct())
            months = sorted({month_of(t) for t in starts} | {month_of(now)})
            return [self.bill(db, project_id, m, now) for m in months]

    def get_usage(self, ctx: RequestContext, month: str | None = None, project: str | None = None) -> UsageView:
        """Cost per day and category for a month, and what accrues right now."""
        self.common.refresh()
        now = self.common.now()
        month = parse_month(month, now)
        start, end = month_bounds(month)
        with self.cloud.db.read() as db:
            project_id = self.common.target_project(db, ctx, project)
            self.cloud.policy.enforce(ctx, "billing:get_usage", project_id)
            per_day: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
            for u in self.rating.usage_between(db, project_id, start, end, now, by_day=True):
                per_day[u.period_start.strftime("%Y-%m-%d")][self.common.meters.category(u.meter)] += u.amount
            days = [(day, {c: round_money(a) for c, a in sorted(cats.items())})
                    for day, cats in sorted(per_day.items())]
            running = [(li, amount_for(HOUR_MS, li.size, li.price, li.unit))
                       for li in self._running(db, project_id, now)]
            name = self.common.project_name(db, project_id)
        return UsageView(project_id, name, month, self.common.currency, days, running)


def bill_csv(bill: BillView) -> str:
    """The bill as CSV: one row per line item, then one per category total and the bill total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["category", "type", "resource_id", "name", "variant", "unit_price", "unit", "start", "end",
                     "quantity", "total", "currency"])
    for li in bill.lines:
        writer.writerow([li.category, li.meter, li.resource_id, li.name, li.variant, str(li.price), li.unit,
                         f"{li.start:%Y-%m-%dT%H:%M:%SZ}", f"{li.end:%Y-%m-%dT%H:%M:%SZ}",
                         f"{li.quantity:.4f}", money(li.total), bill.currency])
    for category, total in bill.categories.items():
        writer.writerow([category, "category total", "", "", "", "", "", "", "", "", money(total), bill.currency])
    writer.writerow(["", "bill total", "", "", "", "", "", "", "", "", money(bill.total), bill.currency])
    return out.getvalue()
