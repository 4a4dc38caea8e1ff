"""The carrier of OCPP-J frames between the simulated charger and a CSMS.

A link is anything with `async recv() -> str`, `async send(str)` and `async close()`: exactly
what the `ocpp` library's ChargePoint reads and writes, so the simulator runs unchanged over a
WebSocket, a serial port or BLE. A link signals that the peer has gone by raising from `recv()`
or `send()`; `LinkClosed` is the preferred exception.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.protocol import Event

logger = logging.getLogger("ocpptui.sim")


class LinkClosed(ConnectionError):
    """The carrier is gone: the peer closed it or it broke."""


@runtime_checkable
class Link(Protocol):
    async def recv(self) -> str: ...

    async def send(self, message: str) -> None: ...

    async def close(self) -> None: ...


LinkFactory = Callable[[], Awaitable[Link]]


def identity_from_url(url: str) -> str:
    """The charger identity: the percent-decoded last path segment of a ws:// or wss:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss"):
        raise ValueError(f"expected a ws:// or wss:// URL, got {url!r}")
    identity = unquote(parts.path.rstrip("/").rpartition("/")[2])
    if not identity:
        raise ValueError(f"the URL {url!r} has no charger identity as its last path segment")
    if ":" in identity:
        # The identity is the basic-auth user name, which cannot hold a colon.
        raise ValueError(f"charger identity {identity!r} must not contain ':'")
    return identity


class PingIntolerantConnection(ClientConnection):
    """A client connection that drops as soon as the server sends a WebSocket ping.

    Some chargers cannot handle server pings (lbbrhzn/ocpp #211). The WebSocket layer still
    answers the ping with a pong, as a charger's network stack does, but the charger then drops
    the TCP connection without a closing handshake, as if its firmware had crashed.
    """

    def process_event(self, event: Event) -> None:
        if isinstance(event, Frame) and event.opcode is Opcode.PING:
            path = self.request.path if self.request is not None else "?"
            logger.warning("%s: WebSocket ping received: dropping the connection (quirk)", path)
            self.transport.abort()
            return
        super().process_event(event)


class WebSocketLink:
    """A client WebSocket to a CSMS, negotiated for one OCPP subprotocol."""

    kind = "websocket"

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection

    @classmethod
    async def open(
        cls,
        url: str,
        protocol: str,
        *,
        ping_interval: float | None = 20.0,
        open_timeout: float = 10.0,
        offered: Sequence[str] | None = None,
        drop_on_ping: bool = False,
    ) -> WebSocketLink:
        """Connect to `url`; `offered` replaces the subprotocol offer (empty: no header)."""
        offer = [protocol] if offered is None else list(offered)
        connection = await connect(
            url,
            subprotocols=offer or None,  # type: ignore[arg-type]
            ping_interval=ping_interval,
            open_timeout=open_timeout,
            create_connection=PingIntolerantConnection if drop_on_ping else None,
        )
        if connection.subprotocol != protocol:
            # Some CSMSs answer without the header; the charger carries on as a real one would.
            logger.warning(
                "%s: server negotiated subprotocol %r, expected %r",
                url,
                connection.subprotocol,
                protocol,
            )
        return cls(connection)

    @property
    def subprotocol(self) -> str | None:
        return self._connection.subprotocol

    @property
    def peer(self) -> str:
        address = self._connection.remote_address
        return f"{address[0]}:{address[1]}" if address else "?"

    async def recv(self) -> str:
        try:
            message = await self._connection.recv()
        except ConnectionClosed as closed:
            raise LinkClosed(f"websocket closed: {closed}") from closed
        if isinstance(message, bytes):
            # OCPP-J uses text frames; a binary frame is decoded rather than dropped so the
            # library can log and reject it like any other malformed frame.
            return message.decode("utf-8", errors="replace")
        return message

    async def send(self, message: str) -> None:
        try:
            await self._connection.send(message)
        except ConnectionClosed as closed:
            raise LinkClosed(f"websocket closed: {closed}") from closed

    async def close(self) -> None:
        await self._connection.close()


def websocket_link_factory(
    url: str,
    protocol: str,
    *,
    ping_interval: Callable[[], float | None] | float | None = 20.0,
    offered: Sequence[str] | None = None,
    drop_on_ping: bool = False,
) -> LinkFactory:
    """A factory opening a fresh WebSocketLink to `url` on every call.

    `ping_interval` may be a callable so a charger's WebSocketPingInterval setting is read at
    each (re)connect, which is when a real charger applies it. `offered` and `drop_on_ping`
    reproduce chargers that offer the wrong subprotocols or cannot stand server pings.
    """

    async def open_link() -> Link:
        interval = ping_interval() if callable(ping_interval) else ping_interval
        return await WebSocketLink.open(
            url, protocol, ping_interval=interval, offered=offered, drop_on_ping=drop_on_ping
        )

    return open_link
