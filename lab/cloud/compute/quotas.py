"""Compute quotas: defaults, per-project overrides (os-quota-sets), usage counted from the servers themselves
(as Nova counts them since Pike), `/limits`, and the check made inside a create's write transaction so two
concurrent creates can never both squeeze under a limit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lab.cloud.compute.common import DEFAULT_QUOTAS, ComputeBase
from lab.cloud.compute.models import KeyPair, Server
from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, Forbidden
from lab.cloud.quotas import Exceeded, Resource


def _servers(db: Session, project_id: str) -> tuple[int, int, int]:
    # Summed in SQL (json_extract on SQLite, ->> on PostgreSQL): a create must not load every server.
    row = db.execute(select(func.count(), func.sum(Server.flavor["vcpus"].as_integer()),
                            func.sum(Server.flavor["ram"].as_integer()))
                     .where(Server.project_id == project_id, Server.deleted.is_(False))).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


# Nova's quota resources, in the one quota engine (lab/cloud/quotas.py); usage counted from the servers.
COUNTED = {"instances": lambda db, p: _servers(db, p)[0], "cores": lambda db, p: _servers(db, p)[1],
           "ram": lambda db, p: _servers(db, p)[2]}
RESOURCES = tuple(Resource("compute", name, default, COUNTED.get(name)) for name, default in DEFAULT_QUOTAS.items())


class QuotasMixin(ComputeBase):
    def quota_limits(self, db: Session, project_id: str | None) -> dict[str, int]:
        return self.cloud.quotas.limits(db, "compute", project_id)

    @staticmethod
    def quota_usage(db: Session, project_id: str, user_id: str | None = None) -> dict[str, int]:
        """What a project uses now: instances, cores and ram of its live servers (key pairs: the user's)."""
        instances, cores, ram = _servers(db, project_id)
        usage = {"instances": instances, "cores": cores, "ram": ram}
        if user_id is not None:
            usage["key_pairs"] = db.scalar(select(func.count()).select_from(KeyPair)
                                           .where(KeyPair.user_id == user_id)) or 0
        return usage

    def check_server_quota(self, db: Session, project_id: str, wanted: dict[str, int]) -> None:
        """Raise Nova's 403 if adding `wanted` (instances/cores/ram) to the project's usage passes a limit.
        Call it inside the write transaction that creates or grows the servers."""
        try:
            self.cloud.quotas.check(db, "compute", project_id, wanted)
        except Exceeded as exc:
            names = ", ".join(r for r, *_ in exc.overs)
            raise Forbidden(
                f"Quota exceeded for {names}: Requested {', '.join(str(n) for _, n, _, _ in exc.overs)}, "
                f"but already used {', '.join(str(u) for _, _, u, _ in exc.overs)} of "
                f"{', '.join(str(lim) for _, _, _, lim in exc.overs)} {names}") from None

    def check_metadata_quota(self, db: Session, project_id: str, metadata: dict[str, str]) -> None:
        allowed = self.quota_limits(db, project_id)["metadata_items"]
        if 0 <= allowed < len(metadata):
            raise Forbidden(f"Quota exceeded for metadata_items: Requested {len(metadata)}, but already used 0 of "
                            f"{allowed} metadata_items")

    # ------------------------------------------------------------------ os-quota-sets
    def show_quotas(self, ctx: RequestContext, project_id: str, detail: bool = False) -> dict[str, Any]:
        self.cloud.policy.enforce(ctx, "compute:get", project_id)
        with self.cloud.db.read() as db:
            limits = self.quota_limits(db, project_id)
            if not detail:
                return dict(limits)
            used = self.quota_usage(db, project_id, ctx.user_id if ctx.project_id == project_id else None)
        return {r: {"limit": n, "in_use": used.get(r, 0), "reserved": 0} for r, n in limits.items()}

    def default_quotas(self, ctx: RequestContext, project_id: str) -> dict[str, int]:
        self.cloud.policy.enforce(ctx, "compute:get", project_id)
        return dict(DEFAULT_QUOTAS)

    def update_quotas(self, ctx: RequestContext, project_id: str, values: dict[str, int],
                      force: bool = False) -> dict[str, int]:
        """Admin: set limits (-1 is unlimited). Without `force`, a limit below current usage is refused."""
        self.cloud.policy.enforce(ctx, "compute:update_quota")
        with self.cloud.db.write() as db:
            used = self.quota_usage(db, project_id)
            for resource, limit in values.items():
                if not force and limit != -1 and limit < used.get(resource, 0):
                    raise BadRequest(f"Quota limit {limit} for {resource} must be greater than or equal to already "
                                     f"used and reserved {used[resource]}.")
            self.cloud.quotas.set_limits(db, "compute", project_id, values)
            return self.quota_limits(db, project_id)

    def delete_quotas(self, ctx: RequestContext, project_id: str) -> None:
        """Admin: back to the defaults."""
        self.cloud.policy.enforce(ctx, "compute:update_quota")
        with self.cloud.db.write() as db:
            self.cloud.quotas.reset(db, project_id, "compute")

    # ------------------------------------------------------------------ /limits
    def absolute_limits(self, ctx: RequestContext, project_id: str | None = None) -> dict[str, int]:
        """Nova's absolute limits for the caller's project (an admin may name another with tenant_id)."""
        target = project_id if (project_id and ctx.is_admin) else ctx.project_id
        self.cloud.policy.enforce(ctx, "compute:get", target)
        with self.cloud.db.read() as db:
            q = self.quota_limits(db, target)
            used = self.quota_usage(db, target or "")
        return {
            "maxImageMeta": q["metadata_items"], "maxPersonality": q["injected_files"],
            "maxPersonalitySize": q["injected_file_content_bytes"], "maxSecurityGroupRules": q["security_group_rules"],
            "maxSecurityGroups": q["security_groups"], "maxServerGroupMembers": q["server_group_members"],
            "maxServerGroups": q["server_groups"], "maxServerMeta": q["metadata_items"],
            "maxTotalCores": q["cores"], "maxTotalFloatingIps": q["floating_ips"],
            "maxTotalInstances": q["instances"], "maxTotalKeypairs": q["key_pairs"], "maxTotalRAMSize": q["ram"],
            "totalCoresUsed": used["cores"], "totalFloatingIpsUsed": 0, "totalInstancesUsed": used["instances"],
            "totalRAMUsed": used["ram"], "totalSecurityGroupsUsed": 0, "totalServerGroupsUsed": 0,
        }
