"""Pull a charger's diagnostics or log onto the laptop (1.6 GetDiagnostics, 2.x GetLog).

The form picks the protocol the charger uploads with, an optional time window and, for
GetLog, the log type. The live view shows the upload URL, the firewall ports, the bytes
arriving, the timeline, and the received file with its path, size and SHA-256; `o` opens a
read-only viewer and `c` copies the path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    Button,
    ContentSwitcher,
    Input,
    Label,
    RadioButton,
    RadioSet,
    Static,
)

from ocpptui import messages
from ocpptui.bridge import HubBridge
from ocpptui.core.clock import Clock
from ocpptui.core.hub import Charger
from ocpptui.core.session import CallFailed
from ocpptui.file_transfers import (
    DiagnosticsOptions,
    FileTransfers,
    TransferRun,
    address_choices,
    available_schemes,
    best_address,
    byte_size,
    firewall_text,
    listed_protocols,
    parse_moment,
    read_protocols,
)
from ocpptui.screens.file_viewer import FileViewerScreen
from ocpptui.services.diagnostics import DiagnosticsRequest
from ocpptui.services.firmware import Progress
from ocpptui.widgets.display_text import shorten
from ocpptui.widgets.key_footer import KeyFooter
from ocpptui.widgets.transfer_live import LABEL_WIDTH, TransferLive, labelled, shown_url
from ocpptui.widgets.transfer_options import TransferOptions

if TYPE_CHECKING:
    from ocpptui.app import OcppTuiApp

LOG_TYPES = ("DiagnosticsLog", "SecurityLog")


class DiagnosticsScreen(Screen[None]):
    """The diagnostics form, then the live upload and the received file."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the charger", id="diagnostics.back"),
        Binding(
            "ctrl+s",
            "start",
            "Start",
            tooltip="Send GetDiagnostics / GetLog with an upload URL on this laptop",
            id="diagnostics.start",
        ),
        Binding(
            "o",
            "open_file",
            "View file",
            tooltip="Look at the received file",
            id="diagnostics.view",
        ),
        Binding(
            "c",
            "copy_path",
            "Copy path",
            tooltip="Copy the received file's path",
            id="diagnostics.copy_path",
        ),
        Binding(
            "u",
            "copy_url",
            "Copy URL",
            tooltip="Copy the upload URL sent to the charger",
            id="diagnostics.copy_url",
        ),
        Binding(
            "x",
            "stop",
            "Stop",
            tooltip="Stop waiting and close the upload URL (the charger is not told)",
            id="diagnostics.stop",
        ),
        Binding("n", "new", "New request", tooltip="Back to the form", id="diagnostics.new"),
    ]

    DEFAULT_CSS = """
    DiagnosticsScreen {
        layout: vertical;
        & > #dg-title { height: 1; padding: 0 1; background: $panel; }
        & > ContentSwitcher { height: 1fr; }
        & #dg-form { padding: 0 1; }
        & #dg-form > .form-row { height: 1; margin-top: 1; }
        & #dg-form .form-label { width: 16; color: $text-muted; }
        & #dg-form .form-label-inline { width: auto; color: $text-muted; padding: 0 1 0 2; }
        & #dg-form Input { width: 24; }
        & #dg-form RadioSet { layout: horizontal; width: auto; height: 1; }
        & #dg-form RadioSet > RadioButton { width: auto; margin-right: 2; }
        & #dg-log-note, & #dg-location-note {
            height: auto;
            margin-left: 16;
            color: $text-muted;
        }
        & #dg-form > #dg-start { margin: 1 0 1 16; }
    }
    """

    class ProtocolsRead(Message):
        def __init__(self, listed: list[str] | None) -> None:
            super().__init__()
            self.listed = listed

    def __init__(
        self, charger: Charger, transfers: FileTransfers, bridge: HubBridge, clock: Clock
    ) -> None:
        super().__init__()
        self.charger = charger
        self.transfers = transfers
        self.bridge = bridge
        self.clock = clock
        self.run: TransferRun | None = transfers.run_for("diagnostics", charger.identity)
        self._unwatch: Callable[[], None] | None = None
        self._remove_target: Callable[[], None] | None = None

    @property
    def identity(self) -> str:
        return self.charger.identity

    def compose(self) -> ComposeResult:
        yield Static(id="dg-title", markup=False)
        session = self.charger.session
        listed = listed_protocols(session)
        available = available_schemes(self.transfers.server, self.transfers.settings)
        addresses = address_choices()
        peer = session.transport.info.peer if session is not None else None
        default_address = best_address(peer, addresses, self.transfers.settings.advertise_host)
        with ContentSwitcher(initial="dg-live" if self.run else "dg-form"):
            with VerticalScroll(id="dg-form"):
                yield TransferOptions(
                    listed, available, addresses, default_address, id="dg-options"
                )
                with Horizontal(classes="form-row"):
                    yield Label("Log type", classes="form-label")
                    with RadioSet(id="dg-log-type", compact=True):
                        for index, log_type in enumerate(LOG_TYPES):
                            yield RadioButton(
                                log_type, value=index == 0, id=f"log-{log_type}", compact=True
                            )
                yield Static(self._log_note(), id="dg-log-note", markup=False)
                with Horizontal(classes="form-row"):
                    yield Label("Upload URL", classes="form-label")
                    with RadioSet(id="dg-location", compact=True):
                        yield RadioButton("folder", value=True, id="location-folder", compact=True)
                        yield RadioButton("file", id="location-file", compact=True)
                yield Static(
                    "folder: …/<token>/, the charger adds its file name (most do); "
                    "file: a full file URL, for chargers that upload to the URL as given",
                    id="dg-location-note",
                    markup=False,
                )
                with Horizontal(classes="form-row"):
                    yield Label("From", classes="form-label")
                    yield Input(
                        placeholder="oldest",
                        compact=True,
                        id="dg-from",
                        tooltip="Oldest entries: -2h (two hours ago), 14:30 or 2026-11-25T14:30",
                    )
                    yield Label("To", classes="form-label-inline")
                    yield Input(
                        placeholder="newest",
                        compact=True,
                        id="dg-to",
                        tooltip="Newest entries: now, 14:30 or 2026-11-25T14:30",
                    )
                yield Button("Request the log", variant="primary", compact=True, id="dg-start")
            yield TransferLive(id="dg-live")
        yield KeyFooter(show_command_palette=False)

    def _log_note(self) -> str:
        session = self.charger.session
        if session is not None and session.version.is_2x:
            return "GetLog with the log type"
        return "1.6: DiagnosticsLog sends GetDiagnostics; SecurityLog sends GetLog (security ext.)"

    @property
    def options(self) -> TransferOptions:
        return self.query_one("#dg-options", TransferOptions)

    @property
    def live(self) -> TransferLive:
        return self.query_one("#dg-live", TransferLive)

    @property
    def showing_live(self) -> bool:
        switchers = self.query(ContentSwitcher)
        return bool(switchers) and switchers.first().current == "dg-live"

    def on_mount(self) -> None:
        self._remove_target = self.bridge.add_target(self)
        self._show_title()
        if self.run is not None:
            self._unwatch = self.run.watch(self)
            self._repaint()
        else:
            self.query_one("#dg-start", Button).focus()
        session = self.charger.session
        if (
            session is not None
            and session.connected
            and listed_protocols(session) is None
            and self.run is None
        ):
            self._read_protocols()

    def on_unmount(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
        if self._remove_target is not None:
            self._remove_target()

    def _show_title(self) -> None:
        charger = self.charger
        session = charger.session
        parts: list[tuple[str, str] | str] = [
            ("Diagnostics  ", "bold"),
            (shorten(charger.identity, 40), "bold $text-primary"),
        ]
        if session is not None:
            parts.append(f"  OCPP {session.version.value}")
        if charger.connected:
            parts.append(("  ● connected", "$text-success"))
        else:
            parts.append(("  ○ disconnected", "$text-warning"))
        self.query_one("#dg-title", Static).update(Content.assemble(*parts))

    @on(messages.ChargerConnected)
    @on(messages.ChargerDisconnected)
    @on(messages.ChargerChanged)
    def _charger_changed(
        self,
        message: messages.ChargerConnected | messages.ChargerDisconnected | messages.ChargerChanged,
    ) -> None:
        if message.identity == self.identity:
            self._show_title()
            self.refresh_bindings()

    # ------------------------------------------------------------------ protocols

    @work(exclusive=True, group="diagnostics-protocols", exit_on_error=False)
    async def _read_protocols(self) -> None:
        session = self.charger.session
        if session is None:
            return
        try:
            listed = await read_protocols(session)
        except CallFailed:
            return
        self.post_message(self.ProtocolsRead(listed))

    @on(ProtocolsRead)
    def _protocols_read(self, message: ProtocolsRead) -> None:
        if message.listed is not None:
            self.options.set_listed(message.listed)

    # ------------------------------------------------------------------ start

    def _log_type(self) -> str:
        pressed = self.query_one("#dg-log-type", RadioSet).pressed_button
        return (
            (pressed.id or "log-DiagnosticsLog").removeprefix("log-") if pressed else LOG_TYPES[0]
        )

    def _location_form(self) -> str:
        pressed = self.query_one("#dg-location", RadioSet).pressed_button
        return "file" if pressed is not None and pressed.id == "location-file" else "folder"

    def _request(self) -> DiagnosticsOptions:
        now = self.clock.now()
        start = parse_moment(self.query_one("#dg-from", Input).value, now)
        stop = parse_moment(self.query_one("#dg-to", Input).value, now)
        if start is not None and stop is not None and stop <= start:
            raise ValueError("'To' must be after 'From'")
        options = self.options
        return DiagnosticsOptions(
            scheme=options.scheme,
            advertise_host=options.advertise_host,
            log_type=self._log_type(),
            start_time=start,
            stop_time=stop,
            retries=options.retries,
            retry_interval=options.retry_interval,
            location_form=self._location_form(),
        )

    @on(Button.Pressed, "#dg-start")
    def _start_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_start()

    def action_start(self) -> None:
        if not self.charger.connected:
            self.notify("The charger is not connected", severity="warning")
            return
        try:
            request = self._request()
        except ValueError as exc:
            self.notify(str(exc), title="Cannot start", severity="error", markup=False)
            return
        app = cast("OcppTuiApp", self.app)
        if self._unwatch is not None:
            self._unwatch()
        run = self.transfers.new_run("diagnostics", self.identity)
        self.run = run
        self._unwatch = run.watch(self)
        run.worker = app.run_worker(
            self.transfers.run_diagnostics(run, request),
            group="transfers",
            name=f"diagnostics of {self.identity}",
            exit_on_error=False,
        )
        self.live.reset()
        self.query_one(ContentSwitcher).current = "dg-live"
        self.live.timeline.focus()
        self._repaint()

    # ------------------------------------------------------------------ live view

    @on(messages.TransferChanged)
    def _transfer_changed(self, message: messages.TransferChanged) -> None:
        if message.run is self.run:
            self._repaint()

    @property
    def job(self) -> DiagnosticsRequest | None:
        job = self.run.job if self.run is not None else None
        return job if isinstance(job, DiagnosticsRequest) else None

    def _repaint(self) -> None:
        run = self.run
        if run is None:
            return
        job = self.job
        head = self._head(run, job)
        if job is None:
            self.live.show(run, head, Progress(), None, None, "starting the file server…")
        else:
            status = job.last_status or "no status yet"
            waiting = f"waiting for the upload (last status: {status})"
            total = job.received.size if job.received is not None else None
            self.live.show(run, head, job.progress, total, job.verdict, waiting)
        self.refresh_bindings()

    def _head(self, run: TransferRun, job: DiagnosticsRequest | None) -> list[Content]:
        scheme = job.scheme if job is not None else "http"
        server = self.transfers.server
        where = f" on {server.advertise_host}" if server is not None else ""
        location = job.location if job is not None else None
        lines = [
            labelled("Upload URL", shown_url(location, "u"), "bold" if location else "$text-muted"),
            labelled(
                "Firewall",
                f"allow inbound {firewall_text(run.ports, scheme, self.transfers.settings)}{where}",
            ),
        ]
        if job is not None:
            request = job.action or "…"
            if job.action == "GetLog":
                request += f" {job.log_type}"
            announced = job.announced_file_name
            received_name = job.received.path.name if job.received is not None else None
            if announced and announced != received_name:
                request += f" → file {shorten(announced, 36)}"
            lines.append(labelled("Request", request))
        received = job.received if job is not None else None
        if received is not None:
            size = f"{byte_size(received.size)} ({received.size:,} bytes)"
            lines.append(labelled("Received", f"{shorten(received.path.name, 60)}  {size}", "bold"))
            lines.append(labelled("Folder", str(received.path.parent)))
            lines.append(labelled("SHA-256", received.sha256))
            lines.append(
                Content.styled(
                    f"{'':<{LABEL_WIDTH}}o views the file · c copies its path", "$text-muted"
                )
            )
        return lines

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        self.dismiss(None)

    def action_open_file(self) -> None:
        job = self.job
        if job is not None and job.received is not None:
            self.app.push_screen(FileViewerScreen(job.received.path))

    def action_copy_path(self) -> None:
        job = self.job
        if job is not None and job.received is not None:
            self.app.copy_to_clipboard(str(job.received.path))
            self.notify("Path copied to the clipboard")

    def action_copy_url(self) -> None:
        job = self.job
        if job is not None and job.location:
            self.app.copy_to_clipboard(job.location)
            self.notify("Upload URL copied to the clipboard")

    def action_stop(self) -> None:
        if self.run is not None and not self.run.finished:
            self.run.stop()
            self.notify("Stopped waiting; the upload URL is closed")

    def action_new(self) -> None:
        self.query_one(ContentSwitcher).current = "dg-form"
        self.query_one("#dg-start", Button).focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        live = self.is_mounted and self.showing_live
        running = self.run is not None and not self.run.finished
        received = self.job is not None and self.job.received is not None
        if action == "start":
            if live:
                return False
            return True if self.charger.connected else None
        if action in ("open_file", "copy_path"):
            return live and received
        if action == "copy_url":
            return live and not received and self.job is not None and bool(self.job.location)
        if action == "stop":
            return live and running
        if action == "new":
            return live and not running
        return True
