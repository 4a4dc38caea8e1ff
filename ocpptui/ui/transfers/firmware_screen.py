"""Upgrade a charger's firmware from a file on the laptop, and watch it happen.

The form picks the image (hashed in a thread), the protocol the charger will fetch it with,
when and how often to try, and for signed updates the certificate and signature. Start
switches to the live view: the URL sent, the firewall ports, the real download progress from
the laptop's file server, the timeline and the verdict with the versions before and after.
What it shares with the diagnostics screen lives in `transfer_screen`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Input, Static
from textual.worker import get_current_worker

from ocpptui.app.bridge import HubBridge
from ocpptui.app.file_transfers import (
    FileTransfers,
    FirmwareRequest,
    TransferRun,
    byte_size,
    parse_count,
    parse_moment,
)
from ocpptui.core.clock import Clock
from ocpptui.core.hub import Charger
from ocpptui.services.firmware import FirmwareUpdate, Phase
from ocpptui.ui.common.display_text import shorten
from ocpptui.ui.files.file_paths import typed_path
from ocpptui.ui.files.file_picker_screen import FilePickerScreen, default_folder
from ocpptui.ui.transfers.transfer_live import labelled
from ocpptui.ui.transfers.transfer_options import form_input, form_row
from ocpptui.ui.transfers.transfer_screen import TitlePart, TransferScreen, transfer_screen_css

#: Wait before hashing what is being typed, so a path is not hashed at every keystroke.
HASH_DELAY = 0.3

WAITING = {
    Phase.PREPARING: "offering the file and sending the request…",
    Phase.SENT: "the charger accepted the request; waiting for it to fetch the file",
    Phase.DOWNLOADING: "the charger is downloading the image",
    Phase.DOWNLOADED: "downloaded; waiting for the charger to install it",
    Phase.INSTALLING: "the charger is installing the image",
    Phase.REBOOTING: "the charger is rebooting onto the new image",
    Phase.INSTALLED: "installed; waiting for the charger to boot and report its version",
    Phase.BOOTED: "booted",
    Phase.FAILED: "failed",
}


@dataclass(frozen=True, slots=True)
class HashedFile:
    path: Path
    size: int
    sha256: str


class FirmwareScreen(TransferScreen[FirmwareUpdate, FirmwareRequest]):
    """The firmware form, then the live upgrade of one charger."""

    KIND = "firmware"
    JOB_TYPE = FirmwareUpdate
    PREFIX = "fw"
    HEADING = "Firmware upgrade"
    RUN_NAME = "firmware upgrade"
    FORM_FOCUS = "#fw-path"
    FORM_ACTIONS = ("browse", "start")
    URL_LABEL = "URL sent"
    URL_KEY = "c"
    URL_COPIED = "URL copied to the clipboard"
    STOPPED = "Stopped watching; the file is no longer offered"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the charger", id="firmware.back"),
        Binding(
            "ctrl+o",
            "browse",
            "Browse",
            tooltip="Pick the image from a folder tree",
            id="firmware.browse",
        ),
        Binding(
            "ctrl+s",
            "start",
            "Start",
            tooltip="Offer the file and send UpdateFirmware",
            id="firmware.start",
        ),
        Binding("c", "copy_url", "Copy URL", tooltip="Copy the URL sent", id="firmware.copy_url"),
        Binding(
            "x",
            "stop",
            "Stop",
            tooltip="Stop watching and withdraw the file (the charger is not told)",
            id="firmware.stop",
        ),
        Binding(
            "n", "new", "New upgrade", tooltip="Back to the form for another try", id="firmware.new"
        ),
    ]

    DEFAULT_CSS = (
        transfer_screen_css("FirmwareScreen", "fw")
        + """
    FirmwareScreen {
        & #fw-form Input { width: 1fr; }
        & #fw-form > .form-row > Button { margin-left: 1; }
        & #fw-file-info { height: auto; margin-left: 16; }
        & #fw-signed-note { height: auto; margin-left: 16; color: $text-muted; }
    }
    """
    )

    class FileHashed(Message):
        def __init__(self, text: str, hashed: HashedFile) -> None:
            super().__init__()
            self.text = text
            self.hashed = hashed

    class FileUnusable(Message):
        def __init__(self, text: str, reason: str) -> None:
            super().__init__()
            self.text = text
            self.reason = reason

    def __init__(
        self, charger: Charger, transfers: FileTransfers, bridge: HubBridge, clock: Clock
    ) -> None:
        super().__init__(charger, transfers, bridge, clock)
        self.hashed: HashedFile | None = None
        self._hash_timer: Timer | None = None

    # ------------------------------------------------------------------ layout

    def compose_form(self) -> ComposeResult:
        yield form_row(
            "Image file",
            form_input("fw-path", "path of the firmware image (ctrl+o to browse)"),
            Button("Browse…", compact=True, id="fw-browse"),
        )
        info = Static(id="fw-file-info", markup=False)
        info.display = False
        yield info
        yield self.transfer_options()
        yield form_row(
            "Retrieve at",
            form_input("fw-retrieve", "now", "now, +15m, 14:30 or 2026-11-25T14:30 (local time)"),
        )
        yield form_row(
            "Request id",
            form_input(
                "fw-request-id",
                "automatic",
                "requestId of a 2.x or signed update (blank: a fresh one)",
                integer=True,
            ),
        )
        yield form_row(
            "Signing cert",
            form_input("fw-certificate", "PEM file of the signing certificate (optional)"),
        )
        yield form_row(
            "Signature", form_input("fw-signature", "base64 signature of the image (optional)")
        )
        yield Static(self._signed_note(), id="fw-signed-note", markup=False)
        yield Button("Start upgrade", variant="primary", compact=True, id="fw-start")

    def _signed_note(self) -> str:
        session = self.charger.session
        if session is not None and session.version.is_2x:
            return "2.x: certificate and signature go into UpdateFirmware when given"
        return "1.6: a certificate or signature sends SignedUpdateFirmware (security extension)"

    def _title_details(self) -> list[TitlePart]:
        state = self.charger.state
        return [f"  running {shorten(state.firmware, 30)}"] if state is not None else []

    # ------------------------------------------------------------------ the file

    @on(Input.Changed, "#fw-path")
    def _path_changed(self, event: Input.Changed) -> None:
        self.hashed = None
        if self._hash_timer is not None:
            self._hash_timer.stop()
        text = event.value.strip()
        if not text:
            self._show_file_info(None)
            return
        self._show_file_info(Content.styled("reading…", "$text-muted"))
        self._hash_timer = self.set_timer(HASH_DELAY, lambda: self._hash_file(text))

    @on(Input.Submitted, "#fw-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        if self._hash_timer is not None:
            self._hash_timer.stop()
        if event.value.strip():
            self._hash_file(event.value.strip())

    @work(thread=True, exclusive=True, group="firmware-hash", exit_on_error=False)
    def _hash_file(self, text: str) -> None:
        """Size and SHA-256 of the typed file, read in blocks (cancelled by a newer path)."""
        worker = get_current_worker()
        path = typed_path(text)
        try:
            if not path.is_file():
                reason = "is a folder" if path.is_dir() else "no such file"
                self.post_message(self.FileUnusable(text, reason))
                return
            digest = hashlib.sha256()
            size = 0
            with path.open("rb") as handle:
                while block := handle.read(1 << 20):
                    if worker.is_cancelled:
                        return
                    digest.update(block)
                    size += len(block)
        except OSError as exc:
            self.post_message(self.FileUnusable(text, exc.strerror or str(exc)))
            return
        self.post_message(
            self.FileHashed(text, HashedFile(path.resolve(), size, digest.hexdigest()))
        )

    def _current_path_text(self) -> str:
        return self.query_one("#fw-path", Input).value.strip()

    def _show_file_info(self, content: Content | None) -> None:
        info = self.query_one("#fw-file-info", Static)
        info.update(content or "")
        info.display = content is not None

    @on(FileHashed)
    def _file_hashed(self, message: FileHashed) -> None:
        if message.text != self._current_path_text():
            return  # the technician typed on
        self.hashed = message.hashed
        size = message.hashed.size
        # A SHA-256 is 64 characters: below 84 columns it starts under the labels.
        wide = self.size.width >= 84
        self._show_file_info(
            Content.assemble(
                ("" if wide else " " * 16, ""),
                (f"{byte_size(size)} ({size:,} bytes)", "$text-success"),
                "\n",
                ("SHA-256 " if wide else "SHA-256  ", "$text-muted"),
                (message.hashed.sha256, ""),
            )
        )
        self.query_one("#fw-file-info", Static).styles.margin = (0, 0, 0, 16 if wide else 0)
        self.refresh_bindings()

    @on(FileUnusable)
    def _file_unusable(self, message: FileUnusable) -> None:
        if message.text != self._current_path_text():
            return
        self._show_file_info(Content.styled(f"✖ {shorten(message.reason, 200)}", "$text-error"))

    @on(Button.Pressed, "#fw-browse")
    def _browse_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_browse()

    def action_browse(self) -> None:
        def picked(path: Path | None) -> None:
            if path is not None:
                field = self.query_one("#fw-path", Input)
                field.value = str(path)
                field.focus()

        start = default_folder(self._current_path_text())
        self.app.push_screen(FilePickerScreen("Firmware image", start), picked)

    # ------------------------------------------------------------------ start

    def _request(self) -> FirmwareRequest:
        """The form as a request; raises ValueError naming the field to fix."""
        if self.hashed is None:
            text = self._current_path_text()
            raise ValueError("choose the image file first" if not text else f"no file {text}")
        options = self.options
        retrieve = parse_moment(self.query_one("#fw-retrieve", Input).value, self.clock.now())
        request_id = parse_count(self.query_one("#fw-request-id", Input).value, "Request id")
        certificate_text = self.query_one("#fw-certificate", Input).value.strip()
        certificate = Path(certificate_text).expanduser() if certificate_text else None
        if certificate is not None and not certificate.is_file():
            raise ValueError(f"no certificate file {certificate_text}")
        signature = self.query_one("#fw-signature", Input).value.strip() or None
        return FirmwareRequest(
            path=self.hashed.path,
            scheme=options.scheme,
            advertise_host=options.advertise_host,
            retrieve_date=retrieve,
            retries=options.retries,
            retry_interval=options.retry_interval,
            request_id=request_id,
            signing_certificate_file=certificate,
            signature=signature,
        )

    def _transfer(self, run: TransferRun, request: FirmwareRequest) -> Coroutine[Any, Any, None]:
        return self.transfers.run_firmware(run, request)

    # ------------------------------------------------------------------ live view

    def _sent_url(self, job: FirmwareUpdate) -> str | None:
        return job.url

    def _total(self, job: FirmwareUpdate) -> int | None:
        return job.progress.total or (job.offer.size if job.offer else None)

    def _waiting(self, job: FirmwareUpdate) -> str:
        # The phase follows the file server too (a download moves it on without a status), so
        # the line never asks for a fetch the file server has already seen.
        waiting = f"waiting: {WAITING.get(job.phase, job.phase.value)}"
        if job.phase is Phase.SENT and job.requests:
            waiting = "waiting: the charger asked for the file but did not get it (see below)"
        state = self.charger.state
        active = len(state.active_transactions) if state is not None else 0
        if job.phase in (Phase.DOWNLOADED, Phase.SENT, Phase.DOWNLOADING) and active:
            waiting += (
                f" — {active} transaction(s) running: most chargers install only once they end"
            )
        return waiting

    def _job_lines(self, job: FirmwareUpdate) -> list[Content]:
        lines: list[Content] = []
        if job.offer is not None:
            offer = job.offer
            lines.append(
                labelled("Image", f"{shorten(offer.file_name, 40)} · {byte_size(offer.size)}")
            )
            lines.append(labelled("SHA-256", offer.sha256))
        before = shorten(job.before_version, 30, placeholder="?")
        after = shorten(job.after_version, 30, placeholder="?")
        status = f"   last status {shorten(job.last_status, 30)}" if job.last_status else ""
        lines.append(labelled("Firmware", f"{before} → {after}{status}"))
        if job.request_id is not None:
            lines.append(labelled("Request", f"{job.action} requestId {job.request_id}"))
        return lines
