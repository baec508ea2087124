"""The student's commands: `stacklab labs` (the labs by day, with your status), `labs show`, `check`, `solve`,
`notebooks` (JupyterLab on the student's own copy of notebooks/) and `docs` (the course site).

On StackLab the cloud runs a lab's checks (`POST /lab/v1/labs/{id}/check`) as the student named by `--cloud`
(a clouds.yaml entry: $OS_CLOUD, else `stacklab-demo`) and records the result itself, where the instructor's
progress grid reads it; a student cannot write a result. On any other OpenStack cloud the same checks run here,
in the student's process, and nothing is recorded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from lab import clouds_yaml

ROOT = Path(__file__).resolve().parent.parent.parent


def default_cloud() -> str:
    return os.environ.get("OS_CLOUD") or clouds_yaml.DEMO_CLOUD


cloud_option = click.option(
    "--cloud", "cloud_name", default=None,
    help="clouds.yaml entry to work as (default: $OS_CLOUD, else stacklab-demo).")


def _labs() -> list[Any]:
    from lab.camp.labs import LabError, load_labs

    try:
        return load_labs()
    except LabError as exc:
        raise click.ClickException(str(exc)) from None


def _lab(lab_id: str) -> Any:
    from lab.camp.labs import LabError, find_lab

    try:
        return find_lab(lab_id)
    except LabError as exc:
        raise click.ClickException(str(exc)) from None


def connect(cloud_name: str | None) -> Any:
    """An openstacksdk connection for the clouds.yaml entry, with a clear message when it is unusable."""
    import openstack.config
    import openstack.connection
    from openstack import exceptions

    from lab.admin_client import config_files

    name = cloud_name or default_cloud()
    try:
        region = openstack.config.OpenStackConfig(config_files=config_files()).get_one(cloud=name)
        conn = openstack.connection.Connection(config=region)
        conn.authorize()
    except exceptions.ConfigException:
        raise click.ClickException(f"no cloud named {name!r} in your clouds.yaml "
                                   f"({clouds_yaml.clouds_yaml_path()}); pass --cloud NAME") from None
    except exceptions.SDKException as exc:
        raise click.ClickException(f"cannot log in to {name!r}: {exc}") from None
    return conn


def _env(cloud_name: str | None) -> Any:
    from lab.camp.engine import LabEnv

    return LabEnv(connect(cloud_name))


@click.group(invoke_without_command=True)
@click.option("--day", type=int, default=None, help="Only the labs of this day.")
@cloud_option
@click.option("--offline", is_flag=True, default=False, help="Do not ask the cloud for your status.")
@click.pass_context
def labs(ctx: click.Context, day: int | None, cloud_name: str | None, offline: bool) -> None:
    """List the labs by day, with your status in each.

    The status is what the cloud recorded when it ran your checks: `earned` when every check passed on your
    own work, `solved` after `stacklab solve`, `reset` after your project was reset, `n/m` when some passed.
    `stacklab labs show 2.3` prints a lab's instructions.
    """
    if ctx.invoked_subcommand is not None:
        return
    progress: dict[str, dict[str, Any]] = {}
    if not offline:
        from lab.camp.engine import my_progress

        try:
            progress = my_progress(connect(cloud_name))
        except click.ClickException as exc:
            click.echo(f"(status unknown: {exc.message})", err=True)
    current = None
    for lab in _labs():
        if day is not None and lab.day != day:
            continue
        if lab.day != current:
            if current is not None:
                click.echo("")
            current = lab.day
            click.echo(f"Day {lab.day}")
        row = progress.get(lab.id)
        status = "" if row is None else str(row.get("grade") or f"{row['passed']}/{row['total']}")
        needs = f"  (needs {', '.join(lab.requires)})" if lab.requires else ""
        admin = "  [instructor demo]" if lab.instructor_demo else "  [admin]" if lab.admin else ""
        click.echo(f"  {lab.id:<5} {status:<7} {lab.title}{admin}{needs}")


@labs.command("show")
@click.argument("lab_id")
def show(lab_id: str) -> None:
    """Print a lab's instructions (its README) and what its checks look for."""
    lab = _lab(lab_id)
    click.echo(lab.instructions.rstrip())
    click.echo("\nChecks:")
    for check in lab.checks():
        click.echo(f"  - {check.description}")


def _print_report(lab: Any, report: Any, recorded: str) -> None:
    click.echo(f"Lab {lab.id}: {lab.title}")
    for result in report.results:
        mark = {"pass": click.style("PASS", fg="green"), "fail": click.style("FAIL", fg="red"),
                "skip": click.style("SKIP", fg="yellow")}[result.status]
        click.echo(f"  {mark}  {result.description}")
        if result.status == "fail" and result.message:
            click.echo(f"        {result.message}")
    if report.skipped_reason:
        click.echo(f"Skipped: {report.skipped_reason}.")
    elif report.completed:
        click.echo(f"All {report.total} checks passed.")
    else:
        first = report.first_failure
        click.echo(f"{report.passed}/{report.total} checks passed.")
        if first is not None and first.hint:
            click.echo(f"Hint: {first.hint}")
    if recorded:
        click.echo(recorded)


def _recorded(body: dict[str, Any] | None) -> str:
    """What the cloud recorded, in a line ('' when nothing was)."""
    row = (body or {}).get("progress")
    if not row:
        return ""
    return f"Recorded by the cloud: {row['method']} ({row['passed']}/{row['total']}) at {row['updated_at']}."


@click.command()
@click.argument("lab_id")
@cloud_option
@click.option("--json", "as_json", is_flag=True, default=False, help="Print the result as JSON.")
@click.option("--local", is_flag=True, default=False,
              help="Run the checks here instead of in the cloud (nothing is recorded).")
def check(lab_id: str, cloud_name: str | None, as_json: bool, local: bool) -> None:
    """Run a lab's checks against your project: pass/fail per check, and a hint for the first failure.

    On StackLab the cloud runs the checks with your own credentials and records the result (the instructor's
    progress grid reads it); on another OpenStack cloud they run here and nothing is recorded. The exit status
    is 0 when every check passed (or the lab is skipped on this cloud), 1 otherwise.
    """
    from lab.camp.engine import CloudCheckError, cloud_check, report_from, run_lab

    lab = _lab(lab_id)
    env = _env(cloud_name)
    body = None
    if not local:
        try:
            body = cloud_check(env.conn, lab.id)
        except CloudCheckError as exc:
            raise click.ClickException(str(exc)) from None
    report = report_from(body) if body is not None else run_lab(lab, env)
    recorded = body is not None and body.get("progress") is not None
    if as_json:
        click.echo(json.dumps({"lab_id": report.lab_id, "passed": report.passed, "total": report.total,
                               "completed": report.completed, "skipped_reason": report.skipped_reason,
                               "recorded": recorded, "progress": (body or {}).get("progress"),
                               "checks": [r.__dict__ for r in report.results]}, indent=2))
    else:
        _print_report(lab, report, _recorded(body))
    if not report.completed and not report.skipped_reason:
        sys.exit(1)


@click.command()
@click.argument("lab_id")
@cloud_option
@click.option("--yes", is_flag=True, default=False, help="Do not ask for confirmation.")
def solve(lab_id: str, cloud_name: str | None, yes: bool) -> None:
    """Apply a lab's reference solution in your project (to catch up), then run its checks.

    The lab is then recorded as `solved`, not earned: the grid shows the difference, and checks passing
    afterwards stay `solved` until your project is reset.
    """
    from lab.camp.engine import CloudCheckError, Skip, apply_solution, cloud_check, report_from, run_lab

    lab = _lab(lab_id)
    if not yes:
        click.confirm(f"Apply the reference solution of lab {lab.id} ({lab.title}) in your project?", abort=True)
    env = _env(cloud_name)
    try:
        body = cloud_check(env.conn, lab.id, solve=True)
    except CloudCheckError as exc:
        raise click.ClickException(str(exc)) from None
    if body is None:  # not StackLab: solve here, nothing to record
        try:
            apply_solution(lab, env)
        except Skip as exc:
            raise click.ClickException(f"{exc}") from None
        except Exception as exc:
            raise click.ClickException(f"the solution of lab {lab.id} failed: {type(exc).__name__}: {exc} "
                                       "(something of the same name may exist already: delete it, then try "
                                       "again)") from None
    report = report_from(body) if body is not None else run_lab(lab, env)
    click.echo(f"Lab {lab.id} solved: {report.passed}/{report.total} checks pass.")
    if body is not None and body.get("progress"):
        click.echo("Recorded as solved (not earned).")


def notebooks_home() -> Path:
    """Where a student's own copies of the notebooks live: $STACKLAB_NOTEBOOKS_DIR, else ~/stacklab-notebooks."""
    return Path(os.environ.get("STACKLAB_NOTEBOOKS_DIR") or Path.home() / "stacklab-notebooks").expanduser()


def copy_notebooks(target: Path, source: Path | None = None) -> list[str]:
    """Copy the course notebooks into `target` (made 0700 if new); never overwrite a copy the student has (their
    edits stay), only add the ones missing. Returns the names copied."""
    source = source or ROOT / "notebooks"
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    copied = []
    for notebook in sorted(source.glob("*.ipynb")):
        mine = target / notebook.name
        if not mine.exists():
            shutil.copyfile(notebook, mine)
            copied.append(notebook.name)
    return copied


@click.command()
@cloud_option
@click.option("--dir", "folder", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="The student's own notebook folder (default: $STACKLAB_NOTEBOOKS_DIR, else ~/stacklab-notebooks).")
@click.option("--ip", default="127.0.0.1", show_default=True,
              help="Address JupyterLab listens on (0.0.0.0 for students on other machines).")
@click.option("--port", type=int, default=8888, show_default=True, help="Port for JupyterLab.")
@click.option("--token", default=None, help="JupyterLab's login token (default: JupyterLab makes one and prints it).")
@click.option("--no-browser", is_flag=True, default=False, help="Do not open a browser.")
def notebooks(cloud_name: str | None, folder: Path | None, ip: str, port: int, token: str | None,
              no_browser: bool) -> None:
    """Open JupyterLab on your own copy of the course notebooks, with OS_CLOUD set to your cloud.

    The first start copies the notebooks (one per camp day) into your folder; later starts keep your edits and
    only add notebooks that are new. The repository's originals are never opened. As root (a classroom VM)
    JupyterLab is started with --allow-root. `scripts/setup.sh` installs JupyterLab (the `notebooks` extra).
    """
    jupyter = shutil.which("jupyter-lab") or str(Path(sys.executable).with_name("jupyter-lab"))
    if not Path(jupyter).exists():
        raise click.ClickException("JupyterLab is not installed: run scripts/setup.sh, or pip install "
                                   "'stacklab[notebooks]'")
    target = (folder or notebooks_home()).resolve()
    copied = copy_notebooks(target)
    env = dict(os.environ, OS_CLOUD=cloud_name or default_cloud())
    args = [jupyter, f"--ServerApp.root_dir={target}", f"--ServerApp.ip={ip}", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0"]
    if token is not None:
        args.append(f"--IdentityProvider.token={token}")
    if no_browser:
        args.append("--no-browser")
    if os.geteuid() == 0:  # JupyterLab refuses root without it; a classroom VM's service runs as root
        args.append("--allow-root")
    if copied:
        click.echo(f"copied {len(copied)} notebooks into {target}")
    click.echo(f"JupyterLab on {target} at http://{ip}:{port}/ with OS_CLOUD={env['OS_CLOUD']}", err=False)
    sys.stdout.flush()
    os.execve(jupyter, args, env)  # JupyterLab takes over this process: Ctrl-C and signals reach it directly


@click.command()
@click.option("--port", type=int, default=8000, show_default=True, help="Port for the course site.")
@click.option("--build", "build_dir", type=click.Path(path_type=Path), default=None,
              help="Build the static site into this folder instead of serving it.")
def docs(port: int, build_dir: Path | None) -> None:
    """Serve the course site (syllabus, lectures, labs, reference) with mkdocs."""
    mkdocs = shutil.which("mkdocs") or str(Path(sys.executable).with_name("mkdocs"))
    if not Path(mkdocs).exists():
        raise click.ClickException("mkdocs is not installed: pip install 'stacklab[test]'")
    config = str(ROOT / "mkdocs.yml")
    if build_dir is not None:
        sys.exit(subprocess.call([mkdocs, "build", "--strict", "-f", config, "-d", str(build_dir.resolve())]))
    sys.exit(subprocess.call([mkdocs, "serve", "-f", config, "-a", f"127.0.0.1:{port}"]))
