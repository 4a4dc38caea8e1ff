"""The first hour on site (issue 17): nothing important is cut off, at 120x40 and at 80x24."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_list import ChargerList, offline_text
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.chargers.charger_summary import ChargerSummary
from ocpptui.ui.commissioning.commissioning_screen import CommissioningScreen
from ocpptui.ui.common.display_text import short_path
from ocpptui.ui.configuration.keys_table import KeyRow, KeysTable
from tests.helpers import connect_raw
from tests.ui.commissioning.helpers import open_commissioning
from tests.ui.helpers import listening_port, until

LONG_KEY = "VendorSpecificMaximumChargingCurrentPerPhaseLimit"  # 49 characters
LONG_VALUE = "x" * 200


class ConfigApp(App[None]):
    def compose(self) -> ComposeResult:
        yield KeysTable()


async def test_the_configuration_key_column_takes_what_the_longest_key_needs() -> None:
    app = ConfigApp()
    rows = [KeyRow("HeartbeatInterval", "60", False), KeyRow(LONG_KEY, LONG_VALUE, False)]
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(KeysTable)
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
        _, screen = await open_commissioning(pilot, app, hub, "CP-1")
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


async def test_at_80x24_the_charger_header_takes_five_lines_and_shortens_the_log_path(
    app: OcppTuiApp, hub: Hub, start_sim
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await listening_port(pilot, hub)
        await start_sim("CP-LONG-IDENTITY-0001", auto_transaction=True)
        await app.open_charger("CP-LONG-IDENTITY-0001")
        await until(pilot, lambda: isinstance(app.screen, ChargerScreen))
        await pilot.pause()
        summary = app.screen.query_one("#summary", ChargerSummary)
        link = app.screen.query_one("#link-panel")
        assert summary.outer_size.height + link.outer_size.height <= 5
        assert "CP-LONG-IDENTITY-0001" in str(summary.border_title)  # the head is the title
        text = str(summary.render())
        log_line = next(line for line in text.splitlines() if line.startswith("Log "))
        assert len(log_line) <= 78 and log_line.endswith("/frames.jsonl")
        frames = app.screen.query_one("#charger-frames")
        assert frames.size.height >= 10  # room for frames

        await pilot.resize_terminal(120, 40)  # tall enough: the whole summary again
        await until(pilot, lambda: str(summary.border_title) == "Charger")
        assert "Vendor" in str(summary.render())


def test_a_log_path_starts_with_the_home_folder_as_tilde_and_is_cut_in_the_middle() -> None:
    path = Path.home() / ".local/share/ocpp-tui/sessions/20240709-120323_CP-7_abc123/frames.jsonl"
    assert short_path(path, 200) == (
        "~/.local/share/ocpp-tui/sessions/20240709-120323_CP-7_abc123/frames.jsonl"
    )
    cut = short_path(path, 50)
    assert len(cut) == 50 and cut.startswith("~/.local") and "…" in cut
    assert cut.endswith("CP-7_abc123/frames.jsonl")
    assert short_path("/srv/logs/frames.jsonl", 40) == "/srv/logs/frames.jsonl"
