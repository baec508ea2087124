"""The block storage services as `volume service list` shows them (Cinder's os-services, admin): the three
Cinder processes a one-host DevStack runs, served by this one process. They are up while the lab answers; their
`updated_at` is the lab's clock now, as a live heartbeat is.

An admin may disable a service (`volume service set --disable [--disable-reason]`, `PUT /os-services/disable`
or `/disable-log-reason`) and enable it again (`PUT /os-services/enable`). A disabled cinder-volume is one the
scheduler does not choose: a new volume is accepted (202) and then goes to `error`, "No valid backend was
found", as Cinder's scheduler leaves it. `volume host set --disable/--enable` freezes and thaws
the backend (`PUT /os-services/freeze|thaw {"host"}`, meant for replication failover): while it is frozen
Cinder refuses deleting its volumes and snapshotting them (400). A disabled cinder-scheduler or cinder-backup
is only recorded. The state is kept in `volume_service_states`."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lab.cloud.context import RequestContext
from lab.cloud.errors import BadRequest, NotFound
from lab.cloud.volume.models import ServiceState, Snapshot, Volume
from lab.cloud.volume.schemas import DEFAULT_AZ

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

HOST = "stacklab"
NO_BACKEND = "No valid backend was found. No weighed backends available"
FROZEN = "Invalid input received: Modification operations are not allowed on frozen storage backends."


@dataclass(frozen=True)
class ServiceRecord:
    binary: str
    host: str
    zone: str
    status: str  # enabled | disabled
    state: str  # up | down
    updated_at: datetime
    disabled_reason: str | None = None
    frozen: bool = False


@dataclass(frozen=True)
class ServiceUpdate:
    """The answer of PUT /os-services/enable|disable|disable-log-reason (Cinder's, no wrapping key)."""

    host: str
    binary: str
    service: str
    status: str
    disabled: bool
    disabled_reason: str | None
    log_reason: bool  # disable-log-reason: the answer names the reason


class VolumeServices:
    """`cloud.volume.services`: GET /os-services, PUT /os-services/{action}."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def _hosts(self) -> list[tuple[str, str]]:
        backend = self.cloud.volume_driver.name or "file"
        return [("cinder-scheduler", HOST), ("cinder-volume", f"{HOST}@{backend}"), ("cinder-backup", HOST)]

    def list(self, ctx: RequestContext, host: str | None = None, binary: str | None = None) -> list[ServiceRecord]:
        """The scheduler, the volume service of the backend (`<host>@<backend>`) and the backup service;
        filters `host` and `binary` as Cinder's."""
        self.cloud.policy.enforce(ctx, "volume_extension:services:index")
        now = self.cloud.clock.now()
        with self.cloud.db.read() as db:
            states = {(r.binary, r.host): r for r in db.scalars(select(ServiceState))}
        rows = []
        for b, h in self._hosts():
            st = states.get((b, h))
            rows.append(ServiceRecord(b, h, DEFAULT_AZ, "disabled" if st is not None and st.disabled else "enabled",
                                      "up", now, st.disabled_reason if st is not None else None,
                                      bool(st is not None and st.frozen)))
        return [r for r in rows if (host is None or host_matches(r.host, host))
                and (binary is None or r.binary == binary)]

    def hosts(self, ctx: RequestContext, zone: str | None = None) -> builtins.list[ServiceRecord]:
        """GET /os-hosts (admin, Cinder's deprecated hosts extension): the enabled services, by host."""
        self.cloud.policy.enforce(ctx, "volume_extension:hosts")
        return [r for r in self.list(ctx) if r.status == "enabled" and (not zone or r.zone == zone)]

    def host_usage(self, ctx: RequestContext, host: str) -> builtins.list[dict[str, str]]:
        """GET /os-hosts/{host} (admin): the volumes and snapshots on an enabled cinder-volume host
        (`host@backend`), in total and per project, every number a string (Cinder's); 404 for another host."""
        self.cloud.policy.enforce(ctx, "volume_extension:hosts")
        if not any(r.binary == "cinder-volume" and r.host == host for r in self.hosts(ctx)):
            raise NotFound(f"Service None could not be found on host {host}.")
        with self.cloud.db.read() as db:
            volumes = [v for v in db.scalars(select(Volume)) if host_matches(v.host, host)]
            on_host = {v.id for v in volumes}
            snapshots = [s for s in db.scalars(select(Snapshot)) if s.volume_id in on_host]

        def row(project: str, vols: builtins.list[Volume], snaps: builtins.list[Snapshot]) -> dict[str, str]:
            return {"host": host, "project": project, "volume_count": str(len(vols)),
                    "total_volume_gb": str(sum(v.size for v in vols)), "snapshot_count": str(len(snaps)),
                    "total_snapshot_gb": str(sum(s.size for s in snaps))}

        rows = [row("(total)", volumes, snapshots)]
        for project in sorted({v.project_id for v in volumes}):
            rows.append(row(project, [v for v in volumes if v.project_id == project],
                            [s for s in snapshots if s.project_id == project]))
        return rows

    def update(self, ctx: RequestContext, action: str, body: Any) -> ServiceUpdate | None:
        """PUT /os-services/{enable,disable,disable-log-reason,freeze,thaw}, as Cinder's services controller:
        400 for an unknown action or a body without `host` or `binary`, 404 for a service the lab does not
        run. freeze and thaw answer None (an empty 200)."""
        if action in ("freeze", "thaw"):
            self.cloud.policy.enforce(ctx, f"volume:{action}_host")
        else:
            self.cloud.policy.enforce(ctx, "volume_extension:services:update")
        if action not in ("enable", "disable", "disable-log-reason", "freeze", "thaw"):
            raise BadRequest("Invalid input received: Unknown action")
        if not isinstance(body, dict):
            raise BadRequest("Malformed request body")
        host = body.get("host")
        if not isinstance(host, str) or not host:
            raise BadRequest("Missing required element 'host' in request body.")
        now = self.cloud.clock.now()
        if action in ("freeze", "thaw"):
            self._freeze(host, action == "freeze", now)
            return None
        reason = None
        if action == "disable-log-reason":
            reason = body.get("disabled_reason")
            if not isinstance(reason, str) or not reason.strip() or len(reason) > 255:
                raise BadRequest("Disabled reason contains invalid characters or is too long")
        binary = body.get("binary") or body.get("service") or ""
        if not isinstance(binary, str) or not binary:
            raise BadRequest("The server could not comply with the request since it is either malformed or "
                             "otherwise incorrect.")
        if (binary, host) not in self._hosts():
            raise NotFound(f"Service {binary} could not be found on host {host}.")
        disabled = action != "enable"
        with self.cloud.db.write() as db:
            row = db.get(ServiceState, (binary, host)) or ServiceState(binary=binary, host=host)
            row.disabled = disabled
            if reason is not None:
                row.disabled_reason = reason
            row.updated_at = now
            db.add(row)
        return ServiceUpdate(host, str(body.get("binary") or ""), str(body.get("service") or ""),
                             "disabled" if disabled else "enabled", disabled, reason, reason is not None)

    def _freeze(self, host: str, frozen: bool, now: datetime) -> None:
        """Cinder's freeze_host / thaw_host: the cinder-volume of `host` (a backend's `host@backend`, or the
        lab's host name) frozen or thawed; 400 when it already is."""
        volume_host = next(h for b, h in self._hosts() if b == "cinder-volume")
        if host not in (volume_host, HOST):
            raise BadRequest(f"Invalid input received: No service found with host={host}")
        with self.cloud.db.write() as db:
            row = db.get(ServiceState, ("cinder-volume", volume_host)) or ServiceState(
                binary="cinder-volume", host=volume_host)
            if bool(row.frozen) == frozen:
                raise BadRequest("Invalid input received: Host is already Frozen." if frozen else
                                 "Invalid input received: Host is already Thawed.")
            row.frozen = frozen
            row.updated_at = now
            db.add(row)


def host_matches(stored: str, wanted: str) -> bool:
    """Cinder's host filter (db/sqlalchemy/api.py `_filter_host`): `wanted` matches itself, and without a pool
    also its pools (`wanted#...`) and without a backend also its backends (`wanted@...`), so ?host=stacklab
    finds `stacklab` and `stacklab@file`."""
    if stored == wanted:
        return True
    if "#" in wanted:
        return False
    return stored.startswith(f"{wanted}#") or ("@" not in wanted and stored.startswith(f"{wanted}@"))


def volume_service(db: Session, binary_host: str = "cinder-volume") -> tuple[bool, bool]:
    """(disabled, frozen) of the lab's cinder-volume, for the volume paths that ask the scheduler or check
    `assert_not_frozen`."""
    row = db.scalar(select(ServiceState).where(ServiceState.binary == binary_host))
    return (bool(row is not None and row.disabled), bool(row is not None and row.frozen))
