"""Helpers for the image API tests: extra projects and users, and the common create/upload calls."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.identity.models import Project, Role, RoleAssignment, User
from lab.cloud.identity.passwords import hash_password
from tests.conftest import get_token

OCTET = {"Content-Type": "application/octet-stream"}
PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}


def add_user(cloud: Cloud, client: TestClient, project: str, user: str, role: str = "member") -> dict[str, str]:
    """Make `project` and `user` (password = user name) with `role` on it; return auth headers for it."""
    with cloud.db.write() as db:
        proj = db.scalar(select(Project).where(Project.name == project))
        if proj is None:
            proj = Project(name=project, domain_id="default")
            db.add(proj)
            db.flush()
        account = User(name=user, domain_id="default", password_hash=hash_password(user),
                       default_project_id=proj.id)
        db.add(account)
        db.flush()
        for name in {"member": ("member", "reader"), "reader": ("reader",)}[role]:
            role_id = db.scalar(select(Role.id).where(Role.name == name))
            db.add(RoleAssignment(user_id=account.id, project_id=proj.id, role_id=role_id))
    return {"X-Auth-Token": get_token(client, user, user, project)}


def project_id(cloud: Cloud, name: str) -> str:
    with cloud.db.read() as db:
        found = db.scalar(select(Project.id).where(Project.name == name))
    assert found is not None
    return found


def create_image(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    body.setdefault("disk_format", "raw")
    body.setdefault("container_format", "bare")
    r = client.post("/image/v2/images", headers=headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def upload(client: TestClient, headers: dict[str, str], image_id: str, data: bytes) -> None:
    r = client.put(f"/image/v2/images/{image_id}/file", headers={**headers, **OCTET}, content=data)
    assert r.status_code == 204, r.text


def show(client: TestClient, headers: dict[str, str], image_id: str) -> dict[str, Any]:
    r = client.get(f"/image/v2/images/{image_id}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def list_ids(client: TestClient, headers: dict[str, str], query: str = "") -> list[str]:
    r = client.get(f"/image/v2/images{query}", headers=headers)
    assert r.status_code == 200, r.text
    return [i["id"] for i in r.json()["images"]]


def glance_error(code: int, title: str, message: str) -> dict[str, Any]:
    """The body Glance (webob) sends a JSON client."""
    return {"code": f"{code} {title}", "title": title, "message": message}
