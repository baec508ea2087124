"""Networks: tabs for networks, subnets, routers, ports, floating IPs and security groups (Enter on a group lists
its rules), and a topology tree of how they connect. Only the visible tab refreshes; the topology is built when its
tab opens and on `r` (rebuilding a tree every two seconds would lose what the user expanded)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static, TabbedContent, TabPane, Tree

from lab.tui import models as m
from lab.tui.screens.base import CloudScreen, ListScreen, TableSpec
from lab.tui.widgets.tree import fill_tree

TOPOLOGY = "topology"
ICONS = {"external": "◎ ", "router": "⇄ ", "network": "▤ ", "server": "▣ "}


class NetworksScreen(ListScreen):
    NAV: ClassVar[str] = "networks"
    TABLES = (
        TableSpec("networks", "Networks", [("name", "Name"), ("status", "Status"), ("subnets", "Subnets"),
                                           ("external", "External"), ("shared", "Shared"), ("id", "ID")],
                  lambda c: c.list_networks(),
                  lambda n: (n.name, n.status, n.subnets, "yes" if n.external else "", "yes" if n.shared else "",
                             n.id)),
        TableSpec("subnets", "Subnets", [("name", "Name"), ("network", "Network"), ("cidr", "CIDR"),
                                         ("gateway", "Gateway"), ("dhcp", "DHCP"), ("id", "ID")],
                  lambda c: c.list_subnets(),
                  lambda s: (s.name, s.network, s.cidr, s.gateway_ip, "yes" if s.dhcp else "no", s.id)),
        TableSpec("routers", "Routers", [("name", "Name"), ("status", "Status"), ("gateway", "External gateway"),
                                         ("id", "ID")],
                  lambda c: c.list_routers(), lambda r: (r.name, r.status, r.gateway, r.id)),
        TableSpec("ports", "Ports", [("network", "Network"), ("ips", "Fixed IPs"), ("owner", "Device owner"),
                                     ("status", "Status"), ("mac", "MAC"), ("id", "ID")],
                  lambda c: c.list_ports(),
                  lambda p: (p.network, p.fixed_ips, p.device_owner, p.status, p.mac_address, p.id)),
        TableSpec("floatingips", "Floating IPs", [("address", "Floating IP"), ("fixed", "Fixed IP"),
                                                  ("status", "Status"), ("port", "Port"), ("id", "ID")],
                  lambda c: c.list_floating_ips(),
                  lambda f: (f.floating_ip_address, f.fixed_ip_address, f.status, f.port_id, f.id)),
        TableSpec("secgroups", "Security groups", [("name", "Name"), ("rules", "Rules"),
                                                   ("description", "Description"), ("id", "ID")],
                  lambda c: c.list_security_groups(),
                  lambda g: (g.name, str(len(g.rules)), g.description, g.id)),
    )
    MUTATING = frozenset({"new", "delete"})
    BINDINGS: ClassVar[list[BindingType]] = [Binding("n", "new", "New network"),
                                             Binding("d", "delete", "Delete network")]
    TAB_ACTIONS: ClassVar[Mapping[str, str]] = dict.fromkeys(("new", "delete"), "networks")

    def compose_extra_tabs(self) -> ComposeResult:
        with TabPane("Topology", id=f"tab-{TOPOLOGY}"):
            yield Tree("cloud", id=TOPOLOGY)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(f"#{TOPOLOGY}", Tree).show_root = False

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        super().on_tabbed_content_tab_activated(event)
        if self.query_one("#tabs", TabbedContent).active == f"tab-{TOPOLOGY}":
            self.query_one(f"#{TOPOLOGY}", Tree).focus()
            self.load_topology()

    def action_refresh_now(self) -> None:
        if self.current_spec is None:
            self.load_topology()
        else:
            super().action_refresh_now()

    def load_topology(self) -> None:
        self.poll(self.client.topology, then=self.show_topology)

    def show_topology(self, roots: list[m.TopologyNode]) -> None:
        fill_tree(self.query_one(f"#{TOPOLOGY}", Tree), roots, ICONS)

    def open_item(self, item: Any) -> None:
        if isinstance(item, m.SecurityGroup):
            self.app.push_screen(SecurityGroupScreen(item))
        else:
            super().open_item(item)

    def action_new(self) -> None:
        from lab.tui.screens.dialogs import Field, FormScreen

        fields = [Field("name", "Name:"),
                  Field("cidr", "Subnet CIDR (optional, e.g. 192.168.10.0/24):", required=False)]
        self.app.push_screen(FormScreen("New network", fields), self._create)

    def _create(self, values: dict[str, Any] | None) -> None:
        if values:
            self.call(self.client.create_network, values["name"], values["cidr"] or None,
                      then=lambda _: self.refresh_data(), done=f"Network {values['name']} created")

    def action_delete(self) -> None:
        net = self.require_selected("network")
        if net is not None:
            self.confirm_then(f"Delete network {net.name} and its subnets?",
                              lambda: self.call(self.client.delete_network, net.id,
                                                then=lambda _: self.refresh_data(),
                                                done=f"Network {net.name} deleted"))


def rules_table(group: m.SecurityGroup) -> Table:
    table = Table(header_style="bold", expand=True)
    for column in ("Direction", "Ether type", "Protocol", "Ports", "Remote"):
        table.add_column(column)
    for r in group.rules:
        table.add_row(r.direction, r.ethertype, r.protocol, r.port_range, r.remote)
    return table


class SecurityGroupScreen(CloudScreen):
    """A security group's rules."""

    NAV: ClassVar[str] = "networks"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("y", "show_json", "JSON")]

    def __init__(self, group: m.SecurityGroup) -> None:
        super().__init__()
        self.group = group

    def compose(self) -> ComposeResult:
        yield from self.compose_top()
        with VerticalScroll():
            yield Static(rules_table(self.group), id="rules")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"security group {self.group.name}: {self.group.description}"

    def refresh_data(self) -> None:
        self.poll(self.client.list_security_groups, then=self.show)

    def show(self, groups: list[m.SecurityGroup]) -> None:
        group = next((g for g in groups if g.id == self.group.id), None)
        if group is not None:
            self.group = group
            self.query_one("#rules", Static).update(rules_table(group))

    def action_show_json(self) -> None:
        from lab.tui.screens.dialogs import JsonScreen

        self.app.push_screen(JsonScreen(self.group.name, self.group.raw))
