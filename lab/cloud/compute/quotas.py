"""Compute quotas: Nova's resources in the one quota engine (lab/cloud/quotas.py), usage counted from the
servers themselves (as Nova counts them since Pike), os-quota-sets, `/limits`, and the check made inside a
create's write transaction so two concurrent creates can never both squeeze under a limit. The bodies are
rendered in schemas.py (quota_set, quota_set_detail, absolute_limits, over_quota)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.cloud.compute import schemas
from lab.cloud.compute.common import DEFAULT_QUOTAS, ComputePart
from lab.cloud.compute.models import KeyPair, Server, ServerGroup
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Forbidden
from lab.cloud.quotas import Exceeded, Resource


def _servers(db: Session, project_id: str) -> tuple[int, int, int]:
    # Summed in SQL (json_extract on SQLite, ->> on PostgreSQL): a create must not load every server.
    row = db.execute(select(func.count(), func.sum(Server.flavor["vcpus"].as_integer()),
                            func.sum(Server.flavor["ram"].as_integer()))
                     .where(Server.project_id == project_id, Server.deleted.is_(False))).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def count_groups(db: Session, project_id: str) -> int:
    """A project's server groups (the server_groups quota's usage)."""
    return int(db.scalar(select(func.count()).select_from(ServerGroup)
                         .where(ServerGroup.project_id == project_id)) or 0)


# Nova's quota resources, in the one quota engine (lab/cloud/quotas.py); usage counted from the servers.
COUNTED = {"instances": lambda db, p: _servers(db, p)[0], "cores": lambda db, p: _servers(db, p)[1],
           "ram": lambda db, p: _servers(db, p)[2], "server_groups": count_groups}
RESOURCES = tuple(Resource("compute", name, default, COUNTED.get(name)) for name, default in DEFAULT_QUOTAS.items())


@dataclass(frozen=True)
class QuotaUsage:
    """A project's limits and (when asked) what it uses now, for schemas.py to render as Nova does."""

    project_id: str | None
    limits: dict[str, int]
    used: dict[str, int] | None = None


class Quotas(ComputePart):
    """Nova's quotas over the one engine: limits and usage, the checks creates make, and os-quota-sets."""

    def limits(self, db: Session, project_id: str | None) -> dict[str, int]:
        return self.cloud.quotas.limits(db, "compute", project_id)

    @staticmethod
    def usage(db: Session, project_id: str, user_id: str | None = None) -> dict[str, int]:
        """What a project uses now: instances, cores and ram of its live servers (key pairs: the user's)."""
        instances, cores, ram = _servers(db, project_id)
        usage = {"instances": instances, "cores": cores, "ram": ram, "server_groups": count_groups(db, project_id)}
        if user_id is not None:
            usage["key_pairs"] = db.scalar(select(func.count()).select_from(KeyPair)
                                           .where(KeyPair.user_id == user_id)) or 0
        return usage

    def check_servers(self, db: Session, project_id: str, wanted: dict[str, int]) -> None:
        """Raise Nova's 403 if adding `wanted` (instances/cores/ram) to the project's usage passes a limit.
        Call it inside the write transaction that creates or grows the servers."""
        try:
            self.cloud.quotas.check(db, "compute", project_id, wanted)
        except Exceeded as exc:
            raise schemas.over_quota(exc) from None

    def check_metadata(self, db: Session, project_id: str, metadata: dict[str, str]) -> None:
        """metadata_items is a limit per server, with nothing to count: the server's own items are the usage."""
        allowed = self.limits(db, project_id)["metadata_items"]
        if 0 <= allowed < len(metadata):
            raise Forbidden(f"Quota exceeded for metadata_items: Requested {len(metadata)}, but already used 0 of "
                            f"{allowed} metadata_items")

    def check_keypairs(self, db: Session, ctx: RequestContext) -> None:
        """key_pairs counts the user's key pairs (Nova's quota is per user), against the project's limit."""
        if ctx.project_id is None:
            return
        count = db.scalar(select(func.count()).select_from(KeyPair).where(KeyPair.user_id == ctx.user_id)) or 0
        limit = self.limits(db, ctx.project_id)["key_pairs"]
        if 0 <= limit <= count:
            raise Forbidden("Quota exceeded, too many key pairs.")

    # ------------------------------------------------------------------ os-quota-sets
    def show_quotas(self, ctx: RequestContext, project_id: str, detail: bool = False) -> QuotaUsage:
        """A project's limits; with `detail`, its usage too (the caller's key pairs in its own project)."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-quota-sets:detail" if detail
                                  else "os_compute_api:os-quota-sets:show", project_id)
        with self.cloud.db.read() as db:
            limits = self.limits(db, project_id)
            if not detail:
                return QuotaUsage(project_id, limits)
            used = self.usage(db, project_id, ctx.user_id if ctx.project_id == project_id else None)
        return QuotaUsage(project_id, limits, used)

    def default_quotas(self, ctx: RequestContext, project_id: str) -> QuotaUsage:
        self.cloud.policy.enforce(ctx, "os_compute_api:os-quota-sets:defaults", project_id)
        with self.cloud.db.read() as db:
            return QuotaUsage(project_id, self.cloud.quotas.class_defaults(db, "compute"))

    def update_quotas(self, ctx: RequestContext, project_id: str, values: dict[str, int],
               force: bool = False) -> QuotaUsage:
        """Admin: set limits (-1 is unlimited). Without `force`, a limit below current usage is refused."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-quota-sets:update")
        with self.cloud.db.write() as db:
            used = self.usage(db, project_id)
            for resource, limit in values.items():
                if not force and limit != -1 and limit < used.get(resource, 0):
                    raise BadRequest(f"Quota limit {limit} for {resource} must be greater than or equal to already "
                                     f"used and reserved {used[resource]}.")
            self.cloud.quotas.set_limits(db, "compute", project_id, values)
            return QuotaUsage(None, self.limits(db, project_id))  # Nova's PUT answer carries no id

    def delete_quotas(self, ctx: RequestContext, project_id: str) -> None:
        """Admin: back to the defaults."""
        self.cloud.policy.enforce(ctx, "os_compute_api:os-quota-sets:delete")
        with self.cloud.db.write() as db:
            self.cloud.quotas.reset(db, project_id, "compute")

    # ------------------------------------------------------------------ /limits
    def absolute_limits(self, ctx: RequestContext, project_id: str | None = None) -> QuotaUsage:
        """Nova's absolute limits for the caller's project; `tenant_id` names another project for those the
        `limits:other_project` rule allows (for others it is ignored: their own limits are shown)."""
        self.cloud.policy.enforce(ctx, "os_compute_api:limits")
        other = bool(project_id) and self.cloud.policy.allows(ctx, "os_compute_api:limits:other_project",
                                                              project_id)
        target = project_id if other else ctx.project_id
        with self.cloud.db.read() as db:
            return QuotaUsage(target, self.limits(db, target), self.usage(db, target or ""))
