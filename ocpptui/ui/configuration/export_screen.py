"""Export the configuration read from a charger: TOML (a profile) or JSON, to a path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Button, Input, Select, Static

from ocpptui.ui.common.form_modal import FormModal, cancel_binding
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.files.open_file_screen import PathSuggester

ExportFormat = Literal["json", "toml"]

FORMATS: tuple[tuple[str, ExportFormat], ...] = (
    ("JSON: everything read, read-only values too", "json"),
    ("TOML: as a profile (every value)", "toml"),
)


@dataclass(frozen=True, slots=True)
class ExportRequest:
    format: ExportFormat
    path: Path
    name: str  # the profile name written into a TOML export


class ExportScreen(FormModal[ExportRequest | None]):
    """Choose the format and where to write; the default is the reports folder."""

    BINDINGS: ClassVar[list[BindingType]] = [
        cancel_binding("Close without exporting", "export.cancel"),
    ]

    PREFIX = "export"
    DEFAULT_CSS = """
    ExportScreen {
        & > .form-box { width: 96; }
        & #export-text { height: auto; color: $text-muted; }
        & #export-format, & #export-path { margin-top: 1; }
        & #export-buttons { height: auto; align-horizontal: right; margin-top: 1; }
        & Button { margin-left: 1; }
    }
    """

    def __init__(self, base: Path, name: str, *, complete: bool = True) -> None:
        """`base`: the default path without its extension; `complete`: whether the values
        include a complete read (not only keys read by name)."""
        super().__init__()
        self.base = base
        self.name_for_profile = name
        self.complete = complete

    def _default(self, export_format: ExportFormat) -> str:
        return f"{self.base}.{export_format}"

    def compose(self) -> ComposeResult:
        with self._box("Export the configuration"):
            yield Static(
                "What was read from the charger (read it again first for fresh values)."
                if self.complete
                else "Only keys read by name so far, not a complete read: close this and "
                "press r first to export the whole configuration.",
                id="export-text",
                markup=False,
            )
            yield Select(FORMATS, value="json", allow_blank=False, compact=True, id="export-format")
            yield Input(
                self._default("json"), suggester=PathSuggester(), compact=True, id="export-path"
            )
            yield self._error_line()
            yield from self._buttons("Export")
        yield KeyFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        event.stop()
        path_input = self.query_one("#export-path", Input)
        # Follow the format only while the path is one of our defaults.
        if path_input.value in (self._default("json"), self._default("toml")):
            path_input.value = self._default(event.value)  # type: ignore[arg-type]

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-ok")
    def _submit(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self._show_error("type where to write the file")
            return
        path = Path(text).expanduser()
        if path.is_dir():
            self._show_error(f"{path} is a folder: add a file name")
            return
        export_format = self.query_one("#export-format", Select).value
        chosen: ExportFormat = "toml" if export_format == "toml" else "json"
        self.dismiss(ExportRequest(chosen, path, self.name_for_profile))
