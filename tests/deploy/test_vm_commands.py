"""`stacklab vm ...` through python-vagrant, with a fake `vagrant` on PATH that replays recorded machine-readable
output (tests/deploy/recorded/, taken from Debian's vagrant 2.3.4 + vagrant-libvirt here)."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from lab.cli import main
from lab.vm import ClassroomVM

HERE = Path(__file__).parent
RECORDED = HERE / "recorded"


def calls(state: Path) -> list[str]:
    return (state / "calls.log").read_text().splitlines()


def test_status_of_a_machine_not_created(fake_vagrant: Path) -> None:
    shutil.copy(RECORDED / "status-not-created.txt", fake_vagrant / "status.txt")
    result = CliRunner().invoke(main, ["vm", "status"])
    assert result.exit_code == 0, result.output
    # Only the machine: the recorded output's target-less `ui` line is not one.
    assert result.output == "default: not_created (libvirt)\n"
    assert calls(fake_vagrant) == ["status --machine-readable"]


def test_status_of_a_running_machine(fake_vagrant: Path) -> None:
    shutil.copy(RECORDED / "status-running.txt", fake_vagrant / "status.txt")
    vm = ClassroomVM()
    [status] = vm.status()
    assert (status.name, status.state, status.provider) == ("default", "running", "libvirt")


def test_up_streams_progress_and_asks_for_libvirt(fake_vagrant: Path) -> None:
    shutil.copy(RECORDED / "up.txt", fake_vagrant / "up.txt")
    result = CliRunner().invoke(main, ["vm", "up"])
    assert result.exit_code == 0, result.output
    assert calls(fake_vagrant) == ["up --provision --provider=libvirt"]
    assert (RECORDED / "up.txt").read_text() in result.output


def test_up_reports_a_vagrant_failure(fake_vagrant: Path) -> None:
    result = CliRunner().invoke(main, ["vm", "up", "--no-provision"])  # nothing recorded: vagrant exits 1
    assert result.exit_code == 1
    assert "vagrant failed (1)" in result.output
    assert calls(fake_vagrant) == ["up --no-provision --provider=libvirt"]


def test_ssh_target_comes_from_ssh_config(fake_vagrant: Path) -> None:
    shutil.copy(RECORDED / "ssh-config.txt", fake_vagrant / "ssh-config.txt")
    target = ClassroomVM().ssh_target()
    assert (target.user, target.host, target.port) == ("vagrant", "192.168.121.112", 22)
    assert target.key_file.endswith("/machines/default/libvirt/private_key")


def test_destroy_asks_first_and_passes_force(fake_vagrant: Path) -> None:
    (fake_vagrant / "destroy.txt").write_text("")
    refused = CliRunner().invoke(main, ["vm", "destroy"], input="n\n")
    assert refused.exit_code == 1
    assert calls(fake_vagrant) == []
    result = CliRunner().invoke(main, ["vm", "destroy", "--yes"])
    assert result.exit_code == 0, result.output
    assert calls(fake_vagrant) == ["destroy --force"]
