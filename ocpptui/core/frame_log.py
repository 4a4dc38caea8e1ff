"""The frame log: every frame of one session, paired, timed, written to disk as it happens."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from itertools import count
from pathlib import Path
from typing import IO

from ocpptui.core.clock import Clock
from ocpptui.core.frame import Direction, Frame
from ocpptui.protocol.frames import FrameError, MessageType, ParsedFrame
from ocpptui.protocol.validation import Violation

log = logging.getLogger(__name__)

#: How many unanswered CALLs per direction are remembered for pairing.
MAX_OPEN_CALLS = 1024
#: How many recent CALL message ids per direction are remembered to flag reuse.
MAX_SEEN_IDS = 4096

# One encoder for every line: `json.dumps(..., ensure_ascii=False)` builds a new one per call.
_ENCODE_LINE = json.JSONEncoder(ensure_ascii=False).encode

# The line last written, with its frame: frame listeners run right after the write (same
# task, no await between), so `record_line` hands them the line instead of encoding again.
_last_written: tuple[Frame | None, str] = (None, "")


def record_line(frame: Frame) -> str:
    """The frame's JSONL record (no newline), exactly as the frame log writes it."""
    written, line = _last_written
    if written is frame:
        return line
    return _ENCODE_LINE(frame.to_record())


class FrameLog:
    """Records the frames of one session.

    Each frame is appended to a JSON-lines file (flushed per frame, so a crash loses
    nothing written so far) and to in-memory windows (the charger's and the hub's). A
    CALLRESULT/CALLERROR is paired with the CALL of the same message id that went the other
    way, which gives its latency and lets the viewer jump between them. When the file cannot
    be written (disk full, folder gone) the log keeps going in memory and says so once via
    `on_disk_error`.
    """

    def __init__(
        self,
        *,
        identity: str,
        session_id: str,
        path: Path | None,
        windows: Iterable,
        sequence: Callable[[], int] | None = None,
        clock: Clock | None = None,
        listeners: Iterable[Callable[[Frame], None]] = (),
        on_disk_error: Callable[[str], None] | None = None,
        protocol: str | None = None,
    ) -> None:
        self.identity = identity
        self.session_id = session_id
        self.path = path
        self.protocol = protocol  # written into every record: a saved log says its version
        self._windows = list(windows)
        self._next_seq = sequence or count(1).__next__
        self._clock = clock or Clock()
        self._listeners = list(listeners)
        self._on_disk_error = on_disk_error
        self.disk_error: str | None = None
        self.frame_count = 0
        # message id → the CALL frame awaiting an answer, per direction the CALL went.
        # Keyed by (leg, direction): in proxy mode each leg is its own OCPP-J connection.
        self._open_calls: dict[tuple[str | None, Direction], dict[str, Frame]] = {}
        # OCPP-J: a CALL's id must differ from every id the sender used on this connection.
        self._seen_ids: dict[tuple[str | None, Direction], dict[str, None]] = {}
        self._file: IO[str] | None = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                # "x": two sessions can never share (and interleave) one file.
                self._file = path.open("x", encoding="utf-8")
            except OSError as exc:
                self._disk_failed(f"cannot create {path}: {exc.strerror or exc}")

    def record(
        self,
        direction: Direction,
        raw: str,
        parsed: ParsedFrame | None = None,
        error: FrameError | None = None,
        violations: tuple[Violation, ...] = (),
        flags: tuple[str, ...] = (),
        action: str | None = None,
        leg: str | None = None,
    ) -> Frame:
        """Record one frame; returns it with pairing and latency filled in."""
        frame = Frame(
            seq=self._next_seq(),
            wall=self._clock.wall(),
            mono=self._clock.mono(),
            identity=self.identity,
            session_id=self.session_id,
            direction=direction,
            raw=raw,
            violations=violations,
            flags=flags,
            leg=leg,
            protocol=self.protocol,
        )
        if parsed is not None:
            frame.message_type = int(parsed.message_type)
            frame.message_id = parsed.message_id
            frame.action = parsed.action or action
            frame.error_code = parsed.error_code
            frame.error_description = parsed.error_description
            frame.error_details = parsed.error_details
            self._pair(frame, parsed.message_type)
        elif error is not None:
            frame.message_type = error.message_type
            frame.message_id = error.message_id
            frame.action = error.action
            frame.problem = error.reason
        self._write(frame)
        for window in self._windows:
            window.append(frame)
        self.frame_count += 1
        for listener in self._listeners:
            listener(frame)
        return frame

    def open_call(
        self, direction: Direction, message_id: str, leg: str | None = None
    ) -> Frame | None:
        """The unanswered CALL with this id that went in `direction`, if any."""
        return self._open_calls.get((leg, direction), {}).get(message_id)

    def _pair(self, frame: Frame, message_type: MessageType) -> None:
        assert frame.message_id is not None
        if message_type is MessageType.CALL:
            open_calls = self._open_calls.setdefault((frame.leg, frame.direction), {})
            seen = self._seen_ids.setdefault((frame.leg, frame.direction), {})
            if frame.message_id in seen:
                frame.problem = f"duplicate message id {frame.message_id!r} on this connection"
            seen[frame.message_id] = None
            if len(seen) > MAX_SEEN_IDS:
                seen.pop(next(iter(seen)))
            open_calls[frame.message_id] = frame
            if len(open_calls) > MAX_OPEN_CALLS:
                open_calls.pop(next(iter(open_calls)))
        elif message_type in (
            MessageType.CALLRESULT,
            MessageType.CALLERROR,
            MessageType.CALLRESULTERROR,
        ):
            other = Direction.OUT if frame.direction is Direction.IN else Direction.IN
            request = self._open_calls.get((frame.leg, other), {}).pop(frame.message_id, None)
            if request is None:
                frame.problem = f"answer to unknown message id {frame.message_id!r}"
                return
            frame.request_seq = request.seq
            frame.action = request.action
            frame.latency_ms = (frame.mono - request.mono) * 1000.0
            request.response_seq = frame.seq

    def _write(self, frame: Frame) -> None:
        if self._file is None:
            return
        global _last_written
        line = _ENCODE_LINE(frame.to_record())
        _last_written = (frame, line)
        try:
            self._file.write(line + "\n")
            self._file.flush()
        except (OSError, ValueError) as exc:
            self._disk_failed(f"cannot write {self.path}: {getattr(exc, 'strerror', None) or exc}")
            self._close_file()

    def _disk_failed(self, message: str) -> None:
        self.disk_error = message
        log.error("%s: frame log kept in memory only: %s", self.identity, message)
        if self._on_disk_error is not None:
            self._on_disk_error(message)

    def _close_file(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass
            self._file = None

    def close(self) -> None:
        self._close_file()
