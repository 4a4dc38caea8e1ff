"""Pick a file on the laptop (a firmware image, a certificate) from a folder tree."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Static

from ocpptui.widgets.key_footer import KeyFooter


def default_folder(hint: str = "") -> Path:
    """Where to start: the folder of `hint`, else ~/Downloads/firmware, ~/Downloads, ~."""
    if hint:
        candidate = Path(hint).expanduser()
        for folder in (candidate, candidate.parent):
            try:
                if folder.is_dir():
                    return folder
            except OSError:
                continue
    home = Path.home()
    for folder in (home / "Downloads" / "firmware", home / "Downloads", home):
        try:
            if folder.is_dir():
                return folder
        except OSError:
            continue
    return Path.cwd()


class FilePickerScreen(ModalScreen[Path | None]):
    """A folder tree: enter picks a file, backspace goes up a folder, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without picking", id="picker.cancel"),
        Binding(
            "backspace",
            "parent",
            "Up a folder",
            tooltip="Show the folder above this one",
            id="picker.parent",
        ),
        Binding("ctrl+h", "home", "Home", tooltip="Show your home folder", id="picker.home"),
    ]

    DEFAULT_CSS = """
    FilePickerScreen {
        align: center middle;
        & > #picker-box {
            width: 90;
            max-width: 100%;
            height: 100%;
            max-height: 30;
            border: round $primary;
            border-title-color: $text-primary;
            background: $surface;
        }
        & #picker-folder { height: 1; padding: 0 1; color: $text-muted; }
        & DirectoryTree { height: 1fr; }
    }
    """

    def __init__(self, title: str, start: Path) -> None:
        super().__init__()
        self.title_text = title
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box") as box:
            box.border_title = Content(self.title_text)
            yield Static(id="picker-folder", markup=False)
            yield DirectoryTree(self.start, id="picker-tree")
        yield KeyFooter(show_command_palette=False)

    @property
    def tree(self) -> DirectoryTree:
        return self.query_one("#picker-tree", DirectoryTree)

    def on_mount(self) -> None:
        self._show_folder()
        self.tree.focus()

    def _show_folder(self) -> None:
        self.query_one("#picker-folder", Static).update(f"in {self.tree.path}")

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(Path(event.path))

    def action_parent(self) -> None:
        current = Path(self.tree.path)
        if current.parent != current:
            self.tree.path = current.parent
            self._show_folder()

    def action_home(self) -> None:
        self.tree.path = Path.home()
        self._show_folder()

    def action_cancel(self) -> None:
        self.dismiss(None)
