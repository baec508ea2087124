"""The course site's lab pages are generated from labs/ and never drift: `python -m lab.camp.docs --check`
passes on the checked-in pages, fails on a stale or extra one, and every page is in mkdocs.yml's nav."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from lab.camp import docs


def test_checked_in_lab_pages_are_current() -> None:
    assert docs.main(["--check"]) == 0


def test_check_fails_on_a_stale_or_extra_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "labs"
    shutil.copytree(docs.OUT, out)
    monkeypatch.setattr(docs, "OUT", out)
    (out / "2.3.md").write_text((out / "2.3.md").read_text().replace("lab-ssh", "lab-sh"))
    (out / "9.9.md").write_text("old")
    assert docs.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "course/labs/2.3.md is out of date" in err and "course/labs/9.9.md has no lab any more" in err
    assert docs.main([]) == 0 and docs.main(["--check"]) == 0
    assert not (out / "9.9.md").exists()


def test_every_lab_page_and_camp_page_is_in_the_nav() -> None:
    config = yaml.safe_load((docs.ROOT / "mkdocs.yml").read_text().replace("!!python", "#"))

    def paths(node: object) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, list):
            return [p for item in node for p in paths(item)]
        if isinstance(node, dict):
            return [p for value in node.values() for p in paths(value)]
        return []

    in_nav = set(paths(config["nav"]))
    camp = {f"camp/{p.name}" for p in (docs.ROOT / "course" / "camp").glob("*.md")}
    missing = (set(docs.nav()) | camp) - in_nav
    assert not missing, f"mkdocs.yml nav lacks {sorted(missing)}"
    page = (docs.OUT / "2.3.md").read_text()
    assert "1. lab-ssh exists" not in page and "1. A security group called lab-ssh exists." in page
    assert "`openstack security group create lab-ssh`." in page  # the hint, folded
