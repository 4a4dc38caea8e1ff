"""The Configuration tab of a 1.6 charger against the real simulator."""

from __future__ import annotations

from textual.notifications import Notify

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_screen import ChargerScreen
from ocpptui.ui.common.prompt_screen import PromptScreen
from ocpptui.ui.configuration.edit_value_screen import EditValueScreen
from ocpptui.ui.configuration.keys_panel import KeysPanel
from ocpptui.ui.configuration.keys_table import KeysTable
from tests.ui.charger_tabs import of_type, sent_actions, type_into, wait_until


async def _read(pilot, panel: KeysPanel) -> KeysTable:
    await pilot.press("r")
    await wait_until(pilot, lambda: panel.has_data() and not panel.reading)
    return panel.table_widget


async def _edit(pilot, app: OcppTuiApp, table: KeysTable, key: str) -> None:
    table.focus()
    table.move_cursor(row=table.get_row_index(key), animate=False)
    await pilot.press("enter")


async def test_keys_load_and_an_edit_shows_accepted_and_the_value_read_back(
    app: OcppTuiApp, hub: Hub, charger_tab
) -> None:
    async with charger_tab("tab-config", KeysPanel, protocol="ocpp1.6") as (pilot, panel, seen, _):
        table = await _read(pilot, panel)
        assert len(table.all_rows) > 30
        assert table.row_for("GetConfigurationMaxKeys").readonly is True
        assert table.row_for("HeartbeatInterval").readonly is False
        info = str(panel.query_one("#config-info").render())
        assert "read by all keys" in info and "read-only" in info

        # Find narrows the table to matching keys.
        await type_into(pilot, panel.query_one("#config-filter"), "heartbeat")
        assert [row.key for row in table.shown_rows] == ["HeartbeatInterval"]

        await _edit(pilot, app, table, "HeartbeatInterval")
        await wait_until(pilot, lambda: isinstance(app.screen, EditValueScreen))
        editor = app.screen
        assert "Seconds between heartbeats" in str(editor.query_one("#edit-info").render())
        await type_into(pilot, editor.query_one("#edit-value"), "30")
        changed = lambda: of_type(seen, KeysPanel.ValueChanged)  # noqa: E731
        await wait_until(pilot, lambda: changed())
        result = changed()[0].result
        assert result.status == "Accepted" and result.confirmed_value == "30"
        row = table.row_for("HeartbeatInterval")
        assert row.status == "Accepted" and row.value == "30"
        assert str(table.get_row("HeartbeatInterval")[4]) == "Accepted"
        # ChangeConfiguration, then the key read back.
        assert sent_actions(hub)[-2:] == ["ChangeConfiguration", "GetConfiguration"]


async def test_read_only_and_invalid_values_are_refused_here_unknown_keys_get_not_supported(
    app: OcppTuiApp, hub: Hub, charger_tab
) -> None:
    async with charger_tab("tab-config", KeysPanel, protocol="ocpp1.6") as (pilot, panel, seen, _):
        table = await _read(pilot, panel)
        sent_before = len(sent_actions(hub))

        # A read-only key does not even open the editor.
        await _edit(pilot, app, table, "GetConfigurationMaxKeys")
        await pilot.pause()
        assert isinstance(app.screen, ChargerScreen)
        notes = [m.notification.message for m in of_type(seen, Notify)]
        assert any("read-only" in note for note in notes)

        # An invalid value is refused in the editor; nothing goes to the charger.
        await _edit(pilot, app, table, "HeartbeatInterval")
        await wait_until(pilot, lambda: isinstance(app.screen, EditValueScreen))
        editor = app.screen
        await type_into(pilot, editor.query_one("#edit-value"), "soon")
        assert isinstance(app.screen, EditValueScreen)
        assert "must be a whole number" in editor.error_text
        # Editing the value takes the reason away: it was about the value sent before.
        await pilot.press("backspace")
        await pilot.pause()
        assert editor.error_text == ""
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ChargerScreen))
        assert len(sent_actions(hub)) == sent_before

        # A vendor key the charger does not have: added by name, asked for, NotSupported.
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await type_into(pilot, app.screen.query_one("#prompt-input"), "AcmeBeeperVolume")
        await wait_until(pilot, lambda: not panel.reading)
        assert table.row_for("AcmeBeeperVolume").status == "unknown to charger"
        assert table.cursor_key == "AcmeBeeperVolume"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, EditValueScreen))
        await type_into(pilot, app.screen.query_one("#edit-value"), "3")
        await wait_until(pilot, lambda: of_type(seen, KeysPanel.ValueChanged))
        assert of_type(seen, KeysPanel.ValueChanged)[0].result.status == "NotSupported"
        await wait_until(pilot, lambda: table.row_for("AcmeBeeperVolume").status == "NotSupported")
        assert sent_actions(hub)[-1] == "ChangeConfiguration"


def test_configuration_values_sort_as_numbers_then_text() -> None:
    from ocpptui.ui.configuration.keys_table import KeyRow, _sort_key

    rows = [KeyRow(key, value, False) for key, value in [
        ("A", "60"), ("B", "5"), ("C", "true"), ("D", None), ("E", "50"), ("F", "nan"), ("G", "8")
    ]]  # fmt: skip
    ordered = sorted(rows, key=lambda row: _sort_key(row, "value"))
    assert [row.value for row in ordered] == ["5", "8", "50", "60", "nan", "true", None]


async def test_the_info_line_says_how_each_read_went_by_name_or_complete(
    app: OcppTuiApp, hub: Hub, charger_tab
) -> None:
    """Two keys re-read by name are "2 keys by name" (not "batches of 10 keys") and never
    pass for the complete read; one key is "1 key", never "1 keys"."""
    async with charger_tab("tab-config", KeysPanel, protocol="ocpp1.6") as (pilot, panel, _, _):
        info = lambda: str(panel.query_one("#config-info").render())  # noqa: E731
        table = panel.table_widget

        # One key read by name before anything else: said so, and that it is not complete.
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await type_into(pilot, app.screen.query_one("#prompt-input"), "HeartbeatInterval")
        await wait_until(pilot, lambda: panel.has_data() and not panel.reading)
        assert "read by 1 key by name · 1 key ·" in info()
        assert "not a complete read: r reads everything" in info()

        await _read(pilot, panel)
        assert "read by all keys" in info() and "not a complete read" not in info()
        table.focus()
        for key in ("HeartbeatInterval", "MeterValueSampleInterval"):
            table.move_cursor(row=table.get_row_index(key), animate=False)
            await pilot.press("space")
        await pilot.press("R")
        await wait_until(pilot, lambda: "then 2 keys by name at" in info())
        assert "read by all keys" in info() and "batches of" not in info()
