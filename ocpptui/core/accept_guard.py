"""Running out of file descriptors at accept(): say so once in a while, refuse the newcomers
with a reason, keep serving the connections already open.

When accept() fails with EMFILE/ENFILE, asyncio reports it through the loop's exception
handler with a traceback, once per waiting connection and again every second: a flood of
clients fills stderr (or the app log) with hundreds of thousands of lines. The guard takes
those reports: one log line per interval, counting the rest. For the listeners registered
with it, it also answers the waiting clients: a spare descriptor (kept open for this) is
closed, one connection is accepted, sent its refusal (an HTTP 503, an FTP 421) and closed,
and the spare is taken again, so a charger sees why instead of a connection that hangs.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import socket
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

#: Seconds between two log lines about the shortage.
LOG_INTERVAL = 10.0
SHORTAGE_MESSAGE = "socket.accept() out of system resource"
_SHORTAGE_ERRNOS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


def http_refusal(reason: str) -> bytes:
    """An HTTP 503 with `reason` as its text body, for a client refused before any request."""
    body = (reason + "\n").encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Retry-After: 30\r\n"
        "Connection: close\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@dataclass(slots=True)
class _Listener:
    name: str
    refusal: bytes  # b"": close without a word (TLS and SSH listeners cannot send plain text)
    refused: Callable[[str, int], None] | None  # (peer, refused since the last call)
    pending: int = 0
    last_report: float = float("-inf")


class AcceptGuard:
    """The loop's exception handler for accept() shortages (one per event loop)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        interval: float = LOG_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self._suppressed = 0
        self._last_log = float("-inf")
        self._listeners: dict[int, _Listener] = {}
        self._spare: int | None = _open_spare()
        self._previous = loop.get_exception_handler()
        loop.set_exception_handler(self._handle)

    def register(
        self,
        sock: socket.socket | Any,
        name: str,
        refusal: bytes = b"",
        refused: Callable[[str, int], None] | None = None,
    ) -> None:
        """Answer clients waiting on the listening socket `sock` with `refusal` when out of
        descriptors; `refused(peer, count)` is called at most once per interval."""
        self._listeners[sock.fileno()] = _Listener(name, refusal, refused)

    def unregister(self, sock: socket.socket | Any) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._listeners.pop(sock.fileno(), None)

    # ------------------------------------------------------------------ handling

    def _handle(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exception = context.get("exception")
        if context.get("message") == SHORTAGE_MESSAGE and (
            isinstance(exception, OSError) and exception.errno in _SHORTAGE_ERRNOS
        ):
            self._shortage(context, exception)
            return
        if self._previous is not None:
            self._previous(loop, context)
        else:
            loop.default_exception_handler(context)

    def _shortage(self, context: dict[str, Any], exception: OSError) -> None:
        sock = context.get("socket")
        listener = self._listeners.get(sock.fileno()) if sock is not None else None
        peer = self._refuse_one(sock, listener) if listener is not None else None
        now = self.clock()
        if now - self._last_log >= self.interval:
            self._last_log = now
            more = f"; {self._suppressed} more since the last message" if self._suppressed else ""
            log.error(
                "out of file descriptors (%s): new connections are refused, the open ones "
                "go on%s (raise the open-file limit, ulimit -n, or lower "
                "[server] max_connections)",
                exception.strerror or exception,
                more,
            )
            self._suppressed = 0
        else:
            self._suppressed += 1
        if listener is not None and peer is not None:
            listener.pending += 1
            if listener.refused is not None and now - listener.last_report >= self.interval:
                listener.last_report = now
                count, listener.pending = listener.pending, 0
                try:
                    listener.refused(peer, count)
                except Exception:
                    log.exception("reporting a refused connection failed")

    def _refuse_one(self, sock: Any, listener: _Listener) -> str | None:
        """Accept one waiting client on the spare descriptor, refuse it, close it."""
        if self._spare is None:
            self._spare = _open_spare()
            if self._spare is None:
                return None
        os.close(self._spare)
        self._spare = None
        # The listening socket as asyncio holds it offers no accept(): a socket object on
        # the same descriptor, detached (never closed) afterwards.
        listening = socket.socket(fileno=sock.fileno())
        try:
            connection, address = listening.accept()
        except OSError:
            self._spare = _open_spare()
            return None
        finally:
            listening.detach()
        with connection:
            connection.setblocking(False)
            # Read what the client already sent: closing on unread bytes resets the
            # connection, and the client may then lose the refusal before reading it.
            with contextlib.suppress(OSError):
                connection.recv(65536)
            if listener.refusal:
                with contextlib.suppress(OSError):
                    connection.send(listener.refusal)
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_WR)
        self._spare = _open_spare()
        if isinstance(address, tuple):
            return f"{address[0]}:{address[1]}"
        return str(address)


_guards: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AcceptGuard] = (
    weakref.WeakKeyDictionary()
)


def accept_guard(loop: asyncio.AbstractEventLoop | None = None) -> AcceptGuard:
    """The guard of `loop` (the running loop by default), installed on first use."""
    loop = loop or asyncio.get_running_loop()
    guard = _guards.get(loop)
    if guard is None:
        guard = _guards[loop] = AcceptGuard(loop)
    return guard


def _open_spare() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY)
    except OSError:
        return None
