"""Billing meters what the plugins declare: the toy service's meter (tests/cloud/toy: `Meter("toy",
"presence", "toys", "0.50", "hour")`) is billed without any change to billing, at its default price until the
price list has an entry for it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import PLUGINS, Cloud, create_app
from lab.cloud.billing.metering import to_ms
from lab.config import Settings
from tests.cloud.billing_support import B, Lab, error


@pytest.fixture
def toy_lab(settings: Settings) -> Iterator[Lab]:
    cloud = Cloud(settings, plugins=(*PLUGINS, "tests.cloud.toy"))
    cloud.bootstrap()
    app = create_app(settings, cloud=cloud, start_worker=False)
    with TestClient(app, base_url="http://127.0.0.1:8780", raise_server_exceptions=False) as client:
        yield Lab.of(cloud, client)
    cloud.close()


def _create_toy(lab: Lab, name: str) -> str:
    r = lab.client.post("/toy/v1/toys", json={"toy": {"name": name}}, headers=lab.demo)
    assert r.status_code == 201, r.text
    return str(r.json()["toy"]["id"])


def test_a_new_services_meter_is_billed_under_its_category_at_its_default_price(toy_lab: Lab) -> None:
    """A toy kept 3 hours and then deleted is one `toys` line of 3 hours at the meter's 0.50/hour; nothing after.
    (The quantity is exact to the millisecond of lab time, so it also holds the real seconds the test took.)"""
    lab = toy_lab
    toy = _create_toy(lab, "teddy")
    lab.advance("3h")
    assert lab.client.delete(f"/toy/v1/toys/{toy}", headers=lab.demo).status_code == 204
    lab.advance("2h")
    bill = lab.bill()
    (line,) = lab.lines(toy)
    assert (line["category"], line["type"], line["name"]) == ("toys", "toy", "teddy")
    assert (line["unit_price"], line["unit"]) == ("0.50", "hour")
    used = to_ms(lab.event_time(toy, "delete")) - to_ms(lab.event_time(toy, "create"))
    assert line["quantity"] == f"{Decimal(used) / 3_600_000:.4f}" and line["total"] == "1.50"
    assert {c["category"]: c["total"] for c in bill["categories"]}["toys"] == "1.50"


def test_the_price_list_shows_and_takes_an_entry_for_the_new_meter(toy_lab: Lab) -> None:
    """The shipped list has no `toy` entry: the list in force shows the default; an admin's new price applies
    from the hour in progress, and a list naming a resource type nobody meters is refused."""
    lab = toy_lab
    shown = lab.client.get(f"{B}/prices", headers=lab.demo).json()["prices"]
    assert shown["toy"] == {"price": "0.50", "unit": "hour"}
    r = lab.client.put(f"{B}/prices", json={"prices": {**shown, "toy": {"price": "2", "unit": "hour"}}},
                       headers=lab.admin)
    assert r.status_code == 200, r.text
    toy = _create_toy(lab, "robot")
    lab.advance("1h")
    (line,) = lab.lines(toy)
    assert line["unit_price"] == "2" and line["category"] == "toys"
    bad = lab.client.put(f"{B}/prices", json={"prices": {**shown, "gadget": {"price": "1"}}}, headers=lab.admin)
    assert "unknown key(s) in the price list: gadget" in error(bad, 400)


def test_a_price_list_leaving_out_a_meter_uses_its_default(cloud: Cloud, client: TestClient) -> None:
    """Without a `router` entry the list in force prices routers at the router meter's default."""
    lab = Lab.of(cloud, client)
    shown = client.get(f"{B}/prices", headers=lab.demo).json()["prices"]
    partial = {k: v for k, v in shown.items() if k != "router"} | {"floatingip": {"price": "1", "unit": "day"}}
    r = client.put(f"{B}/prices", json={"prices": partial}, headers=lab.admin)
    assert r.status_code == 200, r.text
    prices = r.json()["prices"]
    assert prices["router"] == {"price": "0.010", "unit": "hour"}
    assert prices["floatingip"] == {"price": "1", "unit": "day"}
