"""Pick a file: the ones in the usual folder, or any path typed (with completion)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ocpptui.widgets.key_footer import KeyFooter

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


class OpenFileScreen(ModalScreen[Path | None]):
    """Lists the files of the usual folders; any other path can be typed below."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without choosing", id="open.cancel"),
    ]

    DEFAULT_CSS = """
    OpenFileScreen {
        align: center middle;
        & > #open-box {
            width: 90;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            border: round $primary;
            border-title-color: $text-primary;
            background: $surface;
            padding: 0 1;
        }
        & #open-text { height: auto; color: $text-muted; }
        & #open-files { height: auto; max-height: 12; margin-top: 1; }
        & #open-path { margin-top: 1; }
        & #open-error { height: auto; color: $text-error; }
    }
    """

    def __init__(
        self,
        title: str,
        folders: Sequence[Path],
        pattern: str = "*.toml",
        *,
        accept: Callable[[Path], bool] = lambda path: True,
    ) -> None:
        """`accept` picks the files worth listing (typed paths are always taken)."""
        super().__init__()
        self.title_text = title
        self.folders = list(folders)
        self.pattern = pattern
        self._files = files_in(self.folders, pattern, accept)

    def compose(self) -> ComposeResult:
        where = ", ".join(str(folder) for folder in self.folders)
        with Vertical(id="open-box") as box:
            box.border_title = self.title_text
            if self._files:
                text = f"{self.pattern} in {where} — enter picks; or type any path below."
            else:
                text = f"No {self.pattern} files in {where}: type the path of the file below."
            yield Static(text, id="open-text", markup=False)
            options = [
                Option(Content(self._label(path)), id=str(index))
                for index, path in enumerate(self._files)
            ]
            yield OptionList(*options, id="open-files")
            yield Input(
                placeholder="path of the file (→ completes)",
                suggester=PathSuggester(),
                compact=True,
                id="open-path",
            )
            error = Static("", id="open-error", markup=False)
            error.display = False
            yield error
        yield KeyFooter(show_command_palette=False)

    def _label(self, path: Path) -> str:
        if len(self.folders) == 1:
            return path.name
        return str(path)

    def on_mount(self) -> None:
        if self._files:
            self.query_one("#open-files", OptionList).focus()
        else:
            self.query_one("#open-files", OptionList).display = False
            self.query_one("#open-path", Input).focus()

    @on(OptionList.OptionSelected, "#open-files")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._files[int(event.option.id or 0)])

    @on(Input.Submitted, "#open-path")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self._error("type the path of a file")
            return
        path = Path(text).expanduser()
        if not path.is_file():
            self._error(f"{path} is not a file")
            return
        self.dismiss(path)

    def _error(self, text: str) -> None:
        error = self.query_one("#open-error", Static)
        error.update(text)
        error.display = True

    def action_cancel(self) -> None:
        self.dismiss(None)
