"""Keystone's credentials (`openstack credential create/list/show/set/delete`, /v3/credentials) and the EC2-style
ones made from them (`openstack ec2 credentials create/list/show/delete`, /v3/users/{id}/credentials/OS-EC2): a
user's stored secret, of a `type` (`ec2`, `totp`, `cert`, anything), with an opaque `blob`.

The blob is encrypted at rest, as Keystone's fernet credential provider keeps it: with a Fernet key in
`<data dir>/credential-keys/0` (made at first use, mode 0600, its directory 0700); the database holds only the
ciphertext. An ec2 credential's blob is JSON with `access` and `secret`; its id is the SHA-256 of the access key,
and it names a project. A user manages its own credentials; an operator everyone's."""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound
from lab.cloud.identity.models import Credential, Project, User

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

    from lab.cloud.identity.base import IdentityCore


def key_path(data_dir: Path) -> Path:
    return data_dir / "credential-keys" / "0"


def _fernet(data_dir: Path) -> Fernet:
    """The credential key (keystone-manage credential_setup's key 0), made at first use, readable by the lab
    only."""
    from cryptography.fernet import Fernet  # here: `stacklab up` need not import cryptography

    path = key_path(data_dir)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(Fernet.generate_key())
    return Fernet(path.read_bytes().strip())


def _invalid(field: str, why: str) -> BadRequest:
    return BadRequest(f"Invalid input for field '{field}': {why}")


class Credentials:
    """`identity.credentials`."""

    def __init__(self, core: IdentityCore):
        self.core = core
        self.cloud = core.cloud

    # ---------------------------------------------------------------- storage
    def _encrypt(self, blob: str) -> str:
        return _fernet(self.cloud.settings.data_dir).encrypt(blob.encode()).decode()

    def blob(self, row: Credential) -> str:
        return _fernet(self.cloud.settings.data_dir).decrypt(row.encrypted_blob.encode()).decode()

    def _enforce(self, ctx: RequestContext, action: str, user_id: str) -> None:
        self.cloud.policy.enforce(ctx, f"identity:{action}", **{"target.user.id": user_id})

    def _get(self, db: Any, ctx: RequestContext, credential_id: str, action: str) -> Credential:
        row = db.get(Credential, credential_id)
        if row is None:
            raise NotFound(f"Could not find credential: {credential_id}.")
        self._enforce(ctx, action, row.user_id)
        return row

    # ---------------------------------------------------------------- /v3/credentials
    def create(self, ctx: RequestContext, body: Any) -> Credential:
        if not isinstance(body, dict):
            raise _invalid("credential", f"{body!r} is not of type 'object'")
        for field in ("blob", "type", "user_id"):
            if field not in body:
                raise _invalid(field, f"'{field}' is a required property")
            if not isinstance(body[field], str) or not body[field]:
                raise _invalid(field, f"{body[field]!r} is not a non-empty string")
        project_id = body.get("project_id")
        if project_id is not None and not isinstance(project_id, str):
            raise _invalid("project_id", f"{project_id!r} is not of type 'string', 'null'")
        user_id, kind, blob = body["user_id"], body["type"], body["blob"]
        self._enforce(ctx, "create_credential", user_id)
        credential_id = secrets.token_hex(32)
        if kind == "ec2":
            try:
                access = json.loads(blob).get("access")
            except (ValueError, AttributeError):
                access = None
            if not isinstance(access, str) or not access:
                raise BadRequest("Invalid blob in credential")
            if not project_id:
                raise BadRequest("Invalid input received: Missing project_id in request body.")
            credential_id = hashlib.sha256(access.encode()).hexdigest()
        with self.cloud.db.write() as db:
            self.core.find(db, User, user_id)
            if project_id:
                self.core.find(db, Project, project_id)
            if db.get(Credential, credential_id) is not None:
                raise Conflict(f"Conflict occurred attempting to store credential - Duplicate ID, "
                               f"{credential_id}.")
            row = Credential(id=credential_id, user_id=user_id, project_id=project_id, type=kind,
                             encrypted_blob=self._encrypt(blob))
            db.add(row)
        return row

    def list(self, ctx: RequestContext, user_id: str | None, kind: str | None) -> builtins.list[Credential]:
        """GET /v3/credentials (?user_id, ?type): a user sees its own, an operator everyone's."""
        self.cloud.policy.enforce(ctx, "identity:list_credentials", **{"target.user.id": user_id or ctx.user_id})
        admin = self.cloud.policy.allows(ctx, "identity:list_credentials", **{"target.user.id": "\0"})
        with self.cloud.db.read() as db:
            query = select(Credential).order_by(Credential.id)
            if user_id:
                query = query.where(Credential.user_id == user_id)
            if kind:
                query = query.where(Credential.type == kind)
            if not admin:
                query = query.where(Credential.user_id == ctx.user_id)
            return builtins.list(db.scalars(query))

    def get(self, ctx: RequestContext, credential_id: str) -> Credential:
        with self.cloud.db.read() as db:
            return self._get(db, ctx, credential_id, "get_credential")

    def update(self, ctx: RequestContext, credential_id: str, body: Any) -> Credential:
        if not isinstance(body, dict):
            raise _invalid("credential", f"{body!r} is not of type 'object'")
        with self.cloud.db.write() as db:
            row = self._get(db, ctx, credential_id, "update_credential")
            for field in ("blob", "type", "project_id", "user_id"):
                if field in body and not isinstance(body[field], str):
                    raise _invalid(field, f"{body[field]!r} is not of type 'string'")
            if "user_id" in body and body["user_id"] != row.user_id:
                self._enforce(ctx, "update_credential", body["user_id"])
                self.core.find(db, User, body["user_id"])
                row.user_id = body["user_id"]
            if "blob" in body:
                row.encrypted_blob = self._encrypt(body["blob"])
            if "type" in body:
                row.type = body["type"]
            if "project_id" in body:
                self.core.find(db, Project, body["project_id"])
                row.project_id = body["project_id"]
            return row

    def delete(self, ctx: RequestContext, credential_id: str) -> None:
        with self.cloud.db.write() as db:
            db.delete(self._get(db, ctx, credential_id, "delete_credential"))

    # ---------------------------------------------------------------- OS-EC2
    def ec2_create(self, ctx: RequestContext, user_id: str, body: Any) -> tuple[Credential, dict[str, Any]]:
        """POST /v3/users/{id}/credentials/OS-EC2 {"tenant_id"}: a new access/secret pair on the project."""
        self._enforce(ctx, "ec2_create_credential", user_id)
        tenant = body.get("tenant_id") if isinstance(body, dict) else None
        if not isinstance(tenant, str) or not tenant:
            raise _invalid("tenant_id", "'tenant_id' is a required property")
        access = secrets.token_hex(16)
        blob: dict[str, Any] = {"access": access, "secret": secrets.token_hex(16), "trust_id": None}
        with self.cloud.db.write() as db:
            self.core.find(db, User, user_id)
            self.core.find(db, Project, tenant)
            row = Credential(id=hashlib.sha256(access.encode()).hexdigest(), user_id=user_id,
                             project_id=tenant, type="ec2", encrypted_blob=self._encrypt(json.dumps(blob)))
            db.add(row)
        return row, blob

    def ec2_list(self, ctx: RequestContext, user_id: str) -> builtins.list[tuple[Credential, dict[str, Any]]]:
        self._enforce(ctx, "ec2_list_credentials", user_id)
        with self.cloud.db.read() as db:
            self.core.find(db, User, user_id)
            rows = builtins.list(db.scalars(select(Credential).where(Credential.user_id == user_id,
                                                            Credential.type == "ec2").order_by(Credential.id)))
        return [(r, json.loads(self.blob(r))) for r in rows]

    def _ec2(self, db: Any, user_id: str, access: str) -> Credential:
        row = db.get(Credential, hashlib.sha256(access.encode()).hexdigest())
        if row is None or row.type != "ec2" or row.user_id != user_id:
            raise NotFound(f"Could not find credential: {access}.")
        return row

    def ec2_get(self, ctx: RequestContext, user_id: str, access: str) -> tuple[Credential, dict[str, Any]]:
        self._enforce(ctx, "ec2_get_credential", user_id)
        with self.cloud.db.read() as db:
            row = self._ec2(db, user_id, access)
        return row, json.loads(self.blob(row))

    def ec2_delete(self, ctx: RequestContext, user_id: str, access: str) -> None:
        self._enforce(ctx, "ec2_delete_credential", user_id)
        with self.cloud.db.write() as db:
            db.delete(self._ec2(db, user_id, access))
