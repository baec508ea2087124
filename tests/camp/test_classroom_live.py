"""A classroom on a real `stacklab up`: listening on every address it advertises this machine's address; a
student downloads their clouds.yaml from /lab/ and the real `openstack` CLI logs in with it; everything the lab
writes in its data directory (database, WAL, snapshots, volume and image files) is the owner's only; the CLI
finds the lab its flags name even when clouds.yaml points elsewhere."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner

from lab.cli import main
from lab.config import Settings
from lab.public_url import NoPublicAddress, advertised_url
from tests.conftest import ADMIN_PASSWORD, free_port, start_live_cloud

pytestmark = pytest.mark.e2e
OPENSTACK = str(Path(sys.executable).with_name("openstack"))


def default_route_address() -> str | None:
    """This machine's address on its default route, as `ip` (iproute2) reports it; None without one."""
    route = subprocess.run(["ip", "-4", "route", "show", "default"], capture_output=True, text=True).stdout
    found = re.search(r"\bdev (\S+)", route)
    if not found:
        return None
    addr = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", found.group(1)], capture_output=True,
                          text=True).stdout
    match = re.search(r"\binet (\d+\.\d+\.\d+\.\d+)/", addr)
    return match.group(1) if match else None


def test_up_on_every_address_advertises_this_machines_address(tmp_path: Path) -> None:
    """`up --host 0.0.0.0` tells clients the default route's address (catalog, /lab/ files), not 127.0.0.1;
    without such an address it refuses to start and says to pass --public-url."""
    port = free_port()
    env = dict(os.environ, STACKLAB_ADMIN_PASSWORD=ADMIN_PASSWORD, STACKLAB_NO_CLOUDS_YAML="1")
    process = subprocess.Popen([sys.executable, "-m", "lab.cli", "up", "--host", "0.0.0.0", "--port", str(port),
                                "--data-dir", str(tmp_path / "lab")], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    address = default_route_address()
    if address is None:
        output = process.communicate(timeout=60)[0]
        assert process.returncode == 1 and "start with --public-url http://ADDRESS:PORT" in output
        return
    public = f"http://{address}:{port}"
    try:
        for _ in range(200):
            assert process.poll() is None, process.communicate()[0]
            try:
                httpx.get(f"http://127.0.0.1:{port}/identity", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        r = httpx.post(f"http://127.0.0.1:{port}/lab/clouds.yaml",
                       data={"username": "admin", "password": ADMIN_PASSWORD})
        assert r.status_code == 200, r.text
        assert yaml.safe_load(r.text)["clouds"]["admin"]["auth"]["auth_url"] == f"{public}/identity"
        clouds = tmp_path / "clouds.yaml"
        clouds.write_text(r.text)
        run_env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        catalog = subprocess.run([OPENSTACK, "--os-cloud", "admin", "catalog", "show", "compute", "-f", "yaml"],
                                 env={**run_env, "OS_CLIENT_CONFIG_FILE": str(clouds)}, capture_output=True,
                                 text=True, timeout=120)
        assert catalog.returncode == 0, catalog.stderr
        assert f"{public}/compute/v2.1" in catalog.stdout and "127.0.0.1" not in catalog.stdout
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert f"StackLab is up at {public}" in output
    assert "the default route's interface" in output and f"{public}/lab/" in output


def test_advertised_url_says_how_it_was_chosen() -> None:
    """A specific bound address is advertised as it is; no default route and no --public-url is refused."""
    assert advertised_url(Settings(host="10.1.2.3", port=9)).url == "http://10.1.2.3:9"
    assert advertised_url(Settings(host="0.0.0.0", port=9, public_url="https://lab.example/")).url == \
        "https://lab.example"
    found = advertised_url(Settings(host="0.0.0.0", port=9), route=lambda: ("eth1", "10.9.8.7"))
    assert found.url == "http://10.9.8.7:9" and "eth1, the default route's interface" in found.reason
    with pytest.raises(NoPublicAddress, match=r"no default route with an address .* --public-url"):
        advertised_url(Settings(host="0.0.0.0", port=9), route=lambda: None)
    with pytest.raises(NoPublicAddress):
        advertised_url(Settings(host="::", port=9), route=lambda: ("lo", "127.0.0.1"))


def test_a_classroom_lab_keeps_its_files_private(tmp_path: Path) -> None:
    """After a class, a student's work (an image, a volume) and a snapshot, the data directory and every
    folder in it are 0700 and every file 0600 (database, -wal, -shm, snapshot databases, volumes, images, the
    admin password); the sheets too. The student's downloaded clouds.yaml works with the real CLI."""
    lab = start_live_cloud(tmp_path / "lab")
    try:
        port = lab.url.rsplit(":", 1)[1]
        # A clouds.yaml that names another lab: flags and STACKLAB_* must win over it.
        home = Path(os.environ["HOME"])
        (home / ".config" / "openstack").mkdir(parents=True, exist_ok=True)
        Path(os.environ["OS_CLIENT_CONFIG_FILE"]).write_text(yaml.safe_dump({"clouds": {"stacklab": {"auth": {
            "auth_url": "http://127.0.0.1:9/identity", "username": "admin", "password": "x",
            "project_name": "admin", "user_domain_name": "Default", "project_domain_name": "Default"}}}}))
        runner = CliRunner()
        sheets = tmp_path / "sheets"
        made = runner.invoke(main, ["class", "create", "--students", "1", "--name", "modes", "--output",
                                    str(sheets), "--data-dir", str(lab.data_dir)])
        assert made.exit_code == 0, made.output
        r = httpx.post(f"{lab.url}/lab/clouds.yaml", data={
            "username": "student01", "password": yaml.safe_load((sheets / "clouds" / "student01.yaml").read_text())
            ["clouds"]["student01"]["auth"]["password"]})
        assert r.status_code == 200, r.text
        mine = tmp_path / "student01.yaml"
        mine.write_text(r.text)
        student = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        student.update(OS_CLIENT_CONFIG_FILE=str(mine), OS_CLOUD="student01")
        for lab_id in ("1.3", "3.1"):  # an image and a volume: files under images/ and volumes/
            solved = runner.invoke(main, ["solve", lab_id, "--yes"], env=student)
            assert solved.exit_code == 0, solved.output
        issued = subprocess.run([OPENSTACK, "token", "issue", "-f", "value", "-c", "project_id"], env=student,
                                capture_output=True, text=True, timeout=120)
        assert issued.returncode == 0, issued.stderr
        saved = runner.invoke(main, ["snapshot", "save", "day1", "--port", port, "--data-dir", str(lab.data_dir)])
        assert saved.exit_code == 0, saved.output
        shown = runner.invoke(main, ["info", "--data-dir", str(lab.data_dir)])  # the port it recorded
        assert f"endpoint:    {lab.url} (running)" in shown.output, shown.output
        # while it runs: the write-ahead log and shared-memory files exist
        modes = {str(p.relative_to(lab.data_dir)): stat.S_IMODE(p.stat().st_mode) for p in lab.data_dir.rglob("*")}
    finally:
        lab.stop()
    assert stat.S_IMODE(lab.data_dir.stat().st_mode) == 0o700
    for name in ("stacklab.db", "stacklab.db-wal", "stacklab.db-shm", "admin-password", "endpoint.json",
                 "lab-snapshots/day1/stacklab.db", "lab-snapshots/day1/meta.json"):
        assert name in modes, sorted(modes)
    assert any(n.startswith("images/") for n in modes) and any(n.startswith("volume-file/volumes/") for n in modes)
    wrong = {n: oct(m) for n, m in modes.items()
             if m != (0o700 if (lab.data_dir / n).is_dir() else 0o600)}
    assert wrong == {}
    sheet_modes = {str(p.relative_to(sheets)): stat.S_IMODE(p.stat().st_mode) for p in sheets.rglob("*")}
    assert sheet_modes["clouds/student01.yaml"] == sheet_modes["openrc/student01-openrc.sh"] == 0o600
    assert {m for n, m in sheet_modes.items() if (sheets / n).is_file()} == {0o600}
