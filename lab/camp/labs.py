"""Loading labs: one folder per lab under `labs/`, each plain data beside two small Python files.

    labs/2.3-security-groups/
        lab.yaml      id, title, day, summary, requires (service types), admin (bool), instructor_demo (bool),
                      hints {check: text}
        README.md     the instructions a student reads (also rendered into the course site)
        checks.py     check_<name>(env) functions, in order; the docstring's first line says what is checked
        solution.py   solve(env): the reference solution, with openstacksdk
        wrong.py      solve(env): a wrong but plausible solution, and FAILS, the checks it must fail (tests only)

A check passes by returning and fails by raising AssertionError (its message says what is wrong, never what
the right answer is); the hint for the first failing check comes from lab.yaml. Checks only use `env.conn` (an
openstacksdk connection as the student) and the evidence helpers of `LabEnv`, so the same lab runs against any
OpenStack cloud. A check trusts what the cloud keeps, not what the student says: the resources' own fields,
the server's instance actions, the data itself, and the project's event log for resources that are gone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from lab.camp.modules import load_module

LAB_ID = re.compile(r"^\d+\.\d+$")
REQUIRED_KEYS = ("id", "title", "day", "summary")


class LabError(Exception):
    """A lab folder that is not well formed, or a lab id that names no lab."""


def labs_dir() -> Path:
    """`$STACKLAB_LABS_DIR`, else the `labs/` folder of the source tree this package runs from."""
    if os.environ.get("STACKLAB_LABS_DIR"):
        return Path(os.environ["STACKLAB_LABS_DIR"]).expanduser()
    return Path(__file__).resolve().parent.parent.parent / "labs"


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    hint: str
    fn: Callable[[Any], None]


@dataclass(frozen=True)
class Lab:
    id: str
    title: str
    day: int
    summary: str
    path: Path
    requires: tuple[str, ...] = ()
    admin: bool = False
    # Class students hold only the member role: an admin lab is shown by the instructor (as the admin) while
    # the students do its README's "As a student" part. See course/camp/instructors.md.
    instructor_demo: bool = False
    hints: dict[str, str] = field(default_factory=dict)

    @property
    def instructions(self) -> str:
        return (self.path / "README.md").read_text()

    @property
    def sort_key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.id.split("."))

    def checks(self) -> list[Check]:
        """The lab's checks in file order, each with its hint."""
        module = _load_module(self.path / "checks.py", f"stacklab_labs.lab_{self.id.replace('.', '_')}.checks")
        found = []
        for name, fn in vars(module).items():
            if name.startswith("check_") and callable(fn):
                short = name.removeprefix("check_")
                description = (fn.__doc__ or short).strip().splitlines()[0]
                found.append(Check(short, description, self.hints.get(short, ""), fn))
        # vars() keeps definition order; a lab's checks run in the order a student does the steps.
        return found

    def solution(self) -> Callable[[Any], None]:
        return self._solve("solution")

    def wrong_solution(self) -> tuple[Callable[[Any], None], tuple[str, ...]]:
        """The lab's wrong-but-plausible solution (wrong.py, for its tests) and the checks it must fail."""
        module = _load_module(self.path / "wrong.py", f"stacklab_labs.lab_{self.id.replace('.', '_')}.wrong")
        fails = tuple(getattr(module, "FAILS", ()))
        if not fails:
            raise LabError(f"{self.path / 'wrong.py'} names no FAILS (the checks it must fail)")
        return self._solve("wrong"), fails

    def _solve(self, stem: str) -> Callable[[Any], None]:
        module = _load_module(self.path / f"{stem}.py", f"stacklab_labs.lab_{self.id.replace('.', '_')}.{stem}")
        solve = getattr(module, "solve", None)
        if not callable(solve):
            raise LabError(f"{self.path / f'{stem}.py'} defines no solve(env)")
        return solve


def _load_module(path: Path, name: str) -> ModuleType:
    return load_module(path, name, LabError)


def load_lab(path: Path) -> Lab:
    """One lab from its folder. Raises LabError naming what is wrong."""
    meta_file = path / "lab.yaml"
    if not meta_file.exists():
        raise LabError(f"{path}: no lab.yaml")
    meta = yaml.safe_load(meta_file.read_text()) or {}
    missing = [key for key in REQUIRED_KEYS if key not in meta]
    if missing:
        raise LabError(f"{meta_file}: missing {', '.join(missing)}")
    lab_id = str(meta["id"])
    if not LAB_ID.match(lab_id):
        raise LabError(f"{meta_file}: id {lab_id!r} is not DAY.N (e.g. 2.3)")
    if int(lab_id.split(".")[0]) != int(meta["day"]):
        raise LabError(f"{meta_file}: id {lab_id} does not belong to day {meta['day']}")
    for name in ("README.md", "checks.py", "solution.py"):
        if not (path / name).exists():
            raise LabError(f"{path}: {name} is missing")
    return Lab(id=lab_id, title=str(meta["title"]), day=int(meta["day"]), summary=str(meta["summary"]).strip(),
               path=path, requires=tuple(meta.get("requires") or ()), admin=bool(meta.get("admin", False)),
               instructor_demo=bool(meta.get("instructor_demo", False)),
               hints={str(k): str(v).strip() for k, v in (meta.get("hints") or {}).items()})


def load_labs(directory: Path | None = None) -> list[Lab]:
    """Every lab under `directory` (default: `labs_dir()`), ordered by id. Raises LabError on a duplicate id."""
    base = directory or labs_dir()
    if not base.is_dir():
        raise LabError(f"no labs folder at {base} (set STACKLAB_LABS_DIR)")
    labs: dict[str, Lab] = {}
    for path in sorted(p for p in base.iterdir() if (p / "lab.yaml").exists()):
        lab = load_lab(path)
        if lab.id in labs:
            raise LabError(f"lab {lab.id} is defined twice: {labs[lab.id].path} and {path}")
        labs[lab.id] = lab
    return sorted(labs.values(), key=lambda lab: lab.sort_key)


def find_lab(lab_id: str, directory: Path | None = None) -> Lab:
    """The lab with this id. Raises LabError listing the known ids when there is none."""
    labs = load_labs(directory)
    for lab in labs:
        if lab.id == lab_id:
            return lab
    raise LabError(f"unknown lab {lab_id!r}; the labs are {', '.join(lab.id for lab in labs)} "
                   "(see `stacklab labs`)")
