"""The camp's commands as an instructor and a student run them, against one live cloud for the module:
`class create|progress|reset`, `labs`, `check`, `solve`, `snapshot save|restore|list|delete`. A reset leaves
nothing of the student's behind, through the API and on disk; the bad inputs say why and change nothing."""

from __future__ import annotations

import csv
import io
import os
import pty
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from lab.camp.labs import load_labs
from lab.cli import main
from lab.cloud.labapi.snapshots import dir_files
from tests.conftest import ADMIN_PASSWORD, LiveCloud, start_live_cloud, user_env

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def camp_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    lab = start_live_cloud(tmp_path_factory.mktemp("camp") / "lab")
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def admin_env(camp_lab: LiveCloud, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An instructor's environment: clouds.yaml with the lab's `stacklab` and `stacklab-demo` entries."""
    home = tmp_path_factory.mktemp("instructor")
    env = user_env(home, STACKLAB_PORT=camp_lab.url.rsplit(":", 1)[1], STACKLAB_DATA_DIR=str(camp_lab.data_dir))
    result = CliRunner().invoke(main, ["clouds-yaml", "--write", "--admin-password", ADMIN_PASSWORD], env=env)
    assert result.exit_code == 0, result.output
    return env


@pytest.fixture(scope="module")
def sheets(admin_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sheets")
    result = run(admin_env, "class", "create", "--students", "3", "--name", "cli", "--quota",
                 "instances=4,volumes=3", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert "Class cli: 3 students." in result.output
    return out


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def student_env(admin_env: dict[str, str], sheets: Path, name: str) -> dict[str, str]:
    """A student's environment: their own clouds.yaml from the sheet, OS_CLOUD set to their entry."""
    return {**admin_env, "OS_CLIENT_CONFIG_FILE": str(sheets / "clouds" / f"{name}.yaml"), "OS_CLOUD": name}


def student_sdk(sheets: Path, name: str) -> Any:
    import openstack.config
    import openstack.connection

    config = openstack.config.OpenStackConfig(config_files=[str(sheets / "clouds" / f"{name}.yaml")])
    return openstack.connection.Connection(config=config.get_one(cloud=name))


def test_class_create_writes_the_credentials_sheets(sheets: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((sheets / "credentials.csv").read_text())))
    assert [r["student"] for r in rows] == ["student01", "student02", "student03"]
    assert all(r["password"] and r["auth_url"].endswith("/identity") for r in rows)
    page = (sheets / "credentials.html").read_text()
    assert all(r["password"] in page for r in rows) and "page-break-inside" in page
    assert "| student02 |" in (sheets / "credentials.md").read_text()
    entry = yaml.safe_load((sheets / "clouds" / "student02.yaml").read_text())["clouds"]["student02"]
    assert entry["auth"]["password"] == rows[1]["password"]
    conn = student_sdk(sheets, "student02")
    assert conn.compute.get("/limits").json()["limits"]["absolute"]["maxTotalInstances"] == 4


def test_class_name_clash_is_refused(admin_env: dict[str, str], sheets: Path, tmp_path: Path) -> None:
    result = run(admin_env, "class", "create", "--students", "2", "--name", "cli", "--output", str(tmp_path))
    assert result.exit_code == 1
    assert "A class named cli already exists" in result.output and "(HTTP 409)" in result.output
    assert not (tmp_path / "credentials.csv").exists()
    progress = run(admin_env, "class", "progress", "--csv")
    assert [r["student"] for r in csv.DictReader(io.StringIO(progress.output))] == [
        "student01", "student02", "student03"]


def openstack_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The real `openstack` CLI with the student's clouds.yaml and OS_CLOUD (what a student types)."""
    cli = str(Path(sys.executable).with_name("openstack"))
    result = subprocess.run([cli, *args], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result


def grid(admin_env: dict[str, str]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(run(admin_env, "class", "progress", "--csv").output)))


def test_student_checks_solves_and_the_instructor_sees_it(admin_env: dict[str, str], sheets: Path) -> None:
    """`check` runs in the cloud and is recorded; `solve` is recorded as solved (and stays so on a later
    check), a reset shows as reset, and only the student's own work, checked afterwards, is earned. The grid
    and its CSV tell the three apart."""
    env = student_env(admin_env, sheets, "student01")
    first = run(env, "check", "1.5")
    assert first.exit_code == 1, first.output
    assert "FAIL  A server called lab-web exists." in first.output
    assert "Hint: `openstack server create" in first.output
    assert "Recorded by the cloud: checked (0/4)" in first.output
    solved = run(env, "solve", "1.5", "--yes")
    assert solved.exit_code == 0, solved.output
    assert "Lab 1.5 solved: 4/4 checks pass." in solved.output and "Recorded as solved" in solved.output
    again = run(env, "check", "1.5")
    assert again.exit_code == 0 and "All 4 checks passed." in again.output
    assert "Recorded by the cloud: solved (4/4)" in again.output  # a solve is not earned by checking it
    listing = run(env, "labs", "--day", "1")
    line = next(line for line in listing.output.splitlines() if line.strip().startswith("1.5"))
    assert "solved" in line
    rows = grid(admin_env)
    assert (rows[0]["student"], rows[0]["1.5"], rows[0]["earned"], rows[0]["solved"]) == ("student01", "solved",
                                                                                          "0", "1")
    assert rows[0]["1.5 at"] and rows[1]["1.5"] == ""
    # Another student resets, then does the lab by hand with the openstack CLI: earned.
    env2 = student_env(admin_env, sheets, "student02")
    assert run(env2, "check", "1.5").exit_code == 1
    assert run(admin_env, "class", "reset", "student02").exit_code == 0
    assert grid(admin_env)[1]["1.5"] == "reset"
    openstack_cli(env2, "server", "create", "--image", "cirros", "--flavor", "m1.nano", "--property", "role=web",
                  "--wait", "lab-web")
    earned = run(env2, "check", "1.5")
    assert earned.exit_code == 0 and "Recorded by the cloud: earned (4/4)" in earned.output
    rows = grid(admin_env)
    assert (rows[1]["1.5"], rows[1]["earned"], rows[1]["solved"]) == ("earned", "1", "0")
    table = run(admin_env, "class", "progress", "--day", "1").output.splitlines()
    assert table[0].startswith("Day 1: ")
    assert table[1].split()[:2] == ["student", "1.1"] and "2.1" not in table[1]
    assert any(cell.endswith("S") for cell in table[2].split()[1:])  # solved, with the lab time it was reached
    assert any(cell.endswith("✓") for cell in table[3].split()[1:])  # earned
    assert table[-1].startswith("✓ earned  S solved  R reset")
    # A reset after the lab was earned takes the work away, not the grade.
    assert run(admin_env, "class", "reset", "student02").exit_code == 0
    assert grid(admin_env)[1]["1.5"] == "earned"


def test_bad_lab_id(admin_env: dict[str, str], sheets: Path) -> None:
    env = student_env(admin_env, sheets, "student03")
    for args in (("check", "9.9"), ("labs", "show", "9.9"), ("solve", "9.9", "--yes")):
        result = run(env, *args)
        assert result.exit_code == 1
        assert "unknown lab '9.9'; the labs are 1.1, 1.2" in result.output


def test_labs_show_prints_instructions() -> None:
    result = CliRunner().invoke(main, ["labs", "show", "2.3"])
    assert result.exit_code == 0
    assert result.output.startswith("# 2.3 Security groups")
    assert "  - lab-ssh lets TCP port 22 in from 0.0.0.0/0." in result.output


def test_student_cannot_reset_another(admin_env: dict[str, str], sheets: Path) -> None:
    env = student_env(admin_env, sheets, "student02")
    run(env, "solve", "1.4", "--yes")
    before = [s.name for s in student_sdk(sheets, "student02").compute.servers()]
    result = run(admin_env, "class", "reset", "student02", "--cloud", "student03")
    assert result.exit_code == 1, result.output
    assert "no cloud named 'student03'" in result.output  # the instructor's clouds.yaml has no such entry
    result = run(student_env(admin_env, sheets, "student03"), "class", "reset", "student02", "--cloud", "student03")
    assert result.exit_code == 1
    assert "You may only reset your own project, not student02. (HTTP 403)" in result.output
    assert [s.name for s in student_sdk(sheets, "student02").compute.servers()] == before == ["lab-small"]


def test_reset_leaves_nothing_behind(admin_env: dict[str, str], sheets: Path, camp_lab: LiveCloud) -> None:
    env = student_env(admin_env, sheets, "student03")
    for lab in ("1.3", "2.4", "3.2"):
        result = run(env, "solve", lab, "--yes")
        assert result.exit_code == 0, result.output
    conn = student_sdk(sheets, "student03")
    ids = [s.id for s in conn.compute.servers()] + [v.id for v in conn.block_storage.volumes()] + \
        [i.id for i in conn.image.images(owner=conn.current_project_id)]
    assert len(ids) == 4  # lab-fip, lab-storage, lab-data, lab-cirros
    on_disk = [p for p in dir_files(camp_lab.data_dir) if any(i in p for i in ids)]
    assert on_disk
    result = run(admin_env, "class", "reset", "student03")
    assert result.exit_code == 0, result.output
    assert "Reset student03 in" in result.output and "3 servers" not in result.output
    assert list(conn.compute.servers()) == [] and list(conn.block_storage.volumes()) == []
    assert list(conn.image.images(owner=conn.current_project_id)) == []
    assert list(conn.network.networks(project_id=conn.current_project_id)) == []
    assert list(conn.network.ips(project_id=conn.current_project_id)) == []
    assert list(conn.network.routers(project_id=conn.current_project_id)) == []
    assert [p for p in dir_files(camp_lab.data_dir) if any(i in p for i in ids)] == []
    check = run(env, "check", "1.3")
    assert check.exit_code == 1  # back to a fresh start


def test_snapshot_save_restore_list_delete(admin_env: dict[str, str], sheets: Path) -> None:
    env = student_env(admin_env, sheets, "student03")
    assert run(admin_env, "snapshot", "save", "before-1-1").exit_code == 0
    assert run(env, "solve", "1.1", "--yes").exit_code == 0
    assert run(env, "check", "1.1").exit_code == 0
    listed = run(admin_env, "snapshot", "list")
    assert listed.output.startswith("before-1-1 ")
    refused = run(admin_env, "snapshot", "restore", "before-1-1")  # no terminal, no --yes: not confirmed
    assert refused.exit_code == 1 and "Not confirmed: pass --yes" in refused.output
    assert run(env, "check", "1.1", "--local").exit_code == 0  # nothing was restored
    restored = run(admin_env, "snapshot", "restore", "before-1-1", "--yes")
    assert restored.exit_code == 0, restored.output
    assert run(env, "check", "1.1", "--local").exit_code == 1  # the lab is back where it was
    unknown = run(admin_env, "snapshot", "restore", "nope")
    assert unknown.exit_code == 1
    assert "Could not find snapshot: nope. See `stacklab snapshot list`." in unknown.output
    assert run(admin_env, "snapshot", "delete", "before-1-1").exit_code == 0
    assert "No snapshots yet" in run(admin_env, "snapshot", "list").output


def test_reset_all(admin_env: dict[str, str], sheets: Path) -> None:
    run(student_env(admin_env, sheets, "student01"), "solve", "1.3", "--yes")
    refused = run(admin_env, "class", "reset", "--all")
    assert refused.exit_code == 1 and "Not confirmed: pass --yes" in refused.output
    conn = student_sdk(sheets, "student01")
    assert list(conn.image.images(owner=conn.current_project_id))  # nothing was reset
    result = run(admin_env, "class", "reset", "--all", "--yes")
    assert result.exit_code == 0, result.output
    assert "Reset 3 students in" in result.output
    for name in ("student01", "student02", "student03"):
        conn = student_sdk(sheets, name)
        assert list(conn.compute.servers()) == [] and list(conn.image.images(owner=conn.current_project_id)) == []
    usage = run(admin_env, "class", "reset")
    assert usage.exit_code == 2 and "give a STUDENT or --all" in usage.output


def test_sheets_carry_openrc_files_and_are_private(sheets: Path, camp_lab: LiveCloud) -> None:
    """Each student has an openrc beside their clouds.yaml, with the lab's URL; all files are 0600."""
    rc = (sheets / "openrc" / "student02-openrc.sh").read_text()
    password = yaml.safe_load((sheets / "clouds" / "student02.yaml").read_text())["clouds"]["student02"]["auth"][
        "password"]
    assert f"export OS_AUTH_URL={camp_lab.url}/identity\n" in rc and "export OS_USERNAME=student02\n" in rc
    assert password in rc
    assert {oct(p.stat().st_mode & 0o777) for p in sheets.rglob("*") if p.is_file()} == {"0o600"}
    assert oct(sheets.stat().st_mode & 0o777) == "0o700"


def test_progress_for_one_day_shows_when_labs_were_passed(admin_env: dict[str, str], sheets: Path) -> None:
    """`class progress --day 1`: day 1's labs only, a passed lab as the lab time it was passed."""
    assert run(student_env(admin_env, sheets, "student02"), "solve", "1.1", "--yes").exit_code == 0
    result = run(admin_env, "class", "progress", "--day", "1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    day1 = [lab.id for lab in load_labs() if lab.id.startswith("1.")]  # the labs folder, in id order
    assert day1[:3] == ["1.1", "1.2", "1.3"]
    assert lines[0].startswith(f"Day 1: {len(day1)} labs, 3 students")
    assert lines[1].split() == ["student", *day1, "earned", "solved", "exam", "drills"]
    row = next(line.split() for line in lines if line.startswith("student02"))
    grid = list(csv.DictReader(io.StringIO(run(admin_env, "class", "progress", "--day", "1", "--csv").output)))
    passed_at = next(r for r in grid if r["student"] == "student02")["1.1 at"]
    assert row[1] == passed_at[11:16] + "S" and ":" in row[1]  # HH:MM of the recorded lab time, solved
    assert "2.1" not in grid[0]
    none = run(admin_env, "class", "progress", "--day", "9")
    assert none.exit_code == 1 and "no labs on day 9; the days are 1, 2, 3, 4, 5" in none.output


def test_sheets_again_issue_new_passwords(admin_env: dict[str, str], sheets: Path, tmp_path: Path) -> None:
    """`class sheets student01 --yes`: a new sheet whose password works; the old one is refused."""
    old = yaml.safe_load((sheets / "clouds" / "student01.yaml").read_text())["clouds"]["student01"]["auth"]
    refused = run(admin_env, "class", "sheets", "student01", "--output", str(tmp_path / "new"))
    assert refused.exit_code == 1 and "Not confirmed: pass --yes" in refused.output
    assert not (tmp_path / "new").exists()
    result = run(admin_env, "class", "sheets", "student01", "--yes", "--output", str(tmp_path / "new"))
    assert result.exit_code == 0, result.output
    assert "New passwords for 1 students." in result.output
    new = yaml.safe_load((tmp_path / "new" / "clouds" / "student01.yaml").read_text())["clouds"]["student01"]
    assert new["auth"]["password"] != old["password"]
    assert student_sdk(tmp_path / "new", "student01").compute.get("/limits").status_code == 200
    import openstack.exceptions

    with pytest.raises(openstack.exceptions.SDKException, match=r"requires authentication. \(HTTP 401\)"):
        student_sdk(sheets, "student01").authorize()
    shutil.copytree(tmp_path / "new" / "clouds", sheets / "clouds", dirs_exist_ok=True)  # later tests log in


def test_confirmation_on_a_terminal(admin_env: dict[str, str], sheets: Path, camp_lab: LiveCloud) -> None:
    """On a terminal, `class reset --all` asks; answering no changes nothing."""
    conn = student_sdk(sheets, "student02")
    before = [s.name for s in conn.compute.servers()] + [i.name for i in conn.image.images(
        owner=conn.current_project_id)]
    assert run(student_env(admin_env, sheets, "student02"), "solve", "1.3", "--yes").exit_code == 0
    main_fd, child_fd = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "lab.cli", "class", "reset", "--all"], env=admin_env,
                               stdin=child_fd, stdout=child_fd, stderr=child_fd)
    os.close(child_fd)
    seen = b""
    while b"Go ahead?" not in seen:  # bounded: the process answers or exits well within the timeout
        ready, _, _ = select.select([main_fd], [], [], 60)
        assert ready, seen
        seen += os.read(main_fd, 1024)
    os.write(main_fd, b"n\n")
    assert process.wait(timeout=60) == 1
    assert b"Reset every student of every class" in seen
    os.close(main_fd)
    after = [i.name for i in conn.image.images(owner=conn.current_project_id)]
    assert "lab-cirros" in after and set(before) <= set(after + [s.name for s in conn.compute.servers()])
