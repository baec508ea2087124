"""`stacklab info` (where the lab is and how to log in) and `stacklab clouds-yaml` (its clouds.yaml entries)."""

from __future__ import annotations

from typing import Any

import click

from lab import clouds_yaml
from lab.commands.options import lab_options, settings_from


@click.command()
@lab_options
@click.pass_context
def info(ctx: click.Context, **values: Any) -> None:
    """Show the lab's endpoint, data directory, drivers and credentials, and whether it is running."""
    import httpx  # here, not at the top: `stacklab up` should not pay for it

    settings = settings_from(ctx, values, client=True)  # the lab of --data-dir, where it last served
    try:
        running = httpx.get(f"{settings.endpoint}/identity", timeout=2).status_code in (200, 300)
    except httpx.HTTPError:
        running = False
    password = clouds_yaml.admin_password(settings) or "(not created yet: start the lab once)"
    rows = [
        ("endpoint", f"{settings.endpoint} ({'running' if running else 'not running'})"),
        ("auth URL", f"{settings.endpoint}/identity"),
        ("data dir", str(settings.data_dir)),
        ("database", settings.sqlalchemy_url),
        ("drivers", f"compute {settings.compute_driver}, network {settings.network_driver}, "
                    f"volume {settings.volume_driver}"),
        ("admin", f"user admin, password {password}, project admin"),
        ("demo", f"user demo, password {settings.demo_password}, project demo"),
        ("clouds.yaml", f"{clouds_yaml.clouds_yaml_path()} (entries {clouds_yaml.ADMIN_CLOUD}, "
                        f"{clouds_yaml.DEMO_CLOUD})"),
    ]
    for key, value in rows:
        click.echo(f"{key + ':':<13}{value}")


@click.command("clouds-yaml")
@lab_options
@click.option("--write", is_flag=True, default=False,
              help="Merge the entries into your clouds.yaml (as `stacklab up` does) instead of printing them.")
@click.pass_context
def clouds_yaml_command(ctx: click.Context, write: bool, **values: Any) -> None:
    """Print the lab's clouds.yaml entries (`stacklab` = admin, `stacklab-demo` = demo member), or write them.

    The file written is $OS_CLIENT_CONFIG_FILE if set, else $XDG_CONFIG_HOME/openstack/clouds.yaml
    (~/.config/openstack/clouds.yaml); other clouds and comments in it are kept, and the previous file is
    saved as clouds.yaml.bak.
    """
    settings = settings_from(ctx, values)
    try:
        entries = clouds_yaml.lab_entries(settings)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    if not write:
        click.echo(clouds_yaml.render(entries), nl=False)
        return
    path = clouds_yaml.clouds_yaml_path()
    try:
        changed = clouds_yaml.merge_into(path, entries)
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{'wrote' if changed else 'unchanged:'} entries {', '.join(entries)} in {path}")
