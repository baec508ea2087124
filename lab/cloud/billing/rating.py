"""Rating: turning metered usage into charges, once and only once.

A rating pass rates every whole clock hour between the last rated hour (`billing_rated_until`, kept in the
database) and the current hour, in ONE write transaction: it writes a ledger row per (resource, meter, variant,
hour) at the price in force, then moves the mark. A pass that runs twice, or after a restart, finds the mark
already moved and writes nothing; the unique key on the ledger stops a duplicate even if the mark were lost.
The hour in progress is never stored: bills and balances add it as an estimate at read time, so advancing the
lab clock by 3 hours and reading a bill shows exactly 3 hours, rated or not.

Passes run in the worker (a `billing.rate` job due at the top of every lab hour, woken by `clock advance`) and
at the start of every billing API call, so a read is never behind. Closing a month also invoices the
pay-as-you-go projects for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from lab.cloud.billing import metering
from lab.cloud.billing.common import Common
from lab.cloud.billing.metering import HourUsage, Segment, floor_hour, month_bounds, month_of
from lab.cloud.billing.meters import MeterTable
from lab.cloud.billing.models import Account, Charge, Invoice, Transaction
from lab.cloud.billing.prices import PriceList, amount_for, quantity_for, round_money
from lab.cloud.clock import LabState
from lab.cloud.events import Event
from lab.cloud.worker import Job, Jobs, JobSpec, enqueue, job

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

log = logging.getLogger(__name__)
RATED_UNTIL = "billing_rated_until"
JOB_KIND = "billing.rate"


@dataclass
class Usage:
    """A ledger row, stored or estimated (the hour in progress): the same shape either way."""

    project_id: str
    resource_type: str
    resource_id: str
    resource_name: str
    meter: str
    variant: str
    period_start: datetime
    start: datetime
    end: datetime
    milliseconds: int
    size: Decimal
    price: Decimal
    unit: str
    prepaid: bool
    estimated: bool = False

    @property
    def amount(self) -> Decimal:
        return amount_for(self.milliseconds, self.size, self.price, self.unit)


@dataclass
class LineItem:
    """A bill line: one resource's use of one meter at one price over the month."""

    category: str
    meter: str
    resource_type: str
    resource_id: str
    name: str
    variant: str
    price: Decimal
    unit: str
    size: Decimal
    start: datetime
    end: datetime
    milliseconds: int = 0
    estimated: bool = False
    usages: list[Usage] = field(default_factory=list, repr=False)

    @property
    def quantity(self) -> Decimal:
        return quantity_for(self.milliseconds, self.size, self.unit)

    @property
    def total(self) -> Decimal:
        """Rounded once, from the exact usage: the rounding rule the docs state."""
        return round_money(amount_for(self.milliseconds, self.size, self.price, self.unit))


def line_items(usages: Iterable[Usage], meters: MeterTable) -> list[LineItem]:
    """Group usage into bill lines: one per (resource, meter, variant, price, unit), headed by its meter's
    category; sorted by category, start, name."""
    lines: dict[tuple[str, str, str, Decimal, str], LineItem] = {}
    for u in usages:
        key = (u.resource_id, u.meter, u.variant, u.price, u.unit)
        line = lines.get(key)
        if line is None:
            line = lines[key] = LineItem(meters.category(u.meter), u.meter, u.resource_type, u.resource_id,
                                         u.resource_name, u.variant, u.price, u.unit, u.size, u.start, u.end)
        line.milliseconds += u.milliseconds
        line.start, line.end = min(line.start, u.start), max(line.end, u.end)
        line.estimated = line.estimated or u.estimated
        line.name = line.name or u.resource_name
        line.usages.append(u)
    return sorted(lines.values(), key=lambda li: (li.category, li.start, li.name, li.resource_id, li.meter))


def aggregate(hours: Iterable[HourUsage], prices: PriceList, modes: dict[str, bool],
              estimated: bool = False) -> list[Usage]:
    """Hour pieces summed per (resource, meter, variant, hour) and priced: the rows a pass writes."""
    rows: dict[tuple[str, str, str, datetime], Usage] = {}
    for h in hours:
        seg, state = h.segment, h.segment.state
        key = (seg.resource_id, state.meter, state.variant, h.period_start)
        row = rows.get(key)
        if row is None:
            rate = prices.rate(state.meter, state.variant, state.vcpus, state.ram_mb)
            rows[key] = Usage(seg.project_id, seg.resource_type, seg.resource_id, seg.name, state.meter,
                              state.variant, h.period_start, h.start, h.end, h.milliseconds, state.size,
                              rate.price, rate.unit, modes.get(seg.project_id, False), estimated)
        else:
            row.milliseconds += h.milliseconds
            row.start, row.end = min(row.start, h.start), max(row.end, h.end)
    return list(rows.values())


def _months_closed(since: datetime, until: datetime) -> list[str]:
    """Months whose end falls in (since, until]."""
    months = []
    start, end = month_bounds(month_of(since))
    while end <= until:
        if end > since:
            months.append(month_of(start))
        start, end = month_bounds(month_of(end))
    return months


class Rating:
    """The ledger: the rating mark, usage (rated and estimated), the hourly pass, invoices and balances."""

    def __init__(self, common: Common):
        self.common = common
        self.cloud = common.cloud

    # ------------------------------------------------------------------ the mark
    def rated_until(self, db: Session) -> datetime | None:
        row = db.get(LabState, RATED_UNTIL)
        return datetime.fromisoformat(row.value) if row else None

    def _set_rated_until(self, db: Session, until: datetime) -> None:
        row = db.get(LabState, RATED_UNTIL)
        if row is None:
            db.add(LabState(key=RATED_UNTIL, value=until.isoformat()))
        else:
            row.value = until.isoformat()

    def start_mark(self, db: Session, now: datetime) -> datetime:
        """Where rating starts in a lab that has never rated: the hour of its first event."""
        first = db.scalar(select(func.min(Event.time)))
        return floor_hour(min(first, now) if first is not None else now)

    # ------------------------------------------------------------------ usage
    def segments(self, db: Session, since: datetime, project_id: str | None = None) -> list[Segment]:
        """Segments of every resource not deleted before `since` (optionally of one project)."""
        dead = select(Event.resource_id).where(Event.action == "delete", Event.time < since)
        query = (select(Event).where(Event.resource_type.in_(self.common.meters.resource_types),
                                     Event.resource_id.not_in(dead))
                 .order_by(Event.time, Event.id))
        if project_id is not None:
            query = query.where(Event.project_id == project_id)
        return metering.segments_from_events(db.scalars(query), self.common.meters)

    def prepaid_modes(self, db: Session) -> dict[str, bool]:
        return {a.project_id: a.mode == "prepaid" for a in db.scalars(select(Account))}

    def unrated(self, db: Session, project_id: str, now: datetime) -> list[Usage]:
        """The estimate: usage from the rating mark to `now`, priced at today's prices, not stored."""
        mark = self.rated_until(db) or self.start_mark(db, now)
        if now <= mark:
            return []
        account = db.get(Account, project_id)
        prepaid = (account.mode if account else self.common.default_mode()) == "prepaid"
        hours = metering.hourly_usage(self.segments(db, mark, project_id), mark, now)
        return aggregate(hours, self.common.prices, {project_id: prepaid}, estimated=True)

    def stored(self, db: Session, project_id: str, start: datetime, end: datetime,
               by_day: bool = False) -> list[Usage]:
        """Rated usage with period_start in [start, end), summed in SQL per bill line (and per day with
        `by_day`): a month is ~720 rows per resource, a bill a dozen lines."""
        keys: list[Any] = [Charge.resource_type, Charge.resource_id, Charge.meter, Charge.variant, Charge.size,
                           Charge.price, Charge.unit, Charge.prepaid]
        if by_day:
            keys.append(func.date(Charge.period_start))
        query = (select(*keys, func.max(Charge.resource_name), func.min(Charge.period_start), func.min(Charge.start),
                        func.max(Charge.end), func.sum(Charge.milliseconds))
                 .where(Charge.project_id == project_id, Charge.period_start >= start, Charge.period_start < end)
                 .group_by(*keys))
        usages = []
        for row in db.execute(query):
            rtype, rid, meter, variant, size, price, unit, prepaid = row[:8]
            name, period, first, last, milliseconds = row[-5:]
            usages.append(Usage(project_id, rtype, rid, name or "", meter, variant, period, first, last,
                                int(milliseconds), size, price, unit, bool(prepaid)))
        return usages

    def usage_between(self, db: Session, project_id: str, start: datetime, end: datetime,
                      now: datetime, by_day: bool = False) -> list[Usage]:
        """Rated usage in [start, end) plus the estimate for the part after the mark."""
        usages = self.stored(db, project_id, start, end, by_day)
        if end > (self.rated_until(db) or now):
            usages += [u for u in self.unrated(db, project_id, now) if start <= u.period_start < end]
        return usages

    # ------------------------------------------------------------------ the pass
    def rate(self) -> tuple[datetime, datetime]:
        """Rate every whole hour not yet rated, in one transaction; return (old mark, new mark). Idempotent."""
        now = self.common.now()
        with self.cloud.db.write() as db:
            mark = self.rated_until(db)
            if mark is None:
                mark = self.start_mark(db, now)
                self._set_rated_until(db, mark)
            self.ensure_rating_job(db)
            target = floor_hour(now)
            if target <= mark:
                return mark, mark
            segments = self.segments(db, mark)
            # A deleted project's leftovers are not charged to anyone.
            projects = {p for p in {s.project_id for s in segments} if self.common.project_exists(db, p)}
            for project_id in projects:
                self.common.ensure_account(db, project_id)
            rows = [r for r in aggregate(metering.hourly_usage(segments, mark, target), self.common.prices,
                                         self.prepaid_modes(db)) if r.project_id in projects]
            already = set(db.execute(select(Charge.resource_id, Charge.meter, Charge.variant, Charge.period_start)
                                     .where(Charge.period_start >= mark)).all())
            fresh = [r for r in rows if (r.resource_id, r.meter, r.variant, r.period_start) not in already]
            if fresh:  # Core executemany: a 30-day jump is thousands of rows
                db.execute(insert(cast(Table, Charge.__table__)), [
                    {"project_id": r.project_id, "resource_type": r.resource_type, "resource_id": r.resource_id,
                     "resource_name": r.resource_name[:255], "meter": r.meter, "variant": r.variant,
                     "period_start": r.period_start, "start": r.start, "end": r.end,
                     "milliseconds": r.milliseconds, "size": r.size, "price": r.price, "unit": r.unit,
                     "prepaid": r.prepaid, "rated_at": now} for r in fresh])
            self._set_rated_until(db, target)
            for month in _months_closed(mark, target):
                self._invoice_month(db, month, now)
        return mark, target

    def _invoice_month(self, db: Session, month: str, now: datetime) -> None:
        """Invoice each pay-as-you-go project for a closed month: its payg charges, paid from credit first."""
        start, end = month_bounds(month)
        projects = db.scalars(select(Charge.project_id).where(Charge.period_start >= start, Charge.period_start < end,
                                                              Charge.prepaid.is_(False)).distinct())
        for project_id in list(projects):
            if db.scalar(select(Invoice.id).where(Invoice.project_id == project_id, Invoice.month == month)):
                continue
            usages = [u for u in self.stored(db, project_id, start, end) if not u.prepaid]
            total = sum((li.total for li in line_items(usages, self.common.meters)), Decimal(0))
            credit = max(Decimal(0), min(self.balance(db, project_id, None), total))
            if credit:
                db.add(Transaction(project_id=project_id, time=now, kind="invoice", amount=-credit,
                                   description=f"invoice {month} paid from credit"))
            db.add(Invoice(project_id=project_id, month=month, total=total, credit_applied=credit,
                           amount_due=total - credit, issued_at=now))
            db.flush()

    def balance(self, db: Session, project_id: str, now: datetime | None) -> Decimal:
        """Credit (starting balance, top-ups, coupons, invoices paid) minus prepaid charges, exact; with `now`,
        also minus the unrated estimate when the project is prepaid."""
        credits = sum(db.scalars(select(Transaction.amount).where(Transaction.project_id == project_id)),
                      Decimal(0))
        if db.get(Account, project_id) is None:
            credits += self.common.starting_balance()
        spent = Decimal(0)
        groups = db.execute(select(Charge.size, Charge.price, Charge.unit, func.sum(Charge.milliseconds))
                            .where(Charge.project_id == project_id, Charge.prepaid.is_(True))
                            .group_by(Charge.size, Charge.price, Charge.unit)).all()
        for size, price, unit, milliseconds in groups:
            spent += amount_for(int(milliseconds), size, price, unit)
        if now is not None:
            spent += sum((u.amount for u in self.unrated(db, project_id, now) if u.prepaid), Decimal(0))
        return credits - spent

    # ------------------------------------------------------------------ the worker job
    def ensure_rating_job(self, db: Session, skip_id: int | None = None) -> None:
        """Keep one `billing.rate` job queued for the next lab hour (inside the caller's write transaction)."""
        pending = db.scalar(select(Job.id).where(Job.kind == JOB_KIND, Job.id != (skip_id or -1)).limit(1))
        if pending is None:
            now = self.common.now()
            due = floor_hour(now) + timedelta(hours=1, seconds=1)
            enqueue(db, now, JOB_KIND, "billing", delay=(due - now).total_seconds(), due=due.isoformat())


JOBS: Jobs = {}  # the worker jobs of this module, listed in the plugin


@job(JOBS, JOB_KIND)
def _rate_job(cloud: Cloud, job: JobSpec) -> None:
    """Rate, check budgets, enforce prepaid balances, then queue the next hour's job. A job run before it is
    due (a test running every queued job at once) does not queue another, or it would run forever; the next
    billing call queues it again."""
    from lab.cloud.billing.service import BillingService
    billing = cloud.services["billing"]
    assert isinstance(billing, BillingService)
    billing.refresh()
    due = job.payload.get("due")
    if due is not None and datetime.fromisoformat(due) > cloud.clock.now():
        return
    with cloud.db.write() as db:
        billing.rating.ensure_rating_job(db, skip_id=job.id)
