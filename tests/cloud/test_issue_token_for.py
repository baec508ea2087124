"""The token the cloud issues itself for one of its users (a night-time drill, an exam graded at time-up): it
acts as that user on that project only, and is refused for a disabled user or a project they have no role on."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.errors import Unauthorized


def _ids(client: TestClient, headers: dict[str, str], user: str, project: str) -> tuple[str, str]:
    users = client.get(f"/identity/v3/users?name={user}", headers=headers).json()["users"]
    projects = client.get(f"/identity/v3/projects?name={project}", headers=headers).json()["projects"]
    return users[0]["id"], projects[0]["id"]


def test_a_token_in_the_users_name(cloud: Cloud, client: TestClient, as_admin: dict[str, str]) -> None:
    demo, demo_project = _ids(client, as_admin, "demo", "demo")
    _admin, admin_project = _ids(client, as_admin, "admin", "admin")
    token = cloud.identity.issue_token_for(demo, demo_project)
    ctx = cloud.identity.context_for_token(token)
    assert (ctx.user_name, ctx.project_id, ctx.is_admin) == ("demo", demo_project, False)
    assert client.get("/compute/v2.1/servers", headers={"X-Auth-Token": token}).status_code == 200

    with pytest.raises(Unauthorized):  # demo has no role on the admin project
        cloud.identity.issue_token_for(demo, admin_project)
    disabled = client.patch(f"/identity/v3/users/{demo}", headers=as_admin, json={"user": {"enabled": False}})
    assert disabled.status_code == 200, disabled.text
    with pytest.raises(Unauthorized):
        cloud.identity.issue_token_for(demo, demo_project)
