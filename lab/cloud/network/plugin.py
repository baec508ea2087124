"""The networking service (Neutron v2.0) as the cloud sees it: see lab/cloud/plugin.py."""

from lab.cloud.network.policies import RULES
from lab.cloud.network.quotas import RESOURCES
from lab.cloud.network.sync import JOBS
from lab.cloud.network.tempest import TEMPEST
from lab.cloud.plugin import CatalogEntry, Meter, Plugin, Screen, ServiceSpec

PLUGIN = Plugin(
    spec=ServiceSpec("network", "/network", "neutron", (CatalogEntry("network", "neutron", "/network"),)),
    service="lab.cloud.network.service:NetworkService",
    routes="lab.cloud.network.routes",
    policies=RULES,
    quotas=RESOURCES,
    meters=(Meter("floatingip", "presence", "public_ips", "0.005", "hour"),
            Meter("router", "presence", "routers", "0.010", "hour")),
    jobs=JOBS,
    screens=(Screen("networks", "Networks", "lab.tui.screens.networks:NetworksScreen",
                    frozenset({"network"}), order=40),),
    tempest=TEMPEST,
)
