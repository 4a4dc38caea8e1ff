"""The frame the small modal forms share: a centred box, an error line, OK and Cancel.

The box and the error line are styled here, once (classes `form-box` and `form-error`); a
form's DEFAULT_CSS says only what is its own (the box's width, its fields). Each form keeps
its own ids (`<prefix>-box`, `<prefix>-error`, `<prefix>-ok`, …), which its CSS, its
handlers and the tests address.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

ResultT = TypeVar("ResultT")


def cancel_binding(tooltip: str, id: str) -> Binding:
    """escape closes the form without an answer."""
    return Binding("escape", "cancel", "Cancel", tooltip=tooltip, id=id)


def send_binding(tooltip: str, id: str) -> Binding:
    """ctrl+j (alt+enter where the terminal sends it) sends from any field of the form."""
    return Binding("ctrl+j,alt+enter", "send", "Send", tooltip=tooltip, id=id)


class FormModal(ModalScreen[ResultT]):
    """A modal form whose parts are named `<PREFIX>-…`; escape and Cancel answer None."""

    # A tall box stays within the screen (its content scrolls or is cut); each form sets
    # the box's width.
    DEFAULT_CSS = """
    FormModal {
        align: center middle;
        & > .form-box {
            max-width: 100%;
            height: auto;
            max-height: 100%;
            border: round $primary;
            border-title-color: $text-primary;
            background: $surface;
            padding: 0 1;
        }
        & .form-error { height: auto; color: $text-error; }
    }
    """

    #: What the ids of the form's parts start with.
    PREFIX: ClassVar[str]

    def _box(self, title: str | Content) -> Vertical:
        """The bordered box the form's widgets go in (`with self._box(…):`)."""
        box = Vertical(id=f"{self.PREFIX}-box", classes="form-box")
        box.border_title = title
        return box

    def _error_line(self, *, hidden: bool = True) -> Static:
        """Where `_show_error` says why the answer cannot be taken."""
        error = Static("", id=f"{self.PREFIX}-error", classes="form-error", markup=False)
        error.display = not hidden
        self._error_hidden_when_clear = hidden
        return error

    @on(Input.Changed)
    def _clear_error_on_edit(self) -> None:
        """A reason given for the last answer no longer holds once the technician edits it."""
        errors = self.query(f"#{self.PREFIX}-error").results(Static)
        for error in errors:
            error.update("")
            error.display = not getattr(self, "_error_hidden_when_clear", True)

    def _show_error(self, text: str) -> None:
        """Show `text` on the error line."""
        error = self.query_one(f"#{self.PREFIX}-error", Static)
        error.update(text)
        error.display = True

    def _buttons(self, ok_label: str, *, ok: str = "ok") -> ComposeResult:
        """The primary button (`<PREFIX>-<ok>`), then Cancel (`<PREFIX>-cancel`)."""
        with Horizontal(id=f"{self.PREFIX}-buttons"):
            yield Button(ok_label, variant="primary", compact=True, id=f"{self.PREFIX}-{ok}")
            yield Button("Cancel", compact=True, id=f"{self.PREFIX}-cancel")

    @on(Button.Pressed)
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        # No selector: the id depends on the subclass's PREFIX, so it is checked here.
        if event.button.id == f"{self.PREFIX}-cancel":
            event.stop()
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
