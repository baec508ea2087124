"""The launch wizard: name, flavor, image, network, key pair and security groups, with choices loaded from the
cloud when it opens; Launch creates the server and closes (the list then shows it go BUILD -> ACTIVE)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Label

from lab.tui.client import CloudClient
from lab.tui.models import Flavor, Image, Keypair, Network, SecurityGroup, Server
from lab.tui.screens.base import ConnectionChanged
from lab.tui.screens.dialogs import Field, FormScreen


@dataclass(frozen=True)
class Choices:
    flavors: list[Flavor]
    images: list[Image]
    networks: list[Network]
    keypairs: list[Keypair]
    security_groups: list[SecurityGroup]


def load_choices(client: CloudClient, services: frozenset[str]) -> Choices:
    has_network = "network" in services
    return Choices(client.list_flavors(), [i for i in client.list_images() if i.status == "active"],
                   [n for n in client.list_networks() if not n.external] if has_network else [],
                   client.list_keypairs(), client.list_security_groups() if has_network else [])


def launch_fields(c: Choices) -> list[Field]:
    flavor = next((f.id for f in c.flavors if f.name == "m1.tiny"), c.flavors[0].id if c.flavors else None)
    return [
        Field("name", "Name:", placeholder="e.g. web-1"),
        Field("flavor", "Flavor:", "select",
              [(f"{f.name}  ({f.vcpus} vCPU, {f.ram} MiB RAM, {f.disk} GB disk)", f.id) for f in c.flavors], flavor),
        Field("image", "Image:", "select", [(i.name, i.id) for i in c.images],
              c.images[0].id if len(c.images) == 1 else None),
        Field("network", "Network:", "select", [(f"{n.name}  {n.subnets}", n.id) for n in c.networks],
              c.networks[0].id if len(c.networks) == 1 else None, required=bool(c.networks)),
        Field("key_name", "Key pair (optional):", "select", [(k.name, k.name) for k in c.keypairs],
              required=False),
        Field("security_groups", "Security groups:", "multi", [(g.name, g.name) for g in c.security_groups],
              required=False, selected=("default",)),
    ]


class LaunchScreen(FormScreen):
    """Dismisses with the new Server, or None when cancelled."""

    def __init__(self) -> None:
        super().__init__("Launch a server", [], submit="Launch")

    def compose_fields(self) -> ComposeResult:
        if not self.fields:
            yield Label("loading flavors, images, networks, key pairs…", id="loading")
        else:
            yield from super().compose_fields()

    def on_mount(self) -> None:
        app: Any = self.app
        self.run_worker(self._load(app.client, app.session.services), exit_on_error=False)

    async def _load(self, client: CloudClient, services: frozenset[str]) -> None:
        import asyncio

        from lab.tui.client import CloudError

        try:
            choices = await asyncio.to_thread(load_choices, client, services)
        except CloudError as exc:
            self.notify(str(exc), title="The cloud said", severity="error")
            self.dismiss(None)
            return
        self.fields = launch_fields(choices)
        await self.query_one("#fields").remove_children()
        await self.query_one("#fields").mount_all(list(super().compose_fields()))
        self.query_one("#field-name").focus(scroll_visible=False)

    def submit(self) -> None:
        if not self.fields:
            return
        values = self.values()
        if isinstance(values, str):
            self.query_one("#error").update(values)  # type: ignore[attr-defined]
            return
        app: Any = self.app
        self.run_worker(self._launch(app.client, values), exit_on_error=False)

    async def _launch(self, client: CloudClient, v: dict[str, Any]) -> None:
        import asyncio

        from lab.tui.client import CloudError, ConnectionLost

        try:
            server: Server = await asyncio.to_thread(client.create_server, v["name"], v["flavor"], v["image"],
                                                     v["network"], v["key_name"], v["security_groups"])
        except ConnectionLost as exc:
            self.post_message(ConnectionChanged(str(exc)))
            return
        except CloudError as exc:  # stay open so the user can fix the form
            self.notify(str(exc), title="The cloud said", severity="error", timeout=8)
            return
        self.dismiss(server)
