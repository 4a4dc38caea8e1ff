"""The 2.0.1/2.1 device model as a tree: component → variable → attribute.

A variable with only an Actual attribute is a leaf showing its value; one with Target,
MinSet or MaxSet attributes too opens onto one line per attribute. Every label is built
as Text: names and values come from the charger and are never markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ocpptui.core.device_model import (
    ATTRIBUTE_TYPES,
    AttributeState,
    DeviceModel,
    VariableEntry,
    VariableRef,
)
from ocpptui.protocol.secrets import mask_value
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.line_style import line_style

OK_STATUSES = frozenset({"Accepted"})
WARN_STATUSES = frozenset({"RebootRequired", "sending…"})


@dataclass(frozen=True, slots=True)
class ModelNode:
    """What a tree line stands for."""

    component: str  # the component label ("EVSE@1")
    ref: VariableRef | None = None  # None on component lines
    attribute_type: str | None = None  # set on attribute lines

    @property
    def edit_attribute(self) -> str:
        return self.attribute_type or "Actual"


def entry_matches(entry: VariableEntry, needle: str) -> bool:
    if not needle:
        return True
    if needle in entry.ref.label.lower():
        return True
    label = entry.ref.label
    return any(
        needle in (mask_value(label, a.value) or "").lower() for a in entry.attributes.values()
    )


class DeviceModelTree(Tree[ModelNode]):
    """The components of a DeviceModel; enter on a variable or attribute edits it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "Edit",
            tooltip="Edit the highlighted variable (SetVariables); on a component: open or close",
            id="model.edit",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "model-tree--ok",
        "model-tree--warn",
        "model-tree--error",
        "model-tree--muted",
        "model-tree--value",
    }

    DEFAULT_CSS = """
    DeviceModelTree {
        height: 1fr;
        & > .model-tree--ok { color: $text-success; }
        & > .model-tree--warn { color: $text-warning; }
        & > .model-tree--error { color: $text-error; }
        & > .model-tree--muted { color: $text-muted; }
        & > .model-tree--value { color: $text-accent; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("Device model"), id=id)
        self.show_root = False
        self.auto_expand = True
        self.filter_text = ""
        self.sending: set[tuple[VariableRef, str]] = set()
        self._model: DeviceModel | None = None

    # ------------------------------------------------------------------ building

    def show(self, model: DeviceModel | None) -> None:
        self._model = model
        self._rebuild()

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        self._rebuild()

    @property
    def cursor_data(self) -> ModelNode | None:
        node = self.cursor_node
        return node.data if node is not None else None

    def _expanded_components(self) -> set[str]:
        return {
            node.data.component
            for node in self.root.children
            if node.data is not None and node.is_expanded
        }

    def _rebuild(self) -> None:
        expanded = self._expanded_components()
        expanded_variables = {
            child.data.ref
            for node in self.root.children
            for child in node.children
            if child.data is not None and child.is_expanded
        }
        keep = self.cursor_data
        self.clear()
        model = self._model
        if model is None:
            return
        filtering = bool(self.filter_text)
        for component, entries in model.components().items():
            shown = [entry for entry in entries if entry_matches(entry, self.filter_text)]
            if not shown:
                continue
            label = Text.assemble(
                (shorten(component, 60), "bold"), (f"  {len(shown)}", self._style("muted"))
            )
            component_node = self.root.add(
                label, data=ModelNode(component), expand=filtering or component in expanded
            )
            for entry in shown:
                self._add_variable(component_node, component, entry, expanded_variables)
        # Node lines exist only after the next refresh.
        self.call_after_refresh(self._restore_cursor, keep)

    def _add_variable(
        self,
        parent: TreeNode[ModelNode],
        component: str,
        entry: VariableEntry,
        expanded: set[VariableRef | None],
    ) -> None:
        data = ModelNode(component, entry.ref)
        label = self._variable_label(entry)
        kinds = [kind for kind in ATTRIBUTE_TYPES if kind in entry.attributes]
        if len(kinds) <= 1:
            parent.add_leaf(label, data=data)
            return
        node = parent.add(label, data=data, expand=entry.ref in expanded)
        for kind in kinds:
            node.add_leaf(
                self._attribute_label(entry.ref, kind, entry.attributes[kind]),
                data=ModelNode(component, entry.ref, kind),
            )

    def _restore_cursor(self, wanted: ModelNode | None) -> None:
        self._move_cursor_back(wanted)
        # The detail line follows the highlight, which a rebuild does not announce.
        if self.cursor_node is not None:
            self.post_message(Tree.NodeHighlighted(self.cursor_node))

    def _move_cursor_back(self, wanted: ModelNode | None) -> None:
        if wanted is None:
            if self.cursor_line < 0 and self.root.children:
                self.cursor_line = 0
            return

        def walk(node: TreeNode[ModelNode]):
            for child in node.children:
                yield child
                yield from walk(child)

        for node in walk(self.root):
            if node.data == wanted:
                self.move_cursor(node, animate=False)
                return
        for node in walk(self.root):
            if node.data is not None and node.data.component == wanted.component:
                self.move_cursor(node, animate=False)
                return

    # ------------------------------------------------------------------ labels

    def _style(self, name: str) -> Style:
        return line_style(self, f"model-tree--{name}")

    def _status(self, ref: VariableRef, kind: str, attribute: AttributeState | None) -> Text:
        if (ref, kind) in self.sending:
            return Text("  sending…", self._style("warn"))
        status = attribute.last_status if attribute is not None else None
        if not status:
            return Text("")
        if status in OK_STATUSES:
            style = self._style("ok")
        elif status in WARN_STATUSES:
            style = self._style("warn")
        else:
            style = self._style("error")
        return Text(f"  {shorten(status, 30)}", style)

    def _value(self, ref: VariableRef, attribute: AttributeState | None) -> Text:
        if attribute is None or attribute.value is None:
            return Text("—", self._style("muted"))
        value = mask_value(ref.label, attribute.value)  # BasicAuthPassword shows as ****
        return Text(shorten(value, 48, placeholder='""'), self._style("value"))

    def _variable_label(self, entry: VariableEntry) -> Text:
        ref = entry.ref
        name = ref.variable + (f"[{ref.variable_instance}]" if ref.variable_instance else "")
        actual = entry.attributes.get("Actual")
        label = Text.assemble(shorten(name, 48), " = ", self._value(ref, actual))
        if actual is not None and not actual.writable:
            label.append("  RO", self._style("muted"))
        elif actual is not None and actual.mutability == "WriteOnly":
            label.append("  WO", self._style("muted"))
        label.append_text(self._status(ref, "Actual", actual))
        return label

    def _attribute_label(self, ref: VariableRef, kind: str, attribute: AttributeState) -> Text:
        label = Text.assemble((kind, "bold"), " = ", self._value(ref, attribute))
        label.append(f"  {attribute.mutability}", self._style("muted"))
        label.append_text(self._status(ref, kind, attribute))
        return label
