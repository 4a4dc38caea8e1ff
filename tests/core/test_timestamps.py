"""One home for OCPP time: every reader parses the same way, every writer writes one form."""

from __future__ import annotations

import datetime as dt

from ocpptui.protocol.timestamps import (
    epoch_seconds,
    file_stamp,
    ocpp_timestamp,
    parse_timestamp,
    parse_utc,
    record_time,
    session_stamp,
)

MOMENT = dt.datetime(2026, 11, 25, 14, 30, 5, 123456, tzinfo=dt.UTC)


def test_ocpp_timestamps_are_utc_with_milliseconds_and_z() -> None:
    plus_two = MOMENT.astimezone(dt.timezone(dt.timedelta(hours=2)))
    assert ocpp_timestamp(plus_two) == "2026-11-25T14:30:05.123Z"
    assert ocpp_timestamp(MOMENT, milliseconds=False) == "2026-11-25T14:30:05Z"
    assert parse_utc(ocpp_timestamp(MOMENT)) == MOMENT.replace(microsecond=123000)


def test_readers_agree_on_zones_spaces_and_garbage() -> None:
    assert parse_utc(" 2026-11-25T16:30:05.123456+02:00 ") == MOMENT
    # Without a zone: kept naive for checks that refuse it, read as UTC by everyone else.
    assert parse_timestamp("2026-11-25T14:30:05.123456") == MOMENT.replace(tzinfo=None)
    assert parse_utc("2026-11-25T14:30:05.123456") == MOMENT
    assert epoch_seconds("2026-11-25T14:30:05.123456Z") == MOMENT.timestamp()
    for unreadable in ("", "  ", "soon", None, 1764081005, "25/11/2026"):
        assert parse_timestamp(unreadable) is None
        assert epoch_seconds(unreadable) is None


def test_records_and_file_names() -> None:
    wall = MOMENT.timestamp()
    assert record_time(wall) == "2026-11-25T14:30:05.123+00:00"
    assert record_time(None) is None
    assert epoch_seconds(record_time(wall)) == MOMENT.replace(microsecond=123000).timestamp()
    assert file_stamp(wall) == file_stamp(MOMENT) == "20261125T143005Z"
    assert session_stamp(wall) == "20261125-143005"
