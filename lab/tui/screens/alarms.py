"""Alarms: the project's Aodh alarms with their state (ok, alarm, insufficient data), severity and the reason
of the last transition; Enter shows an alarm's history, `o`/`a` set its state by hand, `d` deletes it."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from lab.tui.models import Alarm
from lab.tui.screens.base import ListScreen, TableSpec

STATE_MARK = {"ok": "● ok", "alarm": "▲ alarm", "insufficient data": "○ insufficient data"}


def _row(a: Alarm) -> tuple[str, ...]:
    return (a.name, STATE_MARK.get(a.state, a.state), a.severity, a.type, "yes" if a.enabled else "no",
            a.reason, a.id)


class AlarmsScreen(ListScreen):
    NAV: ClassVar[str] = "alarms"
    TABLES = (TableSpec("alarms", "Alarms", [("name", "Name"), ("state", "State"), ("severity", "Severity"),
                                             ("type", "Type"), ("enabled", "Enabled"), ("reason", "Reason"),
                                             ("id", "ID")],
                        lambda c: c.list_alarms(), _row),)
    MUTATING = frozenset({"set_ok", "set_alarm", "delete"})
    BINDINGS: ClassVar[list[BindingType]] = [Binding("o", "set_ok", "State ok"),
                                             Binding("a", "set_alarm", "State alarm"),
                                             Binding("d", "delete", "Delete")]

    def open_item(self, item: Any) -> None:
        """Enter: the alarm's history (newest first), as `openstack alarm-history show` prints it."""
        from lab.tui.screens.dialogs import JsonScreen

        def show(history: list[dict[str, Any]]) -> None:
            rows = [{"timestamp": h["timestamp"], "type": h["type"], "detail": json.loads(h["detail"])}
                    for h in history]
            self.app.push_screen(JsonScreen(f"{item.name}: history", rows))

        self.call(self.client.alarm_history, item.id, then=show)

    def _set(self, state: str) -> None:
        alarm = self.require_selected("alarm")
        if alarm is not None:
            self.call(self.client.set_alarm_state, alarm.id, state, then=lambda _: self.refresh_data(),
                      done=f"Alarm {alarm.name}: state set to {state}")

    def action_set_ok(self) -> None:
        self._set("ok")

    def action_set_alarm(self) -> None:
        self._set("alarm")

    def action_delete(self) -> None:
        alarm = self.require_selected("alarm")
        if alarm is None:
            return
        self.confirm_then(f"Delete alarm {alarm.name}?",
                          lambda: self.call(self.client.delete_alarm, alarm.id, then=lambda _: self.refresh_data(),
                                            done=f"Alarm {alarm.name} deleted"))
