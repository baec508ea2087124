"""The import structure issue 12 asks for: `lab.camp` (labs and the check engine) is a client of the APIs and
imports nothing from `lab.cloud`, and the deployment modules do not import each other in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

LAB = Path(__file__).resolve().parent.parent / "lab"


def imports(path: Path) -> set[str]:
    """Every module `path` imports at run time (at any depth; what only type checkers read is left out)."""
    tree = ast.parse(path.read_text())
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING") for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(LAB.parent).with_suffix("").parts)


def test_camp_imports_nothing_from_the_cloud() -> None:
    for path in (LAB / "camp").glob("*.py"):
        assert not {m for m in imports(path) if m.startswith("lab.cloud")}, f"{path.name} imports lab.cloud"


def test_deploy_modules_import_no_circle() -> None:
    graph = {module_name(p): {m for m in imports(p) if m.startswith("lab.deploy")}
             for p in (LAB / "deploy").glob("*.py")}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in graph.get(start, ()))

    circles = sorted(m for m in graph if reaches(m, m, set()))
    assert not circles, f"modules in an import circle: {circles}"
