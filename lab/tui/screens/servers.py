"""Servers: the live list (refreshing itself, with each server's group), launch, stop/start/reboot/delete with
confirmation, the everyday Nova actions (lock, pause, suspend, shelve: each key toggles; rebuild, snapshot), the
console URL and the event list, and Enter for a server's detail. Under the list, when the cloud has a metric
service, the highlighted server's CPU, memory and network as sparklines (Kanyun's per-instance figures)."""

from __future__ import annotations

import asyncio
import time
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from lab.tui.client import CloudError
from lab.tui.models import Server, ServerUsage
from lab.tui.screens.base import ListScreen, TableSpec
from lab.tui.widgets.usage import UsagePanel

USAGE_EVERY = 15.0  # seconds between two reads of the same server's measures (they change every 5 lab minutes)

SERVER_COLUMNS = [("name", "Name"), ("status", "Status"), ("flavor", "Flavor"), ("image", "Image"),
                  ("addresses", "Addresses"), ("key", "Key pair"), ("group", "Group"), ("id", "ID")]


def server_row(s: Server) -> tuple[str, ...]:
    status = f"{s.status} (locked)" if s.locked else s.status
    return (s.name, status, s.flavor, s.image, s.addresses, s.key_name, ", ".join(s.server_groups), s.id)


# Each toggle: the action when the server is not in the state yet, the one that undoes it, and how to tell.
TOGGLES: dict[str, tuple[str, str, str]] = {
    "lock": ("lock", "unlock", "locked"), "pause": ("pause", "unpause", "PAUSED"),
    "suspend": ("suspend", "resume", "SUSPENDED"), "shelve": ("shelve", "unshelve", "SHELVED"),
}


class ServerActions:
    """Stop/start/reboot/delete for a screen that knows its selected server (the list and the detail)."""

    # check_action is asked with the action's name alone: `nova_toggle` covers lock, pause, suspend and shelve.
    MUTATING: ClassVar[frozenset[str]] = frozenset({"launch", "delete", "stop", "start", "reboot", "nova_toggle",
                                                    "rebuild", "snapshot"})
    ACTION_BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "delete", "Delete"),
        Binding("x", "stop", "Stop"),
        Binding("s", "start", "Start"),
        Binding("b", "reboot", "Reboot"),
        Binding("l", "console", "Console log"),
        # The other Nova actions: listed by `?` and the command palette, kept out of a crowded footer.
        Binding("k", "nova_toggle('lock')", "Lock/unlock", show=False),
        Binding("p", "nova_toggle('pause')", "Pause/unpause", show=False),
        Binding("u", "nova_toggle('suspend')", "Suspend/resume", show=False),
        Binding("h", "nova_toggle('shelve')", "Shelve/unshelve", show=False),
        Binding("e", "rebuild", "Rebuild", show=False),
        Binding("i", "snapshot", "Snapshot image", show=False),
        Binding("c", "console_url", "Console URL", show=False),
        Binding("v", "events", "Event list", show=False),
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

    def action_nova_toggle(self, kind: str) -> None:
        server = self.current_server()
        if server is None:
            return
        do, undo, state = TOGGLES[kind]
        inside = server.locked if kind == "lock" else server.status.startswith(state)
        verb = undo if inside else do
        self._act(verb, f"{verb} asked")

    def action_rebuild(self) -> None:
        self._act("rebuild", "rebuilding with its image")

    def action_snapshot(self) -> None:
        server = self.current_server()
        if server is None:
            return
        screen: Any = self
        name = f"{server.name}-snapshot"
        screen.confirm_then(f"Make image {name} of server {server.name}?",
                            lambda: screen.call(screen.client.create_server_image, server.id, name,
                                                then=lambda _: self.after_change(),
                                                done=f"Image {name} is being made (see Images)"))

    def action_console_url(self) -> None:
        server = self.current_server()
        if server is not None:
            screen: Any = self
            screen.call(screen.client.console_url, server.id,
                        then=lambda url: screen.notify(f"Console of {server.name}: {url}", timeout=30))

    def action_events(self) -> None:
        server = self.current_server()
        if server is None:
            return
        from lab.tui.screens.dialogs import JsonScreen

        screen: Any = self
        screen.call(screen.client.server_events, server.id,
                    then=lambda events: screen.app.push_screen(JsonScreen(f"Events of {server.name}", events)))

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

    def __init__(self) -> None:
        super().__init__()
        self._usage_of: tuple[str, float] | None = None  # the server whose usage is shown, and when it was read

    def compose_body(self) -> ComposeResult:
        yield from super().compose_body()
        if "metric" in self.stacklab.services:
            yield UsagePanel(id="usage")

    def current_server(self) -> Server | None:
        server: Server | None = self.require_selected("server")
        return server

    def after_change(self) -> None:
        self.refresh_data()

    # ------------------------------------------------------------------------------------------ usage
    def show_items(self, spec: TableSpec, items: list[Any]) -> None:
        super().show_items(spec, items)
        self._show_usage()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_usage()

    def _show_usage(self) -> None:
        """Read the highlighted server's measures: at once for another server, else at most every USAGE_EVERY
        (the list refreshes every few seconds; the measures change every 5 lab minutes)."""
        panels = self.query(UsagePanel)
        if not panels:
            return
        server = self.selected() or next(iter(self.items[self.TABLES[0].id].values()), None)
        if server is None:
            self._usage_of = None
            panels.first().show("", None)
            return
        shown = self._usage_of
        if shown is not None and shown[0] == server.id and time.monotonic() - shown[1] < USAGE_EVERY:
            return
        self._usage_of = (server.id, time.monotonic())
        self.run_worker(self._read_usage(server), group="usage", exclusive=True, exit_on_error=False)

    async def _read_usage(self, server: Server) -> None:
        note = ""
        try:
            usage: ServerUsage | None = await asyncio.to_thread(self.client.server_usage, server.id)
        except CloudError as exc:  # the list's own refresh says what is wrong with the cloud
            usage, note, self._usage_of = None, str(exc), None
        if self.is_attached and (self._usage_of is None or self._usage_of[0] == server.id):
            self.query_one(UsagePanel).show(server.name, usage, note)

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
