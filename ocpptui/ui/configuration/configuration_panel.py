"""What the Configuration tab does for every OCPP version: profiles, save, export, the charger.

`KeysPanel` (1.6 keys) and `DeviceModelPanel` (2.0.1/2.1 variables) build on this: it
follows the charger's connection through the bridge, greys out what needs a connected
charger, and offers "apply a profile", "save as profile" and "export".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.binding import Binding, BindingType
from textual.command import SimpleCommand
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from ocpptui.app import messages
from ocpptui.app.bridge import HubBridge
from ocpptui.core import events
from ocpptui.core.config_reads import ConfigurationRead, reads_since_complete
from ocpptui.core.hub import Charger
from ocpptui.core.identity import file_safe
from ocpptui.core.session import Session
from ocpptui.services.profiles import export_configuration_json, profile_from_session
from ocpptui.ui.common.display_text import clock_time, shorten
from ocpptui.ui.configuration.dialogs import ConfigurationDialogs
from ocpptui.ui.files.file_paths import launch_folder

if TYPE_CHECKING:
    from ocpptui.app.app import OcppTuiApp
    from ocpptui.ui.configuration.export_screen import ExportRequest


def looks_like_profile(path: Path) -> bool:
    """Whether a TOML file holds profile values (the folder may hold other TOML files)."""
    try:
        with path.open("rb") as file:
            head = file.read(65_536)
    except OSError:
        return False
    return b"[ocpp16]" in head or b"[ocpp201]" in head


def profile_path(folder: Path, name: str) -> Path:
    """Where "save as profile" writes the profile called `name`."""
    return folder / f"{file_safe(name.strip()) or 'profile'}.toml"


def read_history(reads: list[ConfigurationRead], full_read_key: str) -> list[tuple[str, str] | str]:
    """The info line's tail: the reads by name since the last complete read, or that no
    complete read was made (`full_read_key` makes one)."""
    complete, after = reads_since_complete(reads)
    if complete is None:
        if not reads:
            return []
        return [(f" · not a complete read: {full_read_key} reads everything", "$text-warning")]
    if not after:
        return []
    newest = after[-1]
    text = f" · then {newest.how} at {clock_time(newest.finished_wall, milliseconds=False)}"
    if len(after) > 1:
        text += f" (and {len(after) - 1} more before)"
    return [(text, "$text-muted")]


def export_text(session: Session, request: ExportRequest) -> str:
    if request.format == "json":
        return export_configuration_json(session)
    return profile_from_session(session, request.name, writable_only=False)


#: Keys every Configuration panel has; each subclass lists them after its own (the footer
#: shows keys in the order of the class's BINDINGS, base classes first).
PROFILE_BINDINGS: list[BindingType] = [
    Binding(
        "p",
        "apply_profile",
        "Profile",
        tooltip="Apply a configuration profile: see the diff, send what differs, verify",
        id="config.apply_profile",
    ),
    Binding(
        "s",
        "save_profile",
        "Save",
        tooltip="Save the configuration read from the charger as a profile",
        id="config.save_profile",
    ),
    Binding(
        "x",
        "export",
        "Export",
        tooltip="Write the configuration read from the charger to a TOML or JSON file",
        id="config.export",
    ),
    Binding(
        "slash",
        "focus_filter",
        "Find",
        tooltip="Show only entries whose name or value contains the text",
        id="config.find",
        show=False,
    ),
]


class ConfigurationPanel(Vertical):
    """Base of the Configuration tab's panels; subclasses show and edit the values."""

    #: Actions that send something to the charger: greyed out while it is not connected.
    NEEDS_CHARGER: ClassVar[frozenset[str]] = frozenset({"apply_profile"})
    #: Actions that need a configuration read first.
    NEEDS_DATA: ClassVar[frozenset[str]] = frozenset({"save_profile", "export"})

    @dataclass
    class FileWritten(Message):
        """A profile or an export was written (or could not be: `error`)."""

        what: str
        path: Path
        error: str | None = None

    def __init__(self, charger: Charger, bridge: HubBridge, dialogs: ConfigurationDialogs) -> None:
        super().__init__(id="config-panel")  # the charger screen's Configuration tab
        self.charger = charger
        self.bridge = bridge
        self.dialogs = dialogs
        self._remove_target: Callable[[], None] | None = None
        self.last_written: str | None = None  # "profile saved to …", shown in the info line

    # ------------------------------------------------------------------ charger

    @property
    def ocpp_app(self) -> OcppTuiApp:
        return cast("OcppTuiApp", self.app)

    @property
    def identity(self) -> str:
        return self.charger.identity

    @property
    def session(self) -> Session | None:
        return self.charger.session

    @property
    def connected(self) -> bool:
        return self.charger.connected

    def has_data(self) -> bool:
        """Whether anything was read from the current session (subclasses say what)."""
        return False

    def on_mount(self) -> None:
        self._remove_target = self.bridge.add_target(self, identity=self.identity)

    def on_unmount(self) -> None:
        if self._remove_target is not None:
            self._remove_target()

    @on(messages.HubReported)
    def _hub_reported(self, message: messages.HubReported) -> None:
        if message.identity != self.identity:
            return
        connection = isinstance(message.event, events.ChargerConnected | events.ChargerDisconnected)
        # A profile applied elsewhere or a playbook step changed what we show.
        shown = isinstance(message.event, events.ChargerUpdated) and message.kinds & {
            "configuration",
            "device-model",
        }
        if connection or shown:
            self.refresh_view()
            self.refresh_bindings()

    def refresh_view(self) -> None:
        """Show the current session's data again (subclasses)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.NEEDS_CHARGER and not self.connected:
            return None
        if action in self.NEEDS_DATA and not self.has_data():
            return None
        return True

    def require_connected(self) -> Session | None:
        """The connected session, or None after telling the technician why not."""
        session = self.session
        if session is None or not session.connected:
            self.notify(
                f"{shorten(self.identity, 48)} is not connected", severity="warning", markup=False
            )
            return None
        return session

    def action_focus_filter(self) -> None:
        for field in self.query(".config-filter").results(Input):
            field.focus()

    # ------------------------------------------------------------------ profiles

    def action_apply_profile(self) -> None:
        if self.require_connected() is None:
            return
        folder = self.ocpp_app.paths.profiles_dir

        def picked(path: Path | None) -> None:
            if path is not None:
                self.app.push_screen(self.dialogs.profile_diff(self.charger, path))

        folders = list(dict.fromkeys([launch_folder(), folder]))  # where ocpp-tui was started
        screen = self.dialogs.pick_profile(
            "Apply a configuration profile", folders, accept=looks_like_profile
        )
        self.app.push_screen(screen, picked)

    def action_save_profile(self) -> None:
        session = self.session
        if session is None or not self.has_data():
            self.notify("Read the configuration first (r)", severity="warning")
            return
        folder = self.ocpp_app.paths.profiles_dir
        state = session.state
        suggestion = " ".join(part for part in (state.vendor, state.model) if part) or self.identity

        def validate(name: str) -> str | None:
            if not name:
                return "give the profile a name"
            path = profile_path(folder, name)
            if path.exists():
                return f"{path} exists: choose another name"
            return None

        def named(name: str | None) -> None:
            if name is not None:
                text = profile_from_session(session, name)
                self.write_file("profile", profile_path(folder, name), text)

        self.app.push_screen(
            self.dialogs.name(
                "Save as profile",
                f"The writable values read from {self.identity}, as a profile in {folder}. "
                "Name it:",
                initial=suggestion,
                validate=validate,
                submit_label="Save",
            ),
            named,
        )

    def action_export(self) -> None:
        session = self.session
        if session is None or not self.has_data():
            self.notify("Read the configuration first (r)", severity="warning")
            return
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = self.ocpp_app.paths.reports_dir / f"{file_safe(self.identity)}-configuration-{stamp}"

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self.write_file("export", request.path, export_text(session, request))

        complete, _ = reads_since_complete(session.state.configuration_reads)
        screen = self.dialogs.export(base, self.identity, complete=complete is not None)
        self.app.push_screen(screen, chosen)

    @work(group="config-files", exit_on_error=False)
    async def write_file(self, what: str, path: Path, text: str) -> None:
        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

        try:
            await asyncio.to_thread(write)
        except OSError as exc:
            self.post_message(self.FileWritten(what, path, exc.strerror or str(exc)))
            return
        self.post_message(self.FileWritten(what, path))

    @on(FileWritten)
    def _file_written(self, message: FileWritten) -> None:
        if message.error is not None:
            self.notify(
                f"{message.path}: {message.error}",
                title=f"Could not write the {message.what}",
                severity="error",
                markup=False,
            )
            return
        title = "Profile saved" if message.what == "profile" else "Configuration exported"
        self.last_written = f"{title.lower()} to {message.path}"
        self.notify(f"Written to {message.path}", title=title, timeout=10, markup=False)
        self.refresh_view()

    # ------------------------------------------------------------------ palette

    def palette_commands(self) -> list[SimpleCommand]:
        commands: list[SimpleCommand] = []
        if self.connected:
            commands.append(
                SimpleCommand(
                    "Profile: apply a configuration profile…",
                    self.action_apply_profile,
                    "Diff against the charger, send what differs, verify, report per key",
                )
            )
        if self.has_data():
            commands += [
                SimpleCommand(
                    "Profile: save the current configuration as a profile…",
                    self.action_save_profile,
                    f"Into {self.ocpp_app.paths.profiles_dir}",
                ),
                SimpleCommand(
                    "Configuration: export to TOML or JSON…",
                    self.action_export,
                    f"Into {self.ocpp_app.paths.reports_dir} or a path you choose",
                ),
            ]
        return commands
