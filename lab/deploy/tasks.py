"""Fabric tasks that install and run StackLab on any SSH host (the classroom VM, a classroom server).

Every step checks before it changes and reports `ok` (already right) or `changed`, like Ansible, so running the
deployment twice changes nothing the second time. Commands run as the SSH user; root's work goes through
`sudo -n sh -c '...'` (passwordless sudo, like Vagrant's `vagrant` user): `sh -c` because sudo only elevates the
first command of `a && b`, and no TTY is needed because `run.in_stream` is off.

On a host where systemd is PID 1 the service is a systemd unit (`stacklab.service`, enabled, comes back after a
reboot). Elsewhere (containers, this project's CI machine) a fallback supervisor is used: Debian's
`start-stop-daemon` with a pid file, started again by the next deployment; the report says which one is in use.

Run them with `stacklab deploy user@host`, with `stacklab vm provision` (Vagrant), or with Fabric's own `fab`
(`vagrant/fabfile.py` re-exports the tasks).
"""

from __future__ import annotations

import io
import shlex
import sys
import textwrap
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

import yaml
from fabric import Connection, task

from lab.deploy import classroom
from lab.deploy.artifacts import Tree, Wheelhouse, build_dashboard_wheels, build_wheelhouse
from lab.deploy.remote import DeployError, put_text, read_root_file, run, sudo
from lab.deploy.services import ServiceSpec, ensure_running, install_unit

# What StackLab needs from Debian on the target; the libvirt driver adds LIBVIRT_PACKAGES (with what the linux
# network driver it is paired with runs: dnsmasq, nftables, iptables).
# jq, curl: the lab READMEs students follow on the classroom VM parse JSON and talk HTTP with them.
SYSTEM_PACKAGES = ("python3", "python3-venv", "tar", "jq", "curl")
LIBVIRT_PACKAGES = ("libvirt-daemon-system", "libvirt-clients", "qemu-system-x86", "qemu-utils", "dnsmasq-base",
                    "nftables", "iptables")
# libpcre3: the dashboard's SCSS compiler (pyScss, built on the control machine) links its C scanner with it.
DASHBOARD_PACKAGES = ("libpcre3",)
API_WAIT_SECONDS = 60


@dataclass
class DeployOptions:
    """Where and how StackLab is installed on the target. The defaults are the classroom VM's layout."""

    prefix: str = "/opt/stacklab"  # venv in <prefix>/venv, shipped wheels in <prefix>/wheelhouse
    config_path: str = "/etc/stacklab/stacklab.yaml"
    data_dir: str = "/var/lib/stacklab"
    service_user: str = "stacklab"
    service_name: str = "stacklab"
    bind_host: str = "0.0.0.0"  # a classroom: everyone reaches the instructor's machine
    port: int = 8780
    public_url: str = ""  # what clients are told (catalog); empty: http://<host>:<port> as StackLab decides
    admin_password: str = ""  # empty: StackLab generates one on first start and keeps it
    libvirt: bool = False  # install libvirt + QEMU, build the tiny guest, switch to the libvirt compute driver
    supervisor: str = "auto"  # auto | systemd | pidfile
    course: bool = True  # build the course site here, serve it on course_port (lab/deploy/classroom.py)
    course_port: int = 8000
    jupyter: bool = True  # JupyterLab (the `notebooks` extra) on the notebooks, on jupyter_port
    jupyter_port: int = 8888
    dashboard: bool = True  # Horizon (a venv of its own, wheels in the wheelhouse) on dashboard_port
    dashboard_port: int = 8781
    extra_settings: dict[str, object] = field(default_factory=dict)

    @property
    def venv(self) -> str:
        return f"{self.prefix}/venv"

    @property
    def pid_file(self) -> str:
        return f"{self.prefix}/{self.service_name}.pid"

    @property
    def log_file(self) -> str:
        return f"{self.prefix}/{self.service_name}.log"

    @property
    def unit_path(self) -> str:
        return f"/etc/systemd/system/{self.service_name}.service"

    @property
    def site_dir(self) -> str:
        return f"{self.prefix}/site"

    @property
    def notebooks_dir(self) -> str:
        return f"{self.prefix}/notebooks"

    @property
    def jupyter_dir(self) -> str:
        return f"{self.prefix}/jupyter"

    @property
    def dashboard_venv(self) -> str:
        return f"{self.prefix}/venv-dashboard"

    @property
    def extras(self) -> tuple[str, ...]:
        """The pyproject extras the wheelhouse must carry."""
        return ("notebooks",) if self.jupyter else ()

    @property
    def run_as(self) -> str:
        # qemu:///system and the Linux-bridge network driver need root; the simulated cloud does not.
        return "root" if self.libvirt else self.service_user


@dataclass
class StepResult:
    name: str
    changed: bool
    detail: str = ""


@dataclass
class DeployResult:
    """What a deployment did, and what a user needs to log in afterwards."""

    host: str
    steps: list[StepResult]
    supervisor: str
    url: str
    admin_password: str
    course_port: int | None = None  # None: no course site deployed
    jupyter_port: int | None = None  # None: no JupyterLab deployed
    jupyter_token: str = ""
    dashboard_port: int | None = None  # None: no dashboard deployed

    @property
    def changed(self) -> int:
        return sum(1 for s in self.steps if s.changed)

    @property
    def ok(self) -> int:
        return sum(1 for s in self.steps if not s.changed)

    def urls(self, public_url: str | None = None) -> dict[str, str]:
        """The API, course site, JupyterLab and dashboard URLs, on the host of `public_url` (what students reach)."""
        url = public_url or self.url
        host = urllib.parse.urlsplit(url).hostname or "127.0.0.1"
        urls = {"api": f"{url}/identity/v3"}
        if self.course_port:
            urls["course"] = f"http://{host}:{self.course_port}/"
        if self.jupyter_port:
            urls["jupyter"] = f"http://{host}:{self.jupyter_port}/lab?token={self.jupyter_token}"
        if self.dashboard_port:
            urls["dashboard"] = f"http://{host}:{self.dashboard_port}/"
        return urls

    def credentials_text(self, public_url: str | None = None) -> str:
        url = public_url or self.url
        urls = self.urls(public_url)
        lines = [f"StackLab is running on {self.host} ({self.supervisor}).",
                 f"  API:        {urls['api']}"]
        if "course" in urls:
            lines.append(f"  course:     {urls['course']}")
        if "jupyter" in urls:
            lines.append(f"  JupyterLab: {urls['jupyter']}   (works as demo: OS_CLOUD=stacklab-demo)")
        if "dashboard" in urls:
            lines.append(f"  dashboard:  {urls['dashboard']}   (Horizon: log in as admin, demo or a student)")
        lines += [f"  admin:      admin / {self.admin_password}   (project admin, domain Default)",
                  "  student:    demo / demo                      (project demo)",
                  f"  export OS_AUTH_URL={url}/identity OS_USERNAME=admin OS_PASSWORD={self.admin_password} \\",
                  "         OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default \\",
                  "         OS_IDENTITY_API_VERSION=3"]
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------- steps
class Deployment:
    """One run of every step against one host, in order, with `ok`/`changed` reporting."""

    def __init__(self, c: Connection, options: DeployOptions, wheelhouse: Wheelhouse,
                 echo: Callable[[str], None] = print, dashboard_wheels: Tree | None = None) -> None:
        self.c = c
        self.o = options
        self.wheelhouse = wheelhouse
        self.dashboard_wheels = dashboard_wheels
        self.echo = echo
        self.steps: list[StepResult] = []
        self.restart_needed = False
        self.supervisor = ""
        self.libvirt_driver = False
        self.stacklab_installed = False  # this run (re)installed StackLab and so JupyterLab too
        self.jupyter_token = ""
        missing = set(options.extras) - set(wheelhouse.extras)
        if missing:
            raise DeployError(f"the wheelhouse lacks the extra(s) {', '.join(sorted(missing))}: build it with "
                              f"build_wheelhouse(extras={options.extras!r})")
        if options.dashboard and dashboard_wheels is None:
            raise DeployError("the dashboard needs its wheels: build them with build_dashboard_wheels()")

    @property
    def label(self) -> str:
        return f"{self.c.user}@{self.c.host}:{self.c.port}"

    def report(self, name: str, changed: bool, detail: str = "") -> None:
        self.steps.append(StepResult(name, changed, detail))
        self.echo(f"{'changed' if changed else 'ok':>7}: [{self.label}] {name}" + (f" ({detail})" if detail else ""))

    def run(self) -> DeployResult:
        self.preflight()
        self.system_packages()
        self.service_user()
        self.directories()
        self.ship_wheelhouse()
        self.virtualenv()
        self.install_stacklab()
        if self.o.libvirt:
            self.tiny_guest()
        self.config()
        self.choose_supervisor()
        if self.supervisor == "systemd":
            self.systemd_unit()
        self.service()
        self.api_check()
        if self.o.course:
            classroom.course_site(self)
        if self.o.jupyter:
            classroom.jupyter(self)
        if self.o.dashboard:
            classroom.dashboard(self)
        password = (read_root_file(self.c, f"{self.o.data_dir}/admin-password") or "").strip()
        self.echo(f"  recap: [{self.label}] ok={sum(not s.changed for s in self.steps)} "
                  f"changed={sum(s.changed for s in self.steps)}")
        return DeployResult(self.label, self.steps, self.supervisor,
                            f"http://{self.c.host}:{self.o.port}", password or self.o.admin_password,
                            self.o.course_port if self.o.course else None,
                            self.o.jupyter_port if self.o.jupyter else None, self.jupyter_token,
                            self.o.dashboard_port if self.o.dashboard else None)

    def preflight(self) -> None:
        """Sudo must work without a password, and the target's Python must match the wheels built here."""
        if sudo(self.c, "true", check=False).failed:
            raise DeployError(f"{self.label}: `sudo -n` needs a password; give the user passwordless sudo "
                              "(like Vagrant's `vagrant` user)")
        local = f"{sys.version_info.major}.{sys.version_info.minor}"
        remote = run(self.c, "python3 -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])'", check=False)
        if remote.ok and remote.stdout.strip() != local:
            raise DeployError(f"{self.label} has Python {remote.stdout.strip()} but the wheels are built for "
                              f"{local}; deploy from a machine with the same Python (Debian 12: 3.11)")
        self.report("preflight", False, f"sudo, python {local}")

    def system_packages(self) -> None:
        wanted = (list(SYSTEM_PACKAGES) + (list(DASHBOARD_PACKAGES) if self.o.dashboard else [])
                  + (list(LIBVIRT_PACKAGES) if self.o.libvirt else []))
        missing = [p for p in wanted if "install ok installed" not in run(
            self.c, f"dpkg-query -W -f='${{Status}}' {p}", check=False).stdout]
        if not missing:
            self.report("system packages", False, ", ".join(wanted))
            return
        install = ("DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "
                   + " ".join(missing))
        # Try without `apt-get update` first: an offline box has its package lists and .debs already.
        if sudo(self.c, install, check=False).failed:
            sudo(self.c, "apt-get update -q && " + install)
        self.report("system packages", True, "installed " + ", ".join(missing))

    def service_user(self) -> None:
        user = self.o.run_as
        if run(self.c, f"id -u {shlex.quote(user)}", check=False).ok:
            self.report("service user", False, user)
            return
        sudo(self.c, f"useradd --system --home-dir {shlex.quote(self.o.data_dir)} --no-create-home "
                     f"--shell /usr/sbin/nologin {shlex.quote(user)}")
        self.report("service user", True, f"created {user}")

    def directories(self) -> None:
        q = shlex.quote
        user = self.o.run_as
        config_dir = self.o.config_path.rsplit("/", 1)[0] or "/"
        want = f"{user}\n"
        ok = (run(self.c, f"test -d {q(self.o.prefix)} && test -d {q(config_dir)}", check=False).ok
              and run(self.c, f"stat -c %U {q(self.o.data_dir)}", check=False).stdout == want)
        if ok:
            self.report("directories", False, f"{self.o.prefix}, {self.o.data_dir}")
            return
        sudo(self.c, f"mkdir -p {q(self.o.prefix)} {q(config_dir)} {q(self.o.data_dir)} && "
                     f"chown {q(user)}: {q(self.o.data_dir)} && chmod 0750 {q(self.o.data_dir)}")
        self.report("directories", True, f"{self.o.prefix}, {self.o.data_dir}")

    def ship_wheelhouse(self) -> None:
        q = shlex.quote
        target = f"{self.o.prefix}/wheelhouse"
        digest = self.wheelhouse.digest
        if (read_root_file(self.c, f"{target}/DIGEST") or "").strip() == digest:
            self.report("wheelhouse", False, f"{len(self.wheelhouse.wheels())} wheels")
            return
        home = run(self.c, "echo $HOME").stdout.strip()
        staging = f"{home}/.stacklab-wheelhouse.tar"
        self.c.put(io.BytesIO(self.wheelhouse.tar_bytes()), staging)
        sudo(self.c, f"rm -rf {q(target)} && mkdir -p {q(target)} && tar -xf {q(staging)} -C {q(target)} && "
                     f"echo {digest} > {q(target)}/DIGEST && rm -f {q(staging)}")
        self.report("wheelhouse", True, f"uploaded {len(self.wheelhouse.wheels())} wheels")

    def virtualenv(self) -> None:
        if run(self.c, f"test -x {shlex.quote(self.o.venv)}/bin/python", check=False).ok:
            self.report("virtualenv", False, self.o.venv)
            return
        # No pip inside: ensurepip costs more than the rest of the venv; pip runs from Debian's pip wheel.
        sudo(self.c, f"python3 -m venv --without-pip {shlex.quote(self.o.venv)}")
        self.report("virtualenv", True, self.o.venv)

    def pip(self, venv_dir: str = "") -> str:
        """A pip command for the venv (StackLab's, or `venv_dir`): Debian's bundled pip wheel run by the venv's
        Python (pip runs from its wheel), else a pip inside the venv, installed by ensurepip if need be."""
        venv = shlex.quote(venv_dir or self.o.venv)
        wheel = run(self.c, "ls /usr/share/python-wheels/pip-*.whl 2>/dev/null | tail -n 1", check=False)
        if wheel.stdout.strip():
            return f"{venv}/bin/python {shlex.quote(wheel.stdout.strip())}/pip"
        if run(self.c, f"test -x {venv}/bin/pip", check=False).failed:
            sudo(self.c, f"{venv}/bin/python -m ensurepip --default-pip")
        return f"{venv}/bin/pip"

    def install_stacklab(self) -> None:
        q = shlex.quote
        marker = f"{self.o.prefix}/INSTALLED"
        want = self.wheelhouse.digest
        current = (read_root_file(self.c, marker) or "").strip()
        if current == want:
            self.report("stacklab", False, f"source {self.wheelhouse.source_digest}")
            return
        # --ignore-requires-python: the wheels were resolved by this machine's Python, whose minor version the
        # preflight matched; a wheel asking for a newer patch release (soupsieve: >=3.11.5) still runs on
        # Debian 12's 3.11.2.
        pip = (f"{self.pip()} install --quiet --disable-pip-version-check --no-compile --no-index "
               f"--ignore-requires-python --find-links {q(self.o.prefix)}/wheelhouse")
        wheel = f"{q(self.o.prefix)}/wheelhouse/{q(self.wheelhouse.stacklab_wheel.name)}"
        extras = self.o.extras
        command = f"{pip} " + (q(f"{self.o.prefix}/wheelhouse/{self.wheelhouse.stacklab_wheel.name}"
                                 f"[{','.join(extras)}]") if extras else wheel)
        if current:
            # The version stays 0.1.0 while the source changes: force StackLab itself, let pip settle the rest.
            command += f" && {pip} --force-reinstall --no-deps {wheel}"
        # Byte-code compiled here, in parallel, because the service user cannot write into the root-owned venv.
        command += f" && {q(self.o.venv)}/bin/python -m compileall -q -j 0 {q(self.o.venv)}/lib >/dev/null"
        sudo(self.c, f"{command} && echo {want} > {q(marker)}")
        self.restart_needed = True
        self.stacklab_installed = True
        self.report("stacklab", True, f"installed source {self.wheelhouse.source_digest}")

    def tiny_guest(self) -> None:
        """Build the tiny guest image and turn on the libvirt driver, when this StackLab has them."""
        stacklab = f"{shlex.quote(self.o.venv)}/bin/stacklab"
        has_driver = run(self.c, f"{shlex.quote(self.o.venv)}/bin/python -c 'import lab.cloud.drivers.libvirt'",
                         check=False).ok
        if not has_driver:
            self.report("tiny guest", False, "skipped: this StackLab has no libvirt driver yet")
            return
        self.libvirt_driver = True
        if run(self.c, f"{stacklab} image build-tiny --help", check=False).failed:
            self.report("tiny guest", False, "skipped: this StackLab has no `stacklab image build-tiny`")
            return
        marker = f"{self.o.data_dir}/.tiny-guest-built"
        if run(self.c, f"sudo -n test -e {shlex.quote(marker)}", check=False).ok:
            self.report("tiny guest", False, "built")
            return
        sudo(self.c, f"{stacklab} --config {shlex.quote(self.o.config_path)} image build-tiny && "
                     f"touch {shlex.quote(marker)}")
        self.report("tiny guest", True, "built")

    def settings(self) -> dict[str, object]:
        values: dict[str, object] = {"host": self.o.bind_host, "port": self.o.port, "data_dir": self.o.data_dir}
        if self.o.public_url:
            values["public_url"] = self.o.public_url
        if self.o.admin_password:
            values["admin_password"] = self.o.admin_password
        if self.libvirt_driver:  # real guests on real networks: students ping and ssh them via floating IPs
            values["compute_driver"] = "libvirt"
            values["network_driver"] = "linux"
        values.update(self.o.extra_settings)
        return values

    def config(self) -> None:
        text = ("# Written by `stacklab deploy` (lab/deploy/tasks.py); edits are replaced on the next run.\n"
                + yaml.safe_dump(self.settings(), sort_keys=True))
        if read_root_file(self.c, self.o.config_path) == text:
            self.report("config", False, self.o.config_path)
            return
        put_text(self.c, text, self.o.config_path, "0640", group=self.o.run_as)
        self.restart_needed = True
        self.report("config", True, self.o.config_path)

    def choose_supervisor(self) -> None:
        mode = self.o.supervisor
        if mode == "auto":
            # The test systemd itself documents (sd_booted): this directory exists only when it is PID 1.
            mode = "systemd" if run(self.c, "test -d /run/systemd/system", check=False).ok else "pidfile"
        self.supervisor = mode
        detail = ("systemd unit" if mode == "systemd"
                  else f"no systemd as PID 1: start-stop-daemon with pid file {self.o.pid_file}")
        self.report("supervisor", False, detail)

    def spec(self) -> ServiceSpec:
        o = self.o
        return ServiceSpec(o.service_name, "StackLab OpenStack training cloud",
                           (f"{o.venv}/bin/stacklab", "--config", o.config_path, "up"), o.run_as, o.data_dir, o.prefix)

    def systemd_unit(self) -> None:
        if install_unit(self, self.spec(), "systemd unit"):
            self.restart_needed = True

    def service(self) -> None:
        ensure_running(self, self.spec(), self.restart_needed, "service")

    def api_check(self) -> None:
        """GET /identity on the target itself must answer 300 (Keystone's version list), within a bounded wait."""
        probe = textwrap.dedent(f"""\
            import sys, time, httpx
            for _ in range({API_WAIT_SECONDS * 4}):
                try:
                    status = httpx.get("http://127.0.0.1:{self.o.port}/identity", timeout=2).status_code
                    if status == 300:
                        sys.exit(0)
                except httpx.HTTPError:
                    pass
                time.sleep(0.25)
            sys.exit(1)
            """)
        result = run(self.c, f"{shlex.quote(self.o.venv)}/bin/python -c {shlex.quote(probe)}", check=False)
        if result.failed:
            hint = (f"see `journalctl -u {self.o.service_name}`" if self.supervisor == "systemd"
                    else f"see {self.o.log_file}")
            raise DeployError(f"{self.label}: StackLab did not answer GET /identity with 300 on port "
                              f"{self.o.port} within {API_WAIT_SECONDS} s; {hint}")
        self.report("api", False, f"GET http://127.0.0.1:{self.o.port}/identity -> 300")


def deploy(c: Connection, options: DeployOptions | None = None, wheelhouse: Wheelhouse | None = None,
           echo: Callable[[str], None] = print, dashboard_wheels: Tree | None = None) -> DeployResult:
    """Install, configure, start and check StackLab on the host behind `c`; idempotent."""
    options = options or DeployOptions()
    if options.dashboard and dashboard_wheels is None:
        dashboard_wheels = build_dashboard_wheels()
    return Deployment(c, options, wheelhouse or build_wheelhouse(extras=options.extras), echo,
                      dashboard_wheels).run()


def stop_service(c: Connection, options: DeployOptions, everything: bool = False) -> None:
    """Stop StackLab on the target, whichever supervisor runs it (used by `vm reset` and test clean-up);
    `everything` also stops the course site, JupyterLab and the dashboard."""
    q = shlex.quote
    names = [options.service_name]
    if everything:
        names += [f"{options.service_name}-{extra}" for extra in ("course", "jupyter", "dashboard")]
    systemd = run(c, "test -d /run/systemd/system", check=False).ok
    for name in names:
        if systemd:
            sudo(c, f"systemctl stop {q(name)}", check=False)
        sudo(c, f"start-stop-daemon --stop --pidfile {q(f'{options.prefix}/{name}.pid')} --retry TERM/15/KILL/5 "
                "--remove-pidfile --oknodo", check=False)


# ------------------------------------------------------------------------------ Fabric tasks (for `fab`)
@task(name="deploy")
def deploy_task(c: Connection, port: int = 8780, bind: str = "0.0.0.0", libvirt: bool = False,
                course: bool = True, jupyter: bool = True, dashboard: bool = True) -> None:
    """Install, configure, start and check StackLab, the course site, JupyterLab and the dashboard (idempotent)."""
    result = deploy(c, DeployOptions(port=int(port), bind_host=bind, libvirt=bool(libvirt), course=bool(course),
                                     jupyter=bool(jupyter), dashboard=bool(dashboard)))
    print(result.credentials_text())


def _single_step(c: Connection, *names: str) -> None:
    options = DeployOptions()
    d = Deployment(c, options, build_wheelhouse(extras=options.extras), dashboard_wheels=build_dashboard_wheels())
    if "service" in names:
        d.choose_supervisor()
    for name in names:
        if name == "systemd_unit" and d.supervisor != "systemd":
            continue
        getattr(d, name)()


@task
def packages(c: Connection) -> None:
    """Install the Debian packages StackLab needs."""
    _single_step(c, "system_packages")


@task
def install(c: Connection) -> None:
    """Ship the wheelhouse and install StackLab into its virtualenv."""
    _single_step(c, "service_user", "directories", "ship_wheelhouse", "virtualenv", "install_stacklab")


@task
def configure(c: Connection) -> None:
    """Write /etc/stacklab/stacklab.yaml."""
    _single_step(c, "config")


@task
def service(c: Connection) -> None:
    """Install the systemd unit (or use the pid-file fallback) and make sure the service runs."""
    _single_step(c, "systemd_unit", "service")


@task
def check(c: Connection) -> None:
    """Check that the API answers GET /identity with 300."""
    _single_step(c, "api_check")
