"""os-migrations: the record Nova keeps of each move of a server. On this one-host cloud only a resize moves
(to the same host, as Nova's allow_resize_to_same_host): `pre-migrating` when asked, `finished` once the guest
has the new flavor (VERIFY_RESIZE), then `confirmed` or `reverting` -> `reverted`, or `error` when the resize
failed. A cold or live migration is refused before any record (no valid host), as Nova's scheduler refuses it.

The list is Nova's: newest first, an admin's, with its filters (host, status, instance_uuid, source_compute,
migration_type), the fields each microversion adds (2.23 migration_type, 2.59 uuid, 2.80 user_id and
project_id), and the migrations of deleted servers gone with them (Nova's instance_destroy soft-deletes them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.compute import microversions as mv
from lab.cloud.compute.common import ComputePart
from lab.cloud.compute.models import Flavor, Migration, Server
from lab.cloud.context import RequestContext
from lab.cloud.errors import NotFound
from lab.cloud.http import timestamp
from lab.cloud.microversion import Version


@dataclass(frozen=True)
class MigrationQuery:
    host: str | None = None
    status: str | None = None
    instance_uuid: str | None = None
    source_compute: str | None = None
    migration_type: str | None = None
    user_id: str | None = None  # 2.80
    project_id: str | None = None  # 2.80
    limit: int | None = None  # 2.59
    marker: str | None = None  # 2.59: a migration's uuid


def _flavor_seq(db: Session, flavor: dict[str, Any] | None) -> int | None:
    """Nova's instance_type_id: the flavor's internal integer (None once the flavor is deleted)."""
    if not flavor:
        return None
    return db.scalar(select(Flavor.seq).where(Flavor.flavorid == str(flavor.get("id"))))


class Migrations(ComputePart):
    """`compute.migrations`: recorded by the resize tasks (actions.py), listed by os-migrations."""

    def start_resize(self, db: Session, server: Server, new_flavor: dict[str, Any], now: datetime) -> None:
        db.add(Migration(server_id=server.id, migration_type="resize", status="pre-migrating",
                         source_compute=server.host, dest_compute=server.host, source_node=self.host,
                         dest_node=self.host, dest_host=self.driver.host_info().host_ip,
                         old_flavor_seq=_flavor_seq(db, server.flavor), new_flavor_seq=_flavor_seq(db, new_flavor),
                         user_id=server.user_id, project_id=server.project_id, created_at=now, updated_at=now))

    def advance(self, db: Session, server_id: str, was: tuple[str, ...], status: str, now: datetime) -> None:
        """The server's latest resize in one of the statuses `was` moves to `status`."""
        migration = db.scalar(select(Migration).where(Migration.server_id == server_id,
                                                      Migration.migration_type == "resize")
                              .order_by(Migration.id.desc()).limit(1))
        if migration is not None and migration.status in was:
            migration.status, migration.updated_at = status, now

    def list_migrations(self, ctx: RequestContext, query: MigrationQuery,
                        version: Version = mv.MIN) -> list[dict[str, Any]]:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-migrations:index")
        with self.cloud.db.read() as db:
            stmt = (select(Migration).join(Server, Server.id == Migration.server_id)
                    .where(Server.deleted.is_(False)).order_by(Migration.created_at.desc(), Migration.id.desc()))
            if query.host:
                stmt = stmt.where((Migration.source_compute == query.host) | (Migration.dest_compute == query.host))
            for column, value in ((Migration.status, query.status), (Migration.server_id, query.instance_uuid),
                                  (Migration.source_compute, query.source_compute),
                                  (Migration.migration_type, query.migration_type),
                                  (Migration.user_id, query.user_id), (Migration.project_id, query.project_id)):
                if value:
                    stmt = stmt.where(column == value)
            rows = list(db.scalars(stmt))
        if query.marker is not None:
            ids = [m.uuid for m in rows]
            if query.marker not in ids:
                raise NotFound(f"Marker {query.marker} could not be found.")
            rows = rows[ids.index(query.marker) + 1:]
        if query.limit is not None:
            rows = rows[:query.limit]
        return [self.render(m, version) for m in rows]

    @staticmethod
    def render(m: Migration, version: Version) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": m.id, "status": m.status, "instance_uuid": m.server_id, "source_node": m.source_node,
            "source_compute": m.source_compute, "dest_node": m.dest_node, "dest_compute": m.dest_compute,
            "dest_host": m.dest_host, "old_instance_type_id": m.old_flavor_seq,
            "new_instance_type_id": m.new_flavor_seq, "created_at": timestamp(m.created_at),
            "updated_at": timestamp(m.updated_at) if m.updated_at else None}
        if version >= mv.MIGRATION_TYPE:
            body["migration_type"] = m.migration_type
        if version >= mv.MIGRATION_UUID:
            body["uuid"] = m.uuid
        if version >= mv.MIGRATION_OWNER:
            body["user_id"], body["project_id"] = m.user_id, m.project_id
        return body
