"""What every console screen shares: calling the cloud off the UI thread, refreshing only while visible, the
read-only rule, the `/` filter, `y` raw JSON and Esc back.

Calls go through `call()` / `poll()`: a Textual worker runs the blocking client method in a thread, so the UI never
freezes; errors become notifications, and every call reports whether the cloud answered (`ConnectionChanged`, a
message up to the app, which shows or hides the banner). `poll()` skips a refresh while the previous one is still
running, so a slow cloud is never sent a queue of list calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, TabbedContent, TabPane

from lab.tui.client import CloudClient, CloudError, ConnectionLost
from lab.tui.widgets.banner import ConnectionBanner
from lab.tui.widgets.nav import NavBar
from lab.tui.widgets.resource_table import ResourceTable, Row

if TYPE_CHECKING:
    from lab.tui.app import StackLabApp


class ConnectionChanged(Message):
    """A call to the cloud finished: `problem` is None when the cloud answered, else why it did not."""

    def __init__(self, problem: str | None) -> None:
        super().__init__()
        self.problem = problem


class CloudScreen(Screen[None]):
    """Base of the console's screens."""

    NAV: ClassVar[str] = ""  # the navigation entry this screen belongs to
    # Actions that change the cloud: never offered (no key, no palette entry) in read-only mode.
    MUTATING: ClassVar[frozenset[str]] = frozenset()
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("r", "refresh_now", "Refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._polling = False
        # The refresh asked for while one was running (a tab switched meanwhile): run once that one ends, or
        # the new tab would stay empty until the next interval.
        self._poll_next: tuple[Callable[..., Any], tuple[Any, ...], Callable[[Any], None]] | None = None
        self._last_poll_error: str | None = None
        self.quiet = False  # set when what the screen shows is going away: its refreshes then fail unsaid

    @property
    def stacklab(self) -> StackLabApp:
        return cast("StackLabApp", self.app)

    @property
    def client(self) -> CloudClient:
        return self.stacklab.client

    def compose_top(self) -> ComposeResult:
        yield Header()
        yield NavBar(self.stacklab.nav_entries(), self.NAV)
        yield ConnectionBanner()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in self.MUTATING and self.stacklab.read_only)

    # ------------------------------------------------------------------------------------------ calling
    def call(self, fn: Callable[..., Any], *args: Any, then: Callable[[Any], None] | None = None,
             done: str | None = None) -> None:
        """Run `fn(*args)` in a worker thread; on success `then(result)` on the UI thread and notify `done`."""
        self.run_worker(self._run(fn, args, then, done, background=False), group="call", exit_on_error=False)

    def poll(self, fn: Callable[..., Any], *args: Any, then: Callable[[Any], None]) -> None:
        """Like call(), for refreshes: while the previous refresh of this screen is still running, only the
        latest one asked for is kept, and run when it ends."""
        if self._polling:
            self._poll_next = (fn, args, then)
            return
        self._polling = True

        async def job() -> None:
            try:
                await self._run(fn, args, then, None, background=True)
            finally:
                self._polling = False
                queued, self._poll_next = self._poll_next, None
                if queued is not None:
                    self.poll(queued[0], *queued[1], then=queued[2])

        self.run_worker(job(), group="poll", exit_on_error=False)

    async def _run(self, fn: Callable[..., Any], args: tuple[Any, ...], then: Callable[[Any], None] | None,
                   done: str | None, background: bool) -> None:
        try:
            result = await asyncio.to_thread(fn, *args)
        except ConnectionLost as exc:
            self.post_message(ConnectionChanged(str(exc)))
            return
        except CloudError as exc:
            self.post_message(ConnectionChanged(None))
            # A refresh that fails the same way every interval is said once; one that finishes after its screen
            # closed (a server deleted from its own detail) is not said at all.
            if not background or (not self.quiet and str(exc) != self._last_poll_error):
                self.notify(str(exc), title="The cloud said", severity="error", timeout=8)
            if background:
                self._last_poll_error = str(exc)
            return
        except Exception as exc:  # a bug of ours: still a notification, never a traceback on the user's screen
            self.notify(f"{type(exc).__name__}: {exc}", title="Unexpected error", severity="error", timeout=8)
            return
        self.post_message(ConnectionChanged(None))
        if background:
            self._last_poll_error = None
        if not self.is_attached:
            return
        try:
            if then is not None:
                then(result)
        except Exception as exc:
            self.notify(f"{type(exc).__name__}: {exc}", title="Unexpected error", severity="error", timeout=8)
            return
        if done:
            self.notify(done)

    def confirm_then(self, question: str, action: Callable[[], None]) -> None:
        """Ask yes/no; run `action` on yes."""
        from lab.tui.screens.dialogs import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                action()

        self.app.push_screen(ConfirmScreen(question), answered)

    # ------------------------------------------------------------------------------------------ refresh
    def refresh_data(self) -> None:
        """Fetch what this screen shows (the app calls it when the screen is shown and every interval)."""

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def action_refresh_now(self) -> None:
        self.refresh_data()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


@dataclass(frozen=True)
class TableSpec:
    """One table of a list screen: its tab title, columns, the client call that lists it and how a record
    becomes a row."""

    id: str
    title: str
    columns: Sequence[tuple[str, str]]
    fetch: Callable[[CloudClient], list[Any]]
    row: Callable[[Any], Row]


class ListScreen(CloudScreen):
    """A screen of one or more live tables (several become tabs; only the visible one refreshes)."""

    AUTO_FOCUS = "ResourceTable"  # a table takes focus, never the hidden filter box

    TABLES: ClassVar[Sequence[TableSpec]] = ()
    # action -> the one tab it applies to: its key is offered (and shown in the footer) only on that tab
    TAB_ACTIONS: ClassVar[Mapping[str, str]] = {}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("y", "show_json", "JSON"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, dict[str, Any]] = {spec.id: {} for spec in self.TABLES}

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with Vertical(id="body"):
            yield from self.compose_body()
        yield Input(placeholder="filter: type to narrow the rows, Enter to keep, Esc to clear", id="filter")
        yield Footer()

    def compose_body(self) -> ComposeResult:
        if len(self.TABLES) == 1:
            yield ResourceTable(self.TABLES[0].columns, id=self.TABLES[0].id)
            return
        with TabbedContent(id="tabs"):
            for spec in self.TABLES:
                with TabPane(spec.title, id=f"tab-{spec.id}"):
                    yield ResourceTable(spec.columns, id=spec.id)
            yield from self.compose_extra_tabs()

    def compose_extra_tabs(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        if self.current_spec is not None:
            self.table(self.current_spec.id).focus()

    # ------------------------------------------------------------------------------------------ tables
    @property
    def current_spec(self) -> TableSpec | None:
        if len(self.TABLES) == 1:
            return self.TABLES[0]
        tabs = self.query("#tabs")
        if not tabs:  # not composed yet
            return None
        active = tabs.first(TabbedContent).active.removeprefix("tab-")
        return next((s for s in self.TABLES if s.id == active), None)

    def table(self, spec_id: str) -> ResourceTable:
        return self.query_one(f"#{spec_id}", ResourceTable)

    def refresh_data(self) -> None:
        spec = self.current_spec
        if spec is not None:
            def show(items: list[Any], s: TableSpec = spec) -> None:
                self.show_items(s, items)

            self.poll(spec.fetch, self.client, then=show)

    def show_items(self, spec: TableSpec, items: list[Any]) -> None:
        self.items[spec.id] = {item.id: item for item in items}
        self.table(spec.id).show([(item.id, spec.row(item)) for item in items])

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._clear_filter()
        self.refresh_data()
        spec = self.current_spec
        if spec is not None:
            self.table(spec.id).focus()
        if self.TAB_ACTIONS:
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tab = self.TAB_ACTIONS.get(action)
        if tab is not None and (self.current_spec is None or self.current_spec.id != tab):
            return False
        return super().check_action(action, parameters)

    def changed(self, _result: object = None) -> None:
        """After a change made from this screen: show the tables as they are now."""
        self.refresh_data()

    def selected(self, spec_id: str | None = None) -> Any | None:
        """The record under the cursor of a table (the visible one by default)."""
        spec_id = spec_id or (self.current_spec.id if self.current_spec else None)
        if spec_id is None:
            return None
        key = self.table(spec_id).selected_key
        return self.items[spec_id].get(key) if key else None

    def on_data_table_row_selected(self, event: ResourceTable.RowSelected) -> None:
        event.stop()
        item = self.selected()
        if item is not None:
            self.open_item(item)

    def open_item(self, item: Any) -> None:
        """Enter on a row: drill down (the default shows the resource's JSON)."""
        self.show_json(item)

    def action_show_json(self) -> None:
        item = self.selected()
        if item is None:
            self.notify("Nothing selected.", severity="warning")
            return
        self.show_json(item)

    def show_json(self, item: Any) -> None:
        from lab.tui.screens.dialogs import JsonScreen

        self.app.push_screen(JsonScreen(getattr(item, "name", "") or item.id, item.raw))

    # ------------------------------------------------------------------------------------------ filter
    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter" and self.current_spec is not None:
            self.table(self.current_spec.id).set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            if not event.value:
                event.input.display = False
            if self.current_spec is not None:
                self.table(self.current_spec.id).focus()

    def _clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""
        box.display = False

    def action_back(self) -> None:
        box = self.query_one("#filter", Input)
        if box.display:
            self._clear_filter()
            if self.current_spec is not None:
                self.table(self.current_spec.id).set_filter("")
                self.table(self.current_spec.id).focus()
            return
        super().action_back()

    def require_selected(self, what: str) -> Any | None:
        item = self.selected()
        if item is None:
            self.notify(f"Select a {what} first.", severity="warning")
        return item
