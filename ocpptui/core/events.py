"""Low-rate events the hub publishes (frames themselves are pulled from the frame windows)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ocpptui.core.attempts import ConnectionAttempt


class UpdateKind(StrEnum):
    """What changed on a charger: `ChargerUpdated.what`, and what a session reports through
    `Session.updated` (a str: listeners may compare with plain strings)."""

    BOOT = "boot"
    DECISION_NEEDED = "decision-needed"  # a new charger booted under the "ask" policy
    DECISION = "decision"  # the technician answered it
    HEARTBEAT = "heartbeat"
    STATUS = "status"
    TRANSACTION = "transaction"
    METER = "meter"
    DATA_TRANSFER = "data-transfer"
    SECURITY_EVENT = "security-event"
    CERTIFICATE = "certificate"
    FIRMWARE_STATUS = "firmware-status"
    PUBLISH_FIRMWARE_STATUS = "publish-firmware-status"
    DIAGNOSTICS_STATUS = "diagnostics-status"
    LOG_STATUS = "log-status"
    CONFIGURATION = "configuration"
    DEVICE_MODEL = "device-model"
    UPSTREAM = "upstream"  # proxy mode: the real CSMS connected or dropped
    SILENT = "silent"  # no message for more than two heartbeat intervals
    ALIVE = "alive"  # heard from again
    DISCONNECTED = "disconnected"


@dataclass(frozen=True, slots=True)
class ServerStarted:
    host: str
    port: int
    subprotocols: tuple[str, ...]
    scheme: str = "ws"  # "wss" with TLS (security profiles 2 and 3)


@dataclass(frozen=True, slots=True)
class ServerStopped:
    reason: str


@dataclass(frozen=True, slots=True)
class ConnectionRefused:
    """A connection attempt that did not become a session, with a reason a technician can act on."""

    peer: str
    path: str
    reason: str
    offered_subprotocols: tuple[str, ...] = ()
    advice: str | None = None  # what to do about it
    warning: str | None = None  # about the identity (core.identity.path_word_warning)


@dataclass(frozen=True, slots=True)
class AttemptRecorded:
    """A connection attempt (accepted or refused) was added to `Hub.attempts`."""

    attempt: ConnectionAttempt


@dataclass(frozen=True, slots=True)
class DecisionNeeded:
    """A new charger booted under the "ask" policy: answer Accept / Pending / Reject."""

    identity: str
    vendor: str | None
    model: str | None
    peer: str


@dataclass(frozen=True, slots=True)
class ChargerConnected:
    identity: str
    session_id: str
    subprotocol: str
    peer: str
    replaced: bool


@dataclass(frozen=True, slots=True)
class ChargerDisconnected:
    identity: str
    session_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ChargerUpdated:
    """The charger's state changed (boot, status, heartbeat, meter values, ...)."""

    identity: str
    what: UpdateKind


@dataclass(frozen=True, slots=True)
class LogProblem:
    """The frame log of a session cannot be written to disk; it continues in memory."""

    identity: str
    message: str


@dataclass(frozen=True, slots=True)
class LogResumed:
    """The frame log of a session is written to disk again (the frames kept in memory
    while it could not be were written first, in order)."""

    identity: str
    message: str


HubEvent = (
    ServerStarted
    | ServerStopped
    | ConnectionRefused
    | ChargerConnected
    | DecisionNeeded
    | AttemptRecorded
    | ChargerDisconnected
    | ChargerUpdated
    | LogProblem
    | LogResumed
)
