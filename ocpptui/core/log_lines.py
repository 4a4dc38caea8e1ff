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
_ISO_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s?(Z|[+-]\d{2}:?\d{2})?"
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
        y, mo, d, h, mi, s, frac, zone = match.groups()
        moment = dt.datetime(
            int(y), int(mo), int(d), int(h), int(mi), int(s), _fraction(frac), _timezone(zone)
        )
        return moment.timestamp(), "ISO 8601", match.span()
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
    rest = prefix[:start] + " " + prefix[stop:]
    side = marker = None
    for pattern, found_side in _MARKERS:
        found = pattern.search(rest)
        if found is not None:
            side, marker = found_side, found.group(0).upper()  # as written: "->", "RX", ...
            break
    return PlainLine(raw, wall, side, time_form, marker)


_DECODER = json.JSONDecoder()


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
