"""What one peer may hold of the file server: connections in all and per address, and how
long a connection may take to ask for something.

Anything on the site network can reach the file server's ports. Without caps, 64 idle FTP
sockets from one device lock the charger out, and a client sending its HTTP headers a byte a
minute holds a connection (and a file descriptor) for ever. One counter covers HTTP(S), FTP
and SFTP control connections together: a charger uses one protocol at a time.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ocpptui.core.accept_guard import http_refusal


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    max_connections: int = 64
    """Connections to the file server at once (0: no cap)."""
    max_connections_per_ip: int = 8
    """Connections from one address at once (0: no cap)."""
    request_timeout: float = 15.0
    """Seconds a client has to send a whole request (HTTP headers, FTP login; an SSH login
    gets four times as long), and an idle HTTP keep-alive connection is kept."""
    idle_timeout: float = 300.0
    """Seconds an FTP control connection may sit without a command (transfers excepted)."""


class ConnectionCounter:
    """Counts open connections per address; `admit` refuses past the caps."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self.total = 0
        self.by_address: Counter[str] = Counter()

    def admit(self, address: str) -> str | None:
        """Count a new connection from `address`; or, past a cap, why it is refused (it is
        then not counted)."""
        limits = self.limits
        if limits.max_connections and self.total >= limits.max_connections:
            return (
                f"the file server is at its cap of {limits.max_connections} connections "
                "([files] max_connections)"
            )
        held = self.by_address[address]
        if limits.max_connections_per_ip and held >= limits.max_connections_per_ip:
            return (
                f"{held} connection{'s' if held != 1 else ''} from {address} already: the cap "
                "per address is "
                f"{limits.max_connections_per_ip} ([files] max_connections_per_ip)"
            )
        self.total += 1
        self.by_address[address] += 1
        return None

    def release(self, address: str) -> None:
        self.total -= 1
        self.by_address[address] -= 1
        if self.by_address[address] <= 0:
            del self.by_address[address]


def peer_address(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    if isinstance(peer, tuple) and peer:
        return str(peer[0]).removeprefix("::ffff:")
    return "?"


class AdmittedProtocol(asyncio.Protocol):
    """Wraps a protocol (aiohttp's request handler): past the caps, the connection gets an
    HTTP 503 with the reason and is closed before the inner protocol ever sees it."""

    def __init__(
        self,
        inner: Callable[[], asyncio.Protocol],
        counter: ConnectionCounter,
        refused: Callable[[str, str], None],
    ) -> None:
        self._make_inner = inner
        self._counter = counter
        self._refused = refused
        self._inner: Any = None
        self._address = "?"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._address = peer_address(transport)
        reason = self._counter.admit(self._address)
        if reason is not None:
            if isinstance(transport, asyncio.WriteTransport):
                transport.write(http_refusal(reason))
            transport.close()
            self._refused(self._address, reason)
            return
        self._inner = self._make_inner()
        self._inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._inner is not None:
            self._counter.release(self._address)
            self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._inner is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()
