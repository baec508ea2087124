"""The console's Load balancers screen against a live cloud: the load balancer with its VIP and statuses, its
member with the health the status tree reports, and the status tree itself."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import TabbedContent

from lab.tui.app import create_app
from lab.tui.client import CloudClient
from lab.tui.screens.loadbalancers import LoadBalancersScreen
from tests.conftest import LiveCloud
from tests.tui.support import table_column, until, wait_for

pytestmark = pytest.mark.e2e


def _settled(sdk: Any, lb_id: str) -> None:
    wait_for(lambda: sdk.load_balancer.get_load_balancer(lb_id), lambda x: x.provisioning_status == "ACTIVE",
             "load balancer ACTIVE")


def test_load_balancers_screen_shows_the_tree_and_members_health(demo_client: CloudClient, live_cloud: LiveCloud,
                                                                  unique: Callable[[str], str]) -> None:
    sdk = live_cloud.sdk("demo", "demo")
    subnet = sdk.network.find_subnet("private-subnet")
    name = unique("tui-lb")
    lb = sdk.load_balancer.create_load_balancer(name=name, vip_subnet_id=subnet.id)
    try:
        _settled(sdk, lb.id)
        listener = sdk.load_balancer.create_listener(loadbalancer_id=lb.id, protocol="HTTP", protocol_port=80)
        _settled(sdk, lb.id)
        pool = sdk.load_balancer.create_pool(listener_id=listener.id, protocol="HTTP", lb_algorithm="ROUND_ROBIN",
                                             name=f"{name}-pool")
        _settled(sdk, lb.id)
        sdk.load_balancer.create_member(pool, name=f"{name}-m1", address="10.0.0.50", protocol_port=80)
        _settled(sdk, lb.id)

        async def drive() -> None:
            app = create_app(demo_client, refresh=0.5, start="loadbalancers")
            async with app.run_test(size=(160, 40)) as pilot:
                await until(pilot, lambda: name in table_column(app, "loadbalancers", "name"), "the load balancer")
                row = table_column(app, "loadbalancers", "name").index(name)
                assert table_column(app, "loadbalancers", "vip")[row] == lb.vip_address
                assert table_column(app, "loadbalancers", "operating")[row] == "ONLINE"
                screen = app.screen
                assert isinstance(screen, LoadBalancersScreen)
                screen.query_one("#tabs", TabbedContent).active = "tab-members"
                await until(pilot, lambda: f"{name}-m1" in table_column(app, "members", "name"), "the member")
                member_row = table_column(app, "members", "name").index(f"{name}-m1")
                assert table_column(app, "members", "health")[member_row] == "NO_MONITOR"
                assert table_column(app, "members", "address")[member_row] == "10.0.0.50:80"
                screen.query_one("#tabs", TabbedContent).active = "tab-lb-tree"
                tree = screen.query_one("#lb-tree")
                await until(pilot, lambda: any(name in str(n.label) for n in tree.root.children), "the status tree")
                root = next(n for n in tree.root.children if name in str(n.label))
                pool_node = root.children[0].children[0]
                assert f"{name}-pool" in str(pool_node.label)
                assert "10.0.0.50:80" in str(pool_node.children[0].label)

        asyncio.run(drive())
    finally:
        sdk.load_balancer.delete_load_balancer(lb.id, cascade=True)
