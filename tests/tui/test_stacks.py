"""The console's Stacks screen against a live cloud: a stack created from a template file with `n` (as
`openstack stack create -t` reads it), its resources with their physical ids, a failed stack's reason in the
Stacks and Events tabs, and `d` deleting a stack and what it made."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input, TabbedContent

from lab.tui.app import create_app
from lab.tui.client import CloudClient
from lab.tui.screens.stacks import StacksScreen
from tests.conftest import LiveCloud
from tests.tui.support import table_column, until

pytestmark = pytest.mark.e2e

TEMPLATE = """\
heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
  secret:
    type: OS::Heat::RandomString
    properties: {length: 12}
"""
BROKEN = """\
heat_template_version: 2018-08-31
resources:
  server:
    type: OS::Nova::Server
    properties: {image: cirros, flavor: no-such-flavor-here, networks: [{network: private}]}
"""


def test_stacks_screen_creates_shows_and_deletes(demo_client: CloudClient, live_cloud: LiveCloud,
                                                  unique: Callable[[str], str], tmp_path: Path) -> None:
    sdk = live_cloud.sdk("demo", "demo")
    name, broken = unique("tui-stack"), unique("tui-broken")
    (tmp_path / "net.yaml").write_text(TEMPLATE)
    (tmp_path / "broken.yaml").write_text(BROKEN)

    async def drive() -> None:
        app = create_app(demo_client, refresh=0.5, start="stacks")
        async with app.run_test(size=(180, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the stacks screen")
            for stack, template in ((name, "net.yaml"), (broken, "broken.yaml")):
                await pilot.press("n")
                await until(pilot, lambda: app.screen.query_one("#field-name", Input).has_focus, "the form")
                app.screen.query_one("#field-name", Input).value = stack
                app.screen.query_one("#field-template", Input).value = str(tmp_path / template)
                await pilot.click("#submit")
                await until(pilot, lambda s=stack: s in table_column(app, "stacks", "name"), "the new stack")

            def status(stack: str) -> str:
                names = table_column(app, "stacks", "name")
                return table_column(app, "stacks", "status")[names.index(stack)] if stack in names else ""

            await until(pilot, lambda: status(name) == "CREATE_COMPLETE", "the stack complete")
            await until(pilot, lambda: status(broken) == "CREATE_FAILED", "the broken stack failed")
            reason = table_column(app, "stacks", "reason")[table_column(app, "stacks", "name").index(broken)]
            assert "no-such-flavor-here" in reason
            screen = app.screen
            screen.query_one("#tabs", TabbedContent).active = "tab-resources"
            await until(pilot, lambda: table_column(app, "resources", "stack").count(name) == 2, "the resources")
            rows = [i for i, s in enumerate(table_column(app, "resources", "stack")) if s == name]
            net_row = next(i for i in rows if table_column(app, "resources", "name")[i] == "net")
            assert table_column(app, "resources", "type")[net_row] == "OS::Neutron::Net"
            net_id = table_column(app, "resources", "physical")[net_row]
            assert sdk.network.get_network(net_id).id == net_id  # the network the stack made, in Networks
            screen.query_one("#tabs", TabbedContent).active = "tab-events"
            await until(pilot, lambda: any(broken == s and st == "CREATE_FAILED" for s, st in zip(
                table_column(app, "events", "stack"), table_column(app, "events", "status"), strict=True)),
                "the failed event")

            screen.query_one("#tabs", TabbedContent).active = "tab-stacks"
            table = screen.query_one("#stacks")
            table.focus()
            table.move_cursor(row=table_column(app, "stacks", "name").index(name))
            await pilot.press("d")
            await until(pilot, lambda: app.screen.query_one("#yes"), "the confirmation")
            await pilot.click("#yes")
            await until(pilot, lambda: name not in table_column(app, "stacks", "name"), "the stack deleted")

    try:
        asyncio.run(drive())
    finally:
        for stack in (name, broken):
            found = sdk.orchestration.find_stack(stack)
            if found is not None:
                sdk.orchestration.delete_stack(found)
