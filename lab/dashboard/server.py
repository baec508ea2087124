"""Configure and start Horizon for one lab: its settings in the lab's data directory, its static files collected
and compressed once per Horizon install, gunicorn serving it on its own port.

What goes where:

- `<data-dir>/dashboard/local/local_settings.py`: the settings for this lab (Keystone URL, allowed hosts, the
  session folder), rewritten at every start from the lab's settings; Horizon's own settings module imports
  `local.local_settings`, and this `local` package is first on gunicorn's path.
- `<data-dir>/dashboard/secret-key` (0600): Django's SECRET_KEY, generated once and kept, so sessions outlive
  a restart.
- `<data-dir>/dashboard/sessions/`: Django's file-based sessions (each holds a user's Keystone token).
- `<data-dir>/dashboard/policy/glance_policy.yaml`: Horizon's copy of the image service's policy, written from
  the lab's own rules in force (its `policy.yaml` overrides included), as Horizon's docs ask of a deployment:
  Horizon hides what its copy forbids, and the copy it ships (Zed Glance's `add_image`, which checks an
  `owner` Horizon's check never passes) would hide **Create Image** from every member.
- `<horizon venv>/stacklab-static/`: the collected and offline-compressed static files, shared by every lab
  (they depend on Horizon's version and the settings below that do not name a lab, never on a lab).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from lab.config import Settings, private_dir, write_private

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON_ENV = "STACKLAB_DASHBOARD_PYTHON"
DEFAULT_VENV = ROOT / ".venv-dashboard"
DEFAULT_PORT = 8781
STATIC_DIR = "stacklab-static"
# Bumped when the settings that shape the compressed files change: the files are then built again.
STATIC_RECIPE = "1"
START_TIMEOUT = 120.0  # gunicorn imports Django and Horizon's panels before it listens: seconds on 2 cores


class DashboardUnavailable(RuntimeError):
    """Horizon is not installed where the lab looks for it."""


def horizon_python() -> Path:
    """The Python that has Horizon: $STACKLAB_DASHBOARD_PYTHON, else the repository's .venv-dashboard."""
    given = os.environ.get(PYTHON_ENV)
    python = Path(given) if given else DEFAULT_VENV / "bin" / "python"
    if not python.exists():
        raise DashboardUnavailable(f"Horizon is not installed: {python} does not exist. Run scripts/setup.sh "
                                   f"(it makes {DEFAULT_VENV.name}), or set {PYTHON_ENV} to a Python that has "
                                   "horizon, gunicorn and whitenoise.")
    return python


def static_root(python: Path) -> Path:
    """Where the collected static files of this Horizon install live (beside its virtual environment)."""
    return python.absolute().parent.parent / STATIC_DIR


@dataclass
class Dashboard:
    """One lab's Horizon: where its files are and where it serves."""

    settings: Settings
    host: str
    port: int
    python: Path

    @property
    def home(self) -> Path:
        return self.settings.data_dir / "dashboard"

    @property
    def url(self) -> str:
        """The address students open: the lab's public host, the dashboard's port."""
        public = urlsplit(self.settings.endpoint)
        return f"{public.scheme}://{public.hostname}:{self.port}/"

    @property
    def static_root(self) -> Path:
        return static_root(self.python)

    @property
    def keystone_url(self) -> str:
        return f"{self.settings.endpoint}/identity/v3"

    def allowed_hosts(self) -> list[str]:
        names = {"127.0.0.1", "localhost", urlsplit(self.settings.endpoint).hostname or "127.0.0.1"}
        if self.host not in ("", "0.0.0.0", "::"):
            names.add(self.host)
        return sorted(names)

    def write_settings(self) -> Path:
        """Write this lab's local_settings.py (and the secret key, once); returns the folder to put on the path."""
        private_dir(self.home)
        key_file = self.home / "secret-key"
        if not key_file.exists():
            write_private(key_file, secrets.token_urlsafe(48) + "\n")
        private_dir(self.home / "sessions")
        write_image_policy(self.home, self.settings)
        write_local_settings(self.home, lab_settings(self, key_file))
        return self.home

    def command(self) -> list[str]:
        """gunicorn serving Horizon: one process with threads (Horizon's memory is per process)."""
        return [str(self.python), "-m", "gunicorn", "--bind", f"{self.host or '0.0.0.0'}:{self.port}",
                "--worker-class", "gthread", "--workers", "1", "--threads", "4", "--timeout", "120",
                "--pythonpath", f"{self.home},{Path(__file__).parent / 'wsgi'}", "--chdir", str(self.home),
                "--error-logfile", "-", "stacklab_horizon_wsgi:application"]

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")}
        env["DJANGO_SETTINGS_MODULE"] = "openstack_dashboard.settings"
        env["PYTHONPATH"] = str(self.home)
        # Horizon's client libraries keep caches in HOME (novaclient makes ~/.novaclient): give them the data
        # directory's, so the dashboard never writes into the user's home.
        home = private_dir(self.home / "home")
        env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), XDG_CONFIG_HOME=str(home / ".config"),
                   XDG_DATA_HOME=str(home / ".local" / "share"))
        return env

    def prepare_static(self, echo: bool = True) -> bool:
        """Collect and compress Horizon's static files once per install (about a minute); True if it ran."""
        root = static_root(self.python)
        stamp = root / ".stacklab-prepared"
        if stamp.exists() and stamp.read_text().strip() == STATIC_RECIPE:
            return False
        if echo:
            print(f"dashboard: collecting and compressing Horizon's static files into {root} (once)",
                  file=sys.stderr)
        for step in (["collectstatic", "--noinput", "--verbosity", "0"], ["compress", "--force",
                                                                          "--verbosity", "0"]):
            subprocess.run([str(self.python), "-m", "django", *step], env=self.environment(), cwd=self.home,
                           check=True, stdout=subprocess.DEVNULL)
        stamp.write_text(STATIC_RECIPE + "\n")
        return True

    def start(self, log: Path | None = None) -> subprocess.Popen[bytes]:
        """Write the settings, make sure the static files are there, start gunicorn and wait until it answers."""
        import httpx

        self.write_settings()
        self.prepare_static()
        out = open(log, "ab") if log else None  # noqa: SIM115 - lives as long as the process
        process = subprocess.Popen(self.command(), env=self.environment(), cwd=self.home, stdout=out,
                                   stderr=subprocess.STDOUT if out else None)
        local = f"http://127.0.0.1:{self.port}/auth/login/"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise DashboardUnavailable(f"Horizon exited with {process.returncode}"
                                           + (f"; see {log}" if log else ""))
            try:
                if httpx.get(local, timeout=5).status_code == 200:
                    return process
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        stop(process)
        raise DashboardUnavailable(f"Horizon did not answer on port {self.port} within {START_TIMEOUT:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn gracefully (SIGTERM lets it finish its requests), then for good."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def lab_settings(dashboard: Dashboard, key_file: Path) -> dict[str, object]:
    """The values local_settings.py sets, by name (each one Horizon's documented setting)."""
    home = dashboard.home
    return {
        "DEBUG": False,
        "ALLOWED_HOSTS": dashboard.allowed_hosts(),
        "SECRET_KEY_FILE": str(key_file),
        "OPENSTACK_KEYSTONE_URL": dashboard.keystone_url,
        "OPENSTACK_KEYSTONE_DEFAULT_DOMAIN": "Default",
        "OPENSTACK_KEYSTONE_MULTIDOMAIN_SUPPORT": False,
        "OPENSTACK_KEYSTONE_DEFAULT_ROLE": "member",
        "OPENSTACK_ENDPOINT_TYPE": "publicURL",
        "OPENSTACK_API_VERSIONS": {"identity": 3, "image": 2, "volume": 3, "compute": 2},
        # A token lives in the session: files in the data directory, never a cookie the browser holds.
        "SESSION_ENGINE": "django.contrib.sessions.backends.file",
        "SESSION_FILE_PATH": str(home / "sessions"),
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        # Plain HTTP, like the lab's API: secure cookies would never be sent back.
        "CSRF_COOKIE_SECURE": False,
        "SESSION_COOKIE_SECURE": False,
        "STATIC_ROOT": str(static_root(dashboard.python)),
        "COMPRESS_OFFLINE": True,
        "COMPRESS_ENABLED": True,
        "TIME_ZONE": "UTC",
        "OPENSTACK_NEUTRON_NETWORK": {"enable_router": True, "enable_quotas": True, "enable_ipv6": True,
                                      "enable_distributed_router": False, "enable_ha_router": False,
                                      "enable_fip_topology_check": True},
        "OPENSTACK_CINDER_FEATURES": {"enable_backup": True},
        # Boot from the image by default: a lab's first instance should not also make a volume.
        "LAUNCH_INSTANCE_DEFAULTS": {"config_drive": False, "create_volume": False, "hide_create_volume": False,
                                     "disable_image": False, "disable_instance_snapshot": False,
                                     "disable_volume": False, "disable_volume_snapshot": False,
                                     "enable_scheduler_hints": True, "enable_metadata": True,
                                     "enable_net_ports": True, "default_availability_zone": "Any"},
        # Horizon's own copies of the services' policies, but the image service's: the lab's (see above).
        "POLICY_FILES": {"identity": "keystone_policy.yaml", "compute": "nova_policy.yaml",
                         "volume": "cinder_policy.yaml", "image": str(image_policy_file(home)),
                         "network": "neutron_policy.yaml"},
        "OPENSTACK_HYPERVISOR_FEATURES": {"can_set_mount_point": False, "can_set_password": False,
                                          "requires_keypair": False, "enable_quotas": True},
    }


def image_policy_file(home: Path) -> Path:
    return home / "policy" / "glance_policy.yaml"


def write_image_policy(home: Path, settings: Settings) -> Path:
    """Horizon's copy of the image policy: the lab's image rules in force and the base rules they are written
    with (Horizon falls back to Zed's defaults for any rule not named here)."""
    import yaml

    from lab.cloud.image.policies import RULES
    from lab.cloud.policy import Policy

    table = Policy(RULES, settings.data_dir / "policy.yaml")
    rules = {name: check for name, check in table.rules.items() if name in table.defaults}
    path = image_policy_file(home)
    private_dir(path.parent)
    write_private(path, "# Written by `stacklab dashboard` from the lab's policy in force: edits here are lost.\n"
                  + yaml.safe_dump(rules, sort_keys=False, width=200))
    return path


def write_local_settings(home: Path, values: dict[str, object]) -> Path:
    """Write `home/local/local_settings.py` (0600: it names the secret key's file) and its package marker."""
    package = private_dir(home / "local")
    write_private(package / "__init__.py", "")
    lines = ["# Written by `stacklab dashboard` at every start, from the lab's settings: edits here are lost.",
             "import logging"]
    for name, value in values.items():
        if name == "SECRET_KEY_FILE":
            lines.append(f"with open({value!r}) as _f:\n    SECRET_KEY = _f.read().strip()")
        else:
            lines.append(f"{name} = {value!r}")
    # Warnings and errors to gunicorn's log (stderr); Horizon's default config logs nothing useful here.
    lines.append("LOGGING = {'version': 1, 'disable_existing_loggers': False, 'handlers': {'console': "
                 "{'class': 'logging.StreamHandler'}}, 'root': {'handlers': ['console'], 'level': 'WARNING'}}")
    path = package / "local_settings.py"
    write_private(path, "\n".join(lines) + "\n")
    return path
