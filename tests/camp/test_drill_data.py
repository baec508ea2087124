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
    for drill in drills:  # a fault of the whole lab says so on the page
        row = next(line for line in page.splitlines() if line.startswith(f"| `{drill.id}` |"))
        assert ("(the whole lab)" in row) == (drill.scope == "lab"), drill.id


def test_hints_name_what_the_run_made() -> None:
    """A hint's {placeholder} is filled from the run's state (a voucher's code); one the state lacks stays."""
    drill = find_drill("billing-prepaid-zero")
    [_, second, _] = drill.hints_for({"coupon": "DRILL-AB12"})
    assert "DRILL-AB12" in second and "{" not in second
    assert "{coupon}" in drill.hints_for({})[1]
    assert len(drill.hints_for({}, 1)) == 1


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
