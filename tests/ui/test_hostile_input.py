"""Text a charger controls is never markup: hostile strings go through every screen."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.chargers.main_screen import MainScreen
from ocpptui.ui.frames.frame_inspector_screen import FrameInspectorScreen
from ocpptui.ui.frames.frame_table import FrameTable
from ocpptui.ui.help.help_screen import HelpScreen
from tests.helpers import RawCharger
from tests.ui.helpers import listening_port, rendered_lines, until

HOSTILE = ["[/]", "[bold", "[link=x]y", "$text-error", "\x1b[31mred", "\ud7ff\u200b"]
BIG = ("[/] [bold] " * 1000)[:10_240]


async def _feed_hostile_charger(port: int) -> RawCharger:
    connection = await connect(
        f"ws://127.0.0.1:{port}/ocpp/%5Bbold",
        subprotocols=["ocpp1.6"],  # identity "[bold"
    )
    charger = RawCharger(connection)
    await charger.call(
        "BootNotification",
        {
            "chargePointVendor": "[/]",
            "chargePointModel": "[bold",
            "chargePointSerialNumber": "\x1b]52;c;aGk=\x07",
            "firmwareVersion": BIG,
        },
    )
    await charger.call(
        "StatusNotification",
        {
            "connectorId": 1,
            "errorCode": "OtherError",
            "status": "Faulted",
            "info": "[/]",
            "vendorErrorCode": "[bold",
        },
    )
    await charger.call("DataTransfer", {"vendorId": "[/]", "data": BIG})
    await charger.call("DataTransfer", {"vendorId": "x", "data": " ".join(HOSTILE)})
    await charger.send_text("[/] [bold")  # not JSON
    await charger.send_text(json.dumps([4, "nope", "[/]", "[bold", {"x": "[/]"}]))
    await charger.send_text(json.dumps([2, "m9", "[/]", {"[bold": "[/]"}]))
    await charger.recv_json()  # the CallError for the unknown action
    return charger


async def _refuse(port: int) -> None:
    with pytest.raises(InvalidStatus):
        async with connect(f"ws://127.0.0.1:{port}/%5B%2F%5D", subprotocols=["ocpp1.6"]):
            pass


async def _open_hostile_charger(pilot, app: OcppTuiApp, hub: Hub) -> FrameTable:
    port = await listening_port(pilot, hub)
    await _feed_hostile_charger(port)
    await _refuse(port)
    charger = hub.chargers["[bold"]
    await until(pilot, lambda: len(charger.frames) >= 11)
    assert isinstance(app.screen, MainScreen)
    all_frames = app.screen.query_one("#all-frames", FrameTable)
    # The table takes frames in on its refresh tick, after styling the new rows a few per turn
    # of the event loop: on a busy machine that can be a few ticks.
    await until(pilot, lambda: all_frames.row_count >= len(charger.frames))
    app.export_screenshot()
    assert "[/]" in "".join(rendered_lines(all_frames))
    await app.open_charger("[bold")
    await until(pilot, lambda: isinstance(app.screen, ChargerScreen))
    table = app.screen.query_one("#charger-frames", FrameTable)
    await until(pilot, lambda: table.row_count == len(charger.frames))
    app.export_screenshot()
    return table


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_hostile_strings_pass_through_the_screens(
    app: OcppTuiApp, hub: Hub, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        table = await _open_hostile_charger(pilot, app, hub)
        summary = str(app.screen.query_one("#summary").render())
        assert "[bold" in summary and "[/]" in summary and "\x1b" not in summary
        assert "\\x1b" in summary  # the control character is shown, not sent to the terminal
        assert all("\x1b" not in line for line in rendered_lines(table))

        table.move_cursor(0)  # the 10 kB BootNotification
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FrameInspectorScreen))
        app.export_screenshot()
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChargerScreen))

        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        app.export_screenshot()
        await pilot.press("escape")

        await pilot.press("ctrl+p", *"[/")
        await pilot.pause(0.3)
        app.export_screenshot()
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running


async def test_hostile_frames_open_in_the_inspector(app: OcppTuiApp, hub: Hub) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _open_hostile_charger(pilot, app, hub)
        # The 10 kB DataTransfer, the frame that is not JSON, the CallError with markup in its
        # code, the CALL of an action named "[/]" and its CallError.
        hostile_rows = [
            row
            for row, frame in enumerate(table.rows())
            if row > 0 and (len(frame.raw) > 10_000 or frame.problem or frame.action == "[/]")
        ]
        assert len(hostile_rows) >= 4
        for row in hostile_rows:
            table.move_cursor(row)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, FrameInspectorScreen))
            app.export_screenshot()
            await pilot.press("r", "escape")
            await until(pilot, lambda: isinstance(app.screen, ChargerScreen))
        assert app.is_running
