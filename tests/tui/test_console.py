"""The console's conventions against a live cloud: read-only mode, errors as notifications, the lost-connection
banner and recovery, instructor mode, screens hidden when their service is missing, help and command palette."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, TabbedContent

from lab.tui.app import create_app
from lab.tui.client import CloudClient
from lab.tui.screens.base import CloudScreen
from lab.tui.screens.dialogs import ConfirmScreen, HelpScreen, JsonScreen
from lab.tui.screens.instructor import InstructorScreen
from lab.tui.screens.servers import ServersScreen
from lab.tui.screens.volumes import VolumesScreen
from lab.tui.widgets.banner import ConnectionBanner
from tests.conftest import LiveCloud, start_live_cloud
from tests.tui.support import notifications, table_column, until, wait_for

pytestmark = pytest.mark.e2e

MUTATING_KEYS = {"n", "d", "x", "s", "b", "k", "p", "u", "h", "e", "i"}


def test_read_only_offers_no_delete(demo_client: CloudClient, live_cloud: LiveCloud,
                                    unique: Callable[[str], str]) -> None:
    """With --read-only the servers screen shows no mutating key, the palette lists none, and `d` does nothing."""
    sdk = live_cloud.sdk("demo", "demo")
    server = sdk.compute.create_server(name=unique("tui-ro"), flavor_id=sdk.compute.find_flavor("m1.tiny").id,
                                       image_id=sdk.image.find_image("cirros").id,
                                       networks=[{"uuid": sdk.network.find_network("private").id}])

    async def drive() -> None:
        app = create_app(demo_client, read_only=True, refresh=60, start="servers")
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: server.name in table_column(app, "servers", "name"), "the server")
            keys = {key for key, active in app.screen.active_bindings.items() if active.node is app.screen}
            assert keys.isdisjoint(MUTATING_KEYS), keys
            assert {"r", "y", "slash", "l"} <= keys
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert "Delete" not in titles and "Launch" not in titles
            assert "Console log" in titles and "Go to Volumes" in titles
            table = app.screen.query_one("#servers")
            table.move_cursor(row=table.get_row_index(server.id))
            await pilot.press("d")
            await pilot.pause(0.2)
            assert isinstance(app.screen, ServersScreen)  # no confirmation dialog opened
            assert "read-only" in app.sub_title

    asyncio.run(drive())
    assert sdk.compute.get_server(server.id).status != "DELETED"
    sdk.compute.delete_server(server.id)


def test_cloud_errors_are_notifications(demo_client: CloudClient, live_cloud: LiveCloud,
                                        unique: Callable[[str], str]) -> None:
    """A volume over the quota: the cloud's message as an error notification, no traceback, nothing created."""
    sdk = live_cloud.sdk("demo", "demo")
    name = unique("tui-huge")
    quota = sdk.block_storage.get_limits().absolute.max_total_volume_gigabytes

    async def drive() -> None:
        app = create_app(demo_client, refresh=60, start="volumes")
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, VolumesScreen), "the volumes screen")
            await pilot.press("n")
            await until(pilot, lambda: app.screen.query_one("#field-name", Input).has_focus, "the form")
            await pilot.press(*name)
            app.screen.query_one("#field-size", Input).value = str(quota + 1)
            await pilot.click("#submit")
            await until(pilot, lambda: any(s == "error" for s, _ in notifications(app)), "an error notification")
            errors = [m for s, m in notifications(app) if s == "error"]
            assert any("quota" in m.lower() and "HTTP 413" in m for m in errors), errors
            assert isinstance(app.screen, VolumesScreen)

    asyncio.run(drive())
    assert sdk.block_storage.find_volume(name) is None


def test_lost_connection_shows_a_banner_and_recovers(tmp_path: Path) -> None:
    """Stopping the cloud shows the banner on the visible screen; starting it again hides it."""
    lab = start_live_cloud(tmp_path / "lab")
    port = int(lab.url.rsplit(":", 1)[1])
    client = CloudClient(lab.sdk("demo", "demo"), "stacklab-demo")

    async def drive() -> None:
        nonlocal lab
        app = create_app(client, refresh=0.5, start="servers")
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: app.screen.query_one("#servers").loaded, "the servers")
            banner = app.screen.query_one(ConnectionBanner)
            assert not banner.display or "-offline" not in banner.classes
            lab.stop()
            await until(pilot, lambda: app.offline is not None, "the connection lost")
            await until(pilot, lambda: "-offline" in app.screen.query_one(ConnectionBanner).classes, "the banner")
            assert "does not answer" in str(app.offline)
            lab = start_live_cloud(tmp_path / "lab", port=port)
            await until(pilot, lambda: app.offline is None, "the connection back", tries=600)
            assert "-offline" not in app.screen.query_one(ConnectionBanner).classes
            assert ("information", "Connection to the cloud restored.") in notifications(app)
            assert not [m for s, m in notifications(app) if s == "error"]

    try:
        asyncio.run(drive())
    finally:
        client.close()
        lab.stop()


def test_instructor_mode_only_for_admins(admin_client: CloudClient, demo_client: CloudClient,
                                         live_cloud: LiveCloud) -> None:
    """An admin gets the Instructor screen (every project's servers, the lab clock, advancing it); a member not."""
    admin = live_cloud.sdk("admin")
    before = admin.session.get(f"{live_cloud.url}/lab/v1/clock").json()["clock"]["offset_seconds"]

    async def as_admin() -> None:
        app = create_app(admin_client, refresh=60, start="instructor")
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, InstructorScreen)
                        and app.screen.query_one("#class-grid").loaded, "the instructor screen")
            app.screen.query_one("#tabs", TabbedContent).active = "tab-all-servers"
            await until(pilot, lambda: app.screen.query_one("#all-servers").loaded, "every project's servers")
            projects = set(table_column(app, "all-servers", "project"))
            servers = {s.project_id for s in admin.compute.servers(all_projects=True)}
            assert len(projects) == len(servers)
            await pilot.press("c")
            await until(pilot, lambda: app.screen.query_one("#field-by", Input), "the clock form")
            app.screen.query_one("#field-by", Input).value = "1m"
            await pilot.click("#submit")
            await until(pilot, lambda: ("information", "Lab clock advanced by 1m") in notifications(app),
                        "the clock advanced")

    async def as_member() -> None:
        app = create_app(demo_client, refresh=60)
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: app.navs, "the screens")
            assert "instructor" not in [n.mode for n in app.navs]

    asyncio.run(as_admin())
    after = admin.session.get(f"{live_cloud.url}/lab/v1/clock").json()["clock"]["offset_seconds"]
    assert after - before == 60
    asyncio.run(as_member())


def test_screens_follow_the_catalog(demo_client: CloudClient) -> None:
    """Every service in the catalog has its screen (billing and the lab API's Labs only when listed)."""

    async def drive() -> None:
        app = create_app(demo_client, refresh=60)
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: app.navs, "the screens")
            modes = [n.mode for n in app.navs]
            assert modes[:6] == ["overview", "servers", "images", "keypairs", "networks", "volumes"]
            assert ("billing" in modes) == ("billing" in app.services)
            assert ("labs" in modes) == ("stacklab" in app.services)
            keyed = [(mode, key) for mode, key, _title in app.nav_entries() if key]
            assert [key for _mode, key in keyed] == [str(i % 10) for i in range(1, min(10, len(modes)) + 1)]
            await pilot.press(keyed[-1][1])  # "0" for the tenth; later ones are in the command palette
            await until(pilot, lambda: app.current_mode == keyed[-1][0], "the last numbered screen")

    asyncio.run(drive())


def test_help_palette_json_and_filter(demo_client: CloudClient, live_cloud: LiveCloud) -> None:
    """`?` lists the screen's keys, Ctrl+P offers screens and actions, `y` shows JSON, `/` filters in place."""

    async def drive() -> None:
        app = create_app(demo_client, refresh=60, start="images")
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: "cirros" in table_column(app, "images", "name"), "the images")
            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
            keys = [k for k, _ in app.screen.keys]  # type: ignore[attr-defined]
            assert {"/", "y", "r", "esc", "?", "q", "t"} <= set(keys), keys
            await pilot.press("escape")
            await pilot.press("y")
            await until(pilot, lambda: isinstance(app.screen, JsonScreen), "the JSON view")
            assert '"name": "cirros"' in app.screen.text  # type: ignore[attr-defined]
            await pilot.press("escape")
            await pilot.press("ctrl+p")
            await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the command palette")
            await pilot.press(*"volumes", "enter")
            await until(pilot, lambda: app.current_mode == "volumes", "the palette's Go to Volumes")
            await pilot.press("3")
            await until(pilot, lambda: app.current_mode == "images", "back on images")
            await pilot.press("slash", *"no-such-image")
            await until(pilot, lambda: table_column(app, "images", "name") == [], "the filter")
            await pilot.press("escape")
            await until(pilot, lambda: "cirros" in table_column(app, "images", "name"), "the filter cleared")
            await pilot.press("t")
            assert app.theme == "textual-light"
            assert isinstance(app.screen, CloudScreen)

    asyncio.run(drive())


def test_confirmation_can_be_declined(demo_client: CloudClient, live_cloud: LiveCloud,
                                      unique: Callable[[str], str]) -> None:
    """`d` asks first; `n` keeps the key pair."""
    sdk = live_cloud.sdk("demo", "demo")
    name = unique("tui-key")
    sdk.compute.create_keypair(name=name)

    async def drive() -> None:
        app = create_app(demo_client, refresh=60, start="keypairs")
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: name in table_column(app, "keypairs", "name"), "the key pair")
            table = app.screen.query_one("#keypairs")
            table.move_cursor(row=table.get_row_index(name))
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
            await pilot.press("n")
            await pilot.pause(0.2)
            await pilot.press("d", "y")
            await until(pilot, lambda: name not in table_column(app, "keypairs", "name"), "the key pair gone")

    asyncio.run(drive())
    wait_for(lambda: sdk.compute.find_keypair(name), lambda k: k is None, "key pair deleted")
