"""Shared fixtures: an in-process cloud with an HTTP client (the API layer), and a live server on 127.0.0.1
driven by the real `openstack` CLI and openstacksdk (the e2e layer)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud, create_app
from lab.config import Settings

ADMIN_PASSWORD = "secret-admin"
# Variables that point a client or the lab at the user's own files or lab; a test never inherits them.
USER_VARIABLES = ("OS_CLOUD", "OS_AUTH_URL", "STACKLAB_DATA_DIR", "STACKLAB_PORT", "STACKLAB_HOST",
                  "STACKLAB_PUBLIC_URL", "STACKLAB_CONFIG", "STACKLAB_DATABASE_URL")


# Caches (built deployment wheels, libvirt's probe results) are not the user's settings or labs, and rebuilding
# them per test would take minutes: they stay where they were.
CACHE_HOME = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")


def isolate_home(mp: pytest.MonkeyPatch, home: Path) -> None:
    """Point HOME, the XDG config and data folders and openstacksdk's config file at `home`, so neither this
    process nor the subprocesses it starts (they inherit the environment) read or write the user's clouds.yaml
    or lab. Only the cache folder is kept (CACHE_HOME)."""
    for name in USER_VARIABLES:
        mp.delenv(name, raising=False)
    mp.setenv("XDG_CACHE_HOME", CACHE_HOME)
    mp.setenv("HOME", str(home))
    mp.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    mp.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    mp.setenv("OS_CLIENT_CONFIG_FILE", str(home / ".config" / "openstack" / "clouds.yaml"))


def user_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a user whose clouds.yaml lives under `home`, with no STACKLAB_* or OS_* leaking in.

    OS_CLIENT_CONFIG_FILE is set, not just dropped: click's CliRunner only overrides the variables it is given,
    so a dropped one would still be read from this process's environment (the session's home)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STACKLAB_", "OS_"))}
    env.update(XDG_CONFIG_HOME=str(home / "config"),
               OS_CLIENT_CONFIG_FILE=str(home / "config" / "openstack" / "clouds.yaml"), **extra)
    return env


@pytest.fixture(scope="session", autouse=True)
def hermetic_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A home of the session's own, for session and module fixtures (live clouds start before any test)."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        isolate_home(mp, home)
        yield
    # A fixture that wrote a clouds.yaml here leaks it into every later module fixture (the parity replay once
    # talked to another module's stopped lab this way): such a fixture needs a home of its own (`user_env`).
    clouds = home / ".config" / "openstack" / "clouds.yaml"
    assert not clouds.exists(), f"a session or module fixture wrote {clouds}:\n{clouds.read_text()}"


@pytest.fixture(autouse=True)
def hermetic_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test its own HOME, XDG folders and OS_CLIENT_CONFIG_FILE (never the user's, see `isolate_home`)."""
    isolate_home(monkeypatch, tmp_path_factory.mktemp("home"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a throw-away lab in a temporary directory (instant boots, fixed admin password)."""
    return Settings(data_dir=tmp_path / "lab", admin_password=ADMIN_PASSWORD, boot_seconds=0.0,
                    port=8780, host="127.0.0.1")


@pytest.fixture
def cloud(settings: Settings) -> Iterator[Cloud]:
    """A bootstrapped cloud with no worker thread: tests run asynchronous work with `cloud.worker.run_due()`."""
    cloud = Cloud(settings)
    cloud.bootstrap()
    yield cloud
    cloud.close()


@pytest.fixture
def client(cloud: Cloud) -> Iterator[TestClient]:
    """An HTTP client for the in-process ASGI app (no worker thread; see `cloud`)."""
    app = create_app(cloud.settings, cloud=cloud, start_worker=False)
    with TestClient(app, base_url="http://127.0.0.1:8780", raise_server_exceptions=False) as c:
        yield c


def get_token(client: TestClient, user: str, password: str, project: str) -> str:
    """Password-authenticate `user` scoped to `project` (both in the Default domain); return the token."""
    r = client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}}}})
    assert r.status_code == 201, r.text
    return r.headers["x-subject-token"]


@pytest.fixture
def admin_token(client: TestClient) -> str:
    return get_token(client, "admin", ADMIN_PASSWORD, "admin")


@pytest.fixture
def demo_token(client: TestClient) -> str:
    return get_token(client, "demo", "demo", "demo")


@pytest.fixture
def as_admin(admin_token: str) -> dict[str, str]:
    """Headers for requests as the admin."""
    return {"X-Auth-Token": admin_token}


@pytest.fixture
def as_demo(demo_token: str) -> dict[str, str]:
    """Headers for requests as the demo project's member."""
    return {"X-Auth-Token": demo_token}


# ---------------------------------------------------------------------------------------------- live server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveCloud:
    """A `stacklab up` process on 127.0.0.1 and what a client needs to reach it."""

    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    log: Path | None = None

    def why_down(self) -> str:
        """What to print when the lab stopped answering: its exit status and the end of its log."""
        state = "running" if self.process.poll() is None else f"exited with {self.process.returncode}"
        return f"the lab ({self.url}, pid {self.process.pid}) is {state}; its log ends:\n" + (
            _tail(self.log) if self.log else "(no log)")

    def os_env(self, user: str = "admin", project: str | None = None, password: str | None = None) -> dict[str, str]:
        """Environment for the `openstack` CLI as `user` (admin, or demo in the demo project)."""
        if password is None:
            password = ADMIN_PASSWORD if user == "admin" else "demo"
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        env.update(OS_AUTH_URL=f"{self.url}/identity", OS_USERNAME=user, OS_PASSWORD=password,
                   OS_PROJECT_NAME=project or user, OS_USER_DOMAIN_NAME="Default",
                   OS_PROJECT_DOMAIN_NAME="Default", OS_IDENTITY_API_VERSION="3", OS_REGION_NAME="RegionOne",
                   OS_INTERFACE="public")
        return env

    def openstack(self, *args: str, user: str = "admin", project: str | None = None,
                  check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the real `openstack` CLI; `-f json` output is left for the caller to parse."""
        cli = str(Path(sys.executable).with_name("openstack"))
        result = subprocess.run([cli, *args], env=self.os_env(user, project), capture_output=True, text=True,
                                timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"openstack {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def sdk(self, user: str = "admin", project: str | None = None) -> Any:
        """An openstacksdk connection as `user`."""
        import openstack

        password = ADMIN_PASSWORD if user == "admin" else "demo"
        return openstack.connect(auth_url=f"{self.url}/identity", username=user, password=password,
                                 project_name=project or user, user_domain_name="Default",
                                 project_domain_name="Default", region_name="RegionOne", interface="public",
                                 identity_api_version="3")

    def stop(self, kill: bool = False) -> None:
        if self.process.poll() is None:
            self.process.kill() if kill else self.process.terminate()
            self.process.wait(timeout=30)


# A bound against a lab that never answers, not a speed test: it starts in about 2 s on an idle machine, and
# several times that when the machine is loaded (2 cores shared by the suite's processes and the lab's own).
START_BOUND = 90


def start_live_cloud(data_dir: Path, port: int | None = None, extra_env: dict[str, str] | None = None) -> LiveCloud:
    """Start `stacklab up` as a child process and wait (bounded) until it answers."""
    port = port or free_port()
    # Alarms are evaluated every 5 s, not Aodh's 60: a lab whose alarm must fire does not wait a minute.
    env = dict(os.environ, STACKLAB_ADMIN_PASSWORD=ADMIN_PASSWORD, STACKLAB_BOOT_SECONDS="0.2",
               STACKLAB_NO_CLOUDS_YAML="1", STACKLAB_ALARM_EVALUATION_INTERVAL="5")
    env.update(extra_env or {})  # may override the defaults above (e.g. a slower boot)
    log = open(data_dir.parent / f"stacklab-{port}.log", "ab")  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen([sys.executable, "-m", "lab.cli", "up", "--host", "127.0.0.1", "--port", str(port),
                                "--data-dir", str(data_dir)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_BOUND
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"stacklab up exited with {process.returncode}:\n{_tail(Path(log.name))}")
        # Only our own process listening counts: another lab that happens to hold the port would answer too
        # (and then go away under the test's feet).
        if _listens(process.pid, port):
            try:
                if httpx.get(f"{url}/identity", timeout=1).status_code in (200, 300):
                    return LiveCloud(url, data_dir, process, env, Path(log.name))
            except httpx.TransportError:
                pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"stacklab up did not answer within {START_BOUND} s:\n{_tail(Path(log.name))}")


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


def _listens(pid: int, port: int) -> bool:
    """Whether process `pid` holds a listening TCP socket on 127.0.0.1:`port` (read from /proc, Linux only)."""
    wanted = f"0100007F:{port:04X}"
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == wanted and fields[3] == "0A":  # 0A: LISTEN
            inodes.add(f"socket:[{fields[9]}]")
    fds = Path(f"/proc/{pid}/fd")
    with contextlib.suppress(OSError):
        for fd in fds.iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) in inodes:
                    return True
    return False


@pytest.fixture(scope="session")
def live_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    """One live cloud shared by the e2e tests of a session (tests create uniquely named resources)."""
    lab = start_live_cloud(tmp_path_factory.mktemp("live") / "lab")
    yield lab
    lab.stop()


@pytest.fixture
def unique() -> Callable[[str], str]:
    """Unique resource names, so e2e tests sharing one live cloud never collide."""
    counter = iter(range(10**9))
    stamp = f"{os.getpid()}-{time.monotonic_ns() % 10**6}"
    return lambda prefix: f"{prefix}-{stamp}-{next(counter)}"


# ---------------------------------------------------------------------------------------------- scheduling
# `make test` hands whole files to two workers (--dist loadfile) in collection order (--no-loadscope-reorder):
# the files measured longest go first, so a long file never starts last and leaves one worker idle at the end.
# file_seconds.json holds measured seconds per file (of a full run's --junitxml, files over 10 s); a file not in
# it keeps its place after them. This changes the order only, never which tests run.
FILE_SECONDS = Path(__file__).with_name("file_seconds.json")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return  # a run without workers keeps pytest's own order
    import json

    seconds: dict[str, float] = json.loads(FILE_SECONDS.read_text())
    first_seen: dict[str, int] = {}
    for item in items:
        first_seen.setdefault(item.nodeid.split("::", 1)[0], len(first_seen))

    def key(item: pytest.Item) -> tuple[float, int]:
        path = item.nodeid.split("::", 1)[0]
        return -seconds.get(path, 0.0), first_seen[path]  # a file's tests stay together, in their order

    items.sort(key=key)
