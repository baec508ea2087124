"""Documentation is tested (Datasette style): every `stacklab` command and option, every setting and every
API route is documented, and the site builds with `mkdocs build --strict`."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from lab.cli import main
from lab.cloud.app import PLUGINS
from lab.cloud.plugin import load_plugins
from lab.config import Settings

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "course"


def commands(group: click.Group, path: tuple[str, ...] = ("stacklab",)) -> Iterator[tuple[str, click.Command]]:
    """(full name, command) for the group itself and every command below it."""
    yield " ".join(path), group
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


def sections(text: str) -> dict[str, str]:
    """Heading text (backticks stripped) -> the text up to the next heading."""
    parts = re.split(r"^#{2,4} (.+)$", text, flags=re.M)
    return {parts[i].strip().strip("`"): parts[i + 1] for i in range(1, len(parts), 2)}


@pytest.mark.parametrize("name,command", list(commands(main)), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_and_option_is_in_the_cli_reference(name: str, command: click.Command) -> None:
    """reference/cli.md has a section per command naming each of its options and arguments."""
    page = sections((COURSE / "reference" / "cli.md").read_text())
    assert name in page, f"reference/cli.md has no `## {name}` section"
    missing = []
    for param in command.params:
        if isinstance(param, click.Option):
            if not any(opt in page[name] for opt in param.opts if opt.startswith("--")):
                missing.append(max(param.opts, key=len))
        elif isinstance(param, click.Argument) and param.human_readable_name not in page[name]:
            missing.append(param.human_readable_name)
    assert not missing, f"`{name}` in reference/cli.md does not mention {', '.join(missing)}"


def test_every_command_has_clear_help() -> None:
    """Every command's --help works and opens with its one-line summary, a sentence."""
    for name, command in commands(main):
        result = CliRunner().invoke(main, [*name.split()[1:], "--help"], prog_name="stacklab")
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"Usage: {name} "), result.output
        summary = (command.help or "").strip().split("\n")[0]
        assert summary[:1].isupper() and summary.endswith("."), f"{name}: {summary!r}"
        # compared without white space: click's wrapping may also break lines at hyphens ("build-box")
        assert "".join(summary.split()) in "".join(result.output.split()), name


def test_every_setting_is_in_the_configuration_reference() -> None:
    """reference/configuration.md names every Settings field and its STACKLAB_* variable."""
    page = (COURSE / "reference" / "configuration.md").read_text()
    missing = [f.name for f in dataclasses.fields(Settings)
               if f"`{f.name}`" not in page or f"`STACKLAB_{f.name.upper()}`" not in page]
    assert not missing, f"reference/configuration.md does not document: {', '.join(missing)}"


def served_routes() -> Iterator[str]:
    """'METHOD /path' for every route the cloud mounts (HEAD only where there is no GET)."""

    def walk(prefix: str, routes: list[BaseRoute]) -> Iterator[str]:
        for route in routes:
            if isinstance(route, Mount):
                yield from walk(prefix + route.path, list(route.routes))
            elif isinstance(route, Route):
                methods = set(route.methods or ())
                if "GET" in methods:
                    methods.discard("HEAD")
                path = re.sub(r"\{(\w+):\w+\}", r"{\1}", prefix + route.path)  # {id:str} -> {id}
                for method in sorted(methods):
                    yield f"{method} {path}"
            elif isinstance(route, WebSocketRoute):
                yield f"WEBSOCKET {prefix + route.path}"

    for plugin in load_plugins(PLUGINS):
        spec, module = plugin.spec, plugin.routes_module()
        if hasattr(module, "root"):
            yield f"GET {spec.mount}"
        yield from walk(spec.mount, list(module.routes))
        for extra_prefix, extra in getattr(module, "extra_mounts", ()):  # as app.py mounts them
            yield from walk(extra_prefix, list(extra))


def test_every_route_is_in_the_api_subset_page() -> None:
    """reference/api-subset.md lists every route the cloud serves, as `METHOD /path`."""
    page = (COURSE / "reference" / "api-subset.md").read_text()
    missing = sorted({r for r in served_routes() if f"`{r}`" not in page})
    assert not missing, "reference/api-subset.md does not list:\n" + "\n".join(f"| `{r}` | |" for r in missing)


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    """The course site builds with no warning (broken links, missing pages)."""
    mkdocs = Path(sys.executable).with_name("mkdocs")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # mkdocs.yml's quiz fence (lab.camp.quiz) from this tree
    result = subprocess.run([str(mkdocs), "build", "--strict", "--site-dir", str(tmp_path / "site")], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "reference" / "api-subset" / "index.html").exists()


def test_every_plugin_field_and_hook_is_in_the_architecture_page() -> None:
    """reference/architecture.md documents each field a plugin declares and each hook a service may have."""
    from lab.cloud.plugin import HOOKS, Plugin

    page = (COURSE / "reference" / "architecture.md").read_text()
    missing = [name for name in (*(f.name for f in dataclasses.fields(Plugin)), *HOOKS) if f"`{name}`" not in page]
    assert not missing, f"reference/architecture.md does not document {', '.join(missing)}"


def test_every_shared_wording_and_check_is_in_the_architecture_page() -> None:
    """reference/architecture.md names each wording and each check lab/cloud/validation.py offers every service,
    and validation's `__all__` lists exactly its public names."""
    from lab.cloud import validation

    public = sorted(name for name, value in vars(validation).items() if not name.startswith("_")
                    and getattr(value, "__module__", "lab.cloud.validation") == "lab.cloud.validation"
                    and not isinstance(value, type(validation)) and name not in ("annotations", "T", "R", "Extra"))
    unlisted = sorted(set(public) - set(validation.__all__))
    assert not unlisted and set(validation.__all__) <= set(vars(validation)), unlisted
    page = (COURSE / "reference" / "architecture.md").read_text()
    wordings = [n for n in validation.__all__ if isinstance(getattr(validation, n), validation.Wording)]
    checks = ["string", "integer", "boolean", "one_of", "nullable", "list_of", "obj", "ip_address", "timestamp",
              "record_of", "Attr", "parse_object", "Record", "attr", "parse_record", "Wording"]
    missing = [n for n in (*wordings, *checks) if f"`{n}`" not in page]
    assert not missing, f"reference/architecture.md does not name {', '.join(missing)}"
