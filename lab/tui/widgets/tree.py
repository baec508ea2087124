"""Filling a Textual tree from TopologyNodes: the network topology and the load balancers' status trees."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual.widgets import Tree

from lab.tui import models as m


def fill_tree(tree: Tree[None], roots: Sequence[m.TopologyNode], icons: Mapping[str, str]) -> None:
    """Replace the tree's content with `roots`, branches expanded, each label after its kind's icon."""
    tree.clear()

    def add(parent: Any, node: m.TopologyNode) -> None:
        label = icons.get(node.kind, "") + node.label
        if node.children:
            branch = parent.add(label, expand=True)
            for child in node.children:
                add(branch, child)
        else:
            parent.add_leaf(label)

    for root in roots:
        add(tree.root, root)
