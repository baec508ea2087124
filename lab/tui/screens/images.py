"""Images: the Glance images this project can see (Enter or `y` shows one's JSON)."""

from __future__ import annotations

from typing import ClassVar

from lab.tui.models import Image
from lab.tui.screens.base import ListScreen, TableSpec


def _row(i: Image) -> tuple[str, ...]:
    return (i.name, i.status, i.disk_format, i.size, i.visibility, i.id)


class ImagesScreen(ListScreen):
    NAV: ClassVar[str] = "images"
    TABLES = (TableSpec("images", "Images", [("name", "Name"), ("status", "Status"), ("format", "Format"),
                                              ("size", "Size"), ("visibility", "Visibility"), ("id", "ID")],
                        lambda c: c.list_images(), _row),)
