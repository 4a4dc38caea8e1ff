"""Pull a charger's diagnostics or log onto the laptop (1.6 GetDiagnostics, 2.x GetLog).

The form picks the protocol the charger uploads with, an optional time window and, for
GetLog, the log type. The live view shows the upload URL, the firewall ports, the bytes
arriving, the timeline, and the received file with its path, size and SHA-256; `o` opens a
read-only viewer and `c` copies the path. What it shares with the firmware screen lives in
`transfer_screen`.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

from ocpptui.app.file_transfers import DiagnosticsOptions, TransferRun, byte_size, parse_moment
from ocpptui.services.diagnostics import DiagnosticsRequest, ReceivedFile
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.transfers.file_viewer_screen import FileViewerScreen
from ocpptui.ui.transfers.transfer_live import LABEL_WIDTH, labelled
from ocpptui.ui.transfers.transfer_options import form_input, form_row
from ocpptui.ui.transfers.transfer_screen import TransferScreen, transfer_screen_css

LOG_TYPES = ("DiagnosticsLog", "SecurityLog")


class DiagnosticsScreen(TransferScreen[DiagnosticsRequest, DiagnosticsOptions]):
    """The diagnostics form, then the live upload and the received file."""

    KIND = "diagnostics"
    JOB_TYPE = DiagnosticsRequest
    PREFIX = "dg"
    HEADING = "Diagnostics"
    RUN_NAME = "diagnostics"
    FORM_FOCUS = "#dg-start"
    URL_LABEL = "Upload URL"
    URL_KEY = "u"
    URL_COPIED = "Upload URL copied to the clipboard"
    STOPPED = "Stopped waiting; the upload URL is closed"

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

    DEFAULT_CSS = (
        transfer_screen_css("DiagnosticsScreen", "dg")
        + """
    DiagnosticsScreen {
        & #dg-form .form-label-inline { width: auto; color: $text-muted; padding: 0 1 0 2; }
        & #dg-form Input { width: 24; }
        & #dg-form RadioSet { layout: horizontal; width: auto; height: 1; }
        & #dg-form RadioSet > RadioButton { width: auto; margin-right: 2; }
        & #dg-log-note, & #dg-location-note {
            height: auto;
            margin-left: 16;
            color: $text-muted;
        }
    }
    """
    )

    def compose_form(self) -> ComposeResult:
        yield self.transfer_options()
        log_types = (
            RadioButton(log_type, value=index == 0, id=f"log-{log_type}", compact=True)
            for index, log_type in enumerate(LOG_TYPES)
        )
        yield form_row("Log type", RadioSet(*log_types, id="dg-log-type", compact=True))
        yield Static(self._log_note(), id="dg-log-note", markup=False)
        yield form_row(
            "Upload URL",
            RadioSet(
                RadioButton("folder", value=True, id="location-folder", compact=True),
                RadioButton("file", id="location-file", compact=True),
                id="dg-location",
                compact=True,
            ),
        )
        yield Static(
            "folder: …/<token>/, the charger adds its file name (most do); "
            "file: a full file URL, for chargers that upload to the URL as given",
            id="dg-location-note",
            markup=False,
        )
        yield form_row(
            "From",
            form_input(
                "dg-from",
                "oldest",
                "Oldest entries: -2h (two hours ago), 14:30 or 2026-11-25T14:30",
            ),
            Label("To", classes="form-label-inline"),
            form_input("dg-to", "newest", "Newest entries: now, 14:30 or 2026-11-25T14:30"),
        )
        yield Button("Request the log", variant="primary", compact=True, id="dg-start")

    def _log_note(self) -> str:
        session = self.charger.session
        if session is not None and session.version.is_2x:
            return "GetLog with the log type"
        return "1.6: DiagnosticsLog sends GetDiagnostics; SecurityLog sends GetLog (security ext.)"

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

    def _transfer(self, run: TransferRun, request: DiagnosticsOptions) -> Coroutine[Any, Any, None]:
        return self.transfers.run_diagnostics(run, request)

    # ------------------------------------------------------------------ live view

    def _received(self) -> ReceivedFile | None:
        job = self.job
        return job.received if job is not None else None

    def _sent_url(self, job: DiagnosticsRequest) -> str | None:
        return job.location

    def _url_copyable(self) -> bool:
        # Once the file is in, `c` copies its path and the URL is of no more use.
        return self._received() is None and super()._url_copyable()

    def _total(self, job: DiagnosticsRequest) -> int | None:
        return job.received.size if job.received is not None else None

    def _waiting(self, job: DiagnosticsRequest) -> str:
        status = job.last_status or "no status yet"
        return f"waiting for the upload (last status: {status})"

    def _job_lines(self, job: DiagnosticsRequest) -> list[Content]:
        request = job.action or "…"
        if job.action == "GetLog":
            request += f" {job.log_type}"
        announced = job.announced_file_name
        received_name = job.received.path.name if job.received is not None else None
        if announced and announced != received_name:
            request += f" → file {shorten(announced, 36)}"
        lines = [labelled("Request", request)]
        received = job.received
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

    def action_open_file(self) -> None:
        received = self._received()
        if received is not None:
            self.app.push_screen(FileViewerScreen(received.path))

    def action_copy_path(self) -> None:
        received = self._received()
        if received is not None:
            self.app.copy_to_clipboard(str(received.path))
            self.notify("Path copied to the clipboard")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open_file", "copy_path"):
            return self.is_mounted and self.showing_live and self._received() is not None
        return super().check_action(action, parameters)
