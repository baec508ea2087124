"""Billing's stored state: accounts and their credit transactions, coupons, the charge ledger, invoices,
budgets and their alerts, and the price lists in force.

Money is stored as decimal text (`Money` below), never as a float: SQLite has no exact decimal type, and a
REAL column would turn 0.10 into 0.1000000000000000055. The charge ledger is the heart of it: one row per
(resource, meter, variant, hour), unique, so rating the same hour twice (a re-run, a restart) cannot charge
twice. A row keeps the milliseconds used, the size and the price it was rated at, so its amount can always be
recomputed exactly.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Dialect, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from lab.cloud.db import Base


class Money(TypeDecorator[Decimal]):
    """A Decimal stored as its exact text (also used for sizes such as 0.0123 GB)."""

    impl = String(48)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class Account(Base):
    """A project's billing account: prepaid (charges taken from the balance) or payg (a monthly invoice)."""

    __tablename__ = "billing_accounts"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Transaction(Base):
    """A change of an account's credit: the starting balance, a top-up, a coupon, an invoice paid from credit.

    Charges are not transactions: the balance is the sum of these minus the prepaid charges in the ledger, so
    there is exactly one record of every charge."""

    __tablename__ = "billing_transactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    time: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))  # starting, topup, coupon, invoice
    amount: Mapped[Decimal] = mapped_column(Money)
    description: Mapped[str] = mapped_column(String(255), default="")
    user_id: Mapped[str | None] = mapped_column(String(64))


class Coupon(Base):
    __tablename__ = "billing_coupons"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    expires_at: Mapped[datetime | None]
    # None: any number of projects may redeem it; each project at most once in every case.
    max_uses: Mapped[int | None]
    description: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime]


class Redemption(Base):
    __tablename__ = "billing_redemptions"
    __table_args__ = (UniqueConstraint("code", "project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    project_id: Mapped[str] = mapped_column(String(64))
    time: Mapped[datetime]


class Charge(Base):
    """One resource's use of one meter during one clock hour, rated once."""

    __tablename__ = "billing_charges"
    __table_args__ = (UniqueConstraint("resource_id", "meter", "variant", "period_start"),
                      Index("ix_billing_charges_project_period", "project_id", "period_start"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str] = mapped_column(String(64))
    resource_name: Mapped[str] = mapped_column(String(255), default="")
    meter: Mapped[str] = mapped_column(String(32))  # server, server.stopped, volume, snapshot, ...
    variant: Mapped[str] = mapped_column(String(64))  # the flavor name, or the size
    period_start: Mapped[datetime]  # the hour this row rates
    start: Mapped[datetime]  # first and last moment of use inside the hour
    end: Mapped[datetime]
    milliseconds: Mapped[int]
    size: Mapped[Decimal] = mapped_column(Money)  # GB for volumes, snapshots and images; 1 otherwise
    price: Mapped[Decimal] = mapped_column(Money)
    unit: Mapped[str] = mapped_column(String(16))  # hour, day, month, GB-hour, GB-day, GB-month
    prepaid: Mapped[bool]  # the account's mode when rated: prepaid rows come off the balance
    rated_at: Mapped[datetime]


class Invoice(Base):
    """A pay-as-you-go project's closed month: the total, what credit paid, what is due."""

    __tablename__ = "billing_invoices"
    __table_args__ = (UniqueConstraint("project_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    total: Mapped[Decimal] = mapped_column(Money)
    credit_applied: Mapped[Decimal] = mapped_column(Money)
    amount_due: Mapped[Decimal] = mapped_column(Money)
    issued_at: Mapped[datetime]


class Budget(Base):
    __tablename__ = "billing_budgets"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money)  # per calendar month
    thresholds: Mapped[list[Any]] = mapped_column(default=list)  # percentages, e.g. [50, 80, 100]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BudgetAlert(Base):
    """A threshold crossed: raised once per project, month and threshold (the unique key makes it so)."""

    __tablename__ = "billing_budget_alerts"
    __table_args__ = (UniqueConstraint("project_id", "month", "threshold"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    month: Mapped[str] = mapped_column(String(7))
    threshold: Mapped[int]
    budget_amount: Mapped[Decimal] = mapped_column(Money)
    spent: Mapped[Decimal] = mapped_column(Money)
    time: Mapped[datetime]


class PriceListRecord(Base):
    """A price list that was put in force (from the file at start, or over the API); the newest applies."""

    __tablename__ = "billing_price_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(255))  # "file:<path>" or "api:<user>"
    document: Mapped[dict[str, Any]]
    # sha256 of the file's text when loaded from a file: a changed file replaces the list at the next start.
    file_digest: Mapped[str | None] = mapped_column(String(64))
