"""The Vagrantfile passes `vagrant validate` (Debian's vagrant + vagrant-libvirt: provider block, forwarded ports,
trigger, Ruby syntax), and validate really catches a broken libvirt block."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from lab.vm import vagrant_dir

VAGRANTFILE = vagrant_dir() / "Vagrantfile"


def validate(directory: Path, **env: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("vagrant") is None:
        pytest.fail("vagrant is not installed: scripts/setup.sh installs Debian's vagrant and vagrant-libvirt")
    return subprocess.run(["vagrant", "validate"], cwd=directory, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(directory), **env})


def test_libvirt_plugin_is_installed(tmp_path: Path) -> None:
    result = subprocess.run(["vagrant", "plugin", "list"], capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert "vagrant-libvirt" in result.stdout, result.stdout + result.stderr


def test_vagrantfile_validates(tmp_path: Path) -> None:
    shutil.copy(VAGRANTFILE, tmp_path / "Vagrantfile")
    result = validate(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Vagrantfile validated successfully." in result.stdout


def test_vagrantfile_validates_with_kvm_and_a_named_box(tmp_path: Path) -> None:
    shutil.copy(VAGRANTFILE, tmp_path / "Vagrantfile")
    result = validate(tmp_path, STACKLAB_VM_KVM="1", STACKLAB_BOX="stacklab-debian12", STACKLAB_VM_MEMORY="6144")
    assert result.returncode == 0, result.stdout + result.stderr


def test_validate_rejects_a_broken_libvirt_block(tmp_path: Path) -> None:
    text = VAGRANTFILE.read_text().replace('lv.driver = KVM ? "kvm" : "qemu"',
                                           'lv.driver = KVM ? "kvm" : "qemu"\n    lv.no_such_option = 1')
    assert "no_such_option" in text
    (tmp_path / "Vagrantfile").write_text(text)
    result = validate(tmp_path)
    assert result.returncode != 0
    assert "no_such_option" in result.stdout + result.stderr


def test_forwarded_ports_and_provider_settings_are_there() -> None:
    # What validate cannot see: the values the issue asks for.
    text = VAGRANTFILE.read_text()
    assert '"api" => 8780, "course site" => 8000, "jupyterlab" => 8888, "dashboard" => 8781' in text
    for setting in ('lv.driver = KVM ? "kvm" : "qemu"', 'lv.cpu_model = "qemu64"', "config.vm.boot_timeout = 900",
                    'MEMORY = (ENV["STACKLAB_VM_MEMORY"] || "4096").to_i', "config.vm.provider :virtualbox",
                    'LOCAL_BOX = "stacklab-debian12"', '"debian/bookworm64"', "config.trigger.after",
                    'command << "--no-dashboard" if ENV["STACKLAB_VM_NO_DASHBOARD"] == "1"'):
        assert setting in text
