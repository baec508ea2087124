"""Keystone's /v3/credentials through the API: bad input is Keystone's 400, another user's credential is 403
for a member, an ec2 credential's id is the SHA-256 of its access key, and the blob is stored encrypted."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from starlette.testclient import TestClient

from lab.cloud.app import Cloud
from lab.cloud.identity.models import Credential, User


def _user_id(cloud: Cloud, name: str) -> str:
    with cloud.db.read() as db:
        return str(db.scalar(select(User.id).where(User.name == name)))


def test_credential_refusals_and_ec2_ids(client: TestClient, cloud: Cloud, as_admin: dict, as_demo: dict) -> None:
    admin, demo = _user_id(cloud, "admin"), _user_id(cloud, "demo")
    post = lambda body, headers=as_admin: client.post("/identity/v3/credentials", headers=headers,  # noqa: E731
                                                      json={"credential": body})
    assert post({"type": "totp", "user_id": demo}).status_code == 400  # no blob
    assert post({"blob": 5, "type": "totp", "user_id": demo}).status_code == 400
    assert post({"blob": "{}", "type": "ec2", "user_id": demo}).status_code == 400  # no access key
    assert post({"blob": "x", "type": "totp", "user_id": "nobody"}).status_code == 404
    assert post({"blob": "x", "type": "totp", "user_id": admin}, as_demo).status_code == 403
    r = post({"blob": "seed", "type": "totp", "user_id": admin})
    assert r.status_code == 201
    theirs = r.json()["credential"]["id"]
    assert client.get(f"/identity/v3/credentials/{theirs}", headers=as_demo).status_code == 403
    assert client.delete(f"/identity/v3/credentials/{theirs}", headers=as_demo).status_code == 403
    assert theirs not in {c["id"] for c in client.get("/identity/v3/credentials", headers=as_demo).json()[
        "credentials"]}

    project = client.get("/identity/v3/auth/projects", headers=as_demo).json()["projects"][0]["id"]
    blob = json.dumps({"access": "AKIA1", "secret": "s3cr3t"})
    r = post({"blob": blob, "type": "ec2", "user_id": demo, "project_id": project}, as_demo)
    assert r.status_code == 201 and r.json()["credential"]["id"] == hashlib.sha256(b"AKIA1").hexdigest()
    assert post({"blob": blob, "type": "ec2", "user_id": demo, "project_id": project}, as_demo).status_code == 409
    with cloud.db.read() as db:
        stored = db.get(Credential, r.json()["credential"]["id"])
        assert stored is not None and "s3cr3t" not in stored.encrypted_blob
    shown = client.get(f"/identity/v3/users/{demo}/credentials/OS-EC2/AKIA1", headers=as_demo)
    assert shown.status_code == 200 and shown.json()["credential"]["secret"] == "s3cr3t"
    assert client.get(f"/identity/v3/users/{admin}/credentials/OS-EC2", headers=as_demo).status_code == 403
    assert client.post(f"/identity/v3/users/{demo}/credentials/OS-EC2", headers=as_demo,
                       json={}).status_code == 400
