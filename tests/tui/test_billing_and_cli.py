"""The billing screen's reading of the billing service's answers, and the `stacklab tui` command's own errors."""

from __future__ import annotations

from click.testing import CliRunner

from lab.cli import main
from lab.tui.app import NAVS
from lab.tui.billing_shapes import parse_billing
from lab.tui.models import SessionInfo


def test_bill_as_the_billing_service_renders_it() -> None:
    """/balance, /bills/current and /usage as lab/cloud/billing/schemas.py renders them."""
    bill = parse_billing({"balance": {"project_id": "p", "mode": "prepaid", "amount": "12.50", "currency": "EUR"}},
                         {"bill": {"project_id": "p", "month": "2026-11", "total": "3.30", "currency": "EUR",
                                   "status": "open", "categories": [{"category": "servers", "total": "3.00"},
                                                                    {"category": "floating_ips", "total": "0.30"}],
                                   "line_items": [{"category": "servers", "name": "web-1", "resource_id": "x",
                                                   "quantity": "3.0000", "quantity_unit": "hours",
                                                   "total": "3.00"}]}},
                         {"usage": {"month": "2026-11", "days": [{"date": "2026-11-20", "total": "1.10"},
                                                                 {"date": "2026-11-21", "total": "2.20"}]}})
    assert (bill.balance, bill.currency, bill.month, bill.total) == ("12.50", "EUR", "2026-11", "3.30")
    assert [(c.name, c.amount) for c in bill.categories] == [("floating_ips", "0.30"), ("servers", "3.00")]
    assert bill.line_items == (("servers", "web-1", "3 hours", "3.00"),)
    assert [(d.date, d.total) for d in bill.days] == [("2026-11-20", "1.10"), ("2026-11-21", "2.20")]


def test_bill_without_usage_or_line_items() -> None:
    """An empty month: no categories, no line items, no days (the charts say "no charges yet")."""
    bill = parse_billing({"balance": {"amount": "0.00", "currency": "EUR"}},
                         {"bill": {"month": "2026-12", "total": "0.00", "categories": [], "line_items": []}})
    assert (bill.balance, bill.total, bill.categories, bill.line_items, bill.days) == ("0.00", "0.00", (), (), ())


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


def test_screens_of_services_missing_from_the_catalog_are_hidden() -> None:
    """A plain OpenStack cloud (no `stacklab` lab API, no billing): no Labs, no Billing; an admin there still gets
    the Instructor screen (every project's resources)."""
    plain = SessionInfo("c", "", "u", "p", "pid", ("admin",), frozenset({"compute", "image", "network"}))
    assert [n.mode for n in NAVS if n.available(plain)] == ["overview", "servers", "images", "keypairs",
                                                            "networks", "instructor"]
    lab = SessionInfo("c", "", "u", "p", "pid", ("member",), frozenset({"compute", "stacklab", "billing"}))
    assert {"labs", "billing"} <= {n.mode for n in NAVS if n.available(lab)}
    assert "instructor" not in {n.mode for n in NAVS if n.available(lab)}
