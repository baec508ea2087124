"""Options shared by the commands that describe one lab (`up`, `info`, `clouds-yaml`) or talk to a running one
(`clock`, `class`, `snapshot`: `--data-dir`, `--port`), and turning them into Settings with the usual
precedence: flags > `STACKLAB_*` environment > config file > defaults."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from lab.config import Settings, load_settings, names_lab

F = TypeVar("F", bound=Callable[..., Any])

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")

_OPTIONS = [
    click.option("--host", default=None, help="Address to bind (env STACKLAB_HOST; default 127.0.0.1). "
                                              "Use 0.0.0.0 to serve a classroom: clients are then told this "
                                              "machine's address on its default route, or --public-url."),
    click.option("--port", type=int, default=None, help="Port to bind (env STACKLAB_PORT; default 8780)."),
    click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
                 help="Where the lab keeps its state: database, images, volumes, admin password "
                      "(env STACKLAB_DATA_DIR; default ~/.local/share/stacklab)."),
    click.option("--compute-driver", "--compute", "compute_driver", default=None,
                 help="Compute driver: fake (simulated guests, the default) or libvirt "
                      "(env STACKLAB_COMPUTE_DRIVER)."),
    click.option("--network-driver", "network_driver", default=None,
                 help="Network driver: logical (networks as data, the default) or linux (bridges, namespaces, "
                      "dnsmasq, nftables; root only) (env STACKLAB_NETWORK_DRIVER)."),
    click.option("--database-url", default=None,
                 help="SQLAlchemy database URL, e.g. postgresql://user:pw@host/stacklab "
                      "(env STACKLAB_DATABASE_URL; default SQLite in the data directory)."),
    click.option("--admin-password", default=None,
                 help="Password of the `admin` user (env STACKLAB_ADMIN_PASSWORD; default: generated on "
                      "first start and saved in <data-dir>/admin-password)."),
    click.option("--public-url", default=None,
                 help="URL clients are told to use, when it differs from http://host:port, e.g. behind a "
                      "proxy (env STACKLAB_PUBLIC_URL); needed for --host 0.0.0.0 on a machine without a "
                      "default route."),
    click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False), default=None,
                 help="Log level (env STACKLAB_LOG_LEVEL; default warning)."),
]

SETTING_NAMES = ("host", "port", "data_dir", "compute_driver", "network_driver", "database_url", "admin_password",
                 "public_url", "log_level")


def lab_options(fn: F) -> F:
    """Add the lab options (--host, --port, --data-dir, ...) to a command."""
    for option in reversed(_OPTIONS):
        fn = option(fn)
    return fn


TARGET_FLAGS = "stacklab.target"


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value is not None:
        ctx.meta.setdefault(TARGET_FLAGS, {})[param.name] = value
    return value


_TARGET_OPTIONS = [
    click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
                 expose_value=False, callback=_remember,
                 help="The lab of this data directory, at the address its last `stacklab up` recorded "
                      "(env STACKLAB_DATA_DIR). Given, it wins over your clouds.yaml."),
    click.option("--port", type=int, default=None, expose_value=False, callback=_remember,
                 help="The lab on this port of 127.0.0.1 (env STACKLAB_PORT). Given, it wins over your "
                      "clouds.yaml."),
]


def lab_target_options(fn: F) -> F:
    """Add --data-dir and --port to a command that talks to a running lab; `settings_from(ctx, {},
    client=True)` reads them."""
    for option in reversed(_TARGET_OPTIONS):
        fn = option(fn)
    return fn


def lab_is_named(ctx: click.Context) -> bool:
    """True when the flags, env or --config said which lab (then clouds.yaml is not asked; see names_lab)."""
    return bool(ctx.meta.get(f"{TARGET_FLAGS}.named"))


def settings_from(ctx: click.Context, values: dict[str, Any], client: bool = False) -> Settings:
    """Settings from the command's lab options (those in `values`, and --data-dir/--port of
    `lab_target_options`) over env, config file and defaults. With `client` the command talks to a running
    lab: its address comes from the data directory when nothing else gives it (see load_settings).
    Exits with a clear message when the config file or a value is wrong."""
    flags = {name: values.pop(name, None) for name in SETTING_NAMES}
    flags.update(ctx.meta.get(TARGET_FLAGS, {}))
    root = ctx.find_root()
    config_file = (root.obj or {}).get("config_file")
    ctx.meta[f"{TARGET_FLAGS}.named"] = names_lab(config_file, **flags)
    try:
        settings = load_settings(config_file, client=client, **flags)
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"cannot read the settings: {exc}") from None
    if settings.log_level.lower() not in LOG_LEVELS:
        raise click.ClickException(f"log level {settings.log_level!r}: choose one of {', '.join(LOG_LEVELS)}")
    settings.log_level = settings.log_level.lower()
    return settings
