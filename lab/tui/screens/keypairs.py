"""Key pairs: list, create (import a public key file, or let the cloud make one and save its private key) and
delete."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from lab.tui.models import Keypair
from lab.tui.screens.base import ListScreen, TableSpec
from lab.tui.screens.dialogs import Field, FormScreen


def _row(k: Keypair) -> tuple[str, ...]:
    return (k.name, k.type, k.fingerprint)


class KeypairsScreen(ListScreen):
    NAV: ClassVar[str] = "keypairs"
    TABLES = (TableSpec("keypairs", "Key pairs", [("name", "Name"), ("type", "Type"),
                                                  ("fingerprint", "Fingerprint")],
                        lambda c: c.list_keypairs(), _row),)
    MUTATING = frozenset({"new", "delete"})
    BINDINGS: ClassVar[list[BindingType]] = [Binding("n", "new", "New key pair"), Binding("d", "delete", "Delete")]

    def action_new(self) -> None:
        default_key = Path.home() / ".ssh" / "id_ed25519.pub"
        fields = [Field("name", "Name:"),
                  Field("public_key", "Public key file to import (empty: the cloud makes a key pair and the "
                                      "private key is saved in the current directory):",
                        value=str(default_key) if default_key.exists() else "", required=False)]
        self.app.push_screen(FormScreen("New key pair", fields), self._create)

    def _create(self, values: dict[str, Any] | None) -> None:
        if not values:
            return
        public_key = None
        if values["public_key"]:
            try:
                public_key = Path(values["public_key"]).expanduser().read_text().strip()
            except OSError as exc:
                self.notify(f"cannot read {values['public_key']}: {exc.strerror}", severity="error")
                return
        self.call(self.client.create_keypair, values["name"], public_key, then=self._created)

    def _created(self, result: tuple[Keypair, str | None]) -> None:
        keypair, private_key = result
        if private_key:
            path = Path.cwd() / f"{keypair.name}.pem"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(private_key)
            self.notify(f"Key pair {keypair.name} created; private key saved to {path}")
        else:
            self.notify(f"Key pair {keypair.name} imported")
        self.refresh_data()

    def action_delete(self) -> None:
        key = self.require_selected("key pair")
        if key is not None:
            self.confirm_then(f"Delete key pair {key.name}?",
                              lambda: self.call(self.client.delete_keypair, key.name,
                                                then=lambda _: self.refresh_data(),
                                                done=f"Key pair {key.name} deleted"))
