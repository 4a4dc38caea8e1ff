"""The selected row reads in both themes (issue 17): every kind of table, focused or not.

Measured on what the widgets render: the contrast of each piece of text on the selected row
against its background, at least WCAG's 3:1 for bold text.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import DataTable, OptionList, Tree

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.charger_list import ChargerList
from ocpptui.ui.commands.commands_panel import CommandsPanel
from ocpptui.ui.configuration.keys_table import KeyRow, KeysTable
from ocpptui.ui.frames.frame_table import FrameTable
from tests.helpers import connect_raw
from tests.ui.charger_tabs import wait_until
from tests.ui.contrast import READABLE, worst_contrast
from tests.ui.helpers import SIZE, listening_port, until

THEMES = ("textual-light", "textual-dark")


class ConfigApp(App[None]):
    def compose(self) -> ComposeResult:
        yield KeysTable()


def _cursor_line(widget: Widget) -> int:
    """The screen line (within the widget) of its selected row."""
    if isinstance(widget, FrameTable):
        assert widget.cursor_row is not None
        return widget.cursor_row - round(widget.scroll_y) + 1  # under the header
    if isinstance(widget, DataTable):
        return widget.cursor_row - round(widget.scroll_y) + (1 if widget.show_header else 0)
    if isinstance(widget, Tree):
        return widget.cursor_line - round(widget.scroll_y)
    if isinstance(widget, OptionList):
        assert widget.highlighted is not None
        return widget.highlighted - round(widget.scroll_y)
    raise TypeError(widget)


async def _assert_selected_rows_read(
    pilot, app: OcppTuiApp, widgets: list[tuple[Widget, str]]
) -> None:
    """Each widget's selected row, focused and not, in each theme (themes switched once)."""
    for theme in THEMES:
        app.theme = theme
        await pilot.pause()
        for widget, what in widgets:
            for focused in (True, False):
                if focused:
                    widget.focus()
                else:
                    app.screen.set_focus(None)
                await pilot.pause()
                ratio, text = worst_contrast(widget.render_line(_cursor_line(widget)))
                state = "focused" if focused else "not focused"
                assert ratio >= READABLE, f"{what}, {theme}, {state}: {text!r} at {ratio:.2f}:1"


async def test_the_selected_frame_and_charger_read_in_both_themes(
    app: OcppTuiApp, hub: Hub
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await listening_port(pilot, hub)
        charger = await connect_raw(hub, "CP-1")
        await charger.boot_16()
        await charger.call(
            "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Faulted"}
        )
        frames = app.screen.query_one("#all-frames", FrameTable)
        await until(pilot, lambda: frames.row_count == 4)
        chargers = app.screen.query_one(ChargerList)
        for row in (2, 1):  # a CALL coming in, the RESULT going out
            frames.move_cursor(row)
            await _assert_selected_rows_read(
                pilot, app, [(frames, f"frame row {row}"), (chargers, "charger list")]
            )


async def test_the_selected_command_reads_in_both_themes(
    app: OcppTuiApp, hub: Hub, charger_tab
) -> None:
    async with charger_tab("tab-commands", CommandsPanel) as (pilot, _, _, _):
        commands = await _commands_list(pilot, app)
        await _assert_selected_rows_read(pilot, app, [(commands, "command list")])


async def test_the_selected_configuration_key_reads_in_both_themes() -> None:
    app = ConfigApp()
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(KeysTable)
        table.show(
            [
                KeyRow("AuthorizeRemoteTxRequests", "true", False, "Accepted"),
                KeyRow("ConnectorPhaseRotation", "0.RST", False, "Rejected"),
                KeyRow("NumberOfConnectors", "2", True, "RebootRequired"),
                KeyRow("VendorKey", None, None, "unknown to charger"),
            ]
        )
        table.action_toggle_mark()
        for row in range(table.row_count):
            table.move_cursor(row=row)
            await _assert_selected_rows_read(pilot, app, [(table, f"configuration row {row}")])


async def _commands_list(pilot, app: OcppTuiApp) -> OptionList:
    await wait_until(pilot, lambda: bool(app.screen.query(CommandsPanel)))
    commands = app.screen.query_one("#command-list", OptionList)
    await wait_until(pilot, lambda: commands.highlighted is not None)
    return commands
