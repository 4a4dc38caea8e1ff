"""A one-line question in a modal: a key name, a profile name, a file name."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Static

from ocpptui.widgets.key_footer import KeyFooter

#: Says why an answer cannot be taken (shown under the input), or None when it can.
Validator = Callable[[str], str | None]


class PromptScreen(ModalScreen[str | None]):
    """Asks for one line of text; enter answers (once `validate` has no objection)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", tooltip="Close without answering", id="prompt.cancel"
        ),
    ]

    DEFAULT_CSS = """
    PromptScreen {
        align: center middle;
        & > #prompt-box {
            width: 76;
            max-width: 100%;
            height: auto;
            border: round $primary;
            border-title-color: $text-primary;
            background: $surface;
            padding: 0 1;
        }
        & #prompt-text { height: auto; color: $text-muted; }
        & #prompt-error { height: auto; color: $text-error; }
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
        with Vertical(id="prompt-box") as box:
            box.border_title = self.title_text
            yield Static(self.explanation, id="prompt-text", markup=False)
            yield Input(
                self.initial,
                placeholder=self.placeholder,
                suggester=self.suggester,
                compact=True,
                id="prompt-input",
            )
            error = Static("", id="prompt-error", markup=False)
            error.display = False
            yield error
            with Horizontal(id="prompt-buttons"):
                yield Button(self.submit_label, variant="primary", compact=True, id="prompt-ok")
                yield Button("Cancel", compact=True, id="prompt-cancel")
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
            error = self.query_one("#prompt-error", Static)
            error.update(problem)
            error.display = True
            return
        self.dismiss(text)

    @on(Button.Pressed, "#prompt-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
