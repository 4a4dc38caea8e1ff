"""The first hour on site (issue 17): nothing important is cut off, at 120x40 and at 80x24."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from ocpptui.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.screens.commissioning import CommissioningScreen
from ocpptui.widgets.charger_list import ChargerList, offline_text
from ocpptui.widgets.config_table import ConfigTable, KeyRow
from tests.conftest import connect_raw
from tests.ui.conftest import listening_port, until
from tests.ui.test_commissioning import _commissioning

LONG_KEY = "VendorSpecificMaximumChargingCurrentPerPhaseLimit"  # 49 characters
LONG_VALUE = "x" * 200


class ConfigApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ConfigTable()


async def test_the_configuration_key_column_takes_what_the_longest_key_needs() -> None:
    app = ConfigApp()
    rows = [KeyRow("HeartbeatInterval", "60", False), KeyRow(LONG_KEY, LONG_VALUE, False)]
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(ConfigTable)
        table.show(rows)
        await pilot.pause()
        assert str(table.get_cell(LONG_KEY, "key")) == LONG_KEY  # whole, before Value grows
        value = str(table.get_cell(LONG_KEY, "value"))
        assert value.startswith("xxxx") and len(value) >= 20  # Value has the rest
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert len(str(table.get_cell(LONG_KEY, "value"))) >= 12  # Value keeps its minimum
        assert str(table.get_cell("HeartbeatInterval", "key")) == "HeartbeatInterval"


async def test_the_checklist_details_wrap_at_120_and_show_under_the_list_at_80(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        _, screen = await _commissioning(pilot, app, hub, "CP-1")
        table = screen.query_one("#checklist", DataTable)
        await until(pilot, lambda: "detail" in table.columns)
        detail = screen.checklist.item("heartbeat").detail
        assert len(detail) > 30
        assert str(table.get_cell("heartbeat", "detail")) == detail  # whole, wrapped
        assert table.rows["heartbeat"].height >= 2
        assert table.columns["detail"].width >= 24

        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: "detail" not in table.columns)
        assert isinstance(app.screen, CommissioningScreen)
        table.focus()
        table.move_cursor(row=table.get_row_index("heartbeat"))
        await pilot.pause()
        below = str(screen.query_one("#evidence-title", Static).render())
        assert detail.replace(" ", "") in below.replace(" ", "").replace("\n", "")
        check = str(table.get_cell("heartbeat", "title"))
        assert check == "Heartbeats at the configured interval"


def test_an_offline_reason_is_never_cut_to_its_first_letter() -> None:
    for reason in (
        "connection dropped without a close frame",
        "closed by charger: normal closure",
        "closed by ocpp-tui: going away",
        "session stopped",
    ):
        for width in (13, 20, 32):
            text = offline_text(reason, width)
            assert len(text) <= width
            assert not text.endswith("n…") and text.split(" ", 1)[1][:2] != "n…", text
    assert offline_text("connection dropped without a close frame", 13) == "○ dropped"
    assert offline_text("closed by charger: normal closure", 20) == "○ charger closed"


async def test_the_charger_list_says_why_a_charger_went_offline_at_80_columns(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await listening_port(pilot, hub)
        charger = await connect_raw(hub, "CP-1")
        await charger.boot_16()
        chargers = app.screen.query_one(ChargerList)
        await until(pilot, lambda: chargers.row_count == 1)
        charger.connection.transport.abort()  # the cable is pulled: no close frame
        await until(pilot, lambda: not hub.chargers["CP-1"].connected)
        await until(pilot, lambda: "○" in str(chargers.get_cell("CP-1", "connection")))
        assert str(chargers.get_cell("CP-1", "connection")) == "○ dropped"
