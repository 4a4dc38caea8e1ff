"""FrameInbox: raw bytes of a local link in, whole frames out, broken input reported on the side.

Serial and BLE transports differ in how bytes arrive (a reader thread, notification
callbacks) but not in what happens next: the bytes go through the framing decoder, frames
queue up for `recv()`, framing errors go to a handler (the session's frame log), and when the
link ends the frames already received are still delivered before `TransportClosed`.

Errors travel in the same queue as frames and reach the handler when `get()` comes to them,
so the frame log shows them in stream order (noise, then the frame that followed it).
Everything here runs on the event loop thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable

from ocpptui.transports.base import TransportClosed
from ocpptui.transports.framing import FrameCodec, FramingError

log = logging.getLogger(__name__)

ProblemHandler = Callable[[FramingError], None]

#: Framing errors passed on per second; beyond that they are summed up in one report, so a
#: wrong baud rate (every byte garbage) does not flood the frame log.
PROBLEMS_PER_SECOND = 20
#: Errors kept until a handler is attached (the link may report before its session exists).
_EARLY_PROBLEMS = 100


class _End:
    def __init__(self, reason: str) -> None:
        self.reason = reason


class FrameInbox:
    """Decodes a link's bytes into a queue of frames; `get()` raises once the link has ended."""

    def __init__(self, codec: FrameCodec, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.codec = codec
        self._decoder = codec.decoder()
        self._queue: asyncio.Queue[str | FramingError | _End] = asyncio.Queue()
        self._ended: str | None = None
        self._handler: ProblemHandler | None = None
        self._early: deque[FramingError] = deque(maxlen=_EARLY_PROBLEMS)
        self._clock = clock
        self._window_start = -1.0
        self._window_count = 0
        self._suppressed = 0
        self._suppressed_bytes = 0
        self._summary_timer: asyncio.TimerHandle | None = None
        self.frames_received = 0
        self.problems_seen = 0

    @property
    def ended(self) -> str | None:
        """Why the link ended, or None while it is up."""
        return self._ended

    def set_problem_handler(self, handler: ProblemHandler | None) -> None:
        """Send framing errors to `handler` (those reported before it was set come first)."""
        self._handler = handler
        if handler is not None:
            while self._early:
                self._deliver(self._early.popleft())

    def feed(self, data: bytes) -> None:
        """Bytes that arrived on the link (ignored once it has ended)."""
        if self._ended is not None:
            return
        for item in self._decoder.feed(data):
            self._take(item)

    def end(self, reason: str) -> None:
        """The link is gone: report a frame left incomplete, then let `get()` raise."""
        if self._ended is not None:
            return
        for item in self._decoder.finish():
            self._take(item)
        self._flush_summary()
        self._ended = reason
        self._queue.put_nowait(_End(reason))

    async def get(self) -> str:
        """The next frame; raises TransportClosed once the frames before the end are read.

        Framing errors queued before that frame go to the problem handler on the way.
        """
        while True:
            item = await self._queue.get()
            if isinstance(item, FramingError):
                self._deliver(item)
                continue
            if isinstance(item, _End):
                self._queue.put_nowait(item)  # every later call raises too
                raise TransportClosed(item.reason)
            return item

    # ------------------------------------------------------------------ problems

    def _take(self, item: str | FramingError) -> None:
        if isinstance(item, str):
            if self._suppressed and self._clock() - self._window_start >= 1.0:
                self._flush_summary()  # the summary belongs before this frame
            self.frames_received += 1
            self._queue.put_nowait(item)
        else:
            self.problems_seen += 1
            self._problem(item)

    def _problem(self, error: FramingError) -> None:
        now = self._clock()
        if now - self._window_start >= 1.0:
            self._flush_summary()
            self._window_start, self._window_count = now, 0
        self._window_count += 1
        if self._window_count <= PROBLEMS_PER_SECOND:
            self._queue.put_nowait(error)
            return
        self._suppressed += 1
        self._suppressed_bytes += error.discarded
        if self._summary_timer is None:
            loop = asyncio.get_running_loop()
            self._summary_timer = loop.call_later(
                max(0.0, self._window_start + 1.0 - now), self._flush_summary
            )

    def _flush_summary(self) -> None:
        if self._summary_timer is not None:
            self._summary_timer.cancel()
            self._summary_timer = None
        if not self._suppressed:
            return
        summary = FramingError(
            f"{self._suppressed} more framing errors within a second: check the baud rate, "
            f"parity and framing ({self.codec.framing.description}) on both ends",
            self._suppressed_bytes,
        )
        self._suppressed = self._suppressed_bytes = 0
        if self._ended is None:
            self._queue.put_nowait(summary)

    def _deliver(self, error: FramingError) -> None:
        log.warning("framing error: %s: %r", error, error.preview_text[:80])
        if self._handler is None:
            self._early.append(error)
            return
        try:
            self._handler(error)
        except Exception:
            log.exception("framing error handler failed")
