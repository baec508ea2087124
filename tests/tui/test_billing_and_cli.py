"""The billing screen's reading of the billing service's answers, and the `stacklab tui` command's own errors."""

from __future__ import annotations

from click.testing import CliRunner

from lab.cli import main
from lab.tui.billing_shapes import parse_billing


def test_bill_with_category_totals() -> None:
    """A wrapped balance and a bill with a categories map and line items."""
    bill = parse_billing({"balance": {"amount": "12.5", "currency": "EUR"}},
                         {"bill": {"month": "2026-11", "total": "3.30", "currency": "EUR",
                                   "categories": {"instances": "3.00", "floating_ips": "0.30"},
                                   "line_items": [{"category": "instances", "name": "web-1", "quantity": "3",
                                                   "total": "3.00"}]}})
    assert (bill.balance, bill.currency, bill.month, bill.total) == ("12.50", "EUR", "2026-11", "3.30")
    assert [(c.name, c.amount) for c in bill.categories] == [("floating_ips", "0.30"), ("instances", "3.00")]
    assert bill.line_items == (("instances", "web-1", "3", "3.00"),)


def test_bill_without_totals_sums_its_line_items() -> None:
    """Categories given as a list, or missing: summed from line items in decimal, never float."""
    bill = parse_billing({"amount": "0.1"}, {"bill": {"line_items": [
        {"type": "volume", "resource_name": "a", "total": "0.10"},
        {"type": "volume", "resource_name": "b", "total": "0.20"}]}})
    assert [(c.name, c.amount) for c in bill.categories] == [("volume", "0.30")]
    assert bill.balance == "0.10" and bill.total == "-"
    listed = parse_billing({"balance": "5"}, {"categories": [{"category": "router", "total": 1}]})
    assert [(c.name, c.amount) for c in listed.categories] == [("router", "1.00")]


def test_unknown_cloud_is_a_clear_error(tmp_path: object) -> None:
    """`stacklab tui --cloud nope` says the entry is unknown, without a traceback."""
    result = CliRunner().invoke(main, ["tui", "--cloud", "no-such-cloud-anywhere"],
                                env={"OS_CLIENT_CONFIG_FILE": "/nonexistent/clouds.yaml"})
    assert result.exit_code == 1
    assert "cannot use cloud 'no-such-cloud-anywhere'" in result.output
    assert "Traceback" not in result.output


def test_refresh_must_be_sensible() -> None:
    """A refresh below half a second is refused (it would hammer the cloud)."""
    result = CliRunner().invoke(main, ["tui", "--refresh", "0.1"])
    assert result.exit_code == 2
    assert "--refresh" in result.output
