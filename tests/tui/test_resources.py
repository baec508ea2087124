"""Networks, volumes, key pairs and the overview against a live cloud: what the console shows matches the API,
and what it creates through its forms exists afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Input, Select, TabbedContent

from lab.tui.app import create_app
from lab.tui.client import CloudClient
from lab.tui.screens.networks import NetworksScreen
from lab.tui.screens.overview import OverviewScreen
from lab.tui.screens.volumes import VolumesScreen
from lab.tui.widgets.gauge import Gauge
from tests.conftest import LiveCloud
from tests.tui.support import notifications, table_column, until, wait_for

pytestmark = pytest.mark.e2e


async def fill(pilot: Any, values: dict[str, str]) -> None:
    """Type into a form's text fields (by field name) and submit it."""
    app = pilot.app
    for name, value in values.items():
        box = app.screen.query_one(f"#field-{name}", Input)
        box.value = ""
        box.focus()
        await pilot.press(*value)
    await pilot.click("#submit")


def test_create_network_with_a_subnet(demo_client: CloudClient, live_cloud: LiveCloud,
                                      unique: Callable[[str], str]) -> None:
    """`n` on the Networks tab makes a network and its subnet; the list and the topology show it."""
    name = unique("tui-net")
    sdk = live_cloud.sdk("demo", "demo")

    async def drive() -> None:
        app = create_app(demo_client, refresh=0.5, start="networks")
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: "private" in table_column(app, "networks", "name"), "the networks")
            await pilot.press("n")
            await until(pilot, lambda: app.screen.query_one("#field-name", Input), "the new network form")
            await fill(pilot, {"name": name, "cidr": "192.168.77.0/24"})

            def subnets_shown() -> str:
                names = table_column(app, "networks", "name")
                return table_column(app, "networks", "subnets")[names.index(name)] if name in names else ""

            # (a refresh that started before the subnet was made may show the network alone for a moment)
            await until(pilot, lambda: subnets_shown() == "192.168.77.0/24", "the new network and its subnet")
            app.screen.query_one("#tabs", TabbedContent).active = "tab-topology"
            screen = app.screen
            assert isinstance(screen, NetworksScreen)
            tree = screen.query_one("#topology")
            await until(pilot, lambda: any(name in str(n.label) for n in tree.root.children), "the topology")
            labels = [str(n.label) for n in tree.root.children]
            assert any("public" in label and "(external)" in label for label in labels)

    asyncio.run(drive())
    net = sdk.network.find_network(name)
    assert net is not None
    assert [s.cidr for s in sdk.network.subnets(network_id=net.id)] == ["192.168.77.0/24"]
    sdk.network.delete_network(net.id)


def test_create_and_attach_a_volume(demo_client: CloudClient, live_cloud: LiveCloud,
                                    unique: Callable[[str], str]) -> None:
    """Create a volume from the form, attach it to a server, see it in-use and attached there."""
    sdk = live_cloud.sdk("demo", "demo")
    server = sdk.compute.create_server(name=unique("tui-host"), flavor_id=sdk.compute.find_flavor("m1.tiny").id,
                                       image_id=sdk.image.find_image("cirros").id,
                                       networks=[{"uuid": sdk.network.find_network("private").id}])
    wait_for(lambda: sdk.compute.get_server(server.id), lambda s: s.status == "ACTIVE", "server ACTIVE")
    name = unique("tui-vol")

    async def drive() -> None:
        app = create_app(demo_client, refresh=0.5, start="volumes")
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, VolumesScreen), "the volumes screen")
            await pilot.press("n")
            await until(pilot, lambda: app.screen.query_one("#field-name", Input), "the new volume form")
            await fill(pilot, {"name": name, "size": "1"})
            await until(pilot, lambda: name in table_column(app, "volumes", "name"), "the new volume")
            volume = sdk.block_storage.find_volume(name)
            table = app.screen.query_one("#volumes")
            await until(pilot, lambda: str(table.get_cell(volume.id, "status")) == "available", "available")
            table.move_cursor(row=table.get_row_index(volume.id))
            await pilot.press("a")
            await until(pilot, lambda: app.screen.query_one("#field-server", Select), "the attach form")
            app.screen.query_one("#field-server", Select).value = server.id
            await pilot.click("#submit")
            await until(pilot, lambda: str(table.get_cell(volume.id, "status")) == "in-use", "in-use")
            await until(pilot, lambda: server.name in str(table.get_cell(volume.id, "attached")), "attached to")
            assert not [m for s, m in notifications(app) if s == "error"]

    asyncio.run(drive())
    volume = sdk.block_storage.find_volume(name)
    assert [a["server_id"] for a in volume.attachments] == [server.id]
    sdk.compute.delete_server(server.id)


def test_overview_counts_match_the_api(demo_client: CloudClient, live_cloud: LiveCloud) -> None:
    """The overview's counts and quota gauges are the API's numbers."""
    sdk = live_cloud.sdk("demo", "demo")

    async def drive() -> tuple[dict[str, int], tuple[int, int]]:
        app = create_app(demo_client, refresh=60)
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.screen.overview, "the counts")
            screen = app.screen
            assert isinstance(screen, OverviewScreen) and screen.overview is not None
            return dict(screen.overview.counts), screen.query_one("#gauge-instances", Gauge).value

    counts, (used, limit) = asyncio.run(drive())
    servers = len(list(sdk.compute.servers()))
    assert counts["servers"] == servers
    assert counts["images"] == len(list(sdk.image.images()))
    assert counts["key pairs"] == len(list(sdk.compute.keypairs()))
    assert counts["networks"] == len([n for n in sdk.network.networks() if n.project_id == sdk.current_project_id])
    assert counts["volumes"] == len(list(sdk.block_storage.volumes()))
    assert (used, limit) == (servers, sdk.compute.get_limits().absolute.instances)
