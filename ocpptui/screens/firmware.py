"""Upgrade a charger's firmware from a file on the laptop, and watch it happen.

The form picks the image (hashed in a thread), the protocol the charger will fetch it with,
when and how often to try, and for signed updates the certificate and signature. Start
switches to the live view: the URL sent, the firewall ports, the real download progress from
the laptop's file server, the timeline and the verdict with the versions before and after.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, ContentSwitcher, Input, Label, Static
from textual.worker import get_current_worker

from ocpptui import messages
from ocpptui.bridge import HubBridge
from ocpptui.core.clock import Clock
from ocpptui.core.hub import Charger
from ocpptui.core.session import CallFailed
from ocpptui.file_transfers import (
    FileTransfers,
    FirmwareRequest,
    TransferRun,
    address_choices,
    available_schemes,
    best_address,
    byte_size,
    firewall_text,
    listed_protocols,
    parse_count,
    parse_moment,
    read_protocols,
)
from ocpptui.screens.file_picker import FilePickerScreen, default_folder
from ocpptui.services.firmware import FirmwareUpdate, Phase, Progress
from ocpptui.widgets.display_text import shorten
from ocpptui.widgets.key_footer import KeyFooter
from ocpptui.widgets.transfer_live import TransferLive, labelled, shown_url
from ocpptui.widgets.transfer_options import TransferOptions

if TYPE_CHECKING:
    from ocpptui.app import OcppTuiApp

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


class FirmwareScreen(Screen[None]):
    """The firmware form, then the live upgrade of one charger."""

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

    DEFAULT_CSS = """
    FirmwareScreen {
        layout: vertical;
        & > #fw-title {
            height: 1;
            padding: 0 1;
            background: $panel;
        }
        & > ContentSwitcher { height: 1fr; }
        & #fw-form { padding: 0 1; }
        & #fw-form > .form-row { height: 1; margin-top: 1; }
        & #fw-form .form-label { width: 16; color: $text-muted; }
        & #fw-form Input { width: 1fr; }
        & #fw-form > .form-row > Button { margin-left: 1; }
        & #fw-file-info { height: auto; margin-left: 16; }
        & #fw-signed-note { height: auto; margin-left: 16; color: $text-muted; }
        & #fw-form > #fw-start { margin: 1 0 1 16; }
    }
    """

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
        self.run: TransferRun | None = transfers.run_for("firmware", charger.identity)
        self.hashed: HashedFile | None = None
        self._hash_timer: Timer | None = None
        self._unwatch: Callable[[], None] | None = None
        self._remove_target: Callable[[], None] | None = None

    @property
    def identity(self) -> str:
        return self.charger.identity

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(id="fw-title", markup=False)
        session = self.charger.session
        listed = listed_protocols(session)
        available = available_schemes(self.transfers.server, self.transfers.settings)
        addresses = address_choices()
        peer = session.transport.info.peer if session is not None else None
        default_address = best_address(peer, addresses, self.transfers.settings.advertise_host)
        with ContentSwitcher(initial="fw-live" if self.run else "fw-form"):
            with VerticalScroll(id="fw-form"):
                with Horizontal(classes="form-row"):
                    yield Label("Image file", classes="form-label")
                    yield Input(
                        placeholder="path of the firmware image (ctrl+o to browse)",
                        compact=True,
                        id="fw-path",
                    )
                    yield Button("Browse…", compact=True, id="fw-browse")
                info = Static(id="fw-file-info", markup=False)
                info.display = False
                yield info
                yield TransferOptions(
                    listed, available, addresses, default_address, id="fw-options"
                )
                with Horizontal(classes="form-row"):
                    yield Label("Retrieve at", classes="form-label")
                    yield Input(
                        placeholder="now",
                        compact=True,
                        id="fw-retrieve",
                        tooltip="now, +15m, 14:30 or 2026-11-25T14:30 (local time)",
                    )
                with Horizontal(classes="form-row"):
                    yield Label("Request id", classes="form-label")
                    yield Input(
                        placeholder="automatic",
                        type="integer",
                        compact=True,
                        id="fw-request-id",
                        tooltip="requestId of a 2.x or signed update (blank: a fresh one)",
                    )
                with Horizontal(classes="form-row"):
                    yield Label("Signing cert", classes="form-label")
                    yield Input(
                        placeholder="PEM file of the signing certificate (optional)",
                        compact=True,
                        id="fw-certificate",
                    )
                with Horizontal(classes="form-row"):
                    yield Label("Signature", classes="form-label")
                    yield Input(
                        placeholder="base64 signature of the image (optional)",
                        compact=True,
                        id="fw-signature",
                    )
                yield Static(self._signed_note(), id="fw-signed-note", markup=False)
                yield Button("Start upgrade", variant="primary", compact=True, id="fw-start")
            yield TransferLive(id="fw-live")
        yield KeyFooter(show_command_palette=False)

    def _signed_note(self) -> str:
        session = self.charger.session
        if session is not None and session.version.is_2x:
            return "2.x: certificate and signature go into UpdateFirmware when given"
        return "1.6: a certificate or signature sends SignedUpdateFirmware (security extension)"

    @property
    def options(self) -> TransferOptions:
        return self.query_one("#fw-options", TransferOptions)

    @property
    def live(self) -> TransferLive:
        return self.query_one("#fw-live", TransferLive)

    @property
    def showing_live(self) -> bool:
        return self.query_one(ContentSwitcher).current == "fw-live"

    def on_mount(self) -> None:
        self._remove_target = self.bridge.add_target(self)
        self._show_title()
        if self.run is not None:
            self._unwatch = self.run.watch(self)
            self._repaint()
        else:
            self.query_one("#fw-path", Input).focus()
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
        state = charger.state
        parts: list[tuple[str, str] | str] = [
            ("Firmware upgrade  ", "bold"),
            (shorten(charger.identity, 40), "bold $text-primary"),
        ]
        if session is not None:
            parts.append(f"  OCPP {session.version.value}")
        if state is not None:
            parts.append(f"  running {shorten(state.firmware, 30)}")
        if charger.connected:
            parts.append(("  ● connected", "$text-success"))
        else:
            parts.append(("  ○ disconnected", "$text-warning"))
        self.query_one("#fw-title", Static).update(Content.assemble(*parts))

    # ------------------------------------------------------------------ hub messages

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
        path = Path(text).expanduser()
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

    @on(Button.Pressed, "#fw-start")
    def _start_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_start()

    def action_browse(self) -> None:
        def picked(path: Path | None) -> None:
            if path is not None:
                field = self.query_one("#fw-path", Input)
                field.value = str(path)
                field.focus()

        start = default_folder(self._current_path_text())
        self.app.push_screen(FilePickerScreen("Firmware image", start), picked)

    # ------------------------------------------------------------------ protocols

    @work(exclusive=True, group="firmware-protocols", exit_on_error=False)
    async def _read_protocols(self) -> None:
        session = self.charger.session
        if session is None:
            return
        try:
            listed = await read_protocols(session)
        except CallFailed:
            return  # the form says the list was not read; nothing else to do
        self.post_message(self.ProtocolsRead(listed))

    @on(ProtocolsRead)
    def _protocols_read(self, message: ProtocolsRead) -> None:
        if message.listed is not None:
            self.options.set_listed(message.listed)

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
        run = self.transfers.new_run("firmware", self.identity)
        self.run = run
        self._unwatch = run.watch(self)
        run.worker = app.run_worker(
            self.transfers.run_firmware(run, request),
            group="transfers",
            name=f"firmware upgrade of {self.identity}",
            exit_on_error=False,
        )
        self.live.reset()
        self.query_one(ContentSwitcher).current = "fw-live"
        self.live.timeline.focus()
        self._repaint()

    # ------------------------------------------------------------------ live view

    @on(messages.TransferChanged)
    def _transfer_changed(self, message: messages.TransferChanged) -> None:
        if message.run is self.run:
            self._repaint()

    def _repaint(self) -> None:
        run = self.run
        if run is None:
            return
        job = run.job if isinstance(run.job, FirmwareUpdate) else None
        head = self._head(run, job)
        if job is None:
            waiting = "starting the file server…"
            self.live.show(run, head, Progress(), None, None, waiting)
        else:
            total = job.progress.total or (job.offer.size if job.offer else None)
            waiting = f"waiting: {WAITING.get(job.phase, job.phase.value)}"
            state = self.charger.state
            active = len(state.active_transactions) if state is not None else 0
            if job.phase in (Phase.DOWNLOADED, Phase.SENT, Phase.DOWNLOADING) and active:
                waiting += (
                    f" — {active} transaction(s) running: most chargers install only once they end"
                )
            self.live.show(run, head, job.progress, total, job.verdict, waiting)
        self.refresh_bindings()

    def _head(self, run: TransferRun, job: FirmwareUpdate | None) -> list[Content]:
        scheme = job.scheme if job is not None else "http"
        server = self.transfers.server
        where = f" on {server.advertise_host}" if server is not None else ""
        url = job.url if job is not None else None
        lines = [
            labelled("URL sent", shown_url(url, "c"), "bold" if url else "$text-muted"),
            labelled(
                "Firewall",
                f"allow inbound {firewall_text(run.ports, scheme, self.transfers.settings)}{where}",
            ),
        ]
        if job is not None and job.offer is not None:
            offer = job.offer
            lines.append(
                labelled("Image", f"{shorten(offer.file_name, 40)} · {byte_size(offer.size)}")
            )
            lines.append(labelled("SHA-256", offer.sha256))
        if job is not None:
            before = shorten(job.before_version, 30, placeholder="?")
            after = shorten(job.after_version, 30, placeholder="?")
            status = f"   last status {shorten(job.last_status, 30)}" if job.last_status else ""
            lines.append(labelled("Firmware", f"{before} → {after}{status}"))
            if job.request_id is not None:
                lines.append(labelled("Request", f"{job.action} requestId {job.request_id}"))
        return lines

    # ------------------------------------------------------------------ actions

    def action_back(self) -> None:
        self.dismiss(None)

    def action_copy_url(self) -> None:
        job = self.run.job if self.run is not None else None
        url = getattr(job, "url", None)
        if url:
            self.app.copy_to_clipboard(url)
            self.notify("URL copied to the clipboard")

    def action_stop(self) -> None:
        if self.run is not None and not self.run.finished:
            self.run.stop()
            self.notify("Stopped watching; the file is no longer offered")

    def action_new(self) -> None:
        self.query_one(ContentSwitcher).current = "fw-form"
        self.query_one("#fw-path", Input).focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        live = self.is_mounted and self._switcher_ready() and self.showing_live
        running = self.run is not None and not self.run.finished
        if action in ("browse", "start"):
            if live:
                return False
            if action == "start" and not self.charger.connected:
                return None
            return True
        if action == "copy_url":
            return live and self.run is not None and getattr(self.run.job, "url", None) is not None
        if action == "stop":
            return live and running
        if action == "new":
            return live and not running
        return True

    def _switcher_ready(self) -> bool:
        return bool(self.query(ContentSwitcher))
