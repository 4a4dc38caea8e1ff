"""Asks yes or no before something that cannot be undone (quitting during an upgrade)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """A question with a yes and a no button; escape answers no. Nothing in it is markup."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "No", tooltip="Keep going", id="confirm.no"),
        Binding("y", "answer(True)", "Yes", tooltip="Do it", id="confirm.yes"),
    ]

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
        & > #confirm-box {
            width: 72;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            border: thick $warning;
            border-title-color: $text-warning;
            background: $surface;
            padding: 1 2;
        }
        & #confirm-text { height: auto; margin-bottom: 1; }
        & #confirm-buttons { height: auto; }
        & Button { margin-right: 1; }
    }
    """

    def __init__(self, title: str, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box") as box:
            box.border_title = Content(self.title_text)
            yield Static(self.question, id="confirm-text", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(Content(self.no), variant="primary", id="confirm-no")
                yield Button(Content(self.yes), variant="error", id="confirm-yes")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
