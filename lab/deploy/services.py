"""Long-running programs a deployment supervises: StackLab's API, the course site and JupyterLab.

Each is a `ServiceSpec`; the same spec becomes a systemd unit (where systemd is PID 1) or a `start-stop-daemon`
command with a pid file (elsewhere: containers, this project's CI machine), so every service gets the same
fallback as `stacklab.service`. Starting checks first and reports `ok` or `changed`.
"""

from __future__ import annotations

import shlex
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lab.deploy.remote import put_text, read_root_file, sudo

if TYPE_CHECKING:
    from lab.deploy.tasks import Deployment


@dataclass(frozen=True)
class ServiceSpec:
    """One supervised program: its name (unit `<name>.service`, pid file `<prefix>/<name>.pid`), who runs it,
    where, with which environment."""

    name: str
    description: str
    argv: tuple[str, ...]
    user: str
    workdir: str
    prefix: str
    env: tuple[tuple[str, str], ...] = field(default=())

    @property
    def pid_file(self) -> str:
        return f"{self.prefix}/{self.name}.pid"

    @property
    def log_file(self) -> str:
        return f"{self.prefix}/{self.name}.log"

    @property
    def unit_path(self) -> str:
        return f"/etc/systemd/system/{self.name}.service"

    def unit_text(self) -> str:
        env = "".join(f"Environment={shlex.quote(f'{k}={v}')}\n" for k, v in self.env)
        return textwrap.dedent(f"""\
            # Written by `stacklab deploy` (lab/deploy/services.py).
            [Unit]
            Description={self.description}
            After=network-online.target
            Wants=network-online.target

            [Service]
            Type=simple
            User={self.user}
            WorkingDirectory={self.workdir}
            """) + env + textwrap.dedent(f"""\
            ExecStart={shlex.join(self.argv)}
            Restart=on-failure
            RestartSec=2

            [Install]
            WantedBy=multi-user.target
            """)


def install_unit(d: Deployment, spec: ServiceSpec, step: str) -> bool:
    """Write the systemd unit when it differs; True when it changed (the service must restart)."""

    text = spec.unit_text()
    if read_root_file(d.c, spec.unit_path) == text:
        d.report(step, False, spec.unit_path)
        return False
    put_text(d.c, text, spec.unit_path, "0644")
    sudo(d.c, "systemctl daemon-reload")
    d.report(step, True, spec.unit_path)
    return True


def ensure_running(d: Deployment, spec: ServiceSpec, restart: bool, step: str) -> None:
    """Start `spec` if it is not running (enable it under systemd), restart it if `restart`."""

    q = shlex.quote
    if d.supervisor == "systemd":
        name = q(spec.name)
        changed = []
        # As root: a user's systemctl needs D-Bus, which a minimal Debian (the offline box) does not have.
        if sudo(d.c, f"systemctl is-enabled --quiet {name}", check=False).failed:
            sudo(d.c, f"systemctl enable {name}")
            changed.append("enabled")
        active = sudo(d.c, f"systemctl is-active --quiet {name}", check=False).ok
        if not active or restart:
            sudo(d.c, f"systemctl restart {name}")
            changed.append("restarted" if active else "started")
        d.report(step, bool(changed), ", ".join(changed) or "enabled, running")
        return
    pid = q(spec.pid_file)
    running = sudo(d.c, f"start-stop-daemon --status --pidfile {pid}", check=False).ok
    if running and not restart:
        d.report(step, False, f"running (pid file {spec.pid_file})")
        return
    if running:
        stop(d, spec)
    # `env` sets the environment and execs the program, so the pid file still names the program itself.
    env = " ".join(q(f"{k}={v}") for k, v in spec.env)
    sudo(d.c, f"start-stop-daemon --start --background --make-pidfile --pidfile {pid} "
              f"--chuid {q(spec.user)} --chdir {q(spec.workdir)} --output {q(spec.log_file)} "
              f"--startas /usr/bin/env -- {env} {shlex.join(spec.argv)}")
    d.report(step, True, ("restarted" if running else "started") + f" (pid file {spec.pid_file})")


def stop(d: Deployment, spec: ServiceSpec) -> None:

    sudo(d.c, f"start-stop-daemon --stop --pidfile {shlex.quote(spec.pid_file)} --retry TERM/15/KILL/5 "
              "--remove-pidfile --oknodo")
