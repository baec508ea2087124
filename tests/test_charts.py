"""The billing charts (lab.charts): the balance history they draw is the account's own arithmetic, and the
images are real PNG and SVG files with their text kept as text."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from lab import charts

ACCOUNT = {"project_id": "3f2a9c", "project_name": "student02", "mode": "prepaid", "balance": "4.00",
           "currency": "USD", "transactions": [
               {"time": "2026-11-01T00:00:00Z", "kind": "starting", "amount": "10.00", "description": ""},
               {"time": "2026-11-03T12:00:00Z", "kind": "topup", "amount": "5.00", "description": ""}]}
USAGE = {"project_id": "3f2a9c", "project_name": "student02", "month": "2026-11", "currency": "USD", "days": [
    {"date": f"2026-11-0{d}", "total": "4.00", "categories": {"instances": "3.00", "volumes": "1.00"}}
    for d in (1, 2, 3)]}


def test_balance_points_step_up_at_credits_and_down_with_prepaid_usage() -> None:
    """10 at the start, 4 a day: 6 and 2 after two days, 0 at noon of the third, 5 after the top-up, 3 at its
    end; the last point is the cloud's own balance."""
    points = charts.balance_points(ACCOUNT, [USAGE], datetime(2026, 11, 4, 6))
    assert points[0] == (datetime(2026, 11, 1), Decimal("10.00"))
    assert (datetime(2026, 11, 2), Decimal("6.00")) in points
    assert (datetime(2026, 11, 3, 12), Decimal("0.00")) in points  # the share of day 3 before the top-up
    assert (datetime(2026, 11, 3, 12), Decimal("5.00")) in points
    assert (datetime(2026, 11, 4), Decimal("3.00")) in points
    assert points[-1] == (datetime(2026, 11, 4, 6), Decimal("4.00"))


def test_payg_usage_does_not_move_the_balance() -> None:
    """A pay-as-you-go project's usage is invoiced, not taken from the balance: only credits move it."""
    points = charts.balance_points({**ACCOUNT, "mode": "payg"}, [USAGE])
    assert [p[1] for p in points] == [Decimal("10.00"), Decimal("10.00"), Decimal("15.00")]


def test_charts_are_written_as_png_and_svg_with_text(tmp_path: Path) -> None:
    bill = {"project_id": "3f2a9c", "project_name": "student02", "month": "2026-11", "currency": "USD",
            "total": "12.00", "categories": [{"category": "instances", "total": "9.00"},
                                             {"category": "volumes", "total": "3.00"}],
            "line_items": [{"category": "instances", "type": "server", "name": "web", "resource_id": "a1b2c3d4e5",
                            "total": "9.00"},
                           {"category": "volumes", "type": "snapshot", "name": "before", "resource_id": "f6e5d4",
                            "total": "3.00"}]}
    png = charts.save(charts.usage_by_day(USAGE), tmp_path / "usage.png")
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svg = charts.save(charts.usage_by_category(bill), tmp_path / "bill.svg").read_text()
    assert "before (snapshot)" in svg and "student02" in svg
    svg = charts.save(charts.class_cost([bill, {**bill, "project_name": "student03"}]), tmp_path / "c.svg")
    assert "Class cost 2026-11: 2 projects, total 24.00 USD" in svg.read_text()
    quota = charts.quota_use(charts.nova_quota_rows({"maxTotalInstances": 4, "totalInstancesUsed": 4,
                                                     "maxTotalCores": -1, "totalCoresUsed": 3}))
    assert "4/4" in charts.save(quota, tmp_path / "q.svg").read_text()
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        charts.save(charts.usage_by_day(USAGE), tmp_path / "usage.gif")
