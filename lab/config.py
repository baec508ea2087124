"""StackLab's settings: one dataclass, filled from flags > `STACKLAB_*` environment > a config file > defaults.

Every part of the lab (the cloud, the CLI, the console, the camp tools) reads the same `Settings`, so a value
set once (say `STACKLAB_PORT=9000`) means the same thing everywhere.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PORT = 8780
CONFIG_FILE_NAME = "stacklab.yaml"
# Written by `stacklab up` into its data directory: where that lab serves, so `stacklab info --data-dir X`
# and the admin commands find the lab of X without being told its port again.
ENDPOINT_FILE = "endpoint.json"
# Settings that say which lab a command means; given as a flag or STACKLAB_* variable, they win over clouds.yaml.
LAB_NAMING = ("data_dir", "port", "host", "public_url", "database_url")
# The data directory holds passwords and every student's state: the owner's only.
DIR_MODE = 0o700
FILE_MODE = 0o600


def default_data_dir() -> Path:
    """The data directory used when none is given: XDG's data home, like other per-user tools."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "stacklab"


@dataclass
class Settings:
    """Everything configurable about one lab. Field names are the config-file keys and, upper-cased with a
    `STACKLAB_` prefix, the environment variables."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path = field(default_factory=default_data_dir)
    # SQLAlchemy URL; empty means SQLite at <data_dir>/stacklab.db.
    database_url: str = ""
    # The URL clients are told to use (catalog, discovery). Empty means http://host:port.
    public_url: str = ""
    admin_password: str = ""
    demo_password: str = "demo"
    compute_driver: str = "fake"
    network_driver: str = "logical"
    # The linux network driver's "host": empty for the machine itself (the classroom VM), else a network
    # namespace it makes and treats as the host, prefixing every namespace it makes with that name (tests).
    linux_host_netns: str = ""
    # The segment type tenant networks get (Neutron's ml2 tenant_network_types): vxlan or vlan.
    network_tenant_type: str = "vxlan"
    # Segment id ranges, as Neutron's ml2_type_vlan network_vlan_ranges ("physnet:first:last") and
    # ml2_type_vxlan vni_ranges ("first:last"). 802.1Q leaves 12 bits for the VLAN id: 4094 at most.
    network_vlan_range: str = "physnet1:1:4094"
    network_vxlan_range: str = "1:1000"
    volume_driver: str = "file"
    # The volume backend's size: the sum of all volume and snapshot sizes may not pass it (files are sparse).
    volume_capacity_gb: int = 100
    # Volume file format: auto (qcow2 when qemu-img is installed, else raw), raw or qcow2.
    volume_format: str = "auto"
    # Where the libvirt compute driver connects (test:///<file>.xml in tests; StackLab starts a private libvirtd
    # for qemu:///system when none runs and it is root).
    libvirt_uri: str = "qemu:///system"
    # Seconds a simulated guest takes from BUILD to ACTIVE. Small but not zero, as on a real cloud.
    boot_seconds: float = 1.0
    # Seconds a guest may take to finish booting (a real driver: its ready marker on the console) before the
    # server goes to ERROR; TCG boots take 10-30 s under load.
    boot_timeout: float = 300.0
    # Nova's shelved_offload_time: 0 offloads a shelved server at once (its guest leaves the host and its flavor
    # is no longer charged); -1 keeps it SHELVED until `openstack server shelve --offload` / shelveOffload.
    shelved_offload_time: int = 0
    token_ttl_seconds: int = 24 * 3600
    # Aodh's evaluation_interval: lab seconds between two rounds of the alarm evaluator.
    alarm_evaluation_interval: float = 60.0
    # Largest page a list returns when the client asks for none or for more.
    max_page_size: int = 1000
    # Largest image upload accepted, in bytes (Glance's image_size_cap); a bigger one is refused with 413.
    image_size_cap: int = 10 * 1024**3
    # Largest request body (JSON) accepted, in bytes (oslo.middleware's max_request_body_size); a bigger one is
    # refused with 413 before it is read. Image data is limited by image_size_cap instead.
    max_request_body_size: int = 114_688
    log_level: str = "warning"
    # Billing: the price list (a YAML file; empty: the one shipped in lab/cloud/billing/default_prices.yaml),
    # the currency every amount is in, the mode and starting balance a project's account gets when billing
    # first sees it, and what happens to a prepaid project's running servers at zero balance (stop or none).
    billing_price_file: str = ""
    billing_currency: str = "USD"
    billing_default_mode: str = "payg"
    billing_starting_balance: str = "100.00"
    billing_zero_balance_action: str = "stop"

    @property
    def endpoint(self) -> str:
        """The base URL every catalog entry and discovery link is built from."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'stacklab.db'}"

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with the given fields replaced; `None` values are ignored (an unset flag)."""
        given = {k: v for k, v in values.items() if v is not None}
        return _coerce(dataclasses.replace(self, **given))


def _coerce(settings: Settings) -> Settings:
    """Turn strings from the environment or YAML into each field's declared type."""
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        kind = f.type if isinstance(f.type, str) else f.type.__name__
        if kind == "int" and not isinstance(value, int):
            setattr(settings, f.name, int(value))
        elif kind == "float" and not isinstance(value, float):
            setattr(settings, f.name, float(value))
        elif kind == "Path" and not isinstance(value, Path):
            setattr(settings, f.name, Path(value).expanduser())
    return settings


def private_dir(path: Path) -> Path:
    """Create `path` (and its parents) if needed and make it the owner's only (0700). Returns it."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    path.chmod(DIR_MODE)
    return path


def private_tree(root: Path, skip: tuple[str, ...] = ("libvirtd",)) -> None:
    """Make `root` and everything in it the owner's only: folders 0700, regular files 0600 (symbolic links and
    sockets are left alone, and so are the `skip` folders: a private libvirtd's runtime state has its own
    modes). A lab made before its files were private is put right at its next start."""
    private_dir(root)
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip and not os.path.islink(os.path.join(folder, d))]
        for name in dirs:
            os.chmod(os.path.join(folder, name), DIR_MODE)
        for name in files:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                os.chmod(path, FILE_MODE)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` as a 0600 file, atomically (a reader sees the old or the new file)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, FILE_MODE)  # an older tmp file kept its mode through O_CREAT
    os.replace(tmp, path)


def record_endpoint(settings: Settings) -> None:
    """Note in the data directory where this lab serves (see ENDPOINT_FILE)."""
    write_private(settings.data_dir / ENDPOINT_FILE, json.dumps(
        {"host": settings.host, "port": settings.port, "public_url": settings.public_url}) + "\n")


def recorded_endpoint(data_dir: Path) -> dict[str, Any]:
    """{host, port, public_url} as the last `stacklab up` of `data_dir` recorded them ({} if never started)."""
    try:
        found = json.loads((data_dir / ENDPOINT_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return {k: found[k] for k in ("host", "port", "public_url") if isinstance(found, dict) and k in found}


def load_settings(config_file: Path | None = None, environ: dict[str, str] | None = None,
                  client: bool = False, **flags: Any) -> Settings:
    """Build the settings: defaults, then the config file, then `STACKLAB_*` variables, then flags.

    The config file is `config_file`, else `$STACKLAB_CONFIG`, else `<data_dir>/stacklab.yaml` if it exists.
    With `client` (a command that talks to a running lab rather than starting one), the host, port and public
    URL that no layer sets come from the data directory's ENDPOINT_FILE, so the lab of that folder is meant.
    Raises ValueError on an unknown key in the file, so a typo does not pass silently.
    """
    env = os.environ if environ is None else environ
    names = {f.name for f in dataclasses.fields(Settings)}
    from_env = {n: env[f"STACKLAB_{n.upper()}"] for n in names if f"STACKLAB_{n.upper()}" in env}

    data_dir = flags.get("data_dir") or from_env.get("data_dir") or default_data_dir()
    path = config_file or (Path(env["STACKLAB_CONFIG"]) if env.get("STACKLAB_CONFIG") else None)
    if path is None and (Path(data_dir).expanduser() / CONFIG_FILE_NAME).exists():
        path = Path(data_dir).expanduser() / CONFIG_FILE_NAME
    from_file: dict[str, Any] = {}
    if path is not None:
        from_file = yaml.safe_load(Path(path).read_text()) or {}
        unknown = set(from_file) - names
        if unknown:
            raise ValueError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(sorted(names))}")
    settings = Settings()
    for layer in (from_file, from_env, flags):
        settings = settings.with_overrides(**{k: v for k, v in layer.items() if k in names})
    if client:
        given = {k for layer in (from_file, from_env, flags) for k, v in layer.items() if v is not None}
        if not given & {"host", "port", "public_url"}:
            settings = settings.with_overrides(**recorded_endpoint(settings.data_dir))
    return settings


def names_lab(config_file: Path | None = None, environ: dict[str, str] | None = None, **flags: Any) -> bool:
    """True when the flags, the `STACKLAB_*` environment or an explicit config file say which lab is meant
    (LAB_NAMING): then a client uses that lab's settings, not whatever the user's clouds.yaml says."""
    env = os.environ if environ is None else environ
    return (config_file is not None or bool(env.get("STACKLAB_CONFIG"))
            or any(flags.get(n) is not None or f"STACKLAB_{n.upper()}" in env for n in LAB_NAMING))
