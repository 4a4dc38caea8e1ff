"""Pick a saved frame log: the newest session logs, or any path typed (another tool's log)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ocpptui.widgets.display_text import shorten
from ocpptui.widgets.key_footer import KeyFooter

#: Session logs listed, newest first.
RECENT_LOGS = 30


def recent_logs(sessions_dir: Path, limit: int = RECENT_LOGS) -> list[Path]:
    """The newest `<session>/frames.jsonl` files (session folders start with their UTC time)."""
    try:
        folders = sorted((p for p in sessions_dir.iterdir() if p.is_dir()), reverse=True)
    except OSError:
        return []
    found = []
    for folder in folders:
        log = folder / "frames.jsonl"
        if log.is_file():
            found.append(log)
            if len(found) >= limit:
                break
    return found


class OpenLogScreen(ModalScreen[Path | None]):
    """Dismisses with the chosen file, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without opening", id="open_log.cancel")
    ]

    DEFAULT_CSS = """
    OpenLogScreen {
        align: center middle;
        & > #open-log-box {
            width: 100;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            border: round $primary;
            border-title-color: $text-primary;
            background: $surface;
            padding: 0 1;
        }
        & #open-log-text { height: auto; color: $text-muted; }
        & #open-log-recent { height: auto; max-height: 14; }
        & #open-log-error { height: auto; color: $text-error; }
    }
    """

    def __init__(self, sessions_dir: Path) -> None:
        super().__init__()
        self.sessions_dir = sessions_dir
        self._logs = recent_logs(sessions_dir)

    def compose(self) -> ComposeResult:
        with Vertical(id="open-log-box") as box:
            box.border_title = "Open a saved frame log"
            text = (
                f"Recent sessions in {self.sessions_dir} (enter opens), or the path of any log "
                "below: ocpp-tui's JSONL or another tool's OCPP-J lines."
            )
            yield Static(text, id="open-log-text", markup=False)
            options = [
                Option(shorten(path.parent.name, 90), id=str(index))
                for index, path in enumerate(self._logs)
            ]
            yield OptionList(*options, id="open-log-recent")
            yield Input(placeholder="path of a log file", id="open-log-path")
            yield Static("", id="open-log-error", markup=False)
        yield KeyFooter(show_command_palette=False)

    def on_mount(self) -> None:
        recent = self.query_one("#open-log-recent", OptionList)
        if self._logs:
            recent.focus()
        else:
            recent.display = False
            self.query_one("#open-log-path", Input).focus()

    @on(OptionList.OptionSelected, "#open-log-recent")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._logs[int(event.option.id or 0)])

    @on(Input.Submitted, "#open-log-path")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        path = Path(text).expanduser()
        if not text or not path.is_file():
            self.query_one("#open-log-error", Static).update(
                f"{shorten(str(path), 80)} is not a file" if text else "type the path of a log"
            )
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
