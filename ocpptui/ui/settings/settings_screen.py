"""`s` on the main screen: the settings file as a form; ctrl+s writes it back, comments kept."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from ocpptui.settings.model import Settings, SettingsError
from ocpptui.settings.reader import parse_settings
from ocpptui.settings.writer import (
    FIELD_GROUPS,
    FIELDS,
    PROTOCOLS,
    SavedSettings,
    SettingField,
    save_settings,
    settings_text,
)
from ocpptui.ui.common.choice_select import ChoiceSelect
from ocpptui.ui.common.confirm_screen import ConfirmScreen
from ocpptui.ui.common.display_text import short_path
from ocpptui.ui.common.key_footer import KeyFooter


def _widget_id(field: SettingField, suffix: str = "") -> str:
    return f"setting-{field.section}-{field.key}{suffix}".replace("_", "-")


def _number(text: str) -> Any:
    """The typed text as TOML will hold it: a number when it reads as one; otherwise the text,
    which `parse_settings` then refuses with the key and its line."""
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def outcome_text(saved: SavedSettings, path: Path) -> Content:
    """What saving did: written where, applied now, and what waits for a restart."""
    if not saved.changed:
        return Content.styled("Nothing changed: the file already says this.", "$text-muted")
    parts: list[tuple[str, str] | str] = [(f"Saved to {path}.", "$text-success")]
    if saved.applied_now:
        names = ", ".join(field.label.lower() for field in saved.applied_now)
        parts += [" Applied now: ", (names, "bold"), "."]
    if saved.need_restart:
        names = ", ".join(field.label.lower() for field in saved.need_restart)
        parts += [" After a restart of ocpp-tui: ", (names, "$text-warning bold"), "."]
    return Content.assemble(*parts)


class SettingsScreen(ModalScreen[None]):
    """The keys a technician changes on site, with what each one does."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "close",
            "Close",
            tooltip="Close (asks first when there are changes not saved)",
            id="settings.close",
        ),
        Binding(
            "ctrl+s",
            "save",
            "Save",
            tooltip="Check and write the settings file; apply what can be applied now",
            id="settings.save",
        ),
    ]

    AUTO_FOCUS = "#settings-form Input"

    DEFAULT_CSS = """
    SettingsScreen {
        align: center middle;
        & > #settings-box {
            width: 96;
            max-width: 100%;
            height: 100%;
            border: round $primary;
            border-title-color: $text-primary;
            background: $surface;
            padding: 0 1;
        }
        & #settings-path { height: auto; color: $text-muted; }
        & .settings-group { color: $text-primary; text-style: bold; margin-top: 1; }
        & .settings-row { height: auto; }
        & .settings-row > Label { width: 21; }
        & .settings-row > Input, & .settings-row > Select { width: 24; }
        & .settings-row > .settings-protocols { width: auto; height: auto; }
        & .settings-row > Checkbox { width: auto; text-overflow: clip; }
        & .settings-hint { width: 1fr; color: $text-muted; padding-left: 1; }
        & .settings-hint.-live { color: $text-success; }
        & #settings-outcome { height: auto; margin-top: 1; }
        & #settings-outcome.-error { color: $text-error; }
        & #settings-buttons { height: auto; align-horizontal: right; }
        & Button { margin-left: 1; }
    }
    """

    @dataclass
    class Saved(Message):
        """The settings file was written; `saved` says what changed."""

        saved: SavedSettings

    def __init__(
        self,
        path: Path,
        running: Settings,
        themes: Iterable[str],
        apply: Callable[[SavedSettings], None] | None = None,
    ) -> None:
        """`running`: shown when the file cannot be read; `apply` puts live changes into
        effect after a save."""
        super().__init__()
        self.path = path
        self.running = running
        self.themes = sorted(themes)
        self.apply = apply
        self.load_problem: str | None = None
        #: What the form said when opened or last saved: closing with other values asks.
        self._saved_values: dict[SettingField, Any] | None = None

    def _file_settings(self) -> Settings:
        try:
            return parse_settings(settings_text(self.path), self.path)
        except (SettingsError, OSError) as exc:
            self.load_problem = str(exc)
            return self.running

    def compose(self) -> ComposeResult:
        current = self._file_settings()
        with Vertical(id="settings-box") as box:
            box.border_title = "Settings"
            yield Static(
                Content.assemble(
                    ("File ", "$text-muted"),
                    (short_path(self.path, 0), "bold"),
                    (" · green hints apply at once, the rest after a restart", "$text-muted"),
                ),
                id="settings-path",
                markup=False,
            )
            with VerticalScroll(id="settings-form"):
                for title, fields in FIELD_GROUPS:
                    yield Static(title, classes="settings-group", markup=False)
                    for field in fields:
                        with Horizontal(classes="settings-row"):
                            yield Label(field.label)
                            yield from self._editor(field, field.read(current))
                            hint = field.hint or ("applies now" if field.live else "")
                            yield Static(
                                hint,
                                classes="settings-hint -live" if field.live else "settings-hint",
                                markup=False,
                            )
            outcome = Static("", id="settings-outcome", markup=False)
            outcome.display = False
            if self.load_problem:
                self._show_outcome(outcome, self.load_problem, error=True)
            yield outcome
            with Horizontal(id="settings-buttons"):
                yield Button("Save", variant="primary", compact=True, id="settings-save")
                yield Button("Close", compact=True, id="settings-close")
        yield KeyFooter(show_command_palette=False)

    def _editor(self, field: SettingField, value: Any) -> Iterable[Widget]:
        widget_id = _widget_id(field)
        if field.kind == "choice" or field.kind == "theme":
            options = field.choices or tuple((theme, theme) for theme in self.themes)
            known = [option for _, option in options]
            if value not in known:  # a theme from a newer Textual, say: keep it selectable
                options = ((str(value), value), *options)
            yield ChoiceSelect(options, value=value, allow_blank=False, compact=True, id=widget_id)
        elif field.kind == "bool":
            yield Checkbox("", bool(value), compact=True, id=widget_id)
        elif field.kind == "protocols":
            with Horizontal(classes="settings-protocols"):
                for protocol in PROTOCOLS:
                    yield Checkbox(
                        protocol,
                        protocol in value,
                        compact=True,
                        id=_widget_id(field, "-" + protocol.replace(".", "")),
                    )
        else:
            kind = "text" if field.kind == "text" else "number"
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            yield Input(str(value), type=kind, compact=True, id=widget_id)

    def on_mount(self) -> None:
        self._saved_values = self.form_values()

    @property
    def unsaved(self) -> list[SettingField]:
        """The fields changed in the form since it was opened or saved."""
        if self._saved_values is None:
            return []
        now = self.form_values()
        return [field for field in FIELDS if now.get(field) != self._saved_values.get(field)]

    def form_values(self) -> dict[SettingField, Any]:
        """What the form says, as the TOML file would hold it."""
        current = self._file_settings()
        values: dict[SettingField, Any] = {}
        for field in FIELDS:
            if field.kind == "protocols":
                checked = [
                    protocol
                    for protocol in PROTOCOLS
                    if self.query_one(
                        "#" + _widget_id(field, "-" + protocol.replace(".", "")), Checkbox
                    ).value
                ]
                # Keep the file's order of preference for the protocols that stay on.
                ordered = [p for p in field.read(current) if p in checked]
                values[field] = ordered + [p for p in checked if p not in ordered]
                continue
            widget = self.query_one("#" + _widget_id(field))
            if isinstance(widget, Select):
                values[field] = widget.value
            elif isinstance(widget, Checkbox):
                values[field] = widget.value
            elif isinstance(widget, Input):
                values[field] = widget.value if field.kind == "text" else _number(widget.value)
        return values

    @staticmethod
    def _show_outcome(outcome: Static, text: str | Content, *, error: bool) -> None:
        outcome.update(text)
        outcome.set_class(error, "-error")
        outcome.display = True

    def action_save(self) -> None:
        outcome = self.query_one("#settings-outcome", Static)
        try:
            saved = save_settings(self.path, self.form_values())
        except SettingsError as exc:
            self._show_outcome(outcome, f"Not saved: {exc}", error=True)
            return
        except OSError as exc:
            problem = f"Not saved: cannot write {self.path}: {exc.strerror or exc}"
            self._show_outcome(outcome, problem, error=True)
            return
        self.load_problem = None
        self._saved_values = self.form_values()
        self._show_outcome(outcome, outcome_text(saved, self.path), error=False)
        if self.apply is not None and saved.changed:
            self.apply(saved)
        self.post_message(self.Saved(saved))

    @on(Button.Pressed, "#settings-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#settings-close")
    def _close_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_close()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_close(self) -> None:
        changed = self.unsaved
        if not changed:
            self.dismiss(None)
            return
        names = ", ".join(field.label.lower() for field in changed)

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        question = f"Not saved: {names}. Close and lose these changes? (ctrl+s saves them)"
        self.app.push_screen(
            ConfirmScreen("Unsaved settings", question, "Discard", "Keep editing"), answered
        )
