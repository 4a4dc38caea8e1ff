"""`ocpp-tui open FILE`: the app with the saved-log viewer as its only screen, no server."""

from __future__ import annotations

from pathlib import Path

from textual.screen import Screen

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.paths import Paths
from ocpptui.protocol.versions import OcppVersion
from ocpptui.settings.model import Settings
from ocpptui.ui.frames.log_viewer_screen import LogViewerScreen, open_log_screen


class LogViewerApp(OcppTuiApp):
    """The frame viewer on one saved log; escape quits."""

    def __init__(self, settings: Settings, paths: Paths, screen: LogViewerScreen) -> None:
        super().__init__(settings, paths, Hub(settings.csms), listen=False)
        self.log_screen = screen

    def get_default_screen(self) -> Screen:
        return self.log_screen


def make_log_app(
    settings: Settings, paths: Paths, path: Path, protocol: OcppVersion | None = None
) -> LogViewerApp:
    """The viewer app for `path` (raises LogFileError when the file cannot be opened)."""
    screen = open_log_screen(
        path, protocol=protocol, refresh_hz=settings.ui.refresh_hz, quit_on_close=True
    )
    return LogViewerApp(settings, paths, screen)
