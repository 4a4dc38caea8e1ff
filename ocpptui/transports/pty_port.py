"""A pseudo-terminal as a virtual serial cable (Linux, macOS): one end for the simulator.

`PtyCable.create()` makes a pty pair in raw mode. Its slave path (`/dev/pts/N`) is a real tty
that ocpp-tui opens with pyserial like any serial port; the simulator talks through the
master end with `PtyCable.link()`. A pty ignores baud rate, parity and flow control.

The cable keeps its own slave descriptor open, so the laptop side can close and reopen the
port without the pty going away (as with a real cable); `close()` is pulling the cable out:
the laptop's port then reports an error and its path disappears.
"""

from __future__ import annotations

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


class PtyCable:
    """A pty pair: `slave_path` for the laptop, the master end for the far side."""

    def __init__(self, master_fd: int, slave_fd: int) -> None:
        self.master_fd = master_fd
        self.slave_fd = slave_fd
        self.slave_path = os.ttyname(slave_fd)
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
        # Raw from the start: a canonical-mode slave would echo the simulator's first bytes
        # back to it before the laptop opens the port and sets its own mode.
        tty.setraw(slave_fd)
        os.set_blocking(master_fd, False)
        return cls(master_fd, slave_fd)

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
            if self.closed:
                raise OSError(errno.ENODEV, "the pty cable was closed")
            return self.link(codec)

        return open_link

    def close(self) -> None:
        """Pull the cable: both descriptors closed, the slave path goes away."""
        if self.closed:
            return
        self.closed = True
        for fd in (self.master_fd, self.slave_fd):
            try:
                os.close(fd)
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
