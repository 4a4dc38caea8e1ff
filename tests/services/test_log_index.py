"""Issue 18, point 5: a saved log filters through its index, with exactly the frames the
parse-based filter finds, for our own logs and other tools' plain logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocpptui.core.frame_filter import FrameFilter, parse_query
from ocpptui.core.hub import Hub
from ocpptui.core.log_file import LogFile, LogFormat
from ocpptui.core.log_filter import FilteredFrames, LineHint
from tests.helpers import connect_raw
from tests.log_samples import write_jsonl_log
from tests.services.test_log_file import FORMS, KNOWN_LOG

QUERIES = [
    "action:Heartbeat",
    "action:status*",
    "action:BootNotification,Reset",
    "dir:out",
    "dir:in",
    "type:call",
    "type:result",
    "type:error",
    "type:call dir:in",
    "is:error",
    "is:error dir:in",
    "action:Reset type:error",
    "charger:cp-1",
    "charger:CP-*",
    "charger:cp-1 dir:out type:result",
    "Available",
    "currenttime dir:out",
    "action:Heartbeat currenttime",
    "id:m1",
    '"status"',
    "action:NoSuchAction",
]


def _by_index(log: LogFile, frame_filter: FrameFilter) -> tuple[list[int], str]:
    residual = frame_filter.residual()
    hint = LineHint(frame_filter.words, frame_filter.actions, pairing_matters=True)
    view = FilteredFrames(
        log,
        frame_filter.matches,
        hint,
        query=frame_filter.index_query(),
        residual=residual.matches if residual is not None else None,
        words=frame_filter.words,
    )
    assert view.run(validate=frame_filter.errors_only)
    return [view.source_position(n) for n in range(view.total)], view.method


def _by_parsing(log: LogFile, frame_filter: FrameFilter) -> list[int]:
    view = FilteredFrames(log, frame_filter.matches)  # every line parsed, as before the index
    assert view.run(validate=frame_filter.errors_only)
    assert view.method == "lines"
    return [view.source_position(n) for n in range(view.total)]


def _assert_same_frames(path: Path) -> None:
    log = LogFile(path)
    assert log.index()
    assert len(log.fields) == log.total
    for query in QUERIES:
        frame_filter = parse_query(query)
        found, method = _by_index(log, frame_filter)
        assert found == _by_parsing(log, frame_filter), (path.name, query)
        plain_errors = log.format is LogFormat.PLAIN and frame_filter.errors_only
        assert method == ("lines" if plain_errors else "index"), query
    log.close()


async def _our_session_log(hub: Hub, identity: str) -> Path:
    charger = await connect_raw(hub, identity)
    await charger.boot_16(vendor="V" * 25)  # too long: schema violations
    for _ in range(3):
        await charger.call("Heartbeat", {})
    await charger.call(
        "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
    )
    await charger.send_text('[2,"bad",')  # malformed: a problem, answered with a CallError
    await charger.recv_json()
    await charger.send_text('[2,"m1","NoSuchAction",{}]')  # answered with a CallError
    await charger.recv_json()
    await charger.call("Authorize", {"idTag": 'quote " and ünïcode'})
    session = hub.session_for(identity)
    assert session is not None and session.frame_log.path is not None
    await charger.connection.close()
    return session.frame_log.path


async def test_index_filters_find_exactly_the_parsed_frames_in_our_logs(
    hub: Hub, tmp_path: Path
) -> None:
    first = await _our_session_log(hub, "CP-1")
    second = await _our_session_log(hub, "cp-2 ☃")
    lines = first.read_text(encoding="utf-8").splitlines()
    # One file with both chargers, older records (no leg/protocol), a record in another key
    # order, an answer whose record lost its action (its CALL's is used), a cut-off line,
    # odd values (not JSON, numbers where text goes, violations that are not objects).
    records = [json.loads(line) for line in lines]
    call = next(r for r in records if r["type"] == 2 and r["action"] == "Heartbeat")
    answer = next(r for r in records if r["type"] == 3 and r["id"] == call["id"])
    reordered = json.dumps(dict(reversed(list(call.items()))), ensure_ascii=False)
    older = {key: value for key, value in call.items() if key not in ("leg", "protocol")}
    answer["action"] = None  # the scan gives it its CALL's (the older record, still open)
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        "\n".join(
            [
                *lines,
                *second.read_text(encoding="utf-8").splitlines(),
                reordered,
                json.dumps(older),
                json.dumps(answer),
                lines[5][: len(lines[5]) // 2],
                '{"seq": 01, "type": 2, "id": "x", "action": "Heartbeat", "dir": "in"}',
                '{"type": 3.0, "id": 7, "action": 5, "dir": "out", "error_code": 0}',
                '{"type": 4, "identity": "", "violations": [1, 2], "problem": null}',
                '{"type": 2, "violations": [{"path": "$"}], "dir": "sideways"}',
                "[1, 2, 3]",
                "",
            ]
        ),
        encoding="utf-8",
    )
    _assert_same_frames(first)
    _assert_same_frames(mixed)


@pytest.mark.parametrize("form", list(FORMS))
def test_index_filters_find_exactly_the_parsed_frames_in_other_tools_logs(
    tmp_path: Path, form: str
) -> None:
    path = tmp_path / "foreign.log"
    path.write_text(FORMS[form][0] + "\n" + KNOWN_LOG, encoding="utf-8")
    _assert_same_frames(path)


def test_an_index_filter_reads_no_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ours.jsonl"
    write_jsonl_log(path, 2_000)
    log = LogFile(path)
    log.index()
    read: list[int] = []
    original = LogFile.parse_line

    def counted(self: LogFile, position: int, data: bytes):
        read.append(position)
        return original(self, position, data)

    monkeypatch.setattr(LogFile, "parse_line", counted)
    found, method = _by_index(log, parse_query("action:StatusNotification dir:out"))
    assert method == "index" and len(found) == 200 and read == []
    # Free text parses only lines that hold it, among those the index let through.
    found, _ = _by_index(log, parse_query("dir:out NoError"))
    assert found == [] and read == []  # "NoError" is only in incoming frames
    found, _ = _by_index(log, parse_query("action:StatusNotification Available"))
    assert len(found) == 200 and len(read) == 200
    log.close()
