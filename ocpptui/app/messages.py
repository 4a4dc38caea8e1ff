"""App-level Textual messages: what the hub reported, as small past-tense dataclasses.

The bridge posts them straight to the screens and widgets that asked for them, so they do
not bubble. Status-like messages coalesce in a busy queue (`can_replace`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from ocpptui.app.hub_handoff import HubChanges

if TYPE_CHECKING:
    from ocpptui.app.file_transfers import TransferRun
    from ocpptui.core.attempts import ConnectionAttempt
    from ocpptui.core.link_supervisor import LinkStatus


@dataclass
class HubMessage(Message, bubble=False):
    """Base of every message the bridge delivers."""


@dataclass
class ServerStarted(HubMessage, bubble=False):
    host: str
    port: int
    subprotocols: tuple[str, ...]


@dataclass
class ServerStopped(HubMessage, bubble=False):
    reason: str


@dataclass
class ConnectionRefused(HubMessage, bubble=False):
    peer: str
    path: str
    reason: str


@dataclass
class ChargerConnected(HubMessage, bubble=False):
    identity: str
    subprotocol: str
    peer: str
    replaced: bool


@dataclass
class DecisionNeeded(HubMessage, bubble=False):
    """A new charger booted under the "ask" policy: the technician accepts or rejects it."""

    identity: str
    vendor: str | None
    model: str | None
    peer: str


@dataclass
class ChargerDisconnected(HubMessage, bubble=False):
    identity: str
    reason: str


@dataclass
class ChargerChanged(HubMessage, bubble=False):
    """The charger's state changed (boot, status, heartbeat, meter values, ...).

    The bridge sends one per charger and refresh tick: `what` is the latest kind of change,
    `kinds` every kind since the previous tick (a boot is never hidden behind meter values).
    """

    identity: str
    what: str
    kinds: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.kinds:
            self.kinds = frozenset((self.what,))

    def can_replace(self, message: Message) -> bool:
        # A burst of meter values or heartbeats repaints the charger once.
        return (
            isinstance(message, ChargerChanged)
            and message.identity == self.identity
            and "boot" not in message.kinds
        )


@dataclass
class HubBatch(HubMessage, bubble=False):
    """Everything the hub reported since the previous refresh tick, in one message: for the
    views of every charger (the main screen), which must not do work per charger event."""

    changes: HubChanges


@dataclass
class FrameLogFailed(HubMessage, bubble=False):
    """A charger's frame log cannot be written to disk; it goes on in memory."""

    identity: str
    message: str


@dataclass
class FrameLogResumed(HubMessage, bubble=False):
    """A charger's frame log is written to disk again (what waited in memory included)."""

    identity: str
    message: str


@dataclass
class ServerFailed(Message):
    """The server could not listen (posted by the app's server worker, not by the hub)."""

    host: str
    port: int
    reason: str


@dataclass
class AttemptRecorded(HubMessage, bubble=False):
    """A connection attempt (accepted or refused) was added to `Hub.attempts`."""

    attempt: ConnectionAttempt


@dataclass
class TransferChanged(Message, bubble=False):
    """A firmware or diagnostics run moved on (status, bytes, verdict); bursts coalesce."""

    run: TransferRun

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TransferChanged) and message.run is self.run


@dataclass
class LinkStatusChanged(Message, bubble=False):
    """The local link (serial port, BLE device) opened, dropped, came back or closed."""

    status: LinkStatus
