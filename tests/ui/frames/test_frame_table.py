"""FrameTable over a small window: incremental filtering, trimming, tailing, the filter syntax."""

from __future__ import annotations

import json

import pytest
from textual.app import App, ComposeResult

from ocpptui.core.frame import Direction, Frame
from ocpptui.core.frame_filter import FilterSyntaxError, FrameFilter, parse_query
from ocpptui.core.frame_window import FrameWindow
from ocpptui.ui.frames.frame_table import FrameTable, find_frame
from tests.ui.helpers import rendered_lines, until


def _frame(seq: int, action: str, direction: Direction = Direction.IN, **extra) -> Frame:
    message_type = extra.pop("message_type", 2)
    payload = extra.pop("payload", {"n": seq})
    raw = json.dumps([message_type, f"id{seq}", action, payload])
    return Frame(
        seq=seq,
        wall=1_700_000_000 + seq,
        mono=float(seq),
        identity="CP-1",
        session_id="s",
        direction=direction,
        raw=raw,
        message_type=message_type,
        message_id=f"id{seq}",
        action=action,
        **extra,
    )  # the payload is parsed from `raw`, as the frame log's frames are


class TableApp(App[None]):
    def __init__(self, window: FrameWindow) -> None:
        super().__init__()
        self.window = window

    def compose(self) -> ComposeResult:
        yield FrameTable(self.window, refresh_hz=50)


def _fill(window: FrameWindow, start: int, count: int) -> None:
    for seq in range(start, start + count):
        action = "Heartbeat" if seq % 3 else "MeterValues"
        window.append(_frame(seq, action))


async def test_filtering_is_incremental_and_drops_trimmed_frames() -> None:
    window = FrameWindow(maxlen=50)
    _fill(window, 1, 30)
    app = TableApp(window)
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(FrameTable)
        await until(pilot, lambda: table.row_count == 30)
        table.frame_filter = parse_query("action:MeterValues")
        assert table.row_count == 10
        assert all(frame.action == "MeterValues" for frame in table.rows())

        _fill(window, 31, 60)  # 90 frames ever; the window keeps the newest 50
        await until(pilot, lambda: [f.seq for f in table.rows()][-1:] == [90])
        assert [frame.seq for frame in table.rows()] == list(range(42, 91, 3))
        assert window.first_position == 40
        assert table.position_at(0) == 41  # seq 42 sits at position 41

        # Only the new frames were tested against the filter.
        calls = []
        original = FrameFilter.matches
        table.frame_filter = FrameFilter(actions=("metervalues",))
        FrameFilter.matches = lambda self, frame: calls.append(frame.seq) or original(self, frame)
        try:
            _fill(window, 91, 5)
            await until(pilot, lambda: [f.seq for f in table.rows()][-1:] == [93])
        finally:
            FrameFilter.matches = original
        assert calls == [91, 92, 93, 94, 95]


async def test_a_scrolled_up_reader_keeps_the_rows_in_place_while_old_frames_are_trimmed() -> None:
    window = FrameWindow(maxlen=100)
    _fill(window, 1, 100)
    app = TableApp(window)
    app.animation_level = "none"
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(FrameTable)
        await until(pilot, lambda: table.row_count == 100)
        await pilot.press("up", "pageup")
        assert not table.following
        top_frame = table.frame_at_row(round(table.scroll_y))
        _fill(window, 101, 10)  # ten frames trimmed from the front
        await until(pilot, lambda: table.pending == 10)
        await pilot.pause()
        assert table.frame_at_row(round(table.scroll_y)) is top_frame
        lines = rendered_lines(table)
        assert f'"n":{top_frame.seq}' in lines[1]
        await pilot.press("end")
        await pilot.pause()
        assert table.following and table.cursor_frame is window[-1]


async def test_an_empty_table_says_so_and_cursor_keys_do_nothing() -> None:
    app = TableApp(FrameWindow(maxlen=10))
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(FrameTable)
        await pilot.press("up", "down", "enter", "c")
        assert table.cursor is None
        assert "No frames yet." in rendered_lines(table)[1]


async def test_a_filter_that_matches_nothing_says_so_not_that_there_are_no_frames() -> None:
    window = FrameWindow(maxlen=10)
    _fill(window, 1, 5)
    app = TableApp(window)
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(FrameTable)
        await until(pilot, lambda: table.row_count == 5)
        table.frame_filter = parse_query("action:StartTransaction")
        await pilot.pause()
        assert table.row_count == 0
        assert "No frame matches the filter." in rendered_lines(table)[1]


async def test_errors_and_violations_are_flagged_in_the_row() -> None:
    window = FrameWindow(maxlen=10)
    window.append(_frame(1, "Heartbeat"))
    error = _frame(2, "Heartbeat", Direction.OUT, message_type=4, error_code="NotSupported")
    error.raw = json.dumps([4, "id1", "NotSupported", "no [bold] here", {}])
    window.append(error)
    app = TableApp(window)
    async with app.run_test(size=(120, 10)) as pilot:
        table = app.query_one(FrameTable)
        await until(pilot, lambda: table.row_count == 2)
        lines = rendered_lines(table)
        assert "ERROR" in lines[2] and "NotSupported no [bold] here" in lines[2]
        table.frame_filter = parse_query("is:error")
        assert [frame.seq for frame in table.rows()] == [2]


def test_find_frame_by_sequence_number() -> None:
    window = FrameWindow(maxlen=5)
    _fill(window, 10, 8)
    assert find_frame(window, 17).seq == 17
    assert find_frame(window, 13).seq == 13
    assert find_frame(window, 12) is None  # trimmed
    assert find_frame(window, 99) is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", FrameFilter()),
        ("Heartbeat", FrameFilter(words=("heartbeat",))),
        ('"connector 2" dir:out', FrameFilter(words=("connector 2",), direction=Direction.OUT)),
        ("action:Boot*,Heartbeat", FrameFilter(actions=("boot*", "heartbeat"))),
        ("type:error is:error", FrameFilter(message_types=frozenset({4, 5}), errors_only=True)),
        ("id:ab", FrameFilter(message_id="ab")),
        ('unbalanced "quote', FrameFilter(words=("unbalanced", '"quote'))),
    ],
)
def test_filter_queries(query: str, expected: FrameFilter) -> None:
    assert parse_query(query) == expected


@pytest.mark.parametrize("query", ["dir:up", "type:nope", "is:fine", "action:"])
def test_bad_filter_queries_say_why(query: str) -> None:
    with pytest.raises(FilterSyntaxError):
        parse_query(query)


def test_action_patterns_match_case_insensitively() -> None:
    frame = _frame(1, "BootNotification")
    assert parse_query("action:boot*").matches(frame)
    assert parse_query("action:BOOTNOTIFICATION").matches(frame)
    assert not parse_query("action:Boot").matches(frame)
    assert parse_query("bootnot dir:in").matches(frame)
    assert not parse_query("dir:out").matches(frame)


async def test_scrolling_up_stops_following_and_scrolling_back_down_resumes() -> None:
    window = FrameWindow(maxlen=200)
    _fill(window, 1, 100)
    app = TableApp(window)
    app.animation_level = "none"
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(FrameTable)
        await until(pilot, lambda: table.row_count == 100)
        await pilot.pause()
        table.scroll_up(animate=False)  # what the mouse wheel does
        await pilot.pause()
        assert not table.following
        _fill(window, 101, 3)
        await until(pilot, lambda: table.pending == 3)
        table.scroll_to(y=table.max_scroll_y, animate=False)  # dragging the scrollbar down
        await pilot.pause()
        assert table.following
        _fill(window, 104, 3)
        await until(pilot, lambda: table.row_count == 106)
        await pilot.pause()
        assert round(table.scroll_y) == table.max_scroll_y
        assert '{"n":106}' in rendered_lines(table)[-1]


def test_narrow_identity_cells_keep_the_end_that_tells_chargers_apart() -> None:
    from ocpptui.ui.common.display_text import fit_ends
    from ocpptui.ui.frames.frame_row import RowLayout, frame_cells

    layout = RowLayout.for_width(80, show_identity=True)
    shown = set()
    for identity in ("DEMO-CP-1", "DEMO-CP-2"):
        frame = Frame(1, 0.0, 0.0, identity, "s", Direction.IN, '[2,"1","Heartbeat",{}]')
        shown.add(frame_cells(frame, layout)[2][0])
    assert shown == {"DEMO…P-1", "DEMO…P-2"}
    assert fit_ends("CP-1", 8) == "CP-1    " and fit_ends("ABCDEFGHIJ", 5) == "AB…IJ"
    assert fit_ends("充电桩充电桩", 5) == "充…桩"  # wide characters: never wider than asked
