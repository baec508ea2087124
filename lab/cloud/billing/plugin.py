"""The billing service (`/billing/v1`) as the cloud sees it: see lab/cloud/plugin.py."""

from lab.cloud.billing.policies import RULES
from lab.cloud.billing.rating import JOBS
from lab.cloud.plugin import CatalogEntry, Plugin, Screen, ServiceSpec

PLUGIN = Plugin(
    spec=ServiceSpec("billing", "/billing/v1", "keystone",
                     (CatalogEntry("billing", "stacklab-billing", "/billing/v1"),)),
    service="lab.cloud.billing.service:BillingService",
    routes="lab.cloud.billing.routes",
    policies=RULES,
    jobs=JOBS,
    screens=(Screen("billing", "Billing", "lab.tui.screens.billing:BillingScreen", frozenset({"billing"}), order=60),),
)
