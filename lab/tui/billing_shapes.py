"""Reading the billing service's answers (/billing/v1, `lab/cloud/billing/schemas.py`) into the console's
`Billing` record: GET /balance, GET /bills/current and GET /usage.

    /balance        {"balance": {"project_id", "mode", "amount": "12.30", "currency"}}
    /bills/current  {"bill": {"month", "currency", "total", "categories": [{"category", "total"}],
                              "line_items": [{"category", "name", "quantity", "quantity_unit", "total", ...}]}}
    /usage          {"usage": {"month", "currency", "days": [{"date", "total", "categories"}], "running"}}

Money stays a decimal string end to end (the service already renders two decimals); nothing here does float
arithmetic.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lab.tui.models import BillCategory, Billing, DayTotal


def quantity(item: dict[str, Any]) -> str:
    """'3.5 hours' from the service's '3.5000' and 'hours' (trailing zeros dropped)."""
    amount = Decimal(str(item["quantity"])).normalize()
    text = f"{amount:f}"
    unit = item.get("quantity_unit") or ""
    return f"{text} {unit}".strip()


def parse_billing(balance_body: dict[str, Any], bill_body: dict[str, Any],
                  usage_body: dict[str, Any] | None = None) -> Billing:
    """A Billing record from the answers of GET /balance, GET /bills/current and (optionally) GET /usage."""
    balance = balance_body["balance"]
    bill = bill_body["bill"]
    categories = tuple(sorted((BillCategory(c["category"], c["total"]) for c in bill["categories"]),
                              key=lambda c: c.name))
    items = tuple((li["category"], li.get("name") or li.get("resource_id") or "", quantity(li), li["total"])
                  for li in bill["line_items"])
    days = tuple(DayTotal(d["date"], d["total"]) for d in (usage_body or {}).get("usage", {}).get("days", []))
    return Billing(currency=balance.get("currency") or bill.get("currency") or "", balance=balance["amount"],
                   month=bill["month"], total=bill["total"], categories=categories, line_items=items, days=days,
                   raw={"balance": balance_body, "bill": bill_body, "usage": usage_body})
