"""The live table's own behaviour, without a cloud: a row drawn before the column widths are known is redrawn
with them (the cause of the instructor snapshot that failed about one run in six)."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

from lab.tui.widgets.resource_table import ResourceTable


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ResourceTable([("name", "Name"), ("flavor", "Flavor"), ("id", "ID")], id="t")


def test_a_row_drawn_early_gets_the_final_widths() -> None:
    async def drive() -> None:
        app = TableApp()
        async with app.run_test(size=(80, 10)) as pilot:
            table = app.query_one(ResourceTable)
            table.show([("a", ("db-1", "m1.small", "00000000-0000-0000-0000-000000000007"))])
            early = table.render_line(1).text  # drawn before the widths are measured (they are, when idle)
            assert "m1.small" not in early  # the race itself: only the header's widths were known then
            await pilot.pause()
            await pilot.pause()
            line = table.render_line(1).text
            assert "m1.small" in line and "00000000-0000-0000-0000-000000000007" in line, line

    asyncio.run(drive())
