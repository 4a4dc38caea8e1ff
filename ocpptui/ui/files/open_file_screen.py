"""Pick a file: the ones in the usual folder, or any path typed (with completion)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.suggester import Suggester
from textual.widgets import Input, Static

from ocpptui.ui.common.form_modal import cancel_binding
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.files.file_choice_screen import FileChoiceScreen

#: At most this many files are listed per folder.
MAX_LISTED = 200


class PathSuggester(Suggester):
    """Completes the last part of a typed path from the folder's entries (→ accepts)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        return await asyncio.to_thread(_complete_path, value)


def _complete_path(value: str) -> str | None:
    expanded = os.path.expanduser(value)
    folder, prefix = os.path.split(expanded)
    try:
        names = sorted(os.listdir(folder or "."))
    except OSError:
        return None
    for name in names:
        if name.startswith(prefix) and name != prefix and not name.startswith("."):
            completed = os.path.join(folder, name)
            if os.path.isdir(completed):
                completed += os.sep
            # Keep what was typed ("~/…") and add only the rest.
            return value + completed[len(expanded) :]
    return None


def files_in(
    folders: Sequence[Path], pattern: str, accept: Callable[[Path], bool] = lambda path: True
) -> list[Path]:
    """Files matching `pattern` in each folder that `accept` takes (missing folders skipped)."""
    found: list[Path] = []
    for folder in folders:
        try:
            if folder.is_dir():
                matches = sorted(folder.glob(pattern))[:MAX_LISTED]
                found.extend(path for path in matches if path.is_file() and accept(path))
        except OSError:
            continue
    return found


class OpenFileScreen(FileChoiceScreen):
    """Lists the files of the usual folders; any other path can be typed below."""

    BINDINGS: ClassVar[list[BindingType]] = [
        cancel_binding("Close without choosing", "open.cancel"),
    ]

    PREFIX = "open"
    LIST_ID = "open-files"
    NO_PATH = "type the path of a file"
    DEFAULT_CSS = """
    OpenFileScreen {
        & > .form-box { width: 90; }
        & #open-text { height: auto; color: $text-muted; }
        & #open-files { height: auto; max-height: 12; margin-top: 1; }
        & #open-path { margin-top: 1; }
    }
    """

    def __init__(
        self,
        title: str,
        folders: Sequence[Path],
        pattern: str = "*.toml",
        *,
        accept: Callable[[Path], bool] = lambda path: True,
        what: str | None = None,
    ) -> None:
        """`accept` picks the files worth listing (typed paths are always taken); `what`
        names them in the text (default: the pattern)."""
        super().__init__(files_in(folders, pattern, accept))
        self.title_text = title
        self.folders = list(folders)
        self.pattern = pattern
        self.what = what

    def compose(self) -> ComposeResult:
        where = ", ".join(str(folder) for folder in self.folders)
        with self._box(self.title_text):
            if self._files:
                listed = self.what or self.pattern
                text = f"{listed} in {where} — enter picks; or type any path below."
            else:
                missing = self.what or f"{self.pattern} files"
                text = f"No {missing} in {where}: type the path of the file below."
            yield Static(text, id="open-text", markup=False)
            yield self._file_list()
            yield Input(
                placeholder="path of the file (→ completes)",
                suggester=PathSuggester(),
                compact=True,
                id="open-path",
            )
            yield self._error_line()
        yield KeyFooter(show_command_palette=False)

    def _label(self, path: Path) -> Content:
        return Content(path.name if len(self.folders) == 1 else str(path))
