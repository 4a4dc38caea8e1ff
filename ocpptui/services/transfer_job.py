"""What a firmware update and a diagnostics retrieval have in common: a watched transfer job.

Both put something on the laptop's file server and send its URL, follow the charger's status
notifications, keep a timeline, expose the file server's requests and the diagnosis, and wake
waiters on every change. The shared plumbing lives here; each job adds its own request,
statuses and verdict.

Which status notifications belong to this job
---------------------------------------------
A status that carries a requestId (2.x, the 1.6 security extension) belongs to the job whose
request carried it, whenever it arrives, also before the charger answered the request.

A status without one (1.6 FirmwareStatusNotification / DiagnosticsStatusNotification, a 2.x
status sent on a trigger) may be left over from an earlier job: many chargers report Installed
after the reboot into the new image, when the CSMS may already have sent the next request,
some repeat their last status every few seconds, and all may send a failure of an earlier
transfer late. Such a status counts for this job only by these rules:

1. It arrived after this job's request was sent (by the frame log's order).
2. Until the job has its own progress it decides nothing. Its own progress is a request the
   file server saw for this job's offer (its URL carries a token nobody else has), or a
   Downloading / Uploading status that arrived after the request was sent and was not the
   status the charger already reported before it (a repeat of an earlier state).
3. A status that arrives between the request and its answer is held until the answer is in
   (real chargers send Downloading before answering UpdateFirmware), then judged by 1 and 2
   as "before the answer".
4. A job may require more (the firmware job: Installed counts only once the file server has
   served this job's whole image, or the charger booted on a new version after that).
5. A status the job before is still owed goes to that job (the firmware job: an update that
   passed on the boot onto its image before its Installed came is owed that Installed).

A status that fails these rules is written into the timeline as "from an earlier job" and
changes nothing: not the phase, not the verdict, not the last status. Once a newer job of the
same kind has sent its request to the charger, statuses without a requestId that come after it
are not counted here either (they may be the newer job's; this job has had its verdict).

How long an offer lives
-----------------------
The file stays offered while the charger may still fetch it (or the upload URL open while it
may still upload): not until the caller stops waiting (`release()`), but until the charger's
transfer has ended: it reported the step after a completed download or upload (`TRANSFER_DONE`
of the job), the job's verdict rests on a boot onto the new image, the technician cancels
(`cancel()`), or, once the verdict is in or the caller released the job, no request for the
offer came for `offer_idle_seconds`. The timeline says when and why it was withdrawn.
"""

from __future__ import annotations

import asyncio
import math
import weakref
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ocpptui.core.frame import Direction, Frame
from ocpptui.core.hub import Hub
from ocpptui.core.session import CallFailed, CallOutcome, NotConnected, Session
from ocpptui.services.file_server import FileServer, Offer, RequestRefused, UploadOffer
from ocpptui.services.transfer_address import peer_host, url_host_for
from ocpptui.services.transfer_diagnosis import (
    GRACE_SECONDS,
    SILENCE_SECONDS,
    Finding,
    Kind,
    LocationForm,
    TransferRequest,
    TransferWatch,
)
from ocpptui.services.transfer_schemes import (
    SchemeChoice,
    fetch_scheme_choice,
    key_name,
    served_schemes,
)

#: Once the verdict is in (or nobody waits any more), an offer nobody asked for in this long
#: is withdrawn: the charger is done with it, or gave up.
OFFER_IDLE_SECONDS = 60.0
#: After the offer is withdrawn and the verdict is in, late statuses still land in the
#: timeline for this long; then the job stops listening.
LATE_STATUS_SECONDS = 30.0

# The newest job per hub, charger and kind that sent its request: an older one leaves the
# statuses after that request to it.
_newest: weakref.WeakValueDictionary[tuple[int, str, str], TransferJob] = (
    weakref.WeakValueDictionary()
)


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


@dataclass
class _JobFields:
    """The fields of every job dataclass: the charger it is for; then, keyword-only (after
    each job's own fields), the diagnosis's timings and what the job found so far."""

    hub: Hub
    identity: str
    file_server: FileServer
    _: KW_ONLY
    silence_seconds: float = SILENCE_SECONDS  # moving bytes without a request: diagnose after
    grace_seconds: float = GRACE_SECONDS  # no status, no request after the expected start + this
    offer_idle_seconds: float = OFFER_IDLE_SECONDS
    timeline: list[TimelineEntry] = field(default_factory=list)
    progress: Progress = field(default_factory=Progress)
    last_status: str | None = None
    verdict: Verdict | None = None
    watch: TransferWatch | None = None
    """The offer's requests and the diagnosis (`transfer_diagnosis`)."""
    scheme_choice: SchemeChoice | None = None
    offer_withdrawn: str | None = None
    """Why the offer (or upload place) was withdrawn (None while it is open, or before)."""


class TransferJob(_JobFields):
    """Mixin for the job dataclasses: they provide the attributes named below."""

    scheme: str | None
    host: str | None
    retries: int | None
    retry_interval: int | None
    on_change: Callable[[Any], None]
    request_id: int | None
    _changed: asyncio.Event
    _unsubscribers: list[Callable[[], None]]

    #: The status notification actions this job follows.
    STATUS_ACTIONS: tuple[str, ...] = ()
    #: The statuses that say the charger's transfer for this job has started.
    PROGRESS_STATUSES: frozenset[str] = frozenset()
    #: This job's statuses that say the charger is done with the offer (once the file server
    #: saw the transfer complete).
    TRANSFER_DONE: frozenset[str] = frozenset()
    #: Where the charger's last status of this kind is kept (`ChargerState` attribute).
    STATE_STATUS: str = ""

    def __post_init__(self) -> None:
        self._unsubscribers = []
        self._changed = asyncio.Event()
        # Attribution (see the module docstring).
        self._held: list[Frame] = []
        self._request_seq: int | None = None
        self._answer_seq: float | None = None
        self._status_before: str | None = None
        self._own_progress = False
        self._last_foreign: str | None = None
        self._status_by_request_id = False  # the status being applied carried our requestId
        self._previous: weakref.ref[TransferJob] | None = None  # the job of this kind before
        # The offer's life.
        self._offer_open = False
        self._released = False
        self._timers: list[asyncio.TimerHandle] = []
        self._linger_since: float | None = None

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

    @property
    def url_host(self) -> str | None:
        """The laptop address the URL sent to the charger carries."""
        url = self.watch.url if self.watch is not None else None
        return urlsplit(url).hostname if url else None

    @property
    def offered(self) -> bool:
        """True while the file (or the upload place) is offered on the file server."""
        return self._offer_open

    # ----------------------------------------------------------------- lifecycle

    def release(self) -> None:
        """The caller stops waiting; the offer stays while the charger may still use it."""
        if not self._released:
            self._released = True
            self._start_lingering()

    def cancel(self, reason: str) -> None:
        """Withdraw the offer now (the technician stopped, ocpp-tui ends) and stop watching."""
        self._withdraw(reason)
        self._detach()

    def close(self) -> None:
        """Stop watching and withdraw the offer now."""
        self.cancel("closed")

    async def wait_transfers_ended(self, timeout: float) -> None:
        """Return once no transfer of this offer is running (or after `timeout` seconds)."""
        if self.watch is None:
            return
        watch = self.watch
        try:
            await self._wait_until(lambda: watch.transfers_running == 0, timeout)
        except TimeoutError:
            pass

    def _detach(self) -> None:
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers = []
        for timer in self._timers:
            timer.cancel()
        self._timers = []

    def _offer_made(self) -> None:
        self._offer_open = True

    def _withdraw(self, reason: str) -> None:
        token = self.offered_token
        if not self._offer_open or token is None:
            return
        self._offer_open = False
        self.offer_withdrawn = reason
        self.file_server.withdraw(token)
        self._note("ocpp-tui", f"offer withdrawn: {reason}")
        if self.verdict is not None or self._released:
            self._later(LATE_STATUS_SECONDS, self._detach)

    def _transfer_ended(self, reason: str) -> None:
        """The charger is done with the offer: withdraw it."""
        if self._offer_open:
            self._withdraw(reason)

    def _start_lingering(self) -> None:
        """The verdict is in, or nobody waits: withdraw once the offer has been idle."""
        if self._linger_since is not None:
            return
        self._linger_since = self.hub.clock.mono()
        if not self._offer_open:
            self._later(LATE_STATUS_SECONDS, self._detach)
            return
        self._later(self.offer_idle_seconds, self._check_idle)

    def _check_idle(self) -> None:
        if not self._offer_open or self._linger_since is None:
            return
        last = max(self._linger_since, (self.watch.last_request if self.watch else None) or 0.0)
        if self.watch is not None and self.watch.transfers_running:
            last = self.hub.clock.mono()
        idle_for = self.hub.clock.mono() - last
        if idle_for >= self.offer_idle_seconds:
            self._withdraw(f"no request for it in {self.offer_idle_seconds:g} s")
        else:
            self._later(self.offer_idle_seconds - idle_for, self._check_idle)

    def _later(self, delay: float, callback: Callable[[], None]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            callback()
            return
        self._timers = [t for t in self._timers if not t.cancelled()]
        self._timers.append(loop.call_later(delay, callback))

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

    # ----------------------------------------------------------------- the URL

    async def _choose_scheme(self, session: Session) -> str:
        """The scheme to send: the one asked for, else the best the charger lists. The list
        is read first when this connection has not read it (a reboot forgets it), and the
        warning, the same the forms show, goes into the timeline."""
        served = served_schemes(self.file_server)
        choice = await fetch_scheme_choice(session, served, chosen=self.scheme)
        if self.scheme is None:
            self.scheme = choice.preferred
        self.scheme_choice = choice
        if choice.warning:
            self._note("ocpp-tui", f"{self.scheme.upper()}: {choice.warning}")
        return self.scheme

    def _url_host(self, session: Session) -> str | None:
        """The host for the offer's URLs (None: the file server's default address)."""
        server = self.file_server
        configured = server.advertise_host if server.advertise_host_set else None
        return self.host or url_host_for(session, configured)

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
        assert self.scheme is not None
        return TransferWatch(
            self.file_server,
            token,
            kind,
            url,
            self.scheme,
            file_name,
            form,
            charger_host=peer_host(session.transport.info.peer),
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

    # ----------------------------------------------------------------- the request

    async def _call(self, session: Session, action: str, payload: dict[str, Any]) -> CallOutcome:
        """Send the job's request; statuses that arrive meanwhile are held (`_answered`)."""
        if self.STATE_STATUS:
            self._status_before = getattr(session.state, self.STATE_STATUS, None)
        try:
            outcome = await session.call_raw(action, payload)
        except CallFailed:
            self._answer_seq = math.inf
            raise
        self._request_seq = outcome.request_frame.seq
        self._answer_seq = outcome.response_frame.seq
        previous = _newest.get(self._kind_key())
        self._previous = weakref.ref(previous) if previous is not None else None
        _newest[self._kind_key()] = self
        return outcome

    def _kind_key(self) -> tuple[int, str, str]:
        return (id(self.hub), self.identity, type(self).__name__)

    def _answered(self, text: str, status: str | None) -> None:
        """Note the charger's answer where it came, among the statuses held meanwhile."""
        held, self._held = self._held, []
        answer = self._answer_seq if self._answer_seq is not None else math.inf
        for frame in held:
            if frame.seq < answer:
                self._take_status(frame)
        self._note("charger", text, status)
        for frame in held:
            if frame.seq > answer:
                self._take_status(frame)

    def _not_answered(self) -> None:
        """The request got no answer: what was held is judged as sent before it."""
        held, self._held = self._held, []
        for frame in held:
            self._take_status(frame)

    # ----------------------------------------------------------------- statuses

    def _on_frame(self, frame: Frame) -> None:
        if (
            frame.identity != self.identity
            or frame.direction is not Direction.IN
            or frame.message_type != 2
            or frame.action not in self.STATUS_ACTIONS
            or not isinstance(frame.payload, dict)
        ):
            return
        if self._answer_seq is None:
            self._held.append(frame)  # judged once the answer is in
            return
        self._take_status(frame)

    def _take_status(self, frame: Frame) -> None:
        payload = frame.payload
        status = str(payload.get("status"))
        if status == self._last_foreign and payload.get("requestId") is None:
            foreign: str | None = "from an earlier job (a repeat of a status not counted)"
        else:
            foreign = self._attribution(frame, status, payload.get("requestId"))
        if foreign is not None:
            if status != self._last_foreign:
                self._last_foreign = status
                self._note("charger", f"{status}: {foreign}, not counted", None, frame.seq)
            return
        self._last_foreign = None  # a repeat after a counted status may be counted again
        # Some chargers flood the same status (EVerest repeats Uploading): one line is enough.
        if status == self.last_status:
            return
        self.last_status = status
        self._note("charger", status, status, frame.seq)
        if self.watch is not None:
            self.watch.charger_status(status)
        request_id = payload.get("requestId")
        self._status_by_request_id = request_id is not None and request_id == self.request_id
        self._apply_status(status)

    def _attribution(self, frame: Frame, status: str, request_id: Any) -> str | None:
        """None when the status is this job's; else whose it is and why (module docstring)."""
        if request_id is not None and self.request_id is not None:
            if request_id == self.request_id:
                return None
            return f"from an earlier job (requestId {request_id}, this job's is {self.request_id})"
        if self._request_seq is None or frame.seq < self._request_seq:
            return "from an earlier job (sent before this job's request)"
        if self._owed(frame, status):
            return None
        previous = self._previous() if self._previous is not None else None
        if previous is not None and previous._owed(frame, status):
            return f"from an earlier job ({previous._owed_why(status)})"
        newest = _newest.get(self._kind_key())
        if newest is not None and newest is not self and newest._request_seq is not None:
            if frame.seq > newest._request_seq:
                return "sent after a newer request, which it may belong to"
        before_answer = self._answer_seq is not None and frame.seq < self._answer_seq
        if self._has_own_progress():
            why = self._not_yet(status)
            return f"from an earlier job ({why})" if why else None
        if status in self.PROGRESS_STATUSES:
            if before_answer and status == self._status_before:
                return "from an earlier job (the status it reported before this request, again)"
            self._own_progress = True
            return None
        return "from an earlier job (before any sign of this job's own transfer)"

    def _has_own_progress(self) -> bool:
        watch = self.watch
        return self._own_progress or (
            watch is not None and bool(watch.requests or watch.transfers_started)
        )

    def _owed(self, frame: Frame, status: str) -> bool:
        """True when this job is still owed `status` (rule 5), or took this very frame."""
        return False

    def _owed_why(self, status: str) -> str:
        return f"the job before was still owed its {status}"

    def _not_yet(self, status: str) -> str | None:
        """Why a status cannot be this job's yet despite its progress (None: it can)."""
        return None

    def _apply_status(self, status: str) -> None:
        """What this job's status changes (phase, verdict)."""

    def _offer_event(self) -> None:
        """A file-server event of this job's offer arrived: it may end the transfer."""
        watch = self.watch
        if watch is not None and watch.completed and self.last_status in self.TRANSFER_DONE:
            self._transfer_ended(f"the charger reported {self.last_status} after the transfer")

    # ----------------------------------------------------------------- verdicts

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
        if self.verdict is not None:
            self._start_lingering()
        self._changed.set()
        self.on_change(self)
