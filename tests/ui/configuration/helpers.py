"""Helpers for the Configuration tab's tests."""

from __future__ import annotations

from textual.widgets.tree import TreeNode

from ocpptui.ui.configuration.device_model_tree import DeviceModelTree, ModelNode


def tree_node(tree: DeviceModelTree, label: str) -> TreeNode[ModelNode]:
    """The tree's node of the variable `label` (Component.Variable)."""
    for component in tree.root.children:
        for node in component.children:
            if node.data is not None and node.data.ref is not None and node.data.ref.label == label:
                return node
    raise AssertionError(f"{label} is not in the tree")


async def edit_variable(pilot, tree: DeviceModelTree, label: str) -> None:
    """Open the editor of the variable `label`, as `enter` on its row does."""
    node = tree_node(tree, label)
    assert node.parent is not None
    node.parent.expand()
    await pilot.pause()
    tree.focus()
    tree.move_cursor(node, animate=False)
    await pilot.press("enter")
