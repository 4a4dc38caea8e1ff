"""Each read of a charger's configuration: complete or by name, when, how, what it answered.

The tool reads single keys for itself (SupportedFileTransferProtocols before a transfer, a
value read back after a change, a profile's keys). Their values merge into the live table,
but only a *complete* read (every key; the completed fallback chain; a full base report) is
"the configuration as read from the charger". Each read is therefore recorded in the
session's state with its kind, so that a read by name never replaces the last complete one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from ocpptui.wording import counted

if TYPE_CHECKING:
    from ocpptui.core.session import CallOutcome, Session
    from ocpptui.core.state import ChargerState

#: Reads kept per session; the newest complete read is always kept.
MAX_READS = 200


class ReadKind(StrEnum):
    COMPLETE = "complete"  # every key the charger has (or the completed fallback chain)
    BY_NAME = "by name"  # only the keys asked for
    PARTIAL = "partial"  # meant to be complete, but the charger did not finish it


@dataclass(frozen=True, slots=True)
class ReadValue:
    """One key (1.6) or variable (2.x, `Component.Variable` label) as one read reported it."""

    key: str
    value: str | None
    readonly: bool


@dataclass(frozen=True, slots=True)
class ConfigurationRead:
    """One read: what kind, how (which request, which fallback), when, and what came back."""

    kind: ReadKind
    how: str  # "all keys", "batches of 10 keys", "2 keys by name", "GetBaseReport FullInventory"
    started_wall: float
    finished_wall: float
    values: tuple[ReadValue, ...]
    unknown: tuple[str, ...] = ()  # keys the charger said it does not have
    steps: tuple[str, ...] = ()  # what was tried, when it was more than one request
    first_seq: int | None = None  # the first request's frame and the last answer's
    last_seq: int | None = None

    @property
    def complete(self) -> bool:
        return self.kind is ReadKind.COMPLETE

    @property
    def frames(self) -> str:
        """The frames that carry this read, `#12-#40`."""
        if self.first_seq is None:
            return "—"
        if self.last_seq is None or self.last_seq == self.first_seq:
            return f"#{self.first_seq}"
        return f"#{self.first_seq}-#{self.last_seq}"


@dataclass(slots=True)
class ReadRecorder:
    """Collects one read's answers while it runs, then records it in the session's state."""

    session: Session
    started_wall: float = 0.0
    values: dict[str, ReadValue] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    first_seq: int | None = None
    last_seq: int | None = None

    def __post_init__(self) -> None:
        self.started_wall = self.session.clock.wall()

    def answered(self, outcome: CallOutcome) -> None:
        """Note the request and answer frames of one call of this read."""
        self.frame_seq(outcome.request_frame.seq)
        self.frame_seq(outcome.response_frame.seq)

    def frame_seq(self, seq: int) -> None:
        if self.first_seq is None or seq < self.first_seq:
            self.first_seq = seq
        if self.last_seq is None or seq > self.last_seq:
            self.last_seq = seq

    def value(self, key: str, value: str | None, readonly: bool) -> None:
        self.values[key] = ReadValue(key, value, readonly)
        self.unknown.discard(key)

    def not_known(self, key: str) -> None:
        if key not in self.values:
            self.unknown.add(key)

    def finish(self, kind: ReadKind, how: str, steps: list[str] | None = None) -> ConfigurationRead:
        read = ConfigurationRead(
            kind=kind,
            how=how,
            started_wall=self.started_wall,
            finished_wall=self.session.clock.wall(),
            values=tuple(self.values[key] for key in sorted(self.values)),
            unknown=tuple(sorted(self.unknown)),
            steps=tuple(steps or ()),
            first_seq=self.first_seq,
            last_seq=self.last_seq,
        )
        record_read(self.session.state, read)
        return read


def record_read(state: ChargerState, read: ConfigurationRead) -> None:
    """Add `read` to the state's reads, dropping the oldest beyond MAX_READS."""
    reads = state.configuration_reads
    reads.append(read)
    if len(reads) > MAX_READS:
        keep = last_complete_read(reads)
        for index, old in enumerate(reads):
            if old is not keep:
                del reads[index]
                break


def last_complete_read(reads: list[ConfigurationRead]) -> ConfigurationRead | None:
    """The newest complete read in `reads` (oldest first), or None."""
    for read in reversed(reads):
        if read.complete:
            return read
    return None


def by_name_label(count: int, noun: str = "key") -> str:
    """How a read of named keys is described: "1 key by name", "2 variables by name"."""
    return f"{counted(count, noun)} by name"


def reads_since_complete(
    reads: list[ConfigurationRead],
) -> tuple[ConfigurationRead | None, list[ConfigurationRead]]:
    """(the newest complete read, the reads after it), from `reads` oldest first."""
    for index in range(len(reads) - 1, -1, -1):
        if reads[index].complete:
            return reads[index], reads[index + 1 :]
    return None, list(reads)
