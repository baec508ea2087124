"""Metrics: the project's Gnocchi `instance` resources (one per server, made by the lab's collector), each with
a sparkline of its recent CPU in the table, and a chart of the selected one's `cpu_util` (Textual's Sparkline)
under it, with its minimum, mean and maximum."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import DataTable, Sparkline, Static

from lab.tui.models import MetricResource
from lab.tui.screens.base import ListScreen, TableSpec

BLOCKS = "▁▂▃▄▅▆▇█"


def spark(values: tuple[float, ...], width: int = 24) -> str:
    """The last `width` CPU percentages as block characters (0-100 %), for a table cell."""
    return "".join(BLOCKS[min(len(BLOCKS) - 1, int(v / 100 * len(BLOCKS)))] for v in values[-width:]) or "-"


def _row(r: MetricResource) -> tuple[str, ...]:
    last = f"{r.cpu[-1]:.1f} %" if r.cpu else "-"
    return (r.name, r.type, spark(r.cpu), last, r.started[:19].replace("T", " "),
            r.ended[:19].replace("T", " ") or "running", r.id)


def summary(r: MetricResource) -> str:
    if not r.cpu:
        return f"{r.name}: no CPU measures yet (the collector samples every 5 lab minutes)"
    mean = sum(r.cpu) / len(r.cpu)
    return (f"{r.name}: cpu_util over its last {len(r.cpu)} measures (5 min each): min {min(r.cpu):.1f} %, "
            f"mean {mean:.1f} %, max {max(r.cpu):.1f} %, last {r.cpu[-1]:.1f} %")


class MetricsScreen(ListScreen):
    NAV: ClassVar[str] = "metrics"
    TABLES = (TableSpec("metric-resources", "Metrics",
                        [("name", "Server"), ("type", "Type"), ("cpu", "CPU (last 2 h)"), ("last", "Last"),
                         ("started", "Started"), ("ended", "Ended"), ("id", "Resource ID")],
                        lambda c: c.list_metric_resources(), _row),)

    def compose_body(self) -> ComposeResult:
        yield from super().compose_body()
        yield Static("Select a resource to chart its CPU.", id="cpu-summary")
        yield Sparkline([], id="cpu-chart")

    def show_items(self, spec: TableSpec, items: list[Any]) -> None:
        super().show_items(spec, items)
        self._chart()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._chart()

    def _chart(self) -> None:
        item = self.selected() or next(iter(self.items[self.TABLES[0].id].values()), None)
        chart, label = self.query_one("#cpu-chart", Sparkline), self.query_one("#cpu-summary", Static)
        if item is None:
            chart.data = []
            label.update("No metric resources yet: boot a server.")
            return
        chart.data = list(item.cpu) or [0.0]
        label.update(summary(item))
