"""Command palette (ctrl+p): open a charger, filter, pause, copy, help — for the screen at hand."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider, SimpleCommand

from ocpptui.core.config import BootAnswer
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.chargers.main_screen import MainScreen
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.frames.frame_table import FrameTable
from ocpptui.ui.site.site_open import site_board_commands

if TYPE_CHECKING:
    from ocpptui.app.app import OcppTuiApp


class OcppCommands(Provider):
    """Commands that make sense on the screen the palette was opened from."""

    def _commands(self) -> list[SimpleCommand]:
        app = cast("OcppTuiApp", self.app)
        screen = self.screen
        commands: list[SimpleCommand] = []
        for identity, charger in app.hub.chargers.items():
            state = "connected" if charger.connected else "disconnected"
            commands.append(
                SimpleCommand(
                    f"Open charger {shorten(identity, 48)}",
                    partial(app.open_charger, identity),
                    f"Its state and live frame log ({state})",
                )
            )
            if charger.connected and app.hub.config.awaiting_decision(identity):
                for verb, answer in (
                    ("Accept", BootAnswer.ACCEPTED),
                    ("Reject", BootAnswer.REJECTED),
                ):
                    commands.append(
                        SimpleCommand(
                            f"{verb} charger {shorten(identity, 48)}",
                            partial(app.decide, identity, answer),
                            "A new charger waits for your decision (its boot is answered Pending)",
                        )
                    )
        if isinstance(screen, MainScreen):
            for identity, charger in app.hub.chargers.items():
                if not charger.connected:
                    commands.append(
                        SimpleCommand(
                            f"Remove charger {shorten(identity, 48)} from the list",
                            partial(screen.forget_charger, identity),
                            "It is offline; its logs stay on disk (it returns if it connects)",
                        )
                    )
        commands.append(
            SimpleCommand(
                "Connect a charger: URL, QR code, what to check",
                app.action_connect_help,
                "The URL to type into the charger, and why a charger may not connect",
            )
        )
        commands.append(
            SimpleCommand(
                "Connections: every connection attempt",
                app.open_connections,
                "Path, identity, subprotocols, auth user, TLS, and why an attempt was refused",
            )
        )
        commands.append(
            SimpleCommand(
                "Open a saved frame log…",
                app.action_open_log,
                "ocpp-tui's JSONL or another tool's OCPP-J lines, in the frame viewer",
            )
        )
        for identity in app.hub.chargers:
            commands.append(
                SimpleCommand(
                    f"Commissioning checklist of {shorten(identity, 48)}",
                    partial(app.open_commissioning, identity),
                    "Checks with evidence, site notes, export the report",
                )
            )
        if isinstance(screen, ChargerScreen) and screen.charger.connected:
            name = shorten(screen.identity, 48)
            commands.append(
                SimpleCommand(
                    f"Firmware: upgrade {name}",
                    partial(app.open_firmware, screen.identity),
                    "Send an image from this laptop and watch the download and the reboot",
                )
            )
            commands.append(
                SimpleCommand(
                    f"Diagnostics: get the logs of {name}",
                    partial(app.open_diagnostics, screen.identity),
                    "GetDiagnostics / GetLog with an upload URL on this laptop",
                )
            )
        if isinstance(screen, ChargerScreen) and screen.charger.session is not None:
            commands.append(
                SimpleCommand(
                    "Validation: switch lenient / strict for this charger",
                    screen.action_toggle_validation,
                    "Strict answers schema-invalid messages with a CallError",
                )
            )
            commands.append(
                SimpleCommand(
                    "Ping: switch WebSocket pings on / off for this charger",
                    screen.action_toggle_ping,
                    "Some chargers drop the connection when pinged",
                )
            )
        if isinstance(screen, ChargerScreen):
            commands.append(
                SimpleCommand(
                    "Filter: errors only (toggle)",
                    screen.action_toggle_errors,
                    "Show only CallErrors, malformed frames and schema violations",
                )
            )
            commands.append(
                SimpleCommand("Filter: clear", screen.action_clear_filter, "Show every frame")
            )
        table = getattr(screen, "frame_table", None)
        if isinstance(table, FrameTable):
            verb = "Resume" if table.paused else "Pause"
            commands.append(
                SimpleCommand(
                    f"{verb} the frame log",
                    table.action_toggle_pause,
                    "Stop or restart repainting; frames are recorded either way",
                )
            )
            commands.append(
                SimpleCommand(
                    "Follow new frames", table.action_follow, "Jump to the newest frame and follow"
                )
            )
            if table.cursor_frame is not None:
                commands.append(
                    SimpleCommand(
                        "Copy the selected frame",
                        table.action_copy_frame,
                        "Its raw JSON, to the clipboard",
                    )
                )
        # Screens with tabs of their own (the charger screen) add their panels' commands.
        screen_commands = getattr(screen, "palette_commands", None)
        if callable(screen_commands):
            commands.extend(screen_commands())
        commands.extend(site_board_commands(app))
        commands.append(
            SimpleCommand(
                "Run a playbook…",
                app.action_run_playbook,
                "Steps from a TOML file against the connected chargers, with live progress",
            )
        )
        if app.link_defaults is not None:  # local-link mode: ocpp-tui serial / ble
            commands.append(
                SimpleCommand(
                    "Serial: pick a port…",
                    partial(app.open_link_picker, "serial"),
                    "The serial ports (rescanned as cables come and go), line settings, open",
                )
            )
            commands.append(
                SimpleCommand(
                    "Bluetooth: scan for chargers…",
                    partial(app.open_link_picker, "ble"),
                    "BLE devices, those with the UART service first; connect one",
                )
            )
        commands.append(
            SimpleCommand(
                "Settings…",
                app.action_settings,
                "Port, protocols, boot answer, validation, file server, log retention, theme",
            )
        )
        commands.append(
            SimpleCommand("Show help and keys", app.action_help, "Every key of every screen")
        )
        return commands

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.name, command.callback, help=command.help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(command.name), command.callback, help=command.help_text
                )
