"""`?` / F1: every key of every screen, with what it does, and the filter syntax."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.common.quiet_update import update_static

#: (section title, bindings) in the order the help lists them; filled in by the app.
HelpSections = Sequence[tuple[str, Iterable[BindingType]]]

FILTER_HELP = (
    ("text", "frames whose raw JSON contains the text (case-insensitive)"),
    ('"two words"', "quoted text with spaces"),
    ("action:Heartbeat", "the action; action:Status* and action:A,B work too"),
    ("dir:in / dir:out", "from the charger (→) / to the charger (←)"),
    ("type:call|result|error", "the OCPP-J message type"),
    ("id:abc", "message ids starting with abc"),
    ("charger:CP-1", "one charger's frames; charger:CP-* for several"),
    ("is:error", "CallErrors, malformed frames, schema violations (same as e)"),
)

TRANSFER_HELP = (
    "The laptop serves the image (and receives logs) itself: HTTP, FTP, and SFTP when",
    "[files] sftp = true; ports in [files]. URLs show FTP/SFTP passwords as ****.",
    "The charger must reach the laptop address shown: same network, firewall open for the",
    "ports the screen lists. The timeline shows every request the file server saw.",
    "Dates: now, +15m, -2h, 14:30 or 2026-11-25T14:30 (local time).",
)


class HelpScreen(ModalScreen[None]):
    """Lists the keys per screen; closes with escape, ? or F1."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,question_mark,f1,q", "close", "Close", tooltip="Close help", id="help.close"
        ),
    ]

    # An opaque background: a translucent one makes every repaint of help re-blend each
    # cell of the screen below it (~0.3 s at 160x50, the key's whole answer time).
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        background: $background;
        & > #help-box {
            width: 90;
            max-width: 100%;
            height: 100%;
            margin: 1 2;
            border: round $primary;
            border-title-color: $text-primary;
            background: $surface;
        }
        & #help-text { padding: 0 1; height: auto; }
    }
    """

    def __init__(
        self, sections: HelpSections, notes: Sequence[tuple[str, Sequence[str]]] = ()
    ) -> None:
        """`notes`: (title, lines) text sections after the keys."""
        super().__init__()
        self.sections = sections
        self.notes = notes

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box") as box:
            box.border_title = "ocpp-tui keys"
            with VerticalScroll():
                # The text's width as the box will have it (90 wide, margins, border,
                # padding), so that the first resize finds it right and lays out nothing.
                width = min(90, self.app.size.width - 4) - 4 if self.app.size.width else 120
                yield Static(self._content(width), id="help-text", markup=False)
        yield KeyFooter()

    def on_resize(self) -> None:
        text = self.query_one("#help-text", Static)
        # Only the narrow/wide choice depends on the width: re-wrapping and re-laying out
        # the whole help again cost as much as opening it.
        update_static(text, self._content(text.size.width or 120))

    def _content(self, width: int) -> Content:
        """The help text; below 80 cells a key's explanation goes on its own line."""
        narrow = width < 80
        lines: list[Content] = [
            Content.styled(
                "ocpp-tui listens as a mini-CSMS; chargers connect to it and every frame shows "
                "up live. Mouse works everywhere; ctrl+p opens the command palette. On a "
                "charger screen 1-4 switch tabs: Frames, Configuration, Commands, Composer; "
                "ctrl+j sends from the Commands and Composer tabs and the editors.",
                "$text-muted",
            ),
            Content(""),
        ]
        for title, bindings in self.sections:
            lines.append(Content.styled(title, "$text-primary bold"))
            for binding in bindings:
                if not isinstance(binding, Binding) or not binding.description:
                    continue
                keys = ", ".join(
                    self.app.get_key_display(Binding(key, binding.action))
                    for key in binding.key.split(",")
                )
                key_cell = (f"  {keys:<12}", "$text-accent bold")
                if narrow:
                    lines.append(Content.assemble(key_cell, (binding.description, "bold")))
                    if binding.tooltip:
                        lines.append(Content.styled(f"    {binding.tooltip}", "$text-muted"))
                    continue
                lines.append(
                    Content.assemble(
                        key_cell,
                        (f"{binding.description:<16}", "bold"),
                        (binding.tooltip or "", "$text-muted"),
                    )
                )
            lines.append(Content(""))
        lines.append(Content.styled("Filter syntax (/ on a charger screen)", "$text-primary bold"))
        for syntax, meaning in FILTER_HELP:
            if narrow:
                lines.append(Content.styled(f"  {syntax}", "$text-accent bold"))
                lines.append(Content.styled(f"    {meaning}", "$text-muted"))
                continue
            lines.append(
                Content.assemble((f"  {syntax:<24}", "$text-accent bold"), (meaning, "$text-muted"))
            )
        lines.append(Content(""))
        lines.append(
            Content.styled("Firmware and logs (u, g on a charger screen)", "$text-primary bold")
        )
        lines.extend(Content.styled(f"  {line}", "$text-muted") for line in TRANSFER_HELP)
        for title, note_lines in self.notes:
            lines += [Content(""), Content.styled(title, "$text-primary bold")]
            lines.extend(Content.styled(f"  · {line}", "$text-muted") for line in note_lines)
        return Content("\n").join(lines)

    def action_close(self) -> None:
        self.dismiss(None)
