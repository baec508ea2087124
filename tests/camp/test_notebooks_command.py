"""`stacklab notebooks` as a student starts it: JupyterLab on their own copy of the course notebooks (never the
repository's originals), on the address and port given, as root too (a classroom VM), stopped by a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from lab.commands.labs import copy_notebooks
from tests.conftest import free_port

pytestmark = pytest.mark.e2e
ORIGINALS = Path(__file__).resolve().parents[2] / "notebooks"


def test_first_start_copies_and_later_starts_keep_the_students_edits(tmp_path: Path) -> None:
    """Every notebook is copied once; an edited copy is left alone and a deleted one comes back."""
    mine = tmp_path / "mine"
    names = sorted(p.name for p in ORIGINALS.glob("*.ipynb"))
    assert copy_notebooks(mine) == names
    assert (mine.stat().st_mode & 0o777) == 0o700
    (mine / names[0]).write_text("my edits")
    (mine / names[1]).unlink()
    assert copy_notebooks(mine) == [names[1]]
    assert (mine / names[0]).read_text() == "my edits"
    assert (ORIGINALS / names[0]).read_text() != "my edits"


def test_notebooks_serves_the_students_copy_where_asked(tmp_path: Path) -> None:
    """Started bounded on a free port with a token: the server answers there, lists the copied notebooks of the
    student's folder (not the repository's), and stops on SIGTERM."""
    port, token, mine = free_port(), "nb-test-token", tmp_path / "student07"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "STACKLAB_", "JUPYTER"))}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_DATA_DIR=str(tmp_path / "data"), IPYTHONDIR=str(tmp_path / "ipython"))
    before = {p.name: p.stat().st_mtime for p in ORIGINALS.glob("*.ipynb")}
    log = (tmp_path / "jupyter.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "lab.cli", "notebooks", "--cloud", "student07", "--dir",
                                str(mine), "--ip", "127.0.0.1", "--port", str(port), "--token", token,
                                "--no-browser"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        listing = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/contents", headers={"Authorization": f"token {token}"},
                              timeout=5)
                if r.status_code == 200:
                    listing = r.json()
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        assert listing is not None, (tmp_path / "jupyter.log").read_text()[-3000:]
        served = sorted(item["name"] for item in listing["content"] if item["type"] == "notebook")
        assert served == sorted(before) == sorted(p.name for p in mine.glob("*.ipynb"))
        assert httpx.get(f"http://127.0.0.1:{port}/api/contents", timeout=5).status_code == 403  # no token
        output = (tmp_path / "jupyter.log").read_text()
        assert f"JupyterLab on {mine} at http://127.0.0.1:{port}/ with OS_CLOUD=student07" in output
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
    assert {p.name: p.stat().st_mtime for p in ORIGINALS.glob("*.ipynb")} == before
