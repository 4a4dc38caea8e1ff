"""Charger text through the tabs: hostile keys, values and answers are never markup."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.commands.composer import Composer
from ocpptui.ui.configuration.edit_value_screen import EditValueScreen
from ocpptui.ui.configuration.keys_panel import KeysPanel
from tests.helpers import RawCharger, connect_raw
from tests.ui.charger_tabs import of_type, type_into, wait_until
from tests.ui.helpers import SIZE, listening_port

BIG = ("[/] [bold] " * 1000)[:10_240]
ANSWERS: dict[str, Any] = {
    "GetConfiguration": {
        "configurationKey": [
            {"key": "[/]", "readonly": False, "value": "[bold"},
            {"key": "[link=x]y", "readonly": True, "value": BIG},
            {"key": "$text-error", "readonly": False, "value": "\x1b[31mred"},
        ],
        "unknownKey": ["[bold"],
    },
    "ChangeConfiguration": {"status": "[/]"},
}


async def _answer_calls(charger: RawCharger) -> None:
    """Answer every CALL from ocpp-tui with the hostile payloads above."""
    while True:
        frame = await charger.recv_json(timeout=30)
        if frame[0] == 2:
            answer = ANSWERS.get(frame[2], {"status": "[bold", "data": BIG})
            await charger.send_text(json.dumps([3, frame[1], answer]))


async def test_hostile_configuration_and_answers_show_as_text(app: OcppTuiApp, hub: Hub) -> None:
    seen: list = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await listening_port(pilot, hub)
        charger = await connect_raw(hub, "CP-X")
        await charger.boot_16(vendor="[/]", model="[bold")
        responder = asyncio.create_task(_answer_calls(charger))
        try:
            await app.open_charger("CP-X")
            await wait_until(pilot, lambda: isinstance(app.screen, ChargerScreen))
            await pilot.press("2")
            await wait_until(pilot, lambda: bool(app.screen.query(KeysPanel)))
            panel = app.screen.query_one(KeysPanel)
            await wait_until(pilot, lambda: panel.table_widget.has_focus)
            await pilot.press("r")
            await wait_until(pilot, lambda: panel.has_data() and not panel.reading)
            table = panel.table_widget
            assert {"[/]", "[link=x]y", "$text-error", "[bold"} <= {r.key for r in table.all_rows}
            for key in ("[link=x]y", "[/]"):
                table.move_cursor(row=table.get_row_index(key), animate=False)
                await pilot.pause()
            assert "[bold" in str(panel.query_one("#config-detail").render())

            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, EditValueScreen))
            await type_into(pilot, app.screen.query_one("#edit-value"), "[/]")
            await wait_until(pilot, lambda: of_type(seen, KeysPanel.ValueChanged))
            await wait_until(pilot, lambda: table.row_for("[/]").status == "[/]")

            await pilot.press("4")
            await wait_until(pilot, lambda: bool(app.screen.query(Composer)))
            composer = app.screen.query_one(Composer)
            composer.set_call("DataTransfer", '{"vendorId": "[/]", "data": "[bold"}')
            await pilot.press("ctrl+j")
            await wait_until(pilot, lambda: of_type(seen, Composer.Answered))
            assert "[bold" in composer.outcome_view.head_text
            await pilot.pause()
        finally:
            responder.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await responder
