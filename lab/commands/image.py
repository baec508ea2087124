"""`stacklab image`: guest images StackLab builds itself (the tiny guest for the libvirt driver)."""

from __future__ import annotations

from pathlib import Path

import click

from lab.config import load_settings


@click.group()
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
    click.echo("`stacklab up --compute libvirt` with this data directory boots it as the default `cirros` image "
               "(restart a running cloud to pick it up).")
