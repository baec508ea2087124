"""Load balancers: the project's load balancers (VIP, provisioning and operating status), every pool member with
its health, and a tab with each load balancer's status tree (listeners, pools, health monitor, members), as
`openstack loadbalancer status show` prints it. Read-only: load balancers are built with the CLI (lab 2.7).
The tree is built when its tab opens and on `r`, like the network topology."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.widgets import TabbedContent, TabPane, Tree

from lab.tui import models as m
from lab.tui.screens.base import ListScreen, TableSpec
from lab.tui.widgets.tree import fill_tree

TREE = "lb-tree"
ICONS = {"loadbalancer": "⇶ ", "listener": "◉ ", "pool": "▤ ", "monitor": "♥ ", "member": "▣ "}


class LoadBalancersScreen(ListScreen):
    NAV: ClassVar[str] = "loadbalancers"
    TABLES = (
        TableSpec("loadbalancers", "Load balancers",
                  [("name", "Name"), ("vip", "VIP"), ("provisioning", "Provisioning"),
                   ("operating", "Operating"), ("provider", "Provider"), ("id", "ID")],
                  lambda c: c.list_load_balancers(),
                  lambda lb: (lb.name, lb.vip_address, lb.provisioning_status, lb.operating_status, lb.provider,
                              lb.id)),
        TableSpec("members", "Members",
                  [("lb", "Load balancer"), ("pool", "Pool"), ("name", "Member"), ("address", "Address"),
                   ("weight", "Weight"), ("health", "Health"), ("id", "ID")],
                  lambda c: c.list_lb_members(),
                  lambda x: (x.loadbalancer, x.pool, x.name, x.address, str(x.weight), x.operating_status, x.id)),
    )

    def compose_extra_tabs(self) -> ComposeResult:
        with TabPane("Status tree", id=f"tab-{TREE}"):
            yield Tree("load balancers", id=TREE)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(f"#{TREE}", Tree).show_root = False

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        super().on_tabbed_content_tab_activated(event)
        if self.query_one("#tabs", TabbedContent).active == f"tab-{TREE}":
            self.query_one(f"#{TREE}", Tree).focus()
            self.load_tree()

    def action_refresh_now(self) -> None:
        if self.current_spec is None:
            self.load_tree()
        else:
            super().action_refresh_now()

    def load_tree(self) -> None:
        self.poll(self.client.lb_status_trees, then=self.show_tree)

    def show_tree(self, roots: list[m.TopologyNode]) -> None:
        fill_tree(self.query_one(f"#{TREE}", Tree), roots, ICONS)
