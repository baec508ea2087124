"""The SSH primitives every deployment step uses (Fabric): connect, run a command (as root), write a root-owned
file, read one. Kept apart from the steps so the step modules (tasks, classroom, services) import them without
importing each other."""

from __future__ import annotations

import io
import shlex

from fabric import Config, Connection
from invoke.runners import Result


class DeployError(RuntimeError):
    """A deployment step failed; the message says which and why."""


def connect(host: str, user: str | None = None, port: int | None = None, key_file: str | None = None,
            load_ssh_configs: bool = True) -> Connection:
    """A Fabric connection set up for non-interactive deployment (no stdin: sudo never waits for a TTY)."""
    config = Config(overrides={"run": {"in_stream": False}, "load_ssh_configs": load_ssh_configs})
    connect_kwargs: dict[str, object] = {}
    if key_file:
        connect_kwargs.update(key_filename=[key_file], look_for_keys=False, allow_agent=False)
    return Connection(host, user=user, port=port, config=config, connect_kwargs=connect_kwargs,
                      connect_timeout=30)


def run(c: Connection, command: str, check: bool = True) -> Result:
    result = c.run(command, hide=True, warn=True, in_stream=False)
    if check and result.failed:
        raise DeployError(f"`{command}` failed on {c.host} ({result.exited}): {result.stderr.strip()[-2000:]}")
    return result


def sudo(c: Connection, command: str, check: bool = True) -> Result:
    """Run a shell command line as root (every part of it, not only the first command)."""
    return run(c, f"sudo -n sh -c {shlex.quote(command)}", check=check)


def put_text(c: Connection, text: str | bytes, path: str, mode: str, owner: str = "root", group: str = "root") -> None:
    """Write a root-owned file: upload to the SSH user's home, then `install` it in place as root."""
    data = text.encode() if isinstance(text, str) else text
    home = run(c, "echo $HOME").stdout.strip()
    staging = f"{home}/.stacklab-upload-{abs(hash(path))}"
    c.put(io.BytesIO(data), staging)
    q = shlex.quote
    sudo(c, f"install -D -m {mode} -o {q(owner)} -g {q(group)} {q(staging)} {q(path)} && rm -f {q(staging)}")


def read_root_file(c: Connection, path: str) -> str | None:
    result = sudo(c, f"cat {shlex.quote(path)}", check=False)
    return result.stdout if result.ok else None
