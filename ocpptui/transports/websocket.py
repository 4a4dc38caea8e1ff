"""WebSocket carrier: wraps a `websockets` asyncio connection (server or client side)."""

from __future__ import annotations

import asyncio

from websockets.asyncio.connection import Connection
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

from ocpptui.transports.base import TransportClosed, TransportInfo

CLOSE_WAIT = 2.0  # seconds a peer gets to answer our close frame


def describe_close(exc: ConnectionClosed) -> str:
    """Say why a WebSocket ended, in words (close code and reason from whichever side sent one)."""
    received, sent = exc.rcvd, exc.sent
    if received is None and sent is None:
        return "connection dropped without a close frame"
    if received is not None:
        who, frame = "charger", received
    else:
        who, frame = "ocpp-tui", sent
    assert frame is not None
    meaning = {
        CloseCode.NORMAL_CLOSURE: "normal closure",
        CloseCode.GOING_AWAY: "going away",
        CloseCode.PROTOCOL_ERROR: "protocol error",
        CloseCode.INVALID_DATA: "invalid UTF-8 in a text frame",
        CloseCode.MESSAGE_TOO_BIG: "frame larger than the size limit",
        CloseCode.INTERNAL_ERROR: "internal error",
    }.get(frame.code, f"code {int(frame.code)}")
    text = f"closed by {who}: {meaning}"
    if frame.reason:
        text += f" ({frame.reason})"
    return text


def _peer_text(address: object) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(address)


def _describe_certificate(der: bytes | None) -> str | None:
    if not der:
        return None
    from cryptography import x509

    certificate = x509.load_der_x509_certificate(der)
    return f"{certificate.subject.rfc4514_string()}, serial {certificate.serial_number:X}"


class WebSocketTransport:
    """A Transport over an established `websockets` connection."""

    def __init__(self, connection: Connection, path: str | None = None) -> None:
        self._connection = connection
        ssl_object = connection.transport.get_extra_info("ssl_object")
        cipher = ssl_object.cipher() if ssl_object is not None else None
        peer_der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        self.info = TransportInfo(
            kind="websocket",
            peer=_peer_text(connection.remote_address),
            subprotocol=connection.subprotocol,
            path=path,
            secure=ssl_object is not None,
            tls_version=ssl_object.version() if ssl_object is not None else None,
            cipher=cipher[0] if cipher else None,
            client_certificate=_describe_certificate(peer_der),
            local=_peer_text(connection.local_address) if connection.local_address else None,
        )

    @property
    def connection(self) -> Connection:
        return self._connection

    async def recv(self) -> str:
        try:
            message = await self._connection.recv()
        except ConnectionClosed as exc:
            raise TransportClosed(describe_close(exc)) from None
        if isinstance(message, bytes):
            # OCPP-J uses text frames only; keep a binary frame visible rather than drop it.
            return message.decode("utf-8", errors="replace")
        return message

    async def send(self, text: str) -> None:
        try:
            await self._connection.send(text)
        except ConnectionClosed as exc:
            raise TransportClosed(describe_close(exc)) from None

    async def ping(self) -> float:
        """Send a WebSocket ping and return the round trip in seconds (waits for the pong)."""
        try:
            pong = await self._connection.ping()
            return await pong
        except ConnectionClosed as exc:
            raise TransportClosed(describe_close(exc)) from None

    async def close(self, reason: str = "closed by ocpp-tui") -> None:
        """Close with a reason; a peer that does not complete the closing handshake (it hung,
        or its cable was pulled) is cut off after a short wait rather than the library's 10 s."""
        try:
            async with asyncio.timeout(CLOSE_WAIT):
                await self._connection.close(CloseCode.NORMAL_CLOSURE, reason[:120])
        except TimeoutError:
            self._connection.transport.abort()
