"""The configuration snapshot of a commissioning report: the newest complete read.

A report's "configuration as read from the charger" is one complete read (every key, the
fallback chain run to its end, a full base report), never a key the tool read for itself
before a transfer or after a change: those are listed apart, as read later by name. The
snapshot says when and how it was read, and whether that was since the charger's last
boot. When it was not, an export with the charger connected reads the configuration first
(`read_for_report`); otherwise the report says plainly that it was not read since the boot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ocpptui.core.config_reads import ConfigurationRead, ReadValue
from ocpptui.core.configuration import read_configuration
from ocpptui.core.device_model import read_device_model
from ocpptui.core.hub import Charger
from ocpptui.core.session import CallFailed, Session
from ocpptui.protocol.secrets import mask_value
from ocpptui.protocol.timestamps import record_time


@dataclass(slots=True)
class LaterValue:
    """A key read after the snapshot (by name, or by a read that did not finish)."""

    value: ReadValue
    read: ConfigurationRead
    session: Session


@dataclass(slots=True)
class Snapshot:
    """The newest complete read of a charger's configuration, over all its sessions."""

    read: ConfigurationRead | None
    session: Session | None
    last_boot_wall: float | None
    later: list[LaterValue] = field(default_factory=list)  # newest value per key

    @property
    def since_last_boot(self) -> bool:
        if self.read is None:
            return False
        return self.last_boot_wall is None or self.read.started_wall >= self.last_boot_wall


def last_boot_wall(charger: Charger) -> float | None:
    """When the charger last sent a BootNotification (any session), or None."""
    boots = [s.state.boot_wall for s in charger.sessions if s.state.boot_wall is not None]
    return max(boots) if boots else None


def configuration_snapshot(charger: Charger) -> Snapshot:
    """The newest complete read, and the keys read (not completely) after it."""
    reads = [(session, read) for session in charger.sessions
             for read in session.state.configuration_reads]  # fmt: skip
    snapshot = Snapshot(None, None, last_boot_wall(charger))
    after = 0
    for index in range(len(reads) - 1, -1, -1):
        session, read = reads[index]
        if read.complete:
            snapshot.read, snapshot.session = read, session
            after = index + 1
            break
    newest: dict[str, LaterValue] = {}
    for session, read in reads[after:]:
        for value in read.values:
            newest[value.key] = LaterValue(value, read, session)
    snapshot.later = [newest[key] for key in sorted(newest)]
    return snapshot


def needs_read(charger: Charger) -> bool:
    """Whether an export should read the configuration first: the charger is connected and
    has no complete read since its last boot."""
    return charger.connected and not configuration_snapshot(charger).since_last_boot


async def read_for_report(
    session: Session, progress: Callable[[str], None] = lambda step: None
) -> str | None:
    """Read the whole configuration (1.6) or device model (2.x) for a report.

    Returns None when a complete read came of it, else why not, in words.
    """
    before = len(session.state.configuration_reads)
    try:
        if session.version.is_2x:
            await read_device_model(session, "FullInventory", progress=progress)
        else:
            await read_configuration(session, progress=progress)
    except CallFailed as exc:
        return f"the configuration could not be read: {exc}"
    if not any(read.complete for read in session.state.configuration_reads[before:]):
        return "the charger did not let the configuration be read completely"
    return None


def _how(read: ConfigurationRead, session: Session) -> str:
    """`all keys` → `GetConfiguration, all keys` (a method that names its request stays)."""
    if read.how.startswith("Get"):
        return read.how
    return f"{'GetVariables' if session.version.is_2x else 'GetConfiguration'}, {read.how}"


def _value_json(value: ReadValue) -> dict[str, Any]:
    # A password the charger reported (AuthorizationKey) stays in the frame log only.
    shown = mask_value(value.key, value.value)
    return {"key": value.key, "value": shown, "readonly": value.readonly}


def snapshot_json(charger: Charger) -> dict[str, Any]:
    """The report's "configuration" facts."""
    snapshot = configuration_snapshot(charger)
    read, session = snapshot.read, snapshot.session
    return {
        "session": session.session_id if session is not None else None,
        "protocol": session.version.subprotocol if session is not None else None,
        "read": record_time(read.finished_wall) if read is not None else None,
        "read_started": record_time(read.started_wall) if read is not None else None,
        "how": _how(read, session) if read is not None and session is not None else None,
        "steps": list(read.steps) if read is not None else [],
        "frames": read.frames if read is not None else None,
        "since_last_boot": snapshot.since_last_boot,
        "last_boot": record_time(snapshot.last_boot_wall),
        "values": [_value_json(value) for value in read.values] if read is not None else [],
        "unknown": list(read.unknown) if read is not None else [],
        "read_later": [
            {
                **_value_json(later.value),
                "read": record_time(later.read.finished_wall),
                "how": _how(later.read, later.session),
                "frames": later.read.frames,
                "session": later.session.session_id,
            }
            for later in snapshot.later
        ],
    }


def snapshot_paragraphs(configuration: dict[str, Any], against: str) -> list[str]:
    """What the report says above the snapshot table (`against`: "; checked against …")."""
    boot = configuration.get("last_boot")
    if not configuration.get("read"):
        if boot:
            return [f"Not read since the last boot ({boot}): no complete read was made."]
        return ["Not read: no complete read of the configuration was made."]
    how = f"{configuration['how']}, frames {configuration['frames']}"
    if configuration.get("since_last_boot"):
        return [f"As read from the charger at {configuration['read']} ({how}){against}."]
    return [
        f"Not read since the last boot ({boot}). The newest complete read, below, was made "
        f"before that boot, at {configuration['read']} ({how}): values may have changed "
        f"since{against}."
    ]
