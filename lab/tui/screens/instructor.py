"""Instructor mode (admin users only): the lab clock and advancing it, and every project's servers and volumes.
The class grid, student reset and snapshots join here when the camp service exists."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from lab.tui.client import CloudClient
from lab.tui.models import ClockReading, Server, Volume
from lab.tui.screens.base import ListScreen, TableSpec
from lab.tui.screens.dialogs import Field, FormScreen


def _servers(c: CloudClient) -> list[tuple[Server, str]]:
    names = c.project_names()
    return [(s, names.get(s.project_id, s.project_id)) for s in c.list_servers(all_projects=True)]


def _volumes(c: CloudClient) -> list[tuple[Volume, str]]:
    names = c.project_names()
    return [(v, names.get(v.project_id, v.project_id)) for v in c.list_volumes(all_projects=True)]


class Owned:
    """A resource with its project's name (what the instructor tables list)."""

    def __init__(self, pair: tuple[Any, str]) -> None:
        self.item, self.project = pair
        self.id = self.item.id
        self.name = self.item.name
        self.raw = self.item.raw


class InstructorScreen(ListScreen):
    NAV: ClassVar[str] = "instructor"
    TABLES = (
        TableSpec("all-servers", "All servers", [("project", "Project"), ("name", "Name"), ("status", "Status"),
                                                 ("flavor", "Flavor"), ("addresses", "Addresses"), ("id", "ID")],
                  lambda c: [Owned(p) for p in _servers(c)],
                  lambda o: (o.project, o.name, o.item.status, o.item.flavor, o.item.addresses, o.id)),
        TableSpec("all-volumes", "All volumes", [("project", "Project"), ("name", "Name"), ("status", "Status"),
                                                 ("size", "Size (GB)"), ("attached", "Attached to"), ("id", "ID")],
                  lambda c: [Owned(p) for p in _volumes(c)],
                  lambda o: (o.project, o.name, o.item.status, str(o.item.size), o.item.attached_to, o.id)),
    )
    MUTATING = frozenset({"advance_clock"})
    BINDINGS: ClassVar[list[BindingType]] = [Binding("c", "advance_clock", "Advance lab clock")]
    DEFAULT_CSS = """
    InstructorScreen #clock { padding: 0 2; height: auto; }
    """

    def compose_body(self) -> ComposeResult:
        yield Static("lab clock: loading…", id="clock")
        yield from super().compose_body()

    def refresh_data(self) -> None:
        super().refresh_data()
        if "stacklab" in self.stacklab.services:
            self.call(self.client.get_clock, then=self.show_clock)

    def show_clock(self, reading: ClockReading) -> None:
        self.query_one("#clock", Static).update(Text.assemble(
            ("lab clock  ", "bold"), f"{reading.now} UTC, ahead of real time by {reading.offset}"))

    def action_advance_clock(self) -> None:
        if "stacklab" not in self.stacklab.services:
            self.notify("This cloud has no lab clock (it is not a StackLab).", severity="warning")
            return
        form = FormScreen("Advance the lab clock", [Field("by", "By (e.g. 30m, 3h, 30d, 1w2d):", value="1h")],
                          submit="Advance")

        def advance(v: dict[str, Any] | None) -> None:
            if v:
                self.call(self.client.advance_clock, v["by"], then=self.show_clock,
                          done=f"Lab clock advanced by {v['by']}")

        self.app.push_screen(form, advance)
