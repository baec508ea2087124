"""Object storage: the project's containers (objects, size, public or private) and, on Enter, one container's
objects, with upload from and download to local files. `p` toggles a container between private and public
(`.r:*,.rlistings`: anyone may read and list it without a token, as `swift post -r` sets it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from lab.tui.models import Container, StoredObject
from lab.tui.screens.base import ListScreen, TableSpec
from lab.tui.screens.dialogs import Field, FormScreen


def _container_row(c: Container) -> tuple[str, ...]:
    return (c.name, str(c.objects), c.size, "public" if c.public else "private")


def _object_row(o: StoredObject) -> tuple[str, ...]:
    return (o.name, o.size, o.content_type, o.last_modified)


class ContainersScreen(ListScreen):
    NAV: ClassVar[str] = "containers"
    TABLES = (TableSpec("containers", "Containers", [("name", "Name"), ("objects", "Objects"), ("size", "Size"),
                                                     ("access", "Access")],
                        lambda c: c.list_containers(), _container_row),)
    MUTATING = frozenset({"new", "delete", "toggle_public"})
    BINDINGS: ClassVar[list[BindingType]] = [Binding("n", "new", "New container"), Binding("d", "delete", "Delete"),
                                             Binding("p", "toggle_public", "Public/private")]

    def open_item(self, item: Any) -> None:
        self.app.push_screen(ObjectsScreen(item.name))

    def action_new(self) -> None:
        self.app.push_screen(FormScreen("New container", [Field("name", "Name:")]), self._create)

    def _create(self, values: dict[str, Any] | None) -> None:
        if values:
            self.call(self.client.create_container, values["name"], then=lambda _: self.refresh_data(),
                      done=f"Container {values['name']} created")

    def action_delete(self) -> None:
        c = self.require_selected("container")
        if c is not None:
            self.confirm_then(f"Delete container {c.name}? (only an empty one can be deleted)",
                              lambda: self.call(self.client.delete_container, c.name,
                                                then=lambda _: self.refresh_data(),
                                                done=f"Container {c.name} deleted"))

    def action_toggle_public(self) -> None:
        c = self.require_selected("container")
        if c is not None:
            self.call(self.client.set_container_public, c.name, not c.public, then=lambda _: self.refresh_data(),
                      done=f"Container {c.name} is {'private' if c.public else 'public'} now")


class ObjectsScreen(ListScreen):
    """One container's objects (Esc goes back to the containers)."""

    NAV: ClassVar[str] = "containers"
    MUTATING = frozenset({"upload", "delete"})
    BINDINGS: ClassVar[list[BindingType]] = [Binding("u", "upload", "Upload"), Binding("g", "download", "Download"),
                                             Binding("d", "delete", "Delete")]

    def __init__(self, container: str) -> None:
        self.container = container
        # One screen per container: its table lists that container (ListScreen reads TABLES per instance).
        self.TABLES = (TableSpec("objects", f"Objects in {container}",  # type: ignore[misc]
                                 [("name", "Name"), ("size", "Size"), ("type", "Type"), ("modified", "Modified")],
                                 lambda c: c.list_objects(container), _object_row),)
        super().__init__()

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"container {self.container}"
        self.refresh_data()

    def action_upload(self) -> None:
        fields = [Field("path", "Local file to upload:"),
                  Field("name", "Object name (empty: the file's name):", required=False)]
        self.app.push_screen(FormScreen(f"Upload to {self.container}", fields), self._upload)

    def _upload(self, values: dict[str, Any] | None) -> None:
        if not values:
            return
        path = Path(values["path"]).expanduser()
        if not path.is_file():
            self.notify(f"no such file: {path}", severity="error")
            return
        self.call(self.client.upload_object, self.container, str(path), values["name"] or None,
                  then=self._uploaded)

    def _uploaded(self, name: str) -> None:
        self.notify(f"Uploaded {name}")
        self.refresh_data()

    def action_download(self) -> None:
        o = self.require_selected("object")
        if o is not None:
            target = Path.cwd() / Path(o.name).name
            self.call(self.client.download_object, self.container, o.name, str(target),
                      done=f"Saved {o.name} to {target}")

    def action_delete(self) -> None:
        o = self.require_selected("object")
        if o is not None:
            self.confirm_then(f"Delete {o.name} from {self.container}?",
                              lambda: self.call(self.client.delete_object, self.container, o.name,
                                                then=lambda _: self.refresh_data(), done=f"Deleted {o.name}"))
