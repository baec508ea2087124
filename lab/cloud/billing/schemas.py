"""Wire shapes of the billing API: one render function per resource. Money is always a string with two
decimals ("12.30") and a `currency` beside it; unit prices keep every digit they were given ("0.012")."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from lab.cloud.billing.accounts import AccountView
from lab.cloud.billing.bills import BillView, UsageView
from lab.cloud.billing.models import Budget, BudgetAlert, Coupon, Transaction
from lab.cloud.billing.prices import PriceList, money, round_money
from lab.cloud.billing.rating import LineItem
from lab.cloud.errors import BadRequest
from lab.cloud.http import timestamp

QUANTITY_UNITS = {"hour": "hours", "day": "days", "month": "months", "GB-hour": "GB-hours", "GB-day": "GB-days",
                  "GB-month": "GB-months"}


def body_object(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    if not isinstance(value, dict):
        raise BadRequest(f"Invalid input: '{key}' is a required property and must be an object.")
    return value


def _time(dt: datetime | None) -> str | None:
    return timestamp(dt)


def transaction(t: Transaction) -> dict[str, Any]:
    return {"time": _time(t.time), "kind": t.kind, "amount": money(t.amount), "description": t.description}


def account(view: AccountView, currency: str) -> dict[str, Any]:
    return {"account": {"project_id": view.project_id, "project_name": view.project_name,
                        "mode": view.mode, "balance": money(view.balance),
                        "currency": currency, "created_at": _time(view.created_at), "as_of": _time(view.as_of),
                        "transactions": [transaction(t) for t in view.transactions]}}


def balance(view: AccountView, currency: str) -> dict[str, Any]:
    return {"balance": {"project_id": view.project_id, "project_name": view.project_name,
                        "mode": view.mode, "amount": money(view.balance),
                        "currency": currency}}


def accounts(views: list[AccountView], currency: str) -> dict[str, Any]:
    return {"accounts": [account(v, currency)["account"] for v in views]}


def prices(price_list: PriceList, source: str, currency: str) -> dict[str, Any]:
    return {"prices": price_list.document, "currency": currency, "source": source}


def coupon(c: Coupon, uses: int, currency: str) -> dict[str, Any]:
    return {"code": c.code, "amount": money(c.amount), "currency": currency, "expires_at": _time(c.expires_at),
            "max_uses": c.max_uses, "uses": uses, "description": c.description, "created_at": _time(c.created_at)}


def line_item(li: LineItem) -> dict[str, Any]:
    return {"category": li.category, "type": li.meter, "resource_type": li.resource_type,
            "resource_id": li.resource_id, "name": li.name, "variant": li.variant, "unit_price": str(li.price),
            "unit": li.unit, "start": _time(li.start), "end": _time(li.end),
            "quantity": f"{li.quantity:.4f}", "quantity_unit": QUANTITY_UNITS[li.unit], "total": money(li.total),
            "estimated": li.estimated}


def bill(b: BillView) -> dict[str, Any]:
    invoice = None
    if b.invoice is not None:
        invoice = {"total": money(b.invoice.total), "credit_applied": money(b.invoice.credit_applied),
                   "amount_due": money(b.invoice.amount_due), "issued_at": _time(b.invoice.issued_at)}
    return {"bill": {
        "project_id": b.project_id, "project_name": b.project_name, "month": b.month,
        "currency": b.currency, "status": b.status,
        "period_start": _time(b.start), "period_end": _time(b.end), "total": money(b.total),
        "forecast": money(b.forecast) if b.forecast is not None else None,
        "categories": [{"category": c, "total": money(t)} for c, t in b.categories.items()],
        "line_items": [line_item(li) for li in b.lines], "invoice": invoice}}


def bills(views: list[BillView]) -> dict[str, Any]:
    return {"bills": [{"month": b.month, "status": b.status, "total": money(b.total), "currency": b.currency,
                       "invoiced": b.invoice is not None} for b in views]}


def usage(u: UsageView) -> dict[str, Any]:
    return {"usage": {
        "project_id": u.project_id, "project_name": u.project_name, "month": u.month, "currency": u.currency,
        "days": [{"date": day, "total": money(sum(cats.values(), Decimal(0))),
                  "categories": {c: money(a) for c, a in cats.items()}} for day, cats in u.days],
        "running": [{"category": li.category, "type": li.meter, "resource_id": li.resource_id, "name": li.name,
                     "variant": li.variant, "since": _time(li.start), "unit_price": str(li.price), "unit": li.unit,
                     "cost_per_hour": str(round_money(per_hour, Decimal("0.000001")))}
                    for li, per_hour in u.running]}}


def budget(b: Budget, currency: str) -> dict[str, Any]:
    return {"project_id": b.project_id, "amount": money(b.amount), "currency": currency,
            "thresholds": list(b.thresholds), "created_at": _time(b.created_at), "updated_at": _time(b.updated_at)}


def alert(a: BudgetAlert, currency: str) -> dict[str, Any]:
    return {"project_id": a.project_id, "month": a.month, "threshold": a.threshold,
            "budget": money(a.budget_amount), "spent": money(a.spent), "currency": currency, "time": _time(a.time)}
