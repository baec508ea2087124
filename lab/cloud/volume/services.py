"""The block storage services as `volume service list` shows them (Cinder's os-services, admin): the three
Cinder processes a one-host DevStack runs, served by this one process. They are up while the lab answers; their
`updated_at` is the lab's clock now, as a live heartbeat is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from lab.cloud.context import RequestContext
from lab.cloud.volume.schemas import DEFAULT_AZ

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

HOST = "stacklab"


@dataclass(frozen=True)
class ServiceRecord:
    binary: str
    host: str
    zone: str
    status: str  # enabled | disabled
    state: str  # up | down
    updated_at: datetime


class VolumeServices:
    """`cloud.volume.services`: GET /os-services."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def list(self, ctx: RequestContext, host: str | None = None, binary: str | None = None) -> list[ServiceRecord]:
        """The scheduler, the volume service of the backend (`<host>@<backend>`) and the backup service;
        filters `host` and `binary` as Cinder's."""
        self.cloud.policy.enforce(ctx, "volume_extension:services:index")
        now = self.cloud.clock.now()
        backend = self.cloud.volume_driver.name or "file"
        rows = [ServiceRecord("cinder-scheduler", HOST, DEFAULT_AZ, "enabled", "up", now),
                ServiceRecord("cinder-volume", f"{HOST}@{backend}", DEFAULT_AZ, "enabled", "up", now),
                ServiceRecord("cinder-backup", HOST, DEFAULT_AZ, "enabled", "up", now)]
        return [r for r in rows if (host is None or r.host == host) and (binary is None or r.binary == binary)]
