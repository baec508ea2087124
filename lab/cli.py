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
@click.option("--compute", "compute_driver", default=None,
              help="Compute driver: fake or libvirt (env STACKLAB_COMPUTE_DRIVER; default fake).")
@click.pass_context
def up(ctx: click.Context, host: str | None, port: int | None, data_dir: Path | None,
       compute_driver: str | None) -> None:
    """Start the cloud in the foreground."""
    import uvicorn

    from lab.cloud.app import create_app

    settings = load_settings(ctx.obj["config_file"], host=host, port=port, data_dir=data_dir,
                             compute_driver=compute_driver)
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr)
    app = create_app(settings)
    describe = getattr(getattr(getattr(app, "cloud", None), "compute_driver", None), "describe", None)
    if describe is not None:  # e.g. "libvirt at qemu:///system: QEMU software emulation (TCG)"
        click.echo(f"Compute: {describe()}")
    click.echo(f"StackLab is up at {settings.endpoint}")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level)


@main.group()
def image() -> None:
    """Guest images StackLab builds itself."""


@image.command("build-tiny")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Where the lab keeps its state (env STACKLAB_DATA_DIR); the build is cached under it.")
@click.option("--force", is_flag=True, help="Rebuild even if a built guest is cached.")
@click.option("--kernel-package", default=None,
              help="Debian kernel package (default: the one linux-image-amd64 depends on).")
@click.pass_context
def build_tiny(ctx: click.Context, data_dir: Path | None, force: bool, kernel_package: str | None) -> None:
    """Build the tiny guest (Debian kernel + busybox initramfs) from Debian packages, offline."""
    from lab.cloud import guest_image

    settings = load_settings(ctx.obj["config_file"], data_dir=data_dir)
    cache = guest_image.default_cache_dir(settings.data_dir)
    with click.progressbar(length=guest_image.BUILD_STEPS, label="tiny guest", show_eta=False,
                           item_show_func=lambda step: step) as bar:
        def progress(step: str) -> None:
            bar.update(1, step)

        try:
            guest = guest_image.build_tiny_guest(cache, progress=progress, force=force,
                                                 kernel_package=kernel_package)
        except guest_image.GuestBuildError as exc:
            raise click.ClickException(str(exc)) from exc
        bar.update(guest_image.BUILD_STEPS)
    facts = guest_image.describe(guest)
    click.echo(f"kernel  {facts['kernel']} ({facts['kernel_bytes'] / 2**20:.1f} MiB)")
    click.echo(f"initrd  {facts['initrd']} ({facts['initrd_bytes'] / 2**20:.1f} MiB)")
    click.echo(f"boot it with at least {facts['min_ram_mb']} MiB of RAM; image properties:")
    for key, value in guest.properties.items():
        click.echo(f"  {key}={value}")


if __name__ == "__main__":
    main()
