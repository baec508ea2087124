"""The orchestration service (Heat API v1) as the cloud sees it: see lab/cloud/plugin.py."""

from lab.cloud.orchestration.engine import JOBS
from lab.cloud.orchestration.policies import RULES
from lab.cloud.orchestration.quotas import RESOURCES
from lab.cloud.orchestration.tempest import TEMPEST
from lab.cloud.plugin import CatalogEntry, Plugin, ServiceSpec

PLUGIN = Plugin(
    spec=ServiceSpec("orchestration", "/heat-api", "heat",
                     (CatalogEntry("orchestration", "heat", "/heat-api/v1/$(project_id)s"),)),
    service="lab.cloud.orchestration.service:OrchestrationService",
    routes="lab.cloud.orchestration.routes",
    policies=RULES,
    quotas=RESOURCES,
    jobs=JOBS,
    tempest=TEMPEST,
)
