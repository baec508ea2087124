"""What a deployment ships: StackLab as a wheel plus every dependency as wheels (a "wheelhouse").

The target installs with `pip install --no-index`, so a classroom VM without internet (Vagrant's isolated
management network, an offline box) still gets StackLab. Built on the control machine from the working tree and
cached by content: the dependency wheels by the dependency list, StackLab's wheel by a digest of its sources.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import lab


class ArtifactError(RuntimeError):
    """The wheelhouse could not be built (no source tree, pip failed)."""


def project_root() -> Path:
    """The StackLab source tree this package runs from (a deployment ships the working tree)."""
    root = Path(lab.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").exists():
        raise ArtifactError(f"{root} is not a StackLab source tree (no pyproject.toml): deploy from a checkout "
                            "installed with `pip install -e .`")
    return root


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stacklab" / "deploy"


def source_digest(root: Path) -> str:
    """A digest of everything that goes into StackLab's wheel: pyproject, README and the `lab` package."""
    h = hashlib.sha256()
    files = [root / "pyproject.toml", root / "README.md"]
    files += sorted(p for p in (root / "lab").rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    for path in files:
        if path.exists():
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def dependency_digest(root: Path) -> str:
    """A digest of what decides the dependency wheels: pyproject.toml and the Python version they are built for."""
    h = hashlib.sha256((root / "pyproject.toml").read_bytes())
    h.update(f"{sys.version_info.major}.{sys.version_info.minor}".encode())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Wheelhouse:
    """Wheels ready to ship: `stacklab_wheel` plus its dependencies, and a digest naming the whole set."""

    dependencies: Path
    stacklab_wheel: Path
    source_digest: str
    digest: str
    extras: tuple[str, ...] = ()

    def wheels(self) -> list[Path]:
        return sorted(self.dependencies.glob("*.whl")) + [self.stacklab_wheel]

    def tar_bytes(self) -> bytes:
        """All wheels in one uncompressed tar (wheels are zips already): one SFTP upload instead of ~70."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for wheel in self.wheels():
                tar.add(wheel, arcname=wheel.name)
        return buffer.getvalue()


def _pip_wheel(args: list[str], root: Path | str) -> None:
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", *args, str(root)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise ArtifactError(f"pip wheel failed ({result.returncode}):\n{result.stderr[-3000:]}")


def build_wheelhouse(root: Path | None = None, cache: Path | None = None,
                     extras: tuple[str, ...] = ()) -> Wheelhouse:
    """Build (or reuse from the cache) StackLab's wheel and its dependencies' wheels, with the dependencies of
    `extras` too (e.g. `notebooks`: JupyterLab for the classroom VM)."""
    root = root or project_root()
    cache = cache or cache_dir()
    suffix = "".join(f"-{e}" for e in sorted(extras))
    deps_dir = cache / f"deps-{dependency_digest(root)}{suffix}"
    if not (deps_dir / ".complete").exists():
        tmp = deps_dir.with_name(deps_dir.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        target = f"{root}[{','.join(sorted(extras))}]" if extras else str(root)
        _pip_wheel(["--wheel-dir", str(tmp)], target)
        for own in tmp.glob("stacklab-*.whl"):
            own.unlink()  # StackLab's own wheel is cached by its source digest instead
        (tmp / ".complete").touch()
        shutil.rmtree(deps_dir, ignore_errors=True)
        tmp.rename(deps_dir)
    src = source_digest(root)
    src_dir = cache / f"stacklab-{src}"
    wheels = sorted(src_dir.glob("stacklab-*.whl")) if src_dir.exists() else []
    if not wheels:
        tmp = src_dir.with_name(src_dir.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        _pip_wheel(["--no-deps", "--wheel-dir", str(tmp)], root)
        shutil.rmtree(src_dir, ignore_errors=True)
        tmp.rename(src_dir)
        wheels = sorted(src_dir.glob("stacklab-*.whl"))
    if len(wheels) != 1:
        raise ArtifactError(f"expected one StackLab wheel in {src_dir}, found {len(wheels)}")
    h = hashlib.sha256(src.encode())
    for wheel in sorted(deps_dir.glob("*.whl")):
        h.update(f"{wheel.name}:{wheel.stat().st_size}".encode())
    return Wheelhouse(deps_dir, wheels[0], src, h.hexdigest()[:16], tuple(sorted(extras)))


# The dashboard's own virtualenv gets these (scripts/setup.sh installs the same), with the versions pinned in
# scripts/dashboard-constraints.txt: Horizon's Django 3.2 and client pins are not the lab's.
DASHBOARD_PACKAGES = ("horizon==23.0.0", "gunicorn", "whitenoise")


def build_dashboard_wheels(root: Path | None = None, cache: Path | None = None) -> Tree:
    """Horizon and its dependencies as wheels (the dashboard's part of the wheelhouse), cached by the
    constraints file and this Python's version. pyScss is built from its source here, its C scanner against
    Debian's libpcre3-dev (the pure-Python fallback fails on 3.11); the target needs only libpcre3."""
    root = root or project_root()
    cache = cache or cache_dir()
    constraints = root / "scripts" / "dashboard-constraints.txt"
    h = hashlib.sha256(constraints.read_bytes() + " ".join(DASHBOARD_PACKAGES).encode())
    h.update(f"{sys.version_info.major}.{sys.version_info.minor}".encode())
    wheels = cache / f"dashboard-{h.hexdigest()[:16]}"
    if not (wheels / ".complete").exists():
        tmp = wheels.with_name(wheels.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        # The constraints (setuptools<81: old XStatic sdists import pkg_resources) hold in the build environments
        # too: PIP_CONSTRAINT for older pips, PIP_BUILD_CONSTRAINT where pip 25+ separates the two.
        # No cache: pip's wheel cache may hold a pyScss built without its C scanner (no libpcre3-dev then).
        command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-cache-dir",
                   "--no-binary", "pyScss", "--wheel-dir", str(tmp), *DASHBOARD_PACKAGES]
        result = subprocess.run(command, capture_output=True, text=True, timeout=1800,
                                env={**os.environ, "PIP_CONSTRAINT": str(constraints),
                                     "PIP_BUILD_CONSTRAINT": str(constraints)})
        if result.returncode != 0:
            raise ArtifactError(f"building the dashboard's wheels failed ({result.returncode}; deploy with "
                                f"--no-dashboard to leave it out):\n{result.stderr[-3000:]}")
        if not list(tmp.glob("pyscss-*-cp*.whl")) and not list(tmp.glob("pyScss-*-cp*.whl")):
            raise ArtifactError("pyScss was built without its C scanner: install Debian's libpcre3-dev "
                                "(scripts/setup.sh does) and deploy again")
        (tmp / ".complete").touch()
        shutil.rmtree(wheels, ignore_errors=True)
        tmp.rename(wheels)
    digest = hashlib.sha256(" ".join(sorted(w.name for w in wheels.glob("*.whl"))).encode()).hexdigest()[:16]
    return Tree(wheels, digest)


def tree_digest(*roots: Path) -> str:
    """A digest of every file under `roots` (names and contents)."""
    h = hashlib.sha256()
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]:
            h.update(str(path.relative_to(root.parent)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def tar_tree(folder: Path) -> bytes:
    """Everything under `folder` as an uncompressed tar, paths relative to it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(folder.iterdir()):
            tar.add(path, arcname=path.name)
    return buffer.getvalue()


@dataclass(frozen=True)
class Tree:
    """A folder to ship (the built course site, the notebooks) and a digest naming its content."""

    path: Path
    digest: str


def build_site(root: Path | None = None, cache: Path | None = None) -> Tree:
    """The course site (mkdocs.yml + course/) built with mkdocs here, cached by the sources' digest.
    Needs mkdocs and mkdocs-material on this machine (the `test` extra)."""
    root = root or project_root()
    cache = cache or cache_dir()
    # the quiz fence (lab/camp/quiz.py) renders part of the pages, so it is a source of the site too
    digest = tree_digest(root / "mkdocs.yml", root / "course", root / "lab" / "camp" / "quiz.py")
    site = cache / f"site-{digest}"
    if not (site / "index.html").exists():
        tmp = site.with_name(site.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        command = [sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(root / "mkdocs.yml"),
                   "-d", str(tmp)]
        env = {**os.environ, "PYTHONPATH": str(root)}  # that quiz fence from this tree, not another install
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
        if result.returncode != 0:
            raise ArtifactError(f"building the course site failed ({result.returncode}); mkdocs and "
                                "mkdocs-material come with `pip install -e '.[test]'` (or deploy with --no-course):"
                                f"\n{result.stderr[-3000:]}")
        shutil.rmtree(site, ignore_errors=True)
        tmp.rename(site)
    return Tree(site, digest)


def notebooks_tree(root: Path | None = None) -> Tree:
    """The course notebooks (notebooks/ in the source tree)."""
    root = root or project_root()
    return Tree(root / "notebooks", tree_digest(root / "notebooks"))
