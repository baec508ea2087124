"""Volume transfers (Cinder's os-volume-transfer, and /volume-transfers from 3.55): a project offers an available
volume, the volume waits in `awaiting-transfer`, and another project that knows the transfer's id and auth key
accepts it: the volume (and, unless `no_snapshots`, its snapshots) becomes the receiver's.

The auth key is shown once, in the create answer, and stored salted and hashed. The receiver's quotas are
checked when it accepts. For billing the volume ends in the giver's project and starts in the receiver's at
the moment of the accept (a `transfer` event each).
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud import events
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, NotFound
from lab.cloud.volume import quotas
from lab.cloud.volume.models import Snapshot, Transfer, Volume, VolumeType
from lab.cloud.volume.operator_schemas import TransferCreate
from lab.cloud.volume.volumes import find_volume, sees_every_project

if TYPE_CHECKING:
    from lab.cloud.app import Cloud


def _hash(salt: str, key: str) -> str:
    return hashlib.sha256(f"{salt}{key}".encode()).hexdigest()


@dataclass(frozen=True)
class Created:
    transfer: Transfer
    auth_key: str  # shown once


@dataclass(frozen=True)
class Accepted:
    transfer: Transfer
    project_id: str


class Transfers:
    """`cloud.volume.transfers`: the transfer operations."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def _find(self, db: Session, ctx: RequestContext, transfer_id: str) -> Transfer:
        found = db.get(Transfer, transfer_id)
        if found is None or (found.project_id != ctx.project_id and not sees_every_project(self.cloud.policy, ctx)):
            raise NotFound(f"Transfer {transfer_id} could not be found.")
        return found

    def create(self, ctx: RequestContext, req: TransferCreate) -> Created:
        """An available volume of the caller's becomes `awaiting-transfer`; the auth key is returned once."""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            volume = find_volume(db, self.cloud.policy, ctx, req.volume_id)
            self.cloud.policy.enforce(ctx, "volume:create_transfer", volume.project_id)
            if volume.status != "available":
                raise BadRequest("Invalid volume: status must be available")
            if not req.no_snapshots and any(s.status != "available" for s in db.scalars(
                    select(Snapshot).where(Snapshot.volume_id == volume.id))):
                raise BadRequest("Invalid snapshot: snapshot status must be available")
            key = secrets.token_hex(8)
            salt = secrets.token_hex(8)
            transfer = Transfer(volume_id=volume.id, project_id=volume.project_id, name=req.name, salt=salt,
                                crypt_hash=_hash(salt, key), no_snapshots=req.no_snapshots, created_at=now)
            db.add(transfer)
            volume.status, volume.updated_at = "awaiting-transfer", now
            db.flush()
            return Created(transfer, key)

    def get(self, ctx: RequestContext, transfer_id: str) -> Transfer:
        self.cloud.policy.enforce(ctx, "volume:get_transfer")
        with self.cloud.db.read() as db:
            return self._find(db, ctx, transfer_id)

    def list(self, ctx: RequestContext) -> list[Transfer]:
        """The caller's project's transfers (an admin's all_tenants: every project's), newest first."""
        self.cloud.policy.enforce(ctx, "volume:get_all_transfers")
        with self.cloud.db.read() as db:
            query = select(Transfer).order_by(Transfer.created_at.desc(), Transfer.id)
            if not (ctx.all_projects and sees_every_project(self.cloud.policy, ctx)):
                query = query.where(Transfer.project_id == ctx.project_id)
            return list(db.scalars(query))

    def delete(self, ctx: RequestContext, transfer_id: str) -> None:
        """The offer is withdrawn: the volume is available again."""
        with self.cloud.db.write() as db:
            transfer = self._find(db, ctx, transfer_id)
            self.cloud.policy.enforce(ctx, "volume:delete_transfer", transfer.project_id)
            volume = db.get(Volume, transfer.volume_id)
            if volume is not None and volume.status == "awaiting-transfer":
                volume.status, volume.updated_at = "available", self.cloud.clock.now()
            db.delete(transfer)

    def accept(self, ctx: RequestContext, transfer_id: str, auth_key: str) -> Accepted:
        """The caller's project receives the volume. 404 for an unknown transfer (any project may accept one
        whose id it knows), 400 for a wrong key, 413 when the receiver's quota is full."""
        self.cloud.policy.enforce(ctx, "volume:accept_transfer")
        receiver = ctx.project_id or ""
        now = self.cloud.clock.now()
        with self.cloud.db.write() as db:
            transfer = db.get(Transfer, transfer_id)
            if transfer is None:
                raise NotFound(f"Transfer {transfer_id} could not be found.")
            if not hmac.compare_digest(transfer.crypt_hash, _hash(transfer.salt, auth_key)):
                raise BadRequest(f"Invalid auth key: Attempt to transfer {transfer_id} with invalid auth key.")
            volume = db.get(Volume, transfer.volume_id)
            if volume is None or volume.status != "awaiting-transfer":
                raise BadRequest("Invalid volume: status must be awaiting-transfer")
            snapshots = [] if transfer.no_snapshots else list(db.scalars(
                select(Snapshot).where(Snapshot.volume_id == volume.id, Snapshot.project_id == volume.project_id)))
            vtype = db.get(VolumeType, volume.volume_type_id)
            assert vtype is not None
            quotas.check(self.cloud.quotas, db, receiver, vtype, volumes=1, snapshots=len(snapshots),
                         gigabytes=volume.size + sum(s.size for s in snapshots), volume_size=volume.size)
            giver = volume.project_id
            for snap in snapshots:
                events.record(db, now, project_id=giver, user_id=ctx.user_id, resource_type="snapshot",
                              resource_id=snap.id, action="transfer", size=snap.size, to_project_id=receiver)
                snap.project_id, snap.user_id, snap.updated_at = receiver, ctx.user_id, now
            events.record(db, now, project_id=giver, user_id=ctx.user_id, resource_type="volume",
                          resource_id=volume.id, action="transfer", size=volume.size, to_project_id=receiver)
            volume.project_id, volume.user_id = receiver, ctx.user_id
            volume.status, volume.updated_at = "available", now
            db.delete(transfer)
            return Accepted(transfer, receiver)

    def purge(self, db: Session, project_id: str, volume_ids: builtins.list[str]) -> int:
        """A student reset: the project's offers, and offers of its volumes, go (before the volumes do)."""
        rows = list(db.scalars(select(Transfer).where(
            (Transfer.project_id == project_id) | Transfer.volume_id.in_(volume_ids))))
        for transfer in rows:
            volume = db.get(Volume, transfer.volume_id)
            if volume is not None and volume.status == "awaiting-transfer" and volume.project_id != project_id:
                volume.status = "available"
            db.delete(transfer)
        db.flush()
        return len(rows)

