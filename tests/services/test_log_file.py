"""Saved frame logs: ours and other tools', paired, timed, re-validated, indexed lazily."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from ocpptui.core.frame import Direction
from ocpptui.core.hub import Hub
from ocpptui.core.log_file import LogFile, LogFormat
from ocpptui.core.log_filter import FilteredFrames, LineHint
from ocpptui.protocol.versions import OcppVersion
from tests.helpers import connect_raw
from tests.log_samples import write_jsonl_log

# ------------------------------------------------------------------------ our own log


async def test_our_session_log_reopens_with_pairing_latency_and_violations(hub: Hub) -> None:
    charger = await connect_raw(hub, "CP-LOG")
    await charger.boot_16(vendor="V" * 25)  # too long: a schema violation
    await charger.call("Heartbeat", {})
    await charger.call("Authorize", {"idTag": "TAG-1"})
    session = hub.session_for("CP-LOG")
    assert session is not None and session.frame_log.path is not None
    live = list(hub.chargers["CP-LOG"].frames)
    await charger.connection.close()

    log = LogFile(session.frame_log.path)
    assert log.format is LogFormat.OCPP_TUI
    assert log.version is OcppVersion.V16 and log.version_source == "from the log records"
    assert log.index() and log.total == len(live) == 6
    for original, reopened in zip(live, log, strict=True):
        assert (reopened.seq, reopened.direction, reopened.message_type, reopened.action) == (
            original.seq,
            original.direction,
            original.message_type,
            original.action,
        )
        assert reopened.raw == original.raw
        assert reopened.request_seq == original.request_seq
        assert reopened.response_seq == original.response_seq
        if original.latency_ms is not None:
            assert reopened.latency_ms == pytest.approx(original.latency_ms, abs=0.001)
        assert reopened.wall == pytest.approx(original.wall, abs=0.001)
        assert [v.path for v in reopened.violations] == [v.path for v in original.violations]
    boot = log[0]
    assert boot.payload["chargePointVendor"] == "V" * 25
    assert boot.violations and boot.violations[0].path == "$.chargePointVendor"
    assert log[1].payload["status"] == "Accepted"
    log.close()


# ------------------------------------------------------------------------ other tools' logs

BOOT = '[2,"1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]'
BOOT_OK = '[3,"1",{"status":"Accepted","currentTime":"2024-05-01T10:00:00Z","interval":60}]'
RESET = '[2,"2","Reset",{"type":"Soft"}]'
RESET_ERROR = '[4,"2","NotSupported","not now",{}]'

FORMS = {
    "iso timestamps, no marker": (
        f"2024-05-01T10:00:00Z {BOOT}\n"
        f"2024-05-01T10:00:00.120Z {BOOT_OK}\n"
        f"2024-05-01T10:00:05Z {RESET}\n"
        f"2024-05-01T10:00:05.300Z {RESET_ERROR}\n",
        True,
    ),
    "arrows, no timestamps": (f"-> {BOOT}\n<- {BOOT_OK}\n<- {RESET}\n-> {RESET_ERROR}\n", False),
    "SEND/RECV of a CSMS": (
        f"RECV: {BOOT}\nSEND: {BOOT_OK}\nSEND: {RESET}\nRECV: {RESET_ERROR}\n",
        False,
    ),
    "time of day and > <": (
        f"10:00:00.000 < {BOOT}\n10:00:00.120 > {BOOT_OK}\n"
        f"10:00:05.000 > {RESET}\n10:00:05.300 < {RESET_ERROR}\n",
        True,
    ),
    "log levels around a date and RX/TX": (
        "2024-05-01 10:00:00,000 INFO  websocket connected\n"
        f"2024-05-01 10:00:00,000 DEBUG RX {BOOT}\n"
        f"2024-05-01 10:00:00,120 DEBUG TX {BOOT_OK}\n"
        "\n"
        f"2024-05-01 10:00:05,000 DEBUG TX {RESET}\r\n"
        f"2024-05-01 10:00:05,300 DEBUG RX {RESET_ERROR}",  # no newline at the end
        True,
    ),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_plain_logs_of_other_tools_show_frames_paired_and_timed(tmp_path: Path, form: str) -> None:
    text, timed = FORMS[form]
    path = tmp_path / "foreign.log"
    path.write_text(text, encoding="utf-8")
    log = LogFile(path)
    assert log.format is LogFormat.PLAIN
    assert log.version is OcppVersion.V16
    log.index()
    frames = list(log)
    assert [(f.message_type, f.action) for f in frames] == [
        (2, "BootNotification"),
        (3, "BootNotification"),
        (2, "Reset"),
        (4, "Reset"),
    ]
    IN, OUT = Direction.IN, Direction.OUT
    assert [f.direction for f in frames] == [IN, OUT, OUT, IN]
    assert frames[1].request_seq == frames[0].seq and frames[0].response_seq == frames[1].seq
    assert frames[3].request_seq == frames[2].seq and frames[3].error_code == "NotSupported"
    if timed:
        assert frames[1].latency_ms == pytest.approx(120, abs=0.01)
        assert frames[3].latency_ms == pytest.approx(300, abs=0.01)
        assert frames[2].wall - frames[0].wall == pytest.approx(5)
    else:
        assert frames[1].latency_ms is None and frames[0].wall == 0.0
    assert all(not f.violations and f.problem is None for f in frames)
    assert log.description.startswith("plain OCPP-J lines")
    log.close()


def test_a_plain_log_is_revalidated_with_the_version_given_or_guessed(tmp_path: Path) -> None:
    path = tmp_path / "v201.log"
    path.write_text(
        '[2,"a","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"M"}}]\n'
        '[2,"b","TransactionEvent",{"eventType":"Started"}]\n'
        '[2,"c","Heartbeat",{\n',  # cut off
        encoding="utf-8",
    )
    log = LogFile(path)
    assert log.version is OcppVersion.V201
    log.index()
    boot, event, broken = list(log)
    assert [v.path for v in boot.violations] == ["$.chargingStation"]  # vendorName missing
    assert {v.rule for v in event.violations} == {"required"}
    assert broken.problem is not None and "not valid JSON" in broken.problem
    assert (broken.message_type, broken.message_id) == (2, "c")
    log.close()
    forced = LogFile(path, protocol=OcppVersion.V16)
    forced.index()
    assert forced.version_source == "given"
    assert forced[1].violations == ()  # no TransactionEvent schema in 1.6: nothing to check
    forced.close()


# ------------------------------------------------------------------------ statistics

KNOWN_LOG = """\
10:00:00.000 -> [2,"b1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]
10:00:00.010 <- [3,"b1",{"status":"Accepted","currentTime":"2024-05-01T10:00:00Z","interval":10}]
10:00:10.000 -> [2,"h1","Heartbeat",{}]
10:00:10.020 <- [3,"h1",{"currentTime":"2024-05-01T10:00:10Z"}]
10:00:20.000 -> [2,"h2","Heartbeat",{}]
10:00:20.030 <- [3,"h2",{"currentTime":"2024-05-01T10:00:20Z"}]
10:00:30.000 -> [2,"h3","Heartbeat",{}]
10:00:30.040 <- [3,"h3",{"currentTime":"2024-05-01T10:00:30Z"}]
10:01:30.000 -> [2,"h4","Heartbeat",{}]
10:01:30.050 <- [3,"h4",{"currentTime":"2024-05-01T10:01:30Z"}]
10:01:31.000 <- [2,"r1","Reset",{"type":"Soft"}]
10:01:31.100 -> [4,"r1","NotSupported","no",{}]
10:01:32.000 -> [2,"s1","StatusNotification",{"connectorId":1,"status":"Available"}]
10:01:33.000 <- [2,"x1","ClearCache",{}]
"""


def test_statistics_of_a_known_log(tmp_path: Path) -> None:
    path = tmp_path / "known.log"
    path.write_text(KNOWN_LOG, encoding="utf-8")
    log = LogFile(path)
    log.index()
    stats = log.analyze()
    assert stats.frames == 14
    assert stats.calls_by_action == {
        "BootNotification": 1,
        "Heartbeat": 4,
        "Reset": 1,
        "StatusNotification": 1,
        "ClearCache": 1,
    }
    assert stats.results_by_action["Heartbeat"] == 4 and stats.errors_by_action == {"Reset": 1}
    assert stats.error_codes == {"NotSupported": 1}
    assert stats.with_violations == 1  # the StatusNotification lacks errorCode
    assert stats.errors == 2
    assert stats.unanswered == 2  # StatusNotification, ClearCache
    latency = stats.latency
    assert latency.count == 6
    percentiles = (latency.p50, latency.p95, latency.p99, latency.max)
    assert percentiles == pytest.approx((30, 100, 100, 100))
    assert stats.latency_by_action["Heartbeat"].p50 == pytest.approx(30)
    assert stats.heartbeats == 4
    assert stats.heartbeat_intervals.p50 == pytest.approx(10)
    assert [round(gap.seconds) for gap in stats.heartbeat_gaps] == [60]
    assert stats.heartbeat_gaps[0].position == 8
    assert stats.last_wall - stats.first_wall == pytest.approx(93)
    text = "\n".join(stats.summary_lines())
    assert "p50 30.0 ms, p95 100.0 ms, p99 100.0 ms" in text
    assert "gap of 60.0 s before frame 9" in text
    assert stats.to_json()["latency_ms"] == {"count": 6, "p50": 30.0, "p95": 100.0, "p99": 100.0}
    log.close()


# ------------------------------------------------------------------------ big files


def test_a_200k_frame_log_opens_without_reading_or_parsing_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    frames = write_jsonl_log(path, 100_000)
    assert frames == 200_000
    log = LogFile(path)
    # One step of the index: the first frames are there, most of the file is not read yet.
    assert not log.index(max_bytes=256 * 1024, chunk_bytes=64 * 1024)
    assert 0 < log.total < 5_000
    assert log.indexed_bytes < log.size / 20
    first_screen = [log.at(position) for position in range(50)]
    assert [f.action for f in first_screen[:2]] == ["Heartbeat", "Heartbeat"]
    assert first_screen[1].request_seq == 1 and first_screen[0].response_seq == 2
    assert log.parsed_lines <= 51  # the 50 shown, and the answer of the last one
    # The rest of the index; parsing stays proportional to what is looked at.
    assert log.index()
    assert log.total == 200_000 and log.indexed_bytes == log.size
    last = log[-1]
    assert last.seq == 200_000 and last.request_seq == 199_999 and last.latency_ms == 5.0
    assert log.parsed_lines <= 53
    assert len(log._cache) <= 4096
    assert log._offsets.itemsize * len(log._offsets) == 8 * 200_000  # the index: 8 bytes a frame
    log.close()


def test_a_filter_pass_follows_the_index_as_it_grows(tmp_path: Path) -> None:
    path = tmp_path / "grow.jsonl"
    write_jsonl_log(path, 20_000)
    log = LogFile(path)
    log.index(max_bytes=64 * 1024, chunk_bytes=64 * 1024)
    view = FilteredFrames(log, lambda frame: frame.action == "StatusNotification")
    result: list[bool] = []
    worker = threading.Thread(target=lambda: result.append(view.run(poll_seconds=0.01)))
    worker.start()
    log.index(chunk_bytes=256 * 1024)  # the rest of the index, while the filter runs
    worker.join(timeout=30)
    assert result == [True] and view.done
    assert view.total == 4_000  # every 10th exchange: a CALL and its answer
    assert {frame.action for frame in view} == {"StatusNotification"}
    assert view[1].request_seq == view[0].seq
    assert log.parsed_lines <= 2 * 4_000 + 10  # the view's frames, shown through the LRU
    log.close()


def _matches(log: LogFile, predicate, hint: LineHint | None) -> list[int]:
    view = FilteredFrames(log, predicate, hint)
    assert view.run()
    return [view.source_position(n) for n in range(view.total)]


@pytest.mark.parametrize("form", ["ours", "plain"])
def test_line_hints_skip_lines_but_never_a_match(tmp_path: Path, form: str) -> None:
    if form == "ours":
        path = tmp_path / "ours.jsonl"
        write_jsonl_log(path, 500)
    else:
        path = tmp_path / "plain.log"
        path.write_text(KNOWN_LOG * 20)
    log = LogFile(path)
    log.index()
    cases = [
        (lambda f: f.action == "StatusNotification", LineHint(actions=("statusnotification",))),
        (lambda f: (f.action or "").startswith("Status"), LineHint(actions=("status*",))),
        (lambda f: "available" in f.raw.lower(), LineHint(words=("available",))),
        (
            lambda f: f.action == "Heartbeat" and "currenttime" in f.raw.lower(),
            LineHint(("currenttime",), ("heartbeat",), pairing_matters=True),
        ),
        (lambda f: '"status"' in f.raw.lower(), LineHint(words=('"status"',))),
        (
            lambda f: f.direction is Direction.OUT,
            LineHint(pairing_matters=True, direction_out=True),
        ),
        (
            lambda f: f.direction is Direction.OUT and f.action == "Heartbeat",
            LineHint(actions=("heartbeat",), pairing_matters=True, direction_out=True),
        ),
    ]
    for predicate, hint in cases:
        expected = _matches(log, predicate, None)
        assert expected, hint
        assert _matches(log, predicate, hint) == expected, hint
    if form == "ours":
        # dir:out passes over the lines of incoming frames without parsing them.
        test = LineHint(pairing_matters=True, direction_out=True).line_test(log.format)
        assert test is not None
        candidates = [position for position, _ in log._candidate_lines(0, log.total, test)]
        outgoing = [n for n in range(log.total) if log[n].direction is Direction.OUT]
        assert set(outgoing) <= set(candidates) and len(candidates) < log.total * 0.6
    log.close()


def test_odd_files_open(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    log = LogFile(empty)
    assert log.index() and log.total == 0 and log.at(0) is None
    log.close()
    noise = tmp_path / "noise.log"
    noise.write_bytes(b"\xff\xfe not utf-8\nno frames here\n" + b"x" * 300_000 + b"\n")
    log = LogFile(noise)
    assert log.index(chunk_bytes=4096) and log.total == 0
    log.close()
    long_line = tmp_path / "long.log"
    payload = "a" * 200_000
    long_line.write_text(f'[2,"1","DataTransfer",{{"vendorId":"{payload}"}}]\n[3,"1",{{}}]\n')
    log = LogFile(long_line)
    assert log.index(chunk_bytes=4096) and log.total == 2
    assert log[0].payload["vendorId"] == payload and log[1].action == "DataTransfer"
    # A filter's block search copes with lines longer than its blocks.
    test = LineHint(words=("aaaa",)).line_test(log.format)
    assert test is not None
    assert [p for p, _ in log._candidate_lines(0, 2, test, block_bytes=4096)] == [0]
    test = LineHint(words=("[3",)).line_test(log.format)
    assert [p for p, _ in log._candidate_lines(0, 2, test, block_bytes=4096)] == [1]
    log.close()
    with pytest.raises(OSError, match="cannot open"):
        LogFile(tmp_path / "missing.jsonl")


def test_the_open_command_prints_statistics(tmp_path: Path, capsys) -> None:
    from ocpptui.cli import main

    path = tmp_path / "known.log"
    path.write_text(KNOWN_LOG, encoding="utf-8")
    assert main(["open", str(path), "--stats"]) == 0
    out = capsys.readouterr().out
    assert "plain OCPP-J lines (timestamps: time of day; direction: ->/<- markers" in out
    assert "p50 30.0 ms, p95 100.0 ms, p99 100.0 ms" in out
    assert main(["open", str(path), "--stats", "--json", "--protocol", "1.6"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["frames"] == 14 and data["calls_by_action"]["Heartbeat"] == 4
    assert "OCPP 1.6 (given)" in data["format"]
    assert main(["open", str(path), "--protocol", "1.7"]) == 2
    assert "unknown OCPP version" in capsys.readouterr().err
    assert main(["open", str(tmp_path / "nothing.log"), "--stats"]) == 1
    assert "cannot open" in capsys.readouterr().err
