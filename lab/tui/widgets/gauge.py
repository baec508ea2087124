"""A quota gauge: `instances  ████████░░░░░░░░  4 / 10`, green, then yellow past 75 %, red when full."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

WIDTH = 24


def gauge_text(label: str, used: int, limit: int, width: int = WIDTH) -> Text:
    """The gauge as styled text; a negative limit means unlimited."""
    text = Text(f"{label:<16}", style="bold")
    if limit < 0:
        text.append("░" * width, style="dim")
        text.append(f"  {used} / unlimited")
        return text
    share = min(used / limit, 1.0) if limit else 1.0
    filled = round(share * width)
    colour = "red" if share >= 1.0 else "yellow" if share >= 0.75 else "green"
    text.append("█" * filled, style=colour)
    text.append("░" * (width - filled), style="dim")
    text.append(f"  {used} / {limit}")
    return text


class Gauge(Static):
    """One quota's use; set `value` to (used, limit) to redraw."""

    DEFAULT_CSS = """
    Gauge { height: 1; }
    """

    value: reactive[tuple[int, int]] = reactive((0, 0))

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label

    def render(self) -> Text:
        used, limit = self.value
        return gauge_text(self.label, used, limit)
