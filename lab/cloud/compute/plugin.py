"""The compute service (Nova v2.1, microversions 2.1-2.93) as the cloud sees it: see lab/cloud/plugin.py."""

from lab.cloud.compute import microversions
from lab.cloud.compute.policies import RULES
from lab.cloud.compute.quotas import RESOURCES
from lab.cloud.compute.service import JOBS
from lab.cloud.compute.tempest import TEMPEST
from lab.cloud.plugin import CatalogEntry, Meter, Plugin, Screen, ServiceSpec

PLUGIN = Plugin(
    spec=ServiceSpec("compute", "/compute", "nova", (CatalogEntry("compute", "nova", "/compute/v2.1"),),
                     microversions.RANGE),
    service="lab.cloud.compute.service:ComputeService",
    routes="lab.cloud.compute.routes",
    policies=RULES,
    quotas=RESOURCES,
    meters=(Meter("server", "server", "instances"),),
    jobs=JOBS,
    screens=(Screen("servers", "Servers", "lab.tui.screens.servers:ServersScreen", frozenset({"compute"}), order=10),
             Screen("keypairs", "Key pairs", "lab.tui.screens.keypairs:KeypairsScreen",
                    frozenset({"compute"}), order=30)),
    tempest=TEMPEST,
)
