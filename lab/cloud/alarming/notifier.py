"""Alarm actions, run after the evaluator's transaction committed: `log://` writes the notification to the lab's
log, `http(s)://` POSTs Aodh's notification body (to loopback or the classroom's host only: any URL is saved, as
in Aodh, but the lab logs the others instead of sending traffic out), and the lab's own `stacklab://stop` stops
the alarm's server as its owner (auto-remediation).
A failing action is logged and does not stop the others."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lab.cloud.alarming import schemas
from lab.cloud.alarming.models import Alarm
from lab.cloud.context import RequestContext

if TYPE_CHECKING:
    from lab.cloud.app import Cloud

log = logging.getLogger("aodh.notifier")


@dataclass(frozen=True)
class Notice:
    alarm_id: str
    name: str
    severity: str
    previous: str
    current: str
    reason: str
    reason_data: dict[str, Any]
    actions: tuple[str, ...]
    user_id: str
    project_id: str
    server_id: str | None  # the server a `stacklab://stop` acts on

    @classmethod
    def of(cls, a: Alarm, previous: str, reason: str, data: dict[str, Any]) -> Notice:
        actions = {"alarm": a.alarm_actions, "ok": a.ok_actions,
                   "insufficient data": a.insufficient_data_actions}[a.state]
        server = a.rule.get("resource_id") if a.rule.get("resource_type") == "instance" else None
        if a.type == "event":
            server = (data.get("event") or {}).get("traits", {}).get("instance_id")
        return cls(a.alarm_id, a.name, a.severity, previous, a.state, reason, data, tuple(actions), a.user_id,
                   a.project_id, server)

    def body(self) -> dict[str, Any]:
        """What Aodh's REST notifier posts."""
        return {"alarm_name": self.name, "alarm_id": self.alarm_id, "severity": self.severity,
                "previous": self.previous, "current": self.current, "reason": self.reason,
                "reason_data": self.reason_data}


def notify(cloud: Cloud, notice: Notice) -> None:
    for action in notice.actions:
        try:
            if action.startswith("log://"):
                # WARNING, where Aodh logs INFO: the lab's log shows warnings without any logging set up.
                log.warning("Notifying alarm %s %s with severity %s from %s to %s with action %s because %s",
                         notice.name, notice.alarm_id, notice.severity, notice.previous, notice.current, action,
                         notice.reason)
            elif action.startswith(("http://", "https://")) and not schemas.postable(action, {cloud.settings.host}):
                log.warning("alarm %s: not posting to %s: the lab posts only to loopback or the classroom's host",
                            notice.alarm_id, action)
            elif action.startswith(("http://", "https://")):
                import httpx  # here, not at the top: httpx costs `stacklab up` a third of a second to import

                httpx.post(action, json=notice.body(), timeout=5.0,
                           headers={"x-openstack-request-id": f"req-alarm-{notice.alarm_id}"})
            elif action == "stacklab://stop" and notice.server_id:
                owner = RequestContext(user_id=notice.user_id, user_name="aodh", project_id=notice.project_id,
                                       project_name=None, roles=("member", "reader"))
                if cloud.compute.get_server(owner, notice.server_id).server.vm_state == "active":
                    cloud.compute.stop_server(owner, notice.server_id)
                    cloud.worker.wake()
        except Exception as exc:  # an unreachable URL or a gone server must not stop the evaluator
            log.warning("alarm %s: action %s failed: %s", notice.alarm_id, action, exc)
