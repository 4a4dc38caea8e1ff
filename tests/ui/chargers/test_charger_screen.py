"""The charger screen: live frames, tailing, filters, the inspector, pause and copy."""

from __future__ import annotations

import json

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.frame import Direction
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.common.json_view import JsonView
from ocpptui.ui.frames.frame_inspector_screen import FrameInspectorScreen
from ocpptui.ui.frames.frame_table import FrameTable
from tests.helpers import RawCharger
from tests.ui.helpers import SIZE, open_raw_charger, rendered_lines, until


async def _open(pilot, app: OcppTuiApp, hub: Hub, identity: str = "CP-1") -> RawCharger:
    charger = await open_raw_charger(pilot, app, hub, identity, vendor="V", model="M")
    await pilot.pause()
    return charger


def _table(app: OcppTuiApp) -> FrameTable:
    return app.screen.query_one("#charger-frames", FrameTable)


async def test_frames_arrive_and_the_newest_stays_visible_while_tailing(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        charger = await _open(pilot, app, hub)
        table = _table(app)
        await until(pilot, lambda: table.row_count == 2)
        for _ in range(30):
            await charger.call("Heartbeat", {})
        await until(pilot, lambda: table.row_count == 62)
        assert table.row_count > table.visible_rows  # the log really scrolls
        newest = hub.chargers["CP-1"].frames[-1]
        await pilot.pause()
        assert table.following
        assert round(table.scroll_y) == table.max_scroll_y
        last_line = rendered_lines(table)[-1]
        assert newest.message_id in last_line and "RESULT" in last_line

        # Scrolling up stops the tail; new frames are counted, End follows again.
        await pilot.press("up", "up", "up")
        assert not table.following
        top_before = round(table.scroll_y)
        for _ in range(5):
            await charger.call("Heartbeat", {})
        await until(pilot, lambda: table.pending == 10)
        assert round(table.scroll_y) == top_before
        status = app.screen.query_one("#frame-status")
        await until(pilot, lambda: "10 new frames — End to follow" in str(status.render()))
        await pilot.press("end")
        await pilot.pause()
        assert table.following
        assert table.cursor_frame is hub.chargers["CP-1"].frames[-1]


async def test_filters_show_only_matching_frames_and_follow_new_ones(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        charger = await _open(pilot, app, hub)
        table = _table(app)
        await charger.call("Heartbeat", {})
        status = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
        await charger.call("StatusNotification", status)
        await until(pilot, lambda: table.row_count == 6)

        await pilot.press("slash")
        query = app.screen.query_one("#filter-query")
        assert query.has_focus
        query.value = "action:Heartbeat"
        await pilot.press("enter")
        await until(pilot, lambda: table.row_count == 2)
        assert {frame.action for frame in table.rows()} == {"Heartbeat"}
        await charger.call("Heartbeat", {})
        await charger.call("StatusNotification", status)
        await until(pilot, lambda: table.row_count == 4)
        assert {frame.action for frame in table.rows()} == {"Heartbeat"}

        # Free text over the raw frame, combined with a direction.
        query.value = "available dir:in"
        await pilot.press("enter")
        await until(pilot, lambda: table.row_count == 2)
        assert all(frame.direction is Direction.IN for frame in table.rows())
        assert all("StatusNotification" == frame.action for frame in table.rows())

        # Errors only: a malformed frame and a schema violation, nothing else.
        await pilot.press("escape", "x")
        await until(pilot, lambda: table.row_count == 10)
        await pilot.press("e")
        await until(pilot, lambda: table.row_count == 0)
        await charger.send_text("garbage")
        bogus = {"connectorId": 1, "errorCode": "Bogus", "status": "Faulted"}
        await charger.call("StatusNotification", bogus)
        await until(pilot, lambda: table.row_count == 2)
        problems = [frame for frame in table.rows() if frame.problem]
        violations = [frame for frame in table.rows() if frame.violations]
        assert len(problems) == 1 and len(violations) == 1
        status_line = app.screen.query_one("#frame-status")
        await until(pilot, lambda: "2 match the filter" in str(status_line.render()))


async def test_a_bad_query_is_reported_and_the_log_keeps_working(app: OcppTuiApp, hub: Hub) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, app, hub)
        table = _table(app)
        await pilot.press("slash")
        app.screen.query_one("#filter-query").value = "dir:sideways"
        await pilot.press("enter")
        status_widget = app.screen.query_one("#frame-status")
        await until(pilot, lambda: "dir: is in or out" in str(status_widget.render()))
        assert table.row_count == 2


async def test_the_inspector_shows_pretty_json_and_jumps_to_the_pair(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, app, hub)
        table = _table(app)
        await until(pilot, lambda: table.row_count == 2)
        await pilot.press("home", "enter")
        await until(pilot, lambda: isinstance(app.screen, FrameInspectorScreen))
        inspector = app.screen
        assert inspector.frame.action == "BootNotification" and inspector.frame.message_type == 2
        shown = str(inspector.query_one(JsonView).render())
        assert '"chargePointVendor": "V"' in shown
        assert shown.startswith("[\n  2,\n")
        meta = str(inspector.query_one("#inspector-meta").render())
        assert "answered by #" in meta and "r to jump" in meta

        await pilot.press("r")
        assert inspector.frame.message_type == 3
        assert '"status": "Accepted"' in str(inspector.query_one(JsonView).render())
        assert "answers #" in str(inspector.query_one("#inspector-meta").render())
        await pilot.press("c")
        assert app.clipboard == inspector.frame.raw
        await pilot.press("r")
        assert inspector.frame.message_type == 2

        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChargerScreen))
        assert table.cursor_frame is inspector.frame


async def test_pause_freezes_the_view_and_copy_takes_the_raw_frame(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        charger = await _open(pilot, app, hub)
        table = _table(app)
        await until(pilot, lambda: table.row_count == 2)
        await pilot.press("p")
        assert table.paused
        await charger.call("Heartbeat", {})
        await until(pilot, lambda: table.pending == 2)
        assert table.row_count == 2
        status = app.screen.query_one("#frame-status")
        await until(pilot, lambda: "paused — 2 new frames" in str(status.render()))
        await pilot.press("p")
        await until(pilot, lambda: table.row_count == 4)

        await pilot.press("up", "c")  # the cursor starts on the newest frame
        frame = table.cursor_frame
        assert frame is not None and frame.action == "Heartbeat" and frame.message_type == 2
        assert app.clipboard == frame.raw
        assert json.loads(app.clipboard)[2] == "Heartbeat"
