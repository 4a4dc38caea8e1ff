"""A modal that offers a list of files and takes any other path typed below it.

The list (`LIST_ID`) and the path input (`<PREFIX>-path`) are the only ones on the screen;
enter on a listed file or on a typed path of an existing file answers it, escape answers None.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import events, on
from textual.content import Content
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ocpptui.ui.common.form_modal import FormModal
from ocpptui.ui.files.file_paths import typed_path


class FileChoiceScreen(FormModal[Path | None]):
    """Pick one of `files`, or type a path; with no files the list is hidden."""

    #: The id of the list of files.
    LIST_ID: ClassVar[str]
    #: What the error line says when enter is pressed on an empty path.
    NO_PATH: ClassVar[str]

    def __init__(self, files: list[Path]) -> None:
        super().__init__()
        self._files = files

    def _label(self, path: Path) -> str | Content:
        """How `path` is shown in the list."""
        raise NotImplementedError

    def _not_a_file(self, path: Path) -> str:
        return f"{path} is not a file"

    def _file_list(self) -> OptionList:
        options = [
            Option(self._label(path), id=str(index)) for index, path in enumerate(self._files)
        ]
        return OptionList(*options, id=self.LIST_ID)

    def on_mount(self) -> None:
        files = self.query_one(f"#{self.LIST_ID}", OptionList)
        if self._files:
            files.focus()
        else:
            files.display = False
            self.query_one(f"#{self.PREFIX}-path", Input).focus()

    def on_paste(self, event: events.Paste) -> None:
        """A path pasted while the list has the focus goes into the path field."""
        field = self.query_one(f"#{self.PREFIX}-path", Input)
        if not field.has_focus and event.text.strip():
            event.stop()
            field.value = event.text.strip()
            field.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._files[int(event.option.id or 0)])

    @on(Input.Submitted)
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self._show_error(self.NO_PATH)
            return
        path = typed_path(text)
        if not path.is_file():
            self._show_error(self._not_a_file(path))
            return
        self.dismiss(path)
