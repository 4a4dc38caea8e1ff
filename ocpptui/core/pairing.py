"""Answer ↔ request pairing, once for the live frame log and for saved logs.

OCPP-J answers a CALL with a CALLRESULT/CALLERROR that carries the CALL's message id and goes
the other way on the same connection. In proxy mode each leg (charger ⇄ laptop, laptop ⇄ CSMS)
is a connection of its own, and the same id usually crosses both legs: a CALL is therefore
looked up by (leg, direction, message id), never by the id alone.

Another tool's log may not say which way a frame went (every frame then reads as incoming):
with `directions_known=False` an answer pairs with a CALL of either direction, and takes the
direction opposite to its CALL's.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Generic, TypeVar

from ocpptui.core.frame import Direction, Frame

#: Message types of an answer: CALLRESULT, CALLERROR, and 2.1's CALLRESULTERROR.
ANSWER_TYPES = frozenset({3, 4, 5})
CALL_TYPE = 2

T = TypeVar("T")

#: Unanswered CALLs a pass through a saved log remembers per connection (live: frame_log's).
SAVED_LOG_OPEN_CALLS = 4096

Connection = tuple[str | None, Direction]
"""Where a CALL went: (proxy leg or None, direction)."""


def opposite(direction: Direction) -> Direction:
    return Direction.OUT if direction is Direction.IN else Direction.IN


def answers(answer: Frame, call: Frame, *, directions_known: bool = True) -> bool:
    """Whether `answer` can be the answer to `call` (same id and leg, the other way)."""
    return (
        call.message_type == CALL_TYPE
        and answer.message_type in ANSWER_TYPES
        and answer.message_id is not None
        and answer.message_id == call.message_id
        and answer.leg == call.leg
        and (not directions_known or answer.direction is opposite(call.direction))
    )


class OpenCalls(Generic[T]):
    """The CALLs still waiting for an answer, each with what its owner keeps for it (the
    frame itself live, its position in a saved log), at most `limit` per connection."""

    def __init__(self, limit: int, *, directions_known: bool = True) -> None:
        self.limit = limit
        self.directions_known = directions_known
        self._open: dict[Connection, OrderedDict[str, T]] = {}

    def add(self, call: Frame, kept: T) -> None:
        """Remember a CALL (the oldest of its connection is forgotten past the limit)."""
        assert call.message_id is not None
        self.remember_call(call.leg, call.direction, call.message_id, kept)

    def remember_call(
        self, leg: str | None, direction: Direction, message_id: str, kept: T
    ) -> None:
        """`add` from the fields of a CALL (for readers that make no Frame)."""
        calls = self._open.setdefault((leg, direction), OrderedDict())
        calls[message_id] = kept
        if len(calls) > self.limit:
            calls.popitem(last=False)

    def get(self, direction: Direction, message_id: str, leg: str | None = None) -> T | None:
        """What was kept for the unanswered CALL with this id that went in `direction`."""
        calls = self._open.get((leg, direction))
        return None if calls is None else calls.get(message_id)

    def take(self, answer: Frame) -> T | None:
        """What was kept for the CALL `answer` answers, which is no longer open; None when
        no open CALL has its id."""
        if answer.message_id is None:
            return None
        return self.take_call(answer.leg, answer.direction, answer.message_id)

    def take_call(
        self, leg: str | None, direction: Direction, message_id: str, default: Any = None
    ) -> Any:
        """`take` from the fields of an answer that went in `direction`; `default` when no
        open CALL has its id."""
        calls = self._open.get((leg, opposite(direction)))
        if calls is not None and message_id in calls:
            return calls.pop(message_id)
        if not self.directions_known:
            calls = self._open.get((leg, direction))
            if calls is not None and message_id in calls:
                return calls.pop(message_id)
        return default

    def feed(self, frame: Frame, kept: T) -> T | None:
        """Remember a CALL; for an answer, take and return what was kept for its CALL."""
        if frame.message_id is None:
            return None
        if frame.message_type == CALL_TYPE:
            self.add(frame, kept)
        elif frame.message_type in ANSWER_TYPES:
            return self.take(frame)
        return None

    def __len__(self) -> int:
        """CALLs still unanswered."""
        return sum(len(calls) for calls in self._open.values())


def link(call: Frame, answer: Frame, *, directions_known: bool = True) -> None:
    """Fill in what pairing tells: both sequence numbers, the answer's action, its direction
    (when the log did not say it) and its latency (unless recorded)."""
    answer.request_seq = call.seq
    call.response_seq = answer.seq
    if answer.action is None:
        answer.action = call.action
    if not directions_known:
        answer.direction = opposite(call.direction)
    if answer.latency_ms is None and call.wall and answer.wall:
        seconds = answer.mono - call.mono
        if -86_400 < seconds < 0:  # a time-of-day log crossing midnight
            seconds += 86_400
        answer.latency_ms = round(seconds * 1000.0, 3)
