"""The navigation bar under the header: the screens this cloud offers, with their keys; click one to go there."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import Static


def nav_markup(entries: Sequence[tuple[str, str, str]], current: str) -> str:
    """Content markup for (mode, key, title) entries, the current one highlighted, each a click target."""
    parts = []
    for mode, key, title in entries:
        label = f" [b]{key}[/b]:{title} " if key else f" {title} "
        if mode == current:
            label = f"[reverse bold]{label}[/]"
        parts.append(f"[@click=app.go('{mode}')]{label}[/]")
    return " ".join(parts)


class NavBar(Static):
    DEFAULT_CSS = """
    NavBar { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, entries: Sequence[tuple[str, str, str]], current: str) -> None:
        """`entries` are (mode name, key, title)."""
        super().__init__(nav_markup(entries, current))
