"""Billing as a class uses it: servers booted and deleted with the real `openstack` CLI, the lab clock moved
with `stacklab clock advance`, and the bill read back with `stacklab billing bill` (the student's own
credentials) against a live lab of its own (these tests move its clock)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lab.cli import main
from tests.conftest import ADMIN_PASSWORD, LiveCloud, start_live_cloud, user_env

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def billing_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    lab = start_live_cloud(tmp_path_factory.mktemp("billing") / "lab")
    yield lab
    lab.stop()


@pytest.fixture
def env(billing_lab: LiveCloud, tmp_path: Path) -> dict[str, str]:
    """A user whose clouds.yaml has the lab's `stacklab` (admin) and `stacklab-demo` entries."""
    port = billing_lab.url.rsplit(":", 1)[1]
    environ = user_env(tmp_path, STACKLAB_PORT=port, STACKLAB_DATA_DIR=str(billing_lab.data_dir))
    result = CliRunner().invoke(main, ["clouds-yaml", "--write", "--admin-password", ADMIN_PASSWORD], env=environ)
    assert result.exit_code == 0, result.output
    return environ


def stacklab(env: dict[str, str], *args: str, ok: bool = True) -> Result:
    result = CliRunner().invoke(main, list(args), env=env, prog_name="stacklab")
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_servers_booted_and_deleted_with_the_openstack_cli_are_billed(billing_lab: LiveCloud, env: dict[str, str],
                                                                      tmp_path: Path) -> None:
    """Boot two servers, keep them 3 lab hours, delete them; the student's bill charges each exactly 3 hours of
    its flavor, in JSON, in the table and in CSV, and later clock advances add nothing to them."""
    names = ("bill-tiny", "bill-small")
    for name, flavor in zip(names, ("m1.tiny", "m1.small"), strict=True):
        billing_lab.openstack("server", "create", "--flavor", flavor, "--image", "cirros", "--network", "private",
                              "--wait", name, user="demo", project="demo")
    stacklab(env, "clock", "advance", "3h")
    for name in names:
        billing_lab.openstack("server", "delete", "--wait", name, user="demo", project="demo")
    stacklab(env, "clock", "advance", "2h")
    bill = json.loads(stacklab(env, "billing", "bill", "--json").output)["bill"]
    lines = {li["name"]: li for li in bill["line_items"] if li["name"] in names}
    assert Decimal(lines["bill-tiny"]["total"]) == Decimal("0.03")  # 3 h x 0.010
    assert Decimal(lines["bill-small"]["total"]) == Decimal("0.06")  # 3 h x 0.020
    assert sum(Decimal(li["total"]) for li in bill["line_items"]) == Decimal(bill["total"])
    table = stacklab(env, "billing", "bill").output
    assert "Totals by category" in table and "bill-tiny" in table and "instances" in table
    csv_text = stacklab(env, "billing", "bill", "--month", bill["month"], "--csv").output
    assert csv_text.splitlines()[0].startswith("category,type,resource_id,name")
    assert any(",bill-small," in row and row.split(",")[10] == "0.06" for row in csv_text.splitlines())
    stacklab(env, "clock", "advance", "1d")
    later = json.loads(stacklab(env, "billing", "bill", "--month", bill["month"], "--json").output)["bill"]
    assert {li["name"]: li["total"] for li in later["line_items"] if li["name"] in names} == \
        {"bill-tiny": "0.03", "bill-small": "0.06"}


def test_student_and_admin_commands(env: dict[str, str], tmp_path: Path) -> None:
    """Balance, prices, usage with a chart (and SVG), coupons, top-up, mode, budget and alerts over the CLI;
    a student calling an admin command gets the cloud's 403."""
    assert "balance:" in stacklab(env, "billing", "balance").output
    assert "m1.tiny" in stacklab(env, "billing", "prices").output
    svg, png = tmp_path / "usage.svg", tmp_path / "usage.png"
    chart = stacklab(env, "billing", "usage", "--chart", "--svg", str(svg), "--png", str(png)).output
    assert "Cost per day" in chart and f"chart written to {svg}" in chart
    assert "<svg" in svg.read_text() and "Cost per day" in svg.read_text()
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "Running now" in stacklab(env, "billing", "usage").output
    stacklab(env, "billing", "coupon", "create", "E2E-WELCOME", "10", "--max-uses", "5")
    assert "coupon E2E-WELCOME redeemed" in stacklab(env, "billing", "coupon", "redeem", "E2E-WELCOME").output
    again = stacklab(env, "billing", "coupon", "redeem", "E2E-WELCOME", ok=False)
    assert again.exit_code == 1 and "already been redeemed by this project. (HTTP 409)" in again.output
    assert "E2E-WELCOME" in stacklab(env, "billing", "coupon", "list").output
    denied = stacklab(env, "billing", "topup", "demo", "5", "--cloud", "stacklab-demo", ok=False)
    assert denied.exit_code == 1
    assert "Policy doesn't allow billing:create_topup to be performed. (HTTP 403)" in denied.output
    before = json.loads(stacklab(env, "billing", "balance", "--json").output)["account"]["balance"]
    assert "balance" in stacklab(env, "billing", "topup", "demo", "5").output
    after = json.loads(stacklab(env, "billing", "balance", "--json").output)["account"]["balance"]
    assert Decimal(after) - Decimal(before) == 5
    assert "demo: prepaid" in stacklab(env, "billing", "mode", "demo", "prepaid").output
    assert "alerts at 50%, 100%" in stacklab(env, "billing", "budget", "set", "demo", "0.01", "--thresholds",
                                               "50,100").output
    alerts = stacklab(env, "billing", "alerts").output
    assert "50%" in alerts and "100%" in alerts
    stacklab(env, "billing", "mode", "demo", "payg")
    prices = tmp_path / "prices.yaml"
    prices.write_text(stacklab(env, "billing", "prices", "--json").output)
    document = json.loads(prices.read_text())["prices"]
    document["router"]["price"] = "0.02"
    prices.write_text(json.dumps(document))
    assert "price list replaced (api:admin)" in stacklab(env, "billing", "prices", "set", str(prices)).output


def test_balance_bill_and_class_cost_charts_are_images(billing_lab: LiveCloud, env: dict[str, str],
                                                       tmp_path: Path) -> None:
    """The balance over time, the bill by resource and the class's cost per student as real SVG/PNG images;
    bills and the class view name each project beside its id."""
    billing_lab.openstack("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--network", "private",
                          "--wait", "chart-vm", user="demo", project="demo")
    stacklab(env, "clock", "advance", "5h")
    balance_svg = tmp_path / "balance.svg"
    out = stacklab(env, "billing", "balance", "--svg", str(balance_svg)).output
    assert "project:  demo (" in out and "Balance over time" in balance_svg.read_text()
    bill_png = tmp_path / "bill.png"
    out = stacklab(env, "billing", "bill", "--png", str(bill_png)).output
    assert "for project demo (" in out and "chart-vm (" in out
    assert bill_png.read_bytes().startswith(b"\x89PNG")
    made = stacklab(env, "class", "create", "--students", "3", "--name", "charts", "--prefix", "cc",
                    "--balance", "20", "--output", str(tmp_path / "creds")).output
    assert "3 students" in made
    answer = json.loads(stacklab(env, "billing", "class-cost", "--class", "charts", "--json").output)
    assert sorted(b["project_name"] for b in answer["bills"]) == ["cc01", "cc02", "cc03"]
    class_svg = tmp_path / "class.svg"
    out = stacklab(env, "billing", "class-cost", "--class", "charts", "--svg", str(class_svg)).output
    assert "3 projects, total" in out and "cc02 (" in out
    text = class_svg.read_text()
    assert "Class cost" in text and "cc01" in text
    bad = stacklab(env, "billing", "usage", "--png", str(tmp_path / "usage.gif"), ok=False)
    assert bad.exit_code != 0
    billing_lab.openstack("server", "delete", "--wait", "chart-vm", user="demo", project="demo")
