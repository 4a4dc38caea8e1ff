"""Lines of plain OCPP-J logs as other tools write them: the frame, its time and direction.

    [2,"1","Heartbeat",{}]
    2024-05-01T10:00:00Z [2,"1","Heartbeat",{}]
    2024-05-01 10:00:00,123 <- [3,"1",{"currentTime":"..."}]
    SEND: [2,"1","Heartbeat",{}]            RECV: [3,"1",{...}]
    12:00:01.123 > [2,"1","Heartbeat",{}]

Also how a log's protocol version is guessed from what it contains.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass

from ocpptui.protocol import catalog
from ocpptui.protocol.versions import OcppVersion

# Where an OCPP-J frame starts in a line: `[2,"`, `[3, "`, ... (message types 2..6).
FRAME_START = re.compile(r'\[\s*[2-6]\s*,\s*"')
FRAME_HINT = re.compile(rb'\[\s*[2-6]\s*,\s*"')
# A date and a time: ISO 8601 (`2024-07-09T12:03:23Z`, `2024-07-09 12:03:23,123`) and Go's
# log package (evcc: `2024/07/09 12:03:23`).
_ISO_TIME = re.compile(
    r"(\d{4})([-/])(\d{2})\2(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s?"
    r"(Z|[+-]\d{2}:?\d{2})?"
)
_CLOCK_TIME = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?")
_EPOCH_TIME = re.compile(r"(?<![\d.])(1\d{9})(?:\.(\d{1,9}))?(?![\d])")
# Direction markers, as written by the tool: "send" (it sent the frame) or "recv".
_MARKERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"<-|<<|←"), "recv"),
    (re.compile(r"->|>>|→"), "send"),
    (re.compile(r"(?<![\w<>-])<(?![\w<>-])"), "recv"),
    (re.compile(r"(?<![\w<>-])>(?![\w<>-])"), "send"),
    (re.compile(r"\b(?:recv|receive|received|receiving|rx|in|incoming|inbound)\b", re.I), "recv"),
    (re.compile(r"\b(?:send|sent|sending|tx|out|outgoing|outbound)\b", re.I), "send"),
)


@dataclass(frozen=True, slots=True)
class PlainLine:
    """One line of a plain log: the frame's text and what its prefix said."""

    raw: str
    wall: float | None  # None: the line has no timestamp
    side: str | None  # "send" / "recv" as the logging tool wrote it; None: no marker
    time_form: str | None  # "ISO 8601", "time of day", "epoch"
    marker: str | None  # the marker as found: "->", "SEND", ...


def _fraction(digits: str | None) -> int:
    return int((digits or "0")[:6].ljust(6, "0"))


def _timezone(text: str | None) -> dt.tzinfo | None:
    if text is None:
        return None
    if text == "Z":
        return dt.UTC
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def _prefix_time(prefix: str, day: dt.date) -> tuple[float | None, str | None, tuple[int, int]]:
    """(wall, form, span) of the timestamp in a line prefix; times without a zone are local."""
    match = _ISO_TIME.search(prefix)
    if match is not None:
        y, separator, mo, d, h, mi, s, frac, zone = match.groups()
        moment = dt.datetime(
            int(y), int(mo), int(d), int(h), int(mi), int(s), _fraction(frac), _timezone(zone)
        )
        form = "ISO 8601" if separator == "-" else "date and time"
        return moment.timestamp(), form, match.span()
    match = _EPOCH_TIME.search(prefix)
    if match is not None:
        whole, frac = match.groups()
        return int(whole) + _fraction(frac) / 1e6, "epoch", match.span()
    match = _CLOCK_TIME.search(prefix)
    if match is not None:
        h, mi, s, frac = match.groups()
        if int(h) < 24 and int(mi) < 60 and int(s) < 61:
            moment = dt.datetime.combine(
                day, dt.time(int(h), int(mi), min(int(s), 59), _fraction(frac))
            )
            return moment.timestamp(), "time of day", match.span()
    return None, None, (0, 0)


def split_plain_line(text: str, day: dt.date) -> PlainLine | None:
    """Read one line of a plain log; None when it carries no OCPP-J frame.

    `day` dates a time-of-day timestamp (the file's modification date).
    """
    match = FRAME_START.search(text)
    if match is None:
        return None
    prefix, body = text[: match.start()], text[match.start() :]
    try:
        _, end = _DECODER.raw_decode(body)
        raw = body[:end]
    except ValueError:
        raw = body.rstrip()  # a broken frame: shown as it is, flagged by the parser
    wall, time_form, (start, stop) = _prefix_time(prefix, day)
    side, marker = _marker(prefix[:start] + " " + prefix[stop:])
    return PlainLine(raw, wall, side, time_form, marker)


def _marker(text: str) -> tuple[str | None, str | None]:
    """("send" / "recv", the marker in capitals) of the first direction marker in `text`."""
    for pattern, found_side in _MARKERS:
        found = pattern.search(text)
        if found is not None:
            return found_side, found.group(0).upper()  # as written: "->", "RX", ...
    return None, None


_DECODER = json.JSONDecoder()


# ------------------------------------------------------------------------ broken frame lines

#: Shapes kept per log: a tool writes its frames in one or two ways (sent, received).
_MAX_SHAPES = 8


class FrameLineShape:
    """How a tool introduces its frames (the line before the frame, timestamp left out),
    learnt from lines that hold one; a line of that shape without a frame is a broken frame.

    `RECV: not json at all` in a log of `RECV: [3,...]` lines is such a line, and so is a
    frame cut short at its start. Words with a digit (identities, thread and session ids)
    stand for any word, so the shape holds for every charger and connection in the log.
    """

    def __init__(self, shapes: list[str], markers: set[str]) -> None:
        self.pattern = re.compile("|".join(f"(?:{shape})" for shape in shapes))
        self.anchors = tuple(sorted(marker.encode() for marker in markers))

    @classmethod
    def learn(cls, prefixes: list[str], day: dt.date) -> FrameLineShape | None:
        """From the text before the frame on frame lines; None when they carry no marker."""
        shapes: Counter[str] = Counter()
        markers: set[str] = set()
        for prefix in prefixes:
            _, _, (start, stop) = _prefix_time(prefix, day)
            text = (prefix[:start] + " " + prefix[stop:]).strip()
            side, _ = _marker(text)
            if side is None:
                continue  # a bare frame: any line could be "of that shape"
            for pattern, _side in _MARKERS:
                found = pattern.search(text)
                if found is not None:
                    markers.add(found.group(0))
                    break
            shapes[_shape(text)] += 1
        if not shapes:
            return None
        return cls([shape for shape, _ in shapes.most_common(_MAX_SHAPES)], markers)

    def may_match(self, data: bytes, start: int, end: int) -> bool:
        """Quick test on the raw line (one of the markers is in it)."""
        return any(data.find(anchor, start, end) >= 0 for anchor in self.anchors)

    def matches(self, line: str, day: dt.date) -> bool:
        """`line` (with no frame in it) begins the way the tool's frame lines do."""
        _, _, (start, stop) = _prefix_time(line, day)
        text = (line[:start] + " " + line[stop:]).strip()
        found = self.pattern.match(text)
        return found is not None and bool(text[found.end() :].strip())


def _shape(text: str) -> str:
    """A regular expression for lines that begin like `text`."""
    parts = []
    for token in re.split(r"(\s+)", text):
        if not token:
            continue
        if token.isspace():
            parts.append(r"\s+")
        elif any(character.isdigit() for character in token):
            parts.append(r"\S+")
        else:
            parts.append(re.escape(token))
    return "".join(parts)


def split_broken_line(text: str, day: dt.date) -> PlainLine:
    """A line of a frame line's shape that holds no frame: its time and marker, all its text."""
    wall, time_form, (start, stop) = _prefix_time(text, day)
    side, marker = _marker(text[:start] + " " + text[stop:])
    return PlainLine(text.strip(), wall, side, time_form, marker)


# ------------------------------------------------------------------------ version guess


def guess_version(
    actions: Counter[str], boot_keys: set[str], message_types: set[int]
) -> tuple[OcppVersion | None, str]:
    """The protocol version the actions, BootNotification fields and message types point at."""
    v16 = set(catalog.actions(OcppVersion.V16))
    v201 = set(catalog.actions(OcppVersion.V201))
    v21 = set(catalog.actions(OcppVersion.V21))
    seen = set(actions)
    if message_types & {5, 6} or seen & (v21 - v201 - v16):
        return OcppVersion.V21, "2.1-only actions or message types"
    if "chargingStation" in boot_keys or seen & ((v201 | v21) - v16):
        return OcppVersion.V201, "2.0.1 actions"
    if "chargePointVendor" in boot_keys or seen & (v16 - v201 - v21):
        return OcppVersion.V16, "1.6 actions"
    return None, "no version-specific action"


def charger_sends(action: str | None) -> bool | None:
    """True for an action only chargers start, False for one only a CSMS starts."""
    if not action:
        return None
    for version in OcppVersion:
        info = catalog.actions(version).get(action)
        if info is not None and info.direction is not catalog.Direction.BOTH:
            return info.charger_initiated
    return None
