"""The lab's entries in the user's `clouds.yaml`, where the `openstack` CLI and openstacksdk look for clouds.

`stacklab up` writes two entries, `stacklab` (the admin) and `stacklab-demo` (a member of the `demo` project),
into the standard file, merged: other clouds, keys and comments are kept as they were (ruamel.yaml round-trip),
and the previous file is kept beside it as `clouds.yaml.bak`. The file is written only when an entry changed.
Each entry lists every region of the lab's catalog under `regions:` (RegionOne first, the default), so
openstacksdk accepts `--os-region-name` for any of them.
"""

from __future__ import annotations

import os
import shlex
import shutil
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lab.config import Settings

if TYPE_CHECKING:  # ruamel is imported where a file is written: `stacklab up --no-clouds-yaml` need not import it
    from ruamel.yaml import YAML

ADMIN_CLOUD = "stacklab"
DEMO_CLOUD = "stacklab-demo"
ADMIN_PASSWORD_FILE = "admin-password"


def clouds_yaml_path(environ: dict[str, str] | os._Environ[str] | None = None) -> Path:
    """The file to write: `$OS_CLIENT_CONFIG_FILE` when set (openstacksdk reads it first), else
    `$XDG_CONFIG_HOME/openstack/clouds.yaml`, else `~/.config/openstack/clouds.yaml`."""
    env = os.environ if environ is None else environ
    if env.get("OS_CLIENT_CONFIG_FILE"):
        return Path(env["OS_CLIENT_CONFIG_FILE"]).expanduser()
    config_home = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home).expanduser() / "openstack" / "clouds.yaml"


def admin_password(settings: Settings) -> str | None:
    """The admin password: the configured one, else the one identity's bootstrap saved in the data directory
    (None before the first start)."""
    if settings.admin_password:
        return settings.admin_password
    path = settings.data_dir / ADMIN_PASSWORD_FILE
    return path.read_text().strip() if path.exists() else None


DEFAULT_REGION = "RegionOne"


def catalog_regions(settings: Settings) -> list[str]:
    """The regions of the lab's catalog (its database's), RegionOne first; just RegionOne when there is no
    database yet. openstacksdk refuses a `--os-region-name` that the entry's `regions:` does not list."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    found: list[str] = []
    url = settings.sqlalchemy_url
    if not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).exists():
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                found = [str(r) for r in conn.execute(text("SELECT id FROM regions ORDER BY id")).scalars()]
        except SQLAlchemyError:  # no regions table yet (a lab never started): the default region only
            found = []
        finally:
            engine.dispose()
    return [DEFAULT_REGION, *(r for r in found if r != DEFAULT_REGION)]


def _entry(settings: Settings, user: str, password: str, project: str,
           regions: list[str] | None = None) -> dict[str, Any]:
    return {
        "auth": {"auth_url": f"{settings.endpoint}/identity", "username": user, "password": password,
                 "project_name": project, "user_domain_name": "Default", "project_domain_name": "Default"},
        "region_name": DEFAULT_REGION,
        "regions": list(regions or [DEFAULT_REGION]),
        "interface": "public",
        "identity_api_version": 3,
    }


def student_entry(auth_url: str, user: str, password: str, project: str | None = None) -> dict[str, Any]:
    """A class student's clouds.yaml entry (named after the student by the caller): their own user and project
    in the Default domain, at the lab's public `auth_url`."""
    return {"auth": {"auth_url": auth_url, "username": user, "password": password, "project_name": project or user,
                     "user_domain_name": "Default", "project_domain_name": "Default"},
            "region_name": "RegionOne", "interface": "public", "identity_api_version": 3}


def openrc(auth_url: str, user: str, password: str, project: str | None = None) -> str:
    """The same credentials as an openrc file (`source student07-openrc.sh`), the OS_* variables Horizon's
    "OpenStack RC file" sets."""
    values = {"OS_AUTH_URL": auth_url, "OS_USERNAME": user, "OS_PASSWORD": password,
              "OS_PROJECT_NAME": project or user, "OS_USER_DOMAIN_NAME": "Default",
              "OS_PROJECT_DOMAIN_NAME": "Default", "OS_REGION_NAME": "RegionOne", "OS_INTERFACE": "public",
              "OS_IDENTITY_API_VERSION": "3"}
    lines = [f"# StackLab credentials of {user}: `source` this file, then run `openstack` commands.",
             "# It holds a password: keep it to yourself (chmod 600)."]
    return "\n".join([*lines, *(f"export {k}={shlex.quote(v)}" for k, v in values.items())]) + "\n"


def lab_entries(settings: Settings) -> dict[str, dict[str, Any]]:
    """The `stacklab` (admin) and `stacklab-demo` (demo member) entries for this lab.
    Raises RuntimeError when the admin password is not known yet (the lab never started)."""
    password = admin_password(settings)
    if password is None:
        raise RuntimeError(f"no admin password yet: {settings.data_dir / ADMIN_PASSWORD_FILE} is written by the "
                           "first `stacklab up` (or set --admin-password / STACKLAB_ADMIN_PASSWORD)")
    regions = catalog_regions(settings)
    return {ADMIN_CLOUD: _entry(settings, "admin", password, "admin", regions),
            DEMO_CLOUD: _entry(settings, "demo", settings.demo_password, "demo", regions)}


def _yaml() -> YAML:
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: keeps comments, key order and quoting of what it does not change
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    return yaml


def render(entries: dict[str, dict[str, Any]]) -> str:
    """The entries as a clouds.yaml document (what `stacklab clouds-yaml` prints)."""
    out = StringIO()
    _yaml().dump({"clouds": entries}, out)
    return out.getvalue()


def merge_into(path: Path, entries: dict[str, dict[str, Any]]) -> bool:
    """Put `entries` under `clouds:` in the file at `path`, keeping everything else. Returns True when the file
    changed (then the old one, if any, is saved as `<path>.bak`). Raises ValueError when the existing file is
    not a clouds.yaml mapping (it is then left alone)."""
    from ruamel.yaml.comments import CommentedMap

    yaml = _yaml()
    original = path.read_text() if path.exists() else ""
    document = yaml.load(original) if original.strip() else None
    if document is None:
        document = CommentedMap()
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not a YAML mapping; not touching it")
    clouds = document.get("clouds")
    if clouds is None:
        clouds = document["clouds"] = CommentedMap()
    if not isinstance(clouds, dict):
        raise ValueError(f"{path}: `clouds` is not a mapping; not touching it")
    if all(_plain(clouds.get(name)) == entry for name, entry in entries.items()):
        return False
    for name, entry in entries.items():
        clouds[name] = entry
    out = StringIO()
    yaml.dump(document, out)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        shutil.copy2(path, path.with_name(path.name + ".bak"))
    # The entries hold passwords: the file is the user's only (as openstacksdk recommends).
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(out.getvalue())
    tmp.chmod(0o600)
    tmp.replace(path)
    return True


def _plain(value: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists, for comparison."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
