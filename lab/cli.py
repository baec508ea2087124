"""The `stacklab` command: start the cloud and operate the lab. Each area adds its commands here."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from lab.config import load_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="Config file (default: $STACKLAB_CONFIG or <data-dir>/stacklab.yaml).")
@click.pass_context
def main(ctx: click.Context, config_file: Path | None) -> None:
    """StackLab: an all-in-one OpenStack training cloud and learning lab."""
    ctx.obj = {"config_file": config_file}


@main.command()
@click.option("--host", default=None, help="Address to bind (env STACKLAB_HOST; default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to bind (env STACKLAB_PORT; default 8780).")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Where the lab keeps its state (env STACKLAB_DATA_DIR).")
@click.pass_context
def up(ctx: click.Context, host: str | None, port: int | None, data_dir: Path | None) -> None:
    """Start the cloud in the foreground."""
    import uvicorn

    from lab.cloud.app import create_app

    settings = load_settings(ctx.obj["config_file"], host=host, port=port, data_dir=data_dir)
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr)
    app = create_app(settings)
    click.echo(f"StackLab is up at {settings.endpoint}")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level)


# The classroom VM and deployment over SSH (lab/vm.py, lab/deploy/); their imports are lazy (Fabric, Vagrant).
from lab.deploy.commands import deploy_command  # noqa: E402
from lab.vm import vm_group  # noqa: E402

main.add_command(deploy_command)
main.add_command(vm_group)


if __name__ == "__main__":
    main()
