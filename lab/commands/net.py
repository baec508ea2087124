"""`stacklab net show ID`: what the linux network driver built on the host for a network, router or port, so a
student sees the bridge, namespaces, taps, dnsmasq and rules behind an OpenStack resource (Neutron's picture)."""

from __future__ import annotations

from typing import Any

import click

from lab.commands.options import lab_options, settings_from


@click.group()
def net() -> None:
    """Look at what the linux network driver built on the host."""


@net.command("show")
@click.argument("resource_id")
@lab_options
@click.pass_context
def show(ctx: click.Context, resource_id: str, **values: Any) -> None:
    """Print the namespace, bridge, taps and rules behind a network, router or port id (root only)."""
    from lab.cloud.drivers import load_driver
    from lab.cloud.drivers.base import DriverError

    settings = settings_from(ctx, values, client=True)
    if settings.network_driver != "linux":
        raise click.ClickException(f"this lab's network driver is {settings.network_driver!r}: its networks are "
                                   "data only, nothing is built on the host (see `--network-driver linux`)")
    try:
        driver = load_driver("network", "linux", settings)
        text = driver.describe(resource_id)
    except DriverError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(text, nl=False)
