"""Loading the Python files of the camp's data folders (a lab's checks, a drill, an exam's tasks): each file is
imported once per version (its modification time), under a name of its own, so an edited drill or task is
picked up by a running lab without a restart."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType


@cache
def _load_cached(path: Path, mtime: float, name: str) -> ModuleType | None:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_module(path: Path, name: str, error: type[Exception], functions: tuple[str, ...] = ()) -> ModuleType:
    """The module in `path`, which must define the callables `functions`; else `error` saying what is wrong."""
    if not path.exists():
        raise error(f"{path} is missing")
    module = _load_cached(path, path.stat().st_mtime, name)
    if module is None:
        raise error(f"cannot load {path}")
    for fn in functions:
        if not callable(getattr(module, fn, None)):
            raise error(f"{path} defines no {fn}()")
    return module
