"""The console's Identity screen (admins only: users, groups with their members, projects, role assignments by
name; a user added to a group from it) and the Backups tab of the Volumes screen (back up a volume, restore the
backup into a new volume), against the shared live cloud."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Input, Select, TabbedContent

from lab.tui.app import create_app
from lab.tui.client import CloudClient
from lab.tui.screens.identity import IdentityScreen
from lab.tui.screens.volumes import VolumesScreen
from tests.conftest import LiveCloud
from tests.tui.support import notifications, table_column, until, wait_for

pytestmark = pytest.mark.e2e


async def submit(pilot: Any, values: dict[str, str]) -> None:
    """Set a form's text fields (by field name) and submit it."""
    for name, value in values.items():
        pilot.app.screen.query_one(f"#field-{name}", Input).value = value
    await pilot.click("#submit")


def test_identity_screen_lists_and_adds_a_member(admin_client: CloudClient, demo_client: CloudClient,
                                                 live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """The admin sees the group's role on a project by name, and adds a user to the group; a member's console
    has no Identity screen."""
    sdk = live_cloud.sdk()
    group = sdk.identity.create_group(name=unique("tui-ops"), domain_id="default")
    project = sdk.identity.create_project(name=unique("tui-infra"), domain_id="default")
    user = sdk.identity.create_user(name=unique("tui-op"), password="s3cret", domain_id="default")
    sdk.identity.assign_project_role_to_group(project, group, sdk.identity.find_role("member"))

    async def drive() -> None:
        app = create_app(admin_client, refresh=0.5, start="identity")
        async with app.run_test(size=(160, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, IdentityScreen), "the identity screen")
            await until(pilot, lambda: user.name in table_column(app, "users", "name"), "the user")
            app.screen.query_one("#tabs", TabbedContent).active = "tab-assignments"
            await until(pilot, lambda: f"group {group.name}" in table_column(app, "assignments", "actor"),
                        "the group's assignment")
            rows = list(zip(table_column(app, "assignments", "scope"), table_column(app, "assignments", "actor"),
                            table_column(app, "assignments", "role"), strict=True))
            assert (f"project {project.name}", f"group {group.name}", "member") in rows
            app.screen.query_one("#tabs", TabbedContent).active = "tab-groups"
            await until(pilot, lambda: group.name in table_column(app, "groups", "name"), "the group")
            table = app.screen.query_one("#groups")
            table.move_cursor(row=table.get_row_index(group.id))
            await pilot.press("a")
            await until(pilot, lambda: app.screen.query_one("#field-user", Select), "the add-user form")
            app.screen.query_one("#field-user", Select).value = user.id
            await pilot.click("#submit")
            await until(pilot, lambda: user.name in str(app.screen.query_one("#groups").get_cell(group.id,
                                                                                                  "members")),
                        "the new member")
            assert not [m for s, m in notifications(app) if s == "error"]

        member = create_app(demo_client, refresh=3600)
        async with member.run_test(size=(160, 40)):
            assert "identity" not in [mode for mode, _key, _title in member.nav_entries()]

    asyncio.run(drive())
    assert user.id in [u.id for u in sdk.identity.group_users(group)]


def test_back_up_and_restore_from_the_volumes_screen(demo_client: CloudClient, live_cloud: LiveCloud,
                                                     unique: Callable[[str], str]) -> None:
    """`b` backs up the selected volume; on the Backups tab, `e` restores the backup into a new volume."""
    sdk = live_cloud.sdk("demo", "demo")
    volume = sdk.block_storage.create_volume(name=unique("tui-data"), size=1)
    wait_for(lambda: sdk.block_storage.get_volume(volume.id), lambda v: v.status == "available", "available")
    backup_name, restored = unique("tui-backup"), unique("tui-restored")

    async def drive() -> None:
        app = create_app(demo_client, refresh=0.5, start="volumes")
        async with app.run_test(size=(160, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, VolumesScreen), "the volumes screen")
            await until(pilot, lambda: volume.name in table_column(app, "volumes", "name"), "the volume")
            table = app.screen.query_one("#volumes")
            table.move_cursor(row=table.get_row_index(volume.id))
            await pilot.press("b")
            await until(pilot, lambda: app.screen.query_one("#field-name", Input), "the backup form")
            await submit(pilot, {"name": backup_name})
            await until(pilot, lambda: isinstance(app.screen, VolumesScreen), "the form closed")
            app.screen.query_one("#tabs", TabbedContent).active = "tab-backups"
            await until(pilot, lambda: backup_name in table_column(app, "backups", "name"), "the backup")
            backup = next(b for b in sdk.block_storage.backups() if b.name == backup_name)
            backups = app.screen.query_one("#backups")
            await until(pilot, lambda: str(backups.get_cell(backup.id, "status")) == "available", "available")
            backups.move_cursor(row=backups.get_row_index(backup.id))
            await pilot.press("e")
            await until(pilot, lambda: app.screen.query_one("#field-name", Input), "the restore form")
            await submit(pilot, {"name": restored})
            await until(pilot, lambda: isinstance(app.screen, VolumesScreen), "the form closed")
            app.screen.query_one("#tabs", TabbedContent).active = "tab-volumes"
            await until(pilot, lambda: restored in table_column(app, "volumes", "name"), "the restored volume")
            assert not [m for s, m in notifications(app) if s == "error"]

    asyncio.run(drive())
    made = wait_for(lambda: sdk.block_storage.find_volume(restored), lambda v: v is not None and
                    v.status == "available", "the restored volume")
    assert made.size == 1
