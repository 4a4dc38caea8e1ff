"""Pick a file on the laptop (a firmware image, a certificate) from a folder tree."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Static

from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.files.file_paths import launch_folder, typed_path
from ocpptui.ui.files.open_file_screen import PathSuggester


def default_folder(hint: str = "") -> Path:
    """Where to start: the folder of `hint` (a path typed already), else the launch folder."""
    if hint:
        candidate = typed_path(hint)
        for folder in (candidate, candidate.parent):
            try:
                if folder.is_dir():
                    return folder
            except OSError:
                continue
    return launch_folder()


class FilePickerScreen(ModalScreen[Path | None]):
    """A folder tree: enter picks a file, backspace goes up a folder, escape cancels; a path
    can be typed or pasted above the tree."""

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
        & #picker-path { margin: 0 1; }
        & #picker-error { height: auto; padding: 0 1; color: $text-error; display: none; }
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
            yield Input(
                placeholder="or type / paste a path, enter",
                suggester=PathSuggester(),
                compact=True,
                id="picker-path",
            )
            yield Static(id="picker-error", markup=False)
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

    @on(Input.Submitted, "#picker-path")
    def _typed(self, event: Input.Submitted) -> None:
        """A typed file is picked; a typed folder is shown in the tree."""
        event.stop()
        error = self.query_one("#picker-error", Static)
        if not event.value.strip():
            self.tree.focus()
            return
        path = typed_path(event.value)
        if path.is_file():
            self.dismiss(path)
        elif path.is_dir():
            self.tree.path = path
            self._show_folder()
            error.display = False
            self.tree.focus()
        else:
            error.update(f"no file or folder {path}")
            error.display = True

    def on_paste(self, event: events.Paste) -> None:
        """A path pasted anywhere in the picker goes into the path field."""
        field = self.query_one("#picker-path", Input)
        if not field.has_focus and event.text.strip():
            event.stop()
            field.value = event.text.strip()
            field.focus()

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
