"""Pick a saved frame log: the newest session logs, or any path typed (another tool's log)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Input, Static

from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.form_modal import cancel_binding
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.files.file_choice_screen import FileChoiceScreen
from ocpptui.ui.files.file_paths import launch_folder

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


#: Files in the launch folder offered as logs (other tools' logs are often .log or .txt).
LOG_SUFFIXES = frozenset({".jsonl", ".log", ".txt"})


def logs_in(folder: Path, limit: int = RECENT_LOGS) -> list[Path]:
    """Log-looking files in `folder`, newest first."""
    try:
        found = [p for p in folder.iterdir() if p.suffix.lower() in LOG_SUFFIXES and p.is_file()]
        found.sort(key=lambda path: path.stat().st_mtime, reverse=True)
    except OSError:
        return []
    return found[:limit]


class OpenLogScreen(FileChoiceScreen):
    """Dismisses with the chosen file, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        cancel_binding("Close without opening", "open_log.cancel"),
    ]

    PREFIX = "open-log"
    LIST_ID = "open-log-recent"
    NO_PATH = "type the path of a log"
    DEFAULT_CSS = """
    OpenLogScreen {
        & > .form-box { width: 100; }
        & #open-log-text { height: auto; color: $text-muted; }
        & #open-log-recent { height: auto; max-height: 14; }
    }
    """

    def __init__(self, sessions_dir: Path, folder: Path | None = None) -> None:
        """Recent sessions, then the logs in `folder` (default: where ocpp-tui started)."""
        folder = folder if folder is not None else launch_folder()
        here = [path for path in logs_in(folder) if sessions_dir not in path.parents]
        super().__init__(recent_logs(sessions_dir) + here)
        self.folder = folder
        self.sessions_dir = sessions_dir

    def compose(self) -> ComposeResult:
        with self._box("Open a saved frame log"):
            text = (
                f"Recent sessions in {self.sessions_dir} and logs in {self.folder} (enter "
                "opens), or the path of any log below: ocpp-tui's JSONL or another tool's "
                "OCPP-J lines."
            )
            yield Static(text, id="open-log-text", markup=False)
            yield self._file_list()
            yield Input(placeholder="path of a log file", id="open-log-path")
            # Visible while empty: a blank line under the path, as this screen has always had.
            yield self._error_line(hidden=False)
        yield KeyFooter(show_command_palette=False)

    def _label(self, path: Path) -> str:
        if path.parent == self.folder:
            return shorten(path.name, 90)
        return shorten(path.parent.name, 90)  # the session folder: its time and charger

    def _not_a_file(self, path: Path) -> str:
        return f"{shorten(str(path), 80)} is not a file"
