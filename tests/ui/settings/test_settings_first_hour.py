"""Settings on a first day (issue 17): the theme list fits with its choice in view, and
closing with changes not saved asks first."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select
from textual.widgets._select import SelectOverlay

from ocpptui.app.app import OcppTuiApp
from ocpptui.core.hub import Hub
from ocpptui.ui.chargers.main_screen import MainScreen
from ocpptui.ui.common.confirm_screen import ConfirmScreen
from ocpptui.ui.common.key_footer import KeyFooter
from ocpptui.ui.settings.settings_screen import SettingsScreen
from tests.ui.helpers import until
from tests.ui.settings.helpers import settings_file


async def _open_settings(pilot, app: OcppTuiApp) -> SettingsScreen:
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, SettingsScreen))
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_theme_list_fits_and_shows_the_current_theme(
    app: OcppTuiApp, hub: Hub, size: tuple[int, int]
) -> None:
    settings_file(app)
    app.listen = False
    async with app.run_test(size=size) as pilot:
        screen = await _open_settings(pilot, app)
        theme = screen.query_one("#setting-ui-theme", Select)
        for current in ("textual-light", "catppuccin-latte"):
            theme.value = current
            theme.focus()
            await pilot.pause()
            await pilot.press("enter")
            overlay = theme.query_one(SelectOverlay)
            await until(pilot, lambda: theme.expanded and theme.query_one(SelectOverlay).region)
            await pilot.pause()
            width = size[0]
            region = overlay.region
            footer = screen.query_one(KeyFooter).region
            assert region.x >= 0 and region.y >= 0 and region.right <= width
            assert region.bottom <= footer.y  # the footer's keys stay in view (esc closes it)
            assert not region.overlaps(theme.region)  # and so does the field
            index = overlay.highlighted
            assert index is not None and str(overlay.get_option_at_index(index).prompt) == current
            content = overlay.content_region
            line = content.y + index - round(overlay.scroll_y)
            assert content.y <= line < content.bottom  # in the open list's view ...
            widget, _ = screen.get_widget_at(content.x + 1, line)
            assert widget is overlay  # ... and on top of anything else there
            await pilot.press("escape")
            await until(pilot, lambda: not theme.expanded)


async def test_closing_with_unsaved_changes_asks_first(app: OcppTuiApp, hub: Hub) -> None:
    path = settings_file(app)
    app.listen = False
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_settings(pilot, app)
        await pilot.press("escape")  # nothing changed: it just closes
        await until(pilot, lambda: isinstance(app.screen, MainScreen))

        screen = await _open_settings(pilot, app)
        screen.query_one("#setting-server-port", Input).value = "9100"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        assert "not saved: port." in str(app.screen.query_one("#confirm-text").render()).lower()
        await pilot.press("escape")  # keep editing: the change is still there
        await until(pilot, lambda: app.screen is screen)
        assert screen.query_one("#setting-server-port", Input).value == "9100"

        await pilot.press("ctrl+s")  # saved: closing no longer asks
        await until(pilot, lambda: "port = 9100" in path.read_text())
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))

        screen = await _open_settings(pilot, app)
        screen.query_one("#setting-server-port", Input).value = "9200"
        screen.query_one("#settings-close").press()
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        await pilot.press("y")  # discard
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert "port = 9100" in path.read_text()
