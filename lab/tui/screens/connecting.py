"""The first screen: shown while the console logs in, and with the reason when it cannot (it retries)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class ConnectingScreen(Screen[None]):
    DEFAULT_CSS = """
    ConnectingScreen #status { width: auto; max-width: 90; padding: 1 2; border: round $primary; }
    """

    def __init__(self, cloud: str) -> None:
        super().__init__()
        self.cloud = cloud

    def compose(self) -> ComposeResult:
        yield Header()
        with Middle(), Center():
            yield Static(f"Connecting to {self.cloud}…", id="status")
        yield Footer()

    def show_problem(self, problem: str) -> None:
        self.query_one("#status", Static).update(
            f"Cannot log in to [b]{self.cloud}[/b]:\n{problem}\n\nRetrying; q quits.")
