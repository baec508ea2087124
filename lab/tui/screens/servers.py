"""Servers: the live list (refreshing itself, with each server's group), launch, stop/start/reboot/delete with
confirmation, the everyday Nova actions (lock, pause, suspend, shelve: each key toggles; rebuild, snapshot), the
console URL and the event list, and Enter for a server's detail."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from lab.tui.models import Server
from lab.tui.screens.base import ListScreen, TableSpec

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
