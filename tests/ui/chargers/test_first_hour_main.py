"""The first hour on site (issue 17): the main screen reacts to what happened."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.notifications import Notify
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocpptui.app.app import OcppTuiApp, make_app
from ocpptui.core.hub import Hub
from ocpptui.paths import Paths
from ocpptui.settings.model import Settings
from ocpptui.ui.chargers.charger_list import ChargerList
from ocpptui.ui.chargers.welcome_panel import WelcomePanel
from tests.helpers import connect_raw
from tests.ui.helpers import SIZE, listening_port, until


async def test_after_a_refusal_the_welcome_panel_points_to_it_not_to_the_firewall(
    tmp_path: Path, hub: Hub
) -> None:
    app = make_app(
        Settings(), Paths.under(tmp_path), hub, host="127.0.0.1", port=0, no_charger_hint_after=0.01
    )
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        port = await listening_port(pilot, hub)
        welcome = app.screen.query_one(WelcomePanel)
        await until(pilot, lambda: "firewall" in str(welcome.render()))  # nobody came yet

        with pytest.raises(InvalidStatus):
            async with connect(f"ws://127.0.0.1:{port}/CP-9"):  # no subprotocol offered
                pass
        await until(pilot, lambda: "was refused" in str(welcome.render()))
        shown = str(welcome.render())
        assert "A charger reached this laptop but was refused: no subprotocol offered" in shown
        assert "what to do: set the OCPP version" in shown
        assert "n lists every attempt" in shown
        assert "firewall" not in shown  # that attempt has just proved the network works

        charger = await connect_raw(hub, "CP-9")
        await charger.boot_16()
        await until(pilot, lambda: "was refused" not in str(welcome.render()))


async def test_an_offline_charger_can_be_removed_from_the_list_its_log_kept(
    app: OcppTuiApp, hub: Hub
) -> None:
    seen: list[object] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await listening_port(pilot, hub)
        online = await connect_raw(hub, "CP-ON")
        await online.boot_16()
        gone = await connect_raw(hub, "CP-GONE")
        await gone.boot_16()
        chargers = app.screen.query_one(ChargerList)
        await until(pilot, lambda: chargers.row_count == 2)
        log = hub.chargers["CP-GONE"].session.frame_log.path
        await gone.connection.close()
        await until(pilot, lambda: not hub.chargers["CP-GONE"].connected)

        # A connected charger stays: the key says why.
        chargers.focus()
        chargers.move_cursor(row=chargers.get_row_index("CP-ON"))
        await pilot.press("delete")
        assert "CP-ON" in hub.chargers and chargers.row_count == 2
        notes = [m.notification.message for m in seen if isinstance(m, Notify)]
        assert any("CP-ON is connected" in note for note in notes)

        chargers.move_cursor(row=chargers.get_row_index("CP-GONE"))
        await pilot.press("delete")
        assert "CP-GONE" not in hub.chargers
        assert chargers.row_count == 1 and "CP-GONE" not in chargers.rows
        assert "1 of 1 connected" in str(chargers.border_title)
        assert log is not None and log.exists()  # the log stays on disk
        notes = [m.notification.message for m in seen if isinstance(m, Notify)]
        assert any(f"its log stays in {log.parent}" in note for note in notes)


async def test_the_palette_removes_an_offline_charger(app: OcppTuiApp, hub: Hub) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await listening_port(pilot, hub)
        gone = await connect_raw(hub, "CP-OLD")
        await gone.boot_16()
        chargers = app.screen.query_one(ChargerList)
        await until(pilot, lambda: chargers.row_count == 1)
        await gone.connection.close()
        await until(pilot, lambda: not hub.chargers["CP-OLD"].connected)
        await pilot.press("ctrl+p", *"remove charger CP-OLD")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: "CP-OLD" not in hub.chargers)
        assert chargers.row_count == 0


def test_the_hub_refuses_to_forget_a_connected_charger(tmp_path: Path) -> None:
    hub = Hub(sessions_dir=tmp_path)
    with pytest.raises(KeyError):
        hub.forget("CP-NONE")
    hub.charger("CP-NEVER")  # known (e.g. allow-listed) but never connected
    hub.forget("CP-NEVER")
    assert "CP-NEVER" not in hub.chargers
