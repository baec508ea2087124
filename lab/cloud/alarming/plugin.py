"""The alarm service (Aodh v2) as the cloud sees it: see lab/cloud/plugin.py."""

from lab.cloud.alarming.policies import RULES
from lab.cloud.alarming.quotas import RESOURCES
from lab.cloud.alarming.tempest import TEMPEST
from lab.cloud.plugin import CatalogEntry, Periodic, Plugin, Screen, ServiceSpec

PLUGIN = Plugin(
    spec=ServiceSpec("alarming", "/alarming", "aodh", (CatalogEntry("alarming", "aodh", "/alarming"),)),
    service="lab.cloud.alarming.service:AlarmingService",
    routes="lab.cloud.alarming.routes",
    policies=RULES,
    quotas=RESOURCES,
    tempest=TEMPEST,
    screens=(Screen("alarms", "Alarms", "lab.tui.screens.alarms:AlarmsScreen", frozenset({"alarming"}),
                    order=64),),
    periodic=(Periodic("alarming.evaluate", 60.0, "lab.cloud.alarming.evaluator:evaluate",
                       "alarm_evaluation_interval"),
              Periodic("alarming.listen", 3.0, "lab.cloud.alarming.evaluator:listen_events")),
)
