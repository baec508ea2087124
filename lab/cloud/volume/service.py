"""Block storage behaviour (Cinder v3 subset at microversion 3.0): the `VolumeService` that `cloud.volume` is.

The behaviour is split by resource, each a mixin with its own module: volumes.py, snapshots.py, types.py,
attachments.py (Nova's os-volume_attachments and the contract compute calls), quotas.py. This module wires
them together with the volume driver chosen in the settings (`volume_driver`, default `file`) and answers
the questions that span them (backend pools, availability zones).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lab.cloud.context import RequestContext
from lab.cloud.drivers import load_driver
from lab.cloud.volume.attachments import AttachmentsMixin
from lab.cloud.volume.quotas import QuotasMixin
from lab.cloud.volume.snapshots import SnapshotsMixin
from lab.cloud.volume.types import TypesMixin
from lab.cloud.volume.volume_actions import VolumeActionsMixin
from lab.cloud.volume.volumes import VolumesMixin, provisioned_gb

if TYPE_CHECKING:
    from lab.cloud.app import Cloud
    from lab.cloud.drivers.base import VolumeDriver

__all__ = ["VolumeService"]


class VolumeService(VolumesMixin, SnapshotsMixin, TypesMixin, AttachmentsMixin, VolumeActionsMixin,
                    QuotasMixin):
    """`cloud.volume`: every block storage operation, each taking the caller's RequestContext."""

    def __init__(self, cloud: Cloud):
        self.cloud = cloud
        self.driver: VolumeDriver = load_driver("volume", cloud.settings.volume_driver, cloud.settings)

    def bootstrap(self) -> None:
        """The default volume type (idempotent)."""
        self.ensure_default_type()

    def get_pools(self, ctx: RequestContext, detail: bool = False) -> list[dict[str, Any]]:
        """GET /scheduler-stats/get_pools (admin): the one backend pool with its capacity facts."""
        self.cloud.policy.enforce(ctx, "volume:get_pools")
        stats = self.driver.get_volume_stats()
        with self.cloud.db.read() as db:
            allocated = provisioned_gb(db)
        name = f"stacklab@{stats.backend_name}#{stats.backend_name}"
        if not detail:
            return [{"name": name}]
        return [{"name": name, "capabilities": {
            "volume_backend_name": stats.backend_name, "vendor_name": "StackLab", "driver_version": "1.0",
            "storage_protocol": stats.storage_protocol, "total_capacity_gb": stats.total_capacity_gb,
            "free_capacity_gb": stats.free_capacity_gb, "provisioned_capacity_gb": stats.provisioned_capacity_gb,
            "allocated_capacity_gb": allocated, "reserved_percentage": 0,
            "thin_provisioning_support": stats.thin_provisioning_support, "thick_provisioning_support": False,
            "max_over_subscription_ratio": "1.0", "multiattach": False,
            "allocated_bytes_on_disk": stats.allocated_bytes, "timestamp": None}}]
