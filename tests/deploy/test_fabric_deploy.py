"""The Fabric deployment, run for real over SSH against a throw-away sshd on 127.0.0.1: StackLab is installed
into a dedicated account (passwordless sudo, like Vagrant's `vagrant` user), started by the fallback supervisor
(no systemd as PID 1 here), answers over HTTP, and a second run reports nothing changed. The course site,
JupyterLab and the dashboard (Horizon, from its own wheels into its own venv) run next to it (same supervisor)
and answer on their ports; `vm reset` restores a saved snapshot."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from lab.deploy.artifacts import Wheelhouse, build_wheelhouse
from lab.deploy.remote import DeployError, connect, sudo
from lab.deploy.tasks import DeployOptions, DeployResult, deploy, stop_service
from lab.vm import ClassroomVM
from tests.conftest import free_port
from tests.deploy.conftest import SshTarget

pytestmark = pytest.mark.root


@pytest.fixture(scope="module")
def wheelhouse() -> Wheelhouse:
    return build_wheelhouse(extras=("notebooks",))


@pytest.fixture(scope="module")
def options(ssh_target: SshTarget) -> DeployOptions:
    base = f"{ssh_target.home}/stacklab"
    return DeployOptions(prefix=base, config_path=f"{base}/etc/stacklab.yaml", data_dir=f"{base}/data",
                         service_user=ssh_target.user, bind_host="127.0.0.1", port=free_port(),
                         admin_password="deploy-test-admin", course_port=free_port(), jupyter_port=free_port(),
                         dashboard_port=free_port())


@pytest.fixture(scope="module")
def first_run(ssh_target: SshTarget, options: DeployOptions, wheelhouse: Wheelhouse) -> Iterator[
        tuple[DeployResult, list[str]]]:
    lines: list[str] = []
    c = connect(ssh_target.host, ssh_target.user, ssh_target.port, str(ssh_target.key_file), load_ssh_configs=False)
    try:
        yield deploy(c, options, wheelhouse, echo=lines.append), lines
    finally:
        stop_service(c, options, everything=True)
        c.close()


def test_first_run_installs_and_starts_stacklab(first_run: tuple[DeployResult, list[str]],
                                                options: DeployOptions, ssh_target: SshTarget) -> None:
    result, lines = first_run
    changed = {s.name for s in result.steps if s.changed}
    assert {"directories", "wheelhouse", "virtualenv", "stacklab", "config", "service", "course site",
            "course service", "notebooks", "jupyter config", "jupyter service", "dashboard wheelhouse",
            "dashboard virtualenv", "dashboard", "dashboard static files", "dashboard config",
            "dashboard service"} <= changed, lines
    assert result.supervisor == "pidfile"  # no systemd as PID 1 on this machine
    assert any(line.startswith("changed: [") and "service" in line for line in lines)

    # The API answers over HTTP from here, and the configured admin password works.
    r = httpx.get(f"http://127.0.0.1:{options.port}/identity", timeout=5)
    assert r.status_code == 300
    assert r.json()["versions"]["values"][0]["id"].startswith("v3")
    auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "password": "deploy-test-admin", "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
    r = httpx.post(f"http://127.0.0.1:{options.port}/identity/v3/auth/tokens", json=auth, timeout=10)
    assert r.status_code == 201, r.text
    assert result.admin_password == "deploy-test-admin"
    text = result.credentials_text()
    assert "admin / deploy-test-admin" in text
    # The four URLs students need, JupyterLab's with its token.
    assert f"http://127.0.0.1:{options.port}/identity/v3" in text
    assert f"http://127.0.0.1:{options.course_port}/" in text
    assert f"http://127.0.0.1:{options.jupyter_port}/lab?token={result.jupyter_token}" in text
    assert f"http://127.0.0.1:{options.dashboard_port}/" in text
    assert len(result.jupyter_token) >= 32

    # The config file is what StackLab reads, and the service runs as the service user from the venv.
    config = yaml.safe_load(Path(options.config_path).read_text())
    assert config == {"host": "127.0.0.1", "port": options.port, "data_dir": options.data_dir,
                      "admin_password": "deploy-test-admin"}
    pid = int(Path(options.pid_file).read_text())
    owner = subprocess.run(["ps", "-o", "user=", "-p", str(pid)], capture_output=True, text=True, timeout=10)
    assert owner.stdout.strip() == ssh_target.user
    assert Path(options.data_dir, "stacklab.db").exists()


def test_second_run_changes_nothing(first_run: tuple[DeployResult, list[str]], options: DeployOptions,
                                   ssh_target: SshTarget, wheelhouse: Wheelhouse) -> None:
    pids_before = [pid_of(options, service) for service in ("", "-course", "-jupyter", "-dashboard")]
    lines: list[str] = []
    with connect(ssh_target.host, ssh_target.user, ssh_target.port, str(ssh_target.key_file),
                 load_ssh_configs=False) as c:
        result = deploy(c, options, wheelhouse, echo=lines.append)
    assert [s.name for s in result.steps if s.changed] == [], lines
    assert all(line.lstrip().startswith(("ok:", "recap:")) for line in lines), lines
    assert [pid_of(options, service) for service in ("", "-course", "-jupyter", "-dashboard")] == pids_before
    assert result.jupyter_token == first_run[0].jupyter_token  # the token is kept
    assert httpx.get(f"http://127.0.0.1:{options.port}/identity", timeout=5).status_code == 300


def test_changed_config_restarts_the_service(first_run: tuple[DeployResult, list[str]], options: DeployOptions,
                                            ssh_target: SshTarget, wheelhouse: Wheelhouse) -> None:
    pid_before = Path(options.pid_file).read_text()
    jupyter_before = pid_of(options, "-jupyter")
    dashboard_before = pid_of(options, "-dashboard")
    options.extra_settings = {"log_level": "info"}
    lines: list[str] = []
    try:
        with connect(ssh_target.host, ssh_target.user, ssh_target.port, str(ssh_target.key_file),
                     load_ssh_configs=False) as c:
            result = deploy(c, options, wheelhouse, echo=lines.append)
    finally:
        options.extra_settings = {}
    assert sorted(s.name for s in result.steps if s.changed) == ["config", "service"], lines
    assert Path(options.pid_file).read_text() != pid_before
    assert "log_level: info" in Path(options.config_path).read_text()
    assert pid_of(options, "-jupyter") == jupyter_before  # only StackLab restarts
    assert pid_of(options, "-dashboard") == dashboard_before  # its local_settings did not change
    assert httpx.get(f"http://127.0.0.1:{options.port}/identity", timeout=5).status_code == 300


def test_a_service_that_does_not_answer_fails_the_deployment(ssh_target: SshTarget, options: DeployOptions,
                                                            wheelhouse: Wheelhouse,
                                                            first_run: tuple[DeployResult, list[str]]) -> None:
    # A config StackLab rejects (unknown key): the service exits, the API check must say so, not pass.
    import lab.deploy.tasks as tasks

    bad = DeployOptions(**{**options.__dict__, "extra_settings": {"no_such_setting": 1},
                           "port": free_port(), "service_name": "stacklab-broken"})
    old_wait = tasks.API_WAIT_SECONDS
    tasks.API_WAIT_SECONDS = 3
    try:
        with connect(ssh_target.host, ssh_target.user, ssh_target.port, str(ssh_target.key_file),
                     load_ssh_configs=False) as c, pytest.raises(DeployError) as excinfo:
            bad.config_path = f"{ssh_target.home}/stacklab/etc/broken.yaml"
            deploy(c, bad, wheelhouse, echo=lambda _: None)
    finally:
        tasks.API_WAIT_SECONDS = old_wait
    assert "did not answer GET /identity with 300" in str(excinfo.value)
    assert "unknown setting(s) no_such_setting" in Path(bad.log_file).read_text()


def test_vm_reset_returns_the_vm_to_a_clean_lab(first_run: tuple[DeployResult, list[str]], options: DeployOptions,
                                               ssh_target: SshTarget, fake_vagrant: Path) -> None:
    # `stacklab vm reset` finds the VM through `vagrant ssh-config` (replayed), here pointing at the sshd.
    (fake_vagrant / "ssh-config.txt").write_text(
        f"Host default\n  HostName {ssh_target.host}\n  User {ssh_target.user}\n  Port {ssh_target.port}\n"
        f"  IdentityFile {ssh_target.key_file}\n  IdentitiesOnly yes\n")
    leftover = Path(options.data_dir, "leftover-from-last-session")
    leftover.write_text("debris")
    password_file = Path(options.data_dir, "admin-password")
    password_before = password_file.read_text()
    pid_before = Path(options.pid_file).read_text()
    lines: list[str] = []
    vm = ClassroomVM(root=fake_vagrant, echo=lines.append, options=options)
    assert vm.reset() == "reset to a clean lab"
    assert not leftover.exists()
    assert password_file.read_text() == password_before
    assert Path(options.pid_file).read_text() != pid_before
    assert Path(options.data_dir, "stacklab.db").exists()  # bootstrapped again
    assert httpx.get(f"http://127.0.0.1:{options.port}/identity", timeout=5).status_code == 300
    assert any(line.startswith("changed:") and "service" in line for line in lines), lines


def pid_of(options: DeployOptions, service: str) -> str:
    return Path(options.prefix, f"{options.service_name}{service}.pid").read_text()


def test_course_site_serves_the_built_site(first_run: tuple[DeployResult, list[str]],
                                           options: DeployOptions) -> None:
    r = httpx.get(f"http://127.0.0.1:{options.course_port}/", timeout=5)
    assert r.status_code == 200
    assert "<title>StackLab</title>" in r.text  # the mkdocs site's home page, not a directory listing
    r = httpx.get(f"http://127.0.0.1:{options.course_port}/instructor/classroom-vm/", timeout=5)
    assert r.status_code == 200
    assert "The classroom VM" in r.text
    assert httpx.get(f"http://127.0.0.1:{options.course_port}/no-such-page/", timeout=5).status_code == 404


def test_jupyterlab_serves_the_notebooks_as_the_demo_user(first_run: tuple[DeployResult, list[str]],
                                                         options: DeployOptions, ssh_target: SshTarget) -> None:
    result, _ = first_run
    base = f"http://127.0.0.1:{options.jupyter_port}"
    token = result.jupyter_token
    # Without the token JupyterLab refuses; with it the API answers and lists the course notebooks.
    assert httpx.get(f"{base}/api/contents", timeout=10).status_code == 403
    r = httpx.get(f"{base}/api/contents", params={"token": token}, timeout=10)
    assert r.status_code == 200, r.text
    names = {item["name"] for item in r.json()["content"]}
    assert "day1-identity-compute-images.ipynb" in names
    r = httpx.get(f"{base}/lab", params={"token": token}, timeout=10)
    assert r.status_code == 200 and "JupyterLab" in r.text
    # Its environment points the notebooks at the demo user's clouds.yaml entry, and that entry logs in.
    pid = pid_of(options, "-jupyter").strip()
    environ = dict(item.split("=", 1) for item in Path(f"/proc/{pid}/environ").read_text().split("\0") if item)
    assert environ["OS_CLOUD"] == "stacklab-demo"
    entry = yaml.safe_load(Path(environ["OS_CLIENT_CONFIG_FILE"]).read_text())["clouds"]["stacklab-demo"]["auth"]
    auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": entry["username"], "password": entry["password"], "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": entry["project_name"], "domain": {"name": "Default"}}}}}
    r = httpx.post(f"{entry['auth_url']}/v3/auth/tokens", json=auth, timeout=10)
    assert r.status_code == 201, r.text
    owner = subprocess.run(["ps", "-o", "user=", "-p", pid], capture_output=True, text=True, timeout=10)
    assert owner.stdout.strip() == ssh_target.user


def admin_token(options: DeployOptions) -> str:
    auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "password": "deploy-test-admin", "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
    r = httpx.post(f"http://127.0.0.1:{options.port}/identity/v3/auth/tokens", json=auth, timeout=10)
    assert r.status_code == 201, r.text
    return r.headers["X-Subject-Token"]


def project_names(options: DeployOptions) -> set[str]:
    r = httpx.get(f"http://127.0.0.1:{options.port}/identity/v3/projects",
                  headers={"X-Auth-Token": admin_token(options)}, timeout=10)
    assert r.status_code == 200, r.text
    return {p["name"] for p in r.json()["projects"]}


def test_vm_reset_restores_a_saved_snapshot(first_run: tuple[DeployResult, list[str]], options: DeployOptions,
                                            ssh_target: SshTarget, fake_vagrant: Path) -> None:
    (fake_vagrant / "ssh-config.txt").write_text(
        f"Host default\n  HostName {ssh_target.host}\n  User {ssh_target.user}\n  Port {ssh_target.port}\n"
        f"  IdentityFile {ssh_target.key_file}\n")
    stacklab = f"{options.venv}/bin/stacklab --config {options.config_path}"
    with connect(ssh_target.host, ssh_target.user, ssh_target.port, str(ssh_target.key_file),
                 load_ssh_configs=False) as c:
        saved = sudo(c, f"{stacklab} snapshot save before-class")
    assert "Saved snapshot before-class" in saved.stdout
    # Something a student did after the snapshot.
    r = httpx.post(f"http://127.0.0.1:{options.port}/identity/v3/projects",
                   headers={"X-Auth-Token": admin_token(options)},
                   json={"project": {"name": "made-after-snapshot", "domain_id": "default"}}, timeout=10)
    assert r.status_code == 201, r.text
    assert "made-after-snapshot" in project_names(options)

    lines: list[str] = []
    vm = ClassroomVM(root=fake_vagrant, echo=lines.append, options=options)
    assert vm.reset("before-class") == "restored snapshot before-class"
    assert "made-after-snapshot" not in project_names(options)
    assert {"admin", "demo"} <= project_names(options)

    # An unknown snapshot: the restore inside the VM fails with the lab's message, and the lab is unchanged.
    with pytest.raises(DeployError) as excinfo:
        vm.reset("no-such-snapshot")
    assert "Could not find snapshot: no-such-snapshot" in str(excinfo.value)
    assert {"admin", "demo"} <= project_names(options)
    assert "made-after-snapshot" not in project_names(options)


def test_dashboard_serves_horizon_for_the_lab(first_run: tuple[DeployResult, list[str]], options: DeployOptions,
                                             ssh_target: SshTarget) -> None:
    base = f"http://127.0.0.1:{options.dashboard_port}"
    # The settings name the lab's Keystone (its public URL: here the bound address), the session files and the
    # secret key live in the lab's data directory, readable by the service user only.
    home = Path(options.data_dir, "dashboard")
    local_settings = (home / "local" / "local_settings.py").read_text()
    assert f"OPENSTACK_KEYSTONE_URL = 'http://127.0.0.1:{options.port}/identity/v3'" in local_settings
    assert (home / "secret-key").stat().st_mode & 0o777 == 0o600
    assert (home / "secret-key").owner() == ssh_target.user
    # Horizon itself runs from its own venv, as the service user, with the static files collected once there.
    assert Path(options.dashboard_venv, "stacklab-static", ".stacklab-prepared").exists()
    pid = pid_of(options, "-dashboard").strip()
    owner = subprocess.run(["ps", "-o", "user=", "-p", pid], capture_output=True, text=True, timeout=10)
    assert owner.stdout.strip() == ssh_target.user
    children = subprocess.run(["ps", "-o", "args=", "--ppid", pid], capture_output=True, text=True, timeout=10)
    assert f"{options.dashboard_venv}/bin/python -m gunicorn" in children.stdout, children.stdout

    # A student logs in through the login form (Django's CSRF check included): Horizon asks the lab's
    # Keystone and sends the browser on to the project's dashboard; a wrong password stays on the form.
    log = Path(options.prefix, "stacklab-dashboard.log")
    with httpx.Client(base_url=base, timeout=60) as browser:
        try:
            form = browser.get("/auth/login/")
        except httpx.HTTPError as exc:
            raise AssertionError(f"{exc!r}; the dashboard's log:\n{log.read_text()[-5000:]}") from exc
        assert form.status_code == 200 and "Log in" in form.text
        fields = {**hidden_fields(form.text), "username": "demo"}
        assert {"csrfmiddlewaretoken", "region"} <= set(fields), fields
        wrong = browser.post("/auth/login/", data={**fields, "password": "not-demo"},
                             headers={"Referer": f"{base}/auth/login/"})
        assert wrong.status_code == 200 and "Invalid credentials" in wrong.text
        fields.update(hidden_fields(wrong.text))
        r = browser.post("/auth/login/", data={**fields, "password": "demo"},
                         headers={"Referer": f"{base}/auth/login/"})
        assert r.status_code == 302, r.text[-2000:]
        page = browser.get(r.headers["location"], follow_redirects=True)
        assert page.status_code == 200
        assert "demo" in page.text and "Overview" in page.text
    assert httpx.get(f"{base}/static/no-such-file.css", timeout=10).status_code == 404


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of Horizon's login form (CSRF token, region), by name."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if 'type="hidden"' in tag and name and value:
            fields[name.group(1)] = value.group(1)
    return fields
