"""A firmware upgrade from a file on the laptop, watched from offer to the new boot.

The job offers the file on the laptop's file server, sends UpdateFirmware with its URL, and
then follows three sources at once: the file server (who fetched what, how fast), the
charger's FirmwareStatusNotifications, and the connection (the charger drops and comes back
after installing). It ends with a verdict that compares the firmware version of the new boot
with the one before, and when something fails, says what failed and what to check.

A status counts only when it is this job's (`transfer_job` says how, for 1.6 statuses that
carry no requestId). On top of that, success needs this job's image: Installed counts, and a
boot onto a new version passes, only once the file server has served the whole image of this
job's offer. A boot before that (a power cut, an earlier update finishing) is noted and the
job keeps waiting.

An Installed that carries this job's requestId is the charger's word and ends a wait for
Installed. One without a requestId (plain 1.6) may still be the late Installed of the update
before (sent after its reboot, when this job's download may already be done), so it moves the
job to "installed" but the verdict waits for the boot onto a new version that follows it: a
1.6 charger reboots to run the image it installed.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from ocpptui.core.events import (
    ChargerConnected,
    ChargerDisconnected,
    ChargerUpdated,
    HubEvent,
    UpdateKind,
)
from ocpptui.core.frame import Frame
from ocpptui.core.session import CallFailed, Session
from ocpptui.protocol.timestamps import ocpp_timestamp
from ocpptui.services.file_server import (
    FileServerEvent,
    Offer,
    RequestRefused,
    TransferAborted,
    TransferFinished,
    TransferProgress,
    TransferStarted,
    masked_url,
)
from ocpptui.services.transfer_diagnosis import (
    TransferWatch,
    location_url,
)
from ocpptui.services.transfer_job import (
    Progress,
    TimelineEntry,
    TransferJob,
    Verdict,
    offered_url,
)

__all__ = ["FirmwareUpdate", "Phase", "Progress", "TimelineEntry", "Verdict", "WaitFor"]

_request_ids = itertools.count(1)

STATUS_ACTIONS = ("FirmwareStatusNotification", "SignedFirmwareStatusNotification")
FAILED_STATUSES = {
    "DownloadFailed": "the charger could not download the file",
    "InstallationFailed": "the charger could not install the image",
    "InstallVerificationFailed": "the installed image did not verify",
    "InvalidSignature": "the signature of the image is not valid",
    "InvalidCertificate": "the signing certificate was not accepted",
    "RevokedCertificate": "the signing certificate is revoked",
}
ADVICE = {
    "InstallationFailed": "check that the image is meant for this model and hardware revision, "
    "and that the charger has room for it",
    "InstallVerificationFailed": "check the image is complete and meant for this model",
    "InvalidSignature": "check the signature matches this image and the signing certificate",
    "InvalidCertificate": "check the signing certificate chains to a root the charger trusts",
    "RevokedCertificate": "use a signing certificate that is not revoked",
}


class Phase(StrEnum):
    PREPARING = "preparing"
    SENT = "sent"  # UpdateFirmware accepted, waiting for the charger to start
    DOWNLOADING = "downloading"
    DOWNLOADED = "downloaded"
    INSTALLING = "installing"
    REBOOTING = "rebooting"
    INSTALLED = "installed"
    BOOTED = "booted"  # reconnected after the update
    FAILED = "failed"


class WaitFor(StrEnum):
    INSTALLED = "Installed"  # the charger reports Installed
    BOOTED = "Booted"  # the charger reconnects and boots (with a new version)


@dataclass
class FirmwareUpdate(TransferJob):
    """One firmware upgrade of one charger. Create, `await start()`, `await wait(...)`."""

    STATUS_ACTIONS = STATUS_ACTIONS
    PROGRESS_STATUSES = frozenset({"Downloading"})
    # After these the charger has the image: with the download complete, the offer can go.
    TRANSFER_DONE = frozenset(
        {"Downloaded", "SignatureVerified", "InstallScheduled", "Installing",
         "InstallRebooting", "Installed"}
    )  # fmt: skip
    STATE_STATUS = "firmware_status"

    path: Path
    # "http", "https", "ftp" or "sftp": which URL of the offer to send; None: the best the
    # charger lists (transfer_schemes)
    scheme: str | None = None
    host: str | None = None  # the URL's address; None: [files] advertise_host, else the
    # laptop's address on the charger's connection (transfer_address)
    location_form: str = "file"  # "file": …/<token>/<name>; "folder": …/<token>/
    file_name: str | None = None  # the name to offer the image under (default: its own)
    retrieve_date: dt.datetime | None = None  # None: now
    retries: int | None = None
    retry_interval: int | None = None
    request_id: int | None = None  # 2.x; default: a fresh one
    signing_certificate: str | None = None  # PEM; 2.x and 1.6 SignedUpdateFirmware
    signature: str | None = None  # base64
    install_date: dt.datetime | None = None  # 2.x
    on_change: Callable[[FirmwareUpdate], None] = lambda job: None

    phase: Phase = Phase.PREPARING
    offer: Offer | None = None
    url: str | None = None
    action: str | None = None
    before_version: str | None = None
    after_version: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self._disconnected = False
        self._installed_by_request_id = False
        self._installed_seq: int | None = None  # the frame of this job's Installed

    @property
    def offered_token(self) -> str | None:
        return self.offer.token if self.offer is not None else None

    @property
    def _requests_seen(self) -> int:
        return len(self.requests)

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Offer the file and send the update request; raises CallFailed when it is refused."""
        session = self._session()
        self.before_version = session.state.firmware
        scheme = await self._choose_scheme(session)
        self.offer = await self.file_server.offer_file_async(
            self.path, name=self.file_name, host=self._url_host(session)
        )
        self._offer_made()
        self.url = self._url_for(self.offer, scheme)
        self.watch = self._offer_watch(session, self.offer, self.url)
        self._unsubscribers = [
            self.file_server.subscribe(self._on_file_event),
            self.hub.subscribe(self._on_hub_event),
            self.hub.add_frame_listener(self._on_frame),
        ]
        self.action, payload = self._request(session)
        self._note("ocpp-tui", f"{self.action} sent: {masked_url(self.url)}")
        try:
            outcome = await self._call(session, self.action, payload)
        except CallFailed as exc:
            self._fail(f"{self.action} got no answer: {exc}", None)
            self._not_answered()
            raise
        status = outcome.status or "?"
        # 1.6 UpdateFirmware answers with an empty payload; everything else carries a status.
        answered_16 = self.action == "UpdateFirmware" and not session.version.is_2x
        if answered_16 and outcome.ok:
            self._answered(f"{self.action} answered (1.6 carries no status: accepted)", None)
        else:
            self._answered(f"{self.action} answered {status}", status)
        accepted = outcome.ok and (answered_16 or status in ("Accepted", "AcceptedCanceled"))
        if not accepted:
            self._fail(f"the charger refused the update: {status}", None)
            self._transfer_ended("the charger refused the update")
            raise UpdateRefused(f"{self.action} answered {status}")
        if self.phase is Phase.PREPARING:  # statuses held until the answer may have moved it
            self.phase = Phase.SENT
        self._check_diagnosis()
        self._changed_now()

    async def wait(self, until: WaitFor = WaitFor.BOOTED, timeout: float = 600) -> Verdict:
        """Wait until the charger reports Installed (or reboots with the new version)."""
        try:
            await self._wait_until(lambda: self._reached(until), timeout)
        except TimeoutError:
            if until is WaitFor.INSTALLED and self._counted_installed():
                # A plain 1.6 Installed waits for the reboot that usually follows it (it could
                # be the late Installed of the update before); a charger that installs without
                # rebooting still said Installed after serving itself this job's whole image.
                self.verdict = Verdict(
                    True,
                    f"charger reports Installed after downloading this job's image; it did "
                    f"not reboot onto a new version within {timeout:g} s ({self._versions()})",
                )
                self._note("ocpp-tui", f"passed: {self.verdict.summary}")
                return self.verdict
            self._fail(
                f"nothing conclusive within {timeout:g} s (last status: "
                f"{self.last_status or 'none'})",
                self._silence_advice(),
            )
        assert self.verdict is not None or self.phase in (Phase.INSTALLED, Phase.BOOTED)
        if self.verdict is None:
            self.verdict = Verdict(True, f"charger reports Installed ({self._versions()})")
        return self.verdict

    def _reached(self, until: WaitFor) -> bool:
        if self.phase is Phase.FAILED or self.verdict is not None:
            return True
        if until is WaitFor.INSTALLED:
            return self.phase is Phase.BOOTED or (
                self.phase is Phase.INSTALLED and self._installed_by_request_id
            )
        return self.phase is Phase.BOOTED

    # ----------------------------------------------------------------- the request

    def _url_for(self, offer: Offer, scheme: str) -> str:
        url = offered_url(offer, scheme)
        return (
            location_url(url, "folder", offer.file_name) if self.location_form == "folder" else url
        )

    def _offer_watch(self, session: Session, offer: Offer, url: str) -> TransferWatch:
        retrieve = self.retrieve_date
        wait = (retrieve - self.hub.clock.now()).total_seconds() if retrieve else 0.0
        return self._new_watch(
            session,
            offer.token,
            "download",
            url,
            offer.file_name,
            "folder" if self.location_form == "folder" else "file",
            max(wait, 0.0),
        )

    def _request(self, session: Session) -> tuple[str, dict[str, Any]]:
        retrieve = ocpp_timestamp(self.retrieve_date or self.hub.clock.now())
        signed = self.signature is not None or self.signing_certificate is not None
        if session.version.is_2x or signed:
            firmware: dict[str, Any] = {"location": self.url, "retrieveDateTime": retrieve}
            if self.install_date is not None:
                firmware["installDateTime"] = ocpp_timestamp(self.install_date)
            if self.signing_certificate:
                firmware["signingCertificate"] = self.signing_certificate
            if self.signature:
                firmware["signature"] = self.signature
            if self.request_id is None:
                self.request_id = next(_request_ids)
            payload: dict[str, Any] = {"requestId": self.request_id, "firmware": firmware}
            action = "UpdateFirmware" if session.version.is_2x else "SignedUpdateFirmware"
        else:
            payload = {"location": self.url, "retrieveDate": retrieve}
            action = "UpdateFirmware"
        return action, self._add_retries(payload)

    # ----------------------------------------------------------------- observation

    def _not_yet(self, status: str) -> str | None:
        if status == "Installed" and not self._image_served():
            return "this job's image has not been fully downloaded yet"
        return None

    def _counted_installed(self) -> bool:
        """This job counted an Installed (its own progress and its whole image served)."""
        return self.phase is Phase.INSTALLED and self._installed_seq is not None

    def _image_served(self) -> bool:
        """The file server served the whole image of this job's offer (at least once)."""
        return self.watch is not None and self.watch.completed

    def _apply_status(self, status: str) -> None:
        if status in FAILED_STATUSES:
            advice = self._download_advice() if status == "DownloadFailed" else ADVICE.get(status)
            self._fail(f"{status}: {FAILED_STATUSES[status]}", advice)
            return
        phases = {
            "Downloading": Phase.DOWNLOADING,
            "DownloadScheduled": Phase.SENT,
            "Downloaded": Phase.DOWNLOADED,
            "SignatureVerified": Phase.DOWNLOADED,
            "Installing": Phase.INSTALLING,
            "InstallScheduled": Phase.DOWNLOADED,
            "InstallRebooting": Phase.REBOOTING,
            "Installed": Phase.INSTALLED,
        }
        phase = phases.get(status)
        if phase is not None and self.phase is not Phase.BOOTED:
            self.phase = phase
        if status == "Installed":
            self._installed_by_request_id = self._status_by_request_id
        self._offer_event()

    def _take_status(self, frame: Frame) -> None:
        super()._take_status(frame)
        if self.last_status == "Installed" and self._installed_seq is None:
            self._installed_seq = frame.seq

    def _owed(self, frame: Frame, status: str) -> bool:
        # Passed on the boot onto this job's image before any Installed: the first one after
        # is this job's (chargers that report it after the reboot), not the next job's.
        if status != "Installed":
            return False
        if self._installed_seq is not None:
            return self._installed_seq == frame.seq
        return self.phase is Phase.BOOTED and self.verdict is not None and self.verdict.ok

    def _owed_why(self, status: str) -> str:
        return "the update before passed on its reboot and reports Installed after it"

    def _on_hub_event(self, event: HubEvent) -> None:
        if getattr(event, "identity", None) != self.identity or self.phase is Phase.PREPARING:
            return
        if isinstance(event, ChargerDisconnected):
            self._disconnected = True
            self._note("connection", f"charger disconnected: {event.reason}")
            if self.phase in (Phase.INSTALLING, Phase.DOWNLOADED, Phase.INSTALLED):
                self.phase = Phase.REBOOTING
        elif isinstance(event, ChargerConnected):
            self._note("connection", f"charger reconnected from {event.peer}")
        elif (
            isinstance(event, ChargerUpdated)
            and event.what == UpdateKind.BOOT
            and self._disconnected
        ):
            session = self.hub.session_for(self.identity)
            if session is None:
                return
            self.after_version = session.state.firmware
            self._note("charger", f"BootNotification: firmware {self.after_version}")
            self._booted_verdict()

    def _booted_verdict(self) -> None:
        if self.phase is Phase.FAILED or self.verdict is not None:
            return
        if not self._image_served():
            # Not this update's boot: the charger never had this job's image.
            self._disconnected = False
            self._note(
                "ocpp-tui",
                "the charger booted before it downloaded this job's image: not this update's "
                "reboot, still waiting",
            )
            return
        self.phase = Phase.BOOTED
        self._transfer_ended("the charger booted after installing")
        if self.after_version and self.after_version != self.before_version:
            self.verdict = Verdict(True, f"firmware {self.before_version} → {self.after_version}")
        else:
            self.verdict = Verdict(
                False,
                f"the charger rebooted but still reports firmware {self.after_version}",
                "the image may be the installed version already, or the charger rolled back: "
                "check its own log (GetDiagnostics) and the image",
            )
        self._changed_now()

    def _on_file_event(self, event: FileServerEvent) -> None:
        offer = self.offer
        if offer is None:
            return
        mine = self.watch.observe(event) if self.watch is not None else None
        if isinstance(
            event, (TransferStarted, TransferProgress, TransferFinished, TransferAborted)
        ):
            if event.transfer.token != offer.token:
                return
            transfer = event.transfer
            self.progress.total = transfer.total_bytes or offer.size
            self.progress.client = transfer.client
            if isinstance(event, TransferStarted):
                what = f"from byte {transfer.offset}" if transfer.offset else ""
                self._note("file server", f"{transfer.client} started downloading {what}".strip())
                if self.phase in (Phase.PREPARING, Phase.SENT):
                    self.phase = Phase.DOWNLOADING  # the file server says so, status or not
            elif isinstance(event, TransferProgress):
                self.progress.bytes_done = transfer.offset + event.bytes_done
                self.progress.rate = event.rate
                self._changed_now()
            elif isinstance(event, TransferFinished):
                self.progress.bytes_done = transfer.offset + event.bytes_done
                rate = event.bytes_done / event.duration if event.duration else 0
                if self.phase in (Phase.PREPARING, Phase.SENT, Phase.DOWNLOADING):
                    self.phase = Phase.DOWNLOADED
                self._note(
                    "file server",
                    f"{transfer.client} downloaded {event.bytes_done} bytes "
                    f"in {event.duration:.1f} s ({rate / 1e6:.1f} MB/s)",
                )
            else:
                self._note(
                    "file server",
                    f"download by {transfer.client} aborted at {event.bytes_done} bytes: "
                    f"{event.reason}",
                )
        elif isinstance(event, RequestRefused) and mine is not None:
            self._note_refused(event)
        self._offer_event()

    # ----------------------------------------------------------------- verdicts

    def _versions(self) -> str:
        return f"firmware before: {self.before_version}"

    def _fail(self, summary: str, advice: str | None = None) -> None:
        if self.verdict is None:
            # Set before the verdict's note: whoever it wakes sees the phase and verdict agree.
            self.phase = Phase.FAILED
        super()._fail(summary, advice)

    def _download_advice(self) -> str:
        diagnosed = self._advice()
        if diagnosed:
            return diagnosed
        if self._requests_seen == 0:
            return self._silence_advice()
        if (
            self.progress.bytes_done
            and self.progress.total
            and (self.progress.bytes_done < self.progress.total)
        ):
            return "the download started but broke off: check the network link's stability"
        return (
            "the charger fetched the file but rejected it: check it is the right image "
            "and format for this model"
        )

    def _silence_advice(self) -> str:
        diagnosed = self._advice()
        if diagnosed:
            return diagnosed
        if self._requests_seen:
            return "the charger fetched the file; watch its status notifications"
        host = self.url_host or self.file_server.advertise_host
        scheme = (self.scheme or "http").upper()
        return (
            f"the charger never contacted the file server: check that it can reach "
            f"{host} (same network, laptop firewall: ports {self._ports_text()}), and that it "
            f"supports {scheme} (SupportedFileTransferProtocols / FileTransferProtocols)"
        )

    def _ports_text(self) -> str:
        ports = self.file_server.ports
        parts = [f"HTTP {ports.http}"]
        if ports.ftp:
            parts.append(f"FTP {ports.ftp}")
            if ports.ftp_passive:
                parts.append(f"FTP data {ports.ftp_passive[0]}-{ports.ftp_passive[-1]}")
        return ", ".join(parts)


class UpdateRefused(CallFailed):
    """The charger answered the update request with something other than Accepted."""
