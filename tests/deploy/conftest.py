"""Fixtures for the deployment tests: a throw-away sshd on 127.0.0.1 with a dedicated user that has
passwordless sudo (like Vagrant's `vagrant` user), so the Fabric tasks run for real over SSH."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port

SSHD = Path("/usr/sbin/sshd")


@dataclass
class SshTarget:
    """A reachable SSH account: where it listens, who logs in, with which key."""

    host: str
    port: int
    user: str
    home: Path
    key_file: Path
    log_file: Path


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def ssh_target() -> Iterator[SshTarget]:
    """Start `sshd -D -e -f cfg` for a fresh user; remove the user, its sudoers file and the daemon afterwards."""
    if os.geteuid() != 0:
        pytest.skip("needs root: creates a user with passwordless sudo and runs a private sshd")
    for tool in (SSHD, Path("/usr/bin/sudo"), Path("/usr/bin/ssh-keygen")):
        if not tool.exists():
            pytest.fail(f"{tool} is missing: scripts/setup.sh installs openssh-server and sudo")
    # Not pytest's tmp_path: pytest prunes old base temp dirs, and a concurrent pytest run would delete the
    # host key and authorized_keys under a running sshd.
    tmp = Path(tempfile.mkdtemp(prefix="stacklab-sshd-"))
    tmp.chmod(0o755)  # sshd reads authorized_keys as the user, after dropping root
    user = f"sltest{secrets.token_hex(3)}"
    sudoers = Path(f"/etc/sudoers.d/{user}")
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "host_key"))
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "client_key"))
    _run("useradd", "--create-home", "--shell", "/bin/sh", user)
    process: subprocess.Popen[bytes] | None = None
    try:
        # useradd leaves the account locked ('!'), and sshd refuses even key logins to a locked account.
        _run("usermod", "-p", "*", user)
        sudoers.write_text(f"{user} ALL=(ALL) NOPASSWD: ALL\n")
        sudoers.chmod(0o440)
        home = Path(f"/home/{user}")
        (tmp / "authorized_keys").write_text((tmp / "client_key.pub").read_text())
        port = free_port()
        (tmp / "sshd_config").write_text(f"""\
Port {port}
ListenAddress 127.0.0.1
HostKey {tmp}/host_key
PidFile {tmp}/sshd.pid
AuthorizedKeysFile {tmp}/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AllowUsers {user}
Subsystem sftp /usr/lib/openssh/sftp-server
""")
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory
        log = tmp / "sshd.log"
        process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(tmp / "sshd_config")],
                                   stdout=log.open("wb"), stderr=subprocess.STDOUT)
        for _ in range(200):
            if process.poll() is not None:
                pytest.fail(f"sshd exited with {process.returncode}: {log.read_text()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        else:
            pytest.fail("sshd did not listen within 10 s")
        yield SshTarget("127.0.0.1", port, user, home, tmp / "client_key", log)
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        # userdel refuses while the user's sshd session processes are still exiting: retry, bounded. Removing a
        # home with a virtualenv in it takes a while on a loaded machine.
        for _ in range(40):
            done = subprocess.run(["userdel", "--remove", user], capture_output=True, text=True, timeout=300)
            if done.returncode == 0 or "does not exist" in done.stderr:
                break
            time.sleep(0.5)
        else:
            warnings.warn(f"could not remove test user {user}: {done.stderr.strip()}", stacklevel=1)
        sudoers.unlink(missing_ok=True)
        shutil.rmtree(f"/home/{user}", ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def fake_vagrant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the fake `vagrant` first on PATH; returns its state directory (recorded outputs, calls.log)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shutil.copy(Path(__file__).parent / "fake_vagrant.py", bin_dir / "vagrant")
    (bin_dir / "vagrant").chmod(0o755)
    state = tmp_path / "state"
    state.mkdir()
    (state / "calls.log").touch()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_VAGRANT_DIR", str(state))
    monkeypatch.setenv("STACKLAB_VAGRANT_DIR", str(tmp_path))
    return state
