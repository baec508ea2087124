"""The drills are well-formed data, and the course documents every one of them (no live cloud needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.camp.drills import DrillError, find_drill, load_drill, load_drills

PAGE = Path(__file__).resolve().parents[2] / "course" / "camp" / "troubleshooting.md"


def test_every_drill_loads_and_is_documented() -> None:
    drills = load_drills()
    assert len(drills) >= 12
    page = PAGE.read_text()
    for drill in drills:
        assert len(drill.hints) >= 2 and drill.repair, drill.id
        assert f"`{drill.id}`" in page, f"course/camp/troubleshooting.md does not list {drill.id}"
        # The last hint is the repair, so a student who takes every hint can do it.
        assert "openstack" in drill.hints[-1], drill.id
    assert len({d.service for d in drills}) >= 4


def test_bad_drills_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DrillError, match="unknown drill"):
        find_drill("no-such-drill")
    folder = tmp_path / "x-bad"
    folder.mkdir()
    (folder / "drill.yaml").write_text("id: x-bad\ntitle: t\n")
    with pytest.raises(DrillError, match="missing service"):
        load_drill(folder)
    (folder / "drill.yaml").write_text("id: other\ntitle: t\nservice: s\nsummary: s\nsymptoms: s\nhints: []\n"
                                       "repair: []\n")
    with pytest.raises(DrillError, match="name its folder"):
        load_drill(folder)
