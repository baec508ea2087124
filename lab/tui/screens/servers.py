"""Servers: the live list (refreshing itself), launch, stop/start/reboot/delete with confirmation, and Enter for
a server's detail."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from lab.tui.models import Server
from lab.tui.screens.base import ListScreen, TableSpec

SERVER_COLUMNS = [("name", "Name"), ("status", "Status"), ("flavor", "Flavor"), ("image", "Image"),
                  ("addresses", "Addresses"), ("key", "Key pair"), ("id", "ID")]


def server_row(s: Server) -> tuple[str, ...]:
    return (s.name, s.status, s.flavor, s.image, s.addresses, s.key_name, s.id)


class ServerActions:
    """Stop/start/reboot/delete for a screen that knows its selected server (the list and the detail)."""

    MUTATING: ClassVar[frozenset[str]] = frozenset({"launch", "delete", "stop", "start", "reboot"})
    ACTION_BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "delete", "Delete"),
        Binding("x", "stop", "Stop"),
        Binding("s", "start", "Start"),
        Binding("b", "reboot", "Reboot"),
        Binding("l", "console", "Console log"),
    ]

    def current_server(self) -> Server | None:
        raise NotImplementedError

    def after_change(self) -> None:
        raise NotImplementedError

    def _act(self, verb: str, past: str) -> None:
        server = self.current_server()
        if server is None:
            return
        screen: Any = self
        screen.confirm_then(f"{verb.capitalize()} server {server.name}?",
                            lambda: screen.call(screen.client.server_action, server.id, verb,
                                                then=lambda _: self.after_change(),
                                                done=f"Server {server.name}: {past}"))

    def action_stop(self) -> None:
        self._act("stop", "stopping")

    def action_start(self) -> None:
        self._act("start", "starting")

    def action_reboot(self) -> None:
        self._act("reboot", "rebooting")

    def action_delete(self) -> None:
        server = self.current_server()
        if server is None:
            return
        screen: Any = self

        def delete() -> None:
            self.before_delete()
            screen.call(screen.client.delete_server, server.id, then=lambda _: self.after_delete(),
                        done=f"Server {server.name} is being deleted")

        screen.confirm_then(f"Delete server {server.name}? Its disk is lost; attached volumes are kept.", delete)

    def before_delete(self) -> None:
        pass

    def after_delete(self) -> None:
        self.after_change()

    def action_console(self) -> None:
        from lab.tui.screens.console_log import ConsoleLogScreen

        server = self.current_server()
        if server is not None:
            screen: Any = self
            screen.app.push_screen(ConsoleLogScreen(server))


class ServersScreen(ServerActions, ListScreen):
    NAV: ClassVar[str] = "servers"
    TABLES = (TableSpec("servers", "Servers", SERVER_COLUMNS, lambda c: c.list_servers(), server_row),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("n", "launch", "Launch"), *ServerActions.ACTION_BINDINGS]

    def current_server(self) -> Server | None:
        server: Server | None = self.require_selected("server")
        return server

    def after_change(self) -> None:
        self.refresh_data()

    def open_item(self, item: Any) -> None:
        from lab.tui.screens.server_detail import ServerDetailScreen

        self.app.push_screen(ServerDetailScreen(item))

    def action_launch(self) -> None:
        from lab.tui.screens.launch import LaunchScreen

        def launched(server: Server | None) -> None:
            if server is not None:
                self.notify(f"Server {server.name} is building")
                self.refresh_data()

        self.app.push_screen(LaunchScreen(), launched)
