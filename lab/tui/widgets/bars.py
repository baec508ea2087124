"""A horizontal bar chart of amounts by name (the bill by category), drawn with block characters."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

WIDTH = 40


def bars_text(items: Sequence[tuple[str, str]], unit: str = "", width: int = WIDTH) -> Text:
    """One line per (name, amount), the longest bar `width` cells; amounts are decimal strings."""
    values = []
    for name, amount in items:
        try:
            values.append((name, amount, Decimal(amount)))
        except InvalidOperation:
            values.append((name, amount, Decimal(0)))
    top = max((v for _n, _a, v in values), default=Decimal(0))
    text = Text()
    label_width = max((len(n) for n, _a, _v in values), default=0)
    for i, (name, amount, value) in enumerate(values):
        cells = int((value / top) * width) if top > 0 else 0
        if i:
            text.append("\n")
        text.append(f"{name:<{label_width}}  ", style="bold")
        text.append("█" * cells, style="cyan")
        text.append(f" {amount} {unit}".rstrip())
    if not values:
        text.append("no charges yet", style="dim")
    return text


class BarChart(Static):
    """Set `items` to a list of (name, decimal amount) to redraw."""

    items: reactive[tuple[tuple[str, str], ...]] = reactive((), layout=True)  # more bars: a taller chart

    def __init__(self, unit: str = "", *, id: str | None = None, width: int = WIDTH) -> None:
        super().__init__(id=id)
        self.unit = unit
        self.bar_width = width

    def render(self) -> Text:
        return bars_text(self.items, self.unit, self.bar_width)
