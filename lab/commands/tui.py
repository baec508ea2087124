"""`stacklab tui`: the terminal console (a Textual app) on any clouds.yaml entry."""

from __future__ import annotations

import click


@click.command()
@click.option("--cloud", "cloud_name", default="stacklab-demo", show_default=True,
              help="clouds.yaml entry to use; any OpenStack cloud works (`stacklab` is the lab's admin).")
@click.option("--read-only", is_flag=True, default=False,
              help="Offer no action that changes the cloud (no launch, delete, attach, ...).")
@click.option("--refresh", type=click.FloatRange(min=0.5), default=2.0, show_default=True,
              help="Seconds between refreshes of the visible screen.")
def tui(cloud_name: str, read_only: bool, refresh: float) -> None:
    """Open the console: a terminal UI for the cloud's servers, networks, volumes and more.

    Press ? for every key, Ctrl+P for the command palette, q to quit.
    """
    from lab.tui.app import create_app
    from lab.tui.client import CloudClient, CloudError

    try:
        client = CloudClient.from_cloud(cloud_name)
    except CloudError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        create_app(client, read_only=read_only, refresh=refresh).run()
    finally:
        client.close()
