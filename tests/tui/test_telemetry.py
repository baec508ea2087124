"""The console's Metrics and Alarms screens against a live cloud: a busy server's Gnocchi resource with its CPU
as a sparkline in the table and a Textual Sparkline chart of the selected one, then a CPU alarm made with the
alarm API shown with its state, set to alarm with `a`, its history on Enter, and deleted with `d`; and the
Servers screen's sparklines (CPU, memory, network) of that server, highlighted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Sparkline, Static

from lab.tui.app import create_app
from lab.tui.client import CloudClient, network_per_period
from lab.tui.models import ServerUsage
from lab.tui.screens.alarms import AlarmsScreen
from lab.tui.screens.dialogs import ConfirmScreen, JsonScreen
from lab.tui.screens.metrics import MetricsScreen, spark
from lab.tui.screens.servers import ServersScreen
from lab.tui.widgets.usage import usage_lines
from tests.conftest import LiveCloud
from tests.e2e.test_compute_cli import sdk_server
from tests.e2e.test_telemetry_cli import wait_for_resource
from tests.tui.support import table_column, until

pytestmark = pytest.mark.e2e


def test_spark_draws_cpu_percentages_as_blocks() -> None:
    assert spark((0.0, 50.0, 99.0, 100.0)) == "▁▅██" and spark(()) == "-"


def test_network_per_period_from_the_cumulative_counters() -> None:
    """In + out bytes per period from n counter values (n - 1 periods); a counter that went back restarts."""
    assert network_per_period((100.0, 300.0, 50.0), (10.0, 20.0, 40.0)) == (210.0, 70.0)
    assert network_per_period((100.0,), (10.0,)) == ()
    lines = usage_lines(ServerUsage("s", cpu=(3.0, 90.5), memory=(100.0, 128.0), network=(2048.0,)))
    assert lines == {"cpu": "last 90.5 %, max 90.5 %", "memory": "last 128 MB, max 128 MB",
                     "network": "last 2.0 KB, max 2.0 KB per 5 min"}
    assert usage_lines(ServerUsage("s"))["network"].startswith("no rate yet")


async def servers_screen_sparklines(app: Any, pilot: Any, name: str) -> None:
    """The highlighted server's CPU, memory and network under the Servers list: a busy server's CPU bars are its
    85-99 % measures, its memory a share of its flavor's RAM, read from the metric API."""
    await until(pilot, lambda: isinstance(app.screen, ServersScreen), "the servers screen")
    await until(pilot, lambda: name in table_column(app, "servers", "name"), "the server")
    app.screen.query_one("#servers").move_cursor(row=table_column(app, "servers", "name").index(name))
    cpu = app.screen.query_one("#usage-cpu", Sparkline)
    await until(pilot, lambda: name in str(app.screen.query_one("#usage-title", Static).render())
                and bool(cpu.data), "the highlighted server's sparklines")
    assert min(cpu.data) >= 85  # busy
    memory = app.screen.query_one("#usage-memory", Sparkline).data
    assert memory and all(0 < v <= 512 for v in memory)  # MB of m1.tiny's 512 MB
    assert str(app.screen.query_one("#usage-cpu-text", Static).render()).startswith("last ")
    network = app.screen.query_one("#usage-network", Sparkline).data
    text = str(app.screen.query_one("#usage-network-text", Static).render())
    assert (text.endswith("per 5 min") and min(network) > 0) if network else text.startswith("no rate yet")


def test_metrics_and_alarms_screens(demo_client: CloudClient, live_cloud: LiveCloud,
                                    unique: Callable[[str], str]) -> None:
    conn = live_cloud.sdk("demo", "demo")
    name = unique("tui-busy")
    server = sdk_server(conn, name, metadata={"load": "busy"}, networks=[{"uuid": conn.network.find_network(
        "private", ignore_missing=False).id}])
    wait_for_resource(live_cloud, conn.auth_token, server.id)
    alarming = {"service_type": "alarming", "interface": "public"}
    alarm = conn.session.post("/v2/alarms", endpoint_filter=alarming, json={
        "name": name, "type": "gnocchi_resources_threshold", "severity": "critical",
        "gnocchi_resources_threshold_rule": {"metric": "cpu_util", "threshold": 80, "comparison_operator": "gt",
                                             "aggregation_method": "mean", "granularity": 300,
                                             "resource_type": "instance", "resource_id": server.id}}).json()

    async def drive() -> None:
        app = create_app(demo_client, refresh=0.5, start="servers")
        async with app.run_test(size=(180, 40)) as pilot:
            await servers_screen_sparklines(app, pilot, name)
            app.action_go("metrics")
            await until(pilot, lambda: isinstance(app.screen, MetricsScreen), "the metrics screen")
            await until(pilot, lambda: name in table_column(app, "metric-resources", "name"), "the resource")
            row = table_column(app, "metric-resources", "name").index(name)
            cells = table_column(app, "metric-resources", "cpu")[row]
            assert cells and set(cells) <= set("▇█")  # busy: 85-99 % in the sparkline column
            table = app.screen.query_one("#metric-resources")
            table.move_cursor(row=row)
            await until(pilot, lambda: name in str(app.screen.query_one("#cpu-summary", Static).render()),
                        "the selected server's CPU summary")
            chart = app.screen.query_one("#cpu-chart", Sparkline)
            assert chart.data and min(chart.data) >= 85

            app.action_go("alarms")
            await until(pilot, lambda: isinstance(app.screen, AlarmsScreen), "the alarms screen")
            await until(pilot, lambda: name in table_column(app, "alarms", "name"), "the alarm")

            def state() -> str:
                names = table_column(app, "alarms", "name")
                return table_column(app, "alarms", "state")[names.index(name)] if name in names else ""

            assert table_column(app, "alarms", "severity")[table_column(app, "alarms", "name").index(name)] \
                == "critical"
            app.screen.query_one("#alarms").move_cursor(row=table_column(app, "alarms", "name").index(name))
            if state() != "▲ alarm":  # the evaluator may have fired it already
                await pilot.press("a")
                await until(pilot, lambda: state() == "▲ alarm", "the alarm's new state")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, JsonScreen), "the alarm's history")
            await pilot.press("escape")
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the delete confirmation")
            await pilot.click("#yes")
            await until(pilot, lambda: name not in table_column(app, "alarms", "name"), "the alarm gone")

    asyncio.run(drive())
    gone = conn.session.get(f"/v2/alarms/{alarm['alarm_id']}", endpoint_filter=alarming, raise_exc=False)
    assert gone.status_code == 404
    conn.compute.delete_server(server)
