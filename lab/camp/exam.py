"""The mock administrator exam: data under `exams/<id>/` (exam.yaml: domains and their weights, minutes, pass
mark; tasks.py: TASKS, each with `<id>_params(rng)`, `<id>_check(env, params)`, `<id>_solve(env, params)`, and
optionally `<id>_setup(env, params)`: what the task starts from, made when the exam starts).

`draw` gives a student their paper: every task whose service the cloud offers, with parameters from the
student's seed, so two students get different names and numbers. `score` weighs the results: each domain's
weight is shared by its tasks, and domains the paper has no task for (the lab lacks the service) are left out
and the rest rescaled to 100 (`left_out` says which). The cloud runs the checks as the student and keeps the
result; this module, like the labs, only talks to the public APIs.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from lab.camp.modules import load_module


class ExamError(Exception):
    """An exam folder that is not well formed, or an unknown exam."""


def exams_dir() -> Path:
    if os.environ.get("STACKLAB_EXAMS_DIR"):
        return Path(os.environ["STACKLAB_EXAMS_DIR"]).expanduser()
    return Path(__file__).resolve().parent.parent.parent / "exams"


@dataclass(frozen=True)
class Exam:
    id: str
    title: str
    minutes: int
    pass_mark: float
    domains: dict[str, float]
    path: Path

    def module(self) -> ModuleType:
        module = load_module(self.path / "tasks.py", f"stacklab_exams.{self.id}", ExamError)
        if not isinstance(getattr(module, "TASKS", None), list):
            raise ExamError(f"{self.path / 'tasks.py'} defines no TASKS list")
        return module

    def task_fn(self, task_id: str, kind: str) -> Any:
        fn = getattr(self.module(), f"{task_id}_{kind}", None)
        if not callable(fn):
            raise ExamError(f"{self.path / 'tasks.py'} defines no {task_id}_{kind}()")
        return fn

    def setup_fn(self, task_id: str) -> Any:
        """The task's `<id>_setup(env, params)`, what it starts from, or None when it starts from nothing."""
        fn = getattr(self.module(), f"{task_id}_setup", None)
        return fn if callable(fn) else None

    def prepare(self, env: Any, paper: list[dict[str, Any]]) -> None:
        """Make the paper's starting state in the student's project (`env`, as the student): every task's
        setup, each making only what is missing, so preparing twice is preparing once."""
        for task in paper:
            setup = self.setup_fn(task["id"])
            if setup is not None:
                setup(env, task["params"])

    def draw(self, seed: int, services: set[str]) -> list[dict[str, Any]]:
        """The paper for `seed` on a cloud offering `services` (catalog types): [{id, domain, statement,
        params}] in the exam's order."""
        rng = random.Random(seed)
        needs = getattr(self.module(), "DOMAIN_SERVICES", {})
        paper = []
        for task in self.module().TASKS:
            params = self.task_fn(task["id"], "params")(rng)  # drawn for every task: the seed means one paper
            if needs.get(task["domain"], task["domain"]) not in services:
                continue
            paper.append({"id": task["id"], "domain": task["domain"], "params": params,
                          "statement": task["statement"].format(**params)})
        return paper

    def score(self, paper: list[dict[str, Any]], passed: set[str]) -> dict[str, Any]:
        """Per-domain and total scores (percent, rescaled over the domains on the paper) for the tasks `passed`."""
        on_paper = {t["domain"] for t in paper}
        left_out = sorted(d for d in self.domains if d not in on_paper)
        total_weight = sum(w for d, w in self.domains.items() if d in on_paper) or 1
        domains, total = {}, 0.0
        for domain, weight in self.domains.items():
            tasks = [t for t in paper if t["domain"] == domain]
            if not tasks:
                continue
            done = sum(1 for t in tasks if t["id"] in passed)
            share = 100.0 * weight / total_weight
            earned = share * done / len(tasks)
            domains[domain] = {"weight": round(share, 2), "passed": done, "tasks": len(tasks),
                               "score": round(earned, 2)}
            total += earned
        return {"domains": domains, "total": round(total, 2), "pass_mark": self.pass_mark,
                "passed": total >= self.pass_mark - 1e-9, "left_out": left_out}


def load_exam(exam_id: str = "coa", directory: Path | None = None) -> Exam:
    path = (directory or exams_dir()) / exam_id
    if not (path / "exam.yaml").exists():
        raise ExamError(f"no exam {exam_id!r} (no {path / 'exam.yaml'})")
    meta = yaml.safe_load((path / "exam.yaml").read_text()) or {}
    domains = {str(k): float(v) for k, v in (meta.get("domains") or {}).items()}
    if not domains or any(w <= 0 for w in domains.values()):
        raise ExamError(f"{path / 'exam.yaml'}: domains need positive weights")
    return Exam(id=str(meta.get("id", exam_id)), title=str(meta.get("title", exam_id)),
                minutes=int(meta.get("minutes", 90)), pass_mark=float(meta.get("pass_mark", 70)),
                domains=domains, path=path)
