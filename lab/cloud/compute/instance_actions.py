"""Nova's instance actions (`os-instance-actions`, what `openstack server event list` shows): a server's
history, read from the event table the compute service already writes in the same transaction as each change.

Nova records an action per API request (create, stop, start, reboot, resize, revertResize, delete, lock,
pause, suspend, shelve, rebuild, rescue, createImage, migrate, ...) with its request id, user and start time,
and the compute events it ran (with their finish time and result). Here each server event becomes one action:
its request id is the request's own when the event recorded it (else derived from the event's id), its user is
whoever asked, its start the moment the task began and its finish the event's time. A failed action (a build
that ended in ERROR, a task the driver failed, a migration with no host) has the message `Error`, and its event
the result `Error` with the fault as its traceback, as Nova does. The history of a deleted server stays
readable by its project (Nova >= 2.21), which is what lets a lab check see that a server existed, failed and
was deleted.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select

from lab.cloud.compute.common import ComputePart
from lab.cloud.compute.models import Server
from lab.cloud.context import RequestContext
from lab.cloud.errors import NotFound
from lab.cloud.events import Event

# event action -> Nova's instance action name (nova/compute/instance_actions.py)
ACTION_NAMES = {"create": "create", "delete": "delete", "power_off": "stop", "power_on": "start",
                "reboot": "reboot", "resize": "resize", "lock": "lock", "unlock": "unlock", "pause": "pause",
                "unpause": "unpause", "suspend": "suspend", "resume": "resume", "shelve": "shelve",
                "shelve_offload": "shelveOffload", "unshelve": "unshelve", "rebuild": "rebuild", "rescue": "rescue",
                "unrescue": "unrescue", "createImage": "createImage", "changePassword": "changePassword",
                "migrate": "migrate", "live-migration": "live-migration"}

VOLUME_ACTIONS = {"attach": "attach_volume", "detach": "detach_volume"}  # a volume event naming the server


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
    finish_time: datetime | None = None
    fault: str | None = None  # what went wrong (shown as the event's traceback)

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
            # The volume service's attach and detach of this server's volumes: Nova's attach_volume and
            # detach_volume actions (not the detach a server's delete makes, which has no caller).
            rows += db.scalars(select(Event).where(
                Event.resource_type == "volume", Event.action.in_(("attach", "detach")),
                Event.user_id.is_not(None), Event.time >= server.created_at,
                Event.attributes["server_id"].as_string() == server_id))
            rows.sort(key=lambda e: e.id)
        actions: list[InstanceAction] = []
        for event in rows:
            if event.action == "status":
                # A build that ended in ERROR fails the create action it belongs to.
                if event.attributes.get("status") == "ERROR" and actions and actions[-1].action == "create":
                    actions[-1] = replace(actions[-1], message="Error", finish_time=event.time,
                                          fault=event.attributes.get("message"))
                elif actions and actions[-1].action == "create":
                    actions[-1] = replace(actions[-1], finish_time=event.time)
                continue
            name = VOLUME_ACTIONS.get(event.action) if event.resource_type == "volume" else \
                ACTION_NAMES.get(event.action)
            if name is None:
                continue
            attrs = event.attributes or {}
            if name == "resize" and attrs.get("revert"):
                name = "revertResize"
            start = event.time
            if attrs.get("start"):
                with contextlib.suppress(ValueError):
                    start = datetime.fromisoformat(str(attrs["start"]))
            error = attrs.get("error")
            actions.append(InstanceAction(name, server_id, str(attrs.get("request_id") or request_id_of(event.id)),
                                          event.user_id, event.project_id, start, "Error" if error else None,
                                          event.time, str(error) if error else None))
        return list(reversed(actions))

    def get_instance_action(self, ctx: RequestContext, server_id: str, request_id: str) -> InstanceAction:
        """One action by its request id. Raises Nova's 404 when the server has no such action."""
        for action in self.list_instance_actions(ctx, server_id, "os_compute_api:os-instance-actions:show"):
            if action.request_id == request_id:
                return action
        raise NotFound(f"Action {request_id} on instance {server_id} could not be found.")
