"""Other tools' logs (issue 17): Home Assistant, SteVe and evcc lines with their dates and
directions, and frame lines that hold no frame counted as problems rather than dropped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ocpptui.core.frame import Direction
from ocpptui.core.log_file import LogFile
from tests.log_samples import EVCC_LOG, HOME_ASSISTANT_LOG, STEVE_LOG


def _read(tmp_path: Path, text: str) -> LogFile:
    path = tmp_path / "tool.log"
    path.write_text(text, encoding="utf-8")
    log = LogFile(path)
    assert log.index()
    return log


def _local(*parts: int) -> float:
    return dt.datetime(*parts).timestamp()  # these tools write local time without a zone


@pytest.mark.parametrize(
    ("text", "broken_line"),
    [
        (HOME_ASSISTANT_LOG, 'CP-7: receive message {"not": "a frame"}'),
        (STEVE_LOG, "Received: not json at all"),
        (EVCC_LOG, '[3,"c1",{"configurationKey":['),  # cut short: a broken frame
    ],
    ids=["home-assistant", "steve", "evcc"],
)
def test_each_tools_frames_keep_date_and_direction_and_broken_lines_are_problems(
    tmp_path: Path, text: str, broken_line: str
) -> None:
    log = _read(tmp_path, text)
    frames = [log.at(position) for position in range(len(log))]
    assert len(frames) == 4  # three frames and the broken frame line; other lines skipped
    boot, boot_answer, get_configuration, broken = frames

    assert (boot.action, boot.message_type, boot.direction) == (
        "BootNotification",
        2,
        Direction.IN,
    )
    assert (boot_answer.message_type, boot_answer.direction) == (3, Direction.OUT)
    assert boot_answer.request_seq == boot.seq  # paired with its CALL
    assert (get_configuration.action, get_configuration.direction) == (
        "GetConfiguration",
        Direction.OUT,
    )
    assert int(boot.wall) == int(_local(2024, 7, 9, 12, 3, 23))  # the date is the log's
    assert int(get_configuration.wall) == int(_local(2024, 7, 9, 12, 3, 25))

    # The broken frame line: listed, with its time and direction, and counted.
    assert broken.problem is not None
    assert broken_line in broken.raw
    assert broken.direction is Direction.IN  # what the charger sent
    assert int(broken.wall) == int(_local(2024, 7, 9, 12, 3, 25))
    statistics = log.analyze()
    assert statistics.frames == 4 and statistics.problems == 1
    log.close()


def test_evcc_dates_are_read_from_the_line_not_the_file(tmp_path: Path) -> None:
    log = _read(tmp_path, EVCC_LOG)
    assert dt.date.fromtimestamp(log.at(0).wall) == dt.date(2024, 7, 9)
    assert "timestamps: date and time" in log.description
    log.close()


def test_a_recv_line_without_json_is_a_problem_not_skipped(tmp_path: Path) -> None:
    log = _read(
        tmp_path,
        '2024-05-01T10:00:00Z SEND: [2,"1","Heartbeat",{}]\n'
        '2024-05-01T10:00:00Z RECV: [3,"1",{"currentTime":"2024-05-01T10:00:00Z"}]\n'
        "2024-05-01T10:00:01Z RECV: not json at all\n"
        "2024-05-01T10:00:01Z server: 1 charger connected\n",
    )
    assert len(log) == 3
    broken = log.at(2)
    assert broken.problem == "no OCPP-J frame in this frame line"
    assert broken.raw == "2024-05-01T10:00:01Z RECV: not json at all"
    assert log.analyze().problems == 1
    log.close()
