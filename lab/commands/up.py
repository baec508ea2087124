"""`stacklab up`: build the lab, write the clouds.yaml entries, serve the cloud in the foreground.

The welcome text is printed once the socket is listening, so what it promises is already true. SIGINT and
SIGTERM are handled by uvicorn: it stops accepting requests, the app's lifespan stops the worker, and then the
cloud closes its drivers and database.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from types import FrameType
from typing import Any

import click

from lab import clouds_yaml
from lab.commands.options import lab_options, settings_from
from lab.config import Settings, record_endpoint
from lab.public_url import NoPublicAddress, advertised_url, is_loopback

NO_CLOUDS_YAML_ENV = "STACKLAB_NO_CLOUDS_YAML"
KEEP_ALIVE_SECONDS = 75  # idle keep-alive connections: longer than any client's poll interval


@click.command()
@lab_options
@click.option("--no-clouds-yaml", is_flag=True, default=False,
              help=f"Do not write the clouds.yaml entries (also env {NO_CLOUDS_YAML_ENV}=1).")
@click.option("--dashboard", "with_dashboard", is_flag=True, default=False,
              help="Also serve the OpenStack dashboard (Horizon), as `stacklab dashboard` does.")
@click.option("--dashboard-port", type=int, default=None, envvar="STACKLAB_DASHBOARD_PORT",
              help="Port of the dashboard with --dashboard (env STACKLAB_DASHBOARD_PORT; default 8781).")
@click.pass_context
def up(ctx: click.Context, no_clouds_yaml: bool, with_dashboard: bool, dashboard_port: int | None,
       **values: Any) -> None:
    """Start the cloud in the foreground (Ctrl-C stops it).

    On first start the lab is created in the data directory: the Default domain, the admin and demo projects
    and users, the catalog, flavors and the cirros image. Later starts reuse it: nothing is lost between runs.
    The `stacklab` (admin) and `stacklab-demo` (demo member) entries are merged into your clouds.yaml, so
    `openstack --os-cloud stacklab-demo server list` works from another shell.
    """
    import uvicorn

    from lab.cloud.app import Cloud, create_app
    from lab.cloud.drivers.base import DriverError

    settings = settings_from(ctx, values)
    try:
        public = advertised_url(settings)
    except NoPublicAddress as exc:
        raise click.ClickException(str(exc)) from None
    if not is_loopback(settings.host):  # every catalog entry, sheet and clouds.yaml then carries it
        settings.public_url = public.url
    from lab.cloud.drivers import REGISTRY

    for kind, name in (("compute", settings.compute_driver), ("network", settings.network_driver)):
        if name not in REGISTRY[kind]:
            raise click.ClickException(f"unknown {kind} driver {name!r}; choose one of: "
                                       f"{', '.join(sorted(REGISTRY[kind]))}")
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Everything the lab writes (database, WAL, snapshots, volumes, images, credentials) is the owner's only.
    os.umask(0o077)
    try:
        cloud = Cloud(settings)
        app = create_app(settings, cloud=cloud)
    except (ValueError, DriverError) as exc:  # an unknown driver, a bad policy file, no root: no traceback
        raise click.ClickException(str(exc)) from None
    dashboard = _Dashboard(settings, dashboard_port) if with_dashboard else None
    describe = getattr(cloud.compute_driver, "describe", None)
    if describe is not None:  # e.g. "libvirt at qemu:///system: QEMU software emulation (TCG)"
        click.echo(f"Compute: {describe()}")
    boot_note = getattr(cloud.image, "boot_note", None)
    if boot_note:  # under libvirt: whether cirros is the tiny guest, or how to build it
        click.echo(f"Images: {boot_note}")
    try:
        record_endpoint(settings)  # `stacklab info --data-dir ...` and the admin commands find this lab
        skip = no_clouds_yaml or os.environ.get(NO_CLOUDS_YAML_ENV, "") not in ("", "0")
        written = None if skip else _write_clouds_yaml(settings)

        class Server(uvicorn.Server):
            async def startup(self, sockets: list[socket.socket] | None = None) -> None:
                await super().startup(sockets)
                if not self.should_exit:
                    click.echo(welcome(settings, written, skipped=skip, public=public.reason), nl=True)
                    sys.stdout.flush()
                    if dashboard is not None:
                        dashboard.start_in_background()

            def handle_exit(self, sig: int, frame: FrameType | None) -> None:
                super().handle_exit(sig, frame)
                # uvicorn re-raises a caught SIGTERM/SIGINT after its graceful shutdown, which would kill the
                # process before the cloud closes its drivers and database; the stop is handled, so forget it.
                self._captured_signals.clear()

        # Idle keep-alive connections stay open 75 s (a proxy's usual 60 s and more): uvicorn's 5 s default
        # races the clients' 5 s `--wait` polls, whose reused connection then fails with RemoteDisconnected.
        config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                                access_log=settings.log_level in ("info", "debug"), lifespan="on",
                                timeout_keep_alive=KEEP_ALIVE_SECONDS)
        Server(config).run()
    finally:
        if dashboard is not None:
            dashboard.stop()
        cloud.close()
    click.echo("StackLab stopped.")


class _Dashboard:
    """Horizon beside the API for `up --dashboard`: started once the API answers (Horizon is a client of it),
    in a thread, so the API serves while Horizon imports its panels; stopped with the lab."""

    def __init__(self, settings: Settings, port: int | None) -> None:
        self.settings, self.port = settings, port
        self.process: Any = None
        self.stopping = threading.Event()

    def start_in_background(self) -> None:
        threading.Thread(target=self._start, name="dashboard", daemon=True).start()

    def _start(self) -> None:
        from lab.dashboard.server import DEFAULT_PORT, Dashboard, DashboardUnavailable, horizon_python, stop

        try:
            board = Dashboard(self.settings, self.settings.host, self.port or DEFAULT_PORT, horizon_python())
            self.process = board.start()
        except DashboardUnavailable as exc:
            click.echo(f"dashboard: not started: {exc}", err=True)
            return
        if self.stopping.is_set():  # the lab stopped while Horizon was starting
            stop(self.process)
            return
        click.echo(f"  dashboard:   {board.url} (Horizon; log in with any lab user)")
        sys.stdout.flush()

    def stop(self) -> None:
        from lab.dashboard.server import stop

        self.stopping.set()
        if self.process is not None:
            stop(self.process)


def _write_clouds_yaml(settings: Settings) -> str:
    """Merge the lab's entries into the user's clouds.yaml; a sentence saying what happened."""
    path = clouds_yaml.clouds_yaml_path()
    try:
        changed = clouds_yaml.merge_into(path, clouds_yaml.lab_entries(settings))
    except (ValueError, OSError, RuntimeError) as exc:
        return f"not written ({exc})"
    verb = "wrote" if changed else "already has"
    return f"{verb} entries {clouds_yaml.ADMIN_CLOUD} (admin) and {clouds_yaml.DEMO_CLOUD} (demo) in {path}"


def welcome(settings: Settings, clouds_yaml_note: str | None, skipped: bool = False,
            public: str | None = None) -> str:
    """What `stacklab up` prints once it answers: where, who, and what to try."""
    password = clouds_yaml.admin_password(settings) or "(unknown)"
    saved = "" if settings.admin_password else f"; saved in {settings.data_dir / clouds_yaml.ADMIN_PASSWORD_FILE}"
    lines = [
        f"StackLab is up at {settings.endpoint}",
        f"  data:        {settings.data_dir} (compute driver: {settings.compute_driver})",
        f"  admin:       user admin, password {password}, project admin{saved}",
        f"  demo:        user demo, password {settings.demo_password}, project demo (member)",
        f"  auth URL:    {settings.endpoint}/identity",
    ]
    if public and not is_loopback(settings.host):
        lines += [f"  classroom:   listening on {settings.host or 'every address'}:{settings.port}; students use "
                  f"{settings.endpoint} ({public})",
                  f"  students:    log in at {settings.endpoint}/lab/ to download their clouds.yaml and openrc"]
    if skipped:
        lines.append(f"  clouds.yaml: not written (--no-clouds-yaml or {NO_CLOUDS_YAML_ENV}); "
                     "`stacklab clouds-yaml` prints the entries")
    else:
        lines.append(f"  clouds.yaml: {clouds_yaml_note}")
    lines += ["try:  openstack --os-cloud stacklab-demo server list",
              "Stop with Ctrl-C."]
    return "\n".join(lines)
