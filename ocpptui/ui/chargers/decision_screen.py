"""Asks the technician whether a charger seen for the first time may in ("ask" policy)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ocpptui.core.config import BootAnswer
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.key_footer import KeyFooter


class DecisionScreen(ModalScreen[BootAnswer | None]):
    """Accept, keep pending or reject a new charger; escape decides later."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "answer('Accepted')", "Accept", tooltip="Accept its boot", id="decide.accept"),
        Binding(
            "p",
            "answer('Pending')",
            "Keep pending",
            tooltip="Keep answering its boot Pending",
            id="decide.pending",
        ),
        Binding("r", "answer('Rejected')", "Reject", tooltip="Reject its boot", id="decide.reject"),
        Binding(
            "escape", "later", "Later", tooltip="Decide later (it stays Pending)", id="decide.later"
        ),
    ]

    DEFAULT_CSS = """
    DecisionScreen {
        align: center middle;
        & > #decision-box {
            width: 72;
            max-width: 100%;
            height: auto;
            border: thick $warning;
            border-title-color: $text-warning;
            background: $surface;
            padding: 1 2;
        }
        & #decision-text { height: auto; margin-bottom: 1; }
        & #decision-buttons { height: auto; }
        & Button { margin-right: 1; }
    }
    """

    def __init__(self, identity: str, vendor: str | None, model: str | None, peer: str) -> None:
        super().__init__()
        self.identity = identity
        self.vendor = vendor
        self.model = model
        self.peer = peer

    def compose(self) -> ComposeResult:
        what = " ".join(part for part in (self.vendor, self.model) if part) or "unknown model"
        text = (
            f"“{shorten(self.identity, 48)}” ({shorten(what, 60)}) connected from {self.peer} "
            "and sent its BootNotification.\n\nLet it in? Until you decide, its boot is "
            "answered Pending and it retries."
        )
        with Vertical(id="decision-box") as box:
            box.border_title = "New charger"
            yield Static(text, id="decision-text", markup=False)
            with Horizontal(id="decision-buttons"):
                yield Button("Accept", variant="success", id="accept")
                yield Button("Keep pending", id="pending")
                yield Button("Reject", variant="error", id="reject")
        yield KeyFooter(show_command_palette=False)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        answers = {"accept": "Accepted", "pending": "Pending", "reject": "Rejected"}
        self.action_answer(answers[event.button.id or "pending"])

    def action_answer(self, answer: str) -> None:
        self.dismiss(BootAnswer(answer))

    def action_later(self) -> None:
        self.dismiss(None)
