"""What a firmware update and a diagnostics retrieval have in common: a watched transfer job.

Both put something on the laptop's file server and send its URL, follow the charger's status
notifications for their request, keep a timeline, expose the file server's requests and the
diagnosis, and wake waiters on every change. The shared plumbing lives here (the URL for the
chosen protocol, the watch, the retry fields, the wait loop, failing once, closing); each job
adds its own request, statuses and verdict.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ocpptui.core.frame import Direction, Frame
from ocpptui.core.hub import Hub
from ocpptui.core.session import NotConnected, Session
from ocpptui.services.file_server import FileServer, Offer, RequestRefused, UploadOffer
from ocpptui.services.transfer_diagnosis import (
    Finding,
    Kind,
    LocationForm,
    TransferRequest,
    TransferWatch,
    peer_host,
)
from ocpptui.services.transfer_schemes import key_name, listed_protocols


@dataclass(slots=True)
class TimelineEntry:
    wall: float
    source: str  # "ocpp-tui", "charger", "file server", "connection"
    text: str
    status: str | None = None
    frame_seq: int | None = None


@dataclass(slots=True)
class Verdict:
    ok: bool
    summary: str
    advice: str | None = None


@dataclass(slots=True)
class Progress:
    bytes_done: int = 0
    total: int | None = None
    rate: float = 0.0  # bytes per second
    client: str | None = None


def offered_url(offer: Offer | UploadOffer, scheme: str) -> str:
    """The offer's URL for `scheme`; ValueError when the file server does not serve it."""
    urls = {"http": offer.http_url, "https": offer.https_url,
            "ftp": offer.ftp_url, "sftp": offer.sftp_url}  # fmt: skip
    url = urls.get(scheme)
    if not url:
        raise ValueError(f"the file server does not serve {scheme} (not configured)")
    return url


class TransferJob:
    """Mixin for the job dataclasses: they provide the attributes named below."""

    hub: Hub
    identity: str
    file_server: FileServer
    scheme: str
    retries: int | None
    retry_interval: int | None
    silence_seconds: float
    grace_seconds: float
    on_change: Callable[[Any], None]
    timeline: list[TimelineEntry]
    progress: Progress
    watch: TransferWatch | None
    request_id: int | None
    last_status: str | None
    verdict: Verdict | None
    _changed: asyncio.Event
    _unsubscribers: list[Callable[[], None]]

    #: The status notification actions this job follows.
    STATUS_ACTIONS: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._unsubscribers = []
        self._changed = asyncio.Event()

    @property
    def requests(self) -> list[TransferRequest]:
        """Every request the file server saw for this job's offer, oldest first."""
        return self.watch.requests if self.watch is not None else []

    @property
    def diagnosis(self) -> list[Finding]:
        """What the requests and statuses say so far (empty when all looks right)."""
        return self.watch.findings() if self.watch is not None else []

    @property
    def offered_token(self) -> str | None:
        """The token of what the job put on the file server (None before it did)."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop watching and withdraw the offer from the file server."""
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers = []
        token = self.offered_token
        if token is not None:
            self.file_server.withdraw(token)

    async def _wait_until(self, done: Callable[[], bool], timeout: float) -> None:
        """Return once `done()` holds; raises TimeoutError after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while not done():
                self._changed.clear()
                try:  # wake up now and then: some diagnoses come from silence
                    await asyncio.wait_for(self._changed.wait(), 1.0)
                except TimeoutError:
                    self._check_diagnosis()

    def _session(self) -> Session:
        session = self.hub.session_for(self.identity)
        if session is None or not session.connected:
            raise NotConnected(self.identity)
        return session

    def _new_watch(
        self,
        session: Session,
        token: str,
        kind: Kind,
        url: str,
        file_name: str | None,
        form: LocationForm,
        retrieve_in: float = 0.0,
    ) -> TransferWatch:
        """The watch over the offer at `url`, with what the session and the job know."""
        return TransferWatch(
            self.file_server,
            token,
            kind,
            url,
            self.scheme,
            file_name,
            form,
            charger_host=peer_host(session.transport.info.peer),
            listed=listed_protocols(session),
            key=key_name(session),
            retries=self.retries,
            retry_interval=self.retry_interval,
            retrieve_in=retrieve_in,
            silence_seconds=self.silence_seconds,
            grace_seconds=self.grace_seconds,
            clock=self.hub.clock.mono,
            wall_clock=self.hub.clock.wall,
        )

    def _add_retries(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The payload with the retries the technician set: every request here names them alike."""
        if self.retries is not None:
            payload["retries"] = self.retries
        if self.retry_interval is not None:
            payload["retryInterval"] = self.retry_interval
        return payload

    def _advice(self) -> str | None:
        return self.watch.advice() if self.watch is not None else None

    def _check_diagnosis(self) -> None:
        """Put new findings in the timeline (each rule once)."""
        if self.watch is None or self.verdict is not None:
            return
        for finding in self.watch.new_findings():
            self._note("ocpp-tui", f"diagnosis: {finding.text}")

    def _fail(self, summary: str, advice: str | None = None) -> None:
        """The first failure is the verdict; later ones would only hide its cause."""
        if self.verdict is None:
            self.verdict = Verdict(False, summary, advice)
            self._note("ocpp-tui", f"failed: {summary}")

    def _note_refused(self, event: RequestRefused) -> None:
        self._note(
            "file server",
            f"{event.client} {event.method} refused ({event.status}): {event.reason}",
        )

    def _note(
        self, source: str, text: str, status: str | None = None, seq: int | None = None
    ) -> None:
        self.timeline.append(TimelineEntry(self.hub.clock.wall(), source, text, status, seq))
        self._changed_now()

    def _changed_now(self) -> None:
        self._changed.set()
        self.on_change(self)

    def _new_status(self, frame: Frame) -> str | None:
        """The status a frame reports for this job, or None when it is not one (or repeats).

        Some chargers flood the same status (EVerest repeats Uploading); one timeline line is
        enough, so a repeat of the last status returns None.
        """
        if (
            frame.identity != self.identity
            or frame.direction is not Direction.IN
            or frame.message_type != 2
            or frame.action not in self.STATUS_ACTIONS
            or not isinstance(frame.payload, dict)
        ):
            return None
        payload = frame.payload
        if self.request_id is not None and payload.get("requestId") not in (None, self.request_id):
            return None  # another job's status
        status = str(payload.get("status"))
        if status == self.last_status:
            return None
        self.last_status = status
        self._note("charger", status, status, frame.seq)
        if self.watch is not None:
            self.watch.charger_status(status)
        return status
