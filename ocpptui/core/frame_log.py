"""The frame log: every frame of one session, paired, timed, written to disk as it happens."""

from __future__ import annotations

import json
import logging
import os
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from itertools import count
from pathlib import Path
from typing import BinaryIO

from ocpptui.core.clock import Clock
from ocpptui.core.frame import Direction, Frame, RawOnDisk
from ocpptui.core.open_files import open_logs_budget
from ocpptui.core.pairing import OpenCalls, link
from ocpptui.protocol.frames import FrameError, MessageType, ParsedFrame
from ocpptui.protocol.validation import Violation

log = logging.getLogger(__name__)

#: How many unanswered CALLs per direction are remembered for pairing.
MAX_OPEN_CALLS = 1024
#: How many recent CALL message ids per direction are remembered to flag reuse.
MAX_SEEN_IDS = 4096

#: Seconds between two attempts to write to a disk that failed (full, folder gone).
RETRY_INTERVAL = 5.0
#: Lines kept in memory, to be written once the disk takes them again; past this the
#: oldest are given up (they stay in the in-memory windows, and the gap is reported).
PENDING_MAX_BYTES = 32 << 20
#: Frames with more raw text than this keep it on disk only, once written (read back when
#: shown): a charger sending 1 MB frames cannot fill the laptop's memory.
LARGE_FRAME_CHARS = 64 * 1024

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


def open_for_appending(path: Path, size: int) -> BinaryIO:
    """`path` opened to go on after its first `size` bytes (anything past them, the start
    of a line a full disk cut, is dropped). A seam for tests that fill the disk."""
    file = path.open("r+b")
    try:
        file.seek(size)
        file.truncate()
    except BaseException:
        file.close()
        raise
    return file


def create_exclusively(path: Path) -> BinaryIO:
    """A new log file ("x": two sessions can never share, and interleave, one file)."""
    return path.open("xb")


class OpenLogFiles:
    """The frame logs' open files, at most `capacity` together: the least recently written
    is closed first and opened again at its next frame. One file per session would run the
    process out of file descriptors on a site of hundreds of chargers."""

    def __init__(self, capacity: int = 0) -> None:
        """`capacity` 0: a quarter of the open-file limit (`open_files.open_logs_budget`)."""
        self.capacity = capacity or open_logs_budget()
        self._open: OrderedDict[int, FrameLog] = OrderedDict()

    def __len__(self) -> int:
        return len(self._open)

    def written(self, frame_log: FrameLog) -> None:
        key = id(frame_log)
        if key in self._open:
            self._open.move_to_end(key)
            return
        self._open[key] = frame_log
        while len(self._open) > self.capacity:
            _, oldest = self._open.popitem(last=False)
            oldest.release_file()

    def closed(self, frame_log: FrameLog) -> None:
        self._open.pop(id(frame_log), None)


class FrameLog:
    """Records the frames of one session.

    Each frame is appended to a JSON-lines file (flushed per frame, so a crash loses
    nothing written so far) and to in-memory windows (the charger's and the hub's). A
    CALLRESULT/CALLERROR is paired with the CALL of the same message id that went the other
    way, which gives its latency and lets the viewer jump between them.

    When the file cannot be written (disk full, folder gone, out of file descriptors) the
    log cuts the file back to its last whole line, keeps the lines in memory and says so via
    `on_disk_error`; every RETRY_INTERVAL it tries again, and once the disk takes the lines
    they are written in order and `on_disk_back` says so. The file is open only while it is
    among the `files` most recently written.
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
        on_disk_back: Callable[[str], None] | None = None,
        protocol: str | None = None,
        files: OpenLogFiles | None = None,
        large_frame_chars: int = LARGE_FRAME_CHARS,
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
        self._on_disk_back = on_disk_back
        self._files = files if files is not None else OpenLogFiles()
        self._large_frame_chars = large_frame_chars
        self.disk_error: str | None = None
        self.frame_count = 0
        self._open_calls: OpenCalls[Frame] = OpenCalls(MAX_OPEN_CALLS)
        # OCPP-J: a CALL's id must differ from every id the sender used on this connection.
        self._seen_ids: dict[tuple[str | None, Direction], dict[str, None]] = {}
        self._file: BinaryIO | None = None
        self._size = 0  # bytes of whole lines in the file
        self._created = False
        self._pending: deque[bytes] = deque()  # lines the disk did not take yet
        self._pending_bytes = 0
        self._lost = 0  # lines given up while the disk was failing
        self._retry_at = 0.0
        self._writable = path is not None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._file = create_exclusively(path)
                self._created = True
                self._files.written(self)
            except FileExistsError:
                self._writable = False  # never write into another session's file
                self._disk_failed(f"{path} exists already: frames kept in memory only")
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
        line = self._write(frame)
        if line is not None and frame.raw_size > self._large_frame_chars:
            assert self.path is not None
            frame.keep_raw_on_disk(RawOnDisk(self.path, *line, frame.raw_size))
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
        return self._open_calls.get(direction, message_id, leg)

    def _pair(self, frame: Frame, message_type: MessageType) -> None:
        assert frame.message_id is not None
        if message_type is MessageType.CALL:
            seen = self._seen_ids.setdefault((frame.leg, frame.direction), {})
            if frame.message_id in seen:
                frame.problem = f"duplicate message id {frame.message_id!r} on this connection"
            seen[frame.message_id] = None
            if len(seen) > MAX_SEEN_IDS:
                seen.pop(next(iter(seen)))
            self._open_calls.add(frame, frame)
        elif message_type in (
            MessageType.CALLRESULT,
            MessageType.CALLERROR,
            MessageType.CALLRESULTERROR,
        ):
            request = self._open_calls.take(frame)
            if request is None:
                frame.problem = f"answer to unknown message id {frame.message_id!r}"
                return
            link(request, frame)

    @property
    def pending_lines(self) -> int:
        """Lines waiting for the disk (0 while it takes them)."""
        return len(self._pending)

    def _write(self, frame: Frame) -> tuple[int, int] | None:
        """Write the frame's line; its (offset, length) in bytes, or None when it is not on
        disk (no file, or the disk is failing)."""
        global _last_written
        line = _ENCODE_LINE(frame.to_record())
        _last_written = (frame, line)
        if self.path is None or not self._writable:
            return None
        data = (line + "\n").encode("utf-8")
        if self.disk_error is not None:
            self._keep(data)
            self._retry()
            return None
        offset = self._size
        try:
            if self._file is None:  # closed to keep within the open-file budget
                self._file = open_for_appending(self.path, self._size)
            self._file.write(data)
            self._file.flush()
        except (OSError, ValueError) as exc:
            self._keep(data)
            self._write_failed(exc)
            return None
        self._size += len(data)
        self._files.written(self)
        return offset, len(data)

    def _keep(self, data: bytes) -> None:
        self._pending.append(data)
        self._pending_bytes += len(data)
        while self._pending_bytes > PENDING_MAX_BYTES and len(self._pending) > 1:
            self._pending_bytes -= len(self._pending.popleft())
            self._lost += 1

    def _write_failed(self, exc: BaseException) -> None:
        """Drop the file, cut back to its last whole line, and go on in memory."""
        self._drop_file()
        if self.path is not None:
            try:  # a line half written before the disk filled would break the file
                os.truncate(self.path, self._size)
            except OSError:
                pass  # done when the disk takes lines again
        self._retry_at = self._clock.mono() + RETRY_INTERVAL
        if self.disk_error is None:
            reason = getattr(exc, "strerror", None) or exc
            self._disk_failed(
                f"cannot write {self.path}: {reason}; frames kept in memory, retried every "
                f"{RETRY_INTERVAL:g} s"
            )

    def _retry(self, *, now: bool = False) -> None:
        """Try the disk again (once per RETRY_INTERVAL): write what waited, in order."""
        if self.path is None or (not now and self._clock.mono() < self._retry_at):
            return
        waiting = len(self._pending)
        try:
            if self._created:
                self._file = open_for_appending(self.path, self._size)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = create_exclusively(self.path)
                self._created = True
            self._file.write(b"".join(self._pending))
            self._file.flush()
        except (OSError, ValueError) as exc:
            self._write_failed(exc)
            return
        self._size += self._pending_bytes
        self._pending.clear()
        self._pending_bytes = 0
        self._files.written(self)
        message = f"writing {self.path} again; {waiting} frames kept in memory meanwhile written"
        if self._lost:
            message += f", {self._lost} older ones could not be kept (still in the window)"
        self._lost = 0
        self.disk_error = None
        log.warning("%s: frame log %s", self.identity, message)
        if self._on_disk_back is not None:
            self._on_disk_back(message)

    def _disk_failed(self, message: str) -> None:
        self.disk_error = message
        log.error("%s: frame log kept in memory only: %s", self.identity, message)
        if self._on_disk_error is not None:
            self._on_disk_error(message)

    def release_file(self) -> None:
        """Close the file for now (the open-file budget); the next frame opens it again."""
        if self._file is not None:
            try:
                self._file.close()
            except OSError as exc:  # the last flush failed: the disk is failing
                self._file = None
                self._write_failed(exc)
            self._file = None

    def _drop_file(self) -> None:
        self._files.closed(self)
        if self._file is not None:
            try:
                self._file.close()
            except (OSError, ValueError):
                pass
            self._file = None

    def close(self) -> None:
        """Write what still waits for the disk (one last try), and close the file."""
        if self._pending:
            self._retry(now=True)
        self._drop_file()
