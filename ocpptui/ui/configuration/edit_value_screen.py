"""Edit one configuration value: what the key means and allows, checked before it is sent.

The same modal serves 1.6 keys (type, unit, allowed values and meaning from the well-known
key table) and 2.0.1/2.1 variables (data type, unit, limits and values list from the
variable's characteristics, one attribute type at a time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.widgets import Button, Checkbox, Input, Select, Static

from ocpptui.core.configuration import ConfigurationTable, check_change
from ocpptui.core.device_model import ATTRIBUTE_TYPES, VariableEntry
from ocpptui.protocol.keys_16 import Access, KeyType, key_info
from ocpptui.protocol.secrets import is_secret_name, mask_value
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.form_modal import FormModal, cancel_binding, form_css, send_binding
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.wording import plural

#: Why `value` (for the attribute type) should not be sent, or None.
ValueCheck = Callable[[str, str], str | None]


@dataclass(frozen=True, slots=True)
class Edit:
    """What the technician asked for: `name` (1.6 key or 2.x variable label) := `value`."""

    name: str
    value: str
    attribute_type: str = "Actual"


@dataclass(slots=True)
class ValueSpec:
    """What the editor knows about a value before it is edited."""

    name: str
    current: dict[str, str | None]  # by attribute type; 1.6 keys have only "Actual"
    kind: str = "string"
    unit: str | None = None
    allowed: tuple[str, ...] = ()
    choose_one: bool = False  # `allowed` is the full set of single values: offer a list
    meaning: str | None = None
    limits: str | None = None
    access: str | None = None
    read_only: str | None = None  # set when the charger will probably refuse (2.x ReadOnly)
    check: ValueCheck = field(default=lambda value, attribute_type: None)

    @property
    def attribute_types(self) -> list[str]:
        return list(self.current) or ["Actual"]


def limits_text(low: float | None, high: float | None) -> str | None:
    """`1 … 86400`, `≥ 0`, `≤ 100`, or None without limits."""
    if low is not None and high is not None:
        return f"{low:g} … {high:g}"
    if low is not None:
        return f"≥ {low:g}"
    if high is not None:
        return f"≤ {high:g}"
    return None


# ------------------------------------------------------------------------------ 1.6


def key_spec(key: str, table: ConfigurationTable | None) -> ValueSpec:
    """The editor's view of a 1.6 key: the well-known table's help plus what the charger said."""
    entry = table.entries.get(key) if table is not None else None
    info = entry.info if entry is not None and entry.info is not None else key_info(key)
    spec = ValueSpec(
        key,
        {"Actual": entry.value if entry is not None else None},
        check=lambda value, attribute_type: check_change(table, key, value),
    )
    if info is None:
        spec.kind = "vendor key"
        spec.meaning = "Not a key of the OCPP 1.6 specification: its meaning is the vendor's."
        if entry is None:
            spec.meaning += " The charger did not report it."
        return spec
    spec.kind = info.type.value
    spec.unit = info.unit
    spec.meaning = info.meaning
    spec.access = {
        Access.READ_ONLY: "read-only",
        Access.READ_WRITE: "read-write",
        Access.WRITE_ONLY: "write-only",
        Access.EITHER: "read-only or read-write (the charger decides)",
    }[info.access]
    spec.limits = limits_text(info.minimum, info.maximum)
    if info.type is KeyType.BOOLEAN:
        spec.allowed, spec.choose_one = ("true", "false"), True
    elif info.allowed:
        spec.allowed = info.allowed
        spec.choose_one = info.type is KeyType.STRING
    return spec


# ------------------------------------------------------------------------------ 2.x

_NUMERIC = ("integer", "decimal")


def _number(text: str, data_type: str) -> float | None:
    try:
        return float(int(text)) if data_type == "integer" else float(text)
    except ValueError:
        return None


def check_variable_value(entry: VariableEntry, value: str) -> str | None:
    """Why `value` does not suit the variable's characteristics, or None."""
    data_type = (entry.data_type or "string").strip()
    characteristics: dict[str, Any] = entry.characteristics
    low, high = characteristics.get("minLimit"), characteristics.get("maxLimit")
    if data_type in _NUMERIC:
        number = _number(value, data_type)
        if number is None:
            return "must be a whole number" if data_type == "integer" else "must be a number"
        if isinstance(low, (int, float)) and number < low:
            return f"must be at least {low:g}"
        if isinstance(high, (int, float)) and number > high:
            return f"must be at most {high:g}"
        return None
    if data_type == "boolean":
        return None if value in ("true", "false") else "must be true or false"
    allowed = entry.values_list
    if data_type == "OptionList" and allowed and value not in allowed:
        return f"must be one of {', '.join(allowed)}"
    if data_type in ("MemberList", "SequenceList") and allowed:
        items = [item.strip() for item in value.split(",") if item.strip()]
        unknown = [item for item in items if item not in allowed]
        if unknown:
            return (
                f"unknown {plural(len(unknown), 'item')} {', '.join(unknown)} "
                f"(allowed: {', '.join(allowed)})"
            )
    if data_type in ("string", "passwordString") and isinstance(high, (int, float)):
        if len(value) > high:
            return f"must be at most {high:g} characters"
    return None


def variable_spec(entry: VariableEntry, attribute_type: str = "Actual") -> ValueSpec:
    """The editor's view of a 2.x variable, opened on `attribute_type`."""
    present = [kind for kind in ATTRIBUTE_TYPES if kind in entry.attributes] or ["Actual"]
    if attribute_type in present:
        present.remove(attribute_type)
    present.insert(0, attribute_type)
    characteristics = entry.characteristics
    data_type = entry.data_type or "unknown type"
    spec = ValueSpec(
        entry.ref.label,
        {kind: entry.attributes[kind].value if kind in entry.attributes else None
         for kind in present},
        kind=data_type,
        unit=characteristics.get("unit"),
        allowed=tuple(entry.values_list),
        choose_one=data_type == "OptionList" and bool(entry.values_list),
        check=lambda value, kind: check_variable_value(entry, value),
    )  # fmt: skip
    if data_type == "boolean":
        spec.allowed, spec.choose_one = ("true", "false"), True
    low, high = characteristics.get("minLimit"), characteristics.get("maxLimit")
    numbers = [n if isinstance(n, (int, float)) else None for n in (low, high)]
    if data_type in _NUMERIC:
        spec.limits = limits_text(*numbers)
    elif isinstance(high, (int, float)) and data_type in ("string", "passwordString"):
        spec.limits = f"at most {high} characters"
    mutability = {kind: entry.attributes[kind].mutability for kind in entry.attributes}
    spec.access = ", ".join(f"{kind} {value}" for kind, value in mutability.items()) or None
    return spec


def read_only_warning(entry: VariableEntry, attribute_type: str) -> str | None:
    attribute = entry.attributes.get(attribute_type)
    if attribute is not None and not attribute.writable:
        return (
            f"The charger reports {attribute_type} as ReadOnly: it will most likely answer "
            "Rejected. Tick “send anyway” to ask it all the same."
        )
    return None


# ------------------------------------------------------------------------------ the modal


class EditValueScreen(FormModal[Edit | None]):
    """Shows the value's type and meaning, checks the new value, returns the Edit to send."""

    BINDINGS: ClassVar[list[BindingType]] = [
        cancel_binding("Close without sending", "edit.cancel"),
        send_binding("Check the value and send it to the charger", "edit.send"),
    ]

    PREFIX = "edit"
    DEFAULT_CSS = form_css(
        "EditValueScreen",
        PREFIX,
        width=84,
        rules="""
        & #edit-info { height: auto; }
        & #edit-attribute { width: 30; margin-top: 1; }
        & #edit-value, & #edit-choice { margin-top: 1; }
        & #edit-warning { height: auto; color: $text-warning; }
        & #edit-buttons { height: auto; align-horizontal: right; margin-top: 1; }
        & Button { margin-left: 1; }
        """,
    )

    def __init__(
        self,
        spec: ValueSpec,
        *,
        attribute_type: str = "Actual",
        read_only_for: Callable[[str], str | None] = lambda attribute_type: None,
    ) -> None:
        super().__init__()
        self.spec = spec
        self.attribute_type = attribute_type if attribute_type in spec.current else "Actual"
        self.read_only_for = read_only_for

    def compose(self) -> ComposeResult:
        spec = self.spec
        with self._box(Content(f"Edit {shorten(spec.name, 60)}")):
            yield Static(id="edit-info", markup=False)
            if len(spec.attribute_types) > 1:
                yield Select(
                    [(kind, kind) for kind in spec.attribute_types],
                    value=self.attribute_type,
                    allow_blank=False,
                    compact=True,
                    id="edit-attribute",
                )
            current = spec.current.get(self.attribute_type) or ""
            if spec.choose_one:
                options = list(spec.allowed)
                if current and current not in options:
                    options.insert(0, current)
                yield Select(
                    [(Content(option), option) for option in options],
                    value=current if current in options else Select.NULL,
                    prompt="choose a value",
                    compact=True,
                    id="edit-choice",
                )
            elif self.secret:
                # A password is typed hidden and never pre-filled with the charger's value.
                yield Input(
                    placeholder="new password", password=True, compact=True, id="edit-value"
                )
            else:
                yield Input(current, placeholder="new value", compact=True, id="edit-value")
            yield self._error_line()
            yield Static("", id="edit-warning", markup=False)
            yield Checkbox("send anyway", compact=True, id="edit-anyway")
            yield from self._buttons("Send", ok="send")
        yield KeyFooter(show_command_palette=False)

    @property
    def secret(self) -> bool:
        """Whether the value is a password (AuthorizationKey, BasicAuthPassword)."""
        return is_secret_name(self.spec.name)

    def on_mount(self) -> None:
        self._show_attribute()
        widget = self.query_one("#edit-choice, #edit-value")
        widget.focus()

    def _info(self) -> Content:
        spec = self.spec
        facts = [spec.kind]
        if spec.unit:
            facts.append(f"unit {spec.unit}")
        if spec.limits:
            facts.append(spec.limits)
        if spec.access:
            facts.append(spec.access)
        lines = [Content.styled(" · ".join(facts), "bold")]
        if spec.meaning:
            lines.append(Content.styled(spec.meaning, "$text-muted"))
        if spec.allowed and not spec.choose_one:
            lines.append(Content.styled("allowed: " + ", ".join(spec.allowed), "$text-muted"))
        current = mask_value(spec.name, spec.current.get(self.attribute_type))
        now = "not reported" if current is None else shorten(current, 300, placeholder="(empty)")
        lines.append(Content.assemble(("now: ", "$text-muted"), (now, "$text-accent")))
        return Content("\n").join(lines)

    def _show_attribute(self) -> None:
        self.query_one("#edit-info", Static).update(self._info())
        warning = self.read_only_for(self.attribute_type)
        line = self.query_one("#edit-warning", Static)
        line.update(warning or "")
        line.display = bool(warning)
        anyway = self.query_one("#edit-anyway", Checkbox)
        anyway.display = warning is not None
        anyway.value = False

    @on(Select.Changed, "#edit-attribute")
    def _attribute_changed(self, event: Select.Changed) -> None:
        event.stop()
        if not isinstance(event.value, str):
            return
        self.attribute_type = event.value
        current = self.spec.current.get(event.value) or ""
        for widget in self.query("#edit-value").results(Input):
            widget.value = "" if self.secret else current
        for select in self.query("#edit-choice").results(Select):
            if current in self.spec.allowed:
                select.value = current
        self._show_attribute()

    def _value(self) -> str | None:
        for select in self.query("#edit-choice").results(Select):
            return select.value if isinstance(select.value, str) else None
        return self.query_one("#edit-value", Input).value.strip()

    @on(Input.Submitted, "#edit-value")
    @on(Button.Pressed, "#edit-send")
    def _submitted(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        self.action_send()

    @property
    def error_text(self) -> str:
        return str(self.query_one("#edit-error", Static).render())

    def action_send(self) -> None:
        value = self._value()
        if value is None:
            self._show_error("choose a value")
            return
        problem = self.spec.check(value, self.attribute_type)
        if problem is not None:
            self._show_error(problem)
            return
        anyway = self.query_one("#edit-anyway", Checkbox)
        if anyway.display and not anyway.value:
            self._show_error("tick “send anyway” to send a value the charger calls ReadOnly")
            return
        self.dismiss(Edit(self.spec.name, value, self.attribute_type))
