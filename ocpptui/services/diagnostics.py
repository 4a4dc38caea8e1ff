"""Pull a charger's diagnostics or logs onto the laptop (1.6 GetDiagnostics, 2.x GetLog).

The upload location points at the laptop's file server (HTTP, FTP or SFTP, the technician's
choice), as a folder (`…/<token>/`, the charger adds its file name) or as a file URL; the
received file lands in the session's folder. Status notifications and the file server's
transfer events are followed live, like a firmware update; which statuses count for this job
is decided as `transfer_job` describes (a 1.6 DiagnosticsStatusNotification has no requestId).
The verdict is the received file; a failure status of this job fails it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocpptui.core.session import CallFailed, Session
from ocpptui.protocol.timestamps import ocpp_timestamp
from ocpptui.services.file_server import (
    FileServerEvent,
    RequestRefused,
    TransferProgress,
    TransferStarted,
    UploadOffer,
    UploadReceived,
    masked_url,
)
from ocpptui.services.file_server.names import url_file_name
from ocpptui.services.transfer_diagnosis import (
    location_url,
)
from ocpptui.services.transfer_job import (
    TransferJob,
    Verdict,
    offered_url,
)

_request_ids = itertools.count(1)
STATUS_ACTIONS = ("DiagnosticsStatusNotification", "LogStatusNotification")
FAILED_STATUSES = {
    "UploadFailed",
    "UploadFailure",
    "BadMessage",
    "NotSupportedOperation",
    "PermissionDenied",
    "AcceptedCanceled",
}


@dataclass(slots=True)
class ReceivedFile:
    path: Path
    size: int
    sha256: str
    client_file_name: str | None


@dataclass
class DiagnosticsRequest(TransferJob):
    """One diagnostics / log retrieval. Create, `await start()`, `await wait()`."""

    STATUS_ACTIONS = STATUS_ACTIONS
    PROGRESS_STATUSES = frozenset({"Uploading"})
    TRANSFER_DONE = frozenset({"Uploaded"})

    scheme: str | None = None  # None: the best the charger lists (transfer_schemes)
    host: str | None = None  # the URL's address (see FirmwareUpdate.host)
    log_type: str = "DiagnosticsLog"  # 2.x: or "SecurityLog"
    start_time: dt.datetime | None = None
    stop_time: dt.datetime | None = None
    retries: int | None = None
    retry_interval: int | None = None
    on_change: Callable[[DiagnosticsRequest], None] = lambda job: None
    location_form: str = "folder"  # "folder": …/<token>/ (the charger adds its name); "file"
    file_name: str | None = None  # the file form's name (default: <identity>-<log type>.log)

    action: str | None = None
    request_id: int | None = None
    location: str | None = None
    upload: UploadOffer | None = None
    announced_file_name: str | None = None
    received: ReceivedFile | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        # The status field of ChargerState this job's kind of status notification updates.
        self.STATE_STATUS = "diagnostics_status"

    @property
    def offered_token(self) -> str | None:
        return self.upload.token if self.upload is not None else None

    def _folder(self, session: Session) -> Path:
        if session.frame_log.path is not None:
            return session.frame_log.path.parent
        if self.file_server.upload_dir is not None:
            return self.file_server.upload_dir / session.session_id
        raise ValueError("no folder to store the upload in (no session folder, no upload_dir)")

    async def start(self) -> None:
        session = self._session()
        scheme = await self._choose_scheme(session)
        self.upload = self.file_server.offer_upload(
            self._folder(session),
            label=f"{self.identity} {self.log_type}",
            host=self._url_host(session),
        )
        self._offer_made()
        folder = offered_url(self.upload, scheme)
        name = url_file_name(self.file_name or f"{self.identity}-{self.log_type}.log")
        form = "file" if self.location_form == "file" else "folder"
        self.location = location_url(folder, form, name)
        self.watch = self._new_watch(
            session, self.upload.token, "upload", self.location, name, form
        )
        self._unsubscribers = [
            self.file_server.subscribe(self._on_file_event),
            self.hub.add_frame_listener(self._on_frame),
        ]
        self.action, payload = self._request(session)
        if self.action == "GetLog":
            self.STATE_STATUS = "log_status"
        self._note("ocpp-tui", f"{self.action} sent: upload to {masked_url(self.location)}")
        try:
            outcome = await self._call(session, self.action, payload)
        except CallFailed as exc:
            self._fail(f"{self.action} got no answer: {exc}")
            self._not_answered()
            raise
        answer = outcome.payload or {}
        self.announced_file_name = answer.get("fileName") or answer.get("filename")
        status = outcome.status or ("Accepted" if outcome.ok else "?")
        self._answered(f"{self.action} answered {status}"
                       + (f", file {self.announced_file_name}" if self.announced_file_name
                          else ""), status)  # fmt: skip
        if not outcome.ok or status not in ("Accepted", "AcceptedCanceled"):
            self._fail(f"the charger refused: {status}")
            self._transfer_ended("the charger refused the request")
            raise CallFailed(f"{self.action} answered {status}")
        if (
            session.version.is_2x is False
            and self.action == "GetDiagnostics"
            and not (self.announced_file_name)
        ):
            # 1.6: no fileName means "no diagnostics available".
            self._fail("the charger has no diagnostics to upload (no fileName in the answer)")
            self._transfer_ended("the charger has nothing to upload")
        self._check_diagnosis()

    def _request(self, session: Session) -> tuple[str, dict[str, Any]]:
        window: dict[str, Any] = {}
        if session.version.is_2x or self.log_type == "SecurityLog":
            self.request_id = next(_request_ids)
            log: dict[str, Any] = {"remoteLocation": self.location}
            if self.start_time is not None:
                log["oldestTimestamp"] = ocpp_timestamp(self.start_time)
            if self.stop_time is not None:
                log["latestTimestamp"] = ocpp_timestamp(self.stop_time)
            payload: dict[str, Any] = {
                "logType": self.log_type,
                "requestId": self.request_id,
                "log": log,
            }
            action = "GetLog"
        else:
            if self.start_time is not None:
                window["startTime"] = ocpp_timestamp(self.start_time)
            if self.stop_time is not None:
                window["stopTime"] = ocpp_timestamp(self.stop_time)
            payload = {"location": self.location, **window}
            action = "GetDiagnostics"
        return action, self._add_retries(payload)

    async def wait(self, timeout: float = 300) -> Verdict:
        """Wait for the file (and the charger's final status); returns the verdict."""
        try:
            await self._wait_until(lambda: self.verdict is not None, timeout)
        except TimeoutError:
            if self.received is not None:
                self.verdict = Verdict(True, f"received {self.received.path.name}")
            else:
                host = self.url_host or self.file_server.advertise_host
                self._fail(
                    f"no upload within {timeout:g} s (last status: {self.last_status or 'none'})",
                    self._advice()
                    or f"check that the charger can reach the laptop ({host}) and supports "
                    f"{(self.scheme or 'http').upper()}",
                )
        assert self.verdict is not None
        return self.verdict

    # ----------------------------------------------------------------- observation

    def _apply_status(self, status: str) -> None:
        if status in FAILED_STATUSES:
            self._fail(
                f"the charger reports {status}",
                self._advice() or "see the file server's requests below",
            )
        self._offer_event()

    def _on_file_event(self, event: FileServerEvent) -> None:
        upload = self.upload
        if upload is None:
            return
        mine = self.watch.observe(event) if self.watch is not None else None
        if isinstance(event, (TransferStarted, TransferProgress)):
            if event.transfer.token != upload.token:
                return
            if isinstance(event, TransferStarted):
                self._note("file server", f"{event.transfer.client} started uploading "
                           f"{event.transfer.file_name}")  # fmt: skip
            else:
                self.progress.bytes_done = event.bytes_done
                self.progress.rate = event.rate
                self._changed_now()
        elif isinstance(event, UploadReceived) and event.token == upload.token:
            again = self.received is not None
            self.received = ReceivedFile(
                event.path, event.size, event.sha256, event.client_file_name
            )
            self.progress.bytes_done = event.size
            self._note("file server", f"received {event.path.name} ({event.size} bytes)"
                       + (" again" if again else ""))  # fmt: skip
            # The file is what matters; some chargers never send Uploaded.
            self._succeed()
        elif isinstance(event, RequestRefused) and mine is not None:
            self._note_refused(event)
        self._offer_event()

    def _succeed(self) -> None:
        if self.verdict is None and self.received is not None:
            self.verdict = Verdict(True, f"received {self.received.path.name} "
                                   f"({self.received.size} bytes)")  # fmt: skip
            self._changed_now()
