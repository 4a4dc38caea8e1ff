"""A Transport over a blocking byte port (a serial port, a pty): frames via a framing codec.

Why a reader thread and not `loop.add_reader(fd)`: `add_reader` needs a selector event loop
and a selectable file descriptor. Windows has neither for COM ports (the default Proactor loop
has no `add_reader`, and a COM handle is not a socket), so it would need a second code path
there. One thread per open port doing blocking reads with a short timeout runs the same code
on Linux, macOS and Windows, costs nothing at serial rates, and hands bytes to the event loop
with `call_soon_threadsafe`; the loop never blocks on the port. Writes go through
`asyncio.to_thread`, because a write can block while RTS/CTS or XON/XOFF holds the line.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Protocol

from ocpptui.transports.base import TransportClosed, TransportInfo
from ocpptui.transports.framing import FrameCodec
from ocpptui.transports.inbox import FrameInbox, ProblemHandler

log = logging.getLogger(__name__)

#: Bytes asked for per read; a read returns as soon as anything arrived.
READ_SIZE = 4096
#: How long joining the reader thread may take when the link closes.
_JOIN_SECONDS = 2.0


class BlockingPort(Protocol):
    """What the transport needs of a port; pyserial's `Serial` nearly is one."""

    name: str

    def read(self, max_bytes: int) -> bytes:
        """Block until bytes arrive or a short timeout passes (then b""); raise OSError when
        the port is gone."""
        ...

    def write(self, data: bytes) -> None:
        """Write all of `data`; raise OSError when the port is gone or the write timed out."""
        ...

    def cancel_read(self) -> None:
        """Make a blocked `read()` return now (called from the event loop thread)."""
        ...

    def close(self) -> None: ...


def describe_port_error(name: str, error: BaseException) -> str:
    """Words for why a port failed, for the session's close reason."""
    text = str(error) or type(error).__name__
    lowered = text.lower()
    if "returned no data" in lowered or "input/output error" in lowered or "errno 5" in lowered:
        return f"{name} went away (cable unplugged, device reset or far end closed): {text}"
    return f"{name} failed: {text}"


class StreamTransport:
    """Frames over a `BlockingPort`, read by a thread of its own; see the module docstring."""

    def __init__(self, port: BlockingPort, codec: FrameCodec, info: TransportInfo) -> None:
        self.port = port
        self.codec = codec
        self.info = info
        self.inbox = FrameInbox(codec)
        self.closed_locally = False  # True when ocpp-tui closed it (not the cable or far end)
        self.bytes_sent = 0
        self.bytes_received = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reader: threading.Thread | None = None
        self._stopping = threading.Event()
        self._write_lock = asyncio.Lock()
        self._closed = False

    def start(self) -> None:
        """Start reading (call once, on the event loop)."""
        if self._reader is not None:
            raise RuntimeError("already started")
        self._loop = asyncio.get_running_loop()
        self._reader = threading.Thread(
            target=self._read_forever, name=f"read {self.port.name}", daemon=True
        )
        self._reader.start()

    def set_problem_handler(self, handler: ProblemHandler | None) -> None:
        """Where framing errors go (the session's frame log); see FrameInbox."""
        self.inbox.set_problem_handler(handler)

    # ------------------------------------------------------------------ reader thread

    def _read_forever(self) -> None:
        loop = self._loop
        assert loop is not None
        reason = "closed by ocpp-tui"
        try:
            while not self._stopping.is_set():
                try:
                    data = self.port.read(READ_SIZE)
                except Exception as exc:  # pyserial raises SerialException, TypeError, OSError
                    if not self._stopping.is_set():
                        reason = describe_port_error(self.port.name, exc)
                    break
                if data:
                    self.bytes_received += len(data)
                    loop.call_soon_threadsafe(self.inbox.feed, data)
        finally:
            try:
                loop.call_soon_threadsafe(self._reader_ended, reason)
            except RuntimeError:
                pass  # the loop is closed: nobody is waiting any more

    def _reader_ended(self, reason: str) -> None:
        if not self._stopping.is_set():
            log.info("%s: %s", self.port.name, reason)
        self.inbox.end(reason)

    # ------------------------------------------------------------------ Transport

    async def recv(self) -> str:
        return await self.inbox.get()

    async def send(self, text: str) -> None:
        data = self.codec.encode(text)
        async with self._write_lock:
            if self.inbox.ended is not None:
                raise TransportClosed(self.inbox.ended)
            try:
                await asyncio.to_thread(self.port.write, data)
            except Exception as exc:
                reason = describe_port_error(self.port.name, exc)
                # A port that cannot be written is as good as gone: end the link, so the
                # session ends and the supervisor can reopen it.
                await self._shutdown(reason)
                raise TransportClosed(reason) from None
            self.bytes_sent += len(data)

    async def close(self, reason: str = "closed by ocpp-tui") -> None:
        if not self._closed and self.inbox.ended is None:
            self.closed_locally = True
        await self._shutdown(reason)

    async def _shutdown(self, reason: str) -> None:
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        try:
            self.port.cancel_read()
        except Exception as exc:
            log.debug("%s: cancel_read: %r", self.port.name, exc)
        reader = self._reader
        if reader is not None and reader is not threading.current_thread():
            await asyncio.to_thread(reader.join, _JOIN_SECONDS)
        try:
            await asyncio.to_thread(self.port.close)
        except Exception as exc:  # closing a port that is already gone may fail
            log.debug("%s: close: %r", self.port.name, exc)
        self.inbox.end(reason)
