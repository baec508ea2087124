"""The console app: wires screens and bindings, nothing else. `create_app(client)` builds it, so tests (and the
`stacklab tui` command) hand it the client they want.

Each top-level screen is a Textual mode (its own stack: Enter pushes a detail, Esc pops it). Screens for services
missing from the catalog are never added. One timer asks only the screen in front to refresh, so hidden screens
cost the cloud nothing. Screens report whether the cloud answered (`ConnectionChanged`, messages up); the app keeps
that in `offline`, which the banner on every screen watches (attributes down).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen

from lab.tui.client import CloudClient, CloudError
from lab.tui.models import SessionInfo
from lab.tui.screens.base import CloudScreen, ConnectionChanged
from lab.tui.screens.connecting import ConnectingScreen
from lab.tui.screens.dialogs import HelpScreen
from lab.tui.screens.overview import OverviewScreen

DARK, LIGHT = "textual-dark", "textual-light"
TEXTUAL_KEYS = {"Focus Next", "Focus Previous", "Copy selected text"}


@dataclass(frozen=True)
class Nav:
    """A top-level screen: shown when the catalog has any of `services` (and the user is admin, if asked)."""

    mode: str
    title: str
    screen: Callable[[], Screen[None]]
    services: frozenset[str] = frozenset()
    admin_only: bool = False

    def available(self, info: SessionInfo) -> bool:
        return (not self.services or bool(self.services & info.services)) and (info.is_admin or not self.admin_only)


def _navs() -> tuple[Nav, ...]:
    """The overview, then the screens the services' plugins contribute (lab/cloud/plugin.py `Screen`)."""
    from lab.cloud.app import PLUGINS
    from lab.cloud.plugin import load, load_plugins

    screens = sorted((s for p in load_plugins(PLUGINS) for s in p.screens), key=lambda s: s.order)
    return (Nav("overview", "Overview", OverviewScreen),
            *(Nav(s.key, s.title, load(s.screen), s.catalog_types, s.admin_only) for s in screens))


NAVS = _navs()


class StackLabApp(App[None]):
    TITLE = "StackLab console"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit_console", "Quit"),
        Binding("t", "toggle_theme", "Light/dark"),
        # Naming command_palette here replaces Textual's own ctrl+p binding, so both keys are listed.
        Binding("ctrl+p", "command_palette", "Command palette", show=False, priority=True),
        Binding("colon", "command_palette", "Command palette", show=False, key_display=":"),
        # 1-9 then 0 for the tenth, as on the keyboard's number row; later screens are in the command palette.
        *[Binding(str(i % 10), f"go_index({i})", f"Screen {i}", show=False) for i in range(1, 11)],
    ]

    # Why the cloud does not answer, or None while it does (the banner on every screen watches this).
    offline: reactive[str | None] = reactive(None)

    def __init__(self, client: CloudClient, *, read_only: bool = False, refresh: float = 2.0,
                 start: str = "overview") -> None:
        super().__init__()
        self.client = client
        self.read_only = read_only
        self.refresh_seconds = refresh
        self.start = start
        self.session: SessionInfo | None = None
        self.navs: list[Nav] = []

    @property
    def services(self) -> frozenset[str]:
        return self.session.services if self.session else frozenset()

    def get_default_screen(self) -> Screen[None]:
        return ConnectingScreen(self.client.cloud_name)

    def on_mount(self) -> None:
        self.theme = DARK
        self.run_worker(self._connect(), exit_on_error=False)

    async def _connect(self) -> None:
        """Log in and learn the catalog, retrying until the cloud answers."""
        while True:
            try:
                info = await asyncio.to_thread(self.client.session_info)
                break
            except CloudError as exc:
                if isinstance(self.screen, ConnectingScreen):
                    self.screen.show_problem(str(exc))
            except Exception as exc:
                if isinstance(self.screen, ConnectingScreen):
                    self.screen.show_problem(f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(max(self.refresh_seconds, 1.0))
        self.session = info
        self.sub_title = f"{info.user}@{info.project} on {info.cloud}" + ("  [read-only]" if self.read_only else "")
        self.navs = [nav for nav in NAVS if nav.available(info)]
        for nav in self.navs:
            self.add_mode(nav.mode, nav.screen)
        start = self.start if any(nav.mode == self.start for nav in self.navs) else "overview"
        await self.switch_mode(start)
        self.set_interval(self.refresh_seconds, self._tick)

    def _tick(self) -> None:
        if isinstance(self.screen, CloudScreen):
            self.screen.refresh_data()

    def nav_entries(self) -> list[tuple[str, str, str]]:
        return [(nav.mode, str(i % 10) if i <= 10 else "", nav.title) for i, nav in enumerate(self.navs, start=1)]

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        if message.problem is None and self.offline is not None:
            self.notify("Connection to the cloud restored.")
        self.offline = message.problem

    # ------------------------------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # In a dialog, plain keys belong to the dialog: no switching screens or quitting under it.
        return not (action in ("go", "go_index", "quit_console", "toggle_theme")
                    and isinstance(self.screen, ModalScreen))

    async def action_quit_console(self) -> None:
        await self.action_quit()

    def action_go(self, mode: str) -> None:
        if any(nav.mode == mode for nav in self.navs) and self.current_mode != mode:
            self.switch_mode(mode)

    def action_go_index(self, index: int) -> None:
        if 0 < index <= len(self.navs):
            self.action_go(self.navs[index - 1].mode)

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def action_help(self) -> None:
        """Every key that works here: this screen's first, then the app's, then the focused widget's."""
        sections: dict[str, list[tuple[str, str]]] = {"screen": [], "app": [], "widget": []}
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not active.enabled or binding.action.startswith("go_index") or not binding.description:
                continue
            display = self.get_key_display(binding)
            if display in seen:
                continue
            seen.add(display)
            where = "screen" if active.node is self.screen else "app" if active.node is self else "widget"
            if binding.description in TEXTUAL_KEYS:  # Textual's own keys on every screen: listed last
                where = "widget"
            sections[where].append((display, binding.description))
        sections["app"] += [("1-9, 0", "go to the screen with that number in the bar at the top (0: the tenth)")]
        keys = [*sections["screen"], *sorted(sections["app"]), *sorted(sections["widget"])]
        nav = next((n.title for n in self.navs if n.mode == self.current_mode), "the console")
        self.push_screen(HelpScreen(nav, keys))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for nav in self.navs:
            yield SystemCommand(f"Go to {nav.title}", f"Open the {nav.title} screen",
                                lambda mode=nav.mode: self.action_go(mode))
        if isinstance(screen, CloudScreen):
            for active in screen.active_bindings.values():
                binding = active.binding
                if active.node is screen and active.enabled and binding.description:
                    yield SystemCommand(binding.description, f"{binding.action} (key {self.get_key_display(binding)})",
                                        lambda s=screen, a=binding.action: self.call_later(s.run_action, a))


def create_app(client: CloudClient, read_only: bool = False, refresh: float = 2.0,
               start: str = "overview") -> StackLabApp:
    """The console for `client`. `read_only` offers no action that changes the cloud; `refresh` is the seconds
    between refreshes of the visible screen; `start` names the first screen (tests open the one they test)."""
    return StackLabApp(client, read_only=read_only, refresh=refresh, start=start)
