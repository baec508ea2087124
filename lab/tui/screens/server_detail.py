"""One server: its fields, addresses, volumes and security groups, refreshed while shown; the same actions as the
list, `l` for its console log."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from lab.tui.models import Server
from lab.tui.screens.base import CloudScreen
from lab.tui.screens.servers import ServerActions


def detail_table(s: Server) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for name, value in (("name", s.name), ("id", s.id), ("status", s.status), ("flavor", s.flavor),
                        ("image", s.image), ("addresses", s.addresses.replace("; ", "\n") or "-"),
                        ("key pair", s.key_name or "-"),
                        ("security groups", ", ".join(s.security_groups) or "-"),
                        ("locked", "yes" if s.locked else "no"),
                        ("server groups", ", ".join(s.server_groups) or "-"),
                        ("volumes", "\n".join(s.volumes) or "-"), ("project", s.project_id),
                        ("created", s.created)):
        table.add_row(name, value)
    return table


class ServerDetailScreen(ServerActions, CloudScreen):
    NAV: ClassVar[str] = "servers"
    DEFAULT_CSS = """
    ServerDetailScreen #detail { padding: 1 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [*ServerActions.ACTION_BINDINGS, Binding("y", "show_json", "JSON")]
    MUTATING = ServerActions.MUTATING

    def __init__(self, server: Server) -> None:
        super().__init__()
        self.server = server

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with VerticalScroll():
            yield Static(detail_table(self.server), id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"server {self.server.name}"

    def refresh_data(self) -> None:
        self.poll(self.client.get_server, self.server.id, then=self.show)

    def show(self, server: Server) -> None:
        self.server = server
        self.query_one("#detail", Static).update(detail_table(server))

    def current_server(self) -> Server | None:
        return self.server

    def after_change(self) -> None:
        self.refresh_data()

    def before_delete(self) -> None:
        self.quiet = True

    def after_delete(self) -> None:
        self.app.pop_screen()

    def action_show_json(self) -> None:
        from lab.tui.screens.dialogs import JsonScreen

        self.app.push_screen(JsonScreen(self.server.name, self.server.raw))
