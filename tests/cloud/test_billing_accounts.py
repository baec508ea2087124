"""Accounts over HTTP: top-ups, coupons, prepaid (402 at zero, servers stopped, never deleted), pay-as-you-go
invoices, budgets and their alerts; every refusal with its body, and nothing changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.events import Event
from tests.cloud.billing_support import API, B, Lab, error


def _account(lab: Lab, headers: dict[str, str] | None = None) -> dict[str, Any]:
    r = lab.client.get(f"{B}/account", headers=headers or lab.demo)
    assert r.status_code == 200, r.text
    return r.json()["account"]  # type: ignore[no-any-return]


def _expensive(lab: Lab, per_hour: str = "40") -> None:
    """Make m1.tiny cost `per_hour` an hour, so a balance runs out in a few lab hours."""
    prices = lab.client.get(f"{B}/prices", headers=lab.admin).json()["prices"]
    prices["server"]["flavors"]["m1.tiny"] = per_hour
    r = lab.client.put(f"{B}/prices", json={"prices": prices}, headers=lab.admin)
    assert r.status_code == 200, r.text


def test_new_account_has_the_starting_balance(cloud: Cloud, client: TestClient) -> None:
    """A project billing has not seen yet shows the configured mode and starting balance."""
    account = _account(Lab.of(cloud, client))
    assert account["mode"] == "payg" and account["balance"] == "100.00" and account["currency"] == "USD"


def test_admin_tops_up_by_project_name(cloud: Cloud, client: TestClient) -> None:
    """POST /accounts/demo/topups adds credit, recorded as a transaction."""
    lab = Lab.of(cloud, client)
    r = client.post(f"{B}/accounts/demo/topups", json={"topup": {"amount": "25.50"}}, headers=lab.admin)
    assert r.status_code == 201, r.text
    assert r.json()["account"]["balance"] == "125.50"
    kinds = [(t["kind"], t["amount"]) for t in _account(lab)["transactions"]]
    assert kinds == [("starting", "100.00"), ("topup", "25.50")]


def test_bad_topups_are_refused_and_change_nothing(cloud: Cloud, client: TestClient) -> None:
    """Negative, zero, float-less garbage and a member's top-up: 400s and 403 with bodies; balance unchanged."""
    lab = Lab.of(cloud, client)
    url = f"{B}/accounts/demo/topups"
    assert "must not be negative" in error(client.post(url, json={"topup": {"amount": "-5"}}, headers=lab.admin),
                                           400)
    assert "more than zero" in error(client.post(url, json={"topup": {"amount": "0"}}, headers=lab.admin), 400)
    assert "is not an amount" in error(client.post(url, json={"topup": {"amount": "lots"}}, headers=lab.admin),
                                       400)
    assert "'topup' is a required property" in error(client.post(url, json={"amount": "5"}, headers=lab.admin),
                                                     400)
    assert error(client.post(url, json={"topup": {"amount": "5"}}, headers=lab.demo), 403) == \
        "Policy doesn't allow billing:create_topup to be performed."
    assert error(client.post(f"{B}/accounts/nope/topups", json={"topup": {"amount": "5"}}, headers=lab.admin),
                 404) == "Project nope could not be found."
    account = _account(lab)
    assert account["balance"] == "100.00" and [t["kind"] for t in account["transactions"]] == ["starting"]


def test_member_cannot_call_admin_endpoints(cloud: Cloud, client: TestClient) -> None:
    """Every admin endpoint answers a member 403 in Keystone's style."""
    lab = Lab.of(cloud, client)
    calls = [("get", f"{B}/accounts", None, "list_accounts"),
             ("put", f"{B}/accounts/demo", {"account": {"mode": "prepaid"}}, "update_account"),
             ("get", f"{B}/coupons", None, "list_coupons"),
             ("post", f"{B}/coupons", {"coupon": {"code": "X", "amount": "1"}}, "create_coupon"),
             ("delete", f"{B}/coupons/X", None, "delete_coupon"),
             ("put", f"{B}/budgets/demo", {"budget": {"amount": "5"}}, "update_budget"),
             ("delete", f"{B}/budgets/demo", None, "delete_budget")]
    for method, url, body, rule in calls:
        r = client.request(method, url, json=body, headers=lab.demo)
        assert error(r, 403) == f"Policy doesn't allow billing:{rule} to be performed.", url
    assert _account(lab)["mode"] == "payg"
    assert client.get(f"{B}/coupons", headers=lab.admin).json()["coupons"] == []


def test_coupon_redeemed_once_per_project(cloud: Cloud, client: TestClient) -> None:
    """A coupon credits its amount once; a second redeem is 409 and the balance stays."""
    lab = Lab.of(cloud, client)
    r = client.post(f"{B}/coupons", json={"coupon": {"code": "WELCOME", "amount": "10"}}, headers=lab.admin)
    assert r.status_code == 201 and r.json()["coupon"]["amount"] == "10.00"
    r = client.post(f"{B}/coupons/WELCOME/redeem", headers=lab.demo)
    assert r.status_code == 200 and r.json()["account"]["balance"] == "110.00"
    again = client.post(f"{B}/coupons/WELCOME/redeem", headers=lab.demo)
    assert error(again, 409) == "Coupon WELCOME has already been redeemed by this project."
    assert _account(lab)["balance"] == "110.00"
    listed = client.get(f"{B}/coupons", headers=lab.admin).json()["coupons"]
    assert [(c["code"], c["uses"]) for c in listed] == [("WELCOME", 1)]


def test_unknown_expired_and_used_up_coupons_are_refused(cloud: Cloud, client: TestClient) -> None:
    """Unknown 404, expired (lab time) 400, no uses left 409; nothing is credited."""
    lab = Lab.of(cloud, client)
    assert error(client.post(f"{B}/coupons/NOPE/redeem", headers=lab.demo), 404) == "Coupon NOPE could not be found."
    soon = (cloud.clock.now()).strftime("%Y-%m-%dT%H:%M:%S") + "Z"
    for body in ({"code": "SOON", "amount": "5", "expires_at": soon},
                 {"code": "ONE", "amount": "5", "max_uses": 1}):
        assert client.post(f"{B}/coupons", json={"coupon": body}, headers=lab.admin).status_code == 201
    lab.advance("1h")
    assert "Coupon SOON expired at" in error(client.post(f"{B}/coupons/SOON/redeem", headers=lab.demo), 400)
    assert client.post(f"{B}/coupons/ONE/redeem", headers=lab.admin).status_code == 200
    assert error(client.post(f"{B}/coupons/ONE/redeem", headers=lab.demo), 409) == "Coupon ONE has no uses left."
    assert [t["kind"] for t in _account(lab)["transactions"]] == ["starting"]
    dup = client.post(f"{B}/coupons", json={"coupon": {"code": "ONE", "amount": "1"}}, headers=lab.admin)
    assert error(dup, 409) == "Coupon ONE already exists."
    bad = client.post(f"{B}/coupons", json={"coupon": {"code": "two words", "amount": "1"}}, headers=lab.admin)
    assert "no spaces" in error(bad, 400)


def test_prepaid_at_zero_refuses_creates_with_402_and_stops_servers(cloud: Cloud, client: TestClient) -> None:
    """A prepaid project whose balance runs out: creates are refused (402, each service's error style), its
    running server is stopped (not deleted), and a top-up lets it create again."""
    lab = Lab.of(cloud, client)
    assert client.put(f"{B}/accounts/demo", json={"account": {"mode": "prepaid"}},
                      headers=lab.admin).json()["account"]["mode"] == "prepaid"
    _expensive(lab)
    server = lab.boot("hungry")
    lab.advance("3h")  # 3 x 40 > 100: the hourly job rates, the balance goes below zero
    assert lab.balance() < 0
    shown = client.get(f"{API}/servers/{server}", headers=lab.demo).json()["server"]
    assert shown["status"] == "SHUTOFF"
    r = client.post(f"{API}/servers", json={"server": {"name": "more", "flavorRef": "1", "imageRef": "x"}},
                    headers=lab.demo)
    assert r.status_code == 402 and "has no credit left" in r.json()["paymentRequired"]["message"]
    r = client.post(f"/volume/v3/{lab.demo_id}/volumes", json={"volume": {"size": 1}}, headers=lab.demo)
    assert r.status_code == 402 and "cannot create a volume" in r.json()["paymentRequired"]["message"]
    public = client.get("/network/v2.0/networks?name=public", headers=lab.demo).json()["networks"][0]["id"]
    r = client.post("/network/v2.0/floatingips", json={"floatingip": {"floating_network_id": public}},
                    headers=lab.demo)
    assert r.status_code == 402 and r.json()["NeutronError"]["type"] == "PaymentRequired"
    r = client.post("/network/v2.0/routers", json={"router": {"name": "r2"}}, headers=lab.demo)
    assert r.status_code == 402
    names = [s["name"] for s in client.get(f"{API}/servers", headers=lab.demo).json()["servers"]]
    assert names == ["hungry"]
    with cloud.db.read() as db:
        stopped = db.scalars(select(Event).where(Event.resource_type == "account",
                                                 Event.action == "server_stopped")).all()
    assert [e.attributes["server_id"] for e in stopped] == [server]
    client.post(f"{B}/accounts/demo/topups", json={"topup": {"amount": "500"}}, headers=lab.admin)
    lab.boot("fed")


def test_payg_month_close_issues_an_invoice_paid_from_credit(cloud: Cloud, client: TestClient) -> None:
    """Pay-as-you-go: the bill accrues, and once the month is over an invoice takes the credit first."""
    lab = Lab.of(cloud, client)
    _expensive(lab, "1")
    lab.boot("monthly")
    month = lab.bill()["month"]
    lab.advance("32d")
    bill = lab.bill(month)
    assert bill["status"] == "closed"
    invoice = bill["invoice"]
    total = Decimal(bill["total"])
    assert Decimal(invoice["total"]) == total > 100
    assert invoice["credit_applied"] == "100.00" and Decimal(invoice["amount_due"]) == total - 100
    account = _account(lab)
    assert account["transactions"][-1]["kind"] == "invoice"
    listed = client.get(f"{B}/bills", headers=lab.demo).json()["bills"]
    assert any(b["month"] == month and b["invoiced"] for b in listed)


def test_budget_thresholds_alert_once_each(cloud: Cloud, client: TestClient) -> None:
    """A 1.00 budget with 50/80/100 % thresholds: each alert is raised once, as a row and an event."""
    lab = Lab.of(cloud, client)
    r = client.put(f"{B}/budgets/demo", json={"budget": {"amount": "1.00", "thresholds": [50, 80, 100]}},
                   headers=lab.admin)
    assert r.status_code == 200 and r.json()["budget"]["thresholds"] == [50, 80, 100]
    _expensive(lab, "0.10")
    lab.boot("spender")
    lab.advance("6h")  # 0.60 + the router: past 50 %
    assert [a["threshold"] for a in client.get(f"{B}/alerts", headers=lab.demo).json()["alerts"]] == [50]
    lab.advance("10h")
    lab.advance("1h")
    alerts = client.get(f"{B}/alerts", headers=lab.demo).json()["alerts"]
    assert sorted(a["threshold"] for a in alerts) == [50, 80, 100]
    assert all(Decimal(a["spent"]) >= Decimal(a["budget"]) * a["threshold"] / 100 for a in alerts)
    with cloud.db.read() as db:
        raised = db.scalars(select(Event).where(Event.resource_type == "budget", Event.action == "alert")).all()
    assert sorted(e.attributes["threshold"] for e in raised) == [50, 80, 100]
    bad = client.put(f"{B}/budgets/demo", json={"budget": {"amount": "1", "thresholds": [50, 50]}},
                     headers=lab.admin)
    assert "given twice" in error(bad, 400)
    assert client.get(f"{B}/budgets/demo", headers=lab.demo).json()["budget"]["amount"] == "1.00"
    assert error(client.get(f"{B}/alerts?project_id=admin", headers=lab.demo), 404) == \
        "Project admin could not be found."


def test_set_starting_balance_is_idempotent_and_keeps_other_credit(cloud: Cloud, client: TestClient) -> None:
    """The camp's hook sets the one starting credit; top-ups stay; GET /balance shows the result."""
    lab = Lab.of(cloud, client)
    client.post(f"{B}/accounts/demo/topups", json={"topup": {"amount": "5"}}, headers=lab.admin)
    cloud.billing.accounts.set_starting_balance(lab.demo_id, "20.00")
    cloud.billing.accounts.set_starting_balance(lab.demo_id, "20.00")
    r = client.get(f"{B}/balance", headers=lab.demo)
    assert r.status_code == 200
    assert r.json()["balance"] == {"project_id": lab.demo_id, "project_name": "demo", "mode": "payg",
                                   "amount": "25.00", "currency": "USD"}
    assert [t["kind"] for t in _account(lab)["transactions"]] == ["starting", "topup"]


def test_admin_sets_the_starting_credit_over_the_api(cloud: Cloud, client: TestClient) -> None:
    """`PUT /accounts/{id}` with `starting_balance` (the drill billing-prepaid-zero's injection): the one
    starting credit changes, the mode stays unless given; neither field, or a bad amount, is a 400."""
    lab = Lab.of(cloud, client)
    r = client.put(f"{B}/accounts/demo", json={"account": {"starting_balance": "0"}}, headers=lab.admin)
    assert r.status_code == 200, r.text
    assert r.json()["account"]["balance"] == "0.00" and r.json()["account"]["mode"] == "payg"
    for body in ({}, {"starting_balance": "-1"}, {"starting_balance": "lots"}, {"mode": "free"}):
        assert client.put(f"{B}/accounts/demo", json={"account": body}, headers=lab.admin).status_code == 400, body
    assert client.put(f"{B}/accounts/demo", json={"account": {"starting_balance": "9"}},
                      headers=lab.demo).status_code == 403
    assert _account(lab)["balance"] == "0.00"
