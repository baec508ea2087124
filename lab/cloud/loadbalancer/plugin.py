"""The load-balancing service (Octavia v2) as the cloud sees it: see lab/cloud/plugin.py."""

from lab.cloud.loadbalancer.loadbalancers import JOBS
from lab.cloud.loadbalancer.policies import RULES
from lab.cloud.loadbalancer.quotas import RESOURCES
from lab.cloud.loadbalancer.tempest import TEMPEST
from lab.cloud.plugin import CatalogEntry, Meter, Plugin, Screen, ServiceSpec

PLUGIN = Plugin(
    spec=ServiceSpec("loadbalancer", "/load-balancer", "octavia",
                     (CatalogEntry("load-balancer", "octavia", "/load-balancer"),)),
    service="lab.cloud.loadbalancer.service:LoadBalancerService",
    routes="lab.cloud.loadbalancer.routes",
    policies=RULES,
    quotas=RESOURCES,
    # Sina Web Services priced a load balancer by the hour, beside instances and public IPs.
    meters=(Meter("loadbalancer", "presence", "load_balancers", "0.025", "hour"),),
    jobs=JOBS,
    # Last in the navigation, so the number keys of the screens before it stay as they were.
    screens=(Screen("loadbalancers", "Load balancers", "lab.tui.screens.loadbalancers:LoadBalancersScreen",
                    frozenset({"load-balancer"}), order=90),),
    tempest=TEMPEST,
)
