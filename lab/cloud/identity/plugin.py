"""The identity service (Keystone v3) as the cloud sees it: see lab/cloud/plugin.py."""

from lab.cloud.identity.policies import RULES
from lab.cloud.identity.tempest import TEMPEST
from lab.cloud.plugin import CatalogEntry, Plugin, Screen, ServiceSpec

PLUGIN = Plugin(
    spec=ServiceSpec("identity", "/identity", "keystone", (CatalogEntry("identity", "keystone", "/identity"),)),
    service="lab.cloud.identity.service:IdentityService",
    routes="lab.cloud.identity.routes",
    policies=RULES,
    # Last in the navigation: an admin's screen, so the number keys of the others stay where they were.
    screens=(Screen("identity", "Identity", "lab.tui.screens.identity:IdentityScreen", frozenset({"identity"}),
                    admin_only=True, order=99),),
    tempest=TEMPEST,
)
