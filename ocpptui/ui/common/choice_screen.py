"""Pick one of a few words in a modal list (which message a batch triggers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ocpptui.ui.common.form_modal import FormModal, cancel_binding
from ocpptui.ui.common.key_footer import KeyFooter


class ChoiceScreen(FormModal[str | None]):
    """A list of `options`; enter answers the highlighted one, escape answers None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        cancel_binding("Close without choosing", "choice.cancel"),
    ]

    PREFIX = "choice"
    DEFAULT_CSS = """
    ChoiceScreen {
        & > .form-box { width: 64; }
        & #choice-text { height: auto; color: $text-muted; }
        & #choice-list { height: auto; max-height: 16; margin-top: 1; }
    }
    """

    def __init__(self, title: str, text: str, options: Sequence[str]) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.options = list(options)

    def compose(self) -> ComposeResult:
        with self._box(self.title_text):
            yield Static(self.text, id="choice-text", markup=False)
            yield OptionList(*(Option(name, id=name) for name in self.options), id="choice-list")
        yield KeyFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#choice-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#choice-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)
