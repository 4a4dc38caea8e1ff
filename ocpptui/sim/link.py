"""The carrier of OCPP-J frames between the simulated charger and a CSMS.

A link is anything with `async recv() -> str`, `async send(str)` and `async close()`: exactly
what the `ocpp` library's ChargePoint reads and writes, so the simulator runs unchanged over a
WebSocket, a serial port or BLE. A link signals that the peer has gone by raising from `recv()`
or `send()`; `LinkClosed` is the preferred exception.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

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
    ) -> WebSocketLink:
        connection = await connect(
            url,
            subprotocols=[protocol],  # type: ignore[list-item]
            ping_interval=ping_interval,
            open_timeout=open_timeout,
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
) -> LinkFactory:
    """A factory opening a fresh WebSocketLink to `url` on every call.

    `ping_interval` may be a callable so a charger's WebSocketPingInterval setting is read at
    each (re)connect, which is when a real charger applies it.
    """

    async def open_link() -> Link:
        interval = ping_interval() if callable(ping_interval) else ping_interval
        return await WebSocketLink.open(url, protocol, ping_interval=interval)

    return open_link
