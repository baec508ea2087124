"""`stacklab vm ...`: the classroom VM (vagrant/Vagrantfile) driven through python-vagrant.

`up` streams Vagrant's progress; the Vagrantfile's trigger then deploys StackLab with the Fabric tasks and prints
the credentials. `provision` runs those tasks directly against the VM's `vagrant ssh-config` (same result, with
the ok/changed report). `reset` puts the lab inside the VM back to a named snapshot (`stacklab snapshot restore`
run inside the VM) or to a clean start (stop, empty the data directory, start) without rebooting.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from fabric import Connection

    from lab.deploy.tasks import DeployOptions

VAGRANT_DIR_ENV = "STACKLAB_VAGRANT_DIR"


def vagrant_dir() -> Path:
    """The directory holding the Vagrantfile: $STACKLAB_VAGRANT_DIR, else vagrant/ in this source tree."""
    if os.environ.get(VAGRANT_DIR_ENV):
        return Path(os.environ[VAGRANT_DIR_ENV])
    return Path(__file__).resolve().parent.parent / "vagrant"


@dataclass(frozen=True)
class MachineStatus:
    name: str
    state: str
    provider: str | None


@dataclass(frozen=True)
class SshTarget:
    user: str
    host: str
    port: int
    key_file: str


class ClassroomVM:
    """One Vagrant environment (the classroom VM), operated through python-vagrant."""

    def __init__(self, root: Path | None = None, echo: Callable[[str], None] = click.echo,
                 env: dict[str, str] | None = None, options: DeployOptions | None = None) -> None:
        import vagrant
        from lab.deploy.tasks import DeployOptions

        self.root = root or vagrant_dir()
        self.echo = echo
        self.env = dict(os.environ) if env is None else env
        # Where StackLab lives inside the VM: the deployment's defaults unless told otherwise.
        self.options = options or DeployOptions()
        # Vagrant's own messages go to our stderr; progress lines are streamed through `echo`.
        self.vagrant = vagrant.Vagrant(root=str(self.root), env=self.env, quiet_stdout=False, quiet_stderr=False)

    def status(self) -> list[MachineStatus]:
        # Vagrant's machine-readable output also carries a `ui` line with no target: not a machine.
        return [MachineStatus(s.name, s.state, s.provider) for s in self.vagrant.status() if s.name]

    def _stream(self, lines: Iterator[str]) -> None:
        for line in lines:
            self.echo(line.rstrip("\n"))

    def up(self, provider: str | None = "libvirt", provision: bool = True) -> None:
        self._stream(self.vagrant.up(provider=provider, provision=provision, stream_output=True))

    def ssh_target(self) -> SshTarget:
        conf = self.vagrant.conf()
        key = conf.get("IdentityFile", "")
        return SshTarget(conf["User"], conf["HostName"], int(conf.get("Port", 22)), key)

    def connect(self) -> Connection:
        from lab.deploy.remote import connect

        t = self.ssh_target()
        return connect(t.host, t.user, t.port, t.key_file, load_ssh_configs=False)

    def provision(self, public_url: str | None = None, libvirt: bool = False) -> str:
        """Run the Fabric deployment against the VM; returns the credentials text."""
        from lab.deploy.tasks import deploy

        options = dataclasses.replace(
            self.options, public_url=public_url or self.env.get("STACKLAB_PUBLIC_URL", "http://127.0.0.1:8780"),
            libvirt=libvirt or self.options.libvirt)
        with self.connect() as c:
            result = deploy(c, options, echo=self.echo)
        return result.credentials_text(options.public_url)

    def ssh_command(self, command: str | None = None) -> list[str]:
        """The `vagrant ssh` command line (run in the foreground by the CLI: it is interactive)."""
        return ["vagrant", "ssh", *(["--", command] if command else [])]

    def reset(self, snapshot: str | None = None) -> str:
        """Restore the lab state inside the VM to `snapshot`, or to clean when none is given; says what it did."""
        from lab.cloud.labapi.snapshots import SNAPSHOTS
        from lab.deploy.remote import sudo
        from lab.deploy.tasks import deploy, stop_service

        options = self.options
        stacklab = f"{options.venv}/bin/stacklab --config {options.config_path}"
        with self.connect() as c:
            if snapshot:
                self.echo(f"restoring snapshot {snapshot} inside the VM")
                sudo(c, f"{stacklab} snapshot restore --yes {shlex.quote(snapshot)}")
                return f"restored snapshot {snapshot}"
            self.echo("clean reset: stop StackLab, empty its data directory (the admin password and the saved "
                      "snapshots are kept), start")
            stop_service(c, options)
            data = shlex.quote(options.data_dir)
            sudo(c, f"find {data} -mindepth 1 -maxdepth 1 ! -name admin-password ! -name {SNAPSHOTS} "
                    "-exec rm -rf {} +")
            deploy(c, options, echo=self.echo)
            return "reset to a clean lab"

    def destroy(self) -> None:
        self.vagrant.destroy()


# ------------------------------------------------------------------------------------------------ commands
@click.group("vm")
@click.option("--dir", "root", type=click.Path(path_type=Path, file_okay=False), default=None,
              help=f"Directory of the Vagrantfile (env {VAGRANT_DIR_ENV}; default: vagrant/ in the source tree).")
@click.pass_context
def vm_group(ctx: click.Context, root: Path | None) -> None:
    """The classroom VM (Vagrant): up, status, ssh, provision, reset, destroy, build-box."""
    ctx.ensure_object(dict)
    ctx.obj["vagrant_dir"] = root or vagrant_dir()


def _vm(ctx: click.Context) -> ClassroomVM:
    return ClassroomVM(ctx.obj["vagrant_dir"])


def _vagrant_failed(error: subprocess.CalledProcessError) -> click.ClickException:
    return click.ClickException(f"vagrant failed ({error.returncode}): {' '.join(map(str, error.cmd))}")


@vm_group.command("up")
@click.option("--provider", default="libvirt", show_default=True, help="libvirt or virtualbox.")
@click.option("--no-provision", is_flag=True, help="Boot only; do not run the deployment.")
@click.pass_context
def vm_up(ctx: click.Context, provider: str, no_provision: bool) -> None:
    """Create and boot the VM, deploy StackLab into it, print the credentials."""
    try:
        _vm(ctx).up(provider=provider, provision=not no_provision)
    except subprocess.CalledProcessError as e:
        raise _vagrant_failed(e) from e


@vm_group.command("status")
@click.pass_context
def vm_status(ctx: click.Context) -> None:
    """Show the VM's state (not_created, running, poweroff, ...)."""
    for s in _vm(ctx).status():
        click.echo(f"{s.name}: {s.state} ({s.provider or 'no provider'})")


@vm_group.command("ssh", context_settings={"ignore_unknown_options": True})
@click.argument("command", required=False)
@click.pass_context
def vm_ssh(ctx: click.Context, command: str | None) -> None:
    """Open a shell in the VM (or run COMMAND there)."""
    vm = _vm(ctx)
    raise SystemExit(subprocess.call(vm.ssh_command(command), cwd=vm.root))


@vm_group.command("provision")
@click.option("--public-url", default=None, help="URL students use for the API (env STACKLAB_PUBLIC_URL).")
@click.option("--libvirt", is_flag=True, help="Also install libvirt + QEMU and boot real tiny guests.")
@click.pass_context
def vm_provision(ctx: click.Context, public_url: str | None, libvirt: bool) -> None:
    """Run the Fabric deployment against the running VM (idempotent) and print the credentials."""
    try:
        click.echo(_vm(ctx).provision(public_url, libvirt))
    except subprocess.CalledProcessError as e:
        raise _vagrant_failed(e) from e


@vm_group.command("reset")
@click.argument("snapshot", required=False)
@click.pass_context
def vm_reset(ctx: click.Context, snapshot: str | None) -> None:
    """Restore the lab inside the VM to SNAPSHOT, or to a clean lab when no name is given."""
    from lab.deploy.remote import DeployError

    try:
        click.echo(_vm(ctx).reset(snapshot))
    except subprocess.CalledProcessError as e:
        raise _vagrant_failed(e) from e
    except DeployError as e:
        raise click.ClickException(str(e)) from e


@vm_group.command("destroy")
@click.confirmation_option(prompt="Destroy the classroom VM and everything in it?")
@click.pass_context
def vm_destroy(ctx: click.Context) -> None:
    """Delete the VM (the box stays, so `vm up` is quick again)."""
    try:
        _vm(ctx).destroy()
    except subprocess.CalledProcessError as e:
        raise _vagrant_failed(e) from e
    click.echo("destroyed")


@vm_group.command("build-box")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("stacklab-debian12.box"), show_default=True, help="Where to write the box file.")
@click.option("--mirror", default="http://deb.debian.org/debian", show_default=True,
              help="Debian mirror (a local mirror or apt-cacher for an offline classroom).")
@click.option("--no-add", is_flag=True, help="Only write the box file; do not `vagrant box add` it.")
def vm_build_box(output: Path, mirror: str, no_add: bool) -> None:
    """Build the offline Debian 12 box `stacklab-debian12` (debootstrap, ext4, extlinux, qcow2; needs root)."""
    from lab.deploy.box import BoxError, build_box

    if os.geteuid() != 0:
        raise click.ClickException("build-box needs root (debootstrap, chroot, loop mount)")
    try:
        path = build_box(output, mirror=mirror, add=not no_add)
    except BoxError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"box written to {path}" + ("" if no_add else "; the Vagrantfile now uses it"))
