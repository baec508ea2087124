"""Self-checking quizzes for the course site: a ```` ```quiz ```` fence in a page holds questions as YAML, and
this module turns them into radio buttons that say right or wrong when clicked.

    - q: Which service issues the tokens every other service checks?
      right: Keystone
      wrong: [Nova, Glance]
      why: Keystone authenticates users and issues scoped tokens; the others only validate them.

mkdocs.yml registers `fence` as a pymdownx.superfences custom fence. The page needs no JavaScript and no
network (a classroom may have neither): course/css/quiz.css shows the verdict next to the checked answer.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from typing import Any

import markdown
import yaml
from pymdownx.superfences import SuperFencesException


@dataclass(frozen=True)
class Question:
    text: str
    right: str
    wrong: tuple[str, ...]
    why: str

    @property
    def key(self) -> str:
        """A stable id for the radio group, so two questions on a page never share one."""
        return hashlib.sha256(self.text.encode()).hexdigest()[:10]

    def options(self) -> list[tuple[str, bool]]:
        """The answers in a fixed order that does not always put the right one first: its place comes from the
        question's hash, so the page is the same on every build."""
        place = int(self.key, 16) % (len(self.wrong) + 1)
        answers = [(w, False) for w in self.wrong]
        answers.insert(place, (self.right, True))
        return answers


def parse(source: str) -> list[Question]:
    """The questions of one fence. Raises ValueError, saying which question, for anything malformed."""
    data = yaml.safe_load(source)
    if not isinstance(data, list) or not data:
        raise ValueError("a quiz is a YAML list of questions")
    questions = []
    for n, item in enumerate(data, 1):
        if not isinstance(item, dict) or set(item) != {"q", "right", "wrong", "why"}:
            raise ValueError(f"question {n}: needs exactly the keys q, right, wrong, why")
        wrong = item["wrong"]
        if not isinstance(wrong, list) or not wrong or not all(isinstance(w, str) and w for w in wrong):
            raise ValueError(f"question {n}: `wrong` is a list of at least one answer")
        if not all(isinstance(item[k], str) and item[k].strip() for k in ("q", "right", "why")):
            raise ValueError(f"question {n}: q, right and why are non-empty text")
        if item["right"] in wrong or len(set(wrong)) != len(wrong):
            raise ValueError(f"question {n}: every answer must differ")
        questions.append(Question(item["q"].strip(), item["right"].strip(), tuple(w.strip() for w in wrong),
                                  item["why"].strip()))
    return questions


def inline(text: str) -> str:
    """Markdown (code spans, emphasis, links) rendered without the surrounding paragraph."""
    rendered = markdown.markdown(text)
    return rendered.removeprefix("<p>").removesuffix("</p>")


def render(questions: list[Question]) -> str:
    parts = ['<div class="quiz">']
    for n, question in enumerate(questions, 1):
        parts.append(f'<fieldset class="quiz-question"><legend>{n}. {inline(question.text)}</legend>')
        for answer, correct in question.options():
            verdict = (f'<span class="quiz-verdict quiz-right">Right. {inline(question.why)}</span>' if correct
                       else '<span class="quiz-verdict quiz-wrong">Not this one: try again.</span>')
            parts.append(f'<label class="quiz-option"><input type="radio" name="quiz-{question.key}" '
                         f'value="{"right" if correct else "wrong"}"> <span>{inline(answer)}</span>'
                         f'{verdict}</label>')
        parts.append("</fieldset>")
    parts.append("</div>")
    return "\n".join(parts)


def fence(source: str, language: str, css_class: str, options: dict[str, Any], md: Any, **kwargs: Any) -> str:
    """The pymdownx.superfences formatter. A malformed quiz fails the build (SuperFencesException) instead of
    showing as a code block."""
    try:
        return render(parse(source))
    except (ValueError, yaml.YAMLError) as exc:
        raise SuperFencesException(f"quiz: {html.escape(str(exc))}") from exc
