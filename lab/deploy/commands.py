"""`stacklab deploy user@host`: the Fabric deployment (lab/deploy/tasks.py) from the command line."""

from __future__ import annotations

import click


@click.command("deploy")
@click.argument("target")
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="SSH private key (default: your SSH agent and ~/.ssh keys).")
@click.option("--port", "ssh_port", type=int, default=None, help="SSH port (default 22 or your ~/.ssh/config).")
@click.option("--api-port", type=int, default=8780, show_default=True, help="Port StackLab listens on.")
@click.option("--bind", "bind_host", default="0.0.0.0", show_default=True, help="Address StackLab binds.")
@click.option("--public-url", default="", help="URL clients are told to use (default http://<host>:<api-port>).")
@click.option("--admin-password", default="", help="Admin password (default: generated once and kept).")
@click.option("--libvirt", is_flag=True, help="Install libvirt + QEMU, build the tiny guest, use the libvirt driver.")
@click.option("--prefix", default="/opt/stacklab", show_default=True, help="Install directory on the target.")
@click.option("--data-dir", default="/var/lib/stacklab", show_default=True, help="Lab state on the target.")
@click.option("--course/--no-course", default=True, show_default=True,
              help="Build the course site here and serve it on the target (needs mkdocs here: the test extra).")
@click.option("--course-port", type=int, default=8000, show_default=True, help="Port of the course site.")
@click.option("--jupyter/--no-jupyter", default=True, show_default=True,
              help="Install JupyterLab (the notebooks extra) and run it on the notebooks as the demo user.")
@click.option("--jupyter-port", type=int, default=8888, show_default=True, help="Port of JupyterLab.")
@click.option("--dashboard/--no-dashboard", default=True, show_default=True,
              help="Install the dashboard (OpenStack Horizon, in a virtualenv of its own) and run it.")
@click.option("--dashboard-port", type=int, default=8781, show_default=True, help="Port of the dashboard.")
def deploy_command(target: str, key_file: str | None, ssh_port: int | None, api_port: int, bind_host: str,
                   public_url: str, admin_password: str, libvirt: bool, prefix: str, data_dir: str,
                   course: bool, course_port: int, jupyter: bool, jupyter_port: int, dashboard: bool,
                   dashboard_port: int) -> None:
    """Install StackLab on TARGET (user@host) over SSH and start it as a service; idempotent.

    The user needs passwordless sudo (like Vagrant's `vagrant` user). StackLab is shipped as wheels built here,
    so the target needs no internet. Each step reports `ok` (already right) or `changed`. The course site,
    JupyterLab and the dashboard run as services next to StackLab unless --no-course / --no-jupyter /
    --no-dashboard.
    """
    from lab.deploy.artifacts import ArtifactError, build_dashboard_wheels, build_wheelhouse
    from lab.deploy.remote import DeployError, connect
    from lab.deploy.tasks import DeployOptions, deploy

    user, _, host = target.rpartition("@")
    options = DeployOptions(prefix=prefix, data_dir=data_dir, bind_host=bind_host, port=api_port,
                            public_url=public_url, admin_password=admin_password, libvirt=libvirt,
                            course=course, course_port=course_port, jupyter=jupyter, jupyter_port=jupyter_port,
                            dashboard=dashboard, dashboard_port=dashboard_port)
    try:
        click.echo("building the wheelhouse (cached after the first time)")
        wheelhouse = build_wheelhouse(extras=options.extras)
        dashboard_wheels = build_dashboard_wheels() if dashboard else None
        with connect(host, user or None, ssh_port, key_file) as c:
            result = deploy(c, options, wheelhouse, echo=click.echo, dashboard_wheels=dashboard_wheels)
    except (DeployError, ArtifactError) as e:
        raise click.ClickException(str(e)) from e
    click.echo("")
    click.echo(result.credentials_text(public_url or f"http://{host}:{api_port}"))
