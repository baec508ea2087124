"""The `stacklab` command: start the cloud and operate the lab. Each area adds its commands here; the
commands themselves live in `lab/commands/`."""

from __future__ import annotations

from pathlib import Path

import click

from lab.commands.billing import billing
from lab.commands.camp import class_, snapshot
from lab.commands.clock import clock
from lab.commands.dashboard import dashboard
from lab.commands.image import image
from lab.commands.info import clouds_yaml_command, info
from lab.commands.labs import check, docs, labs, notebooks, solve
from lab.commands.loadbalancer import loadbalancer
from lab.commands.net import net
from lab.commands.policy import policy
from lab.commands.tui import tui
from lab.commands.up import up
from lab.deploy.commands import deploy_command  # Fabric is imported only when the command runs
from lab.vm import vm_group  # python-vagrant likewise


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="Config file (default: $STACKLAB_CONFIG or <data-dir>/stacklab.yaml).")
@click.pass_context
def main(ctx: click.Context, config_file: Path | None) -> None:
    """StackLab: an all-in-one OpenStack training cloud and learning lab.

    Start it with `stacklab up`, then use it with the `openstack` CLI (`--os-cloud stacklab-demo`) or
    openstacksdk. Every option can also be set as a STACKLAB_* environment variable or in the config file.
    """
    ctx.obj = {"config_file": config_file}


# Every command, registered in one place: the lab itself, the student's, then the instructor's.
for command in (up, dashboard, info, clouds_yaml_command, clock, image, tui, labs, check, solve, notebooks, docs,
                net, billing, loadbalancer, class_, snapshot, policy, deploy_command, vm_group):
    main.add_command(command)


if __name__ == "__main__":
    main()
