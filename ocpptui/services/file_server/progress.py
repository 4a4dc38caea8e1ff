"""Byte counting for one transfer, turned into a few events per second."""

from __future__ import annotations

import time
from collections.abc import Callable

from .events import (
    EventBus,
    Transfer,
    TransferAborted,
    TransferFinished,
    TransferProgress,
    TransferStarted,
)

PROGRESS_INTERVAL = 0.1
"""At most ten progress events per second per transfer: a 200 MB download moves thousands
of chunks, and a UI repaints a few times a second anyway."""


class TransferMeter:
    """Counts the bytes of one transfer and emits its start, progress, and end."""

    def __init__(
        self,
        events: EventBus,
        transfer: Transfer,
        *,
        interval: float = PROGRESS_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.transfer = transfer
        self.bytes_done = 0
        self._events = events
        self._interval = interval
        self._clock = clock
        self._started = self._last_time = clock()
        self._last_bytes = 0
        self._ended = False
        events.emit(TransferStarted(transfer))

    @property
    def ended(self) -> bool:
        return self._ended

    def add(self, count: int) -> None:
        self.bytes_done += count
        now = self._clock()
        if now - self._last_time >= self._interval:
            self._report(now)

    def finish(self) -> None:
        if self._ended:
            return
        self._ended = True
        now = self._clock()
        if self.bytes_done != self._last_bytes:
            self._report(now)  # so the last progress event always shows the final count
        self._events.emit(TransferFinished(self.transfer, self.bytes_done, now - self._started))

    def abort(self, reason: str) -> None:
        if self._ended:
            return
        self._ended = True
        self._events.emit(TransferAborted(self.transfer, self.bytes_done, reason))

    def _report(self, now: float) -> None:
        elapsed = now - self._last_time
        rate = (self.bytes_done - self._last_bytes) / elapsed if elapsed > 0 else 0.0
        self._last_time, self._last_bytes = now, self.bytes_done
        self._events.emit(TransferProgress(self.transfer, self.bytes_done, rate))
