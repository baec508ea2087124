"""The classroom extras of a deployment: the course site (port 8000), JupyterLab on the notebooks (port 8888) and
the dashboard, Horizon (port 8781), each a service next to `stacklab.service`, with the same `ok`/`changed` steps
and supervisor fallback.

The course site is built here with mkdocs (cached by the sources' digest) and shipped as static files; the target
serves them with Python's own `http.server`, so it needs nothing more. JupyterLab comes from the wheelhouse (the
`notebooks` extra) into StackLab's virtualenv and runs as the service user with `OS_CLOUD=stacklab-demo` and a
clouds.yaml for the demo user, behind a token generated once and kept (printed with the credentials).

The dashboard is Horizon in a virtualenv of its own (its Django 3.2 and client pins are not the lab's), installed
from its wheels (built here, shipped beside StackLab's wheelhouse), its static files collected and compressed once
per install on the target, and run by `stacklab dashboard`: the same command as on a laptop, which writes the
lab's local_settings.py (Keystone at the lab's public URL) into the data directory and serves Horizon with
gunicorn, bound like the API.
"""

from __future__ import annotations

import io
import json
import secrets
import shlex
import textwrap
from typing import TYPE_CHECKING

import yaml

from lab.dashboard.server import PYTHON_ENV, STATIC_DIR, STATIC_RECIPE
from lab.deploy.artifacts import DASHBOARD_PACKAGES, Tree, build_site, notebooks_tree, tar_tree
from lab.deploy.remote import DeployError, put_text, read_root_file, run, sudo
from lab.deploy.services import ServiceSpec, ensure_running, install_unit

if TYPE_CHECKING:
    from lab.deploy.tasks import Deployment, DeployOptions

PROBE_SECONDS = 60
# gunicorn imports Django and every Horizon panel before it listens: far slower than the others under TCG.
DASHBOARD_PROBE_SECONDS = 300
DEMO_CLOUD = "stacklab-demo"


def course_spec(o: DeployOptions) -> ServiceSpec:
    return ServiceSpec(f"{o.service_name}-course", "StackLab course site (static files)",
                       (f"{o.venv}/bin/python", "-m", "http.server", "--bind", o.bind_host,
                        "--directory", o.site_dir, str(o.course_port)),
                       o.run_as, o.site_dir, o.prefix)


def jupyter_spec(o: DeployOptions) -> ServiceSpec:
    home = o.jupyter_dir
    env = (("HOME", f"{home}/home"), ("JUPYTER_CONFIG_DIR", home), ("JUPYTER_DATA_DIR", f"{home}/data"),
           ("JUPYTER_RUNTIME_DIR", f"{home}/runtime"), ("OS_CLOUD", DEMO_CLOUD),
           ("OS_CLIENT_CONFIG_FILE", f"{home}/clouds.yaml"))
    return ServiceSpec(f"{o.service_name}-jupyter", "StackLab JupyterLab on the course notebooks",
                       (f"{o.venv}/bin/jupyter-lab", "--no-browser"), o.run_as, o.notebooks_dir, o.prefix, env)


def dashboard_spec(o: DeployOptions) -> ServiceSpec:
    return ServiceSpec(f"{o.service_name}-dashboard", "StackLab dashboard (OpenStack Horizon)",
                       (f"{o.venv}/bin/stacklab", "--config", o.config_path, "dashboard",
                        "--dashboard-port", str(o.dashboard_port)),
                       o.run_as, o.data_dir, o.prefix, dashboard_env(o))


def dashboard_env(o: DeployOptions) -> tuple[tuple[str, str], ...]:
    return ((PYTHON_ENV, f"{o.dashboard_venv}/bin/python"),)


def ship_tree(d: Deployment, tree: Tree, target: str, marker: str, step: str, clean: bool) -> bool:
    """Put `tree` at `target` (owned by the service user) unless `marker` already names its digest. `clean`
    empties the target first (the site); without it files added there (students' notebooks) are kept."""

    q = shlex.quote
    if (read_root_file(d.c, marker) or "").strip() == tree.digest:
        d.report(step, False, target)
        return False
    home = run(d.c, "echo $HOME").stdout.strip()
    staging = f"{home}/.stacklab-{step.replace(' ', '-')}.tar"
    d.c.put(io.BytesIO(tar_tree(tree.path)), staging)
    sudo(d.c, (f"rm -rf {q(target)} && " if clean else "")
         + f"mkdir -p {q(target)} && tar -xf {q(staging)} -C {q(target)} --no-same-owner && "
         f"chown -R {q(d.o.run_as)}: {q(target)} && echo {tree.digest} > {q(marker)} && rm -f {q(staging)}")
    d.report(step, True, target)
    return True


def probe(d: Deployment, url: str, step: str, what: str, seconds: int = 0) -> None:
    """GET `url` on the target itself must answer 200 within a bounded wait."""

    seconds = seconds or PROBE_SECONDS
    script = textwrap.dedent(f"""\
        import sys, time, urllib.request
        for _ in range({seconds * 4}):
            try:
                with urllib.request.urlopen({url!r}, timeout=2) as r:
                    if r.status == 200:
                        sys.exit(0)
            except OSError:
                pass
            time.sleep(0.25)
        sys.exit(1)
        """)
    if run(d.c, f"{shlex.quote(d.o.venv)}/bin/python -c {shlex.quote(script)}", check=False).failed:
        raise DeployError(f"{d.label}: {what} did not answer 200 within {seconds} s; see "
                          + (f"`journalctl -u {step}`" if d.supervisor == "systemd" else f"{d.o.prefix}/{step}.log"))


def course_site(d: Deployment) -> None:
    o = d.o
    spec = course_spec(o)
    ship_tree(d, build_site(), o.site_dir, f"{o.prefix}/.site-digest", "course site", clean=True)
    restart = install_unit(d, spec, "course unit") if d.supervisor == "systemd" else False
    # Static files are read at each request: new ones need no restart, a new unit does.
    ensure_running(d, spec, restart, "course service")
    probe(d, f"http://127.0.0.1:{o.course_port}/", spec.name, "the course site")
    d.report("course check", False, f"GET http://127.0.0.1:{o.course_port}/ -> 200")


def jupyter_config(d: Deployment) -> bool:
    """The server config (token, address, notebook folder) and the demo user's clouds.yaml; the token is made
    once and kept. True when something changed."""

    o = d.o
    q = shlex.quote
    config_path = f"{o.jupyter_dir}/jupyter_server_config.json"
    current = read_root_file(d.c, config_path)
    token = ""
    if current:
        try:
            token = json.loads(current)["IdentityProvider"]["token"]
        except (ValueError, KeyError, TypeError):
            token = ""
    d.jupyter_token = token or secrets.token_hex(24)
    server: dict[str, object] = {"ip": o.bind_host, "port": o.jupyter_port, "port_retries": 0,
                                 "root_dir": o.notebooks_dir, "open_browser": False}
    if o.run_as == "root":  # the libvirt driver runs StackLab as root; JupyterLab refuses that unless told
        server["allow_root"] = True
    text = json.dumps({"IdentityProvider": {"token": d.jupyter_token}, "ServerApp": server},
                      indent=2, sort_keys=True) + "\n"
    api = f"http://127.0.0.1:{o.port}"
    clouds = yaml.safe_dump({"clouds": {DEMO_CLOUD: {
        "auth": {"auth_url": f"{api}/identity", "username": "demo", "password": "demo", "project_name": "demo",
                 "user_domain_name": "Default", "project_domain_name": "Default"},
        "region_name": "RegionOne", "interface": "public", "identity_api_version": 3}}}, sort_keys=True)
    wanted = {config_path: text, f"{o.jupyter_dir}/clouds.yaml": clouds}
    changed = [path for path, body in wanted.items() if read_root_file(d.c, path) != body]
    dirs = " ".join(q(f"{o.jupyter_dir}/{sub}") for sub in ("home", "data", "runtime"))
    sudo(d.c, f"mkdir -p {dirs} && chown {q(o.run_as)}: {q(o.jupyter_dir)} {dirs}")
    for path in changed:
        put_text(d.c, wanted[path], path, "0600", owner=o.run_as, group=o.run_as)
    d.report("jupyter config", bool(changed), f"{o.jupyter_dir} (OS_CLOUD={DEMO_CLOUD})")
    return bool(changed)


def jupyter(d: Deployment) -> None:
    o = d.o
    spec = jupyter_spec(o)
    ship_tree(d, notebooks_tree(), o.notebooks_dir, f"{o.prefix}/.notebooks-digest", "notebooks", clean=False)
    restart = jupyter_config(d)
    if d.supervisor == "systemd":
        restart = install_unit(d, spec, "jupyter unit") or restart
    # A new StackLab install may have brought a new JupyterLab: restart with it.
    ensure_running(d, spec, restart or d.stacklab_installed, "jupyter service")
    probe(d, f"http://127.0.0.1:{o.jupyter_port}/api/status?token={d.jupyter_token}", spec.name, "JupyterLab")
    d.report("jupyter check", False, f"GET http://127.0.0.1:{o.jupyter_port}/api/status -> 200")


def dashboard(d: Deployment) -> None:
    o = d.o
    spec = dashboard_spec(o)
    installed = dashboard_install(d)
    dashboard_static(d, installed)
    restart = dashboard_settings(d)
    if d.supervisor == "systemd":
        restart = install_unit(d, spec, "dashboard unit") or restart
    # A new StackLab install brings a new `stacklab dashboard` and WSGI module: restart with them too.
    ensure_running(d, spec, restart or installed or d.stacklab_installed, "dashboard service")
    url = f"http://127.0.0.1:{o.dashboard_port}/auth/login/"
    probe(d, url, spec.name, "the dashboard (Horizon)", DASHBOARD_PROBE_SECONDS)
    d.report("dashboard check", False, f"GET {url} -> 200")


def dashboard_install(d: Deployment) -> bool:
    """Ship Horizon's wheels, make its virtualenv and install them there (no index: offline); True if it did."""

    o = d.o
    q = shlex.quote
    assert d.dashboard_wheels is not None  # the Deployment checked
    wheels = f"{o.prefix}/wheelhouse-dashboard"
    ship_tree(d, d.dashboard_wheels, wheels, f"{o.prefix}/.dashboard-wheels-digest", "dashboard wheelhouse",
              clean=True)
    if run(d.c, f"test -x {q(o.dashboard_venv)}/bin/python", check=False).ok:
        d.report("dashboard virtualenv", False, o.dashboard_venv)
    else:
        sudo(d.c, f"python3 -m venv --without-pip {q(o.dashboard_venv)}")
        d.report("dashboard virtualenv", True, o.dashboard_venv)
    marker = f"{o.prefix}/.dashboard-installed"
    if (read_root_file(d.c, marker) or "").strip() == d.dashboard_wheels.digest:
        d.report("dashboard", False, "horizon " + DASHBOARD_PACKAGES[0].split("==")[-1])
        return False
    # As for StackLab: byte-code compiled here, since the service user cannot write into the root-owned venv;
    # the static files of the old install are collected again (stale ones would name old files).
    static = f"{o.dashboard_venv}/{STATIC_DIR}"
    sudo(d.c, f"{d.pip(o.dashboard_venv)} install --quiet --disable-pip-version-check --no-compile --no-index "
              f"--ignore-requires-python --find-links {q(wheels)} {' '.join(q(p) for p in DASHBOARD_PACKAGES)} && "
              f"{q(o.dashboard_venv)}/bin/python -m compileall -q -j 0 {q(o.dashboard_venv)}/lib >/dev/null && "
              f"rm -rf {q(static)} && echo {d.dashboard_wheels.digest} > {q(marker)}")
    d.report("dashboard", True, "installed horizon " + DASHBOARD_PACKAGES[0].split("==")[-1])
    return True


def dashboard_static(d: Deployment, installed: bool) -> None:
    """Horizon's static files collected and compressed once per install (`stacklab dashboard --prepare-only`,
    as scripts/setup.sh does), as root into the dashboard's venv, with a throw-away lab for the settings."""

    o = d.o
    q = shlex.quote
    static = f"{o.dashboard_venv}/{STATIC_DIR}"
    if not installed and (read_root_file(d.c, f"{static}/.stacklab-prepared") or "").strip() == STATIC_RECIPE:
        d.report("dashboard static files", False, static)
        return
    env = " ".join(q(f"{k}={v}") for k, v in dashboard_env(o))
    sudo(d.c, f"tmp=$(mktemp -d) && env {env} {q(o.venv)}/bin/stacklab dashboard --prepare-only --host 127.0.0.1 "
              f"--data-dir \"$tmp/lab\" >/dev/null; status=$?; rm -rf \"$tmp\"; exit $status")
    d.report("dashboard static files", True, f"collected and compressed into {static}")


def dashboard_settings(d: Deployment) -> bool:
    """This lab's local_settings.py (Keystone at the lab's public URL, ALLOWED_HOSTS, a secret key made once),
    written by `stacklab dashboard --prepare-only` as the service user from the lab's config; True if changed.
    The service writes the same file again at each start, so it always follows the config."""

    o = d.o
    q = shlex.quote
    path = f"{o.data_dir}/dashboard/local/local_settings.py"
    before = read_root_file(d.c, path)
    env = " ".join(q(f"{k}={v}") for k, v in dashboard_env(o))
    sudo(d.c, f"cd {q(o.data_dir)} && sudo -n -H -u {q(o.run_as)} env {env} {q(o.venv)}/bin/stacklab "
              f"--config {q(o.config_path)} dashboard --prepare-only --dashboard-port {o.dashboard_port} >/dev/null")
    changed = read_root_file(d.c, path) != before
    d.report("dashboard config", changed, path)
    return changed
