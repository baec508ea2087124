"""The object storage service (Swift v1) as the cloud sees it: see lab/cloud/plugin.py."""

from lab.cloud.object.objects import JOBS
from lab.cloud.object.policies import RULES
from lab.cloud.object.quotas import RESOURCES
from lab.cloud.object.tempest import TEMPEST
from lab.cloud.plugin import CatalogEntry, Meter, Plugin, Screen, ServiceSpec

PLUGIN = Plugin(
    spec=ServiceSpec("object", "/object", "swift",
                     (CatalogEntry("object-store", "swift", "/object/v1/AUTH_$(project_id)s"),)),
    service="lab.cloud.object.service:ObjectService",
    routes="lab.cloud.object.routes",
    policies=RULES,
    quotas=RESOURCES,
    # Stored bytes per container, from the containers' events (as an image's size): billed per GB-month.
    meters=(Meter("container", "bytes", "object_storage", "0.03", "GB-month"),),
    jobs=JOBS,
    screens=(Screen("containers", "Containers", "lab.tui.screens.containers:ContainersScreen",
                    frozenset({"object-store"}), order=55),),
    tempest=TEMPEST,
)
