"""The exam's data: papers drawn from a seed, domain weights, and rescaling when the lab lacks a service."""

from __future__ import annotations

import pytest

from lab.camp.exam import load_exam

ALL = {"identity", "compute", "object-store", "block-storage", "network", "image"}


def test_papers_differ_by_seed_and_repeat_with_it() -> None:
    exam = load_exam()
    assert exam.draw(1, ALL) == exam.draw(1, ALL)
    assert [t["statement"] for t in exam.draw(1, ALL)] != [t["statement"] for t in exam.draw(2, ALL)]
    assert {t["domain"] for t in exam.draw(1, ALL)} == set(exam.domains)


def test_a_missing_service_is_left_out_and_the_rest_rescaled() -> None:
    exam = load_exam()
    paper = exam.draw(3, ALL - {"object-store"})
    assert "object-storage" not in {t["domain"] for t in paper}
    full = exam.score(paper, {t["id"] for t in paper})
    assert full["total"] == pytest.approx(100) and full["left_out"] == ["object-storage"]
    compute_only = exam.score(paper, {t["id"] for t in paper if t["domain"] == "compute"})
    assert compute_only["total"] == pytest.approx(35 / 95 * 100, abs=0.01) and not compute_only["passed"]
    assert exam.score(paper, set())["total"] == 0


def test_the_result_page_says_what_was_left_out() -> None:
    """The lab's exam page names the domains a lab without their service left out, and the rescaled weights."""
    from lab.cloud.labapi.pages import score_html

    exam = load_exam()
    paper = exam.draw(3, ALL - {"object-store"})
    score = exam.score(paper, {t["id"] for t in paper if t["domain"] == "compute"})
    page = score_html({**score, "minutes_taken": 12.5, "graded_by": "submitted"})
    assert "Left out" in page and "object-storage" in page and "rescaled" in page
    assert f"{score['domains']['compute']['weight']:.1f}" in page and "not passed" in page
    assert "Left out" not in score_html({**exam.score(exam.draw(3, ALL), set()), "minutes_taken": 1})
