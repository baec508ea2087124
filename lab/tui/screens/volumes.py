"""Volumes: create, attach to a server, detach, snapshot, back up and delete; a second tab lists the snapshots,
a third the backups (restore one into a new volume, delete it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from lab.tui.models import Server
from lab.tui.screens.base import ListScreen, TableSpec
from lab.tui.screens.dialogs import Field, FormScreen


class VolumesScreen(ListScreen):
    NAV: ClassVar[str] = "volumes"
    TABLES = (
        TableSpec("volumes", "Volumes", [("name", "Name"), ("status", "Status"), ("size", "Size (GB)"),
                                         ("attached", "Attached to"), ("id", "ID")],
                  lambda c: c.list_volumes(), lambda v: (v.name, v.status, str(v.size), v.attached_to, v.id)),
        TableSpec("snapshots", "Snapshots", [("name", "Name"), ("volume", "Volume"), ("status", "Status"),
                                             ("size", "Size (GB)"), ("id", "ID")],
                  lambda c: c.list_snapshots(), lambda s: (s.name, s.volume, s.status, str(s.size), s.id)),
        TableSpec("backups", "Backups", [("name", "Name"), ("volume", "Volume"), ("status", "Status"),
                                         ("size", "Size (GB)"), ("incremental", "Incremental"), ("id", "ID")],
                  lambda c: c.list_backups(),
                  lambda b: (b.name, b.volume, b.status, str(b.size), "yes" if b.incremental else "no", b.id)),
    )
    MUTATING = frozenset({"new", "attach", "detach", "snapshot", "backup", "restore", "delete"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New volume"),
        Binding("a", "attach", "Attach"),
        Binding("u", "detach", "Detach"),
        Binding("p", "snapshot", "Snapshot"),
        Binding("b", "backup", "Back up"),
        Binding("e", "restore", "Restore"),
        Binding("d", "delete", "Delete"),
    ]
    TAB_ACTIONS: ClassVar[Mapping[str, str]] = {
        **dict.fromkeys(("new", "attach", "detach", "snapshot", "backup"), "volumes"), "restore": "backups"}

    def action_new(self) -> None:
        fields = [Field("name", "Name:"), Field("size", "Size in GB:", value="1")]
        self.app.push_screen(FormScreen("New volume", fields), self._create)

    def _create(self, values: dict[str, Any] | None) -> None:
        if not values:
            return
        try:
            size = int(values["size"])
        except ValueError:
            self.notify(f"Size must be a whole number of GB, not {values['size']!r}.", severity="error")
            return
        self.call(self.client.create_volume, values["name"], size, then=self.changed,
                  done=f"Volume {values['name']} is being created")

    def action_attach(self) -> None:
        volume = self.require_selected("volume")
        if volume is None:
            return

        def ask(servers: list[Server]) -> None:
            choices = [(f"{s.name}  ({s.status})", s.id) for s in servers if s.status in ("ACTIVE", "SHUTOFF")]
            if not choices:
                self.notify("No server to attach to (it must be ACTIVE or SHUTOFF).", severity="warning")
                return
            form = FormScreen(f"Attach volume {volume.name}", [Field("server", "Server:", "select", choices)],
                              submit="Attach")

            def attach(v: dict[str, Any] | None) -> None:
                if v:
                    self.call(self.client.attach_volume, volume.id, v["server"], then=self.changed,
                              done=f"Volume {volume.name} is being attached")

            self.app.push_screen(form, attach)

        self.call(self.client.list_servers, then=ask)

    def action_detach(self) -> None:
        volume = self.require_selected("volume")
        if volume is not None:
            self.confirm_then(f"Detach volume {volume.name} from {volume.attached_to or 'its server'}?",
                              lambda: self.call(self.client.detach_volume, volume.id, then=self.changed,
                                                done=f"Volume {volume.name} is being detached"))

    def action_snapshot(self) -> None:
        volume = self.require_selected("volume")
        if volume is None:
            return
        form = FormScreen(f"Snapshot volume {volume.name}", [Field("name", "Name:", value=f"{volume.name}-snap")])

        def snapshot(v: dict[str, Any] | None) -> None:
            if v:
                self.call(self.client.create_snapshot, volume.id, v["name"], then=self.changed,
                          done=f"Snapshot {v['name']} is being created")

        self.app.push_screen(form, snapshot)

    def action_backup(self) -> None:
        volume = self.require_selected("volume")
        if volume is None:
            return
        fields = [Field("name", "Name:", value=f"{volume.name}-backup"),
                  Field("incremental", "Kind:", "select", [("full", "full"), ("incremental", "incremental")],
                        value="full")]

        def backup(v: dict[str, Any] | None) -> None:
            if v:
                self.call(self.client.create_backup, volume.id, v["name"], v["incremental"] == "incremental",
                          then=self.changed, done=f"Backup {v['name']} is being created")

        self.app.push_screen(FormScreen(f"Back up volume {volume.name}", fields), backup)

    def action_restore(self) -> None:
        backup = self.require_selected("backup")
        if backup is None:
            return
        form = FormScreen(f"Restore backup {backup.name} into a new volume",
                          [Field("name", "Volume name:", value=f"{backup.name}-restored")], submit="Restore")

        def restore(v: dict[str, Any] | None) -> None:
            if v:
                self.call(self.client.restore_backup, backup.id, v["name"], then=self.changed,
                          done=f"Backup {backup.name} is being restored into {v['name']}")

        self.app.push_screen(form, restore)

    def action_delete(self) -> None:
        spec = self.current_spec
        what = {"volumes": "volume", "snapshots": "snapshot", "backups": "backup"}
        item = self.require_selected(what[spec.id] if spec else "volume")
        if item is None or spec is None:
            return
        if spec.id == "backups":
            self.confirm_then(f"Delete backup {item.name}? A volume can no longer be restored from it.",
                              lambda: self.call(self.client.delete_backup, item.id, then=self.changed,
                                                done=f"Backup {item.name} is being deleted"))
            return
        if spec.id == "volumes":
            self.confirm_then(f"Delete volume {item.name}? Its data is lost.",
                              lambda: self.call(self.client.delete_volume, item.id, then=self.changed,
                                                done=f"Volume {item.name} is being deleted"))
        else:
            self.confirm_then(f"Delete snapshot {item.name}?",
                              lambda: self.call(self.client.delete_snapshot, item.id, then=self.changed,
                                                done=f"Snapshot {item.name} is being deleted"))
