"""Restart safety: a lab killed with SIGKILL at any moment starts again on the same data directory with
nothing lost and nothing half-made (DESIGN.md: persistent by default; the worker resumes work in flight)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, LiveCloud, start_live_cloud

pytestmark = pytest.mark.e2e


def token(url: str, user: str, password: str, project: str) -> str:
    r = httpx.post(f"{url}/identity/v3/auth/tokens", timeout=30, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}}}})
    assert r.status_code == 201, r.text
    return r.headers["x-subject-token"]


def restart(lab: LiveCloud, **extra_env: str) -> LiveCloud:
    """Kill the lab with SIGKILL (no shutdown code runs) and start it again on the same data dir and port."""
    lab.stop(kill=True)
    port = int(lab.url.rsplit(":", 1)[1])
    return start_live_cloud(lab.data_dir, port=port, extra_env=extra_env)


def catalog_types(url: str, tok: str) -> set[str]:
    r = httpx.get(f"{url}/identity/v3/auth/catalog", headers={"X-Auth-Token": tok}, timeout=30)
    assert r.status_code == 200, r.text
    return {entry["type"] for entry in r.json()["catalog"]}


def test_tokens_and_clock_survive_kill_9(tmp_path: Path) -> None:
    """A token issued and a clock advance made before SIGKILL are still there after the restart."""
    lab = start_live_cloud(tmp_path / "lab")
    try:
        admin = token(lab.url, "admin", ADMIN_PASSWORD, "admin")
        demo = token(lab.url, "demo", "demo", "demo")
        r = httpx.post(f"{lab.url}/lab/v1/clock/advance", json={"by": "5h"}, headers={"X-Auth-Token": admin})
        assert r.status_code == 200, r.text
        lab = restart(lab)
        r = httpx.get(f"{lab.url}/lab/v1/clock", headers={"X-Auth-Token": admin})
        assert r.status_code == 200, r.text  # the admin token survived
        assert r.json()["clock"]["offset_seconds"] == 5 * 3600
        r = httpx.get(f"{lab.url}/identity/v3/auth/tokens", headers={"X-Auth-Token": admin, "X-Subject-Token": demo})
        assert r.status_code == 200 and r.json()["token"]["project"]["name"] == "demo"
        # The admin password was kept, not regenerated.
        assert (lab.data_dir / "admin-password").read_text().strip() == ADMIN_PASSWORD
    finally:
        lab.stop()


def test_projects_and_users_survive_kill_9(tmp_path: Path, unique: Any) -> None:
    """A project and a user (with a role) created through Keystone's API before SIGKILL can log in after it."""
    lab = start_live_cloud(tmp_path / "lab")
    try:
        admin = {"X-Auth-Token": token(lab.url, "admin", ADMIN_PASSWORD, "admin")}
        r = httpx.post(f"{lab.url}/identity/v3/projects", headers=admin,
                       json={"project": {"name": unique("p"), "domain_id": "default"}})
        assert r.status_code == 201, r.text
        project = r.json()["project"]
        r = httpx.post(f"{lab.url}/identity/v3/users", headers=admin, json={"user": {
            "name": unique("u"), "password": "pw-1", "domain_id": "default", "default_project_id": project["id"]}})
        assert r.status_code == 201, r.text
        user = r.json()["user"]
        roles = httpx.get(f"{lab.url}/identity/v3/roles?name=member", headers=admin).json()["roles"]
        r = httpx.put(f"{lab.url}/identity/v3/projects/{project['id']}/users/{user['id']}/roles/{roles[0]['id']}",
                      headers=admin)
        assert r.status_code == 204, r.text
        lab = restart(lab)
        tok = token(lab.url, user["name"], "pw-1", project["name"])
        assert tok
    finally:
        lab.stop()


class Creator(threading.Thread):
    """Creates servers one after another until the cloud stops answering; remembers every 202."""

    def __init__(self, url: str, headers: dict[str, str], flavor: str, image: str, prefix: str, limit: int = 300):
        super().__init__(daemon=True)
        self.url, self.headers, self.flavor, self.image, self.prefix, self.limit = url, headers, flavor, image, \
            prefix, limit
        self.accepted: list[str] = []
        self.failures: list[str] = []

    def run(self) -> None:
        with httpx.Client(timeout=30) as client:
            for n in range(self.limit):
                try:
                    r = client.post(f"{self.url}/compute/v2.1/servers", headers=self.headers, json={"server": {
                        "name": f"{self.prefix}-{n}", "flavorRef": self.flavor, "imageRef": self.image}})
                except httpx.TransportError:
                    return  # killed: this request may or may not have been committed
                if r.status_code != 202:
                    self.failures.append(f"{r.status_code} {r.text}")
                    return
                self.accepted.append(r.json()["server"]["id"])


def test_servers_created_before_kill_9_all_finish(tmp_path: Path) -> None:
    """Kill -9 while servers are being created: after a restart every accepted server exists, none stays in
    BUILD, and every server is whole (ACTIVE, or ERROR with a fault)."""
    # Slow boots so that the kill lands while many servers are still in BUILD.
    lab = start_live_cloud(tmp_path / "lab", extra_env={"STACKLAB_BOOT_SECONDS": "3"})
    try:
        demo = {"X-Auth-Token": token(lab.url, "demo", "demo", "demo")}
        assert {"compute", "image"} <= catalog_types(lab.url, demo["X-Auth-Token"])
        flavors = httpx.get(f"{lab.url}/compute/v2.1/flavors", headers=demo).json()["flavors"]
        images = httpx.get(f"{lab.url}/image/v2/images?name=cirros", headers=demo).json()["images"]
        assert flavors and images, (flavors, images)
        # More servers than demo's default quota of 10, each with a port on demo's private /26 (which holds
        # about 60): unlimited compute quotas, and at most 50 creates.
        admin = {"X-Auth-Token": token(lab.url, "admin", ADMIN_PASSWORD, "admin")}
        demo_project = httpx.get(f"{lab.url}/identity/v3/auth/tokens", timeout=30, headers={
            **admin, "X-Subject-Token": demo["X-Auth-Token"]}).json()["token"]["project"]["id"]
        r = httpx.put(f"{lab.url}/compute/v2.1/os-quota-sets/{demo_project}", headers=admin, timeout=30,
                      json={"quota_set": {"instances": -1, "cores": -1, "ram": -1}})
        assert r.status_code == 200, r.text
        creator = Creator(lab.url, demo, flavors[0]["id"], images[0]["id"], "crash", limit=50)
        creator.start()
        for _ in range(600):  # bounded: up to 60 s for the first ten creates
            if len(creator.accepted) >= 10 or not creator.is_alive():
                break
            time.sleep(0.1)
        assert len(creator.accepted) >= 10, creator.failures
        lab = restart(lab, STACKLAB_BOOT_SECONDS="0.2")  # kills in the middle of the creator's loop
        creator.join(timeout=60)
        assert not creator.failures, creator.failures
        accepted = set(creator.accepted)

        servers: list[dict[str, Any]] = []
        for _ in range(120):  # bounded: up to 60 s for the worker to finish what the killed process left
            r = httpx.get(f"{lab.url}/compute/v2.1/servers/detail", headers=demo, timeout=30)
            assert r.status_code == 200, r.text
            servers = [s for s in r.json()["servers"] if s["name"].startswith("crash-")]
            if all(s["status"] not in ("BUILD",) for s in servers):
                break
            time.sleep(0.5)
        by_id = {s["id"]: s for s in servers}
        assert accepted <= set(by_id), f"lost servers: {accepted - set(by_id)}"
        stuck = [s["id"] for s in servers if s["status"] == "BUILD"]
        assert not stuck, f"servers still in BUILD after restart: {stuck}"
        for server in servers:
            assert server["status"] in ("ACTIVE", "ERROR"), server
            assert server["flavor"]["id"] == flavors[0]["id"] and server["image"]["id"] == images[0]["id"]
            if server["status"] == "ERROR":
                assert server.get("fault", {}).get("message"), server
            r = httpx.get(f"{lab.url}/compute/v2.1/servers/{server['id']}", headers=demo, timeout=30)
            assert r.status_code == 200 and r.json()["server"]["status"] == server["status"]
    finally:
        lab.stop()
