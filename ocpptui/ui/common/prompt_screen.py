"""A one-line question in a modal: a key name, a profile name, a file name."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.suggester import Suggester
from textual.widgets import Button, Input, Static

from ocpptui.ui.common.form_modal import FormModal, cancel_binding
from ocpptui.ui.common.key_footer import KeyFooter

#: Says why an answer cannot be taken (shown under the input), or None when it can.
Validator = Callable[[str], str | None]


class PromptScreen(FormModal[str | None]):
    """Asks for one line of text; enter answers (once `validate` has no objection)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        cancel_binding("Close without answering", "prompt.cancel"),
    ]

    PREFIX = "prompt"
    DEFAULT_CSS = """
    PromptScreen {
        & > .form-box { width: 76; }
        & #prompt-text { height: auto; color: $text-muted; }
        & #prompt-input { margin: 1 0; }
        & #prompt-buttons { height: auto; align-horizontal: right; }
        & Button { margin-left: 1; }
    }
    """

    def __init__(
        self,
        title: str,
        explanation: str,
        *,
        initial: str = "",
        placeholder: str = "",
        validate: Validator | None = None,
        suggester: Suggester | None = None,
        submit_label: str = "OK",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.explanation = explanation
        self.initial = initial
        self.placeholder = placeholder
        self.validate = validate or (lambda text: None if text.strip() else "type something")
        self.suggester = suggester
        self.submit_label = submit_label

    def compose(self) -> ComposeResult:
        with self._box(self.title_text):
            yield Static(self.explanation, id="prompt-text", markup=False)
            yield Input(
                self.initial,
                placeholder=self.placeholder,
                suggester=self.suggester,
                compact=True,
                id="prompt-input",
            )
            yield self._error_line()
            yield from self._buttons(self.submit_label)
        yield KeyFooter(show_command_palette=False)

    @property
    def input(self) -> Input:
        return self.query_one("#prompt-input", Input)

    @on(Input.Submitted, "#prompt-input")
    @on(Button.Pressed, "#prompt-ok")
    def _submit(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        text = self.input.value.strip()
        problem = self.validate(text)
        if problem is not None:
            self._show_error(problem)
            return
        self.dismiss(text)
