"""The toy service's plugin: one `presence` meter for resource type `toy`, billed under `toys` at 0.5 an hour
by default. Its service records create and delete events as any service does; billing is not edited for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

from lab.cloud.events import record
from lab.cloud.plugin import Meter, Plugin, ServiceSpec

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

routes: list[BaseRoute] = []  # no API of its own: the test drives the service object


class ToyService:
    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def create_toy(self, project_id: str, toy_id: str) -> None:
        with self.cloud.db.write() as db:
            record(db, self.cloud.clock.now(), project_id=project_id, user_id=None, resource_type="toy",
                   resource_id=toy_id, action="create", name=f"toy {toy_id}")

    def delete_toy(self, project_id: str, toy_id: str) -> None:
        with self.cloud.db.write() as db:
            record(db, self.cloud.clock.now(), project_id=project_id, user_id=None, resource_type="toy",
                   resource_id=toy_id, action="delete")


PLUGIN = Plugin(
    spec=ServiceSpec("toy", "/toy", "keystone"),
    service="tests.cloud.toy_meter.plugin:ToyService",
    routes="tests.cloud.toy_meter.plugin",
    meters=(Meter("toy", "presence", "toys", "0.5", "hour"),),
)
