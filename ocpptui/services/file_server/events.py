"""What the file server tells its subscribers: transfers, received uploads, every request."""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

Protocol = Literal["http", "https", "ftp", "sftp"]
Direction = Literal["download", "upload"]


@dataclass(frozen=True, slots=True)
class Transfer:
    """One file moving between the laptop and a charger (a download or an upload)."""

    id: int
    protocol: Protocol
    direction: Direction
    client: str
    token: str
    file_name: str
    total_bytes: int | None
    """Bytes this transfer should move (a range's length); None when the client did not say."""
    offset: int = 0
    """Where in the file the transfer starts (HTTP Range, FTP REST/APPE)."""


@dataclass(frozen=True, slots=True)
class TransferStarted:
    transfer: Transfer


@dataclass(frozen=True, slots=True)
class TransferProgress:
    transfer: Transfer
    bytes_done: int
    rate: float
    """Bytes per second over the last interval."""


@dataclass(frozen=True, slots=True)
class TransferFinished:
    transfer: Transfer
    bytes_done: int
    duration: float


@dataclass(frozen=True, slots=True)
class TransferAborted:
    """The transfer stopped before its end: the client went away, a cap was hit, or we stopped."""

    transfer: Transfer
    bytes_done: int
    reason: str


@dataclass(frozen=True, slots=True)
class UploadReceived:
    """A complete file from a charger, stored in the upload folder."""

    token: str
    label: str
    protocol: Protocol
    client: str
    client_file_name: str | None
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class RequestLogged:
    """One request the server saw, whatever became of it (HTTP request, FTP command, SFTP
    operation; `status` is that protocol's own code: 200, 226, 0 for SFTP's OK)."""

    protocol: Protocol
    client: str
    method: str
    path: str
    status: int
    bytes: int
    duration: float
    token: str | None = None
    """The offer the request belongs to (its URL token, or the FTP/SFTP login's offer)."""


@dataclass(frozen=True, slots=True)
class RequestRefused:
    """A request that reached for something not offered: wrong token, path tricks, bad login."""

    protocol: Protocol
    client: str
    method: str
    path: str
    status: int
    reason: str
    token: str | None = None
    """The offer it reached for, when the path or the login names one (even a withdrawn one)."""


FileServerEvent = (
    TransferStarted
    | TransferProgress
    | TransferFinished
    | TransferAborted
    | UploadReceived
    | RequestLogged
    | RequestRefused
)


class EventBus:
    """Calls each subscriber with every event, on the event loop, in order.

    Subscribers must be quick (post a message, append to a list): they run inline with
    the transfer. One that raises is logged and does not disturb the others.
    """

    def __init__(self, request_history: int = 1000) -> None:
        self._subscribers: list[Callable[[FileServerEvent], None]] = []
        self.requests: deque[RequestLogged | RequestRefused] = deque(maxlen=request_history)
        """Recent requests, for a view that opens after the fact."""
        self.next_transfer_id = itertools.count(1).__next__

    def subscribe(self, callback: Callable[[FileServerEvent], None]) -> Callable[[], None]:
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def emit(self, event: FileServerEvent) -> None:
        if isinstance(event, RequestLogged | RequestRefused):
            self.requests.append(event)
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("file server subscriber failed on %r", event)
