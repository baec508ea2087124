"""The Servers screen against a live cloud: the launch wizard, a server going ACTIVE, its detail and console log
with search, and deleting it with confirmation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from textual.widgets import Input, Select

from lab.tui.app import create_app
from lab.tui.client import CloudClient
from lab.tui.screens.console_log import ConsoleLogScreen
from lab.tui.screens.server_detail import ServerDetailScreen
from lab.tui.screens.servers import ServersScreen
from tests.conftest import LiveCloud
from tests.tui.support import notifications, table_column, until

pytestmark = pytest.mark.e2e


def test_launch_watch_console_and_delete(live_cloud: LiveCloud, demo_client: CloudClient,
                                         unique: Callable[[str], str]) -> None:
    """Launch from the wizard, see ACTIVE in the list, open the detail and console log, search it, delete."""
    name = unique("tui-vm")
    sdk = live_cloud.sdk("demo", "demo")
    private = sdk.network.find_network("private")
    cirros = sdk.image.find_image("cirros")

    async def drive() -> None:
        app = create_app(demo_client, refresh=0.5, start="servers")
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ServersScreen), "the servers screen")
            await pilot.press("n")
            await until(pilot, lambda: app.screen.query_one("#field-name", Input).has_focus,
                        "the launch wizard's fields")
            wizard = app.screen
            await pilot.press(*name)
            wizard.query_one("#field-image", Select).value = cirros.id
            wizard.query_one("#field-network", Select).value = private.id
            await pilot.click("#submit")
            await until(pilot, lambda: isinstance(app.screen, ServersScreen), "the wizard closing")

            await until(pilot, lambda: name in table_column(app, "servers", "name"), "the new server in the list")
            server = sdk.compute.find_server(name)
            assert server is not None
            table = app.screen.query_one("#servers")
            await until(pilot, lambda: str(table.get_cell(server.id, "status")) == "ACTIVE", "the server ACTIVE")
            assert sdk.compute.get_server(server.id).status == "ACTIVE"

            table.move_cursor(row=table.get_row_index(server.id))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ServerDetailScreen), "the server's detail")
            await pilot.press("l")
            await until(pilot, lambda: isinstance(app.screen, ConsoleLogScreen) and app.screen.log_text,
                        "the console log")
            log_screen = app.screen
            assert name in log_screen.log_text  # cloud-init prints the hostname
            assert log_screen.log_text == sdk.compute.get_server_console_output(server.id)["output"]
            await pilot.press("slash", *"login")
            await until(pilot, lambda: log_screen.matches, "search matches")
            assert len(log_screen.matches) == log_screen.log_text.lower().count("login")
            await pilot.press("escape", "escape")  # close the search, then back to the detail
            await until(pilot, lambda: isinstance(app.screen, ServerDetailScreen), "back on the detail")

            await pilot.press("d")
            await pilot.press("y")  # confirm
            await until(pilot, lambda: isinstance(app.screen, ServersScreen), "back on the list after delete")
            await until(pilot, lambda: name not in table_column(app, "servers", "name"), "the server gone")
            assert not [m for s, m in notifications(app) if s == "error"]

    asyncio.run(drive())
    assert sdk.compute.find_server(name) is None


def test_wizard_requires_a_name(demo_client: CloudClient, live_cloud: LiveCloud) -> None:
    """Launch without a name says what is missing and creates nothing."""
    sdk = live_cloud.sdk("demo", "demo")
    before = {s.id for s in sdk.compute.servers()}

    async def drive() -> None:
        app = create_app(demo_client, refresh=60, start="servers")
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ServersScreen), "the servers screen")
            await pilot.press("n")
            await until(pilot, lambda: app.screen.query_one("#field-name", Input).has_focus, "the launch wizard")
            await pilot.click("#submit")
            await pilot.pause(0.2)
            assert "Name is required." in str(app.screen.query_one("#error").render())
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, ServersScreen), "the wizard cancelled")

    asyncio.run(drive())
    assert {s.id for s in sdk.compute.servers()} == before


def test_nova_action_keys_console_url_and_events(demo_client: CloudClient, live_cloud: LiveCloud,
                                                 unique: Callable[[str], str]) -> None:
    """p pauses and p again unpauses, k locks and unlocks (the status shows it), c tells the console URL, v opens
    the event list; each as the API sees it."""
    from lab.tui.screens.dialogs import JsonScreen

    sdk = live_cloud.sdk("demo", "demo")
    server = sdk.compute.create_server(name=unique("tui-act"), flavor_id=sdk.compute.find_flavor("m1.tiny").id,
                                       image_id=sdk.image.find_image("cirros").id, networks="none")
    sdk.compute.wait_for_server(server, interval=0.3, wait=60)

    async def drive() -> None:
        app = create_app(demo_client, refresh=0.5, start="servers")
        async with app.run_test(size=(160, 40)) as pilot:
            await until(pilot, lambda: server.name in table_column(app, "servers", "name"), "the server")
            table = app.screen.query_one("#servers")

            def status() -> str:
                return str(table.get_cell(server.id, "status"))
            table.move_cursor(row=table.get_row_index(server.id))
            for key, shown in (("p", "PAUSED"), ("p", "ACTIVE"), ("k", "ACTIVE (locked)"), ("k", "ACTIVE")):
                await pilot.press(key)
                await pilot.press("y")  # confirm
                await until(pilot, lambda shown=shown: status() == shown, f"the status {shown}")  # type: ignore[misc]
            assert sdk.compute.get_server(server.id).is_locked is False
            await pilot.press("c")
            await until(pilot, lambda: any("/compute/console?" in m for _, m in notifications(app)),
                        "the console URL")
            await pilot.press("v")
            await until(pilot, lambda: isinstance(app.screen, JsonScreen), "the event list")
            assert '"action": "unlock"' in app.screen.text
            assert not [m for s, m in notifications(app) if s == "error"]

    asyncio.run(drive())
    assert [a.action for a in sdk.compute.server_actions(server.id)][:4] == ["unlock", "lock", "unpause", "pause"]
    sdk.compute.delete_server(server.id)
