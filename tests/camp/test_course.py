"""The course a camp teaches from.

The lab pages are generated from labs/ and never drift (`python -m lab.camp.docs --check`), every page is in
mkdocs.yml's nav, each day's lecture is at least as long as Day 1's with a diagram and a self-checking quiz,
the 2-, 3- and 5-day plans have hour-by-hour timetables that agree with the syllabus and with the instructor
notes every lab has, the seed talks' topics are taught, and no page contradicts tokens keeping real time
(tests/cloud/test_identity_auth.py checks that the cloud does)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from pymdownx.superfences import SuperFencesException

from lab.camp import docs, quiz


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


# ---------------------------------------------------------------- content a camp can teach from

CAMP = docs.ROOT / "course" / "camp"
DAYS = range(1, 6)
QUIZ_FENCE = re.compile(r"^```quiz\n(.*?)^```", re.S | re.M)


def day_page(day: int) -> str:
    return (CAMP / f"day{day}.md").read_text()


def lecture_words(day: int) -> int:
    """The lecture's words: the page without its quiz."""
    return len(QUIZ_FENCE.sub("", day_page(day)).split())


def day_quiz(day: int) -> list[quiz.Question]:
    return [q for source in QUIZ_FENCE.findall(day_page(day)) for q in quiz.parse(source)]


@pytest.mark.parametrize("day", DAYS[1:])
def test_each_days_lecture_is_at_least_as_long_as_day_1(day: int) -> None:
    assert lecture_words(day) >= lecture_words(1), (
        f"day{day}.md has {lecture_words(day)} words of lecture, Day 1 has {lecture_words(1)}")


@pytest.mark.parametrize("day", DAYS)
def test_each_day_has_its_own_diagram(day: int) -> None:
    """An SVG of its own under course/img (works offline, unlike a diagram drawn by a script from a CDN), with a
    title and a description for screen readers."""
    found = re.findall(r"!\[([^\]]+)\]\(\.\./img/(day\d-[\w-]+\.svg)\)", day_page(day))
    assert found, f"day{day}.md shows no ../img/day{day}-*.svg diagram"
    for alt, name in found:
        assert name.startswith(f"day{day}-") and len(alt.split()) >= 5, (name, alt)
        root = ElementTree.parse(docs.ROOT / "course" / "img" / name).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg", name
        ns = {"s": "http://www.w3.org/2000/svg"}
        assert root.findtext("s:title", namespaces=ns) and root.findtext("s:desc", namespaces=ns), name
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text]
        assert len(texts) >= 10, f"{name} has almost no labels"


@pytest.mark.parametrize("day", DAYS)
def test_each_day_has_a_self_checking_quiz(day: int) -> None:
    questions = day_quiz(day)
    assert len(questions) >= 5, f"day{day}.md has {len(questions)} quiz questions"
    for question in questions:
        # exactly three wrong answers: also catches an unquoted comma splitting one answer in two
        assert len(question.wrong) == 3, (question.text, question.wrong)
        html = quiz.render([question])
        assert html.count('value="right"') == 1 and html.count('value="wrong"') == 3
        assert html.count("quiz-right") == 1 and question.key in html
    assert len({q.key for q in questions}) == len(questions), "two questions share a radio group"
    # the right answer is not always in the same place
    assert len({q.options().index((q.right, True)) for q in questions}) > 1


def test_a_malformed_quiz_fails_the_build() -> None:
    good = {"q": "Which?", "right": "A", "wrong": ["B", "C", "D"], "why": "Because."}
    bad = ["just text", [], [{**good, "why": ""}], [{**good, "wrong": []}], [{**good, "wrong": ["A", "B"]}],
           [{k: v for k, v in good.items() if k != "why"}], [{**good, "extra": 1}]]
    for case in bad:
        with pytest.raises(ValueError):
            quiz.parse(yaml.safe_dump(case))
        with pytest.raises(SuperFencesException):
            quiz.fence(yaml.safe_dump(case), "quiz", "quiz", {}, None)
    assert quiz.parse(yaml.safe_dump([good]))[0].right == "A"


def test_the_quiz_fence_and_its_style_are_registered() -> None:
    config = (docs.ROOT / "mkdocs.yml").read_text()
    assert "format: !!python/name:lab.camp.quiz.fence" in config and "css/quiz.css" in config
    css = (docs.ROOT / "course" / "css" / "quiz.css").read_text()
    assert ".quiz-option input:checked ~ .quiz-verdict" in css  # the verdict shows only beside the choice


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course site, built with --strict from this tree (the quiz fence is imported from here)."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "PYTHONPATH": str(docs.ROOT), "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([str(Path(sys.executable).with_name("mkdocs")), "build", "--strict", "--site-dir",
                             str(out)], cwd=docs.ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.mark.parametrize("day", DAYS)
def test_the_built_day_page_shows_its_diagram_and_quiz(site: Path, day: int) -> None:
    page = (site / "camp" / f"day{day}" / "index.html").read_text()
    assert page.count('<fieldset class="quiz-question">') == len(day_quiz(day))
    assert page.count('value="right"') == len(day_quiz(day))
    assert "```quiz" not in page and "css/quiz.css" in page
    for name in re.findall(r'src="\.\./\.\./img/(day\d-[\w-]+\.svg)"', page):
        assert (site / "img" / name).exists()
    assert re.search(rf'src="\.\./\.\./img/day{day}-', page)


# ---------------------------------------------------------------- timetables and instructor notes

PLANS = {5: "The five-day camp", 3: "The three-day camp", 2: "The two-day camp"}
SLOT = re.compile(r"^\| (\d\d):(\d\d)–(\d\d):(\d\d) \| (.*) \|$", re.M)
LAB_LINK = re.compile(r"\[(\d+\.\d+)\]\(\.\./labs/\1\.md\)")


def section(text: str, heading: str, level: str = "##") -> str:
    """The text under `heading` up to the next heading of the same or a higher level."""
    start = text.index(f"{level} {heading}")
    following = re.search(rf"^#{{1,{len(level)}}} ", text[start + len(level) + 1:], re.M)
    return text[start: start + len(level) + 1 + following.start()] if following else text[start:]


def syllabus_plan(days: int) -> list[list[str]]:
    """The labs of each day of a plan, from the syllabus's table (`1.1, 1.3 to 1.7`)."""
    order = [lab.id for lab in docs.load_labs()]
    table = section((CAMP / "syllabus.md").read_text(), PLANS[days])
    result = []
    for row in re.findall(r"^\| (\d) \| .* \| ([\d., to]+) \|$", table, re.M):
        labs: list[str] = []
        for part in row[1].split(","):
            first, _, last = part.strip().partition(" to ")
            labs += order[order.index(first): order.index(last or first) + 1]
        result.append(labs)
    assert len(result) == days, f"the syllabus's {PLANS[days]} table has {len(result)} days"
    return result


def timetable(days: int) -> list[list[tuple[int, int, str]]]:
    """Each day of a plan as (start minute, end minute, what) rows."""
    plan = section((CAMP / "timetable.md").read_text(), PLANS[days])
    result = []
    for day in range(1, days + 1):
        rows = SLOT.findall(section(plan, f"Day {day} of {days}", "###"))
        result.append([(int(a) * 60 + int(b), int(c) * 60 + int(d), what) for a, b, c, d, what in rows])
    return result


def instructor_notes() -> dict[str, str]:
    text = (docs.ROOT / "course" / "instructor" / "labs.md").read_text()
    parts = re.split(r"^### (\d+\.\d+) .*$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


@pytest.mark.parametrize("days", PLANS)
def test_each_plan_has_an_hour_by_hour_timetable_with_the_syllabus_labs(days: int) -> None:
    notes = instructor_notes()
    for n, (rows, labs) in enumerate(zip(timetable(days), syllabus_plan(days), strict=True), 1):
        where = f"timetable, {PLANS[days]}, day {n}"
        assert rows and rows[0][0] == 9 * 60 and rows[-1][1] == 17 * 60, f"{where}: not 09:00 to 17:00"
        for (start, end, _), (next_start, _, _) in zip(rows, rows[1:], strict=False):
            assert start < end == next_start, f"{where}: a gap or overlap at {end // 60}:{end % 60:02}"
        assert any("Lunch" in what for _, _, what in rows) and any("quiz" in what for _, _, what in rows), where
        shown = [lab for _, _, what in rows for lab in LAB_LINK.findall(what)]
        assert shown == labs, f"{where}: labs {shown}, the syllabus says {labs}"
        for start, end, what in rows:  # a lab's slot is as long as its instructor notes say
            for lab in LAB_LINK.findall(what):
                minutes = int(re.search(r"\*\*Timing:\*\* (\d+) minutes", notes[lab]).group(1))
                assert end - start == minutes, f"{where}: lab {lab} has {end - start} minutes, its notes {minutes}"


def test_the_five_day_plan_has_every_lab_on_its_day() -> None:
    labs = docs.load_labs()
    assert syllabus_plan(5) == [[lab.id for lab in labs if lab.day == day] for day in DAYS]


def test_every_lab_has_instructor_notes() -> None:
    """Timing, common mistakes and what to say, for every lab in labs/ and for no lab that is gone."""
    notes = instructor_notes()
    ids = [lab.id for lab in docs.load_labs()]
    assert sorted(notes) == sorted(ids), f"instructor/labs.md: missing {set(ids) - set(notes)}, " \
                                         f"extra {set(notes) - set(ids)}"
    for lab_id, text in notes.items():
        for label, words in (("Timing:", 2), ("Common mistakes:", 15), ("What to say:", 15)):
            item = re.search(rf"^- \*\*{label}\*\* (.+?)(?=^- \*\*|\Z)", text, re.M | re.S)
            assert item and len(item.group(1).split()) >= words, f"instructor notes of {lab_id}: no `{label}`"
        assert re.search(r"\*\*Timing:\*\* \d+ minutes", text), lab_id


# ---------------------------------------------------------------- topics, and one truth about time

TOPICS = {  # the seed talks' subjects -> (day, what the page must say)
    "Keystone regions": (1, r"^### Regions$"),
    "Neutron agents and namespaces": (2, r"^## Agents and namespaces$[\s\S]*qrouter-[\s\S]*qdhcp-"),
    "Cinder drivers": (3, r"^## Cinder is a framework$[\s\S]*drivers"),
    "snapshots": (3, r"^## Snapshots$"),
    "Swift": (3, r"^## Swift$[\s\S]*quorum"),
    "load balancers": (2, r"^## Load balancers$[\s\S]*health monitor"),
    "monitoring and alarms (Kanyun)": (4, r"^## Monitoring and alarms: Kanyun$[\s\S]*Aodh"),
    "billing (Dough)": (4, r"^## Billing: Dough$"),
    "high availability": (5, r"^## High availability$[\s\S]*Galera"),
    "deployment": (5, r"^## Deploying OpenStack$[\s\S]*Kolla-Ansible"),
}
# Services StackLab does not serve yet: the lecture teaches the concept and says the lab comes with the service,
# until a lab about it exists; then the lecture must link that lab instead.
LATER = {"Swift": (3, "Swift", r"\bSwift\b|object storage"),
         "load balancers": (2, "Load balancers", r"load balanc"),
         "Heat": (5, "Orchestration: Heat", r"\bHeat\b|orchestration"),
         "monitoring and alarms": (4, "Monitoring and alarms: Kanyun", r"\balarm")}


@pytest.mark.parametrize("topic", TOPICS)
def test_the_seed_talks_topics_are_taught(topic: str) -> None:
    day, pattern = TOPICS[topic]
    assert re.search(pattern, day_page(day), re.M), f"day{day}.md does not teach {topic}"


@pytest.mark.parametrize("topic", LATER)
def test_a_topic_without_its_service_says_its_lab_comes_later(topic: str) -> None:
    day, heading, about = LATER[topic]
    text = section(day_page(day), heading)
    labs = [lab for lab in docs.load_labs() if re.search(about, f"{lab.title} {lab.summary}", re.I)]
    if labs:
        missing = [lab.id for lab in labs if f"../labs/{lab.id}.md" not in text]
        assert not missing, f"day{day}.md's {heading} section does not link its labs {missing}"
    else:
        assert re.search(r"not (have|include) [^.]* yet|not in StackLab yet", text), text[:200]
        assert re.search(r"lab[^.]* comes with", text), f"day{day}.md: {heading} does not say when its lab comes"


def paragraphs() -> list[tuple[str, str]]:
    """Every paragraph of the course and the README; a table's rows each count as one (a reference table's
    rows are about different things)."""
    pages = [*sorted((docs.ROOT / "course").rglob("*.md")), docs.ROOT / "README.md"]
    return [(str(page.relative_to(docs.ROOT)), part) for page in pages
            for para in re.split(r"\n\s*\n", page.read_text())
            for part in (para.splitlines() if para.lstrip().startswith("|") else [para])]


def test_every_page_agrees_that_tokens_keep_real_time() -> None:
    """Identity issues and expires tokens by `clock.real_now()` (lab/cloud/identity/service.py): a paragraph
    that talks about tokens and the lab clock must say real time, and none may say tokens follow lab time."""
    wrong = []
    for page, para in paragraphs():
        flat = " ".join(para.split())
        about_both = re.search(r"\btokens?\b", flat, re.I) and re.search(r"lab (clock|time)|clock advance", flat,
                                                                          re.I)
        says_lab_time = re.search(r"tokens? (expire|expiry)[^.]*(in|follows?) lab time", flat, re.I)
        if (about_both and ("real time" not in flat or says_lab_time)) or re.search(
                r"token (expiry|expires?)\)? follows", flat, re.I):
            wrong.append(f"{page}: {flat[:160]}")
    assert not wrong, "pages that contradict tokens keeping real time:\n" + "\n".join(wrong)

