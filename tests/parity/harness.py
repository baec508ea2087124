"""A scenario run against one cloud named in a clouds.yaml: openstacksdk connections (admin, demo, and a
reader made by the identity scenario) in this process and `openstack` CLI calls in child processes, all captured
at the HTTP level (tests.parity.capture) and tagged with the scenario step they belong to."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openstack
from openstack.config import OpenStackConfig
from openstack.connection import Connection

from tests.parity.capture import Record, install
from tests.parity.normalize import Normaliser, endpoint_root

ROOT = Path(__file__).resolve().parents[2]
READER = ("parity-reader", "parity-reader-pw")  # made by the identity scenario, a reader in `demo`


class Run:
    """Captures every exchange of the scenarios run with it; `exchanges()` gives them normalised."""

    def __init__(self, config_file: Path, admin_cloud: str = "stacklab", demo_cloud: str = "stacklab-demo") -> None:
        self.config_file = config_file
        self.clouds = {"admin": admin_cloud, "demo": demo_cloud}
        self.records: list[tuple[str, Record]] = []
        self.current = "setup"
        self.paused = False
        self.aborted: list[str] = []
        self.verbose = False
        self.connections: dict[str, Any] = {}
        self.remove_hook = install(self._sink)

    def _sink(self, record: Record) -> None:
        if not self.paused:
            self.records.append((self.current, record))

    def close(self) -> None:
        for conn in self.connections.values():
            conn.close()
        self.remove_hook()

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Tag the exchanges made inside with `name` (scenario/step). A step that fails (an answer the client
        rejects) is noted in `aborted` and the scenario goes on: the comparison shows what went missing."""
        previous, self.current = self.current, name
        started = time.monotonic()
        try:
            yield
        except Exception as e:  # noqa: BLE001 - any failure of a client call ends the step, not the run
            self.aborted.append(f"{name}: {type(e).__name__}: {str(e)[:300]}")
            print(f"step {name} aborted: {type(e).__name__}: {str(e)[:300]}", file=sys.stderr)
        finally:
            self.current = previous
            if self.verbose:
                print(f"step {name}: {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        """Leave the exchanges made inside out (clean-up of what an earlier, failed run left)."""
        self.paused = True
        try:
            yield
        finally:
            self.paused = False

    def auth(self, who: str) -> dict[str, Any]:
        config = OpenStackConfig(config_files=[str(self.config_file)], load_envvars=False)
        return dict(config.get_one(cloud=self.clouds.get(who, self.clouds["demo"])).config["auth"])

    def sdk(self, who: str = "demo") -> Any:
        """One openstacksdk connection per user for the whole run (discovery is recorded once, as in a script)."""
        if who not in self.connections:
            if who == "reader":
                auth = self.auth("demo")
                self.connections[who] = openstack.connect(
                    auth_url=auth["auth_url"], username=READER[0], password=READER[1], project_name="demo",
                    user_domain_name="Default", project_domain_name="Default", region_name="RegionOne",
                    interface="public", identity_api_version="3")
            else:
                config = OpenStackConfig(config_files=[str(self.config_file)], load_envvars=False)
                self.connections[who] = Connection(config=config.get_one(cloud=self.clouds[who]))
        return self.connections[who]

    def cli(self, *args: str, who: str = "demo", check: bool = True) -> Any:
        """Run the real `openstack` CLI as `who`, capturing its exchanges; `-f json` output is parsed."""
        with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as capture:
            env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
            env.update(OS_CLIENT_CONFIG_FILE=str(self.config_file), OS_CLOUD=self.clouds[who],
                       PARITY_CAPTURE=capture.name, PYTHONPATH=os.pathsep.join(
                           [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
            result = subprocess.run([sys.executable, "-m", "tests.parity.osc", *args], env=env,
                                    capture_output=True, text=True, timeout=300, cwd=ROOT)
            for line in capture.read().splitlines():
                self._sink(json.loads(line))
        if check and result.returncode != 0:
            raise RuntimeError(f"openstack {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        if "json" in args and result.returncode == 0 and result.stdout.strip():
            return json.loads(result.stdout)
        return result

    def normaliser(self) -> Normaliser:
        """Service roots from the admin's catalog, and the auth URL's for identity."""
        conn = self.sdk("admin")
        with self.quiet():
            access = conn.session.auth.get_access(conn.session)
        roots = {"identity": endpoint_root(self.auth("admin")["auth_url"])}
        for service in access.service_catalog.catalog:
            for endpoint in service["endpoints"]:
                if endpoint["interface"] == "public" and service["type"] != "identity":
                    roots.setdefault(canonical(service["type"]), endpoint_root(endpoint["url"]))
        return Normaliser(roots)

    def exchanges(self) -> list[dict[str, Any]]:
        normaliser = self.normaliser()
        return [normaliser.exchange(record, step) for step, record in self.records]


def canonical(service_type: str) -> str:
    """One name per service, whichever alias the catalog uses (Cinder's volumev3 is block-storage)."""
    return {"volumev3": "block-storage", "volumev2": "block-storage", "volume": "block-storage"}.get(
        service_type, service_type)
