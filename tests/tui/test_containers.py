"""The console's object storage screen against a live cloud: a container made through its form, a file
uploaded into it and downloaded back, and the public/private toggle, each checked through the API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from lab.tui.app import create_app
from lab.tui.client import CloudClient
from lab.tui.screens.containers import ContainersScreen, ObjectsScreen
from lab.tui.widgets.resource_table import ResourceTable
from tests.conftest import LiveCloud
from tests.tui.support import table_column, until

pytestmark = pytest.mark.e2e


async def _fill(pilot: object, values: dict[str, str]) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    for name, value in values.items():
        box = app.screen.query_one(f"#field-{name}", Input)
        box.value = value
    await pilot.click("#submit")  # type: ignore[attr-defined]


def test_containers_upload_download_and_public_toggle(demo_client: CloudClient, live_cloud: LiveCloud,
                                                       unique: Callable[[str], str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`n` makes a container, Enter opens it, `u` uploads a file, `g` saves it back, `p` makes it public."""
    name = unique("tui-c")
    source = tmp_path / "notes.txt"
    source.write_bytes(b"object storage from the console\n" * 100)
    downloads = tmp_path / "down"
    downloads.mkdir()
    monkeypatch.chdir(downloads)
    sdk = live_cloud.sdk("demo", "demo")

    async def drive() -> None:
        app = create_app(demo_client, refresh=0.5, start="containers")
        async with app.run_test(size=(140, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, ContainersScreen) and
                        app.screen.query_one("#containers", ResourceTable).has_focus, "the containers")
            await pilot.press("n")
            await until(pilot, lambda: app.screen.query_one("#field-name", Input), "the new container form")
            await _fill(pilot, {"name": name})
            await until(pilot, lambda: name in table_column(app, "containers", "name"), "the new container")
            table = app.screen.query_one("#containers", ResourceTable)
            table.move_cursor(row=table.get_row_index(name))  # the demo project may hold other containers
            await pilot.press("p")
            await until(pilot, lambda: table_column(app, "containers", "access")[
                table_column(app, "containers", "name").index(name)] == "public", "the container made public")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ObjectsScreen), "the container's objects")
            await pilot.press("u")
            await until(pilot, lambda: app.screen.query_one("#field-path", Input), "the upload form")
            await _fill(pilot, {"path": str(source)})
            await until(pilot, lambda: "notes.txt" in table_column(app, "objects", "name"), "the uploaded object")
            assert table_column(app, "objects", "size") == ["3.1 KiB"]
            await pilot.press("g")
            await until(pilot, lambda: (downloads / "notes.txt").exists() and
                        (downloads / "notes.txt").stat().st_size == source.stat().st_size, "the download")

    asyncio.run(drive())
    assert (downloads / "notes.txt").read_bytes() == source.read_bytes()
    assert sdk.object_store.download_object("notes.txt", container=name) == source.read_bytes()
    assert ".r:*" in (sdk.object_store.get_container_metadata(name).read_ACL or "")
    sdk.object_store.delete_object("notes.txt", container=name)
    sdk.object_store.delete_container(name)
