"""The one interface every carrier implements: text frames in, text frames out.

It is exactly what the `ocpp` package's ChargePoint needs (`recv()` / `send()`), so a
WebSocket, a serial line and a BLE link all plug into the same session logic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class TransportClosed(Exception):
    """The link is gone; `reason` says why in words a technician understands."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class TransportInfo:
    """What the UI shows about a link: carrier, peer, negotiated protocol, security."""

    kind: str  # "websocket", "serial", "ble"
    peer: str  # "10.0.0.8:51234", "/dev/ttyUSB0", "AA:BB:..."
    subprotocol: str | None = None
    path: str | None = None
    secure: bool = False
    tls_version: str | None = None
    cipher: str | None = None
    client_certificate: str | None = None  # subject and serial (mutual TLS)
    extra: dict[str, str] = field(default_factory=dict)
    local: str | None = None
    """The laptop's end of the link, as `peer` ("10.0.0.2:9000"); None for serial and BLE.
    File transfers put its address in the URLs: the charger reached the laptop there."""

    @property
    def summary(self) -> str:
        scheme = {"websocket": "wss" if self.secure else "ws"}.get(self.kind, self.kind)
        text = f"{scheme} from {self.peer}"
        if self.tls_version:
            text += f" ({self.tls_version}, {self.cipher})"
        if self.client_certificate:
            text += " mTLS"
        return text


@runtime_checkable
class Transport(Protocol):
    """A bidirectional carrier of OCPP-J text frames."""

    info: TransportInfo

    async def recv(self) -> str:
        """Next complete frame; raises TransportClosed when the link ends."""
        ...

    async def send(self, text: str) -> None:
        """Send one frame; raises TransportClosed when the link is gone."""
        ...

    async def close(self, reason: str = "closed by ocpp-tui") -> None: ...
