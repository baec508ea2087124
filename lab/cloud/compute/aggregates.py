"""Host aggregates (os-aggregates, admin): create, list, show, update, delete, add_host, remove_host and
set_metadata, with Nova's 404s and 409s. The only host that can be added is this cloud's one compute host (its
hypervisor hostname, as `openstack compute service list` shows it).

What an aggregate changes: Nova's AggregateInstanceExtraSpecsFilter and availability zones made of aggregates
need more than one host to show anything, so here an aggregate is bookkeeping a student can read back
(`openstack aggregate show`, `hypervisor show`'s aggregates); the host stays in the `nova` zone. The
course says so (course/compute.md).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lab.cloud.compute.common import ComputePart
from lab.cloud.compute.models import Aggregate
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Conflict, NotFound

RULE = "os_compute_api:os-aggregates"


class Aggregates(ComputePart):
    def _find(self, db: Session, aggregate_id: str) -> Aggregate:
        if not aggregate_id.strip().lstrip("-").isdigit():
            raise BadRequest("Invalid input received: id must be an integer")
        found = db.get(Aggregate, int(aggregate_id))
        if found is None:
            raise NotFound(f"Aggregate {aggregate_id} could not be found.")
        return found

    def list_aggregates(self, ctx: RequestContext) -> list[Aggregate]:
        self.cloud.policy.enforce(ctx, f"{RULE}:index")
        with self.cloud.db.read() as db:
            return list(db.scalars(select(Aggregate).order_by(Aggregate.id)))

    def get_aggregate(self, ctx: RequestContext, aggregate_id: str) -> Aggregate:
        self.cloud.policy.enforce(ctx, f"{RULE}:show")
        with self.cloud.db.read() as db:
            return self._find(db, aggregate_id)

    def create_aggregate(self, ctx: RequestContext, name: str, zone: str | None) -> Aggregate:
        """An aggregate; its availability zone is also its `availability_zone` metadata, as in Nova."""
        self.cloud.policy.enforce(ctx, f"{RULE}:create")
        try:
            with self.cloud.db.write() as db:
                if db.scalar(select(Aggregate.id).where(Aggregate.name == name)) is not None:
                    raise Conflict(f"Aggregate {name} already exists.")
                aggregate = Aggregate(name=name, availability_zone=zone, hosts=[],
                                      metadata_={"availability_zone": zone} if zone else {},
                                      created_at=self.cloud.clock.now(), updated_at=None)
                db.add(aggregate)
                db.flush()
                return aggregate
        except IntegrityError:  # another request took the name between the check and the insert
            raise Conflict(f"Aggregate {name} already exists.") from None

    def update_aggregate(self, ctx: RequestContext, aggregate_id: str, name: str | None,
                         zone: str | None, zone_given: bool) -> Aggregate:
        self.cloud.policy.enforce(ctx, f"{RULE}:update")
        with self.cloud.db.write() as db:
            aggregate = self._find(db, aggregate_id)
            if name is not None and name != aggregate.name:
                if db.scalar(select(Aggregate.id).where(Aggregate.name == name)) is not None:
                    raise Conflict(f"Aggregate {name} already exists.")
                aggregate.name = name
            if zone_given:
                aggregate.availability_zone = zone
                metadata = {k: v for k, v in aggregate.metadata_.items() if k != "availability_zone"}
                aggregate.metadata_ = {**metadata, **({"availability_zone": zone} if zone else {})}
            aggregate.updated_at = self.cloud.clock.now()
            return aggregate

    def delete_aggregate(self, ctx: RequestContext, aggregate_id: str) -> None:
        """Nova's 400 while the aggregate still has hosts."""
        self.cloud.policy.enforce(ctx, f"{RULE}:delete")
        with self.cloud.db.write() as db:
            aggregate = self._find(db, aggregate_id)
            if aggregate.hosts:
                raise BadRequest(f"Cannot delete aggregate {aggregate_id}. Reason: Host aggregate is not empty.")
            db.delete(aggregate)

    def add_host(self, ctx: RequestContext, aggregate_id: str, host: str) -> Aggregate:
        self.cloud.policy.enforce(ctx, f"{RULE}:add_host")
        with self.cloud.db.write() as db:
            aggregate = self._find(db, aggregate_id)
            if host != self.host:
                raise NotFound(f"Compute host {host} could not be found.")
            if host in aggregate.hosts:
                raise Conflict(f"Aggregate {aggregate_id} already has host {host}.")
            aggregate.hosts = [*aggregate.hosts, host]
            aggregate.updated_at = self.cloud.clock.now()
            return aggregate

    def remove_host(self, ctx: RequestContext, aggregate_id: str, host: str) -> Aggregate:
        self.cloud.policy.enforce(ctx, f"{RULE}:remove_host")
        with self.cloud.db.write() as db:
            try:
                aggregate = self._find(db, aggregate_id)
            except NotFound:
                raise NotFound(f"Cannot remove host {host} in aggregate {aggregate_id}") from None
            if host not in aggregate.hosts:
                raise NotFound(f"Cannot remove host {host} in aggregate {aggregate_id}")
            aggregate.hosts = [h for h in aggregate.hosts if h != host]
            aggregate.updated_at = self.cloud.clock.now()
            return aggregate

    def set_metadata(self, ctx: RequestContext, aggregate_id: str, changes: dict[str, str | None]) -> Aggregate:
        """set_metadata: each key set, or removed when its value is null (`aggregate unset --property`)."""
        self.cloud.policy.enforce(ctx, f"{RULE}:set_metadata")
        with self.cloud.db.write() as db:
            aggregate = self._find(db, aggregate_id)
            metadata = dict(aggregate.metadata_)
            for key, value in changes.items():
                if value is None:
                    metadata.pop(key, None)
                else:
                    metadata[key] = value
            if "availability_zone" in changes:
                aggregate.availability_zone = changes["availability_zone"]
            aggregate.metadata_ = metadata
            aggregate.updated_at = self.cloud.clock.now()
            return aggregate
