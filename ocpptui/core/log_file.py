"""Saved frame logs, reopened for viewing: ours and other tools', indexed and parsed on demand.

Two kinds of file are read:

* ocpp-tui's own frame logs: one JSON record per line (README, "The frame log");
* plain logs of OCPP-J frames, one per line, as other tools write them, with or without a
  leading timestamp and a direction marker, for example::

      [2,"1","Heartbeat",{}]
      2024-05-01T10:00:00Z [2,"1","Heartbeat",{}]
      2024-05-01 10:00:00,123 <- [3,"1",{"currentTime":"..."}]
      SEND: [2,"1","Heartbeat",{}]            RECV: [3,"1",{...}]
      12:00:01.123 > [2,"1","Heartbeat",{}]

  Lines without a frame (a tool's own messages) are skipped.

A big file is never loaded whole (Toolong's approach): `index()` records where each frame
line starts (8 bytes per frame) and is meant to run in a thread while the first lines are
already on screen; `at(position)` reads and parses one line when it is shown and keeps the
last few thousand in an LRU. `LogFile` answers like the core's `FrameWindow` (`len`, `[i]`,
`total`, `first_position`, `at`, `since`), so the frame table shows it unchanged. Filters
and statistics read the file in passes of their own (`scan`, `analyze`, `log_filter`).

Pairing, latency and schema checks are redone as frames are read: a result is paired with
the CALL of the same message id that went the other way on its proxy leg, by the rules the
live frame log follows (`core/pairing.py`; searched nearby on demand, and for the whole file
by `analyze()`, which also gathers the statistics), its latency comes from the
record or the two timestamps, and payloads are re-validated against the schemas of the
protocol version given, or guessed from the actions seen.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
from array import array
from bisect import bisect_left
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ocpptui.core.frame import Direction, Frame
from ocpptui.core.frame_sequence import FrameSequence
from ocpptui.core.log_index import FieldIndex, int_or_none, str_or_none
from ocpptui.core.log_lines import (
    FRAME_HINT,
    FrameLineShape,
    charger_sends,
    guess_version,
    split_broken_line,
    split_plain_line,
)
from ocpptui.core.log_statistics import (
    GAP_FACTOR,
    MAX_LISTED_GAPS,
    HeartbeatGap,
    LatencySummary,
    LogStatistics,
)
from ocpptui.core.pairing import (
    ANSWER_TYPES,
    CALL_TYPE,
    SAVED_LOG_OPEN_CALLS,
    OpenCalls,
    answers,
    link,
)
from ocpptui.protocol.frames import FrameError, parse_frame
from ocpptui.protocol.timestamps import epoch_seconds
from ocpptui.protocol.validation import SchemaUnavailable, Violation, validate_payload
from ocpptui.protocol.versions import OcppVersion

if TYPE_CHECKING:
    from ocpptui.core.log_filter import LineTest

#: Bytes read per indexing step (a progress report per step).
INDEX_CHUNK = 1 << 20
#: Bytes at the start of the file that decide its format, protocol version and markers.
HEAD_BYTES = 256 * 1024
#: Parsed frames kept in memory for the viewer.
CACHE_FRAMES = 4096
#: Lines searched around a frame for its request/response before `analyze()` paired them.
PAIR_SEARCH = 256

Progress = Callable[[float], None]
Cancelled = Callable[[], bool]


class LogFileError(OSError):
    """The file cannot be opened or read; the message names it."""


class LogFormat(StrEnum):
    OCPP_TUI = "ocpp-tui frame log"
    PLAIN = "plain OCPP-J lines"


# ------------------------------------------------------------------------ the log file


class LogFile(FrameSequence):
    """A frame log on disk, indexed by line offsets and parsed on demand (see the module doc).

    Positions are line numbers among frame lines (0-based). `total` and `len()` grow while
    `index()` runs; `index_complete` says when the whole file is known.
    """

    def __init__(
        self,
        path: Path,
        *,
        protocol: OcppVersion | None = None,
        cache_frames: int = CACHE_FRAMES,
    ) -> None:
        self.path = Path(path)
        try:
            self._reader: IO[bytes] = self.path.open("rb")
            stat = self.path.stat()
        except OSError as exc:
            raise LogFileError(f"cannot open {self.path}: {exc.strerror or exc}") from None
        self.size = stat.st_size
        self._day = dt.date.fromtimestamp(stat.st_mtime)
        self.identity = self.path.parent.name if self.path.stem == "frames" else self.path.stem
        self._offsets = array("q")
        #: What filters test, per frame, recorded by `index()` (core/log_index.py).
        self.fields = FieldIndex()
        self.indexed_bytes = 0
        self.index_complete = False
        self.parsed_lines = 0  # lines read and parsed by the viewer (tests check laziness)
        self._cache: OrderedDict[int, tuple[Frame, bool]] = OrderedDict()
        self._cache_frames = cache_frames
        self._pairs = array("i")  # filled by analyze(): paired position, or -1
        self._pairs_generation = 0
        self._cache_generation = 0
        self.statistics: LogStatistics | None = None
        self.format = LogFormat.PLAIN
        self.send_direction = Direction.OUT  # what a "send" marker means in a plain log
        self.time_form: str | None = None
        self.marker_form: str | None = None
        #: How this tool writes a frame line: lines of that shape without a frame are kept
        #: (as problems) rather than skipped like the tool's other messages.
        self.frame_line_shape: FrameLineShape | None = None
        self._read_head(protocol)
        self._index_pairer = self._open_calls()  # another tool's log: paired as in a scan

    # ------------------------------------------------------------------ detection

    def _read_head(self, protocol: OcppVersion | None) -> None:
        try:
            head = self._reader.read(HEAD_BYTES)
        except OSError as exc:
            raise LogFileError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        lines = head.decode("utf-8", errors="replace").splitlines()
        if len(head) == HEAD_BYTES and lines:
            lines.pop()  # probably cut in the middle
        first = next((line for line in lines if line.strip()), "")
        if first.lstrip().startswith("{"):
            try:
                record = json.loads(first)
            except ValueError:
                record = None
            if isinstance(record, dict) and "raw" in record and "dir" in record:
                self.format = LogFormat.OCPP_TUI
        actions: Counter[str] = Counter()
        boot_keys: set[str] = set()
        types: set[int] = set()
        votes: Counter[tuple[str, bool]] = Counter()
        time_forms: Counter[str] = Counter()
        markers: Counter[str] = Counter()
        recorded: Counter[str] = Counter()  # our records say their protocol (since it was added)
        frame_prefixes: list[str] = []
        for line in lines[:5000]:
            if self.format is LogFormat.OCPP_TUI:
                try:
                    record = json.loads(line)
                    data = json.loads(record["raw"])
                except (ValueError, KeyError, TypeError):
                    continue
                if isinstance(record.get("protocol"), str):
                    recorded[record["protocol"]] += 1
                side = None
            else:
                plain = split_plain_line(line, self._day)
                if plain is None:
                    continue
                frame_prefixes.append(line[: line.find(plain.raw[:8])])
                if plain.time_form:
                    time_forms[plain.time_form] += 1
                if plain.marker:
                    markers[plain.marker] += 1
                side = plain.side
                try:
                    data = json.loads(plain.raw)
                except ValueError:
                    continue
            if not isinstance(data, list) or not data or not isinstance(data[0], int):
                continue
            types.add(data[0])
            if data[0] in (2, 6) and len(data) > 3 and isinstance(data[2], str):
                actions[data[2]] += 1
                if data[2] == "BootNotification" and isinstance(data[3], dict):
                    boot_keys |= set(data[3])
                by_charger = charger_sends(data[2])
                if side is not None and by_charger is not None:
                    votes[(side, by_charger)] += 1
        from_records = _recorded_version(recorded)
        if protocol is not None:
            self.version, self.version_source = protocol, "given"
        elif from_records is not None:
            self.version, self.version_source = from_records, "from the log records"
        else:
            guessed, reason = guess_version(actions, boot_keys, types)
            if guessed is None:
                self.version, self.version_source = OcppVersion.V16, f"assumed: {reason}"
            else:
                self.version, self.version_source = guessed, f"guessed from {reason}"
        # Whose log is it? A tool that marks charger-initiated CALLs "send" sits at the charger.
        charger_side = votes[("send", True)] + votes[("recv", False)]
        csms_side = votes[("send", False)] + votes[("recv", True)]
        self.send_direction = Direction.IN if charger_side > csms_side else Direction.OUT
        self.time_form = time_forms.most_common(1)[0][0] if time_forms else None
        self.marker_form = "/".join(m for m, _ in markers.most_common(2)) if markers else None
        if self.format is LogFormat.PLAIN:
            self.frame_line_shape = FrameLineShape.learn(frame_prefixes, self._day)

    @property
    def directions_marked(self) -> bool:
        """Whether each line says which way its frame went (ours always do)."""
        return self.format is LogFormat.OCPP_TUI or self.marker_form is not None

    @property
    def directions_certain(self) -> bool:
        """Whether an answer surely went the other way from its CALL: in our records, as
        live; another tool's markers are guessed from, so its answers may pair either way."""
        return self.format is LogFormat.OCPP_TUI

    def _open_calls(self) -> OpenCalls[tuple[int, Frame]]:
        return OpenCalls(SAVED_LOG_OPEN_CALLS, directions_known=self.directions_certain)

    @property
    def description(self) -> str:
        """What was recognised, for the viewer's title and the CLI."""
        if self.format is LogFormat.OCPP_TUI:
            text = str(self.format)
        else:
            parts = [f"timestamps: {self.time_form or 'none'}"]
            if self.marker_form:
                who = "charger" if self.send_direction is Direction.IN else "CSMS"
                parts.append(f"direction: {self.marker_form} markers, written at the {who}")
            else:
                parts.append("direction: from the actions")
            text = f"{self.format} ({'; '.join(parts)})"
        return f"{text}; OCPP {self.version} ({self.version_source})"

    # ------------------------------------------------------------------ indexing

    def index(
        self,
        *,
        max_bytes: int | None = None,
        chunk_bytes: int = INDEX_CHUNK,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> bool:
        """Find frame lines from where the last call stopped; True once the file is done.

        Reads at most `max_bytes` (None: to the end). Blocking: run it in a thread. Lines are
        only recorded whole; a last line without a newline counts once the end is reached.
        """
        if self.index_complete:
            return True
        plain = self.format is LogFormat.PLAIN
        hint = FRAME_HINT.search
        broken = self._broken_frame_line if self.frame_line_shape is not None else None
        offsets = self._offsets
        # Our records' fields, read with one json.loads per line (log_index.py).
        record = None if plain else self.fields.add_record_line
        identity = self.identity
        budget = max_bytes if max_bytes is not None else math.inf
        with self.path.open("rb") as source:
            source.seek(self.indexed_bytes)
            carry = b""
            while budget > 0:
                if cancelled is not None and cancelled():
                    return False
                chunk = source.read(chunk_bytes)
                at_end = len(chunk) < chunk_bytes
                data = carry + chunk if carry else chunk
                base = self.indexed_bytes
                cut = len(data) if at_end else data.rfind(b"\n") + 1
                if cut == 0 and not at_end:  # one line longer than the chunk: read on
                    carry = data
                    continue
                find = data.find
                start = 0
                while start < cut:
                    newline = find(b"\n", start, cut)
                    end = cut if newline < 0 else newline
                    if end - start > 1 or (end > start and data[start] != 13):
                        if not plain or hint(data, start, end):
                            # The fields first: a reader never sees a frame without them.
                            if record is None or not record(data, start, end, identity):
                                self._index_fields(data, start, end, plain)
                            offsets.append(base + start)
                        elif broken is not None and broken(data, start, end):
                            self._index_fields(data, start, end, plain)
                            offsets.append(base + start)
                    start = end + 1
                carry = data[cut:]
                self.indexed_bytes = base + cut
                budget -= len(chunk)
                if progress is not None:
                    progress(self.index_progress)
                if at_end:
                    self.index_complete = True
                    self.size = max(self.size, self.indexed_bytes)
                    return True
        return False

    def _index_fields(self, data: bytes, start: int, end: int, plain: bool) -> None:
        """Record the filter fields of the frame line data[start:end] (log_index.py): another
        tool's line parsed and paired as a scan does, or our unreadable record line."""
        fields = self.fields
        position = len(self._offsets)
        line = data[start:end].decode("utf-8", errors="replace").rstrip("\r\n")
        if not plain:
            fields.add_parsed_record(self._from_record(position, line, full=False))
            return
        frame = self._parse(position, line, full=True)  # as a scan reads it
        found = self._index_pairer.feed(frame, (position, frame))
        if found is not None:
            link(found[1], frame, directions_known=self.directions_marked)
        fields.add_frame(frame)

    def _broken_frame_line(self, data: bytes, start: int, end: int) -> bool:
        shape = self.frame_line_shape
        if shape is None or not shape.may_match(data, start, end):
            return False
        line = data[start:end].decode("utf-8", errors="replace")
        return shape.matches(line, self._day)

    @property
    def index_progress(self) -> float:
        if self.index_complete or self.size == 0:
            return 1.0
        return min(1.0, self.indexed_bytes / self.size)

    # ------------------------------------------------------------------ FrameSequence

    def __len__(self) -> int:
        return len(self._offsets)

    def at(self, position: int) -> Frame | None:
        """The frame at `position`, paired and checked (parsed now unless recently shown)."""
        if not 0 <= position < len(self._offsets):
            return None
        if self._cache_generation != self._pairs_generation:
            # analyze() paired the whole file (in its thread): pair what was parsed before again.
            self._cache.clear()
            self._cache_generation = self._pairs_generation
        frame, complete = self._base(position)
        if not complete:
            self._complete(position, frame)
            self._cache[position] = (frame, True)
        return frame

    # ------------------------------------------------------------------ reading lines

    def _read_line(self, position: int) -> str:
        self._reader.seek(self._offsets[position])
        return self._reader.readline().decode("utf-8", errors="replace").rstrip("\r\n")

    def _base(self, position: int) -> tuple[Frame, bool]:
        """The frame as its line says (no pairing yet), from the LRU or the file."""
        cached = self._cache.get(position)
        if cached is not None:
            self._cache.move_to_end(position)
            return cached
        frame = self._parse(position, self._read_line(position), full=True)
        self.parsed_lines += 1
        self._cache[position] = (frame, False)
        if len(self._cache) > self._cache_frames:
            self._cache.popitem(last=False)
        return frame, False

    def _parse(self, position: int, line: str, *, full: bool) -> Frame:
        if self.format is LogFormat.OCPP_TUI:
            return self._from_record(position, line, full=full)
        return self._from_plain(position, line)

    def _from_record(self, position: int, line: str, *, full: bool) -> Frame:
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            return self._unreadable(position, line, f"not a frame log record: {exc}")
        get = record.get  # this runs once per line of a whole-file pass: kept lean
        raw = get("raw")
        if not isinstance(raw, str):
            raw = json.dumps(raw)
        wall = epoch_seconds(get("time")) or 0.0
        mono, seq, latency = get("mono"), get("seq"), get("latency_ms")
        violations, flags = get("violations"), get("flags")
        frame = Frame(
            seq=seq if isinstance(seq, int) else position + 1,
            wall=wall,
            mono=float(mono) if isinstance(mono, (int, float)) else wall,
            identity=str(get("identity") or self.identity),
            session_id=str(get("session") or ""),
            direction=Direction.OUT if get("dir") == "out" else Direction.IN,
            raw=raw,
            message_type=int_or_none(get("type")),
            message_id=str_or_none(get("id")),
            action=str_or_none(get("action")),
            error_code=str_or_none(get("error_code")),
            request_seq=int_or_none(get("request_seq")),
            latency_ms=float(latency) if isinstance(latency, (int, float)) else None,
            problem=str_or_none(get("problem")),
            violations=_violations(violations) if violations else (),
            flags=tuple(str(flag) for flag in flags if flag) if flags else (),
            leg=str_or_none(get("leg")),
            protocol=str_or_none(get("protocol")),
        )
        if full and frame.problem is None:
            self._fill_payload(frame)
        return frame

    def _from_plain(self, position: int, line: str) -> Frame:
        plain = split_plain_line(line, self._day)
        if plain is None:
            return self._broken(position, line)
        wall = plain.wall or 0.0
        frame = Frame(
            seq=position + 1,
            wall=wall,
            mono=wall,
            identity=self.identity,
            session_id=self.path.name,
            direction=Direction.IN,
            raw=plain.raw,
        )
        try:
            parsed = parse_frame(plain.raw, self.version)
        except FrameError as error:
            frame.message_type = error.message_type
            frame.message_id = error.message_id
            frame.action = error.action
            frame.problem = error.reason
        else:
            frame.message_type = int(parsed.message_type)
            frame.message_id = parsed.message_id
            frame.action = parsed.action
            frame.payload = parsed.payload
            frame.error_code = parsed.error_code
            frame.error_description = parsed.error_description
            frame.error_details = parsed.error_details
        if plain.side is not None:
            frame.direction = self._direction_of(plain.side)
        elif frame.message_type in (2, 6):
            frame.direction = (
                Direction.OUT if charger_sends(frame.action) is False else Direction.IN
            )
        return frame

    def _direction_of(self, side: str) -> Direction:
        if side == "send":
            return self.send_direction
        return Direction.OUT if self.send_direction is Direction.IN else Direction.IN

    def _broken(self, position: int, line: str) -> Frame:
        """A line written like a frame line that holds no frame, with its time and direction."""
        broken = split_broken_line(line, self._day)
        frame = self._unreadable(position, broken.raw, "no OCPP-J frame in this frame line")
        frame.wall = frame.mono = broken.wall or 0.0
        if broken.side is not None:
            frame.direction = self._direction_of(broken.side)
        return frame

    def _unreadable(self, position: int, line: str, problem: str) -> Frame:
        return Frame(
            seq=position + 1,
            wall=0.0,
            mono=0.0,
            identity=self.identity,
            session_id=self.path.name,
            direction=Direction.IN,
            raw=line,
            problem=problem,
        )

    def _fill_payload(self, frame: Frame) -> None:
        try:
            parsed = parse_frame(frame.raw, self.version)
        except FrameError:
            return
        frame.payload = parsed.payload
        frame.error_description = parsed.error_description
        frame.error_details = parsed.error_details

    # ------------------------------------------------------------------ pairing and checks

    def _complete(self, position: int, frame: Frame) -> None:
        """Pair the frame with its request/response and re-validate it."""
        direction_known = self.directions_marked
        if frame.message_type in ANSWER_TYPES:
            call_position = self._paired_position(position)
            if call_position is None and frame.request_seq is None:
                call_position = self._search(position, backwards=True)
            if call_position is not None:
                call, _ = self._base(call_position)
                link(call, frame, directions_known=direction_known)
        elif frame.message_type == CALL_TYPE:
            answer_position = self._paired_position(position)
            if answer_position is None:
                answer_position = self._search(position, backwards=False)
            if answer_position is not None:
                answer, _ = self._base(answer_position)
                link(frame, answer, directions_known=direction_known)
        if not frame.violations:
            frame.violations = self._validate(frame)

    def _paired_position(self, position: int) -> int | None:
        if position < len(self._pairs):
            paired = self._pairs[position]
            return paired if paired >= 0 else None
        return None

    def _search(self, position: int, *, backwards: bool) -> int | None:
        """Nearby line with the matching CALL (backwards) or answer (forwards)."""
        this = self._base(position)[0]
        if this.message_id is None:
            return None
        if backwards:
            candidates = range(position - 1, max(-1, position - PAIR_SEARCH - 1), -1)
        else:
            candidates = range(position + 1, min(len(self._offsets), position + PAIR_SEARCH + 1))
        certain = self.directions_certain
        for candidate in candidates:
            other, _ = self._base(candidate)
            call, answer = (other, this) if backwards else (this, other)
            if answers(answer, call, directions_known=certain):
                return candidate
        return None

    def _validate(self, frame: Frame) -> tuple[Violation, ...]:
        if frame.problem is not None or not isinstance(frame.payload, dict) or not frame.action:
            return ()
        if frame.message_type in (2, 6):
            is_request = True
        elif frame.message_type == 3:
            is_request = False
        else:
            return ()
        try:
            return validate_payload(
                self.version, frame.action, frame.payload, is_request=is_request
            )
        except SchemaUnavailable:
            return ()

    # ------------------------------------------------------------------ whole-file passes

    def scan(
        self,
        start: int = 0,
        stop: int | None = None,
        *,
        validate: bool = False,
        line_test: LineTest | None = None,
    ) -> Iterator[tuple[int, Frame]]:
        """(position, frame) in file order, read sequentially without touching the LRU.

        For the passes that run in a thread (filters, statistics). Answers carry their
        CALL's action, direction and latency when the CALL is in the scanned range;
        `validate` re-checks payloads of plain logs (recorded violations are kept for ours).
        With `line_test`, only lines holding one of its anchors are even looked at (found
        by searching whole blocks), and of those only the ones it passes are parsed.
        """
        stop = len(self._offsets) if stop is None else min(stop, len(self._offsets))
        if start >= stop:
            return
        lines = (
            self._lines(start, stop)
            if line_test is None
            else self._candidate_lines(start, stop, line_test)
        )
        pairer = self._open_calls()
        ours = self.format is LogFormat.OCPP_TUI
        marked = self.directions_marked
        for position, data in lines:
            line = data.decode("utf-8", errors="replace").rstrip("\r\n")
            frame = self._parse(position, line, full=not ours)
            found = pairer.feed(frame, (position, frame))
            if found is not None:
                link(found[1], frame, directions_known=marked)
            if validate and not ours and not frame.violations:
                frame.violations = self._validate(frame)
            yield position, frame

    def parse_line(self, position: int, data: bytes) -> Frame:
        """The frame of one line as a scan reads it, without pairing (for tests that need
        only the line: its raw text, its message id)."""
        line = data.decode("utf-8", errors="replace").rstrip("\r\n")
        return self._parse(position, line, full=self.format is not LogFormat.OCPP_TUI)

    def lines_at(self, positions: Iterable[int]) -> Iterator[tuple[int, bytes]]:
        """(position, line) for each of `positions` (ascending), read with a reader of its own
        (a filter's thread must not move the viewer's)."""
        offsets = self._offsets
        with self.path.open("rb") as source:
            for position in positions:
                source.seek(offsets[position])
                yield position, source.readline()

    def candidate_lines(
        self,
        start: int,
        stop: int,
        line_test: LineTest,
        accept: Callable[[int], bool] | None = None,
    ) -> Iterator[tuple[int, bytes]]:
        """(position, line) of the frame lines in [start, stop) that `line_test` passes
        (and `accept(position)`), found by searching whole blocks of the file at C speed."""
        return self._candidate_lines(start, stop, line_test, accept=accept)

    def _lines(self, start: int, stop: int) -> Iterator[tuple[int, bytes]]:
        """(position, line) of every frame line in [start, stop), read in file order."""
        offsets = self._offsets
        position = start
        next_offset = offsets[start]
        with self.path.open("rb") as source:
            source.seek(next_offset)
            where = next_offset
            for data in source:  # lines the index skipped (no frame) are passed over
                offset = where
                where += len(data)
                if offset != next_offset:
                    continue
                yield position, data
                position += 1
                if position >= stop:
                    return
                next_offset = offsets[position]

    def _candidate_lines(
        self,
        start: int,
        stop: int,
        line_test: LineTest,
        block_bytes: int = INDEX_CHUNK,
        accept: Callable[[int], bool] | None = None,
    ) -> Iterator[tuple[int, bytes]]:
        """(position, line) of the frame lines in [start, stop) that `line_test` passes
        (and `accept(position)`, asked first: the saved-log index's answer).

        Blocks are searched for the test's anchors at C speed: a filter that matches one
        line in ten parses one line in ten and reads the others only as bytes.
        """
        if len(line_test.anchors) == 1:
            yield from self._lines_holding(start, stop, line_test, block_bytes, accept)
            return
        offsets = self._offsets
        anchors = line_test.anchors
        for block_start, data in self._blocks(start, stop, block_bytes):
            lowered = data.lower()
            found: set[int] = set()
            for anchor in anchors:
                at = lowered.find(anchor)
                while at >= 0:
                    found.add(lowered.rfind(b"\n", 0, at) + 1)
                    line_end = lowered.find(b"\n", at)
                    if line_end < 0:
                        break
                    at = lowered.find(anchor, line_end + 1)
            for begin in sorted(found):
                absolute = block_start + begin
                position = bisect_left(offsets, absolute, start, stop)
                if position >= stop or offsets[position] != absolute:
                    continue  # not a frame line
                if accept is not None and not accept(position):
                    continue
                end = data.find(b"\n", begin)
                line = data[begin:] if end < 0 else data[begin : end + 1]
                if line_test(line):
                    yield position, line

    def _blocks(self, start: int, stop: int, block_bytes: int) -> Iterator[tuple[int, bytes]]:
        """(offset, data) of the file from frame line `start` to before `stop`, in blocks of
        about `block_bytes` that end at a line end (a longer line makes a longer block)."""
        offsets = self._offsets
        limit = offsets[stop] if stop < len(offsets) else self.indexed_bytes
        block_start = offsets[start]
        with self.path.open("rb") as source:
            while block_start < limit:
                source.seek(block_start)
                data = source.read(min(block_bytes, limit - block_start))
                if not data:
                    return
                while block_start + len(data) < limit and b"\n" not in data:
                    more = source.read(block_bytes)  # a line longer than the block
                    if not more:
                        break
                    data += more
                cut = len(data) if block_start + len(data) >= limit else data.rfind(b"\n") + 1
                data = data[:cut]
                yield block_start, data
                block_start += len(data)

    def _lines_holding(
        self,
        start: int,
        stop: int,
        line_test: LineTest,
        block_bytes: int,
        accept: Callable[[int], bool] | None,
    ) -> Iterator[tuple[int, bytes]]:
        """`_candidate_lines` for one anchor (free text): the matches come in file order,
        so the position search only ever moves forward and nothing is collected first."""
        offsets = self._offsets
        (anchor,) = line_test.anchors
        low = start
        for block_start, data in self._blocks(start, stop, block_bytes):
            lowered = data.lower()
            find, rfind = lowered.find, lowered.rfind
            at = find(anchor)
            while at >= 0:
                begin = rfind(b"\n", 0, at) + 1
                end = find(b"\n", at)
                absolute = block_start + begin
                position = bisect_left(offsets, absolute, low, stop)
                low = position
                if (
                    position < stop
                    and offsets[position] == absolute
                    and (accept is None or accept(position))
                ):
                    line = data[begin:] if end < 0 else data[begin : end + 1]
                    if line_test(line):
                        yield position, line
                if end < 0:
                    break
                at = find(anchor, end + 1)

    def analyze(
        self, *, progress: Progress | None = None, cancelled: Cancelled | None = None
    ) -> LogStatistics:
        """Statistics of the indexed frames, and the pairing of every answer with its CALL.

        Blocking (run it in a thread). Memory grows by 4 bytes per frame for the pairing and
        by 8 per answer and per heartbeat for the timings, never by the lines themselves.
        """
        stats = LogStatistics()
        total = len(self._offsets)
        pairs = array("i", [-1]) * total
        latencies: dict[str, array] = {}
        all_latencies = array("d")
        intervals = array("d")
        interval_ends = array("q")  # position of the heartbeat that ends each interval
        last_heartbeat: dict[str, float] = {}
        pairer = self._open_calls()
        step = max(1, total // 100)
        with contextlib.closing(self.scan(0, total, validate=True)) as frames:
            for position, frame in frames:
                if position % step == 0:
                    if cancelled is not None and cancelled():
                        stats.complete = False
                        break
                    if progress is not None:
                        progress(position / total)
                self._count(stats, frame)
                if frame.message_type in (3, 4, 5) and frame.latency_ms is not None:
                    all_latencies.append(frame.latency_ms)
                    latencies.setdefault(frame.action or "?", array("d")).append(frame.latency_ms)
                elif (
                    frame.message_type == 2
                    and frame.action == "Heartbeat"
                    and frame.direction is Direction.IN
                    and frame.wall
                ):
                    previous = last_heartbeat.get(frame.session_id)
                    if previous is not None and frame.mono >= previous:
                        intervals.append(frame.mono - previous)
                        interval_ends.append(position)
                    last_heartbeat[frame.session_id] = frame.mono
                found = pairer.feed(frame, (position, frame))
                if found is not None:
                    pairs[position] = found[0]
                    pairs[found[0]] = position
        stats.unanswered = len(pairer)
        stats.latency = LatencySummary.of(all_latencies)
        stats.latency_by_action = {a: LatencySummary.of(v) for a, v in sorted(latencies.items())}
        stats.heartbeat_intervals = LatencySummary.of(intervals)
        median = stats.heartbeat_intervals.p50
        if median:
            for seconds, position in zip(intervals, interval_ends, strict=True):
                if seconds > GAP_FACTOR * median:
                    stats.heartbeat_gaps.append(HeartbeatGap(position, seconds))
                    if len(stats.heartbeat_gaps) >= MAX_LISTED_GAPS:
                        break
        self._pairs = pairs
        self._pairs_generation += 1  # the viewer re-reads what it parsed before the pass
        self.statistics = stats
        if progress is not None:
            progress(1.0)
        return stats

    @staticmethod
    def _count(stats: LogStatistics, frame: Frame) -> None:
        stats.frames += 1
        stats.directions[frame.direction.value] += 1
        if frame.wall:
            if stats.first_wall is None:
                stats.first_wall = frame.wall
            stats.last_wall = frame.wall
        if frame.violations:
            stats.with_violations += 1
        if frame.problem is not None:
            stats.problems += 1
        kind = frame.message_type
        action = frame.action or "?"
        if kind in (2, 6):
            stats.calls_by_action[action] += 1
            if action == "Heartbeat":
                stats.heartbeats += 1
        elif kind in (3, 4, 5):
            stats.results_by_action[action] += 1
            if kind in (4, 5):
                stats.errors_by_action[action] += 1
                stats.error_codes[frame.error_code or "?"] += 1

    def close(self) -> None:
        self._reader.close()


def _violations(value: Any) -> tuple[Violation, ...]:
    if not isinstance(value, list):
        return ()
    found = []
    for item in value:
        if isinstance(item, dict):
            found.append(
                Violation(
                    str(item.get("path", "$")),
                    str(item.get("rule", "?")),
                    str(item.get("message", "")),
                )
            )
    return tuple(found)


def _recorded_version(recorded: Counter[str]) -> OcppVersion | None:
    """The version most records name, when they name one (logs written by ocpp-tui)."""
    for subprotocol, _ in recorded.most_common():
        try:
            return OcppVersion.from_subprotocol(subprotocol)
        except ValueError:
            continue
    return None


def open_log(path: Path, protocol: OcppVersion | None = None) -> LogFile:
    """Open a saved frame log (raises LogFileError); call `index()` to find its frames."""
    return LogFile(path, protocol=protocol)
