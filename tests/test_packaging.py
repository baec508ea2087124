"""What a student types in a lab is installed by StackLab itself, not only by the test extra.

The classroom VM and `stacklab deploy` install StackLab's base dependencies (plus the notebooks extra). A lab that
says `openstack stack create` or `swift upload` needs the client plugin that provides that command there too, so
every command family the lab READMEs use must come from a distribution in the base `dependencies`.
"""

from __future__ import annotations

import re
from importlib.metadata import distribution, distributions
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
# `openstack [--global-option value ...] <family> ...` at the start of a line of a lab README
OPENSTACK = re.compile(r"^\s*(?:\$ )?openstack((?:\s+--[a-z-]+\s+\S+)*)\s+([a-z][a-z-]*)", re.MULTILINE)
SWIFT = re.compile(r"^\s*(?:\$ )?swift\s", re.MULTILINE)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _base_dependencies() -> set[str]:
    """StackLab's own requirements without any extra, by canonical distribution name."""
    requires = distribution("stacklab").requires or []
    base = {_canonical(Requirement(r).name) for r in requires if "extra ==" not in r and "extra==" not in r}
    return base


def _providers(family: str) -> set[str]:
    """The distributions whose OSC command entry points start with `family` (`stack` → `stack_create`, ...)."""
    found = set()
    keys = {family, family.replace("-", "_")}  # `alarm-history show` is alarm-history_show, `floating ip` floating_ip
    for dist in distributions():
        for ep in dist.entry_points:
            if not ep.group.startswith("openstack.") or ep.group == "openstack.cli.extension":
                continue
            if any(ep.name == key or ep.name.startswith(key + "_") for key in keys):
                found.add(_canonical(dist.metadata["Name"]))
    return found


def _lab_readmes() -> list[Path]:
    return sorted((ROOT / "labs").glob("*/README.md"))


def test_every_openstack_command_family_in_the_labs_comes_with_stacklab() -> None:
    base = _base_dependencies()
    families: dict[str, set[str]] = {}
    for readme in _lab_readmes():
        for _options, family in OPENSTACK.findall(readme.read_text()):
            families.setdefault(family, set()).add(readme.parent.name)
    assert "server" in families and "stack" in families  # the parse found the commands
    missing = {}
    for family, labs in families.items():
        providers = _providers(family)
        assert providers, f"no installed client provides `openstack {family}` (used in {sorted(labs)})"
        if not providers & base:
            missing[family] = (sorted(providers), sorted(labs))
    assert not missing, f"command families provided only outside StackLab's base dependencies: {missing}"


def test_the_swift_cli_comes_with_stacklab() -> None:
    uses = [p.parent.name for p in _lab_readmes() if SWIFT.search(p.read_text())]
    assert uses, "no lab uses the swift CLI any more: drop this test"
    assert "python-swiftclient" in _base_dependencies(), f"labs {uses} type `swift`"
