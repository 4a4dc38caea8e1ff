"""One recorded OCPP-J frame, as the frame log keeps it and writes it to disk."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ocpptui.protocol.validation import Violation


class Direction(StrEnum):
    IN = "in"  # charger → ocpp-tui
    OUT = "out"  # ocpp-tui → charger

    @property
    def arrow(self) -> str:
        return "→" if self is Direction.IN else "←"


@dataclass(slots=True, eq=False)
class Frame:
    """A frame in either direction, with everything the viewer and the log file need.

    `request_seq` / `response_seq` pair a CALL with its CALLRESULT/CALLERROR; `latency_ms` is
    set on the response. `problem` says why a frame is malformed; `violations` lists schema
    violations; `flags` marks frames ocpp-tui sent on purpose in unusual ways ("invalid-sent").
    """

    seq: int
    wall: float
    mono: float
    identity: str
    session_id: str
    direction: Direction
    raw: str
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
    def is_error(self) -> bool:
        return self.problem is not None or self.error_code is not None

    @property
    def type_label(self) -> str:
        return {2: "CALL", 3: "RESULT", 4: "ERROR", 5: "RESULTERROR", 6: "SEND"}.get(
            self.message_type or 0, "?"
        )

    def iso_time(self) -> str:
        return dt.datetime.fromtimestamp(self.wall, dt.UTC).isoformat(timespec="milliseconds")

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
