"""Money amounts are bounded (at most 1,000,000,000 with at most 12 decimal places): anything larger is a 400
that changes nothing, and a value stored before the bound existed still shows instead of breaking billing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.billing.models import Budget, Charge, Coupon, Transaction
from tests.cloud.billing_support import B, Lab, error

HUGE = "1" + "0" * 26


def _state(lab: Lab) -> dict[str, Any]:
    """Everything an amount could have changed: the accounts, the budgets, the coupons and the prices."""
    return {path: lab.client.get(f"{B}/{path}", headers=lab.admin).json()
            for path in ("accounts", "budgets", "coupons", "prices")}


@pytest.mark.parametrize("amount", [HUGE, "1000000000.01", "1e30", "-1e30", "1" * 70, "0.0000000000001"])
def test_out_of_bounds_amounts_are_400_and_change_nothing(cloud: Cloud, client: TestClient, amount: str) -> None:
    """Top-ups, budgets, coupons and prices past the bound answer 400 with Keystone's body; nothing is stored."""
    lab = Lab.of(cloud, client)
    before = _state(lab)
    message = error(client.post(f"{B}/accounts/demo/topups", json={"topup": {"amount": amount}},
                                headers=lab.admin), 400)
    assert "amount" in message
    error(client.put(f"{B}/budgets/demo", json={"budget": {"amount": amount}}, headers=lab.admin), 400)
    error(client.post(f"{B}/coupons", json={"coupon": {"code": "BIG", "amount": amount}}, headers=lab.admin), 400)
    prices = before["prices"]["prices"]
    changed = {**prices, "router": {**prices["router"], "price": amount}}
    error(client.put(f"{B}/prices", json={"prices": changed}, headers=lab.admin), 400)
    assert _state(lab) == before


def test_the_largest_amount_is_accepted(cloud: Cloud, client: TestClient) -> None:
    """Exactly the documented maximum is a valid top-up, and the balance shows it to the cent."""
    lab = Lab.of(cloud, client)
    r = client.post(f"{B}/accounts/demo/topups", json={"topup": {"amount": "1000000000"}}, headers=lab.admin)
    assert r.status_code == 201, r.text
    assert r.json()["account"]["balance"] == "1000000100.00"


def test_poisoned_values_in_the_database_do_not_break_billing(cloud: Cloud, client: TestClient) -> None:
    """A 27-digit top-up, coupon and budget and a 1e30 price stored by an older version still list and bill."""
    lab = Lab.of(cloud, client)
    demo = lab.demo_id
    vm = lab.boot("poisoned")
    lab.advance("2h")
    now = cloud.clock.now()
    with cloud.db.write() as db:
        db.add(Transaction(project_id=demo, time=now, kind="topup", amount=Decimal(HUGE), description="old"))
        db.add(Coupon(code="OLD", amount=Decimal(HUGE), expires_at=None, max_uses=None, created_at=now))
        db.add(Budget(project_id=demo, amount=Decimal(HUGE), thresholds=[50], created_at=now, updated_at=now))
        for charge in db.scalars(select(Charge).where(Charge.resource_id == vm)):
            charge.price = Decimal("1e30")
    with cloud.db.read() as db:
        assert db.scalar(select(Charge.id).where(Charge.resource_id == vm)) is not None
    month = (now - timedelta(hours=1)).strftime("%Y-%m")
    for path, who in [("account", lab.demo), ("balance", lab.demo), ("accounts", lab.admin),
                      (f"bills/{month}", lab.demo), ("usage", lab.demo), ("budgets", lab.admin)]:
        r = client.get(f"{B}/{path}", headers=who)
        assert r.status_code == 200, (path, r.text)
    r = client.post(f"{B}/coupons/OLD/redeem", json={}, headers=lab.demo)
    assert r.status_code in (200, 201), r.text
    assert Decimal(r.json()["account"]["balance"]) > Decimal(HUGE)
