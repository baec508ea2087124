"""The upstream runner's own logic, without a lab: `run_by_file` runs a folder one file at a time within a
budget and keeps the counts of the files that finished when the budget runs out."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.upstream import run as runner


def test_run_by_file_sums_and_names_what_the_budget_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "functional" / "things"
    (folder / "v2").mkdir(parents=True)
    for name in ("test_a.py", "test_b.py", "test_c.py", "helper.py"):
        (folder / "v2" / name).write_text("")
    monkeypatch.setitem(runner.SUITES, "sdk", tmp_path / "functional")
    ran: list[list[str]] = []

    def fake_run(suite: str, config: Path, tests: list[str] | None = None, timeout: int = 1800) -> runner.Result:
        assert tests is not None and timeout > 0
        ran.append(tests)
        if tests == ["v2/test_b.py"]:
            raise subprocess.TimeoutExpired("pytest", timeout)
        return runner.Result(suite, passed=2, failed=1, skipped=1, failures={f"{tests[0]}::x": "boom"})

    monkeypatch.setattr(runner, "run", fake_run)
    total = runner.run_by_file("sdk:things", tmp_path / "clouds.yaml", budget=600)
    assert ran == [["v2/test_a.py"], ["v2/test_b.py"], ["v2/test_c.py"]]  # helpers are not test files
    assert (total.passed, total.failed, total.skipped) == (4, 2, 2)
    assert total.failures == {"v2/test_a.py::x": "boom",
                              "v2/test_b.py (cut)": "the run's budget was spent while it ran",
                              "v2/test_c.py::x": "boom"}
    spent = runner.run_by_file("sdk:things", tmp_path / "clouds.yaml", budget=0)
    assert list(spent.failures) == [f"v2/test_{n}.py (not run)" for n in "abc"] and spent.passed == 0
