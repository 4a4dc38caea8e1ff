"""One recorded OCPP-J frame, as the frame log keeps it and writes it to disk."""

from __future__ import annotations

import json
import sys
from collections import OrderedDict
from dataclasses import InitVar, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ocpptui.protocol.timestamps import record_time
from ocpptui.protocol.validation import Violation


class Direction(StrEnum):
    IN = "in"  # charger → ocpp-tui
    OUT = "out"  # ocpp-tui → charger

    @property
    def arrow(self) -> str:
        return "→" if self is Direction.IN else "←"


#: Bytes a frame costs in memory besides its raw text (the object, its ids and fields).
FRAME_OVERHEAD = 400


@dataclass(frozen=True, slots=True)
class RawOnDisk:
    """Where a big frame's raw text is: its line in the session's frames.jsonl."""

    path: Path
    offset: int  # of the line, in bytes
    line_bytes: int
    raw_chars: int  # len() of the raw text the line holds


@dataclass(slots=True, eq=False)
class Frame:
    """A frame in either direction, with everything the viewer and the log file need.

    `request_seq` / `response_seq` pair a CALL with its CALLRESULT/CALLERROR; `latency_ms` is
    set on the response. `problem` says why a frame is malformed; `violations` lists schema
    violations; `flags` marks frames ocpp-tui sent on purpose in unusual ways ("invalid-sent").

    `raw` is the text exactly as it went over the wire. A big frame's text, once written to
    its log file, is not kept in memory (`keep_raw_on_disk`): `raw` reads it back from there.
    """

    seq: int
    wall: float
    mono: float
    identity: str
    session_id: str
    direction: Direction
    raw: InitVar[str]
    message_type: int | None = None
    message_id: str | None = None
    action: str | None = None
    # The parsed payload is not kept: a frame's dicts would double its memory and give the
    # garbage collector a hundred thousand containers to scan. `payload` parses `raw` when
    # asked; a reader that sets it (saved logs) keeps its own value.
    _payload: Any = field(default=None, repr=False)
    _payload_set: bool = field(default=False, repr=False)
    error_code: str | None = None
    error_description: str | None = None
    error_details: Any = None
    request_seq: int | None = None
    response_seq: int | None = None
    latency_ms: float | None = None
    problem: str | None = None
    violations: tuple[Violation, ...] = ()
    flags: tuple[str, ...] = field(default=())
    leg: str | None = None  # proxy mode: "charger" (charger ⇄ laptop) or "csms" (laptop ⇄ CSMS)
    protocol: str | None = None  # the session's subprotocol, e.g. "ocpp1.6"
    _raw: str | None = field(default=None, init=False, repr=False)
    _raw_on_disk: RawOnDisk | None = field(default=None, init=False, repr=False)

    def __post_init__(self, raw: str) -> None:
        self._raw = raw

    def keep_raw_on_disk(self, where: RawOnDisk) -> None:
        """Drop the raw text from memory: it is on disk at `where` (read back when asked)."""
        _recently_read.put(where, self._raw)
        self._raw_on_disk = where
        self._raw = None

    @property
    def raw_size(self) -> int:
        """Length of the raw text in characters, without reading it back from disk."""
        if self._raw is not None:
            return len(self._raw)
        assert self._raw_on_disk is not None
        return self._raw_on_disk.raw_chars

    @property
    def memory_bytes(self) -> int:
        """About what this frame holds in memory (for the hub's byte budget)."""
        if self._raw is None:
            return FRAME_OVERHEAD
        return FRAME_OVERHEAD + sys.getsizeof(self._raw)

    @property
    def payload(self) -> Any:
        """The payload of a CALL/SEND/CALLRESULT, parsed from `raw` (None when there is none)."""
        if self._payload_set:
            return self._payload
        if self.message_type not in (2, 3, 6):
            return None
        try:
            data = json.loads(self.raw)
        except (ValueError, RecursionError):
            return None
        index = 2 if self.message_type == 3 else 3
        return data[index] if isinstance(data, list) and len(data) > index else None

    @payload.setter
    def payload(self, value: Any) -> None:
        self._payload = value
        self._payload_set = True

    @property
    def type_label(self) -> str:
        return {2: "CALL", 3: "RESULT", 4: "ERROR", 5: "RESULTERROR", 6: "SEND"}.get(
            self.message_type or 0, "?"
        )

    def iso_time(self) -> str:
        return record_time(self.wall)

    def to_record(self) -> dict[str, Any]:
        """The JSONL record (documented in the README, section "Frame log format")."""
        return {
            "seq": self.seq,
            "time": self.iso_time(),
            "mono": round(self.mono, 6),
            "identity": self.identity,
            "session": self.session_id,
            "dir": self.direction.value,
            "type": self.message_type,
            "id": self.message_id,
            "action": self.action,
            "raw": self.raw,
            "request_seq": self.request_seq,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 3),
            "error_code": self.error_code,
            "problem": self.problem,
            "violations": [v.to_json() for v in self.violations],
            "flags": list(self.flags),
            "leg": self.leg,
            "protocol": self.protocol,
        }


def _raw_text(frame: Frame) -> str:
    if frame._raw is not None:
        return frame._raw
    where = frame._raw_on_disk
    assert where is not None
    return read_raw_back(where)


def _set_raw_text(frame: Frame, raw: str) -> None:
    frame._raw, frame._raw_on_disk = raw, None


# A property beside the dataclass's `raw` InitVar: set after the class is made, or the
# decorator would take it for the InitVar's default.
Frame.raw = property(_raw_text, _set_raw_text)  # type: ignore[assignment,method-assign]


class _RecentlyRead:
    """The raw texts last read back (or just sent to disk): showing a frame repaints often."""

    def __init__(self, max_bytes: int = 16 << 20) -> None:
        self.max_bytes = max_bytes
        self._texts: OrderedDict[RawOnDisk, str] = OrderedDict()
        self._bytes = 0

    def get(self, where: RawOnDisk) -> str | None:
        text = self._texts.get(where)
        if text is not None:
            self._texts.move_to_end(where)
        return text

    def put(self, where: RawOnDisk, text: str | None) -> None:
        if text is None or len(text) > self.max_bytes:
            return
        self._texts[where] = text
        self._bytes += len(text)
        while self._bytes > self.max_bytes:
            _, dropped = self._texts.popitem(last=False)
            self._bytes -= len(dropped)


_recently_read = _RecentlyRead()


def read_raw_back(where: RawOnDisk) -> str:
    """A big frame's raw text from its line in the log file. When the file can no longer be
    read, a JSON string saying why (the viewer shows it; nothing raises)."""
    cached = _recently_read.get(where)
    if cached is not None:
        return cached
    try:
        with where.path.open("rb") as file:
            file.seek(where.offset)
            line = file.read(where.line_bytes)
        raw = json.loads(line)["raw"]
        if not isinstance(raw, str):
            raise ValueError("no raw text on that line")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return json.dumps(f"(frame no longer readable from {where.path}: {exc})")
    _recently_read.put(where, raw)
    return raw


def answer_status(answer: Frame | None) -> str | None:
    """An answer's `status` field (or its CallError code; "?" when it has none); None while
    there is no answer."""
    if answer is None:
        return None
    if answer.error_code is not None:
        return answer.error_code
    payload = answer.payload if isinstance(answer.payload, dict) else {}
    status = payload.get("status")
    return status if isinstance(status, str) else "?"
