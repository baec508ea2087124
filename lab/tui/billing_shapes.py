"""Reading the billing service's answers (/billing/v1) into the console's `Billing` record.

The billing service was written at the same time as the console, so its exact shapes were inferred from its issue:
a balance with a currency, and a monthly bill with totals by category and line items (type, name, price per unit,
start, end, quantity, total). Money stays a decimal string end to end; nothing here does float arithmetic.
Keys are looked up under the few names such a service is likely to use, so a renamed key degrades to "-" rather
than an error.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from lab.tui.models import BillCategory, Billing


def _unwrap(body: Any, *keys: str) -> Any:
    """body[key] for the first key present (a wrapped answer like {"bill": {...}}), else body itself."""
    if isinstance(body, dict):
        for key in keys:
            if key in body:
                return body[key]
    return body


def _first(d: dict[str, Any], *keys: str, default: Any = "") -> Any:
    for key in keys:
        if key in d and d[key] is not None:
            return d[key]
    return default


def money(value: Any) -> str:
    """A decimal amount as text with two places ("-" when absent or not a number)."""
    if isinstance(value, dict):
        value = _first(value, "amount", "total", "value", default=None)
    if value is None or value == "":
        return "-"
    try:
        return f"{Decimal(str(value)).quantize(Decimal('0.01'))}"
    except InvalidOperation:
        return str(value)


def parse_billing(balance_body: Any, bill_body: Any) -> Billing:
    """A Billing record from the answers of GET /balance and GET /bills/<month>."""
    account = _unwrap(balance_body, "balance", "account")
    if not isinstance(account, dict):
        account = {"amount": account}
    bill = _unwrap(bill_body, "bill")
    bill = bill if isinstance(bill, dict) else {}
    currency = str(_first(account, "currency", default="") or _first(bill, "currency", default=""))

    raw_categories = _first(bill, "categories", "totals", "by_category", default={})
    if isinstance(raw_categories, dict):
        pairs = [(str(k), money(v)) for k, v in raw_categories.items()]
    else:
        pairs = [(str(_first(c, "category", "name", "type")), money(_first(c, "total", "amount", default=None)))
                 for c in raw_categories if isinstance(c, dict)]
    items = []
    for item in _first(bill, "line_items", "items", default=[]) or []:
        if isinstance(item, dict):
            items.append((str(_first(item, "category", "type", "resource_type")),
                          str(_first(item, "name", "resource_name", "resource_id")),
                          str(_first(item, "quantity", default="")),
                          money(_first(item, "total", "amount", default=None))))
    if not pairs and items:  # a bill without totals: sum its line items by category
        sums: dict[str, Decimal] = {}
        for category, _name, _qty, total in items:
            if total != "-":
                sums[category] = sums.get(category, Decimal(0)) + Decimal(total)
        pairs = [(k, money(v)) for k, v in sums.items()]
    categories = tuple(BillCategory(name, amount) for name, amount in sorted(pairs))
    return Billing(currency=currency, balance=money(_first(account, "amount", "balance", "value", default=None)),
                   month=str(_first(bill, "month", "period", default="")),
                   total=money(_first(bill, "total", "amount", default=None)), categories=categories,
                   line_items=tuple(items), raw={"balance": balance_body, "bill": bill_body})
