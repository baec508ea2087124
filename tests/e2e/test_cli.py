"""The `stacklab` command as a user runs it: `up` (welcome text, clouds.yaml, clean stop), `clock`, `info`,
`clouds-yaml`, against real processes on 127.0.0.1."""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner

from lab.cli import main
from tests.conftest import ADMIN_PASSWORD, LiveCloud, free_port, start_live_cloud, user_env

pytestmark = pytest.mark.e2e


def wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    for _ in range(200):
        assert process.poll() is None, process.communicate()[0]
        try:
            httpx.get(f"{url}/identity", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("stacklab up did not answer within 20 s")


def test_up_prints_credentials_writes_clouds_yaml_and_stops_on_sigterm(tmp_path: Path) -> None:
    """`stacklab up` says where it is and who can log in, merges clouds.yaml, and SIGTERM stops it cleanly."""
    clouds = tmp_path / "config" / "openstack" / "clouds.yaml"
    clouds.parent.mkdir(parents=True)
    clouds.write_text("clouds:\n  mine:  # keep\n    region_name: Elsewhere\n")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lab.cli", "up", "--port", str(port), "--data-dir", str(tmp_path / "lab")],
        env=user_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        password = (tmp_path / "lab" / "admin-password").read_text().strip()
        entries = yaml.safe_load(clouds.read_text())["clouds"]
        assert entries["mine"] == {"region_name": "Elsewhere"}
        assert entries["stacklab"]["auth"]["password"] == password
        assert entries["stacklab-demo"]["auth"]["auth_url"] == f"{url}/identity"
        assert "# keep" in clouds.read_text()
        # The real CLI logs in with the entry it wrote.
        openstack = str(Path(sys.executable).with_name("openstack"))
        result = subprocess.run([openstack, "--os-cloud", "stacklab-demo", "token", "issue", "-f", "value",
                                 "-c", "user_id"], env=user_env(tmp_path), capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stderr
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert process.returncode == 0, output
    assert f"StackLab is up at {url}" in output
    assert f"user admin, password {password}, project admin" in output
    assert "user demo, password demo, project demo" in output
    assert f"wrote entries stacklab (admin) and stacklab-demo (demo) in {clouds}" in output
    assert "try:  openstack --os-cloud stacklab-demo server list" in output
    assert output.rstrip().endswith("StackLab stopped.")


def test_up_refuses_an_unknown_driver(tmp_path: Path) -> None:
    """A wrong driver name is a one-line error, not a traceback."""
    command = [sys.executable, "-m", "lab.cli", "up", "--no-clouds-yaml", "--compute-driver", "vmware",
               "--port", str(free_port()), "--data-dir", str(tmp_path / "lab")]
    result = subprocess.run(command, env=user_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Error: unknown compute driver 'vmware'; choose one of: fake, libvirt" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "lab").exists()  # refused before anything was made


@pytest.fixture(scope="module")
def clock_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    """A lab of its own: these tests move its clock."""
    lab = start_live_cloud(tmp_path_factory.mktemp("clock") / "lab")
    yield lab
    lab.stop()


@pytest.fixture
def lab_env(clock_lab: LiveCloud, tmp_path: Path) -> dict[str, str]:
    """The environment of a user whose clouds.yaml has the clock lab's entries (written by the CLI)."""
    port = clock_lab.url.rsplit(":", 1)[1]
    env = user_env(tmp_path, STACKLAB_PORT=port, STACKLAB_DATA_DIR=str(clock_lab.data_dir))
    result = CliRunner().invoke(main, ["clouds-yaml", "--write", "--admin-password", ADMIN_PASSWORD], env=env)
    assert result.exit_code == 0, result.output
    assert "wrote entries stacklab, stacklab-demo in" in result.output
    return env


def test_clock_show_and_advance(lab_env: dict[str, str], clock_lab: LiveCloud) -> None:
    """`stacklab clock advance 2h` moves the running lab's clock; `clock show` reads it back."""
    runner = CliRunner()
    before = runner.invoke(main, ["clock", "show", "--json"], env=lab_env)
    assert before.exit_code == 0, before.output
    start = yaml.safe_load(before.output)["clock"]["offset_seconds"]
    result = runner.invoke(main, ["clock", "advance", "2h"], env=lab_env)
    assert result.exit_code == 0, result.output
    assert "lab time:" in result.output and "real time:" in result.output
    after = yaml.safe_load(runner.invoke(main, ["clock", "show", "--json"], env=lab_env).output)
    assert after["clock"]["offset_seconds"] == start + 7200


def test_clock_advance_bad_duration_says_why(lab_env: dict[str, str]) -> None:
    """An unreadable duration exits 1 with the cloud's 400 message; the clock does not move."""
    runner = CliRunner()
    start = yaml.safe_load(runner.invoke(main, ["clock", "show", "--json"], env=lab_env).output)
    result = runner.invoke(main, ["clock", "advance", "soon"], env=lab_env)
    assert result.exit_code == 1
    assert "cannot read duration 'soon'" in result.output and "(HTTP 400)" in result.output
    assert yaml.safe_load(runner.invoke(main, ["clock", "show", "--json"], env=lab_env).output)["clock"][
        "offset_seconds"] == start["clock"]["offset_seconds"]


def test_clock_as_demo_is_forbidden(lab_env: dict[str, str]) -> None:
    """`--cloud stacklab-demo` is a project member: the lab API answers 403 and the CLI says so."""
    result = CliRunner().invoke(main, ["clock", "advance", "1d", "--cloud", "stacklab-demo"], env=lab_env)
    assert result.exit_code == 1
    assert "Policy doesn't allow lab:clock_advance to be performed. (HTTP 403)" in result.output


def test_clock_with_unknown_cloud_name(lab_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["clock", "show", "--cloud", "nowhere"], env=lab_env)
    assert result.exit_code == 1
    assert "no cloud named 'nowhere' in your clouds.yaml" in result.output


def test_clock_when_the_lab_is_not_running(tmp_path: Path) -> None:
    """Nothing listening: a clear message that says how to start the lab."""
    port = free_port()
    env = user_env(tmp_path, STACKLAB_PORT=str(port), STACKLAB_DATA_DIR=str(tmp_path / "lab"))
    result = CliRunner().invoke(main, ["clock", "show"], env=env)
    assert result.exit_code == 1
    assert (f"StackLab is not running at http://127.0.0.1:{port}: start it with `make up` or `stacklab up`"
            in result.output)


def test_clock_without_clouds_yaml_uses_the_data_dir(clock_lab: LiveCloud, tmp_path: Path) -> None:
    """No `stacklab` entry: the admin password saved in the data directory is used."""
    port = clock_lab.url.rsplit(":", 1)[1]
    env = user_env(tmp_path, STACKLAB_PORT=port, STACKLAB_DATA_DIR=str(clock_lab.data_dir))
    result = CliRunner().invoke(main, ["clock", "show"], env=env)
    assert result.exit_code == 0, result.output
    assert "offset:" in result.output


def test_info_shows_where_and_who(lab_env: dict[str, str], clock_lab: LiveCloud) -> None:
    result = CliRunner().invoke(main, ["info"], env=lab_env)
    assert result.exit_code == 0, result.output
    assert f"endpoint:    {clock_lab.url} (running)" in result.output
    assert f"data dir:    {clock_lab.data_dir}" in result.output
    assert f"user admin, password {ADMIN_PASSWORD}, project admin" in result.output
    assert "compute fake" in result.output


def test_clouds_yaml_prints_entries_without_writing(tmp_path: Path) -> None:
    env = user_env(tmp_path, STACKLAB_ADMIN_PASSWORD="pw", STACKLAB_PORT="9999")
    result = CliRunner().invoke(main, ["clouds-yaml"], env=env)
    assert result.exit_code == 0, result.output
    clouds = yaml.safe_load(result.output)["clouds"]
    assert clouds["stacklab"]["auth"]["auth_url"] == "http://127.0.0.1:9999/identity"
    assert not (tmp_path / "config").exists()


def test_clouds_yaml_before_first_start_says_why(tmp_path: Path) -> None:
    env = user_env(tmp_path, STACKLAB_DATA_DIR=str(tmp_path / "never-started"))
    result = CliRunner().invoke(main, ["clouds-yaml"], env=env)
    assert result.exit_code == 1
    assert "no admin password yet" in result.output


def test_the_lab_named_by_flags_wins_over_clouds_yaml(clock_lab: LiveCloud, tmp_path: Path) -> None:
    """`make up` wrote a `stacklab` entry for another lab into the user's clouds.yaml (port 8780 there; port 9
    here, where nothing listens): a command given the clock lab's data directory or port (flags or
    STACKLAB_*) still talks to the clock lab."""
    clouds = tmp_path / "config" / "openstack" / "clouds.yaml"
    clouds.parent.mkdir(parents=True)
    clouds.write_text(yaml.safe_dump({"clouds": {"stacklab": {"auth": {
        "auth_url": "http://127.0.0.1:9/identity", "username": "admin", "password": "other",
        "project_name": "admin", "user_domain_name": "Default", "project_domain_name": "Default"}}}}))
    port = clock_lab.url.rsplit(":", 1)[1]
    for env, args in ((user_env(tmp_path, STACKLAB_PORT=port, STACKLAB_DATA_DIR=str(clock_lab.data_dir)), []),
                      (user_env(tmp_path), ["--data-dir", str(clock_lab.data_dir)]),  # the port it recorded
                      (user_env(tmp_path, STACKLAB_DATA_DIR=str(clock_lab.data_dir)), ["--port", port])):
        result = CliRunner().invoke(main, ["clock", "show", *args], env=env)
        assert result.exit_code == 0, (args, result.output)
        assert "offset:" in result.output
    shown = CliRunner().invoke(main, ["info", "--data-dir", str(clock_lab.data_dir)], env=user_env(tmp_path))
    assert f"endpoint:    {clock_lab.url} (running)" in shown.output
    # Named by nothing: the clouds.yaml entry is what the user meant.
    plain = CliRunner().invoke(main, ["clock", "show"], env=user_env(tmp_path))
    assert plain.exit_code == 1 and "StackLab is not running at http://127.0.0.1:9:" in plain.output


def test_tests_never_see_the_users_home() -> None:
    """conftest gives each test its own HOME, XDG folders and OS_CLIENT_CONFIG_FILE; subprocesses inherit them."""
    home = os.environ["HOME"]
    assert os.environ["OS_CLIENT_CONFIG_FILE"] == f"{home}/.config/openstack/clouds.yaml"
    assert os.environ["XDG_CONFIG_HOME"] == f"{home}/.config" and "OS_CLOUD" not in os.environ
    seen = subprocess.run([sys.executable, "-c", "import pathlib; print(pathlib.Path.home())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert seen == home != pwd.getpwuid(os.getuid()).pw_dir  # not the account's real home
