"""The first hour on site (issue 17): keys do what the footer says, at once, where meant."""

from __future__ import annotations

from textual.widgets import Static

from ocpptui.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.screens.charger import ChargerScreen
from ocpptui.screens.inspector import FrameInspectorScreen
from ocpptui.screens.main import MainScreen
from ocpptui.widgets.frame_table import FrameTable
from tests.conftest import RawCharger, connect_raw
from tests.ui.conftest import SIZE, listening_port, until


async def _booted(pilot, app: OcppTuiApp, hub: Hub, identity: str = "CP-1") -> RawCharger:
    await listening_port(pilot, hub)
    charger = await connect_raw(hub, identity)
    await charger.boot_16(vendor="V", model="M")
    await until(pilot, lambda: identity in hub.chargers)
    return charger


async def test_enter_and_c_work_on_a_freshly_opened_charger_frame_table(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _booted(pilot, app, hub)
        await app.open_charger("CP-1")
        await until(pilot, lambda: isinstance(app.screen, ChargerScreen))
        table = app.screen.query_one("#charger-frames", FrameTable)
        await until(pilot, lambda: table.row_count == 2)
        newest = hub.chargers["CP-1"].frames[-1]
        assert table.has_focus and table.cursor_frame is newest  # no key pressed yet

        await pilot.press("c")
        assert app.clipboard == newest.raw
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FrameInspectorScreen))
        assert app.screen.frame is newest


async def test_enter_works_on_the_main_screens_frames_after_f(app: OcppTuiApp, hub: Hub) -> None:
    async with app.run_test(size=SIZE) as pilot:
        charger = await _booted(pilot, app, hub)
        table = app.screen.query_one("#all-frames", FrameTable)
        await until(pilot, lambda: table.row_count == 2)
        await pilot.press("f")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FrameInspectorScreen))
        assert app.screen.frame is hub.frames[-1]
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))

        # Following, the cursor keeps to the newest frame as frames arrive.
        await charger.call("Heartbeat", {})
        await until(pilot, lambda: table.row_count == 4)
        await until(pilot, lambda: table.cursor_frame is hub.frames[-1])
        await pilot.press("c")
        assert app.clipboard == hub.frames[-1].raw


async def test_the_main_screens_frames_say_when_they_are_not_live(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        charger = await _booted(pilot, app, hub)
        table = app.screen.query_one("#all-frames", FrameTable)
        status = app.screen.query_one("#all-frames-status", Static)
        await until(pilot, lambda: table.row_count == 2)
        assert not status.display  # live: nothing to say

        # Inspect an older frame and come back: the log no longer follows, and says so.
        await pilot.press("f", "up", "enter")
        await until(pilot, lambda: isinstance(app.screen, FrameInspectorScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await charger.call("Heartbeat", {})
        await until(pilot, lambda: table.pending == 2)
        await until(pilot, lambda: "2 new frames — End to follow" in str(status.render()))
        assert status.display
        await pilot.press("end")
        await until(pilot, lambda: not status.display)

        await pilot.press("p")
        await charger.call("Heartbeat", {})
        await until(pilot, lambda: "paused — 2 new frames" in str(status.render()))
        assert status.display
