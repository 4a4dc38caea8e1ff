"""A modal for failures the technician must act on, and the words for a server that won't bind."""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

_IN_USE = {errno.EADDRINUSE, 10048}  # 10048: WSAEADDRINUSE
_DENIED = {errno.EACCES, errno.EPERM, 10013}  # 10013: WSAEACCES
_NOT_HERE = {errno.EADDRNOTAVAIL, 10049}  # 10049: WSAEADDRNOTAVAIL


def bind_error_text(error: OSError, host: str, port: int, settings_file: Path | None) -> str:
    """Why the server could not listen on host:port, and what to do about it."""
    where = f"the setting [server] port in {settings_file}" if settings_file else "the settings"
    if error.errno in _IN_USE:
        return (
            f"Port {port} on {host} is already in use: another ocpp-tui or CSMS is listening "
            f"there. Stop it, or start with another port (ocpp-tui serve --port {port + 1}, "
            f"or {where})."
        )
    if error.errno in _DENIED:
        return (
            f"Not allowed to listen on port {port} on {host}: ports below 1024 need "
            f"administrator rights and a firewall may forbid others. Use a port such as 9000 "
            f"(ocpp-tui serve --port 9000, or {where})."
        )
    if error.errno in _NOT_HERE or isinstance(error, socket.gaierror):
        return (
            f"{host} is not an address of this laptop. Listen on 0.0.0.0 (every interface) "
            f"with ocpp-tui serve --host 0.0.0.0, or pick one of this laptop's addresses."
        )
    reason = error.strerror or str(error)
    return f"Cannot listen on {host}:{port}: {reason}."


class ErrorScreen(ModalScreen[None]):
    """A titled message with an OK button; nothing in it is read as markup."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", tooltip="Close this message", id="error.close"),
    ]

    DEFAULT_CSS = """
    ErrorScreen {
        align: center middle;
        & > #error-box {
            width: 72;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            border: thick $error;
            border-title-color: $text-error;
            background: $surface;
            padding: 1 2;
        }
        & #error-message { height: auto; margin-bottom: 1; }
        & Button { width: 100%; }
    }
    """

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box") as box:
            box.border_title = self.title_text
            yield Static(self.message, id="error-message", markup=False)
            yield Button("OK", variant="error", id="error-ok")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
