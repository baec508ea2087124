"""A server's usage as three sparklines (CPU, memory, network) with their last values, for the Servers screen:
the measures of its Gnocchi `instance` resource, one bar per 5-minute period, the newest on the right."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Sparkline, Static

from lab.tui.models import ServerUsage

PERIODS = 24  # two hours of 5-minute periods


def _bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def usage_lines(usage: ServerUsage) -> dict[str, str]:
    """The text beside each sparkline: the last value and the maximum shown, or why there is none."""
    def said(values: tuple[float, ...], show: str, none: str) -> str:
        if not values:
            return none
        return f"last {show.format(values[-1])}, max {show.format(max(values))}"

    later = "no measures yet (the collector samples every 5 lab minutes)"
    return {"cpu": said(usage.cpu, "{:.1f} %", later),
            "memory": said(usage.memory, "{:.0f} MB", later),
            "network": (f"last {_bytes(usage.network[-1])}, max {_bytes(max(usage.network))} per 5 min"
                        if usage.network else "no rate yet (it needs two samples, 5 lab minutes apart)")}


class UsagePanel(Vertical):
    """The selected server's CPU, memory and network sparklines; `show(name, usage)` redraws them."""

    DEFAULT_CSS = """
    UsagePanel { height: auto; padding: 0 1; border-top: solid $primary-darken-2; }
    UsagePanel .usage-row { height: 1; }
    UsagePanel .usage-label { width: 10; text-style: bold; }
    UsagePanel Sparkline { width: 26; height: 1; margin-right: 2; }
    UsagePanel .usage-text { width: 1fr; }
    """
    ROWS = (("cpu", "CPU"), ("memory", "Memory"), ("network", "Network"))

    def compose(self) -> ComposeResult:
        yield Static("Select a server to see its usage.", id="usage-title")
        for key, label in self.ROWS:
            with Horizontal(classes="usage-row"):
                yield Static(label, classes="usage-label")
                yield Sparkline([], id=f"usage-{key}")
                yield Static("", id=f"usage-{key}-text", classes="usage-text")

    def show(self, name: str, usage: ServerUsage | None, note: str = "") -> None:
        """Draw `name`'s usage; None with a `note` says why there is none, None alone that nothing is selected."""
        title = self.query_one("#usage-title", Static)
        if usage is None or not usage.metered:
            title.update(f"{name}: usage unavailable ({note})" if note
                         else f"{name}: not metered yet (the collector makes its resource within seconds of ACTIVE)"
                         if usage is not None else "Select a server to see its usage.")
            for key, _label in self.ROWS:
                self.query_one(f"#usage-{key}", Sparkline).data = []
                self.query_one(f"#usage-{key}-text", Static).update("")
            return
        title.update(f"{name}: the last {PERIODS} periods of 5 lab minutes (Gnocchi's `low` policy)")
        lines = usage_lines(usage)
        for key, _label in self.ROWS:
            values: tuple[float, ...] = getattr(usage, key)
            self.query_one(f"#usage-{key}", Sparkline).data = list(values[-PERIODS:])
            self.query_one(f"#usage-{key}-text", Static).update(lines[key])
