"""What a firmware update and a diagnostics retrieval have in common: a watched transfer job.

Both follow the charger's status notifications for their request, keep a timeline, expose
the file server's requests and the diagnosis, and wake waiters on every change. The shared
plumbing lives here; each job adds its own request, statuses and verdict.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ocpptui.core.frame import Direction, Frame
from ocpptui.core.hub import Hub
from ocpptui.core.session import NotConnected, Session
from ocpptui.services.transfer_diagnosis import Finding, TransferRequest, TransferWatch


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


class TransferJob:
    """Mixin for the job dataclasses: they provide the attributes named below."""

    hub: Hub
    identity: str
    on_change: Callable[[Any], None]
    timeline: list[TimelineEntry]
    watch: TransferWatch | None
    request_id: int | None
    last_status: str | None
    _changed: asyncio.Event

    #: The status notification actions this job follows.
    STATUS_ACTIONS: tuple[str, ...] = ()

    @property
    def requests(self) -> list[TransferRequest]:
        """Every request the file server saw for this job's offer, oldest first."""
        return self.watch.requests if self.watch is not None else []

    @property
    def diagnosis(self) -> list[Finding]:
        """What the requests and statuses say so far (empty when all looks right)."""
        return self.watch.findings() if self.watch is not None else []

    def _session(self) -> Session:
        session = self.hub.session_for(self.identity)
        if session is None or not session.connected:
            raise NotConnected(self.identity)
        return session

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
