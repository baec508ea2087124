"""How each screen looks (pytest-textual-snapshot), on a lab seeded with fixed names; ids, MAC addresses and
times are masked so the pictures are the same on every run. Regenerate with `--snapshot-update` and look at the
SVGs before committing them; never edit them by hand."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Sparkline, TabbedContent

from lab.tui.app import create_app
from lab.tui.screens.console_log import ConsoleLogScreen
from lab.tui.screens.dialogs import HelpScreen
from lab.tui.screens.launch import LaunchScreen
from lab.tui.screens.networks import SecurityGroupScreen
from lab.tui.screens.overview import OverviewScreen
from lab.tui.screens.server_detail import ServerDetailScreen
from tests.tui.support import table_column, until

pytestmark = pytest.mark.e2e

SIZE = (120, 34)
Snap = Callable[..., bool]


def rows(table: str, *names: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """run_before: wait until `table` lists these names."""

    async def wait(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: set(names) <= set(table_column(pilot.app, table, "name")), f"{names} in {table}")

    return wait


def servers(*names: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """run_before: the servers list has these names and the highlighted one's usage sparklines are drawn."""

    async def wait(pilot: Pilot[Any]) -> None:
        await rows("servers", *names)(pilot)
        await until(pilot, lambda: bool(pilot.app.screen.query_one("#usage-cpu", Sparkline).data), "the usage")
        await pilot.pause(0.1)

    return wait


async def settled(pilot: Pilot[Any]) -> None:
    """Wait until no call to the cloud is still running (a refresh finishing after the picture would change
    it) and the screen has redrawn."""
    await until(pilot, lambda: not [w for w in pilot.app.screen.workers if w.is_running], "the calls done")
    await pilot.pause(0.1)


async def select_row(pilot: Pilot[Any], table_id: str, name: str) -> None:
    await rows(table_id, name)(pilot)
    table = pilot.app.screen.query_one(f"#{table_id}")
    table.move_cursor(row=table_column(pilot.app, table_id, "name").index(name))
    await pilot.pause()


def test_overview(snap_compare: Snap, masked_demo: Any) -> None:
    """Quota gauges and counts of the seeded demo project."""

    async def loaded(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, OverviewScreen) and pilot.app.screen.overview,
                    "the overview")

    assert snap_compare(create_app(masked_demo, refresh=3600), terminal_size=SIZE, run_before=loaded)


def test_overview_light_theme(snap_compare: Snap, masked_demo: Any) -> None:
    """`t` switches to the light theme."""

    async def loaded(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, OverviewScreen) and pilot.app.screen.overview,
                    "the overview")
        await pilot.press("t")

    assert snap_compare(create_app(masked_demo, refresh=3600), terminal_size=SIZE, run_before=loaded)


def test_servers(snap_compare: Snap, masked_demo: Any) -> None:
    """The servers list with its action keys, and the highlighted server's usage sparklines under it."""
    app = create_app(masked_demo, refresh=3600, start="servers")
    assert snap_compare(app, terminal_size=SIZE, run_before=servers("web-1", "db-1"))


def test_servers_read_only(snap_compare: Snap, masked_demo: Any) -> None:
    """Read-only: no launch, stop, start, reboot or delete in the footer."""
    app = create_app(masked_demo, read_only=True, refresh=3600, start="servers")
    assert snap_compare(app, terminal_size=SIZE, run_before=servers("web-1", "db-1"))


def test_server_detail(snap_compare: Snap, masked_demo: Any) -> None:
    """Enter on web-1: its addresses, key pair, security groups and volume."""

    async def detail(pilot: Pilot[Any]) -> None:
        await select_row(pilot, "servers", "web-1")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, ServerDetailScreen), "the detail")
        await pilot.pause(0.3)

    app = create_app(masked_demo, refresh=3600, start="servers")
    assert snap_compare(app, terminal_size=SIZE, run_before=detail)


def test_console_log_search(snap_compare: Snap, masked_demo: Any) -> None:
    """`l` then `/login`: the console log with the matches highlighted."""

    async def log(pilot: Pilot[Any]) -> None:
        await select_row(pilot, "servers", "web-1")
        await pilot.press("l")
        await until(pilot, lambda: isinstance(pilot.app.screen, ConsoleLogScreen) and pilot.app.screen.log_text,
                    "the console log")
        await pilot.press("slash", *"login")
        await until(pilot, lambda: pilot.app.screen.matches, "the matches")

    app = create_app(masked_demo, refresh=3600, start="servers")
    assert snap_compare(app, terminal_size=SIZE, run_before=log)


def test_launch_wizard(snap_compare: Snap, masked_demo: Any) -> None:
    """`n`: the wizard with its choices loaded from the cloud."""

    async def wizard(pilot: Pilot[Any]) -> None:
        await servers("web-1")(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(pilot.app.screen, LaunchScreen)
                    and pilot.app.screen.query("#field-name"), "the wizard")
        await pilot.press(*"web-2")

    app = create_app(masked_demo, refresh=3600, start="servers")
    assert snap_compare(app, terminal_size=SIZE, run_before=wizard)


def test_images(snap_compare: Snap, masked_demo: Any) -> None:
    app = create_app(masked_demo, refresh=3600, start="images")
    assert snap_compare(app, terminal_size=SIZE, run_before=rows("images", "cirros"))


def test_keypairs(snap_compare: Snap, masked_demo: Any) -> None:
    app = create_app(masked_demo, refresh=3600, start="keypairs")
    assert snap_compare(app, terminal_size=SIZE, run_before=rows("keypairs", "laptop"))


def test_networks(snap_compare: Snap, masked_demo: Any) -> None:
    app = create_app(masked_demo, refresh=3600, start="networks")
    assert snap_compare(app, terminal_size=SIZE, run_before=rows("networks", "private", "public", "lab-net"))


def test_network_topology(snap_compare: Snap, masked_demo: Any) -> None:
    """The topology tab: public -> router1 -> private -> the servers (web-1 with its floating IP); lab-net alone."""

    async def topology(pilot: Pilot[Any]) -> None:
        await rows("networks", "private")(pilot)
        pilot.app.screen.query_one("#tabs", TabbedContent).active = "tab-topology"
        await until(pilot, lambda: len(pilot.app.screen.query_one("#topology").root.children) >= 2, "the tree")
        await pilot.pause(0.2)

    app = create_app(masked_demo, refresh=3600, start="networks")
    assert snap_compare(app, terminal_size=SIZE, run_before=topology)


def test_security_group_rules(snap_compare: Snap, masked_demo: Any) -> None:
    """Enter on the `web` security group lists its rules."""

    async def rules(pilot: Pilot[Any]) -> None:
        await rows("networks", "private")(pilot)
        pilot.app.screen.query_one("#tabs", TabbedContent).active = "tab-secgroups"
        await select_row(pilot, "secgroups", "web")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, SecurityGroupScreen), "the rules")
        await pilot.pause(0.2)

    app = create_app(masked_demo, refresh=3600, start="networks")
    assert snap_compare(app, terminal_size=SIZE, run_before=rules)


def test_volumes(snap_compare: Snap, masked_demo: Any) -> None:
    app = create_app(masked_demo, refresh=3600, start="volumes")
    assert snap_compare(app, terminal_size=SIZE, run_before=rows("volumes", "data", "scratch"))


def test_instructor(snap_compare: Snap, masked_admin: Any) -> None:
    """The admin's instructor screen, All servers tab: the lab clock and every project's servers."""

    async def loaded(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: pilot.app.screen.query_one("#class-grid").loaded, "the class grid")
        pilot.app.screen.query_one("#tabs", TabbedContent).active = "tab-all-servers"
        await rows("all-servers", "web-1", "db-1")(pilot)
        await until(pilot, lambda: "lab clock" in str(pilot.app.screen.query_one("#clock").render())
                    and "loading" not in str(pilot.app.screen.query_one("#clock").render()), "the clock")
        await settled(pilot)

    app = create_app(masked_admin, refresh=3600, start="instructor")
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


def test_instructor_class_grid(snap_compare: Snap, masked_admin: Any) -> None:
    """The class grid: snap01 has done lab 1.1 and tried 1.4, snap02 nothing yet."""

    async def loaded(pilot: Pilot[Any]) -> None:
        await rows("class-grid", "snap01", "snap02")(pilot)
        await until(pilot, lambda: "loading" not in str(pilot.app.screen.query_one("#clock").render()), "the clock")
        await settled(pilot)

    app = create_app(masked_admin, refresh=3600, start="instructor")
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


def test_labs(snap_compare: Snap, masked_student: Any) -> None:
    """A student's Labs screen: the labs by day with their status (1.1 done, 1.4 tried)."""
    app = create_app(masked_student, refresh=3600, start="labs")
    assert snap_compare(app, terminal_size=SIZE, run_before=rows("labs", "Flavors and key pairs"))


def test_labs_check(snap_compare: Snap, masked_student: Any) -> None:
    """`c` on lab 1.4: every check fails, the first failure's hint below (the result is recorded again: 0/4)."""

    async def checked(pilot: Pilot[Any]) -> None:
        await select_row(pilot, "labs", "Flavors and key pairs")
        await pilot.press("c")
        await until(pilot, lambda: "checks passed" in str(pilot.app.screen.query_one("#report").render()),
                    "the report")
        await settled(pilot)

    app = create_app(masked_student, refresh=3600, start="labs")
    assert snap_compare(app, terminal_size=(120, 44), run_before=checked)


def test_billing(snap_compare: Snap, masked_student: Any) -> None:
    """A student's bill: the class's starting balance, this month's (empty) bill and its usage by day."""

    async def loaded(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: "loading" not in str(pilot.app.screen.query_one("#summary").render()),
                    "the bill")
        await settled(pilot)

    app = create_app(masked_student, refresh=3600, start="billing")
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


def test_help(snap_compare: Snap, masked_demo: Any) -> None:
    """`?` on the servers screen."""

    async def help_screen(pilot: Pilot[Any]) -> None:
        await servers("web-1")(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), "the help")

    app = create_app(masked_demo, refresh=3600, start="servers")
    assert snap_compare(app, terminal_size=(120, 44), run_before=help_screen)


