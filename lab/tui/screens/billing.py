"""Billing: the account balance, this month's bill by category and its usage by day as bar charts, and the bill's
line items. Shown only when the cloud's catalog lists a `billing` service; everything it knows about that service
is `CloudClient.billing()` (GET /billing/v1/balance, /bills/current and /usage)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Label, Static

from lab.tui.models import Billing
from lab.tui.screens.base import CloudScreen
from lab.tui.widgets.bars import BarChart


class BillingScreen(CloudScreen):
    NAV: ClassVar[str] = "billing"
    DEFAULT_CSS = """
    BillingScreen #summary { padding: 1 2 0 2; height: auto; }
    BillingScreen #charts { height: auto; margin: 1 2 0 2; }
    BillingScreen .chart-box { height: auto; width: 1fr; border: round $primary; padding: 0 1; }
    BillingScreen DataTable { height: 1fr; margin: 0 2; }
    """

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        yield Static("loading…", id="summary")
        with Horizontal(id="charts"):
            with Vertical(classes="chart-box"):
                yield Label("This month by category")
                yield BarChart(id="chart", width=24)
            with Vertical(classes="chart-box"):
                yield Label("Usage by day")
                yield BarChart(id="days", width=24)
        yield DataTable(id="items", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#items", DataTable).add_columns("Category", "Resource", "Quantity", "Total")

    def refresh_data(self) -> None:
        self.poll(self.client.billing, then=self.show)

    def show(self, bill: Billing) -> None:
        self.query_one("#summary", Static).update(Text.assemble(
            ("Balance  ", "bold"), f"{bill.balance} {bill.currency}    ",
            (f"Bill for {bill.month or 'this month'}  ", "bold"), f"{bill.total} {bill.currency}"))
        chart = self.query_one("#chart", BarChart)
        chart.unit = bill.currency
        chart.items = tuple((c.name, c.amount) for c in bill.categories)
        days = self.query_one("#days", BarChart)
        days.unit = bill.currency
        days.items = tuple((d.date[5:], d.total) for d in bill.days[-14:])  # MM-DD, the last two weeks
        table = self.query_one("#items", DataTable)
        rows = [tuple(item) for item in bill.line_items]
        if [tuple(table.get_row_at(i)) for i in range(table.row_count)] != rows:
            table.clear()
            table.add_rows(rows)
