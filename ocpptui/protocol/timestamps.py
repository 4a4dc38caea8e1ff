"""Time as OCPP frames, ocpp-tui's records and its file names write it: one home for parsing
and formatting.

- In OCPP frames: RFC 3339 in UTC with milliseconds and a `Z` (`2026-11-25T14:30:00.000Z`),
  the form chargers parse most reliably. Read back leniently: any offset, surrounding spaces.
- In records ocpp-tui writes (frame logs, reports, checklists, profiles): ISO 8601 in UTC with
  milliseconds and `+00:00`, from a wall-clock time (seconds since the epoch).
- In file and folder names: compact UTC stamps, safe on every file system.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import overload


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ocpp_timestamp(moment: dt.datetime | None = None, *, milliseconds: bool = True) -> str:
    """`2026-11-25T14:30:00.000Z` (now when no moment is given); without the milliseconds on
    request."""
    moment = (moment or utc_now()).astimezone(dt.UTC)
    if not milliseconds:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(text: object) -> dt.datetime | None:
    """A date-time as written: naive when it names no zone; None when `text` is not one.

    For checks that refuse a time without a zone; most readers want `parse_utc`.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_utc(text: object) -> dt.datetime | None:
    """A date-time, aware (one without a zone is read as UTC, as chargers mean it); None when
    `text` is not one."""
    moment = parse_timestamp(text)
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def epoch_seconds(text: object) -> float | None:
    """Seconds since the epoch of a date-time (no zone: UTC); None when `text` is not one."""
    moment = parse_utc(text)
    return None if moment is None else moment.timestamp()


@overload
def record_time(wall: float) -> str: ...
@overload
def record_time(wall: float | None) -> str | None: ...
def record_time(wall: float | None) -> str | None:
    """`2026-11-25T14:30:00.123+00:00`, the time field of the records ocpp-tui writes."""
    if wall is None:
        return None
    return dt.datetime.fromtimestamp(wall, dt.UTC).isoformat(timespec="milliseconds")


def utc_time_of_day(wall: float) -> str:
    """`14:30:00 UTC`."""
    return dt.datetime.fromtimestamp(wall, dt.UTC).strftime("%H:%M:%S UTC")


def clock_time(wall: float, milliseconds: bool = True) -> str:
    """Local time of day, `12:03:04.123` (or without the milliseconds)."""
    text = time.strftime("%H:%M:%S", time.localtime(wall))
    if milliseconds:
        text += f".{int(wall * 1000) % 1000:03d}"
    return text


def file_stamp(moment: float | dt.datetime) -> str:
    """`20261125T143000Z`: UTC to the second, for report folders and file names."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.fromtimestamp(moment, dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def session_stamp(wall: float) -> str:
    """`20261125-143000`: UTC to the second, the start of a session folder's name."""
    return dt.datetime.fromtimestamp(wall, dt.UTC).strftime("%Y%m%d-%H%M%S")
