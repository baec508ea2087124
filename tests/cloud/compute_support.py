"""Helpers shared by the compute API tests: a reader in the demo project, a bootable image id, and server
creation through the API (then the worker) as a student would do it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from tests.conftest import get_token

API = "/compute/v2.1"
FAKE_IMAGE_ID = "7b8a4a4e-2c1f-4c8e-9d2a-3f1e0c9b5a11"

# Keys of a server at microversion 2.1, from tempest's response schemas (servers.py, v2_1).
SERVER_REQUIRED = {"id", "name", "status", "image", "flavor", "user_id", "tenant_id", "created", "updated",
                   "metadata", "links", "addresses", "hostId"}
SERVER_ALLOWED = SERVER_REQUIRED | {
    "fault", "progress", "OS-DCF:diskConfig", "accessIPv4", "accessIPv6", "key_name", "security_groups",
    "OS-SRV-USG:launched_at", "OS-SRV-USG:terminated_at", "OS-EXT-AZ:availability_zone", "OS-EXT-STS:task_state",
    "OS-EXT-STS:vm_state", "OS-EXT-STS:power_state", "OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:instance_name",
    "OS-EXT-SRV-ATTR:hypervisor_hostname", "os-extended-volumes:volumes_attached", "config_drive"}
SERVER_UPDATE_ALLOWED = SERVER_REQUIRED | {"fault", "progress", "OS-DCF:diskConfig", "accessIPv4", "accessIPv6"}


def image_id(client: TestClient, cloud: Cloud, headers: dict[str, str]) -> str:
    """The bootstrap `cirros` image when the lab has an image service; any id otherwise (compute then accepts
    any imageRef as a placeholder)."""
    if getattr(cloud, "image", None) is None:
        return FAKE_IMAGE_ID
    r = client.get("/image/v2/images?name=cirros", headers=headers)
    assert r.status_code == 200, r.text
    return str(r.json()["images"][0]["id"])


def create_server(client: TestClient, cloud: Cloud, headers: dict[str, str], name: str = "vm1",
                  flavor: str = "1", run: bool = True, **extra: Any) -> dict[str, Any]:
    """POST /servers (202) and, with `run`, let the worker build it; returns the server as GET shows it."""
    body = {"server": {"name": name, "flavorRef": flavor, "imageRef": image_id(client, cloud, headers), **extra}}
    r = client.post(f"{API}/servers", json=body, headers=headers)
    assert r.status_code == 202, r.text
    server_id = r.json()["server"]["id"]
    if run:
        cloud.worker.run_due()
    shown = client.get(f"{API}/servers/{server_id}", headers=headers)
    assert shown.status_code == 200, shown.text
    return shown.json()["server"]  # type: ignore[no-any-return]


def add_reader(cloud: Cloud, project_name: str = "demo", user_name: str = "demo-reader") -> None:
    """A user with only the reader role in a project (the identity admin API belongs to another branch, so the
    rows are written directly)."""
    from lab.cloud.identity.models import Project, Role, RoleAssignment, User
    from lab.cloud.identity.passwords import hash_password

    with cloud.db.write() as db:
        project = db.scalar(select(Project).where(Project.name == project_name))
        role = db.scalar(select(Role).where(Role.name == "reader"))
        assert project is not None and role is not None
        user = User(name=user_name, domain_id="default", password_hash=hash_password("reader"),
                    default_project_id=project.id)
        db.add(user)
        db.flush()
        db.add(RoleAssignment(user_id=user.id, project_id=project.id, role_id=role.id))


def reader_headers(client: TestClient, cloud: Cloud) -> dict[str, str]:
    """Headers for a (new) reader of the demo project."""
    add_reader(cloud)
    return {"X-Auth-Token": get_token(client, "demo-reader", "reader", "demo")}


def other_headers(client: TestClient, cloud: Cloud) -> dict[str, str]:
    """Headers for a member of a (new) other project, `other`."""
    from lab.cloud.identity.models import Project, Role, RoleAssignment, User
    from lab.cloud.identity.passwords import hash_password

    with cloud.db.write() as db:
        project = Project(name="other", domain_id="default")
        db.add(project)
        db.flush()
        role = db.scalar(select(Role).where(Role.name == "member"))
        assert role is not None
        user = User(name="other", domain_id="default", password_hash=hash_password("other"),
                    default_project_id=project.id)
        db.add(user)
        db.flush()
        db.add(RoleAssignment(user_id=user.id, project_id=project.id, role_id=role.id))
    return {"X-Auth-Token": get_token(client, "other", "other", "other")}


def project_id(client: TestClient, headers: dict[str, str]) -> str:
    r = client.get("/identity/v3/auth/tokens", headers={**headers, "X-Subject-Token": headers["X-Auth-Token"]})
    assert r.status_code == 200, r.text
    return str(r.json()["token"]["project"]["id"])
