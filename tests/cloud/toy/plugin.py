"""The toy service as the cloud sees it: everything it brings, declared here and nowhere else."""

from lab.cloud.plugin import CatalogEntry, Meter, Plugin, ServiceSpec
from lab.cloud.policy import Rule
from lab.cloud.quotas import Resource
from tests.cloud.toy.service import toys_in_use

PLUGIN = Plugin(
    spec=ServiceSpec("toy", "/toy", "tests.cloud.toy.schemas:error_body", (CatalogEntry("toy", "toybox", "/toy/v1"),)),
    service="tests.cloud.toy.service:ToyService",
    routes="tests.cloud.toy.routes",
    policies=(
        Rule("toy:create_toy", "rule:project_member_or_admin", "Make a toy in one's project.",
             (("POST", "/toy/v1/toys"),)),
        Rule("toy:list_toys", "rule:project_reader_or_admin", "List one's project's toys.",
             (("GET", "/toy/v1/toys"),)),
        Rule("toy:delete_toy", "rule:project_member_or_admin", "Delete a toy of one's project.",
             (("DELETE", "/toy/v1/toys/{toy_id}"),)),
    ),
    quotas=(Resource("toy", "toys", 2, toys_in_use, "Toys per project"),),
    meters=(Meter("toy", "presence", "toys", "0.50", "hour"),),
)
