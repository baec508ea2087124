"""The console's Labs, Instructor (class grid, reset, snapshots) and Billing screens against a live lab: a class
made through the lab API, a student checking a lab from the console, the instructor resetting that student from
the grid, and the billing screen's figures compared with the billing API's."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Input, Static, TabbedContent

from lab.tui.app import create_app
from lab.tui.client import CloudClient
from lab.tui.screens.billing import BillingScreen
from lab.tui.screens.dialogs import ConfirmScreen
from lab.tui.screens.instructor import InstructorScreen
from lab.tui.screens.labs import LabsScreen
from lab.tui.widgets.bars import BarChart
from tests.conftest import LiveCloud
from tests.tui.support import PUBLIC_KEY, notifications, student_sdk, table_column, until

pytestmark = pytest.mark.e2e


def make_class(live_cloud: LiveCloud, name: str, prefix: str, students: int = 2) -> list[dict[str, Any]]:
    """A class made through /lab/v1 as the CLI does it: record it, then add its students one by one."""
    admin = live_cloud.sdk("admin")
    lab = f"{live_cloud.url}/lab/v1"
    r = admin.session.post(f"{lab}/classes", json={"class": {"name": name, "students": students, "prefix": prefix}})
    assert r.status_code == 201, r.text
    made = []
    for student in r.json()["class"]["planned_students"]:
        s = admin.session.post(f"{lab}/classes/{name}/students", json={"student": {"name": student}})
        assert s.status_code == 201, s.text
        made.append(s.json()["student"])
    return made


def select(app: Any, table_id: str, column: str, value: str) -> None:
    table = app.screen.query_one(f"#{table_id}")
    table.move_cursor(row=table_column(app, table_id, column).index(value))


def report(app: Any) -> str:
    return str(app.screen.query_one("#report", Static).render())


def test_student_checks_a_lab_and_the_instructor_resets_them(live_cloud: LiveCloud,
                                                             unique: Callable[[str], str]) -> None:
    """A student of a new class runs lab 1.4's checks from the Labs screen: all fail with the first hint; after
    importing the key pair the first passes and the hint is the next one; the result is recorded (the cloud's
    progress and the table agree). The instructor's class grid shows it; `x` (confirmed) resets the student,
    whose key pair is then gone."""
    name = unique("tui")
    prefix = "t" + name.replace("-", "")[-8:] + "s"
    students = make_class(live_cloud, name, prefix)
    student = students[0]
    conn = student_sdk(live_cloud.url, student)
    client = CloudClient(conn, "student")

    async def check_as_student() -> None:
        app = create_app(client, refresh=60, start="labs")
        async with app.run_test(size=(140, 44)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, LabsScreen) and "1.4" in table_column(
                app, "labs", "lab"), "the labs")
            select(app, "labs", "lab", "1.4")
            await pilot.press("c")
            await until(pilot, lambda: "0/4 checks passed" in report(app), "the failed check")
            assert "FAIL" in report(app) and "no key pair called lab-key" in report(app)
            assert "Hint: `ssh-keygen -t ed25519" in report(app)
            conn.compute.create_keypair(name="lab-key", public_key=PUBLIC_KEY)
            await pilot.press("c")
            await until(pilot, lambda: "1/4 checks passed" in report(app), "the key pair check passing")
            assert "PASS  A key pair called lab-key exists." in report(app)
            assert "Hint: `openstack server create" in report(app)
            await until(pilot, lambda: dict(zip(table_column(app, "labs", "lab"),
                                                table_column(app, "labs", "status"), strict=True))["1.4"] == "1/4",
                        "the status 1/4 in the table")

    try:
        asyncio.run(check_as_student())
    finally:
        client.close()
    progress = live_cloud.sdk("admin").session.get(f"{live_cloud.url}/lab/v1/progress",
                                                   params={"project_id": student["project_id"]}).json()["progress"]
    assert [(p["lab_id"], p["passed"], p["total"]) for p in progress] == [("1.4", 1, 4)]

    admin_client = CloudClient(live_cloud.sdk("admin"), "stacklab")

    async def reset_as_instructor() -> None:
        app = create_app(admin_client, refresh=60, start="instructor")
        async with app.run_test(size=(140, 44)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, InstructorScreen)
                        and student["name"] in table_column(app, "class-grid", "name"), "the class grid")
            rows = dict(zip(table_column(app, "class-grid", "name"), table_column(app, "class-grid", "labs"),
                            strict=True))
            assert rows[student["name"]].startswith("···✗····")  # 1.4 is the fourth lab of day 1
            assert rows[students[1]["name"]].replace(" ", "").strip("·") == ""
            select(app, "class-grid", "name", student["name"])
            await pilot.press("x")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
            await pilot.press("y")
            await until(pilot, lambda: any(m.startswith(f"{student['name']} reset") for _s, m in
                                           notifications(app)), "the reset")
            assert not [m for s, m in notifications(app) if s == "error"]

    try:
        asyncio.run(reset_as_instructor())
    finally:
        admin_client.close()
    assert conn.compute.find_keypair("lab-key") is None
    conn.close()


def test_declined_reset_changes_nothing(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """`x` then `n`: the student keeps their key pair and no reset is said."""
    name = unique("tui")
    students = make_class(live_cloud, name, "t" + name.replace("-", "")[-8:] + "n", students=1)
    conn = student_sdk(live_cloud.url, students[0])
    conn.compute.create_keypair(name="keep-me", public_key=PUBLIC_KEY)
    admin_client = CloudClient(live_cloud.sdk("admin"), "stacklab")

    async def drive() -> None:
        app = create_app(admin_client, refresh=60, start="instructor")
        async with app.run_test(size=(140, 44)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, InstructorScreen)
                        and students[0]["name"] in table_column(app, "class-grid", "name"), "the class grid")
            select(app, "class-grid", "name", students[0]["name"])
            await pilot.press("x")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, InstructorScreen), "back on the grid")
            await pilot.pause(0.5)
            assert not [m for _s, m in notifications(app) if "reset" in m]

    try:
        asyncio.run(drive())
    finally:
        admin_client.close()
    assert conn.compute.find_keypair("keep-me") is not None
    conn.close()


def test_snapshot_saved_and_restored_from_the_instructor_screen(live_cloud: LiveCloud,
                                                                unique: Callable[[str], str]) -> None:
    """`p` saves a named snapshot of the lab (the API lists it); `o` on it, confirmed, restores it: a network
    made after the snapshot is gone again."""
    admin = live_cloud.sdk("admin")
    snap = unique("tui-snap")
    client = CloudClient(live_cloud.sdk("admin"), "stacklab")
    late = unique("after-snapshot")

    async def drive() -> None:
        app = create_app(client, refresh=60, start="instructor")
        async with app.run_test(size=(140, 44)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, InstructorScreen)
                        and app.screen.query_one("#class-grid").loaded, "the instructor screen")
            app.screen.query_one("#tabs", TabbedContent).active = "tab-lab-snapshots"
            await until(pilot, lambda: app.screen.query_one("#lab-snapshots").loaded, "the snapshots tab")
            await pilot.press("p")
            await until(pilot, lambda: app.screen.query_one("#field-name", Input), "the snapshot form")
            app.screen.query_one("#field-name", Input).value = snap
            await pilot.click("#submit")
            await until(pilot, lambda: snap in table_column(app, "lab-snapshots", "name"), "the snapshot listed",
                        tries=1200)
            listed = admin.session.get(f"{live_cloud.url}/lab/v1/snapshots").json()["snapshots"]
            assert snap in [s["name"] for s in listed]
            admin.network.create_network(name=late)
            select(app, "lab-snapshots", "name", snap)
            await pilot.press("o")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
            await pilot.press("y")
            await until(pilot, lambda: ("information", f"Lab restored to snapshot {snap}") in notifications(app),
                        "the restore", tries=1200)
            assert not [m for s, m in notifications(app) if s == "error"]

    try:
        asyncio.run(drive())
    finally:
        client.close()
    assert admin.network.find_network(late) is None
    assert admin.session.delete(f"{live_cloud.url}/lab/v1/snapshots/{snap}").status_code == 204


def test_billing_screen_totals_equal_the_billing_api(demo_client: CloudClient, live_cloud: LiveCloud) -> None:
    """Balance, this month's total and every category on the screen are the billing API's own figures."""
    demo = live_cloud.sdk("demo", "demo")
    billing = f"{live_cloud.url}/billing/v1"

    def api() -> tuple[str, str, list[tuple[str, str]], int]:
        balance = demo.session.get(f"{billing}/balance").json()["balance"]
        bill = demo.session.get(f"{billing}/bills/current").json()["bill"]
        return (balance["amount"], bill["total"], sorted((c["category"], c["total"]) for c in bill["categories"]),
                len(bill["line_items"]))

    async def drive() -> None:
        app = create_app(demo_client, refresh=60, start="billing")
        async with app.run_test(size=(140, 44)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, BillingScreen)
                        and "loading" not in str(app.screen.query_one("#summary", Static).render()), "the bill")
            for _ in range(3):  # a running resource may tick a total between the two reads: read again (bounded)
                expected = api()
                summary = str(app.screen.query_one("#summary", Static).render())
                shown = (summary.split("Balance")[1].split()[0], summary.split("Bill for")[1].split()[1],
                         sorted(app.screen.query_one("#chart", BarChart).items),
                         app.screen.query_one("#items").row_count)
                if shown == expected:
                    break
                await pilot.press("r")
                await pilot.pause(1.0)
            assert shown == expected
            assert app.screen.query_one("#days", BarChart).items  # this month has at least today

    asyncio.run(drive())


def test_instructor_starts_and_undoes_a_drill(live_cloud: LiveCloud, unique: Callable[[str], str]) -> None:
    """On the class grid `b` starts a drill for the selected student (the cloud breaks their project); the
    Drills tab lists the run as active; `u` (confirmed) undoes it, and the drill's security group is gone."""
    name = unique("tui")
    student = make_class(live_cloud, name, "t" + name.replace("-", "")[-8:] + "d", students=1)[0]
    admin = live_cloud.sdk("admin")
    admin_client = CloudClient(admin, "stacklab")

    def groups() -> list[str]:
        return [g.name for g in admin.network.security_groups(project_id=student["project_id"], name="drill-web")]

    async def drive() -> None:
        app = create_app(admin_client, refresh=60, start="instructor")
        async with app.run_test(size=(140, 44)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, InstructorScreen)
                        and student["name"] in table_column(app, "class-grid", "name"), "the class grid")
            select(app, "class-grid", "name", student["name"])
            await pilot.press("b")
            await until(pilot, lambda: app.screen.query_one("#field-drill", Input), "the drill form")
            app.screen.query_one("#field-drill", Input).value = "sg-missing-http"
            await pilot.click("#submit")
            await until(pilot, lambda: any("started for" in m for _s, m in notifications(app)), "the start")
            assert groups() == ["drill-web"]
            app.screen.query_one("#tabs", TabbedContent).active = "tab-drill-runs"
            await until(pilot, lambda: student["name"] in table_column(app, "drill-runs", "student"), "the run")
            assert dict(zip(table_column(app, "drill-runs", "student"), table_column(app, "drill-runs", "status"),
                            strict=True))[student["name"]] == "active"
            select(app, "drill-runs", "student", student["name"])
            await pilot.press("u")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
            await pilot.press("y")
            await until(pilot, lambda: any("undone for" in m for _s, m in notifications(app)), "the undo")
            assert not [m for s, m in notifications(app) if s == "error"]

    try:
        asyncio.run(drive())
    finally:
        admin_client.close()
    assert groups() == []
