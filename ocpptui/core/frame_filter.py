"""Which frames a frame table shows: the filter and its query syntax.

The query is what a technician types after `/`:

    Heartbeat                free text, found anywhere in the raw frame (case-insensitive)
    "connector 2"            quoted text with spaces
    action:Heartbeat         the action (also of results/errors); several: action:Boot*,Status*
    dir:in  dir:out          frames from the charger (in) or to it (out)
    type:call|result|error   the OCPP-J message type
    id:abc                   message ids starting with abc
    charger:CP-1             the charger's identity (any case; charger:CP-* for several)
    is:error                 CallErrors, malformed frames, schema violations
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from ocpptui.core.frame import Direction, Frame
from ocpptui.core.log_index import FieldQuery, name_matches

_TYPES = {
    "call": frozenset({2}),
    "result": frozenset({3}),
    "error": frozenset({4, 5}),
    "send": frozenset({6}),
}


def is_flagged(frame: Frame) -> bool:
    """A frame worth a technician's eye: a CallError, a malformed frame, schema violations."""
    return frame.problem is not None or frame.error_code is not None or bool(frame.violations)


@dataclass(frozen=True, slots=True)
class FrameFilter:
    """A conjunction of conditions on a frame; the empty filter matches everything."""

    words: tuple[str, ...] = ()  # lower-case substrings of the raw frame
    actions: tuple[str, ...] = ()  # lower-case action names or shell patterns
    direction: Direction | None = None
    message_types: frozenset[int] = field(default_factory=frozenset)
    message_id: str | None = None
    errors_only: bool = False
    identities: tuple[str, ...] = ()  # lower-case charger identities or shell patterns

    @property
    def active(self) -> bool:
        return bool(
            self.words
            or self.actions
            or self.direction
            or self.message_types
            or self.message_id
            or self.errors_only
            or self.identities
        )

    def index_query(self) -> FieldQuery:
        """The conditions a saved log's index answers without reading lines (all but the
        free text and the message id: `residual()`)."""
        return FieldQuery(
            actions=self.actions,
            direction=self.direction,
            message_types=self.message_types,
            errors_only=self.errors_only,
            identities=self.identities,
        )

    def residual(self) -> FrameFilter | None:
        """What is left to test on the frame itself once the index answered the rest."""
        if not self.words and self.message_id is None:
            return None
        return FrameFilter(words=self.words, message_id=self.message_id)

    def matches(self, frame: Frame) -> bool:
        if self.errors_only and not is_flagged(frame):
            return False
        if self.direction is not None and frame.direction is not self.direction:
            return False
        if self.message_types and frame.message_type not in self.message_types:
            return False
        if self.message_id is not None and not (frame.message_id or "").startswith(self.message_id):
            return False
        if self.actions and not _action_match(self.actions, frame.action or ""):
            return False
        if self.identities and not name_matches(self.identities, frame.identity):
            return False
        if self.words:
            raw = frame.raw.lower()
            return all(word in raw for word in self.words)
        return True

    def _action_matches(self, action: str) -> bool:
        return _action_match(self.actions, action)


# Cached (core/log_index.py): a log holds a few dozen distinct actions, a filter pass a
# hundred thousand frames. The saved-log index matches names with the same function.
_action_match = name_matches


class FilterSyntaxError(ValueError):
    """The query cannot be read; the message says which part and why."""


def parse_query(query: str) -> FrameFilter:
    """Read a filter query (see the module docstring); raises FilterSyntaxError."""
    try:
        tokens = shlex.split(query)
    except ValueError:
        tokens = query.split()  # an unbalanced quote: take the words as they are
    words: list[str] = []
    actions: list[str] = []
    direction: Direction | None = None
    message_types: set[int] = set()
    message_id: str | None = None
    errors_only = False
    identities: list[str] = []
    for token in tokens:
        key, colon, value = token.partition(":")
        key = key.lower()
        if not colon or key not in ("action", "dir", "type", "id", "is", "charger"):
            words.append(token.lower())
            continue
        if not value:
            raise FilterSyntaxError(f"{key}: needs a value")
        if key == "action":
            actions.extend(part.lower() for part in value.split(",") if part)
        elif key == "dir":
            try:
                direction = Direction(value.lower())
            except ValueError:
                raise FilterSyntaxError("dir: is in or out") from None
        elif key == "type":
            found = _TYPES.get(value.lower())
            if found is None:
                raise FilterSyntaxError("type: is call, result, error or send")
            message_types |= found
        elif key == "id":
            message_id = value
        elif key == "charger":
            identities.extend(part.lower() for part in value.split(",") if part)
        elif key == "is":
            if value.lower() not in ("error", "errors"):
                raise FilterSyntaxError("is: only is:error is known")
            errors_only = True
    return FrameFilter(
        words=tuple(words),
        actions=tuple(actions),
        direction=direction,
        message_types=frozenset(message_types),
        message_id=message_id,
        errors_only=errors_only,
        identities=tuple(identities),
    )


def combine(*filters: FrameFilter) -> FrameFilter:
    """All conditions of all `filters` (the query, the action and direction pickers, `e`)."""
    result = FrameFilter()
    for other in filters:
        result = FrameFilter(
            words=result.words + other.words,
            actions=_intersect_actions(result.actions, other.actions),
            direction=other.direction or result.direction,
            message_types=result.message_types | other.message_types,
            message_id=other.message_id or result.message_id,
            errors_only=result.errors_only or other.errors_only,
            identities=other.identities or result.identities,
        )
    return result


def _intersect_actions(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    # Two action conditions must both hold; the pickers give one exact name, so keep the
    # exact names the query's patterns allow.
    if not first:
        return second
    if not second:
        return first
    probe = FrameFilter(actions=first)
    kept = tuple(name for name in second if probe._action_matches(name))
    return kept or ("\0no action\0",)
