"""`stacklab dashboard`: the real OpenStack Horizon for this lab, on its own port beside the API."""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any

import click

from lab.commands.options import lab_options, settings_from
from lab.public_url import NoPublicAddress, advertised_url, is_loopback


@click.command()
@lab_options
@click.option("--dashboard-port", type=int, default=None, envvar="STACKLAB_DASHBOARD_PORT", show_envvar=True,
              help="Port Horizon listens on (default 8781).")
@click.option("--prepare-only", is_flag=True, default=False,
              help="Write the settings and collect Horizon's static files (once per install), then exit.")
@click.pass_context
def dashboard(ctx: click.Context, dashboard_port: int | None, prepare_only: bool, **values: Any) -> None:
    """Serve the OpenStack dashboard (Horizon) for the lab, in the foreground (Ctrl-C stops it).

    Its settings are written into <data-dir>/dashboard (the lab's Keystone URL, a secret key kept there,
    file-based sessions); it is bound like the API (127.0.0.1 unless --host says otherwise). Start the lab
    itself with `stacklab up` (or both at once with `stacklab up --dashboard`). Log in with any lab user.
    """
    from lab.dashboard.server import DEFAULT_PORT, Dashboard, DashboardUnavailable, horizon_python, stop

    settings = settings_from(ctx, values)
    try:
        public = advertised_url(settings)
    except NoPublicAddress as exc:
        raise click.ClickException(str(exc)) from None
    if not is_loopback(settings.host):
        settings.public_url = public.url
    try:
        board = Dashboard(settings, settings.host, dashboard_port or DEFAULT_PORT, horizon_python())
        if prepare_only:
            board.write_settings()
            ran = board.prepare_static()
            click.echo(f"Horizon's static files are {'now' if ran else 'already'} collected in "
                       f"{board.static_root}")
            return
        process = board.start()
    except DashboardUnavailable as exc:
        raise click.ClickException(str(exc)) from None

    def forward(sig: int, frame: FrameType | None) -> None:
        process.terminate()  # gunicorn stops gracefully; the wait below then returns (no wait in a handler)

    signal.signal(signal.SIGTERM, forward)
    click.echo(f"Horizon is up at {board.url} for the lab at {settings.endpoint} (Ctrl-C stops it)")
    try:
        process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop(process)
    click.echo("Horizon stopped.")
