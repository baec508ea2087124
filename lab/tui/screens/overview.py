"""Overview: the project's quota use as gauges, counts of its resources, the lab clock (instructors) and the
balance (when the cloud bills)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Label, Static

from lab.tui.models import Overview
from lab.tui.screens.base import CloudScreen
from lab.tui.widgets.gauge import Gauge


class OverviewScreen(CloudScreen):
    NAV: ClassVar[str] = "overview"
    DEFAULT_CSS = """
    OverviewScreen #panels { height: auto; padding: 1 2; }
    OverviewScreen .panel { width: 1fr; height: auto; border: round $primary; padding: 0 1; }
    OverviewScreen .panel-title { text-style: bold; margin-bottom: 1; }
    OverviewScreen #gauges { width: 2fr; }
    """

    overview: Overview | None = None  # what is shown

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with Horizontal(id="panels"):
            with Vertical(id="gauges", classes="panel"):
                yield Label("Quota use", classes="panel-title")
            with Vertical(classes="panel"):
                yield Label("Resources", classes="panel-title")
                yield Static("loading…", id="counts")
                yield Static("", id="session")
        yield Footer()

    def refresh_data(self) -> None:
        info = self.stacklab.session
        if info is not None:
            self.poll(self.client.overview, info.services, info.is_admin, then=self.show)

    def show(self, overview: Overview) -> None:
        self.overview = overview
        box = self.query_one("#gauges", Vertical)
        for quota in overview.quotas:
            gauge_id = "gauge-" + "".join(c if c.isalnum() else "-" for c in quota.resource)
            found = box.query(f"#{gauge_id}")
            if found:
                gauge = found.first(Gauge)
            else:
                gauge = Gauge(quota.resource, id=gauge_id)
                box.mount(gauge)
            gauge.value = (quota.used, quota.limit)
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        table.add_column(style="bold")
        table.add_column(justify="right")
        for name, count in overview.counts:
            table.add_row(name, str(count))
        self.query_one("#counts", Static).update(table)
        lines = []
        if overview.clock is not None:
            lines.append(f"lab clock  {overview.clock.now} UTC (ahead by {overview.clock.offset})")
        if overview.balance is not None:
            lines.append(f"balance    {overview.balance}")
        self.query_one("#session", Static).update("\n" + "\n".join(lines) if lines else "")
