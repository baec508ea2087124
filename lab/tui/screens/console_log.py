"""A server's console log, refreshed while shown (like `openstack console log show`), with search: `/` to search,
Enter / `n` for the next match, `N` for the previous one; matches are highlighted."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Static

from lab.tui.models import Server
from lab.tui.screens.base import CloudScreen


def highlighted(log: str, term: str, current: int) -> tuple[Text, list[int]]:
    """The log with every match of `term` highlighted (the `current`-th strongest) and the lines of the matches."""
    text = Text(log)
    lines: list[int] = []
    if not term:
        return text, lines
    lower, needle = log.lower(), term.lower()
    start, index = lower.find(needle), 0
    while start >= 0:
        style = "black on yellow" if index == current else "reverse"
        text.stylize(style, start, start + len(needle))
        lines.append(log.count("\n", 0, start))
        index += 1
        start = lower.find(needle, start + len(needle))
    return text, lines


class ConsoleLogScreen(CloudScreen):
    NAV: ClassVar[str] = "servers"
    DEFAULT_CSS = """
    ConsoleLogScreen #log { padding: 0 1; }
    ConsoleLogScreen #search { dock: bottom; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/"),
        Binding("n", "next_match", "Next match"),
        Binding("N", "previous_match", "Previous match", key_display="shift+n"),
    ]

    def __init__(self, server: Server) -> None:
        super().__init__()
        self.server = server
        self.log_text = ""
        self.term = ""
        self.current = 0
        self.matches: list[int] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with VerticalScroll(id="scroll"):
            yield Static("loading…", id="log")
        yield Input(placeholder="search the log: Enter for the next match, Esc to close", id="search")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"console log of {self.server.name}"
        self.query_one("#search", Input).display = False

    def refresh_data(self) -> None:
        self.poll(self.client.console_log, self.server.id, then=self.show)

    def show(self, log: str) -> None:
        if log == self.log_text and self.matches:
            return
        scroll = self.query_one("#scroll", VerticalScroll)
        at_end = scroll.scroll_y >= scroll.max_scroll_y
        self.log_text = log
        self._redraw()
        if at_end and not self.term:
            scroll.scroll_end(animate=False)

    def _redraw(self) -> None:
        text, self.matches = highlighted(self.log_text or "(the console log is empty)", self.term, self.current)
        self.query_one("#log", Static).update(text)
        if self.term:
            self.sub_title = (f"console log of {self.server.name}: {len(self.matches)} matches of {self.term!r}")
        else:
            self.sub_title = f"console log of {self.server.name}"

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.term = event.value
        self.current = 0
        self._redraw()
        self._scroll_to_current()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_next_match()

    def _scroll_to_current(self) -> None:
        if self.matches:
            self.query_one("#scroll", VerticalScroll).scroll_to(y=max(self.matches[self.current] - 3, 0),
                                                                animate=False)

    def action_next_match(self) -> None:
        if self.matches:
            self.current = (self.current + 1) % len(self.matches)
            self._redraw()
            self._scroll_to_current()

    def action_previous_match(self) -> None:
        if self.matches:
            self.current = (self.current - 1) % len(self.matches)
            self._redraw()
            self._scroll_to_current()

    def action_back(self) -> None:
        box = self.query_one("#search", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.query_one("#scroll", VerticalScroll).focus()
            return
        super().action_back()
