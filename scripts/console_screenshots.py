"""Make the console screenshots of course/console.md: start a throw-away lab, seed it like the snapshot tests,
and save an SVG of each screen with Textual's `save_screenshot` into course/img/.

    .venv/bin/python scripts/console_screenshots.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lab.tui.app import create_app  # noqa: E402
from lab.tui.client import CloudClient  # noqa: E402
from tests.conftest import start_live_cloud  # noqa: E402
from tests.tui.support import MaskingClient, seed, seed_class, student_sdk, table_column, until  # noqa: E402

OUT = ROOT / "course" / "img"


async def shoot(client: Any, start: str, name: str, keys: tuple[str, ...] = (), wait_table: str | None = None,
                size: tuple[int, int] = (120, 34), tab: str | None = None, settle: float = 0.5) -> None:
    app = create_app(client, refresh=3600, start=start)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.current_mode == start, "the screen")
        if wait_table:
            await until(pilot, lambda: table_column(app, wait_table, "name"), "the table")
        if tab:
            app.screen.query_one("#tabs").active = tab  # type: ignore[attr-defined]
            await pilot.pause(1.0)
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.3)
        await pilot.pause(settle)
        app.save_screenshot(f"console-{name}.svg", str(OUT))
        print(f"wrote course/img/console-{name}.svg")


async def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        lab = start_live_cloud(Path(tmp) / "lab", extra_env={"STACKLAB_BOOT_SECONDS": "0"})
        try:
            seed(lab.sdk("demo", "demo"))
            students = seed_class(lab.url, lab.sdk("admin"))
            demo = MaskingClient(CloudClient(lab.sdk("demo", "demo"), "stacklab-demo"))
            student = MaskingClient(CloudClient(student_sdk(lab.url, students[0]), "snap01"))
            admin = MaskingClient(CloudClient(lab.sdk("admin"), "stacklab"))
            await shoot(demo, "overview", "overview")
            await shoot(demo, "servers", "servers", wait_table="servers")
            await shoot(demo, "servers", "console-log", ("down", "l", "_", "slash", *"login"), "servers")
            await shoot(demo, "servers", "launch", ("n", "_", *"web-2"), "servers", size=(120, 50))
            await shoot(demo, "networks", "topology", (), "networks", tab="tab-topology")
            await shoot(demo, "servers", "json", ("down", "y"), "servers")
            await shoot(demo, "volumes", "volumes", wait_table="volumes")
            await shoot(admin, "instructor", "instructor", wait_table="class-grid", tab="tab-all-servers", settle=1.5)
            await shoot(demo, "servers", "help", ("question_mark",), "servers", size=(120, 44))
            await shoot(admin, "instructor", "class-grid", wait_table="class-grid")
            await shoot(student, "labs", "labs", ("down", "down", "down", "c"), "labs", size=(120, 44), settle=5.0)
            # A bill worth reading: three lab days of the seeded resources (ids are not shown, so no masking; the
            # usage chart needs the real days).
            advanced = lab.sdk("admin").session.post(f"{lab.url}/lab/v1/clock/advance", json={"by": "3d"})
            assert advanced.status_code == 200, advanced.text
            await shoot(CloudClient(lab.sdk("demo", "demo"), "stacklab-demo"), "billing", "billing", settle=3.0)
        finally:
            lab.stop()


if __name__ == "__main__":
    asyncio.run(main())
