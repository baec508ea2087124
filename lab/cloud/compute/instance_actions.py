"""Nova's instance actions (`os-instance-actions`, what `openstack server event list` shows): a server's
history, read from the event table the compute service already writes in the same transaction as each change.

Nova records an action per API request (create, stop, start, reboot, resize, revertResize, delete) with a
request id; here each server event becomes one action and its request id is derived from the event's id, so
`GET .../os-instance-actions/{request_id}` finds it again. A failed build marks its `create` action's message
`Error`, as Nova does. The history of a deleted server stays readable by its project (Nova >= 2.21), which is
what lets a lab check see that a server existed, failed and was deleted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from lab.cloud.compute.common import ComputePart
from lab.cloud.compute.models import Server
from lab.cloud.context import RequestContext
from lab.cloud.errors import NotFound
from lab.cloud.events import Event

# event action -> Nova's instance action name (nova/compute/instance_actions.py)
ACTION_NAMES = {"create": "create", "delete": "delete", "power_off": "stop", "power_on": "start",
                "reboot": "reboot", "resize": "resize"}


@dataclass(frozen=True)
class InstanceAction:
    """One entry of a server's history."""

    action: str
    instance_uuid: str
    request_id: str
    user_id: str | None
    project_id: str | None
    start_time: datetime
    message: str | None  # None, or "Error" when the action failed

    @property
    def result(self) -> str:
        return "Error" if self.message else "Success"


def request_id_of(event_id: int) -> str:
    """The request id an action is shown with (stable: derived from the event row)."""
    return f"req-{uuid.UUID(int=event_id)}"


class InstanceActions(ComputePart):
    def list_instance_actions(self, ctx: RequestContext, server_id: str,
                              rule: str = "os_compute_api:os-instance-actions:list") -> list[InstanceAction]:
        """The server's actions, newest first (Nova's order). Raises Nova's 404 for a server the caller may
        not see; a deleted server's history is still shown."""
        with self.cloud.db.read() as db:
            server = db.scalar(select(Server).where(Server.id == server_id))
            if server is None or not self.visible(ctx, server.project_id):
                raise NotFound(f"Instance {server_id} could not be found.")
            self.cloud.policy.enforce(ctx, rule, server.project_id)
            rows = list(db.scalars(select(Event).where(Event.resource_type == "server",
                                                       Event.resource_id == server_id).order_by(Event.id)))
        actions: list[InstanceAction] = []
        for event in rows:
            if event.action == "status":
                # A build that ended in ERROR fails the create action it belongs to.
                if event.attributes.get("status") == "ERROR" and actions and actions[-1].action == "create":
                    last = actions[-1]
                    actions[-1] = InstanceAction(last.action, last.instance_uuid, last.request_id, last.user_id,
                                                 last.project_id, last.start_time, "Error")
                continue
            name = ACTION_NAMES.get(event.action)
            if name is None:
                continue
            if name == "resize" and event.attributes.get("revert"):
                name = "revertResize"
            actions.append(InstanceAction(name, server_id, request_id_of(event.id), event.user_id,
                                          event.project_id, event.time, None))
        return list(reversed(actions))

    def get_instance_action(self, ctx: RequestContext, server_id: str, request_id: str) -> InstanceAction:
        """One action by its request id. Raises Nova's 404 when the server has no such action."""
        for action in self.list_instance_actions(ctx, server_id, "os_compute_api:os-instance-actions:show"):
            if action.request_id == request_id:
                return action
        raise NotFound(f"Action {request_id} on instance {server_id} could not be found.")
