"""Prepaid stops at zero: a clock jump that crosses the moment the balance runs out stops the project's servers
at that moment (not at the end of the jump), a server of a project without credit cannot be started again
(402 with billing's message, like a create), and bills and accounts name projects and resources."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.clock import LabClock
from tests.cloud.billing_support import API, B, Lab


@pytest.fixture(autouse=True)
def _real_time_stands_still(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Only the lab clock's jumps move time here: a balance read a few real seconds after a jump (a loaded
    machine) would otherwise have paid for those seconds too and miss the cent these tests compare."""
    frozen = LabClock.real_now()
    monkeypatch.setattr(LabClock, "now", lambda self: frozen + self.offset)
    yield


def _prices(lab: Lab, **server: str) -> None:
    """m1.tiny at 40 an hour and everything else free (a stopped server too, unless told), so the demo
    project's 100.00 starting balance lasts exactly 2.5 hours of one running m1.tiny."""
    prices = lab.client.get(f"{B}/prices", headers=lab.admin).json()["prices"]
    prices["server"]["flavors"] = {name: "0" for name in prices["server"]["flavors"]} | {"m1.tiny": "40"}
    prices["server"].update({"per_vcpu": "0", "per_gb_ram": "0", "stopped_factor": "0"} | server)
    for name in ("volume", "snapshot", "image", "floatingip", "router"):
        prices[name]["price"] = "0"
    r = lab.client.put(f"{B}/prices", json={"prices": prices}, headers=lab.admin)
    assert r.status_code == 200, r.text


def _prepaid(lab: Lab) -> None:
    r = lab.client.put(f"{B}/accounts/demo", json={"account": {"mode": "prepaid"}}, headers=lab.admin)
    assert r.status_code == 200 and r.json()["account"]["mode"] == "prepaid", r.text


def _server(lab: Lab, server_id: str) -> dict[str, Any]:
    r = lab.client.get(f"{API}/servers/{server_id}", headers=lab.demo)
    assert r.status_code == 200, r.text
    return r.json()["server"]  # type: ignore[no-any-return]


def test_a_jump_across_zero_stops_the_server_at_that_moment(cloud: Cloud, client: TestClient) -> None:
    """100.00 at 40/h: a 10 h jump stops the server 2 h 30 min after it was created, and the balance ends at
    0.00, not at -300."""
    lab = Lab.of(cloud, client)
    _prices(lab)
    _prepaid(lab)
    assert lab.balance() == Decimal("100.00")
    server = lab.boot("hungry")
    created = lab.event_time(server, "create")
    lab.advance("10h")
    assert _server(lab, server)["status"] == "SHUTOFF"
    stopped = lab.event_time(server, "power_off")
    # The ledger counts whole milliseconds (both ends of an interval truncated): as exact as it can be.
    assert abs(stopped - (created + timedelta(hours=2, minutes=30))) <= timedelta(milliseconds=2)
    assert lab.balance() == Decimal("0.00")
    running = [li for li in lab.lines(server) if li["type"] == "server"]
    assert [li["total"] for li in running] == ["100.00"]
    assert running[0]["end"] == stopped.strftime("%Y-%m-%dT%H:%M:%SZ")
    lab.advance("5h")  # stopped at a zero stopped_factor: nothing more is charged
    assert lab.balance() == Decimal("0.00")


def test_what_is_kept_after_zero_costs_only_its_own_price(cloud: Cloud, client: TestClient) -> None:
    """With the stopped server at 25 % (10/h), 2 h after the cut-off the balance is -20.00: the stopped price
    from the moment of zero, not the running price to the end of the jump."""
    lab = Lab.of(cloud, client)
    _prices(lab, stopped_factor="0.25")
    _prepaid(lab)
    server = lab.boot("hungry")
    created = lab.event_time(server, "create")
    lab.advance("4h30m")
    assert abs(lab.event_time(server, "power_off") - created - timedelta(hours=2, minutes=30)) <= timedelta(
        milliseconds=2)
    assert lab.balance() == Decimal("-20.00")


def test_start_without_credit_is_refused_with_the_billing_message(cloud: Cloud, client: TestClient) -> None:
    """`server start` of a prepaid project at zero: 402 with the reason and what to do; the server stays
    SHUTOFF; after a top-up it starts."""
    lab = Lab.of(cloud, client)
    _prices(lab)
    _prepaid(lab)
    server = lab.boot("hungry")
    lab.advance("3h")
    r = client.post(f"{API}/servers/{server}/action", json={"os-start": None}, headers=lab.demo)
    assert r.status_code == 402, r.text
    message = r.json()["paymentRequired"]["message"]
    assert "has no credit left" in message and "cannot start a server" in message and "Top up" in message
    lab.cloud.worker.run_due()
    assert _server(lab, server)["status"] == "SHUTOFF"
    r = client.post(f"{B}/accounts/demo/topups", json={"topup": {"amount": "50"}}, headers=lab.admin)
    assert r.status_code == 201, r.text
    lab.action(server, {"os-start": None})
    assert _server(lab, server)["status"] == "ACTIVE"


def test_bills_and_accounts_name_the_project_and_each_resource(cloud: Cloud, client: TestClient) -> None:
    """The bill and the account carry the project's name beside its id; a snapshot's line shows its name."""
    lab = Lab.of(cloud, client)
    project = lab.demo_id
    r = client.post(f"/volume/v3/{project}/volumes", json={"volume": {"size": 1, "name": "data"}},
                    headers=lab.demo)
    assert r.status_code == 202, r.text
    volume = r.json()["volume"]["id"]
    cloud.worker.run_due()
    r = client.post(f"/volume/v3/{project}/snapshots", json={"snapshot": {"volume_id": volume, "name": "before"}},
                    headers=lab.demo)
    assert r.status_code == 202, r.text
    snapshot = r.json()["snapshot"]["id"]
    cloud.worker.run_due()
    lab.advance("2h")
    bill = lab.bill()
    assert (bill["project_id"], bill["project_name"]) == (project, "demo")
    assert [li["name"] for li in bill["line_items"] if li["resource_id"] == snapshot] == ["before"]
    assert [li["name"] for li in bill["line_items"] if li["resource_id"] == volume] == ["data"]
    account = client.get(f"{B}/account", headers=lab.demo).json()["account"]
    assert (account["project_id"], account["project_name"]) == (project, "demo")
