"""A private libvirtd: StackLab's own libvirt daemon, for hosts where none runs (no systemd, a CI machine).

The daemon runs in its own mount namespace where `/etc/libvirt`, `/run/libvirt`, `/var/lib/libvirt`,
`/var/log/libvirt` and `/var/cache/libvirt` are bind mounts of directories under `base`, so it never collides
with a system libvirt and everything it writes stays under StackLab's data directory. Inside, `/etc/passwd` and
`/etc/group` gain a `libvirt-qemu` user (libvirt 9 resolves it before reading qemu.conf) without touching the
host's files, and qemu.conf runs QEMU as root without a security driver (PLATFORM.md, measured). Root only.

Clients reach it at `qemu:///system?socket=<base>/run/libvirt-sock`: the socket directory is the bind mount's
source, so the host sees the socket too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from lab.cloud.drivers.base import DriverError

SYSTEM_SOCKETS = (Path("/run/libvirt/libvirt-sock"), Path("/run/libvirt/virtqemud-sock"))
_BINDS = (("etc", "/etc/libvirt"), ("run", "/run/libvirt"), ("lib", "/var/lib/libvirt"),
          ("log", "/var/log/libvirt"), ("cache", "/var/cache/libvirt"))
_QEMU_CONF = """# Written by StackLab: QEMU runs as root without a security driver (a private, single-user daemon).
user = "root"
group = "root"
security_driver = "none"
stdio_handler = "file"
"""
_LIBVIRTD_CONF = """# Written by StackLab: a root-only socket, no authentication, logs under the private log directory.
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
"""


def system_libvirtd_running() -> bool:
    """Whether a system libvirt daemon (monolithic or modular) has its socket in the usual place."""
    return any(sock.exists() for sock in SYSTEM_SOCKETS)


class PrivateLibvirtd:
    """Start, reuse and stop a libvirtd whose state lives under `base`."""

    def __init__(self, base: Path, start_timeout: float = 20.0, netns: str = ""):
        self.base = base
        self.netns = netns  # a network namespace to run in (the linux network driver's host), else the host's
        self.start_timeout = start_timeout
        self.socket = base / "run" / "libvirt-sock"
        self.pid_file = base / "libvirtd.pid"
        self.log_file = base / "log" / "libvirtd.log"

    @property
    def uri(self) -> str:
        return f"qemu:///system?socket={self.socket}"

    def pid(self) -> int | None:
        """The daemon's pid if it is running."""
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def start(self) -> str:
        """Start the daemon unless one of ours already runs (a restarted StackLab adopts it); return its URI.

        Raises DriverError when not root, when libvirtd is not installed, or when it does not come up.
        """
        if self.pid() is not None and self.socket.exists():
            return self.uri
        if os.geteuid() != 0:
            raise DriverError("no libvirtd is running, and StackLab can start its own only as root")
        libvirtd, unshare = shutil.which("libvirtd"), shutil.which("unshare")
        if libvirtd is None or unshare is None:
            raise DriverError("libvirtd is not installed (Debian: libvirt-daemon libvirt-daemon-driver-qemu)")
        if len(str(self.socket)) > 100:  # sun_path holds 108 bytes
            raise DriverError(f"the data directory is too deep for a unix socket: {self.socket}")
        self._prepare()
        script = ["set -e"]
        for name, target in _BINDS:
            script.append(f"mkdir -p {target} && mount --bind {self.base / name} {target}")
        script.append(f"mount --bind {self.base / 'passwd'} /etc/passwd")
        script.append(f"mount --bind {self.base / 'group'} /etc/group")
        script.append(f"exec {libvirtd} --pid-file {self.pid_file}")
        with open(self.base / "daemon.out", "ab") as out:
            # unshare and sh exec into libvirtd, so the child's pid is the daemon's.
            where = ["ip", "netns", "exec", self.netns] if self.netns else []
            proc = subprocess.Popen([*where, unshare, "--mount", "--propagation", "private", "sh", "-c",
                                     "\n".join(script)],
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise DriverError(f"libvirtd exited with {proc.returncode}: {self._log_tail()}")
            if self.socket.exists() and self.pid() is not None:
                return self.uri
            time.sleep(0.05)
        proc.kill()
        raise DriverError(f"libvirtd did not start within {self.start_timeout:.0f} s: {self._log_tail()}")

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the daemon (guests should be shut down first: QEMUs outlive libvirtd)."""
        pid = self.pid()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pid() is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # reap it when it is our child
            time.sleep(0.05)
        if self.pid() is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        self.socket.unlink(missing_ok=True)

    def _prepare(self) -> None:
        for name, _target in _BINDS:
            (self.base / name).mkdir(parents=True, exist_ok=True)
        (self.base / "etc" / "qemu.conf").write_text(_QEMU_CONF)
        (self.base / "etc" / "libvirtd.conf").write_text(_LIBVIRTD_CONF)
        passwd = Path("/etc/passwd").read_text()
        group = Path("/etc/group").read_text()
        if "\nlibvirt-qemu:" not in "\n" + passwd:
            passwd += "libvirt-qemu:x:64055:64055:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin\n"
        if "\nlibvirt-qemu:" not in "\n" + group:
            group += "libvirt-qemu:x:64055:\n"
        (self.base / "passwd").write_text(passwd)
        (self.base / "group").write_text(group)

    def _log_tail(self) -> str:
        texts = []
        for path in (self.base / "daemon.out", self.log_file):
            with contextlib.suppress(OSError):
                texts.append(path.read_text()[-1500:])
        return " | ".join(t.strip() for t in texts if t.strip()) or "no log"
