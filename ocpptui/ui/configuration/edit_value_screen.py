"""Edit one configuration value: what the key means and allows, checked before it is sent.

The same modal serves 1.6 keys (type, unit, allowed values and meaning from the well-known
key table) and 2.0.1/2.1 variables (data type, unit, limits and values list from the
variable's characteristics, one attribute type at a time).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.widgets import Button, Checkbox, Input, Select, Static

from ocpptui.protocol.secrets import is_secret_name, mask_value
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.form_modal import FormModal, cancel_binding, send_binding
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.configuration.value_specs import Edit, ValueSpec


class EditValueScreen(FormModal[Edit | None]):
    """Shows the value's type and meaning, checks the new value, returns the Edit to send."""

    BINDINGS: ClassVar[list[BindingType]] = [
        cancel_binding("Close without sending", "edit.cancel"),
        send_binding("Check the value and send it to the charger", "edit.send"),
    ]

    PREFIX = "edit"
    DEFAULT_CSS = """
    EditValueScreen {
        & > .form-box { width: 84; }
        & #edit-info { height: auto; }
        & #edit-attribute { width: 30; margin-top: 1; }
        & #edit-value, & #edit-choice { margin-top: 1; }
        & #edit-warning { height: auto; color: $text-warning; }
        & #edit-buttons { height: auto; align-horizontal: right; margin-top: 1; }
        & Button { margin-left: 1; }
    }
    """

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
