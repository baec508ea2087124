"""Helpers for the Keystone admin API tests: create projects, users and grants through the API."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.conftest import get_token

V3 = "/identity/v3"


def create(client: TestClient, headers: dict[str, str], kind: str, **attrs: Any) -> dict[str, Any]:
    """POST /v3/<kind>s {<kind>: attrs} as `headers`; asserts 201 and returns the resource."""
    r = client.post(f"{V3}/{kind}s", json={kind: attrs}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()[kind]  # type: ignore[no-any-return]


def role_id(client: TestClient, headers: dict[str, str], name: str) -> str:
    r = client.get(f"{V3}/roles", params={"name": name}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["roles"][0]["id"]  # type: ignore[no-any-return]


def grant(client: TestClient, headers: dict[str, str], project_id: str, user_id: str, role: str) -> None:
    r = client.put(f"{V3}/projects/{project_id}/users/{user_id}/roles/{role_id(client, headers, role)}",
                   headers=headers)
    assert r.status_code == 204, r.text


def user_in_project(client: TestClient, headers: dict[str, str], name: str, role: str,
                    project: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A new project (unless given) and a user holding `role` on it; returns (project, user, token)."""
    project = project or create(client, headers, "project", name=f"{name}-project")
    user = create(client, headers, "user", name=name, password=f"{name}-pw", default_project_id=project["id"])
    grant(client, headers, project["id"], user["id"], role)
    return project, user, get_token(client, name, f"{name}-pw", project["name"])
