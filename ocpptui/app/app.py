"""OcppTuiApp: the Textual application, and `make_app`, the one factory for the CLI and tests."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from ocpptui.app import messages
from ocpptui.app.bridge import HubBridge
from ocpptui.app.file_transfers import FileTransfers
from ocpptui.app.palette import OcppCommands
from ocpptui.core import events, gc_pauses
from ocpptui.core.clock import Clock
from ocpptui.core.config import BootAnswer
from ocpptui.core.frame import Frame
from ocpptui.core.hub import Hub
from ocpptui.core.link_supervisor import LinkState, LinkStatus, LinkSupervisor
from ocpptui.core.log_file import LogFileError
from ocpptui.core.proxy import UpstreamConfig
from ocpptui.paths import Paths
from ocpptui.protocol.versions import OcppVersion
from ocpptui.services.site_sheet import SiteSheet
from ocpptui.settings.model import Settings, SettingsError
from ocpptui.settings.writer import FIELDS, SavedSettings, apply_live, save_settings
from ocpptui.ui.chargers.charger_list import ChargerList
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.chargers.connect_screen import ConnectScreen
from ocpptui.ui.chargers.connections_screen import ConnectionsScreen
from ocpptui.ui.chargers.decision_screen import DecisionScreen
from ocpptui.ui.chargers.main_screen import MainScreen
from ocpptui.ui.chargers.welcome_panel import ServerState, tips
from ocpptui.ui.commissioning.commissioning_screen import CommissioningForm, CommissioningScreen
from ocpptui.ui.commissioning.playbook_run_screen import PlaybookRunScreen
from ocpptui.ui.common.confirm_screen import ConfirmScreen
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.common.error_screen import ErrorScreen, bind_error_text
from ocpptui.ui.frames.frame_inspector_screen import FrameInspectorScreen
from ocpptui.ui.frames.frame_table import FrameTable
from ocpptui.ui.frames.log_viewer_screen import LogViewerScreen, open_log_screen
from ocpptui.ui.frames.open_log_screen import OpenLogScreen
from ocpptui.ui.help.help_screen import HelpScreen, HelpSections
from ocpptui.ui.help.tab_help import charger_tab_sections
from ocpptui.ui.links.ble_device_table import BleDeviceTable
from ocpptui.ui.links.ble_picker_screen import BlePickerScreen
from ocpptui.ui.links.link_settings import LinkDefaults
from ocpptui.ui.links.serial_picker_screen import SerialPickerScreen
from ocpptui.ui.links.serial_port_table import SerialPortTable
from ocpptui.ui.settings.settings_screen import SettingsScreen
from ocpptui.ui.site.site_board_screen import SiteBoardScreen
from ocpptui.ui.site.site_open import open_site_board, show_site_board
from ocpptui.ui.site.site_table import SiteTable
from ocpptui.ui.transfers.diagnostics_screen import DiagnosticsScreen
from ocpptui.ui.transfers.file_viewer_screen import FileViewerScreen
from ocpptui.ui.transfers.firmware_screen import FirmwareScreen

log = logging.getLogger(__name__)

AfterStart = Callable[[int], Awaitable[None]]

#: A charger that keeps being refused for the same reason gets one toast per this many seconds.
REFUSAL_TOAST_INTERVAL = 60.0
#: Seconds without any charger before the welcome panel says what to check.
NO_CHARGER_HINT_SECONDS = 60.0
#: How long quitting waits for connections to close before giving up on them.
STOP_TIMEOUT_SECONDS = 5.0


class OcppTuiApp(App[None]):
    """The mini-CSMS with its screens; the hub does the work, the app shows it."""

    CSS_PATH = "app.tcss"
    TITLE = "ocpp-tui"
    COMMANDS: ClassVar = App.COMMANDS | {OcppCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: they work on modal screens and in text fields too. Every footer pins them
        # on the right (KeyFooter).
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            tooltip="Close every connection, stop the server and quit",
            id="app.quit",
            priority=True,
        ),
        Binding("f1", "help", "Help", tooltip="Keys of every screen", id="app.help", priority=True),
        Binding(
            "question_mark",
            "help",
            "Help",
            show=False,
            tooltip="Keys of every screen",
            id="app.help2",
        ),
    ]

    #: Where the server is: starting, listening, failed, ...
    server_state: reactive[ServerState] = reactive(ServerState("starting", "", 0), init=False)
    #: The local link (`ocpp-tui serial` / `ble`): open, lost, closed; None without one.
    link_status: reactive[LinkStatus | None] = reactive(None, init=False)

    def __init__(
        self,
        settings: Settings,
        paths: Paths,
        hub: Hub,
        *,
        clock: Clock | None = None,
        listen: bool = True,
        host: str | None = None,
        port: int | None = None,
        after_start: Sequence[AfterStart] = (),
        upstream: UpstreamConfig | None = None,
        link_defaults: LinkDefaults | None = None,
        pick_link: str | None = None,
        no_charger_hint_after: float | None = NO_CHARGER_HINT_SECONDS,
        site_sheet: SiteSheet | None = None,
        short_gc_pauses: bool = False,
    ) -> None:
        """With `upstream`, the server is a proxy (tap) in front of that CSMS. With
        `link_defaults` (local-link mode, `listen=False`) the serial and BLE pickers can open a
        link; `pick_link` ("serial" or "ble") shows one at start. With `site_sheet`, the site
        board of that sheet opens at start (`ocpp-tui serve --site`).
        """
        super().__init__()
        #: Freeze what start-up made (and survivors of each full garbage collection, see
        #: core/gc_pauses.py) once the first screen is up: the CLI does, tests do not.
        self.short_gc_pauses = short_gc_pauses
        self._help_notes: list[tuple[str, list[str]]] | None = None
        #: Seconds without any charger before the main screen lists what to check.
        self.no_charger_hint_after = no_charger_hint_after
        self.upstream = upstream
        # Local-link mode: what the pickers start from, which one opens first, the open link.
        self.link_defaults = link_defaults
        self.pick_link = pick_link
        self.site_sheet = site_sheet
        self.link: LinkSupervisor | None = None
        self._stop_listening_link: Callable[[], None] | None = None
        self.settings = settings
        self.paths = paths
        self.hub = hub
        self.clock = clock or hub.clock
        self.listen = listen
        self.host = host if host is not None else settings.csms.host
        self.port = port if port is not None else settings.csms.port
        self.after_start = list(after_start)
        self.bridge = HubBridge(hub)
        # The file server binds ports: it starts with the first firmware or log transfer.
        self.transfers = FileTransfers(settings.files, paths.sessions_dir, hub)
        self._refusal_toasts: dict[tuple[str, str, str], float] = {}
        self._asking: set[str] = set()  # identities with an open DecisionScreen
        self.commissioning_forms: dict[str, CommissioningForm] = {}  # what the technician typed
        self._apply_theme(settings.ui.theme)
        self.set_reactive(OcppTuiApp.server_state, self._initial_server_state())

    def _apply_theme(self, theme: str) -> None:
        if theme in self.available_themes:
            self.theme = theme
        else:
            log.warning("unknown theme %r in the settings; keeping %s", theme, self.theme)

    def _initial_server_state(self) -> ServerState:
        if self.listen:
            return ServerState("starting", self.host, self.port)
        if self.hub.servers:
            server = self.hub.servers[0]
            return ServerState(
                "listening",
                server.host,
                server.port,
                tuple(server.subprotocols),
                scheme=getattr(server, "scheme", "ws"),
            )
        return ServerState("off", self.host, self.port)

    @property
    def refresh_hz(self) -> float:
        return self.settings.ui.refresh_hz

    def get_default_screen(self) -> Screen:
        return MainScreen(self.hub, self.bridge, self.clock, self.refresh_hz)

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.bridge.add_target(self, changes=False)
        self.bridge.start(self, self.refresh_hz)
        if self.listen:
            self.start_server()
        if self.pick_link is not None:
            self.open_link_picker(self.pick_link)
        if self.site_sheet is not None:
            show_site_board(self, self.site_sheet)
        if self.short_gc_pauses:
            self.call_after_refresh(gc_pauses.install)

    @property
    def _background_screens(self) -> list[Screen]:
        """Screens seen through the top one, bottom first: only through translucent ones.

        Textual 8.2 always counts the screen right below the top one, even under an opaque
        screen, so the main screen under a charger screen stayed "current": it repainted at
        every tick and each of its repaints repainted the charger screen too (issue 18).
        """
        stack = self._screen_stack
        seen: list[Screen] = []
        for upper, below in zip(reversed(stack), reversed(stack[:-1]), strict=False):
            if upper.styles.background.a == 1:
                break  # an opaque screen hides everything under it
            seen.append(below)
        return seen[::-1]

    def pop_screen(self):  # type: ignore[override]  # same signature, one more step
        closing = self.screen
        popped = super().pop_screen()
        if self.short_gc_pauses and not isinstance(closing, ModalScreen):
            # A full screen's cycles (core/gc_pauses.py); small modal ones (help, a form)
            # wait for the hourly collection.
            gc_pauses.garbage_made()
        return popped

    async def on_unmount(self) -> None:
        self.bridge.stop()
        await self.close_link("ocpp-tui is shutting down")
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(STOP_TIMEOUT_SECONDS):
                await self.transfers.stop()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(STOP_TIMEOUT_SECONDS):
                await self.hub.stop()

    # ------------------------------------------------------------------ server

    @work(group="hub", exit_on_error=False, name="server")
    async def start_server(self) -> None:
        """Bind the server, then run the after-start coroutines (the demo's chargers)."""
        host, port = self.host, self.port
        try:
            if self.upstream is not None:
                server = await self.hub.start_proxy(self.upstream, host, port)
            else:
                server = await self.hub.start_server(host, port)
        except OSError as error:
            self.post_message(
                messages.ServerFailed(
                    host, port, bind_error_text(error, host, port, self.paths.settings_file)
                )
            )
            return
        for index, after in enumerate(self.after_start):
            self.run_worker(
                after(server.port), group="hub", name=f"after-start-{index}", exit_on_error=False
            )

    @on(messages.ServerFailed)
    def _server_failed(self, message: messages.ServerFailed) -> None:
        self.server_state = ServerState("failed", message.host, message.port, error=message.reason)
        self.push_screen(ErrorScreen("The server cannot start", message.reason))

    @on(messages.HubReported)
    def _hub_reported(self, message: messages.HubReported) -> None:
        match message.event:
            case events.ServerStarted() as started:
                self._server_started(started)
            case events.ServerStopped(reason=reason):
                state = self.server_state
                self.server_state = ServerState("stopped", state.host, state.port, error=reason)
            case events.ConnectionRefused() as refused:
                self._connection_refused(refused)
            case events.LogProblem(identity=identity, message=problem):
                self.notify(
                    f"{shorten(identity, 48)}: {shorten(problem, 300)}",
                    title="Frame log kept in memory only",
                    severity="error",
                    timeout=30,
                    markup=False,
                )
            case events.LogResumed(identity=identity, message=resumed):
                self.notify(
                    f"{shorten(identity, 48)}: {shorten(resumed, 300)}",
                    title="Frame log back on disk",
                    timeout=10,
                    markup=False,
                )
            case events.DecisionNeeded() as needed:
                self._decision_needed(needed)

    def _server_started(self, started: events.ServerStarted) -> None:
        self.server_state = ServerState(
            "listening",
            started.host,
            started.port,
            tuple(started.subprotocols),
            scheme=started.scheme,
            upstream=self.upstream.url if self.upstream is not None else None,
            upstream_note=self.upstream.tls_note() if self.upstream is not None else None,
        )

    def _connection_refused(self, refused: events.ConnectionRefused) -> None:
        # Chargers retry every few seconds; the events panel lists every attempt.
        key = (refused.peer.rsplit(":", 1)[0], refused.path, refused.reason)
        now = self.clock.mono()
        last = self._refusal_toasts.get(key)
        if last is not None and now - last < REFUSAL_TOAST_INTERVAL:
            return
        if len(self._refusal_toasts) > 256:
            self._refusal_toasts.clear()
        self._refusal_toasts[key] = now
        self.notify(
            f"{refused.peer} {shorten(refused.path, 60)}: {shorten(refused.reason, 300)}",
            title="Connection refused",
            severity="warning",
            markup=False,
        )

    def _decision_needed(self, needed: events.DecisionNeeded) -> None:
        identity = needed.identity
        if identity in self._asking:
            return  # the charger booted again while the question is open
        self._asking.add(identity)

        def decided(answer: BootAnswer | None) -> None:
            self._asking.discard(identity)
            if answer is not None:
                self.decide(identity, answer)

        screen = DecisionScreen(identity, needed.vendor, needed.model, needed.peer)
        self.push_screen(screen, decided)

    def decide(self, identity: str, answer: BootAnswer) -> None:
        """Tell the hub how to answer this charger's boots from now on."""
        self.hub.decide(identity, answer)
        self.notify(f"{shorten(identity, 48)}: boot answered {answer.value}", markup=False)

    # ------------------------------------------------------------------ local link

    def attach_link(self, supervisor: LinkSupervisor) -> None:
        """Show the started `supervisor`'s link on the main screen; it is closed on quit."""
        self.link = supervisor
        self._stop_listening_link = supervisor.add_listener(
            lambda status: self.post_message(messages.LinkStatusChanged(status))
        )
        if self.is_running:
            self.post_message(messages.LinkStatusChanged(supervisor.status))
        else:
            self.set_reactive(OcppTuiApp.link_status, supervisor.status)

    async def open_link(self, supervisor: LinkSupervisor) -> None:
        """Close the current local link, then open `supervisor`'s and show it.

        Raises LinkOpenFailed (its message says why and what to do); no link is open then.
        """
        await self.close_link("another link was opened")
        await supervisor.start()
        self.attach_link(supervisor)

    async def close_link(self, reason: str) -> None:
        link, self.link = self.link, None
        if link is None:
            return
        await link.stop(reason)  # its last status ("closed") still reaches the main screen
        if self._stop_listening_link is not None:
            self._stop_listening_link()
            self._stop_listening_link = None

    @on(messages.LinkStatusChanged)
    def _link_status_changed(self, message: messages.LinkStatusChanged) -> None:
        previous, status = self.link_status, message.status
        self.link_status = status
        if previous is None or previous.label != status.label:
            return
        if status.state is LinkState.WAITING and previous.state is LinkState.CONNECTED:
            self.notify(status.text, title="Link lost", severity="warning", markup=False)
        elif status.state is LinkState.CONNECTED and previous.state is LinkState.WAITING:
            self.notify(status.text, title="Link back", markup=False)
        elif status.state is LinkState.GAVE_UP:
            self.notify(status.text, title="Link lost", severity="error", markup=False)

    def open_link_picker(self, kind: str | None = None) -> None:
        """The serial port picker (`"serial"`) or the BLE scan (`"ble"`); by default the one
        of the current link. Each is made once, so its settings and list survive leaving it."""
        if self.link_defaults is None:
            return
        if kind is None:
            is_ble = self.link is not None and self.link.label.startswith("BLE ")
            kind = "ble" if is_ble else (self.pick_link or "serial")
        name = f"{kind}-picker"
        if not self.is_screen_installed(name):
            picker = BlePickerScreen if kind == "ble" else SerialPickerScreen
            self.install_screen(picker(self.link_defaults), name)
        if self.get_screen(name) not in self.screen_stack:
            self.push_screen(name)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is WorkerState.ERROR:
            log.error("worker %s failed", worker.name, exc_info=worker.error)
            self.push_screen(ErrorScreen(f"{worker.name} failed", f"{worker.error!r}"))

    # ------------------------------------------------------------------ navigation

    async def open_charger(self, identity: str) -> None:
        """Show the charger screen of `identity` (on top of the main screen)."""
        charger = self.hub.chargers.get(identity)
        if charger is None:
            self.notify(f"No charger {shorten(identity, 48)}", severity="warning", markup=False)
            return
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        await self.push_screen(ChargerScreen(charger, self.bridge, self.clock, self.refresh_hz))

    @on(ChargerList.ChargerSelected)
    async def _charger_selected(self, message: ChargerList.ChargerSelected) -> None:
        await self.open_charger(message.identity)

    @on(FrameTable.FrameSelected)
    def _frame_selected(self, message: FrameTable.FrameSelected) -> None:
        table = message.table

        def back_to_table(frame: Frame | None) -> None:
            if frame is not None and table.is_attached:
                table.select_frame(frame)

        self.push_screen(FrameInspectorScreen(table.window, message.frame), back_to_table)

    async def open_firmware(self, identity: str) -> None:
        """The firmware upgrade screen of `identity` (its running upgrade, if any)."""
        charger = self.hub.chargers.get(identity)
        if charger is not None and not isinstance(self.screen, FirmwareScreen):
            await self.push_screen(FirmwareScreen(charger, self.transfers, self.bridge, self.clock))

    async def open_diagnostics(self, identity: str) -> None:
        """The diagnostics screen of `identity` (its running request, if any)."""
        charger = self.hub.chargers.get(identity)
        if charger is not None and not isinstance(self.screen, DiagnosticsScreen):
            await self.push_screen(
                DiagnosticsScreen(charger, self.transfers, self.bridge, self.clock)
            )

    def action_connect_help(self) -> None:
        """The URL for the charger as text and QR code, and what to check."""
        if not isinstance(self.screen, ConnectScreen):
            self.push_screen(ConnectScreen(self.server_state))

    async def open_connections(self) -> None:
        """Every connection attempt, accepted or refused."""
        if not isinstance(self.screen, ConnectionsScreen):
            await self.push_screen(ConnectionsScreen(self.hub, self.bridge))

    async def open_commissioning(self, identity: str) -> None:
        """The commissioning checklist and report of `identity`."""
        charger = self.hub.chargers.get(identity)
        if charger is None or isinstance(self.screen, CommissioningScreen):
            return
        form = self.commissioning_forms.setdefault(identity, CommissioningForm())
        await self.push_screen(
            CommissioningScreen(charger, self.hub, self.bridge, self.paths, self.clock, form)
        )

    async def action_commissioning(self) -> None:
        identity = getattr(self.screen, "identity", None)
        if isinstance(identity, str):
            await self.open_commissioning(identity)

    def open_log(self, path: Path, protocol: OcppVersion | None = None) -> None:
        """Show a saved frame log (ours or another tool's) in the frame viewer."""
        try:
            screen = open_log_screen(path, protocol=protocol, refresh_hz=self.refresh_hz)
        except LogFileError as exc:
            self.notify(str(exc), title="Cannot open the log", severity="error", markup=False)
            return
        self.push_screen(screen)

    def action_open_log(self) -> None:
        """Ask which saved log to open, then show it."""

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.open_log(path)

        self.push_screen(OpenLogScreen(self.hub.sessions_dir or self.paths.sessions_dir), chosen)

    # ------------------------------------------------------------------ settings

    @property
    def settings_path(self) -> Path:
        """The settings file this run reads (`--settings FILE`, or the one in the config dir)."""
        return self.settings.source or self.paths.settings_file

    def action_settings(self) -> None:
        """Show and edit the settings file."""
        if not isinstance(self.screen, SettingsScreen):
            self.push_screen(
                SettingsScreen(
                    self.settings_path, self.settings, self.available_themes, self.apply_settings
                )
            )

    def apply_settings(self, saved: SavedSettings) -> None:
        """Put the saved settings that apply at once into effect (the rest wait for a restart)."""
        for config in {id(c): c for c in (self.hub.config, self.settings.csms)}.values():
            apply_live(saved, config)
        if any(field.name == "ui.theme" for field in saved.applied_now):
            self.settings.ui.theme = saved.settings.ui.theme
            self._apply_theme(saved.settings.ui.theme)

    def _theme_changed(self, theme: Theme) -> None:
        """A theme picked in the palette is kept for the next start ([ui] theme)."""
        if theme.name == self.settings.ui.theme:
            return
        self.settings.ui.theme = theme.name
        theme_field = next(field for field in FIELDS if field.name == "ui.theme")
        try:
            save_settings(self.settings_path, {theme_field: theme.name})
        except (SettingsError, OSError) as exc:
            self.notify(
                f"The theme is not saved for next time: {exc}",
                severity="warning",
                markup=False,
            )

    def help_sections(self) -> HelpSections:
        return [
            ("Everywhere", [*self.BINDINGS, Binding("ctrl+p", "", "Palette", tooltip="Commands")]),
            (
                "Main screen",
                [*MainScreen.BINDINGS, *ChargerList.BINDINGS],
            ),
            ("Charger screen", ChargerScreen.BINDINGS),
            *charger_tab_sections(),
            ("Frame log (main and charger screens)", FrameTable.BINDINGS),
            ("Frame inspector", FrameInspectorScreen.BINDINGS),
            (
                "Serial port picker (ocpp-tui serial; k on the main screen)",
                [*SerialPortTable.BINDINGS, *SerialPickerScreen.BINDINGS],
            ),
            (
                "Bluetooth LE picker (ocpp-tui ble; k on the main screen)",
                [*BleDeviceTable.BINDINGS, *BlePickerScreen.BINDINGS],
            ),
            ("Firmware upgrade (u on a charger screen)", FirmwareScreen.BINDINGS),
            ("Diagnostics (g on a charger screen)", DiagnosticsScreen.BINDINGS),
            ("Received file viewer", FileViewerScreen.BINDINGS),
            ("Connect a charger (w on the main screen)", ConnectScreen.BINDINGS),
            ("Connection attempts (n on the main screen)", ConnectionsScreen.BINDINGS),
            ("Commissioning (k on a charger screen)", CommissioningScreen.BINDINGS),
            ("Saved frame log (o on the main screen)", LogViewerScreen.BINDINGS),
            ("Settings (s on the main screen)", SettingsScreen.BINDINGS),
            ("Site board (b on the main screen)", [*SiteBoardScreen.BINDINGS, *SiteTable.BINDINGS]),
        ]

    def help_notes(self) -> list[tuple[str, list[str]]]:
        """Text sections after the keys: what to check when a charger does not connect."""
        state = self.server_state
        if state.phase != "listening":
            state = ServerState(
                "listening", self.host, self.port, tuple(self.hub.config.subprotocols)
            )
        return [("A charger does not connect? Check (w on the main screen)", tips(state))]

    def action_run_playbook(self) -> None:
        """Open the playbook runner; from a charger screen it runs against that charger."""
        screen = self.screen
        identity = screen.identity if isinstance(screen, ChargerScreen) else None
        self.push_screen(PlaybookRunScreen(self.hub, self.paths, self.settings, identity=identity))

    def action_site_board(self) -> None:
        """The board of the open site sheet, or pick a sheet first."""
        open_site_board(self)

    def action_help(self) -> None:
        """Show help; on the help screen, close it (F1 toggles)."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        # One help screen, kept: building and laying out its ~200 lines took ~0.15 s of CPU
        # per `?`, the whole of the key's answer under load; shown again it costs ~0.02 s.
        # It is built anew when what it says about the server changed.
        notes = self.help_notes()
        if self.is_screen_installed("help"):
            if self.get_screen("help") in self.screen_stack:
                return  # under another modal: that one closes first
            if notes != self._help_notes:
                self.uninstall_screen("help")
        if not self.is_screen_installed("help"):
            self._help_notes = notes
            self.install_screen(HelpScreen(self.help_sections(), notes), "help")
        self.push_screen("help")

    async def action_quit(self) -> None:
        """Quit; first ask when that would stop watching a firmware upgrade or log upload."""
        running = self.transfers.active_runs
        if not running or isinstance(self.screen, ConfirmScreen):
            self.exit()
            return
        names = ", ".join(f"{run.kind} of {shorten(run.identity, 32)}" for run in running)

        def answered(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self.exit()

        question = (
            f"Still running: {names}. Quitting stops the file server: a charger still "
            "downloading will fail, and you will not see how it ends. Quit anyway?"
        )
        self.push_screen(ConfirmScreen("Transfers running", question, "Quit", "Stay"), answered)


#: The app as the CLI runs it: `make_app(...).run()`; tests use `run_test()`. It is the class
#: itself, so its options are written once, in `OcppTuiApp.__init__`.
make_app = OcppTuiApp
