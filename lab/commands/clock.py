"""`stacklab clock show|advance`: read and move the lab clock of a running lab, as its admin, over HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from lab.commands.options import lab_is_named, lab_target_options, settings_from

cloud_option = click.option(
    "--cloud", "cloud_name", default=None,
    help="clouds.yaml entry to use (default: `stacklab`, else the lab's settings and data directory).")
json_option = click.option("--json", "as_json", is_flag=True, default=False, help="Print the answer as JSON.")


@click.group()
def clock() -> None:
    """The lab clock: real time plus an offset that only moves forward.

    Every timestamp the cloud writes (events, billing, created/updated times) uses lab time, so advancing it
    by 30d shows a month of usage in a minute. Tokens expire by real time, so advancing logs nobody out.
    """


def _call(ctx: click.Context, cloud_name: str | None, method: str, path: str,
          body: dict[str, Any] | None = None) -> dict[str, Any]:
    from lab.admin_client import AdminClientError, LabAdminClient, LabNotRunning

    settings = settings_from(ctx, {}, client=True)
    try:
        return LabAdminClient(settings, cloud_name, lab_is_named(ctx)).request(method, path, body)
    except (LabNotRunning, AdminClientError) as exc:
        raise click.ClickException(str(exc)) from None


def _print(answer: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(answer, indent=2))
        return
    reading = answer["clock"]
    lab_time = datetime.strptime(reading["now"], "%Y-%m-%dT%H:%M:%S.%fZ")
    click.echo(f"lab time:  {lab_time:%Y-%m-%d %H:%M:%S} UTC")
    click.echo(f"real time: {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
    click.echo(f"offset:    {reading['offset']}")


@clock.command()
@cloud_option
@lab_target_options
@json_option
@click.pass_context
def show(ctx: click.Context, cloud_name: str | None, as_json: bool) -> None:
    """Show the lab time and how far it is ahead of real time."""
    _print(_call(ctx, cloud_name, "GET", "/clock"), as_json)


@clock.command()
@click.argument("duration")
@cloud_option
@lab_target_options
@json_option
@click.pass_context
def advance(ctx: click.Context, duration: str, cloud_name: str | None, as_json: bool) -> None:
    """Move the lab clock forward by DURATION: a number and a unit (s, m, h, d, w), e.g. 30d, 3h, 1w2d."""
    _print(_call(ctx, cloud_name, "POST", "/clock/advance", {"by": duration}), as_json)
