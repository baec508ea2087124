"""The metric service (Gnocchi v1) as the cloud sees it: see lab/cloud/plugin.py."""

from lab.cloud.metric.policies import RULES
from lab.cloud.metric.tempest import TEMPEST
from lab.cloud.plugin import CatalogEntry, Periodic, Plugin, Screen, ServiceSpec

PLUGIN = Plugin(
    spec=ServiceSpec("metric", "/metric", "gnocchi", (CatalogEntry("metric", "gnocchi", "/metric"),)),
    service="lab.cloud.metric.service:MetricService",
    routes="lab.cloud.metric.routes",
    policies=RULES,
    tempest=TEMPEST,
    screens=(Screen("metrics", "Metrics", "lab.tui.screens.metrics:MetricsScreen", frozenset({"metric"}),
                    order=62),),
    periodic=(Periodic("metric.collect", 5.0, "lab.cloud.metric.collector:collect"),),
)
