"""The orchestration service (Heat API v1) as the cloud sees it: see lab/cloud/plugin.py."""

from lab.cloud.orchestration.engine import JOBS
from lab.cloud.orchestration.policies import RULES
from lab.cloud.orchestration.quotas import RESOURCES
from lab.cloud.orchestration.tempest import TEMPEST
from lab.cloud.plugin import CatalogEntry, Plugin, Screen, ServiceSpec

PLUGIN = Plugin(
    spec=ServiceSpec("orchestration", "/heat-api", "heat",
                     (CatalogEntry("orchestration", "heat", "/heat-api/v1/$(project_id)s"),)),
    service="lab.cloud.orchestration.service:OrchestrationService",
    routes="lab.cloud.orchestration.routes",
    policies=RULES,
    quotas=RESOURCES,
    jobs=JOBS,
    # After the load balancers, so the number keys of the screens before it stay as they were.
    screens=(Screen("stacks", "Stacks", "lab.tui.screens.stacks:StacksScreen", frozenset({"orchestration"}),
                    order=95),),
    tempest=TEMPEST,
)
