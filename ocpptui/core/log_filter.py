"""Filters over a saved log: which frames match, found by a pass in a thread.

A `FilteredFrames` view answers like a FrameWindow (position n is the n-th match), so a
frame table shows it while `run()` is still finding matches. A `LineHint` says what text a
matching line must hold, so that lines which cannot match are skipped without parsing.
"""

from __future__ import annotations

import contextlib
import time
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ocpptui.core.frame import Frame
from ocpptui.core.frame_sequence import FrameSequence
from ocpptui.core.log_file import Cancelled, LogFile, LogFormat, Progress
from ocpptui.core.log_index import FieldQuery


@dataclass(frozen=True, slots=True)
class LineHint:
    """What a filter needs in a line, to skip the lines that cannot match without parsing them.

    `words`: lower-case text that must all be in the raw frame; `actions`: action names or
    `*` patterns, one of which the frame's action must match; `pairing_matters`: the filter
    also looks at what only pairing tells in a plain log (an answer's action or direction).
    Only necessary conditions are drawn from it, so skipping never loses a match: in our
    records every frame, answers too, carries its action, and the raw frame is JSON-escaped
    inside the line (words with quotes or backslashes are not used); in a plain log an
    answer names no action, so only words are used, and only when pairing does not matter.
    """

    words: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    pairing_matters: bool = False
    #: The filter wants only frames we sent (`dir:out`). In our records such a line holds
    #: the JSON string "out" unescaped (the record's `dir`), whatever the spacing; the raw
    #: frame inside the line is escaped, so lines of incoming frames mostly lack it.
    direction_out: bool = False

    def line_test(self, format: LogFormat) -> LineTest | None:
        ours = format is LogFormat.OCPP_TUI
        if not ours and self.pairing_matters:
            return None
        words = tuple(
            word.encode()
            for word in self.words
            if word and word.isascii() and not (ours and ('"' in word or "\\" in word))
        )
        if ours and self.direction_out:
            words += (b'"out"',)
        fragments: list[bytes] = []
        if ours:
            for pattern in self.actions:
                longest = max(pattern.split("*"), key=len)
                if not longest or not longest.isascii():
                    fragments = []  # a pattern that could match anything
                    break
                fragments.append(longest.lower().encode())
        if not words and not fragments:
            return None
        return LineTest(words, tuple(fragments))


@dataclass(frozen=True, slots=True)
class LineTest:
    """A line can match only if it holds every word and (when given) one of the fragments."""

    words: tuple[bytes, ...]
    fragments: tuple[bytes, ...]

    def __call__(self, line: bytes) -> bool:
        lowered = line.lower()
        if not all(word in lowered for word in self.words):
            return False
        return not self.fragments or any(fragment in lowered for fragment in self.fragments)

    @property
    def anchors(self) -> tuple[bytes, ...]:
        """Text of which every line that can match holds at least one piece."""
        if self.words:
            return (max(self.words, key=len),)
        return self.fragments


class FilteredFrames(FrameSequence):
    """The frames of a LogFile that match a predicate, found by a pass in a thread.

    Answers like a FrameWindow too: position n is the n-th match. `run()` appends matches
    as it finds them, so a table over this view fills in while the pass goes on.
    """

    def __init__(
        self,
        source: LogFile,
        predicate: Callable[[Frame], bool],
        hint: LineHint | None = None,
        *,
        query: FieldQuery | None = None,
        residual: Callable[[Frame], bool] | None = None,
        words: tuple[str, ...] = (),
    ) -> None:
        """`predicate` decides alone when the index cannot help. With `query` (what the
        index answers: action, direction, type, charger, errors), the index picks the
        positions and only `residual` (free text `words`, message ids) is tested on the
        lines it lets through."""
        self.source = source
        self.predicate = predicate
        self._line_test = hint.line_test(source.format) if hint is not None else None
        self.query = query
        self.residual = residual
        self._residual_test = LineHint(words).line_test(source.format) if words else None
        self._positions = array("q")
        self.scanned = 0
        self.done = False
        #: How the last pass found its frames: "index" or "lines" (tests, benchmarks).
        self.method = "lines"

    def __len__(self) -> int:
        return len(self._positions)

    @property
    def progress(self) -> float:
        source_total = self.source.total
        if self.done or source_total == 0:
            return 1.0 if self.done else 0.0
        return self.scanned / source_total * self.source.index_progress

    def source_position(self, position: int) -> int:
        return self._positions[position]

    def at(self, position: int) -> Frame | None:
        if not 0 <= position < len(self._positions):
            return None
        return self.source.at(self._positions[position])

    def run(
        self,
        *,
        validate: bool = False,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
        poll_seconds: float = 0.05,
    ) -> bool:
        """Test every frame (also those the index finds meanwhile); True when all were tested.

        Blocking: run it in a thread.
        """
        if self._index_answers(validate):
            return self._run_on_index(progress, cancelled, poll_seconds)
        predicate = self.predicate
        positions = self._positions

        def scan(stop: int) -> bool:
            frames = self.source.scan(
                self.scanned, stop, validate=validate, line_test=self._line_test
            )
            with contextlib.closing(frames):
                for position, frame in frames:
                    if predicate(frame):
                        positions.append(position)
                    self.scanned = position + 1
                    if position % 4096 == 0:
                        if cancelled is not None and cancelled():
                            return False
                        if progress is not None:
                            progress(self.progress)
            return True

        return self._follow_index(scan, progress, cancelled, poll_seconds)

    def _follow_index(
        self,
        step: Callable[[int], bool],
        progress: Progress | None,
        cancelled: Cancelled | None,
        poll_seconds: float,
    ) -> bool:
        """Run `step(stop)` over the frames indexed since the last step (up to `stop`) until
        the whole file is indexed and tested: True; False once cancelled (`step` returns
        False when it was cancelled on its way)."""
        while True:
            complete = self.source.index_complete
            stop = self.source.total
            if self.scanned < stop:
                if not step(stop):
                    return False
                self.scanned = stop
            if complete and self.scanned >= self.source.total:
                self.done = True
                if progress is not None:
                    progress(1.0)
                return True
            if cancelled is not None and cancelled():
                return False
            time.sleep(poll_seconds)

    # ------------------------------------------------------------------ through the index

    def _index_answers(self, validate: bool) -> bool:
        """Whether the index can pick this filter's frames (see core/log_index.py)."""
        if self.query is None or not self.source.fields.usable:
            return False
        # Another tool's log is re-validated for `is:error`: that needs every line parsed.
        return not (validate and self.source.format is LogFormat.PLAIN)

    def _run_on_index(
        self, progress: Progress | None, cancelled: Cancelled | None, poll_seconds: float
    ) -> bool:
        self.method = "index"
        fields = self.source.fields
        query = self.query
        assert query is not None
        allowed: set[int] = set()
        distinct_seen = -1

        def pick(stop: int) -> bool:
            nonlocal allowed, distinct_seen
            if len(fields.distinct) != distinct_seen:  # new kinds of frame were indexed
                distinct_seen = len(fields.distinct)
                allowed = fields.matching_keys(query)
            found = fields.positions(allowed, self.scanned, stop)
            if self.residual is None:
                self._positions.extend(found)
            elif not self._check_lines(found, allowed, self.scanned, stop, cancelled):
                return False
            self.scanned = stop
            if progress is not None:
                progress(self.progress)
            return True

        return self._follow_index(pick, progress, cancelled, poll_seconds)

    def _check_lines(
        self,
        found: Iterable[int],
        allowed: set[int],
        start: int,
        stop: int,
        cancelled: Cancelled | None,
    ) -> bool:
        """Test `residual` on the lines of the positions the index let through; with free
        text, whole blocks are searched for it first and only lines holding it are parsed."""
        source, residual, positions = self.source, self.residual, self._positions
        assert residual is not None
        if self._residual_test is not None:
            keys = source.fields.keys
            lines = source.candidate_lines(
                start, stop, self._residual_test, accept=lambda position: keys[position] in allowed
            )
        else:
            lines = source.lines_at(found)
        for count, (position, line) in enumerate(lines):
            if residual(source.parse_line(position, line)):
                positions.append(position)
            if count % 4096 == 0 and cancelled is not None and cancelled():
                return False
        return True
