"""The first hour on site (issue 17): keys do what the footer says, at once, where meant."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.chargers.main_screen import MainScreen
from ocpptui.ui.commands.command_form import CommandForm
from ocpptui.ui.commands.commands_panel import CommandsPanel
from ocpptui.ui.frames.frame_inspector_screen import FrameInspectorScreen
from ocpptui.ui.frames.frame_table import FrameTable
from ocpptui.ui.transfers.diagnostics_screen import DiagnosticsScreen
from ocpptui.ui.transfers.firmware_screen import FirmwareScreen
from tests.ui.charger_tabs import wait_until
from tests.ui.helpers import SIZE, booted_charger, open_raw_charger, until


async def test_enter_and_c_work_on_a_freshly_opened_charger_frame_table(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_raw_charger(pilot, app, hub, vendor="V", model="M")
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
        charger = await booted_charger(pilot, hub, vendor="V", model="M")
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
        charger = await booted_charger(pilot, hub, vendor="V", model="M")
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


async def test_back_from_firmware_the_tab_list_has_the_focus_not_a_form_field(
    app: OcppTuiApp, hub: Hub, charger_tab
) -> None:
    async with charger_tab("tab-commands", CommandsPanel) as (pilot, panel, _, _):
        panel.select_command("RemoteStopTransaction")
        await wait_until(pilot, lambda: panel.form_action == "RemoteStopTransaction")
        form = panel.query_one("#command-form", CommandForm)
        field = form.query_one(f"#field-{[f.path for f in form.fields].index('transactionId')}")
        assert isinstance(field, Input)
        field.focus()
        await pilot.pause()
        typed = field.value

        charger_screen = app.screen
        await app.open_firmware("CP-1")  # as the palette's "Firmware" command does
        await until(pilot, lambda: isinstance(app.screen, FirmwareScreen))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is charger_screen)
        await pilot.pause()
        assert app.screen.focused is panel.query_one("#command-list", OptionList)
        await pilot.press("1")  # a footer key, not a digit in transactionId
        await until(pilot, lambda: app.screen.active_tab == "tab-frames")
        assert field.value == typed

        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))


async def test_enter_in_the_filter_box_moves_to_the_results(app: OcppTuiApp, hub: Hub) -> None:
    async with app.run_test(size=SIZE) as pilot:
        charger = await open_raw_charger(pilot, app, hub, vendor="V", model="M")
        table = app.screen.query_one("#charger-frames", FrameTable)
        await until(pilot, lambda: table.row_count == 2)
        await charger.call("Heartbeat", {})
        await until(pilot, lambda: table.row_count == 4)
        await pilot.press("slash", *"action:BootNotification", "enter")
        await until(pilot, lambda: table.filtered and table.row_count == 2)
        assert table.has_focus
        await pilot.press("enter")  # ... where enter inspects the match
        await until(pilot, lambda: isinstance(app.screen, FrameInspectorScreen))
        assert app.screen.frame.action == "BootNotification"

        # A query that does not read keeps the focus in the box, to be corrected.
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChargerScreen))
        await pilot.press("slash", *" action:", "enter")
        assert not table.has_focus
