"""App-level Textual messages, small past-tense dataclasses.

What the hub reports reaches the UI as `HubReported`, wrapping the core's own event, or as a
`HubBatch` of a whole refresh tick. The bridge posts them straight to the screens and widgets
that asked for them, so they do not bubble. Status-like messages coalesce in a busy queue
(`can_replace`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from ocpptui.app.hub_handoff import HubChanges
from ocpptui.core import events

if TYPE_CHECKING:
    from ocpptui.app.file_transfers import TransferRun
    from ocpptui.core.link_supervisor import LinkStatus


@dataclass
class HubMessage(Message, bubble=False):
    """Base of every message the bridge delivers."""


@dataclass
class HubReported(HubMessage, bubble=False):
    """One event of the hub, the core's own (`core.events`), carried as the core made it.

    Charger updates come once per charger and refresh tick: `event` is the latest
    `ChargerUpdated` (its `what`, the latest kind of change) and `kinds` every kind since the
    previous tick, so a boot is never hidden behind meter values.
    """

    event: events.HubEvent
    kinds: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.kinds and isinstance(self.event, events.ChargerUpdated):
            self.kinds = frozenset((self.event.what,))

    @property
    def identity(self) -> str | None:
        """The charger the event is about (None for the server's own events)."""
        return getattr(self.event, "identity", None)

    def can_replace(self, message: Message) -> bool:
        # A burst of meter values or heartbeats repaints the charger once.
        return (
            isinstance(self.event, events.ChargerUpdated)
            and isinstance(message, HubReported)
            and isinstance(message.event, events.ChargerUpdated)
            and message.event.identity == self.event.identity
            and "boot" not in message.kinds
        )


@dataclass
class HubBatch(HubMessage, bubble=False):
    """Everything the hub reported since the previous refresh tick, in one message: for the
    views of every charger (the main screen), which must not do work per charger event."""

    changes: HubChanges


@dataclass
class ServerFailed(Message):
    """The server could not listen (posted by the app's server worker, not by the hub)."""

    host: str
    port: int
    reason: str


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
