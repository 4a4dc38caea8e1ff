"""How OCPP-J text frames are cut out of a byte stream (serial lines, BLE notifications).

There is no OCPP standard for carriers without message boundaries, so the framing is a
documented choice, the same on both ends of the link:

``ndjson`` (default)
    one frame per line: UTF-8 JSON followed by ``\\n`` (a ``\\r`` before it is ignored, so
    consoles that send CRLF work; empty lines are keep-alives and ignored). Bytes before the
    first ``[`` of a line are reported as garbage: every OCPP-J frame is a JSON array, so this
    recovers a frame glued to line noise.
``length``
    a 4-byte big-endian length, then that many bytes of UTF-8 JSON.
``stx``
    ``0x02``, UTF-8 JSON, ``0x03``.

The encoders guarantee that a frame never contains its own delimiter: JSON strings must escape
control characters, so a raw line break (or STX/ETX) can only be whitespace between tokens and
is written as a space, which keeps the frame's meaning.

Decoders are incremental: `feed()` takes bytes split anywhere (mid-frame, mid-header, mid
UTF-8 character) and returns the frames completed so far, as `str`, interleaved in stream
order with `FramingError` items for what could not be a frame (invalid UTF-8, a frame over
the size limit, a bad length, garbage between frames). After an error the decoder
resynchronises on the next frame boundary; nothing after the broken part is lost.

This module is pure: no I/O, no asyncio.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

#: The largest frame a decoder accepts, by default (the WebSocket server's limit too).
DEFAULT_MAX_FRAME_BYTES = 1024 * 1024
#: How many bytes of a broken frame an error keeps, to show the technician what arrived.
PREVIEW_BYTES = 200

STX = 0x02
ETX = 0x03
_LENGTH_HEADER = 4
# JSON text can start with one of these bytes (whitespace included); anything else right after
# a length header means the header was not one.
_JSON_FIRST_BYTES = frozenset(b' \t\r\n[{"-0123456789tfn')


class Framing(StrEnum):
    """The framings a local link can use (the CLI's `--framing` values)."""

    NDJSON = "ndjson"
    LENGTH = "length"
    STX = "stx"

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Framing.NDJSON: "newline-delimited JSON",
    Framing.LENGTH: "4-byte big-endian length prefix",
    Framing.STX: "STX (0x02) ... ETX (0x03)",
}


@dataclass(frozen=True, slots=True)
class FramingError:
    """Bytes that did not make a frame: why, how many were dropped, and what they started with."""

    reason: str
    discarded: int
    preview: bytes = b""

    def __str__(self) -> str:
        return f"{self.reason} ({self.discarded} byte{'s' if self.discarded != 1 else ''} dropped)"

    @property
    def preview_text(self) -> str:
        """The first bytes as text a log can show (undecodable bytes as `\\xNN`)."""
        text = self.preview.decode("utf-8", errors="backslashreplace")
        return text + ("…" if self.discarded > len(self.preview) else "")


Decoded = str | FramingError


class FrameDecoder(Protocol):
    """Cuts frames out of a byte stream, chunk by chunk."""

    def feed(self, data: bytes) -> list[Decoded]:
        """Frames (and errors) completed by `data`, in stream order."""
        ...

    def finish(self) -> list[Decoded]:
        """The stream has ended: report a frame left incomplete (if any) and reset."""
        ...


class FrameTooLarge(ValueError):
    """A frame cannot be encoded in this framing (only `length` has a hard limit: 4 GiB)."""


def _no_delimiters(text: str, delimiters: str) -> str:
    for delimiter in delimiters:
        if delimiter in text:
            text = text.replace(delimiter, " ")
    return text


def _decode_utf8(frame: bytes) -> Decoded:
    try:
        return frame.decode("utf-8")
    except UnicodeDecodeError as exc:
        return FramingError(
            f"frame is not valid UTF-8 (byte {exc.start}: {exc.reason})",
            len(frame),
            frame[:PREVIEW_BYTES],
        )


def _too_large(size: int, limit: int, preview: bytes, until: str) -> FramingError:
    return FramingError(
        f"frame larger than the {limit}-byte limit: dropped up to the {until}",
        size,
        bytes(preview[:PREVIEW_BYTES]),
    )


def _garbage(data: bytes | bytearray, where: str) -> FramingError:
    return FramingError(f"garbage {where}", len(data), bytes(data[:PREVIEW_BYTES]))


# ----------------------------------------------------------------------------- ndjson


def encode_ndjson(text: str) -> bytes:
    return _no_delimiters(text, "\r\n").encode("utf-8") + b"\n"


class NdjsonDecoder:
    """Newline-delimited JSON; see the module docstring for the rules."""

    def __init__(self, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> None:
        self.max_frame_bytes = max_frame_bytes
        self._buffer = bytearray()
        self._scanned = 0  # bytes of the buffer already known to hold no newline
        self._skipping = False  # inside a line already reported as too large

    def feed(self, data: bytes) -> list[Decoded]:
        out: list[Decoded] = []
        self._buffer += data
        while True:
            end = self._buffer.find(b"\n", self._scanned)
            if end < 0:
                break
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            self._scanned = 0
            if self._skipping:
                self._skipping = False  # the rest of an oversized line: already reported
                continue
            self._line(line, out)
        self._scanned = len(self._buffer)
        # +1: a line of exactly the limit may still have its "\r" waiting in the buffer.
        if not self._skipping and len(self._buffer) > self.max_frame_bytes + 1:
            out.append(
                _too_large(len(self._buffer), self.max_frame_bytes, self._buffer, "next newline")
            )
            self._skipping = True
        if self._skipping:
            self._buffer.clear()
            self._scanned = 0
        return out

    def _line(self, line: bytes, out: list[Decoded]) -> None:
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line.strip():
            return  # an empty line is a keep-alive
        start = line.find(b"[")
        if start < 0:
            out.append(_garbage(line, "line (no OCPP-J frame in it)"))
            return
        if line[:start].strip():
            out.append(_garbage(line[:start], "before a frame"))
        frame = line[start:]
        if len(frame) > self.max_frame_bytes:
            out.append(_too_large(len(frame), self.max_frame_bytes, frame, "newline"))
            return
        out.append(_decode_utf8(frame))

    def finish(self) -> list[Decoded]:
        rest = bytes(self._buffer)
        self._buffer.clear()
        self._scanned = 0
        skipping, self._skipping = self._skipping, False
        if skipping or not rest.strip():
            return []
        return [FramingError("stream ended inside a frame", len(rest), rest[:PREVIEW_BYTES])]


# ----------------------------------------------------------------------------- length


def encode_length_prefixed(text: str) -> bytes:
    payload = text.encode("utf-8")
    if len(payload) >= 1 << 32:
        raise FrameTooLarge(f"a frame of {len(payload)} bytes does not fit a 4-byte length")
    return len(payload).to_bytes(_LENGTH_HEADER, "big") + payload


class _GarbageCounter:
    """Dropped bytes not yet reported: reported as one error at the next frame boundary (or
    once enough piled up), so a run of noise is one report, not one per byte or chunk."""

    REPORT_EVERY = 4096

    def __init__(self, reason: str) -> None:
        self.default_reason = self.reason = reason
        self._preview = bytearray()
        self.count = 0

    def add(self, data: bytes | bytearray | memoryview, reason: str | None = None) -> None:
        """Count dropped bytes; `reason` names the run when these are its first bytes."""
        if not self.count and reason:
            self.reason = reason
        if len(self._preview) < PREVIEW_BYTES:
            self._preview += data[: PREVIEW_BYTES - len(self._preview)]
        self.count += len(data)

    def report(self, out: list[Decoded], reason: str | None = None) -> None:
        if self.count:
            out.append(FramingError(reason or self.reason, self.count, bytes(self._preview)))
            self._preview.clear()
            self.count = 0
            self.reason = self.default_reason

    def report_if_large(self, out: list[Decoded]) -> None:
        if self.count >= self.REPORT_EVERY:
            self.report(out)


class LengthPrefixedDecoder:
    """4-byte big-endian length, then the UTF-8 JSON.

    Resynchronising relies on JSON text never holding a NUL byte (control characters must
    be escaped): a header is believed only when its length is within the limit (so its first
    byte is 0x00 for limits under 16 MiB) and the byte after it can start JSON text. Anything
    else is dropped byte by byte, as one garbage report, until a believable header comes. A
    frame whose body holds a NUL was cut short by the next header: it is reported and decoding
    restarts at that NUL. So an oversized frame is skipped exactly up to the next frame.
    """

    def __init__(self, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> None:
        self.max_frame_bytes = max_frame_bytes
        self._buffer = bytearray()
        self._checked = 0  # body bytes of the frame at the buffer's start known NUL-free
        self._garbage = _GarbageCounter(
            f"garbage or a bad length header (lengths must be 1..{max_frame_bytes})"
        )

    def feed(self, data: bytes) -> list[Decoded]:
        out: list[Decoded] = []
        buffer = self._buffer
        buffer += data
        position = 0
        while len(buffer) - position > _LENGTH_HEADER:
            length = int.from_bytes(buffer[position : position + _LENGTH_HEADER], "big")
            body_start = position + _LENGTH_HEADER
            first = buffer[body_start]
            if not (0 < length <= self.max_frame_bytes and first in _JSON_FIRST_BYTES):
                oversized = length > self.max_frame_bytes and first == ord("[")
                self._garbage.add(
                    buffer[position : position + 1],
                    f"frame of {length} bytes over the {self.max_frame_bytes}-byte limit: "
                    "dropped up to the next frame"
                    if oversized
                    else None,
                )
                position += 1
                self._checked = 0
                continue
            end = body_start + length
            cut = buffer.find(b"\x00", body_start + self._checked, min(end, len(buffer)))
            if cut >= 0:
                self._garbage.report(out)
                out.append(
                    FramingError(
                        f"frame cut short after {cut - body_start} of {length} bytes "
                        "(a new frame started)",
                        cut - position,
                        bytes(buffer[body_start : min(cut, body_start + PREVIEW_BYTES)]),
                    )
                )
                position = cut
                self._checked = 0
                continue
            if end > len(buffer):
                self._checked = len(buffer) - body_start
                break  # wait for the rest of the body
            self._garbage.report(out)
            out.append(_decode_utf8(bytes(buffer[body_start:end])))
            position = end
            self._checked = 0
        del buffer[:position]
        self._garbage.report_if_large(out)
        return out

    def finish(self) -> list[Decoded]:
        out: list[Decoded] = []
        self._garbage.add(self._buffer)
        self._buffer.clear()
        self._checked = 0
        self._garbage.report(out, "stream ended inside a frame or after garbage")
        return out


# ----------------------------------------------------------------------------- STX/ETX


def encode_stx_etx(text: str) -> bytes:
    return b"\x02" + _no_delimiters(text, "\x02\x03").encode("utf-8") + b"\x03"


class StxEtxDecoder:
    """0x02, the UTF-8 JSON, 0x03; bytes outside STX...ETX (whitespace aside) are garbage.

    An STX inside a frame means the frame was cut short: it is reported and a new frame
    starts there. JSON text never holds raw STX/ETX, so the delimiters are unambiguous.
    """

    def __init__(self, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> None:
        self.max_frame_bytes = max_frame_bytes
        self._buffer = bytearray()  # the frame body so far (after its STX)
        self._in_frame = False
        self._skipping = False  # inside a frame already reported as too large
        self._garbage = _GarbageCounter("garbage between frames")

    def feed(self, data: bytes) -> list[Decoded]:
        out: list[Decoded] = []
        data = bytes(data)
        view = memoryview(data)
        position = 0
        while position < len(data):
            if not self._in_frame:
                start = data.find(b"\x02", position)
                stop = len(data) if start < 0 else start
                if data[position:stop].strip():  # whitespace between frames is harmless
                    self._garbage.add(view[position:stop])
                if start < 0:
                    break
                self._garbage.report(out)
                self._in_frame = True
                position = start + 1
                continue
            etx = data.find(b"\x03", position)
            stx = data.find(b"\x02", position)
            if stx >= 0 and (etx < 0 or stx < etx):
                self._take(view[position:stx], out)
                if not self._skipping:
                    out.append(
                        FramingError(
                            "frame cut short (STX before ETX)",
                            len(self._buffer) + 1,
                            bytes(self._buffer[:PREVIEW_BYTES]),
                        )
                    )
                self._reset()
                self._in_frame = True
                position = stx + 1
                continue
            if etx < 0:
                self._take(view[position:], out)
                break
            self._take(view[position:etx], out)
            if not self._skipping:
                out.append(_decode_utf8(bytes(self._buffer)))
            self._reset()
            position = etx + 1
        self._garbage.report_if_large(out)
        return out

    def _take(self, chunk: memoryview, out: list[Decoded]) -> None:
        if self._skipping:
            return
        self._buffer += chunk
        if len(self._buffer) > self.max_frame_bytes:
            out.append(_too_large(len(self._buffer), self.max_frame_bytes, self._buffer, "ETX"))
            self._skipping = True
            self._buffer.clear()

    def _reset(self) -> None:
        self._buffer.clear()
        self._in_frame = False
        self._skipping = False

    def finish(self) -> list[Decoded]:
        out: list[Decoded] = []
        self._garbage.report(out)
        if self._in_frame and not self._skipping:
            out.append(
                FramingError(
                    "stream ended inside a frame",
                    len(self._buffer) + 1,
                    bytes(self._buffer[:PREVIEW_BYTES]),
                )
            )
        self._reset()
        return out


# ----------------------------------------------------------------------------- codec


@dataclass(frozen=True, slots=True)
class FrameCodec:
    """One framing with its size limit: `encode()` a frame, `decoder()` for a new stream."""

    framing: Framing = Framing.NDJSON
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES

    def __post_init__(self) -> None:
        if self.max_frame_bytes < 16:
            raise ValueError(f"max_frame_bytes must be >= 16, got {self.max_frame_bytes}")

    def encode(self, text: str) -> bytes:
        if self.framing is Framing.NDJSON:
            return encode_ndjson(text)
        if self.framing is Framing.LENGTH:
            return encode_length_prefixed(text)
        return encode_stx_etx(text)

    def decoder(self) -> FrameDecoder:
        if self.framing is Framing.NDJSON:
            return NdjsonDecoder(self.max_frame_bytes)
        if self.framing is Framing.LENGTH:
            return LengthPrefixedDecoder(self.max_frame_bytes)
        return StxEtxDecoder(self.max_frame_bytes)
