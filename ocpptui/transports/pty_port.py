"""A pseudo-terminal as a virtual serial cable (Linux, macOS): one end for the simulator.

`PtyCable.create()` makes a pty pair in raw mode. Its slave path (`/dev/pts/N`) is a real tty
that ocpp-tui opens with pyserial like any serial port; the simulator talks through the
master end. A pty ignores baud rate, parity and flow control.

The far side behaves like a USB-serial device: its link factory waits until the laptop has
the port open (bytes written before that would be flushed by pyserial's open, so a boot
would be lost), and a link ends when the laptop closes the port (the master then reads EIO).
`close()` is pulling the cable out: the laptop's port reports an error and the path goes away.
"""

from __future__ import annotations

import asyncio
import errno
import os
import select
import threading
import time
from collections.abc import Awaitable, Callable

from ocpptui.transports.base import TransportInfo
from ocpptui.transports.framing import FrameCodec
from ocpptui.transports.stream_link import StreamTransport

#: Longest a blocked read waits before checking whether it should stop.
_READ_TIMEOUT = 0.2
#: Longest a write waits for the other end to make room (a real port's write timeout).
_WRITE_TIMEOUT = 10.0
#: How long the link factory waits for the laptop to open the port before it gives up (the
#: simulator then retries), and how long it lets pyserial finish opening (its input flush).
_PEER_WAIT = 3.0
_PEER_SETTLE = 0.2


class PtyCable:
    """A pty pair: `slave_path` for the laptop, the master end for the far side."""

    def __init__(self, master_fd: int, slave_path: str) -> None:
        self.master_fd = master_fd
        self.slave_path = slave_path
        self.closed = False

    @classmethod
    def create(cls) -> PtyCable:
        if os.name != "posix":
            raise OSError(
                "pseudo-terminals exist on Linux and macOS only; on Windows use a pair of "
                "virtual COM ports (e.g. com0com) and `--serial COMx`"
            )
        import tty

        master_fd, slave_fd = os.openpty()
        # Raw from the start (the mode stays with the pty): a canonical-mode slave would echo
        # the simulator's bytes back to it.
        tty.setraw(slave_fd)
        slave_path = os.ttyname(slave_fd)
        os.close(slave_fd)  # only the laptop holds the slave, so the master sees it come and go
        os.set_blocking(master_fd, False)
        return cls(master_fd, slave_path)

    def peer_attached(self) -> bool:
        """True while the laptop side has the port open."""
        if self.closed:
            return False
        poller = select.poll()
        poller.register(self.master_fd, select.POLLIN)
        return not any(events & select.POLLHUP for _, events in poller.poll(0))

    def port(self) -> PtyMasterPort:
        """A BlockingPort on the master end (closing it leaves the cable plugged in)."""
        return PtyMasterPort(self)

    def link(self, codec: FrameCodec) -> StreamTransport:
        """A started transport on the master end (call on the event loop)."""
        info = TransportInfo(
            kind="serial", peer=f"pty master of {self.slave_path}", extra={"framing": codec.framing}
        )
        transport = StreamTransport(self.port(), codec, info)
        transport.start()
        return transport

    def link_factory(self, codec: FrameCodec) -> Callable[[], Awaitable[StreamTransport]]:
        """For `SimulatedCharger(link_factory=...)`: a fresh link on this cable per call."""

        async def open_link() -> StreamTransport:
            deadline = time.monotonic() + _PEER_WAIT
            while not self.peer_attached():
                if self.closed:
                    raise OSError(errno.ENODEV, "the pty cable was closed")
                if time.monotonic() > deadline:
                    raise OSError(errno.ENOTCONN, f"nobody has {self.slave_path} open yet")
                await asyncio.sleep(0.05)
            await asyncio.sleep(_PEER_SETTLE)
            return self.link(codec)

        return open_link

    def close(self) -> None:
        """Pull the cable: the master closes, the laptop's port fails, the path goes away."""
        if self.closed:
            return
        self.closed = True
        try:
            os.close(self.master_fd)
        except OSError:
            pass


class PtyMasterPort:
    """Blocking reads and writes on the master end, cancellable through a pipe."""

    def __init__(self, cable: PtyCable) -> None:
        self.cable = cable
        self.name = f"pty master of {cable.slave_path}"
        self._cancel_r, self._cancel_w = os.pipe()
        self._closed = False
        self._lock = threading.Lock()

    def read(self, max_bytes: int) -> bytes:
        if self._closed or self.cable.closed:
            raise OSError(errno.EBADF, "the pty cable was closed")
        ready, _, _ = select.select([self.cable.master_fd, self._cancel_r], [], [], _READ_TIMEOUT)
        if self._cancel_r in ready:
            os.read(self._cancel_r, 64)
            return b""
        if not ready:
            return b""
        try:
            return os.read(self.cable.master_fd, max_bytes)
        except BlockingIOError:
            return b""

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + _WRITE_TIMEOUT
        while view:
            if self._closed or self.cable.closed:
                raise OSError(errno.EBADF, "the pty cable was closed")
            if time.monotonic() > deadline:
                raise TimeoutError(f"write timed out: nobody reads {self.cable.slave_path}")
            _, writable, _ = select.select([], [self.cable.master_fd], [], 0.2)
            if not writable:
                continue  # the laptop side is not reading; the pty buffer is full
            try:
                written = os.write(self.cable.master_fd, view)
            except BlockingIOError:
                continue
            view = view[written:]

    def cancel_read(self) -> None:
        with self._lock:
            if not self._closed:
                os.write(self._cancel_w, b"x")

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            os.close(self._cancel_r)
            os.close(self._cancel_w)
