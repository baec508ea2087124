"""Stacks: the project's Heat stacks with their status and reason, every resource they made (nested ones too,
with the physical id to look up in the other screens), and their events, newest first, where a failed stack
says why. `n` creates a stack from a template file, as `openstack stack create -t FILE NAME`; `d` deletes one."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from lab.tui import models as m
from lab.tui.screens.base import ListScreen, TableSpec
from lab.tui.screens.dialogs import Field, FormScreen


class StacksScreen(ListScreen):
    NAV: ClassVar[str] = "stacks"
    TABLES = (
        TableSpec("stacks", "Stacks",
                  [("name", "Name"), ("status", "Status"), ("reason", "Reason"), ("created", "Created"),
                   ("id", "ID")],
                  lambda c: c.list_stacks(),
                  lambda st: (st.name, st.status, st.reason, st.created, st.id)),
        TableSpec("resources", "Resources",
                  [("stack", "Stack"), ("name", "Resource"), ("type", "Type"), ("status", "Status"),
                   ("physical", "Physical ID")],
                  lambda c: c.list_stack_resources(),
                  lambda r: (r.stack, r.name, r.type, r.status, r.id)),
        TableSpec("events", "Events",
                  [("time", "Time"), ("stack", "Stack"), ("resource", "Resource"), ("status", "Status"),
                   ("reason", "Reason")],
                  lambda c: c.list_stack_events(),
                  lambda e: (e.time, e.stack, e.resource, e.status, e.reason)),
    )
    MUTATING = frozenset({"new", "delete"})
    BINDINGS: ClassVar[list[BindingType]] = [Binding("n", "new", "New stack"), Binding("d", "delete", "Delete")]

    def action_new(self) -> None:
        fields = [Field("name", "Stack name:"),
                  Field("template", "Template file (HOT, as for `openstack stack create -t`):")]
        self.app.push_screen(FormScreen("New stack", fields), self._create)

    def _create(self, values: dict[str, Any] | None) -> None:
        if values:
            self.call(self.client.create_stack, values["name"], values["template"], then=self._created)

    def _created(self, stack: m.Stack) -> None:
        self.notify(f"Stack {stack.name} is being created ({stack.status or 'CREATE_IN_PROGRESS'})")
        self.refresh_data()

    def action_delete(self) -> None:
        stack = self.require_selected("stack")
        if stack is not None and not isinstance(stack, m.Stack):
            self.notify("Select the stack in the Stacks tab.", severity="warning")
        elif stack is not None:
            self.confirm_then(f"Delete stack {stack.name} and everything it made?",
                              lambda: self.call(self.client.delete_stack, stack.id,
                                                then=lambda _: self.refresh_data(),
                                                done=f"Stack {stack.name} is being deleted"))
