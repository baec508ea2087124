"""Identity, the admin's view of Keystone: users, groups with their members, projects (and their parents), and
every role assignment by name, to a user or a group, on a project or a domain (`role assignment list --names`).
`a` on the Groups tab adds a user to the selected group, as `openstack group add user` does. Admins only: a
member may not list users or assignments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from lab.tui import models as m
from lab.tui.screens.base import ListScreen, TableSpec
from lab.tui.screens.dialogs import Field, FormScreen


class IdentityScreen(ListScreen):
    NAV: ClassVar[str] = "identity"
    TABLES = (
        TableSpec("users", "Users", [("name", "Name"), ("domain", "Domain"), ("enabled", "Enabled"),
                                     ("email", "Email"), ("id", "ID")],
                  lambda c: c.list_users(),
                  lambda u: (u.name, u.domain, "yes" if u.enabled else "no", u.email, u.id)),
        TableSpec("groups", "Groups", [("name", "Name"), ("domain", "Domain"), ("members", "Members"),
                                       ("description", "Description"), ("id", "ID")],
                  lambda c: c.list_groups(), lambda g: (g.name, g.domain, g.members, g.description, g.id)),
        TableSpec("projects", "Projects", [("name", "Name"), ("domain", "Domain"), ("parent", "Parent"),
                                           ("enabled", "Enabled"), ("description", "Description"), ("id", "ID")],
                  lambda c: c.list_projects(),
                  lambda p: (p.name, p.domain, p.parent, "yes" if p.enabled else "no", p.description, p.id)),
        TableSpec("assignments", "Role assignments", [("scope", "On"), ("actor", "Who"), ("role", "Role")],
                  lambda c: c.list_role_assignments(), lambda a: (a.scope, a.actor, a.role)),
    )
    MUTATING = frozenset({"add_member"})
    BINDINGS: ClassVar[list[BindingType]] = [Binding("a", "add_member", "Add a user to the group")]
    TAB_ACTIONS: ClassVar[Mapping[str, str]] = {"add_member": "groups"}

    def action_add_member(self) -> None:
        group = self.require_selected("group")
        if group is None:
            return

        def ask(users: list[m.User]) -> None:
            choices = [(f"{u.name}  ({u.domain})", u.id) for u in users]
            form = FormScreen(f"Add a user to group {group.name}", [Field("user", "User:", "select", choices)],
                              submit="Add")

            def add(v: dict[str, Any] | None) -> None:
                if v:
                    self.call(self.client.add_user_to_group, v["user"], group.id, then=self.changed,
                              done=f"Added to group {group.name}")

            self.app.push_screen(form, add)

        self.call(self.client.list_users, then=ask)
