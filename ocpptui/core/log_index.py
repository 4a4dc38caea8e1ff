"""What a filter asks of each frame of a saved log, recorded as the indexer finds the frame.

A filter on a saved log used to parse every line again (1,000,000 frames: seconds, more than
a bare `json.loads` pass). The indexer already visits every line to record where it starts;
it now also records, in eight bytes per frame, what the structured filters test:

    bits 0-2   message type (0: none, 2-6, 7: any other number)
    bit  3     direction: sent to the charger ("out")
    bit  4     flagged: a CallError, a malformed frame or recorded schema violations
    bits 5-20  action, as a code into a small table of the names seen (0: none)
    bits 21-44 charger identity, likewise

A filter on action, direction, type, charger or errors then reads these keys, not the file:
it works out once which of the few distinct keys the file holds match (`FieldQuery`), and
picks the matching positions at C speed (`itertools.compress`). Only what the keys cannot
answer (free text, message ids, re-validation of another tool's log) goes back to the lines,
and only for the positions the keys let through.

The fields are exactly what `LogFile.scan` would give each frame in one pass over the file:
for ocpp-tui's own records they are read from the record as `LogFile` reads it (json.loads
of the line, the same conversions), an answer that names no action taking its CALL's; for
other tools' logs each frame is parsed and paired as the scan does. Indexing so costs about
one json.loads pass in the background thread (the first screen does not wait for it).
`tests/services/test_log_index.py` checks index filters against parse filters.
"""

from __future__ import annotations

import fnmatch
import functools
import json
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import compress
from typing import Any

from ocpptui.core.frame import Direction, Frame
from ocpptui.core.pairing import ANSWER_TYPES, CALL_TYPE, SAVED_LOG_OPEN_CALLS, OpenCalls

_TYPE_MASK = 0b111
_OUT = 1 << 3
_FLAGGED = 1 << 4
_ACTION_SHIFT = 5
_ACTION_MASK = 0xFFFF
_IDENTITY_SHIFT = 21
_IDENTITY_MASK = 0xFFFFFF
_OTHER_TYPE = 7


_scan_once = json.JSONDecoder().scan_once


def int_or_none(value: Any) -> int | None:
    """A record's integer field (a JSON number with a fraction, or true, is not one)."""
    return value if type(value) is int else None


def str_or_none(value: Any) -> str | None:
    """A record's text field (other JSON values as their Python text)."""
    return value if value is None or type(value) is str else str(value)


def _has_violation(value: Any) -> bool:
    """Whether a record's `violations` holds one (LogFile keeps the dict items)."""
    return isinstance(value, list) and any(isinstance(item, dict) for item in value)


@functools.lru_cache(maxsize=4096)
def name_matches(patterns: tuple[str, ...], name: str) -> bool:
    """`name` (any case) is one of `patterns` (lower case, `*` wildcards): the frame filter's
    rule for actions, here for the saved-log index too."""
    name = name.lower()
    return any(
        fnmatch.fnmatchcase(name, pattern) if "*" in pattern else name == pattern
        for pattern in patterns
    )


class _Names:
    """Interned names: code 0 is "none", 1… the names in the order first seen."""

    def __init__(self, limit: int) -> None:
        self.names: list[str | None] = [None]
        self._codes: dict[str, int] = {}
        self.limit = limit

    def code(self, name: str | None) -> int | None:
        if name is None:
            return 0
        found = self._codes.get(name)
        if found is None:
            if len(self.names) > self.limit:
                return None  # too many distinct names for the key: the index gives up
            found = self._codes[name] = len(self.names)
            self.names.append(name)
        return found


@dataclass(frozen=True, slots=True)
class FieldQuery:
    """The conditions of a filter that the index answers (all must hold; empty: any)."""

    actions: tuple[str, ...] = ()  # lower-case names or `*` patterns
    direction: Direction | None = None
    message_types: frozenset[int] = frozenset()
    errors_only: bool = False
    identities: tuple[str, ...] = ()  # lower-case identities or `*` patterns

    def holds(
        self, message_type: int | None, out: bool, flagged: bool, action: str, identity: str
    ) -> bool:
        if self.errors_only and not flagged:
            return False
        if self.direction is not None and out != (self.direction is Direction.OUT):
            return False
        if self.message_types and message_type not in self.message_types:
            return False
        if self.actions and not name_matches(self.actions, action):
            return False
        return not self.identities or name_matches(self.identities, identity)


class FieldIndex:
    """One key per frame position (see the module doc), filled in file order."""

    def __init__(self) -> None:
        self.keys = array("Q")
        self.distinct: set[int] = set()
        self._actions = _Names(_ACTION_MASK - 1)
        self._identities = _Names(_IDENTITY_MASK - 1)
        #: False once a name did not fit (65,535 actions …): filters then parse lines.
        self.usable = True
        # Pairing, as a scan does it (core.pairing): answers without an action take their
        # CALL's. Only ocpp-tui's own records are paired here, whose directions are certain.
        self._calls: OpenCalls[str | None] = OpenCalls(SAVED_LOG_OPEN_CALLS)
        self._keys: dict[tuple[object, ...], int] = {}  # a record line's fields → its key

    def __len__(self) -> int:
        return len(self.keys)

    def add(
        self,
        message_type: int | None,
        out: bool,
        flagged: bool,
        action: str | None,
        identity: str,
    ) -> None:
        action_code = self._actions.code(action)
        identity_code = self._identities.code(identity)
        if action_code is None or identity_code is None:
            self.usable = False
            action_code = identity_code = 0
        if message_type is None:
            type_code = 0
        elif 2 <= message_type <= 6:
            type_code = message_type
        else:
            type_code = _OTHER_TYPE
        key = (
            type_code
            | (_OUT if out else 0)
            | (_FLAGGED if flagged else 0)
            | action_code << _ACTION_SHIFT
            | identity_code << _IDENTITY_SHIFT
        )
        self.keys.append(key)
        self.distinct.add(key)

    def add_frame(self, frame: Frame) -> None:
        """A frame as the scan would give it (already paired, for another tool's log)."""
        self.add(
            frame.message_type,
            frame.direction is Direction.OUT,
            _flagged(frame),
            frame.action,
            frame.identity,
        )

    def add_record(
        self,
        message_type: int | None,
        out: bool,
        flagged: bool,
        message_id: str | None,
        action: str | None,
        identity: str,
        leg: str | None = None,
    ) -> None:
        """A frame of ocpp-tui's own log (direction recorded): pair it like the scan does."""
        if message_id is not None:
            action = self._pair(message_type, out, leg, message_id, action)
        self.add(message_type, out, flagged, action, identity)

    def _pair(
        self,
        message_type: int | None,
        out: bool,
        leg: str | None,
        message_id: str,
        action: str | None,
    ) -> str | None:
        """Remember a CALL's action; an answer's action, or its CALL's when it names none."""
        direction = Direction.OUT if out else Direction.IN
        if message_type == CALL_TYPE:
            self._calls.remember_call(leg, direction, message_id, action)
        elif message_type in ANSWER_TYPES:
            call_action = self._calls.take_call(leg, direction, message_id, _NOT_OPEN)
            if action is None and call_action is not _NOT_OPEN:
                return call_action
        return action

    def add_record_line(self, data: bytes, start: int, end: int, default_identity: str) -> bool:
        """Record the fields of an ocpp-tui record line, read as `LogFile` reads it; False
        when it is not a record (the caller records the unreadable frame it makes).

        Runs once per line of the file: a line's key comes from a cache of the few distinct
        combinations of fields, so that only json.loads itself costs per line.
        """
        # json.loads without its Python wrapper: same scanner, same whitespace rules.
        text = data[start:end].decode("utf-8", errors="replace").strip(" \t\n\r")
        try:
            record, stop = _scan_once(text, 0)
        except (ValueError, StopIteration):
            return False
        if stop != len(text) or type(record) is not dict:
            return False
        get = record.get
        # The conversions of LogFile._from_record, inlined (they run a million times).
        out = get("dir") == "out"
        message_type = get("type")
        if type(message_type) is not int:
            message_type = None
        action = get("action")
        if action is not None and type(action) is not str:
            action = str(action)
        message_id = get("id")
        if message_id is not None:
            leg = get("leg")
            action = self._pair(
                message_type, out, leg if type(leg) is str else None, str(message_id), action
            )
        violations = get("violations")
        flagged = (
            get("error_code") is not None
            or get("problem") is not None
            or (bool(violations) and _has_violation(violations))
        )
        identity = get("identity") or default_identity
        if type(identity) is not str:
            identity = str(identity)
        combination = (identity, out, message_type, action, flagged)
        key = self._keys.get(combination)
        if key is None:
            self.add(message_type, out, flagged, action, identity)
            if self.usable and len(self._keys) < 65536:
                self._keys[combination] = self.keys[-1]
        else:
            self.keys.append(key)
        return True

    def add_parsed_record(self, frame: Frame) -> None:
        """An ocpp-tui record read with json.loads (or an unreadable line)."""
        self.add_record(
            frame.message_type,
            frame.direction is Direction.OUT,
            _flagged(frame),
            frame.message_id,
            frame.action,
            frame.identity,
            frame.leg,
        )

    def matching_keys(self, query: FieldQuery) -> set[int]:
        """The distinct keys of this file that satisfy `query`."""
        actions, identities = self._actions.names, self._identities.names
        allowed = set()
        for key in list(self.distinct):
            type_code = key & _TYPE_MASK
            message_type = type_code if 2 <= type_code <= 6 else (None if not type_code else -1)
            action = actions[(key >> _ACTION_SHIFT) & _ACTION_MASK] or ""
            identity = identities[(key >> _IDENTITY_SHIFT) & _IDENTITY_MASK] or ""
            if query.holds(message_type, bool(key & _OUT), bool(key & _FLAGGED), action, identity):
                allowed.add(key)
        return allowed

    def positions(self, allowed: set[int], start: int, stop: int) -> Iterator[int]:
        """Positions in [start, stop) whose key is in `allowed`, found at C speed."""
        return compress(range(start, stop), map(allowed.__contains__, self.keys[start:stop]))

    def names(self) -> tuple[Iterable[str | None], Iterable[str | None]]:
        """(actions, identities) seen, for tests."""
        return self._actions.names[1:], self._identities.names[1:]


# An answer whose CALL is not open (its action may be None too).
_NOT_OPEN = object()


def _flagged(frame: Frame) -> bool:
    """What `is:error` finds: a malformed frame, a CallError or a schema violation."""
    return frame.problem is not None or frame.error_code is not None or bool(frame.violations)
