"""The README's "Using the cloud" examples, run as a newcomer runs them: a lab started with `stacklab up` (which
writes the `stacklab` and `stacklab-demo` entries into the user's clouds.yaml), then the shell block pasted into
bash and the Python block into python, with nothing else set up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import start_live_cloud

pytestmark = pytest.mark.e2e
README = Path(__file__).resolve().parents[2] / "README.md"
OBJECT_STORAGE = Path(__file__).resolve().parents[2] / "course" / "object-storage.md"


def blocks(language: str) -> list[str]:
    """The fenced `language` blocks of the README's "Using the cloud" section."""
    section = README.read_text().split("## Using the cloud", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


def newcomer_env() -> dict[str, str]:
    """The environment of a newcomer's shell: no OS_* variables but the clouds.yaml the lab wrote."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_") or k == "OS_CLIENT_CONFIG_FILE"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return env


def test_the_readme_examples_work_as_written(tmp_path: Path) -> None:
    """The shell lines (key pair, `server create --wait` without --network, list, the admin's project list)
    and the openstacksdk lines succeed, and the server has an address on the demo project's network."""
    lab = start_live_cloud(tmp_path / "lab", extra_env={"STACKLAB_NO_CLOUDS_YAML": "0"})
    try:
        env = newcomer_env()
        (shell,) = blocks("sh")
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", shell], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "vm1" in run.stdout and "ACTIVE" in run.stdout and "10.0.0." in run.stdout
        assert (tmp_path / "k1.pem").read_text().startswith("-----BEGIN")
        (python,) = blocks("python")
        script = python + "\nprint(server.status, sorted(server.addresses))\n"
        sdk = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=300)
        assert sdk.returncode == 0, sdk.stderr
        assert sdk.stdout.split()[0] == "ACTIVE" and "private" in sdk.stdout
    finally:
        lab.stop()


def test_the_object_storage_try_it_block_works_as_written(tmp_path: Path) -> None:
    """course/object-storage.md's "Try it" block, pasted into bash: the container and object made with
    `openstack`, `swift` given the storage URL and a token (it does not read clouds.yaml), the container made
    public, and curl with no token reads the file."""
    text = OBJECT_STORAGE.read_text().split("## Try it", 1)[1]
    shell = re.findall(r"```sh\n(.*?)```", text, re.S)[0]
    lab = start_live_cloud(tmp_path / "lab", extra_env={"STACKLAB_NO_CLOUDS_YAML": "0"})
    try:
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", shell], cwd=tmp_path, env=newcomer_env(),
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Read ACL: .r:*" in run.stdout
        assert run.stdout.rstrip().endswith("a picture")
    finally:
        lab.stop()
